"""The sharing plugin's public API: the only sharing code other plugins may import.

Shares are rows of the core relation table ``core.models.ObjectGrant`` (object type ``"renewal"``,
the renewal's support number as object id). The reads here work on a session already bound to the
caller's tenant, take part in the caller's transaction and check no permission: the caller decides
who may see them. The events are published with ``ctx.emit`` to every plugin enabled for the tenant
(``cc_on_event``), in the transaction of the change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

RENEWAL_SHARED: Final = "renewal.shared"
"""A renewal was shared with people, or their share's role changed by sharing again (R-S1).
Payload: ``{"supportNumber": str, "emails": [str, ...], "role": "PARTICIPANT" | "VIEWER"}`` — every
person of the request, lower-cased, new shares and re-shares alike."""

RENEWAL_UNSHARED: Final = "renewal.unshared"
"""One person's share of a renewal ended: revoked (R-S5), or the person was removed from the
organisation (R-A3). Payload: ``{"supportNumber": str, "email": str}``."""


@dataclass(frozen=True)
class RenewalShare:
    """One person a renewal is shared with (R-S1)."""

    support_number: str
    email: str
    role: str  # PARTICIPANT (view, accept, request assistance) | VIEWER (view, request assistance)
    granted_by: str
    created_at: datetime


async def renewal_shares(session: AsyncSession, support_numbers: Sequence[str]) -> dict[str, list[RenewalShare]]:
    """The people each renewal is shared with, by email (R-S5); a renewal shared with nobody maps to
    an empty list. One statement whatever the number of renewals."""
    from plugins.sharing import service  # which imports this module for its event names

    grants = await service.shares_of(session, support_numbers)
    return {
        number: [RenewalShare(g.object_id, g.grantee_email, g.role, g.granted_by, g.created_at) for g in shares]
        for number, shares in zip(support_numbers, grants, strict=True)
    }


async def renewal_share_counts(session: AsyncSession, support_numbers: Sequence[str]) -> dict[str, int]:
    """How many people each renewal is shared with (R-S5, the count in exports); 0 when nobody.
    One statement whatever the number of renewals."""
    from plugins.sharing import service

    return await service.share_counts(session, support_numbers)
