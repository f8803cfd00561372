"""Import section ``shares`` (docs/import/sharing.md): shares carried over from the vendor's previous
customer center, e.g. who a renewal was shared with and who sees the billing dashboard.

Validation names each path at fault. Rules that need the database — the same-email-domain rule (R-S3,
the Casbin matcher's own ``sameDomain`` function over the tenant's domains) and "the person is a user
of that tenant" — are checked in apply, which fails the whole import. Apply is an idempotent upsert by
(tenant, object, supportNumber, email): importing the same document twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.authz import same_domain
from core.context import context_of
from core.emails import parse_email
from core.errors import BadUserInput
from core.hookspecs import ImportSection
from core.i18n import _
from core.importing import Email, ImportItem, validate_items
from core.models import ObjectGrant, Person, TenantDomain
from plugins.sharing import service
from plugins.sharing.api import SHARE_IMPORTED

SECTION_KEY = "shares"
OBJECTS = ("renewal", "billing_dashboard")
MAX_ITEMS = 100_000
IMPORT_ACTOR = "import"


_email = parse_email


class ShareItem(ImportItem):
    """One share; which keys an object takes is checked after reading (the errors name them)."""

    tenant: str | None = None
    object: str | None = None
    email: Email
    supportNumber: str | None = None  # noqa: N815 - the documented key
    role: str | None = None
    grantedBy: Email | None = None  # noqa: N815


def _object_errors(at: str, item: dict[str, Any], tenant_keys: set[str]) -> list[str]:
    errors = [] if item.get("tenant") in tenant_keys else [f"{at}.tenant: unknown tenant {item.get('tenant')!r}"]
    obj, sn, role = item.get("object"), item.get("supportNumber"), item.get("role")
    if obj not in OBJECTS:
        errors.append(f"{at}.object: one of {list(OBJECTS)}")
    elif obj == "renewal":
        if not isinstance(sn, str) or not sn.strip() or len(sn.strip()) > 64:
            errors.append(f"{at}.supportNumber: required string of at most 64 characters")
        if role not in service.SHARE_ROLES:
            errors.append(f"{at}.role: one of {list(service.SHARE_ROLES)}")
    else:
        if sn is not None:
            errors.append(f"{at}.supportNumber: only for object 'renewal'")
        if role not in (None, service.BILLING_DASHBOARD_ROLE):
            errors.append(f"{at}.role: leave out (or {service.BILLING_DASHBOARD_ROLE!r}) for the billing dashboard")
    return errors


def validate(items: Any, tenant_keys: set[str]) -> list[str]:
    _, errors = validate_items(ShareItem, items, SECTION_KEY, max_items=MAX_ITEMS)
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        return errors
    seen: set[tuple] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        at = f"{SECTION_KEY}[{i}]"
        errors += _object_errors(at, item, tenant_keys)
        email, sn = _email(item.get("email")), item.get("supportNumber")
        key = (item.get("tenant"), item.get("object"), str(sn).strip() if sn else "*", email)
        if email and key in seen:
            errors.append(f"{at}: duplicate share of {key[1]} {key[2]} with {email}")
        seen.add(key)
    return errors


async def apply(session: AsyncSession, tenant_ids: dict[str, int], items: list[dict], clock: Any) -> None:
    tenant_of = {i: tenant_ids[item["tenant"]] for i, item in enumerate(items)}
    ids = set(tenant_of.values())
    domains: dict[int, list[str]] = {}
    for tenant_id, domain in (
        await session.execute(
            select(TenantDomain.tenant_id, TenantDomain.domain).where(TenantDomain.tenant_id.in_(ids))
        )
    ).all():
        domains.setdefault(tenant_id, []).append(domain)
    emails = {_email(item["email"]) for item in items}
    people = {
        (p.tenant_id, p.email): p.status
        for p in (
            await session.execute(
                select(Person).where(Person.email.in_(emails)).execution_options(skip_tenant_filter=True)
            )
        ).scalars()
    }
    errors: list[str] = []
    for i, item in enumerate(items):
        at, tenant_id, email = f"{SECTION_KEY}[{i}]", tenant_of[i], _email(item["email"])
        if not same_domain(email, ",".join(domains.get(tenant_id, []))):  # R-S3
            errors.append(f"{at}.email: {email} is not in the domains of tenant {item['tenant']!r}")
        elif people.get((tenant_id, email)) in (None, "REMOVED"):
            errors.append(
                f"{at}.email: {email} is not a user of tenant {item['tenant']!r} (add them under tenants[].people)"
            )
    if errors:
        raise BadUserInput(_("Import rejected, nothing written: {value}", value=errors[0]), errors=errors[:200])
    existing = {
        (g.tenant_id, g.object_type, g.object_id, g.grantee_email): g
        for g in (
            await session.execute(
                select(ObjectGrant)
                .where(
                    ObjectGrant.tenant_id.in_(ids),
                    ObjectGrant.object_type.in_(OBJECTS),
                    ObjectGrant.grantee_email.in_(emails),
                )
                .execution_options(skip_tenant_filter=True)
            )
        ).scalars()
    }
    for i, item in enumerate(items):
        renewal = item["object"] == "renewal"
        key = (
            tenant_of[i],
            item["object"],
            item["supportNumber"].strip() if renewal else service.BILLING_DASHBOARD_ID,
            _email(item["email"]),
        )
        role = item["role"] if renewal else service.BILLING_DASHBOARD_ROLE
        grant = existing.get(key)
        created = grant is None
        if grant is None:
            grant = existing[key] = ObjectGrant(
                tenant_id=key[0],
                object_type=key[1],
                object_id=key[2],
                grantee_email=key[3],
                role=role,
                granted_by=_email(item.get("grantedBy")) or IMPORT_ACTOR,
                created_at=clock.now(),
            )
            session.add(grant)
        elif grant.role != role:
            grant.role = role
        ctx = await context_of(session, key[0])  # the import's context in this tenant
        payload = {"object_type": key[1], "support_number": key[2] if renewal else None, "email": key[3]}
        await ctx.emit(SHARE_IMPORTED, {**payload, "role": role, "created": created})
    await session.flush()


SECTIONS = [ImportSection(key=SECTION_KEY, validate=validate, apply=apply, order=500)]
