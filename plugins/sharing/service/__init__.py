"""Sharing rules (SPEC §5): renewal shares (R-S1, R-S2), the same-email-domain rule (R-S3),
billing-dashboard shares (R-S4) and listing / revoking shares (R-S5).

Every permission is decided by the Casbin enforcer (``ctx.require`` for role × object × action,
``ctx.authz.require_same_domain`` for R-S3, Casbin matcher m2); this module only orders the steps so
that all validation happens before the first write, and a refused request changes nothing.
Shares are rows of the core relation table :class:`core.models.ObjectGrant`.
"""

from __future__ import annotations

from plugins.sharing.service.billing_dashboard import (
    DASHBOARD_SHARED,
    billing_dashboard_shares_page,
    revoke_billing_dashboard,
    share_billing_dashboard,
)
from plugins.sharing.service.common import (
    BILLING_DASHBOARD_ID,
    BILLING_DASHBOARD_OBJECT,
    BILLING_DASHBOARD_ROLE,
    BILLING_DASHBOARD_SHARED_KIND,
    MAX_EMAILS_PER_SHARE,
    MAX_LIST_MEMBERS,
    MAX_LIST_NAME,
    PARTICIPANT,
    RENEWAL_OBJECT,
    RENEWAL_SHARED_KIND,
    SHARE_ACTION,
    SHARE_LIST_OBJECT,
    SHARE_ROLES,
    VIEWER,
    Page,
    ShareTargets,
)
from plugins.sharing.service.dashboard_requests import (
    dashboard_request_queue,
    decline_dashboard_request,
    grant_dashboard_request,
    request_dashboard_share,
)
from plugins.sharing.service.nodes import billing_dashboard_shares_by_ids, renewal_shares_by_ids, share_lists_by_ids
from plugins.sharing.service.people import forget_person, person_statuses
from plugins.sharing.service.renewals import (
    authorize_renewal_share,
    change_share_role,
    get_renewal_share,
    renewal_relation_roles,
    renewal_shares_by_number,
    renewal_shares_page,
    require_may_see_shares,
    revoke_renewal_share,
    share_counts,
    share_list_emails,
    share_renewal,
    shares_of,
)
from plugins.sharing.service.share_lists import delete_share_list, get_share_list, save_share_list, share_list_page
from plugins.sharing.service.validation import check_list_name, check_share_role, normalise_emails, share_targets

__all__ = [
    "dashboard_request_queue",
    "decline_dashboard_request",
    "grant_dashboard_request",
    "request_dashboard_share",
    "billing_dashboard_shares_by_ids",
    "renewal_shares_by_ids",
    "share_lists_by_ids",
    "PARTICIPANT",
    "VIEWER",
    "SHARE_ROLES",
    "RENEWAL_OBJECT",
    "BILLING_DASHBOARD_OBJECT",
    "BILLING_DASHBOARD_ID",
    "BILLING_DASHBOARD_ROLE",
    "SHARE_LIST_OBJECT",
    "SHARE_ACTION",
    "MAX_EMAILS_PER_SHARE",
    "MAX_LIST_MEMBERS",
    "MAX_LIST_NAME",
    "RENEWAL_SHARED_KIND",
    "BILLING_DASHBOARD_SHARED_KIND",
    "Page",
    "ShareTargets",
    "check_share_role",
    "normalise_emails",
    "check_list_name",
    "share_targets",
    "renewal_relation_roles",
    "authorize_renewal_share",
    "share_list_emails",
    "share_renewal",
    "get_renewal_share",
    "change_share_role",
    "revoke_renewal_share",
    "renewal_shares_page",
    "shares_of",
    "share_counts",
    "renewal_shares_by_number",
    "require_may_see_shares",
    "share_billing_dashboard",
    "revoke_billing_dashboard",
    "billing_dashboard_shares_page",
    "DASHBOARD_SHARED",
    "get_share_list",
    "share_list_page",
    "save_share_list",
    "delete_share_list",
    "forget_person",
    "person_statuses",
]
