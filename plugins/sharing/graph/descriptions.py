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
}
