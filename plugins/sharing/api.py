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

from core.events import event_spec

RENEWAL_SHARED: Final = "renewal.shared"
RENEWAL_SHARE_CHANGED: Final = "renewal.share_changed"
RENEWAL_UNSHARED: Final = "renewal.unshared"
SHARE_IMPORTED: Final = "share.imported"

EVENTS = (
    event_spec(
        RENEWAL_SHARED,
        "sharing",
        "A renewal was shared with people, or re-shared with a new role (`shareRenewal`, R-S1): after the "
        "shares are written, before the commit.",
        ("support_number", "str", "the renewal shared"),
        ("emails", "list", "every person of the request, lower case, new shares and re-shares alike"),
        ("role", "str", "PARTICIPANT or VIEWER"),
        ("shared_by", "str", "email of the person who shared it"),
    ),
    event_spec(
        RENEWAL_SHARE_CHANGED,
        "sharing",
        "The role of one person's share of a renewal changed (`changeRenewalShareRole`), before the commit.",
        ("support_number", "str", "the renewal"),
        ("email", "str", "the person the renewal is shared with"),
        ("role", "str", "the new role: PARTICIPANT or VIEWER"),
        ("changed_by", "str", "email of the person who changed it"),
    ),
    event_spec(
        RENEWAL_UNSHARED,
        "sharing",
        "One person's share of a renewal ended: revoked (R-S5), or the person was removed (R-A3).",
        ("support_number", "str", "the renewal"),
        ("email", "str", "the person who no longer has the share"),
    ),
    event_spec(
        SHARE_IMPORTED,
        "sharing",
        "An import wrote a share (section `shares`): once per item, new or existing, in the import's transaction.",
        ("object_type", "str", "renewal or billing_dashboard"),
        ("support_number", "str | null", "the renewal shared; null for the billing dashboard"),
        ("email", "str", "the person it is shared with"),
        ("role", "str", "the share's role"),
        ("created", "bool", "true when the import created the share, false when it existed"),
    ),
)
"""Every event the sharing plugin emits, with its payload (docs/writing-a-plugin.md §5)."""


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
