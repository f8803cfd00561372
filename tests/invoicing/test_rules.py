"""Pure rule functions of plugins/invoicing/service/, with the SPEC's worked examples and every
threshold edge (R-I4, R-I6…R-I11, R-I16, R-I17)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.errors import BadUserInput
from core.money import whole_units
from plugins.invoicing import service as svc
from tests.conftest import SEED_RATES as SEED

TODAY = date(2026, 11, 23)

D = Decimal


def prod(key: str, amount: str, provisioned: date | None, **kw) -> svc.Billable:
    return svc.Billable(
        key=key, order_number=kw.pop("order", "O1"), product=key, amount=D(amount), provisioned_on=provisioned, **kw
    )


def test_status_day_30_open_day_31_overdue_closed_when_paid():
    """R-I1, R-I4: due = invoice date + 30 days; overdue from day 31; closed at balance 0."""
    inv_date = date(2026, 1, 1)
    due = svc.due_date_for(inv_date)
    assert due == date(2026, 1, 31)
    assert svc.status_of(D("1.00"), due, date(2026, 1, 31)) == "OPEN"  # day 30
    assert svc.status_of(D("1.00"), due, date(2026, 2, 1)) == "OVERDUE"  # day 31
    assert svc.status_of(D("0.00"), due, date(2026, 2, 1)) == "CLOSED"
    assert svc.status_of(D("0.01"), due, date(2026, 1, 1)) == "OPEN"


def test_r_i8_120k_over_three_years_annual_in_advance_is_three_40k():
    entries = svc.build_schedule(
        date(2026, 1, 1), date(2028, 12, 31), "ANNUAL_ADVANCE", [prod("A", "120000.00", date(2026, 1, 1))]
    )
    assert [(e.bill_date, e.amount) for e in entries] == [
        (date(2026, 1, 1), D("40000.00")),
        (date(2027, 1, 1), D("40000.00")),
        (date(2028, 1, 1), D("40000.00")),
    ]
    assert svc.invoice_amount_per_period(D("120000"), 36, 12) == D("40000.00")


def test_r_i8_quarterly_in_advance_is_a_quarter_of_the_annual_amount():
    entries = svc.build_schedule(
        date(2026, 1, 1), date(2026, 12, 31), "QUARTERLY_ADVANCE", [prod("A", "10000.00", date(2026, 1, 1))]
    )
    assert [e.amount for e in entries] == [D("2500.00")] * 4
    assert [e.bill_date for e in entries] == [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]


def test_r_i9_co_terming_paas_24000_saas_22000_pooled_not_prorated():
    paas = prod("PaaS", "24000.00", date(2026, 1, 1))
    saas = prod("SaaS", "24000.00", date(2026, 2, 1))
    pool = prod("Pool", "24000.00", date(2026, 2, 1), pooled=True)
    entries = svc.build_schedule(date(2026, 1, 1), date(2026, 12, 31), "ANNUAL_ADVANCE", [paas, saas, pool])
    by = {e.product.key: e for e in entries}
    assert by["PaaS"].amount == D("24000.00")
    assert by["SaaS"].amount == D("22000.00")  # 11 of 12 months
    assert (by["SaaS"].period_start, by["SaaS"].period_end) == (date(2026, 2, 1), date(2026, 12, 31))
    assert by["Pool"].amount == D("24000.00")  # pooled capacity: not prorated
    assert svc.months_between(date(2026, 2, 1), date(2026, 12, 31)) == 11
    assert svc.months_between(date(2026, 1, 1), date(2026, 12, 31)) == 12


def test_r_i10_3250_over_55_months_first_invoice_709_cents_exact():
    entries = svc.build_schedule(
        date(2026, 1, 1),
        svc.add_months(date(2026, 1, 1), 55) - (date(2026, 1, 2) - date(2026, 1, 1)),
        "ANNUAL_ADVANCE",
        [prod("A", "3250.00", date(2026, 1, 1))],
    )
    assert svc.months_between(entries[0].period_start, entries[-1].period_end) == 55
    first = entries[0].amount
    assert first == D("709.09")  # stored to the cent
    assert whole_units(first) == D("709")  # shown in whole units
    assert [e.amount for e in entries] == [D("709.09")] * 4 + [D("413.64")]
    assert sum(e.amount for e in entries) == D("3250.00")  # exact over the term
    assert svc.invoice_amount_per_period(D("3250"), 55, 12) == D("709.09")


def test_r_i8_mid_term_add_on_bills_rest_of_current_period_then_consolidates():
    a = prod("A", "12000.00", date(2026, 1, 1), order="O1")
    b = prod("B", "12000.00", date(2026, 7, 1), order="O2")
    entries = svc.build_schedule(date(2026, 1, 1), date(2027, 12, 31), "ANNUAL_ADVANCE", [a, b])
    groups = svc.group_entries(entries)
    assert sorted((k[0], sum(e.amount for e in v)) for k, v in groups.items()) == [
        (date(2026, 1, 1), D("6000.00")),
        (date(2026, 7, 1), D("3000.00")),  # B: 6 of its 18 months, the rest of the current year
        (date(2027, 1, 1), D("12000.00")),  # both orders on one invoice
    ]


def test_r_i6_fifteen_days_one_invoice_sixteen_days_two():
    start = date(2026, 1, 1)
    same = [prod("A", "1200.00", start), prod("B", "1200.00", date(2026, 1, 16))]  # 15 days after
    assert len(svc.group_entries(svc.build_schedule(start, date(2026, 12, 31), "ANNUAL_ADVANCE", same))) == 1
    issue = svc.order_issue_dates(same)
    assert issue == {"A": date(2026, 1, 16), "B": date(2026, 1, 16)}  # all provisioned on day 15
    late = [prod("A", "1200.00", start), prod("B", "1200.00", date(2026, 1, 17))]  # 16 days after
    groups = svc.group_entries(svc.build_schedule(start, date(2026, 12, 31), "ANNUAL_ADVANCE", late))
    assert sorted(k[0] for k in groups) == [date(2026, 1, 16), date(2026, 1, 17)]
    # an unprovisioned product does not hold the invoice beyond 15 days, and is not billed (R-I5)
    waiting = [prod("A", "1200.00", start), prod("B", "1200.00", None)]
    entries = svc.build_schedule(start, date(2026, 12, 31), "ANNUAL_ADVANCE", waiting)
    assert [(e.product.key, e.bill_date) for e in entries] == [("A", date(2026, 1, 16))]


def test_r_i13_different_payment_method_or_po_splits_the_invoice():
    start = date(2026, 1, 1)
    items = [
        prod("A", "100.00", start),
        prod("B", "100.00", start, payment_method="CARD"),
        prod("C", "100.00", start, po_number="PO-2"),
        prod("D", "100.00", start),
    ]
    groups = svc.group_entries(svc.build_schedule(start, date(2026, 12, 31), "ANNUAL_ADVANCE", items))
    assert sorted(len(v) for v in groups.values()) == [1, 1, 2]


def test_arrears_bill_after_the_period():
    entries = svc.build_schedule(
        date(2026, 1, 1), date(2026, 6, 30), "QUARTERLY_ARREARS", [prod("A", "600.00", date(2026, 1, 1))]
    )
    assert [(e.bill_date, e.amount) for e in entries] == [
        (date(2026, 4, 1), D("300.00")),
        (date(2026, 7, 1), D("300.00")),
    ]


def test_r_i7_quarterly_in_arrears_public_sector_only():
    svc.check_frequency("QUARTERLY_ARREARS", "PUBLIC_SECTOR")
    with pytest.raises(BadUserInput):
        svc.check_frequency("QUARTERLY_ARREARS", "COMMERCIAL")
    with pytest.raises(BadUserInput):
        svc.check_frequency("WEEKLY", "COMMERCIAL")


def test_r_i11_bursting_at_most_twice_subscribed_and_charged_hourly():
    svc.check_usage(D("8"), D("4"))  # 4 → 8 allowed
    with pytest.raises(BadUserInput):
        svc.check_usage(D("8.000001"), D("4"))
    with pytest.raises(BadUserInput):
        svc.check_usage(D("-1"), D("4"))
    hours = [(datetime(2026, 3, 1, h, tzinfo=UTC), q) for h, q in [(0, D("4")), (1, D("6")), (2, D("8"))]]
    burst, payg, amount = svc.usage_charge(hours, D("4"), D("1.25"), date(2026, 12, 31), is_cloud=True)
    assert (burst, payg, amount) == (D("6"), D("0"), D("7.50"))  # (0 + 2 + 4) unit-hours × 1.25


def test_r_i12_cloud_usage_after_term_continues_pay_as_you_go():
    hours = [(datetime(2027, 1, 1, 0, tzinfo=UTC), D("3")), (datetime(2027, 1, 1, 1, tzinfo=UTC), D("3"))]
    assert svc.usage_charge(hours, D("4"), D("2.00"), date(2026, 12, 31), is_cloud=True) == (D("0"), D("6"), D("12.00"))
    assert svc.usage_charge(hours, D("4"), D("2.00"), date(2026, 12, 31), is_cloud=False)[2] == D("0.00")


def inv(total: str, country: str = "US", order: str | None = None, number: str = "I1", currency: str = "USD"):
    return SimpleNamespace(total=D(total), country=country, order_number=order, number=number, currency=currency)


def test_r_i16_card_limit_99999_99_including_tax():
    svc.check_method_rules([inv("99999.99")], "CARD", D("99999.99"), "USD", TODAY, rates=SEED)
    with pytest.raises(BadUserInput):
        svc.check_method_rules(
            [inv("100000.00")], "CARD", D("100.00"), "USD", TODAY, rates=SEED
        )  # total, not the part paid
    with pytest.raises(BadUserInput):  # two invoices of 60k cannot go on one card charge either
        svc.check_method_rules(
            [inv("60000.00", number="a"), inv("60000.00", number="b")], "CARD", D("120000.00"), "USD", TODAY, rates=SEED
        )
    with pytest.raises(BadUserInput):  # cards not accepted in the order's country
        svc.check_method_rules([inv("100.00", country="IN")], "CARD", D("100.00"), "USD", TODAY, rates=SEED)


def test_r_i16_card_only_below_2000_no_combining_orders():
    with pytest.raises(BadUserInput):
        svc.check_method_rules([inv("1999.99")], "WIRE", D("1999.99"), "USD", TODAY, rates=SEED)
    svc.check_method_rules([inv("2000.00")], "WIRE", D("2000.00"), "USD", TODAY, rates=SEED)
    with pytest.raises(BadUserInput):  # two orders of 1,500 do not make a 3,000 transaction
        svc.check_method_rules(
            [inv("1500.00", order="A", number="a"), inv("1500.00", order="B", number="b")],
            "WIRE",
            D("3000"),
            "USD",
            TODAY,
            rates=SEED,
        )
    # two invoices of the same order are one order
    svc.check_method_rules(
        [inv("1500.00", order="A", number="a"), inv("1500.00", order="A", number="b")],
        "WIRE",
        D("3000"),
        "USD",
        TODAY,
        rates=SEED,
    )
    svc.check_method_rules(
        [inv("100.00", country="IN")], "WIRE", D("100.00"), "USD", TODAY, rates=SEED
    )  # no cards there: wire ok


def test_r_i17_business_days():
    assert svc.add_business_days(date(2026, 11, 23), 2) == date(2026, 11, 25)  # Mon → Wed
    assert svc.add_business_days(date(2026, 11, 26), 2) == date(2026, 11, 30)  # Thu → Mon
    assert svc.add_business_days(date(2026, 11, 27), 2) == date(2026, 12, 1)  # Fri → Tue


def test_split_exact_always_adds_up():
    for total, weights in [(D("100.00"), [1, 1, 1]), (D("0.01"), [1, 1]), (D("3250.00"), [12, 12, 12, 12, 7])]:
        assert sum(svc.split_exact(total, weights)) == total


def test_r_i16_thresholds_apply_in_usd_for_other_currencies():
    """core's dated rate table converts: EUR 92,592.58 ≈ USD 99,999.99 is allowed on a card; EUR 92,592.60 is not."""
    svc.check_method_rules(
        [inv("92592.58", country="DE", currency="EUR")], "CARD", D("92592.58"), "EUR", TODAY, rates=SEED
    )
    with pytest.raises(BadUserInput):
        svc.check_method_rules(
            [inv("92592.60", country="DE", currency="EUR")], "CARD", D("1.00"), "EUR", TODAY, rates=SEED
        )
    with pytest.raises(BadUserInput):  # EUR 1,851.84 ≈ USD 1,999.99: card only
        svc.check_method_rules(
            [inv("1851.84", country="DE", currency="EUR")], "WIRE", D("1851.84"), "EUR", TODAY, rates=SEED
        )
    svc.check_method_rules(
        [inv("1851.86", country="DE", currency="EUR")], "WIRE", D("1851.86"), "EUR", TODAY, rates=SEED
    )


