"""Plain-language descriptions of the sharing graph's elements not described inline
(``GraphContribution.descriptions``, applied by schema/builder.py ``describe``)."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "Mutation.shareRenewal(role)": "What they may do: participate (view, accept, ask) or only view.",
    "Mutation.shareRenewal(emails)": "Colleagues of the organisation's own domain (R-S3).",
    "Mutation.shareRenewal(listId)": "Or share with everyone on this saved share list (its global id).",
    "Mutation.changeShareRole(role)": "The new role.",
    "Mutation.saveShareList(name)": "The list's name (unique among the viewer's lists).",
    "Mutation.saveShareList(emails)": "Its members, of the organisation's own domain (R-S3).",
    "Mutation.shareBillingDashboard(emails)": "Colleagues to give the billing dashboard (R-S4).",
    "Mutation.revokeBillingDashboard(email)": "The colleague who loses the billing dashboard.",
    "RenewalShare.email": "Who it is shared with.",
    "RenewalShare.role": "What they may do with it.",
    "RenewalShare.grantedBy": "Who shared it.",
    "BillingDashboardShare.email": "Who has the billing dashboard.",
    "BillingDashboardShare.grantedBy": "Who gave it.",
    "ShareList.name": "The list's name.",
    "ShareList.emails": "Its members.",
    "BillingDashboardShareRequest.emails": "The colleagues to share the billing dashboard with.",
    "BillingDashboardShareRequest.status": "Open, granted or declined.",
    "BillingDashboardShareRequest.reason": "Why the organisation asks.",
    "BillingDashboardShareRequest.requestedBy": "Who asked.",
    "BillingDashboardShareRequest.resolvedBy": "Who granted or declined it.",
    "BillingDashboardShareRequest.resolvedAt": "When it was granted or declined.",
    "BillingDashboardShareRequest.resolutionNote": "Billing support's note to the requester (why, when declined).",
    "WorkQueues.billingDashboardShareRequests(status)": "Only requests of this status (open ones when not given).",
    "Mutation.requestBillingDashboardShare(emails)": "Colleagues of the organisation's own domain to give it (R-S3).",
    "Mutation.requestBillingDashboardShare(reason)": "Why they need it, for billing support.",
    "Mutation.declineBillingDashboardShareRequest(note)": "Why it is declined (the requester is told).",
}
