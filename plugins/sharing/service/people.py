"""What happens to shares when a person leaves (R-A3), and people's user statuses."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from core.context import Context
from core.models import ObjectGrant, Person
from plugins.sharing.api import RENEWAL_UNSHARED
from plugins.sharing.service.common import BILLING_DASHBOARD_OBJECT, RENEWAL_OBJECT


async def forget_person(ctx: Context, email: str) -> int:
    """A removed person's shares end at once (R-A3): their renewal shares and billing-dashboard share
    are deleted, not kept for a re-admission (re-admitted people start without shares). Shares they
    gave others stay: those were the sharers' own decisions. Returns how many were deleted."""
    grants = list(
        (
            await ctx.session.execute(
                select(ObjectGrant).where(
                    ObjectGrant.tenant_id == ctx.tenant_id,
                    ObjectGrant.grantee_email == email,
                    ObjectGrant.object_type.in_([RENEWAL_OBJECT, BILLING_DASHBOARD_OBJECT]),
                )
            )
        ).scalars()
    )
    for grant in grants:
        await ctx.session.delete(grant)
    await ctx.session.flush()
    for grant in grants:
        if grant.object_type == RENEWAL_OBJECT:
            await ctx.emit(RENEWAL_UNSHARED, {"support_number": grant.object_id, "email": grant.grantee_email})
    return len(grants)


async def person_statuses(ctx: Context, emails: Sequence[str]) -> list[str | None]:
    """Batch: the user status (INVITED / ACTIVE / REMOVED) of each email, None when unknown. Unchecked:
    it shows the people of shares whose reader was checked."""
    found = {
        email: status
        for email, status in (
            await ctx.session.execute(select(Person.email, Person.status).where(Person.email.in_(set(emails))))
        ).all()
    }
    return [found.get(e) for e in emails]