def test_payments_due_per_currency_with_the_overdue_part_from_the_day_after_due():
    """R-I14 payments due (R-I1: overdue from the day after the due date)."""
    rows = [
        ("USD", TODAY, 2, D("100.00")),  # due today: not overdue
        ("USD", TODAY - timedelta(days=1), 1, D("40.50")),
        ("EUR", TODAY - timedelta(days=30), 3, D("9.99")),
    ]
    due = svc.amounts_due(rows, TODAY)
    assert [(d.currency, d.invoices, d.amount, d.overdue) for d in due] == [
        ("EUR", 3, D("9.99"), D("9.99")),
        ("USD", 3, D("140.50"), D("40.50")),
    ]
    assert svc.amounts_due([], TODAY) == []


def test_the_emailed_invoice_list_names_each_invoice_with_its_status_and_balance():
    inv = SimpleNamespace(
        number="INV-000001",
        invoice_date=date(2026, 10, 1),
        due_date=date(2026, 10, 31),
        currency="USD",
        total=D("110.00"),
        balance=D("10.00"),
    )
    assert svc.invoice_list_text([inv], TODAY).render("en") == (
        "INV-000001  October 1, 2026  due October 31, 2026  overdue  $110.00  balance $10.00"
    )
    assert svc.invoice_list_text([inv], TODAY).render("de") == (
        "INV-000001  1. Oktober 2026  fällig 31. Oktober 2026  überfällig  110,00\xa0$  Saldo 10,00\xa0$"
    )
    assert svc.invoice_list_text([], TODAY).render("en") == ""


