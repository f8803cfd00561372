"""Billing schedules (R-I6…R-I13): periods, proration, usage; pure rules over plain values, and a
subscription's terms and schedule worked out from its rows (no database)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from core.calendar import add_months
from core.errors import BadUserInput
from core.i18n import _
from core.money import quantize
from plugins.invoicing.service.rules import ZERO

if TYPE_CHECKING:
    from plugins.invoicing.models import Subscription, SubscriptionProduct

# ---- billing schedules (R-I6…R-I13) ---------------------------------------------------------------
# frequency → (months per billing period, billed in advance?)  R-I7
FREQUENCIES: dict[str, tuple[int, bool]] = {
    "ANNUAL_ADVANCE": (12, True),
    "QUARTERLY_ADVANCE": (3, True),
    "QUARTERLY_ARREARS": (3, False),
    "MONTHLY_ARREARS": (1, False),
}
PUBLIC_SECTOR_ONLY_FREQUENCIES = frozenset({"QUARTERLY_ARREARS"})  # R-I7
PUBLIC_SECTORS = frozenset({"PUBLIC_SECTOR", "US_FEDERAL"})
ORDER_INVOICE_WAIT_DAYS = 15  # R-I6: issue when all provisioned or 15 days after the first activation
BURST_MAX_FACTOR = Decimal(2)  # R-I11: capacity may reach at most 2× the subscribed quantity


def months_between(start: date, end_inclusive: date) -> int:
    """Calendar months from ``start`` through ``end_inclusive``; a started month counts as a whole one.
    1 Jan–31 Dec = 12; 1 Feb–31 Dec = 11 (R-I9)."""
    if end_inclusive < start:
        return 0
    stop = end_inclusive + timedelta(days=1)
    m = (stop.year - start.year) * 12 + stop.month - start.month
    while m > 0 and add_months(start, m) > stop:
        m -= 1
    if add_months(start, m) < stop:
        m += 1
    return m


def billing_periods(start: date, end: date, months: int) -> list[tuple[date, date]]:
    """Consecutive billing periods from the subscription start; the last one may be shorter (R-I10)."""
    periods: list[tuple[date, date]] = []
    k = 0
    while True:
        p_start = add_months(start, k * months)
        if p_start > end:
            return periods
        periods.append((p_start, min(add_months(start, (k + 1) * months) - timedelta(days=1), end)))
        k += 1


def split_exact(total: Decimal, weights: Sequence[int], currency: str = "USD") -> list[Decimal]:
    """Split ``total`` by ``weights``: each share rounded to cents, the last takes the remainder, so the
    parts always add up to the total exactly (R-I10: cents exact in storage)."""
    if not weights:
        return []
    whole = sum(weights)
    if whole == 0:
        return [ZERO] * (len(weights) - 1) + [total]
    parts = [quantize(total * w / whole, currency) for w in weights[:-1]]
    return [*parts, total - sum(parts, ZERO)]


def invoice_amount_per_period(tcv: Decimal, term_months: int, months_per_period: int, currency: str = "USD") -> Decimal:
    """R-I8/R-I10: total contract value ÷ term in months × months per billing period, to the cent."""
    return quantize(tcv * months_per_period / term_months, currency)


def prorated_charge(
    amount: Decimal, term_months: int, product_months: int, pooled: bool, currency: str = "USD"
) -> Decimal:
    """R-I9 co-terming: a product provisioned later is charged for the months left to the common end
    date; pooled-capacity products are not prorated."""
    if pooled or product_months >= term_months:
        return amount
    return quantize(amount * product_months / term_months, currency)


@dataclass(frozen=True)
class Billable:
    """What the schedule needs of a subscription product (decoupled from the ORM row)."""

    key: str
    order_number: str
    product: str
    amount: Decimal
    provisioned_on: date | None
    pooled: bool = False
    payment_method: str = "INVOICE"
    po_number: str | None = None
    category: str = "SUBSCRIPTION"
    program: str = "TECHNOLOGY"
    product_family: str = ""
    bundles_license: bool = False


@dataclass(frozen=True)
class ScheduleEntry:
    product: Billable
    period_start: date
    period_end: date
    bill_date: date
    amount: Decimal

    @property
    def group(self) -> tuple[date, str, str]:
        """R-I13: one invoice per bill date, payment method and PO number."""
        return (self.bill_date, self.product.payment_method, self.product.po_number or "")


def order_issue_dates(products: Sequence[Billable]) -> dict[str, date]:
    """R-I6 per order: an invoice is issued when all its products are provisioned or 15 days after the
    first activation, whichever comes first; products activated later start a new wave (one order
    yields several invoices). Returns each provisioned product's first bill date."""
    out: dict[str, date] = {}
    by_order: dict[str, list[Billable]] = defaultdict(list)
    for p in products:
        by_order[p.order_number].append(p)
    for items in by_order.values():
        waiting = sorted((p for p in items if p.provisioned_on), key=lambda p: (p.provisioned_on, p.key))
        unprovisioned = any(p.provisioned_on is None for p in items)
        while waiting:
            first = waiting[0].provisioned_on
            assert first is not None
            deadline = first + timedelta(days=ORDER_INVOICE_WAIT_DAYS)
            all_in = None if unprovisioned else max(p.provisioned_on for p in waiting)  # type: ignore[type-var]
            issue = min(deadline, all_in) if all_in else deadline
            wave = [p for p in waiting if p.provisioned_on <= issue]  # type: ignore[operator]
            for p in wave:
                out[p.key] = issue
            waiting = [p for p in waiting if p.provisioned_on > issue]  # type: ignore[operator]
    return out


