"""Ingest of the vendor's order data (docs/import-format.md).

The whole file is validated first — JSON syntax (line and column), the core ``tenants`` section and
every plugin section — and rejected whole, naming each path at fault, before anything is written.
Then everything is applied in one transaction as upserts keyed by natural keys, so importing the
same file twice changes nothing the second time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth import PERSON_ROLES
from core.authz import PUBLIC_MAIL_DOMAINS
from core.emails import is_email
from core.errors import BadUserInput
from core.hookspecs import ImportSection
from core.models import Person, PersonRole, Tenant, TenantDomain, TenantPlugin

SECTORS = {"COMMERCIAL", "PUBLIC_SECTOR", "US_FEDERAL", "EDUCATION"}


@dataclass
class ImportReport:
    tenants: int
    sections: dict[str, int]


def parse_json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadUserInput(
            f"Malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from exc
    if not isinstance(data, dict):
        raise BadUserInput("The import file must be a JSON object with a 'tenants' list")
    return data


def _validate_tenants(items: Any, plugin_names: set[str]) -> tuple[list[str], set[str]]:
    errors: list[str] = []
    keys: set[str] = set()
    if not isinstance(items, list):
        return ["tenants: must be a list"], keys
    for i, t in enumerate(items):
        at = f"tenants[{i}]"
        if not isinstance(t, dict):
            errors.append(f"{at}: must be an object")
            continue
        key = t.get("key")
        if not isinstance(key, str) or not key.strip() or len(key) > 64:
            errors.append(f"{at}.key: required string of at most 64 characters")
        elif key in keys:
            errors.append(f"{at}.key: duplicate tenant key {key!r}")
        else:
            keys.add(key)
        if not isinstance(t.get("name"), str) or not t["name"].strip():
            errors.append(f"{at}.name: required string")
        domains = t.get("domains")
        if not isinstance(domains, list) or not domains:
            errors.append(f"{at}.domains: at least one email domain is required")
        else:
            for j, d in enumerate(domains):
                if not isinstance(d, str) or "." not in d or "@" in d:
                    errors.append(f"{at}.domains[{j}]: not a domain name")
                elif d.lower() in PUBLIC_MAIL_DOMAINS:
                    errors.append(f"{at}.domains[{j}]: public mail provider {d!r} cannot be a tenant domain")
        if "sector" in t and t["sector"] not in SECTORS:
            errors.append(f"{at}.sector: one of {sorted(SECTORS)}")
        country = t.get("country", "US")
        if not isinstance(country, str) or len(country) != 2:
            errors.append(f"{at}.country: two-letter ISO country code")
        for j, p in enumerate(t.get("plugins", []) or []):
            if p not in plugin_names:
                errors.append(f"{at}.plugins[{j}]: unknown plugin {p!r}")
        for j, person in enumerate(t.get("people", []) or []):
            pat = f"{at}.people[{j}]"
            email = person.get("email") if isinstance(person, dict) else None
            if not is_email(email):
                errors.append(f"{pat}.email: not a valid email address")
            elif isinstance(domains, list) and email.rsplit("@", 1)[1].lower() not in {str(d).lower() for d in domains}:
                errors.append(f"{pat}.email: {email} is not in the tenant's domains")
            roles = person.get("roles", []) if isinstance(person, dict) else []
            if not isinstance(roles, list) or not set(roles) <= PERSON_ROLES:
                errors.append(f"{pat}.roles: each one of {sorted(PERSON_ROLES)}")
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
        tenant.is_reseller = bool(t.get("reseller", False))
        if t.get("resellerKey"):
            parent = (
                ids.get(t["resellerKey"])
                or (await session.execute(select(Tenant.id).where(Tenant.key == t["resellerKey"]))).scalar_one_or_none()
            )
            tenant.reseller_id = parent
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
    sections: list[ImportSection] = []
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
    return ImportReport(tenants=len(ids), sections=counts)
