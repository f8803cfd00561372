"""Ingest of the vendor's order data (docs/import-format.md).

The whole file is validated first — JSON syntax (line and column), the core ``tenants`` section and
every plugin section — and rejected whole, naming each path at fault, before anything is written.
Then everything is applied in one transaction as upserts keyed by natural keys, so importing the
same file twice changes nothing the second time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import PERSON_ROLES
from core.authz import PUBLIC_MAIL_DOMAINS
from core.context import mark_import
from core.cors import forget_tenant_origins, normalise_origins
from core.errors import BadUserInput
from core.hookspecs import ImportSection
from core.i18n import DEFAULT_LOCALE, _, locales_list, supported_locale
from core.importing import Email, ImportItem, text, validate_items
from core.models import Person, PersonRole, Tenant, TenantDomain, TenantPlugin

SECTORS = {"COMMERCIAL", "PUBLIC_SECTOR", "US_FEDERAL", "EDUCATION"}


@dataclass
class ImportReport:
    tenants: int
    sections: dict[str, int]


def parse_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text, parse_float=Decimal)  # amounts exactly as written, never a binary float
    except json.JSONDecodeError as exc:
        raise BadUserInput(
            _(
                "Malformed JSON at line {lineno}, column {colno}: {msg}",
                lineno=exc.lineno,
                colno=exc.colno,
                msg=exc.msg,
            ),
            line=exc.lineno,
            column=exc.colno,
        ) from exc
    if not isinstance(data, dict):
        raise BadUserInput(_("The import file must be a JSON object with a 'tenants' list"))
    return data


def _domain(value: Any) -> str:
    if not isinstance(value, str) or "." not in value or "@" in value:
        raise ValueError("not a domain name")
    if value.lower() in PUBLIC_MAIL_DOMAINS:
        raise ValueError(f"public mail provider {value!r} cannot be a tenant domain")
    return value.lower()


def _origins(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise ValueError("a list of origins such as https://portal.example")
    return normalise_origins(value)


def _some_domain(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("at least one email domain is required")
    return value


def _country(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 2:
        raise ValueError("two-letter ISO country code")
    return value.upper()


def _locale(value: Any) -> str:
    found = supported_locale(value)
    if found is None:
        raise ValueError(f"one of {locales_list()}")
    return found


Locale = Annotated[str, BeforeValidator(_locale)]


def _one_of(allowed: set[str] | frozenset[str]) -> Any:
    def check(value: Any) -> str:
        if value not in allowed:
            raise ValueError(f"one of {sorted(allowed)}")
        return value

    return BeforeValidator(check)


class PersonItem(ImportItem):
    email: Email
    firstName: text(100, required=False) = ""  # noqa: N815 - the documented key
    lastName: text(100, required=False) = ""  # noqa: N815
    roles: list[Annotated[str, _one_of(PERSON_ROLES)]] = []
    admin: bool = False
    locale: Locale | None = None


class TenantItem(ImportItem):
    key: text(64)
    name: text(200)
    domains: Annotated[list[Annotated[str, BeforeValidator(_domain)]], AfterValidator(_some_domain)]
    sector: Annotated[str, _one_of(SECTORS)] = "COMMERCIAL"
    country: Annotated[str, BeforeValidator(_country)] = "US"
    plugins: list[str] | None = None
    people: list[PersonItem] = []
    reseller: bool = False
    resellerKey: str | None = None  # noqa: N815
    # Browser origins of the tenant's portal (CORS, core/cors.py); absent keeps what is stored.
    portalOrigins: Annotated[list[str], BeforeValidator(_origins)] | None = None  # noqa: N815
    locale: Locale = DEFAULT_LOCALE


def _validate_tenants(items: Any, plugin_names: set[str]) -> tuple[list[str], set[str]]:
    valid, errors = validate_items(TenantItem, items, "tenants")
    keys: set[str] = set()
    for i, t in valid:
        at = f"tenants[{i}]"
        if t.key in keys:
            errors.append(f"{at}.key: duplicate tenant key {t.key!r}")
        keys.add(t.key)
        errors += [
            f"{at}.plugins[{j}]: unknown plugin {p!r}" for j, p in enumerate(t.plugins or []) if p not in plugin_names
        ]
        errors += [
            f"{at}.people[{j}].email: {person.email} is not in the tenant's domains"
            for j, person in enumerate(t.people)
            if person.email.rsplit("@", 1)[1] not in t.domains
        ]
    return errors, keys


async def _apply_tenants(
    session: AsyncSession, items: list[dict], now: Any, default_plugins: list[str]
) -> dict[str, int]:
    ids: dict[str, int] = {}
    for t in items:
        tenant = (await session.execute(select(Tenant).where(Tenant.key == t["key"]))).scalar_one_or_none()
        if tenant is None:
            tenant = Tenant(key=t["key"], name=t["name"], created_at=now, domains=[], plugins=[])
            session.add(tenant)
        tenant.name = t["name"]
        tenant.country = t.get("country", "US").upper()
        tenant.sector = t.get("sector", "COMMERCIAL")
        tenant.default_locale = supported_locale(t.get("locale")) or DEFAULT_LOCALE
        tenant.is_reseller = bool(t.get("reseller", False))
        if t.get("resellerKey"):
            parent = (
                ids.get(t["resellerKey"])
                or (await session.execute(select(Tenant.id).where(Tenant.key == t["resellerKey"]))).scalar_one_or_none()
            )
            tenant.reseller_id = parent
        if t.get("portalOrigins") is not None:
            tenant.portal_origins = normalise_origins(t["portalOrigins"])
        known = {d.domain for d in tenant.domains}
        for d in t["domains"]:
            if d.lower() not in known:
                tenant.domains.append(TenantDomain(domain=d.lower(), verified=True))
        wanted = set(t.get("plugins") or default_plugins)
        have = {p.plugin: p for p in tenant.plugins}
        if "plugins" in t or not have:
            for name in wanted - have.keys():
                tenant.plugins.append(TenantPlugin(plugin=name, enabled=True))
            for name, row in have.items():
                row.enabled = name in wanted
        await session.flush()
        ids[t["key"]] = tenant.id
        for person_data in t.get("people", []) or []:
            email = person_data["email"].strip().lower()
            person = (await session.execute(select(Person).where(Person.email == email))).scalar_one_or_none()
            if person is None:
                person = Person(tenant_id=tenant.id, email=email, status="ACTIVE", created_at=now, roles=[])
                session.add(person)
            person.first_name = person_data.get("firstName", person.first_name or "")
            person.last_name = person_data.get("lastName", person.last_name or "")
            if "locale" in person_data:
                person.locale = supported_locale(person_data["locale"])
            roles = set(person_data.get("roles", []))
            if person_data.get("admin"):
                roles.add("ADMIN")
            have_roles = {r.role for r in person.roles}
            for r in sorted(roles - have_roles):
                person.roles.append(PersonRole(tenant_id=tenant.id, role=r))
        await session.flush()
    return ids


async def import_data(session: AsyncSession, data: dict[str, Any], state: Any) -> ImportReport:
    """Validate everything, then apply in the caller's transaction (the caller commits)."""
    from core.exchange import IMPORT_SECTION as EXCHANGE_RATES

    sections: list[ImportSection] = [EXCHANGE_RATES]
    for result in state.plugins.pm.hook.cc_import_sections():
        sections.extend(result or [])
    known = {"tenants", *(s.key for s in sections)}
    errors = [f"{k}: unknown section (known: {', '.join(sorted(known))})" for k in data if k not in known]
    tenant_errors, new_keys = _validate_tenants(data.get("tenants", []), set(state.plugins.names))
    errors.extend(tenant_errors)
    existing_keys = set((await session.execute(select(Tenant.key))).scalars())
    tenant_keys = new_keys | existing_keys
    for section in sections:
        if section.key in data:
            errors.extend(section.validate(data[section.key], tenant_keys))
    if errors:
        raise BadUserInput(
            f"Import rejected, nothing written: {errors[0]}"
            + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
            errors=errors[:200],
        )
    mark_import(session)  # section applies emit with context_of(session, tenant_id), as the import
    now = state.clock.now()
    ids = await _apply_tenants(session, data.get("tenants", []), now, state.plugins.default_enabled())
    all_ids = {k: v for k, v in (await session.execute(select(Tenant.key, Tenant.id))).all()}
    all_ids.update(ids)
    counts: dict[str, int] = {}
    for section in sorted(sections, key=lambda s: s.order):
        if section.key in data:
            await section.apply(session, all_ids, data[section.key], state.clock)
            counts[section.key] = len(data[section.key])
    await session.flush()
    forget_tenant_origins(state)
    return ImportReport(tenants=len(ids), sections=counts)