def build_schedule(
    start: date, end: date, frequency: str, products: Sequence[Billable], currency: str = "USD"
) -> list[ScheduleEntry]:
    """Every billing-schedule entry of a subscription (R-I7…R-I10, R-I13). Unprovisioned products are
    not billed (R-I5). All amounts add up to each product's (prorated) charge exactly."""
    months, in_advance = FREQUENCIES[frequency]
    term = months_between(start, end)
    periods = billing_periods(start, end, months)
    first_bill = order_issue_dates(products)
    entries: list[ScheduleEntry] = []
    for p in products:
        if p.provisioned_on is None or p.provisioned_on > end:
            continue
        begin = max(p.provisioned_on, start)
        charge = prorated_charge(p.amount, term, months_between(begin, end), p.pooled, currency)
        spans = [(ps, pe) for ps, pe in periods if pe >= begin]
        if p.pooled:  # not prorated: the full charge, spread over the periods like a full-term product
            weights = [months_between(ps, pe) for ps, pe in spans]
        else:
            weights = [months_between(max(ps, begin), pe) for ps, pe in spans]
        for (ps, pe), amount in zip(spans, split_exact(charge, weights, currency), strict=True):
            if in_advance:
                bill = max(ps, first_bill.get(p.key, begin)) if ps <= begin else ps
            else:
                bill = pe + timedelta(days=1)
            entries.append(ScheduleEntry(p, max(ps, begin), pe, bill, amount))
    entries.sort(key=lambda e: (e.bill_date, e.product.payment_method, e.product.po_number or "", e.product.key))
    return entries


def group_entries(entries: Sequence[ScheduleEntry]) -> dict[tuple[date, str, str], list[ScheduleEntry]]:
    groups: dict[tuple[date, str, str], list[ScheduleEntry]] = defaultdict(list)
    for e in entries:
        groups[e.group].append(e)
    return dict(groups)


def check_frequency(frequency: str, sector: str) -> None:
    if frequency not in FREQUENCIES:
        raise BadUserInput(_("frequency must be one of {names}", names=", ".join(FREQUENCIES)), field="frequency")
    if frequency in PUBLIC_SECTOR_ONLY_FREQUENCIES and sector not in PUBLIC_SECTORS:
        raise BadUserInput(_("Quarterly in arrears is for public-sector customers only (R-I7)"), field="frequency")


