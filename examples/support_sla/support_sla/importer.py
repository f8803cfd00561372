"""Import section ``supportSlas``: the SLA level of renewals, in the vendor's order data.

    {"supportSlas": [{"tenant": "acme", "supportNumber": "SN-1", "level": "PREMIUM"}]}

Applied after core's tenants and the renewals module's section (``order``), idempotent per (tenant,
supportNumber); each item written emits ``support_sla.imported`` in the import's transaction."""

from __future__ import annotations

from typing import Any

from core.sdk import BadUserInput, ImportItem, ImportSection, context_of, text, validate_items
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from support_sla.api import SLA_IMPORTED
from support_sla.models import SupportSla
from support_sla.service import level_of, support_number_of

SECTION = "supportSlas"
ORDER = 600  # after core's tenants and the renewals section (50): the renewals exist when this applies


class SlaItem(ImportItem):
    tenant: text(64)
    supportNumber: text(64)  # noqa: N815 - the documented key
    level: text(16)


def validate(items: Any, tenant_keys: set[str]) -> list[str]:
    """Errors naming the path at fault; ``tenant_keys`` holds the keys of the tenants in this file
    and those already in the database."""
    valid, errors = validate_items(SlaItem, items, SECTION)
    seen: set[tuple[str, str]] = set()
    for i, item in valid:
        at = f"{SECTION}[{i}]"
        if item.tenant not in tenant_keys:
            errors.append(f"{at}.tenant: unknown tenant {item.tenant!r}")
        for key, check in (("supportNumber", support_number_of), ("level", level_of)):
            try:
                check(getattr(item, key))
            except BadUserInput as exc:
                errors.append(f"{at}.{key}: {exc}")
        if (item.tenant, item.supportNumber.strip()) in seen:
            errors.append(f"{at}.supportNumber: duplicate {item.supportNumber!r} for tenant {item.tenant!r}")
        seen.add((item.tenant, item.supportNumber.strip()))
    return errors


async def apply(session: AsyncSession, tenant_ids: dict[str, int], items: list[Any], clock: Any) -> None:
    """Upsert each item; the importer's session is not bound to a tenant, so ``tenant_id`` is explicit."""
    valid, _ = validate_items(SlaItem, items, SECTION)
    for _, item in valid:
        tenant_id, number = tenant_ids[item.tenant], support_number_of(item.supportNumber)
        level, hours = level_of(item.level)
        found = await session.execute(
            select(SupportSla).where(SupportSla.tenant_id == tenant_id, SupportSla.support_number == number)
        )
        row = found.scalar_one_or_none()
        if row is None:
            row = SupportSla(tenant_id=tenant_id, support_number=number, level=level, response_hours=hours)
            session.add(row)
        row.level, row.response_hours, row.set_by, row.updated_at = level, hours, "import", clock.now()
        await session.flush()
        ctx = await context_of(session, tenant_id)  # the import's context in this tenant
        await ctx.emit(SLA_IMPORTED, {"support_number": number, "level": level, "response_hours": hours})


SECTIONS = [ImportSection(key=SECTION, validate=validate, apply=apply, order=ORDER)]
