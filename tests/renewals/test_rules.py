"""Unit tests of the renewal rules (plugins/renewals/service/rules.py) at every threshold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.errors import BadUserInput
from plugins.renewals import service as svc
from tests.conftest import SEED_RATES as SEED

TODAY = date(2026, 11, 23)


def start_in(days: int) -> date:
    return TODAY + timedelta(days=days)


def test_lists_r_r1_pending_from_120_days():
    assert svc.list_of(False, start_in(121), TODAY) == "FUTURE"
    assert svc.list_of(False, start_in(120), TODAY) == "PENDING"
    assert svc.list_of(False, start_in(119), TODAY) == "PENDING"
    assert svc.list_of(False, start_in(-5), TODAY) == "PENDING"  # lapsed but never accepted
    assert svc.list_of(True, start_in(300), TODAY) == "HISTORY"


def test_reminder_r_r2_from_120_days_until_expiry():
    assert not svc.reminder_due(start_in(121), TODAY)
    assert svc.reminder_due(start_in(120), TODAY)
    assert svc.reminder_due(start_in(119), TODAY)
    assert svc.reminder_due(start_in(0), TODAY)
    assert not svc.reminder_due(start_in(-1), TODAY)


def test_lock_r_r9_editable_at_32_days_locked_at_31():
    assert not svc.is_locked(False, start_in(33), TODAY)
    assert not svc.is_locked(False, start_in(32), TODAY)
    assert svc.is_locked(False, start_in(31), TODAY)
    assert svc.is_locked(True, start_in(200), TODAY)  # accepted renewals are read-only
    assert svc.lock_date(start_in(32)) == TODAY + timedelta(days=1)


def test_activation_r_r10_at_30_days():
    assert not svc.activation_due(True, False, start_in(31), TODAY)
    assert svc.activation_due(True, False, start_in(30), TODAY)
    assert svc.activation_due(True, False, start_in(29), TODAY)
    assert not svc.activation_due(False, False, start_in(30), TODAY)
    assert not svc.activation_due(True, True, start_in(30), TODAY)


DB = ("DATABASE", "SO1")
OPT = ("DATABASE_ENTERPRISE_OPTIONS", "SO1")


@pytest.mark.parametrize(
    ("amount", "currency", "eligible"),
    [
        ("49999.99", "USD", True),
        ("50000.00", "USD", False),
        ("50000.01", "USD", False),
        ("46296.29", "EUR", True),  # 46296.29 × 1.08 = 49,999.99 USD
        ("46296.30", "EUR", False),  # = 50,000.00 USD
        ("100.00", "XYZ", False),  # no rate: never eligible
    ],
)
def test_multi_year_fee_limit_r_r11(amount, currency, eligible):
    assert svc.multi_year_eligible(Decimal(amount), currency, [DB, OPT], TODAY, rates=SEED) is eligible


def test_multi_year_products_r_r11():
    fee = Decimal("1000.00")
    assert svc.multi_year_eligible(fee, "USD", [DB], TODAY, rates=SEED)
    assert svc.multi_year_eligible(fee, "USD", [OPT], TODAY, rates=SEED)
    assert svc.multi_year_eligible(fee, "USD", [DB, ("DATABASE_ENTERPRISE_MANAGEMENT", "SO1")], TODAY, rates=SEED)
    # Enterprise Management only with a Database bought on the same order
    assert not svc.multi_year_eligible(fee, "USD", [("DATABASE_ENTERPRISE_MANAGEMENT", "SO1")], TODAY, rates=SEED)
    assert not svc.multi_year_eligible(fee, "USD", [DB, ("DATABASE_ENTERPRISE_MANAGEMENT", "SO9")], TODAY, rates=SEED)
    assert not svc.multi_year_eligible(fee, "USD", [DB, ("MIDDLEWARE", "SO1")], TODAY, rates=SEED)
    assert not svc.multi_year_eligible(fee, "USD", [], TODAY, rates=SEED)


def test_save_up_to_r_r11():
    assert svc.save_up_to(Decimal("12000.00"), "USD") == Decimal("3600.00")
    assert svc.save_up_to(Decimal("0.05"), "USD") == Decimal("0.02")  # 0.015 rounds half up


def test_message_limit_r_r12_r_r13():
    assert svc.check_message("x" * 1800) == "x" * 1800
    assert svc.check_message("  hi  ") == "hi"
    with pytest.raises(BadUserInput):
        svc.check_message("x" * 1801)
    with pytest.raises(BadUserInput):
        svc.check_message("   ")


def test_payment_methods_by_country_r_r4():
    assert svc.payment_methods_for("US") == ("CARD", "PO", "INVOICE", "POEF")
    assert "POEF" not in svc.payment_methods_for("DE")
    assert svc.payment_methods_for("ZZ") == ("PO", "INVOICE")  # the "*" row of core's country table
    assert svc.check_payment_method("card", "US") == "CARD"
    with pytest.raises(BadUserInput):
        svc.check_payment_method("POEF", "DE")


def test_po_must_match_billing_r_r4():
    billing = svc.BillingDetails("Fay Fin", "fin@acme.com", "1 Main St,  Springfield")
    same = svc.PurchaseOrderDetails("PO1", "fay fin", "FIN@acme.com", "1 Main St, Springfield")
    assert svc.po_mismatches(billing, same) == []
    other = svc.PurchaseOrderDetails("PO1", "Fay Fin", "ap@acme.com", "2 Other Rd")
    assert svc.po_mismatches(billing, other) == ["billToEmail", "billToAddress"]


def test_apportion_keeps_lines_adding_up():
    parts = [Decimal("8000.00"), Decimal("4000.00")]
    assert svc.apportion(Decimal("12000.00"), parts, "USD") == parts
    split = svc.apportion(Decimal("32400.00"), parts, "USD")
    assert split == [Decimal("21600.00"), Decimal("10800.00")]
    odd = svc.apportion(Decimal("100.00"), [Decimal(1)] * 3, "USD")
    assert sum(odd) == Decimal("100.00") and odd[0] == Decimal("33.33")
    assert svc.apportion(Decimal("10.00"), [], "USD") == []


def test_order_method_follows_r_i16_on_the_invoice_total():
    """The card-only rule under USD 2,000.00 applies to the order's invoice total (net plus tax), so no
    order is accepted with a method its invoice would refuse."""
    svc.check_method_for_amount("PO", "US", Decimal("1865.00"), "USD", TODAY, rates=SEED)  # 2,000.21 with 7.25 % tax
    with pytest.raises(BadUserInput) as err:
        svc.check_method_for_amount("PO", "US", Decimal("1864.00"), "USD", TODAY, rates=SEED)  # 1,999.14
    assert err.value.extensions["reason"] == "CARD_ONLY"
    svc.check_method_for_amount("PO", "IN", Decimal("10.00"), "USD", TODAY, rates=SEED)  # no cards in India
