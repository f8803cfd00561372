"""Pure support rewards rules, kept apart so they can be tested exhaustively: eligibility, accrual,
expiry dates, earliest-expiry allocation, what an invoice lets rewards pay (R-W1…R-W8)."""

from __future__ import annotations

import calendar
import functools
import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.calendar import add_months
from core.errors import BadUserInput
from core.i18n import _
from core.money import ZERO, quantize
from plugins.rewards.service.constants import (
    CODE_ALPHABET,
    CODE_GROUP_LEN,
    CODE_GROUPS,
    ELIGIBLE_CATEGORIES,
    ELIGIBLE_LINE_CATEGORY,
    ELIGIBLE_LINE_PROGRAM,
    EXCLUDED_PRODUCT_FAMILIES,
    EXCLUSIONS_FILE,
    LOT_VALIDITY_MONTHS,
    PAYMENT_METHOD,
    RATE_STANDARD,
    RATE_ULA,
)


@dataclass(frozen=True)
class Exclusions:
    regions: frozenset[str]
    sectors: frozenset[str]


def load_exclusions(path: Path = EXCLUSIONS_FILE) -> Exclusions:
    """R-W1: where rewards are not offered (China, US federal public sector) — editable data."""
    data = json.loads(path.read_text())
    return Exclusions(
        regions=frozenset(r.upper() for r in data.get("regions", [])),
        sectors=frozenset(s.upper() for s in data.get("sectors", [])),
    )


@functools.cache
def exclusions() -> Exclusions:
    """The shipped exclusions, read on first use and kept: editing the file takes a restart."""
    return load_exclusions()


def ineligibility_reasons(account: Any, exclusions: Exclusions) -> list[str]:
    """R-W1: why the account earns no rewards (empty list = eligible)."""
    reasons: list[str] = []
    if account is None:
        return ["No rewards account: no universal-credits cloud order on file"]
    if not account.on_premises:
        reasons.append("Only customers running the software on premises earn support rewards")
    if not account.order_number or account.service_start is None:
        reasons.append("No new universal-credits cloud order")
    if account.pay_as_you_go:
        reasons.append("Pay-as-you-go customers are not eligible")
    if (account.region or "").upper() in exclusions.regions:
        reasons.append(f"Support rewards are not offered in region {account.region}")
    if (account.sector or "").upper() in exclusions.sectors:
        reasons.append(f"Support rewards are not offered to the {account.sector} sector")
    return reasons


def accrual_rate(ula: bool) -> Decimal:
    """R-W2."""
    return RATE_ULA if ula else RATE_STANDARD


def usage_counts(category: str, usage_date: date, service_start: date | None, service_end: date | None) -> bool:
    """R-W3/R-W4: eligible category, inside the new order's service period (both ends inclusive).
    Overage is usage like any other, so it is not a criterion."""
    if category not in ELIGIBLE_CATEGORIES or service_start is None:
        return False
    return service_start <= usage_date and (service_end is None or usage_date <= service_end)


def consumption_of(rows: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """R-W3: unit net price × actual usage, summed exactly, rounded once."""
    return quantize(sum((price * qty for price, qty in rows), Decimal(0)))


def reward_for(consumption: Decimal, ula: bool, currency: str = "USD") -> Decimal:
    """R-W2/R-W3: no cap."""
    return quantize(consumption * accrual_rate(ula), currency)


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def previous_month(today: date) -> date:
    """First day of the last completed month (R-W3: computed at the end of each month)."""
    return month_start(month_start(today) - timedelta(days=1))


def expiry_date(deposited_on: date) -> date:
    """R-W5: the first day the lot is no longer usable. Deposited 2026-01-31 → usable through
    2027-01-30, expired on 2027-01-31 (end of month clamps: 2028-02-29 → 2029-02-28)."""
    return add_months(deposited_on, LOT_VALIDITY_MONTHS)


def is_usable(expires_on: date, today: date) -> bool:
    return today < expires_on


def lot_status(lot: Any, today: date) -> str:
    """ACTIVE, USED (fully redeemed) or EXPIRED (R-W5): a lot past its date reads EXPIRED even before
    the expiry job has run."""
    if lot.status == "EXPIRED" or not is_usable(lot.expires_on, today):
        return "EXPIRED"
    if lot.remaining <= 0:
        return "USED"
    return "ACTIVE"


@dataclass
class LotState:
    id: int
    expires_on: date
    remaining: Decimal


class InsufficientRewards(BadUserInput):
    pass


def allocate(lots: Sequence[LotState], amount: Decimal, today: date) -> list[tuple[int, Decimal]]:
    """R-W8: take ``amount`` from usable lots, earliest expiry first (ties: oldest lot first).
    Mutates the lots' ``remaining``; raises when the usable balance is short (nothing taken)."""
    usable = sorted(
        (lot for lot in lots if is_usable(lot.expires_on, today) and lot.remaining > 0),
        key=lambda lot: (lot.expires_on, lot.id),
    )
    available = sum((lot.remaining for lot in usable), Decimal(0))
    if amount <= 0:
        raise BadUserInput(_("amount must be positive"), field="amount")
    if amount > available:
        raise InsufficientRewards(
            f"Only {available} in rewards is available; cannot redeem {amount}",
            field="amount",
            available=str(available),
        )
    taken: list[tuple[int, Decimal]] = []
    left = amount
    for lot in usable:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        lot.remaining -= take
        left -= take
        taken.append((lot.id, take))
    return taken


def expire(lots: Sequence[LotState], today: date) -> list[tuple[int, Decimal]]:
    """R-W5: lots whose expiry date has come lose what is left (returned as (lot id, amount))."""
    out: list[tuple[int, Decimal]] = []
    for lot in lots:
        if not is_usable(lot.expires_on, today) and lot.remaining > 0:
            out.append((lot.id, lot.remaining))
            lot.remaining = Decimal(0)
    return out


def line_is_eligible(line: Any) -> bool:
    """R-W7: technology-program support renewals, not license+support bundles, not Linux."""
    return (
        line.category == ELIGIBLE_LINE_CATEGORY
        and line.program == ELIGIBLE_LINE_PROGRAM
        and not line.bundles_license
        and (line.product_family or "").upper() not in EXCLUDED_PRODUCT_FAMILIES
    )


def invoice_cap(invoice: Any) -> Decimal:
    """R-W7: the most rewards may still pay on this invoice — the eligible lines' pre-tax amount,
    less what rewards already paid, and never more than may still be paid (the balance less wires
    announced on their way, R-I17 — invoicing refuses the rest). Tax is never payable."""
    if invoice.status == "CLOSED":
        return ZERO
    eligible = sum((line.pre_tax_amount for line in invoice.lines if line_is_eligible(line)), Decimal(0))
    already = Decimal(invoice.paid_by_method.get(PAYMENT_METHOD, ZERO))
    return max(ZERO, min(eligible - already, Decimal(invoice.payable)))


def new_code() -> str:
    return "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUP_LEN)) for _ in range(CODE_GROUPS))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(tenant_id: int, email: str, code: str) -> str:
    """Only this hash is stored (R-W6); salted with tenant and email so equal codes differ."""
    return hashlib.sha256(f"{tenant_id}|{email.lower()}|{normalise_code(code)}".encode()).hexdigest()