def test_a_subscriptions_terms_co_term_its_products_and_group_its_schedule_invoices():
    """R-I9 (the SPEC's PaaS/SaaS example), R-I11 burst limit, R-I13 one invoice per bill date, method, PO."""

    def product(key: str, amount: str, provisioned: date, **kw) -> SimpleNamespace:
        fields = dict(
            line_key=key,
            order_number="O1",
            product=key,
            amount=D(amount),
            provisioned_on=provisioned,
            pooled=False,
            payment_method="INVOICE",
            po_number=None,
            category="SUBSCRIPTION",
            program="TECHNOLOGY",
            product_family="",
            bundles_license=False,
            subscribed_quantity=D(4),
        )
        fields.update(kw)
        return SimpleNamespace(**fields)

    sub = SimpleNamespace(
        number="SUB-1",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        frequency="ANNUAL_ADVANCE",
        currency="USD",
        products=[
            product("PAAS", "24000.00", date(2026, 1, 1)),
            product("SAAS", "24000.00", date(2026, 2, 1), po_number="PO-7"),
        ],
    )
    terms = svc.subscription_terms(sub)
    assert terms.term_months == 12
    assert [(p.term_months, p.charge, p.burst_limit) for p in terms.products] == [
        (12, D("24000.00"), D(8)),
        (11, D("22000.00"), D(8)),
    ]
    invoices = svc.scheduled_invoices(sub, terms.entries)
    assert [(i.payment_method, i.po_number, i.amount, len(i.entries)) for i in invoices] == [
        ("INVOICE", None, D("24000.00"), 1),
        ("INVOICE", "PO-7", D("22000.00"), 1),
    ]
    assert [i.source_key for i in invoices] == [
        svc.schedule_key(sub, (i.bill_date, i.payment_method, i.po_number or "")) for i in invoices
    ]
    assert invoices[1].source_key == f"schedule:SUB-1:{invoices[1].bill_date.isoformat()}:INVOICE:PO-7"
