"""Rules of the reseller margin plugin (numbered RM-… so tests can cite them).

- RM-1 A partner discount is a percentage above 0 and at most :data:`MAX_DISCOUNT_PERCENT`, with at
  most :data:`PERCENT_PLACES` decimal places. It is set per renewal support number, only on a renewal
  the caller can see in the tenant (asked of the renewals plugin through the ``cc_object_roles`` hook).
- RM-2 The margin is the renewal amount × percent / 100, rounded half-up to the currency's minor unit.
- RM-3 When a renewal is accepted (event ``renewal.accepted``) and it has a partner discount, the margin
  earned is recorded once for that renewal; once earned, the discount can no longer change (CONFLICT).
- RM-4 From the first day of a month, the monthly statement job emails the admins of the reseller that
  owns each customer tenant the margins earned there in the previous calendar month, once per tenant
  and month; nothing is sent for a month without margin.
- Only reseller staff hold policy rows for ``reseller_margin`` (policy.csv): the customer's own people
  never see their reseller's margin; the tenant filter keeps each customer tenant's rows apart (R-T1).
"""

from reseller_margin.service.discounts import (
    DiscountsByNumber,
    discount_of,
    discounts_by_number,
    list_discounts,
    list_earnings,
    remove_discount,
    set_discount,
)
from reseller_margin.service.earnings import record_earning
from reseller_margin.service.rules import (
    ACCEPTED_EVENT,
    MAX_DISCOUNT_PERCENT,
    MAX_SUPPORT_NUMBER_CHARS,
    OBJECT,
    PERCENT_PLACES,
    PLUGIN,
    STATEMENT_JOB,
    STATEMENT_ROLE,
    margin_of,
    parse_percent,
    previous_month,
    support_number_of,
)
from reseller_margin.service.statements import send_monthly_statements

__all__ = [
    "ACCEPTED_EVENT",
    "MAX_DISCOUNT_PERCENT",
    "MAX_SUPPORT_NUMBER_CHARS",
    "OBJECT",
    "PERCENT_PLACES",
    "PLUGIN",
    "STATEMENT_JOB",
    "STATEMENT_ROLE",
    "DiscountsByNumber",
    "discount_of",
    "discounts_by_number",
    "list_discounts",
    "list_earnings",
    "margin_of",
    "parse_percent",
    "previous_month",
    "record_earning",
    "remove_discount",
    "send_monthly_statements",
    "set_discount",
    "support_number_of",
]
