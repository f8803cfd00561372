"""Demo shares for the demo tenant: a billing-dashboard share (R-S4) and, once the renewals plugin
has added demo renewals, one of them shared with the executive (PARTICIPANT) and finance (VIEWER)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import ObjectGrant
from plugins.sharing import service


async def _grant(
    session: AsyncSession, tenant_id: int, obj: str, obj_id: str, email: str, role: str, by: str, clock: Any
) -> None:
    exists = (
        await session.execute(
            select(ObjectGrant.id).where(
                ObjectGrant.tenant_id == tenant_id,
                ObjectGrant.object_type == obj,
                ObjectGrant.object_id == obj_id,
                ObjectGrant.grantee_email == email,
            )
        )
    ).first()
    if exists is None:
        session.add(
            ObjectGrant(
                tenant_id=tenant_id,
                object_type=obj,
                object_id=obj_id,
                grantee_email=email,
                role=role,
                granted_by=by,
                created_at=clock.now(),
            )
        )


async def _a_demo_renewal(session: AsyncSession, tenant_id: int, owner: str) -> str | None:
    """The support number of one pending demo renewal quoted to ``owner``. Read through SQL, never the renewals models
    (plugins do not import each other); absent when the renewals plugin has no table or rows."""
    try:
        async with session.begin_nested():
            row = (
                await session.execute(
                    text(
                        "SELECT support_number FROM renewal_renewals WHERE tenant_id = :t AND quote_to_email = :o "
                        "AND accepted_at IS NULL ORDER BY start_date, support_number LIMIT 1"
                    ),
                    {"t": tenant_id, "o": owner},
                )
            ).first()
    except Exception:
        return None
    return str(row[0]) if row else None


async def add_demo_data(session: AsyncSession, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    await _grant(
        session,
        tenant_id,
        service.BILLING_DASHBOARD_OBJECT,
        service.BILLING_DASHBOARD_ID,
        people["EXECUTIVE"],
        service.BILLING_DASHBOARD_ROLE,
        people["FINANCE"],
        clock,
    )
    support_number = await _a_demo_renewal(session, tenant_id, people["TECHNICAL"])
    if support_number is not None:
        by = people["TECHNICAL"]
        await _grant(session, tenant_id, "renewal", support_number, people["EXECUTIVE"], service.PARTICIPANT, by, clock)
        await _grant(session, tenant_id, "renewal", support_number, people["FINANCE"], service.VIEWER, by, clock)
    await session.flush()
