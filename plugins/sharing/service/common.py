"""Sharing's constants (relation roles, objects, actions, input caps, email kinds) and the helpers
every section uses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from core.context import Context
from core.errors import Conflict
from core.i18n import _
from core.pagination import Page  # noqa: F401 - the service sections import it from here

# R-S1: the relation roles a renewal can be shared with (policy.csv gives each its actions).
PARTICIPANT = "PARTICIPANT"
VIEWER = "VIEWER"
SHARE_ROLES = (PARTICIPANT, VIEWER)
RENEWAL_OBJECT = "renewal"

# R-S4: the billing dashboard is one object per tenant; its share grants a tenant-wide role.
BILLING_DASHBOARD_OBJECT = "billing_dashboard"
BILLING_DASHBOARD_ID = "*"
BILLING_DASHBOARD_ROLE = "BILLING_DASHBOARD"

SHARE_LIST_OBJECT = "share_list"
SHARE_ACTION = "share"  # Casbin action for sharing, and for R-S3 (matcher m2)

# Input caps (an input list is capped like Shopify's 250) and the list name length.
MAX_EMAILS_PER_SHARE = 250
MAX_LIST_MEMBERS = 250
MAX_LIST_NAME = 100

# Kinds of the outbox emails / message-center entries this plugin writes.
RENEWAL_SHARED_KIND = "sharing.renewal_shared"
BILLING_DASHBOARD_SHARED_KIND = "sharing.billing_dashboard_shared"


@dataclass(frozen=True)
class ShareTargets:
    """The people a share reaches, validated: normalised, de-duplicated, same domain (R-S3)."""

    emails: tuple[str, ...]


async def _flush(ctx: Context, what: str) -> None:
    """Flush; a unique-key race with a concurrent request (two people sharing with the same person at
    once) becomes a retryable CONFLICT instead of an internal error. The request is rolled back whole."""
    try:
        await ctx.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _("{what} was changed by another request at the same time; try again", what=what), retryable=True
        ) from exc
