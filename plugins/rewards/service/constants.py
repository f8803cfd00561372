"""Support rewards rule constants (R-W1…R-W11): rates, categories, validity, codes and lockout limits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

# Casbin object of every rewards field and mutation, and its actions (policy.csv, SPEC §6).
OBJECT = "rewards"
VIEW, REDEEM, AUTHORIZE_REDEEMER = "view", "redeem", "authorize_redeemer"
RATE_ULA = Decimal("0.33")  # R-W2: customers with an unlimited license agreement
RATE_STANDARD = Decimal("0.25")  # R-W2: everyone else
ELIGIBLE_CATEGORIES = frozenset({"IAAS", "PAAS"})  # R-W4: cloud infrastructure and platform services
USAGE_CATEGORIES = frozenset({"IAAS", "PAAS", "SAAS", "THIRD_PARTY"})  # R-W4: SAAS and THIRD_PARTY earn nothing
LOT_VALIDITY_MONTHS = 12  # R-W5: a lot is usable up to the day before the same date 12 months later
EXPIRING_SOON_DAYS = (30, 90)  # R-W11: "expiring in the next N days" balances (expires_on <= today + N)
ELIGIBLE_LINE_CATEGORY = "SUPPORT_RENEWAL"  # R-W7: support renewals …
ELIGIBLE_LINE_PROGRAM = "TECHNOLOGY"  # R-W7: … of technology programs (software update license & support)
EXCLUDED_PRODUCT_FAMILIES = frozenset({"LINUX"})  # R-W7: not Linux products
PAYMENT_METHOD = "REWARDS"  # R-W9: a redemption is a payment on the invoice, not a credit memo
REDEEMER_ROLE = "REWARDS_REDEEMER"  # R-W6: granted to the authorised invoice recipient
REDEEMER_CONTACT_KIND = "FINANCE"  # R-W6: only a finance contact can be the rewards invoice recipient
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are typed from an email
CODE_GROUPS, CODE_GROUP_LEN = 3, 4  # e.g. K7QP-3MZD-W9XA (60 bits)
# R-W6: a redemption code is a secret and is locked out like a login. Wrong codes count per person
# (since their latest authorisation) and per account over a sliding window; while either count is at
# its limit every code, the right one too, is refused, so guessing gains nothing.
CODE_FAILURE_WINDOW = timedelta(minutes=15)
MAX_CODE_FAILURES_PER_PERSON = 5
MAX_CODE_FAILURES_PER_ACCOUNT = 20
EXCLUSIONS_FILE = Path(__file__).resolve().parents[1] / "exclusions.json"  # R-W1: regions/sectors, kept as data

ACCRUAL, REDEMPTION, EXPIRY = "ACCRUAL", "REDEMPTION", "EXPIRY"