def check_usage(quantity: Decimal, subscribed: Decimal) -> None:
    """R-I11: bursting may reach at most 2× the subscribed quantity (4 → 8)."""
    if quantity < 0:
        raise BadUserInput(_("usage quantity must not be negative"), field="quantity")
    if subscribed > 0 and quantity > subscribed * BURST_MAX_FACTOR:
        raise BadUserInput(
            _(
                "usage {quantity} exceeds the burst limit of {value} ({BURST_MAX_FACTOR}× the subscribed {subscribed})",
                quantity=quantity,
                value=subscribed * BURST_MAX_FACTOR,
                BURST_MAX_FACTOR=BURST_MAX_FACTOR,
                subscribed=subscribed,
            ),
            field="quantity",
        )


def usage_charge(
    quantities_by_hour: Iterable[tuple[datetime, Decimal]],
    subscribed: Decimal,
    hourly_price: Decimal,
    term_end: date,
    is_cloud: bool,
    currency: str = "USD",
) -> tuple[Decimal, Decimal, Decimal]:
    """R-I11/R-I12 for one product and month: (burst hours×units above subscription during the term,
    pay-as-you-go units×hours after the term (cloud only), amount at the hourly price)."""
    burst = payg = Decimal(0)
    for hour, qty in quantities_by_hour:
        if hour.date() <= term_end:
            burst += max(qty - subscribed, Decimal(0))
        elif is_cloud:  # cloud subscriptions do not expire: usage continues pay-as-you-go
            payg += qty
    return burst, payg, quantize((burst + payg) * hourly_price, currency)


# ---- a subscription's terms and schedule (the graph, downloads, the schedule job) -------------------
def billables(sub: Subscription) -> list[Billable]:
    """What the schedule needs of each of the subscription's products."""
    return [
        Billable(
            key=p.line_key,
            order_number=p.order_number,
            product=p.product,
            amount=p.amount,
            provisioned_on=p.provisioned_on,
            pooled=p.pooled,
            payment_method=p.payment_method,
            po_number=p.po_number,
            category=p.category,
            program=p.program,
            product_family=p.product_family,
            bundles_license=p.bundles_license,
        )
        for p in sub.products
    ]


def schedule_key(sub: Subscription, group: tuple[date, str, str]) -> str:
    """The source key of the invoice issued for one group of schedule entries (R-I13): issuing is
    idempotent by it."""
    bill, method, po = group
    return f"schedule:{sub.number}:{bill.isoformat()}:{method}:{po}"


@dataclass(frozen=True)
class ProductTerms:
    """A subscription product with its co-termed months and charge (R-I9) and burst limit (R-I11)."""

    product: SubscriptionProduct
    term_months: int
    charge: Decimal
    burst_limit: Decimal


@dataclass(frozen=True)
class ScheduledInvoice:
    """One invoice of a subscription's schedule: the entries billed together (R-I13) and their total."""

    bill_date: date
    payment_method: str
    po_number: str | None
    amount: Decimal
    source_key: str  # the issued invoice's (``schedule_key``)
    entries: list[ScheduleEntry]


@dataclass(frozen=True)
class SubscriptionTerms:
    term_months: int
    products: list[ProductTerms]
    entries: list[ScheduleEntry]


def subscription_terms(sub: Subscription) -> SubscriptionTerms:
    """The subscription's term, each product's co-termed charge, and its schedule entries."""
    term = months_between(sub.start_date, sub.end_date)
    c = sub.currency
    products = []
    for p in sub.products:
        months = months_between(max(p.provisioned_on or sub.start_date, sub.start_date), sub.end_date)
        products.append(
            ProductTerms(
                product=p,
                term_months=months,
                charge=prorated_charge(p.amount, term, months, p.pooled, c),
                burst_limit=p.subscribed_quantity * BURST_MAX_FACTOR,
            )
        )
    entries = build_schedule(sub.start_date, sub.end_date, sub.frequency, billables(sub), c)
    return SubscriptionTerms(term, products, entries)


def scheduled_invoices(sub: Subscription, entries: Sequence[ScheduleEntry]) -> list[ScheduledInvoice]:
    """The schedule's entries grouped into its invoices (R-I13), by bill date."""
    out = []
    for group, items in sorted(group_entries(entries).items()):
        bill, method, po = group
        total = sum((e.amount for e in items), Decimal(0))
        out.append(ScheduledInvoice(bill, method, po or None, total, schedule_key(sub, group), items))
    return out
