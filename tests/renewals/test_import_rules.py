"""The `renewals` import section's rules at their thresholds (docs/import/renewals.md): the item model
(core.importing's field types) and the checks across fields and items, each error naming its path."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from core.errors import BadUserInput
from core.importing import CURRENCY_HINT, DECIMAL_HINT
from plugins.renewals.importer import validate
from tests.conftest import ACME
from tests.renewals.helpers import renewal

TENANTS = {"acme", "globex"}
EMAIL = "not a valid email address"
DATE = "an ISO date (YYYY-MM-DD)"


def item(**kw: Any) -> dict[str, Any]:
    return copy.deepcopy(renewal("SN-1", 60, **kw))


def errors_of(*items: Any) -> list[str]:
    return validate(list(items), TENANTS)


def test_the_helper_item_is_valid():
    assert errors_of(item()) == []


@pytest.mark.parametrize("amount", ["1234.50", "0", "0.00", 1234, Decimal("1234.5"), 1234.5, " 7.25 ", "1E+3"])
def test_amounts_read_as_exact_decimals(amount):
    assert errors_of(item(amount=amount)) == []


@pytest.mark.parametrize(
    "amount", ["12,000", "twelve", "", True, None, [1], {"v": 1}, "NaN", "inf", "1e400", "10000000000000000"]
)
def test_an_amount_that_is_not_a_decimal(amount):
    assert errors_of(item(amount=amount)) == [f"renewals[0].amount: {DECIMAL_HINT}"]


def test_amounts_at_the_currencys_minor_unit():
    assert errors_of(item(amount="-0.01")) == ["renewals[0].amount: must not be negative"]
    assert errors_of(item(amount="1.001")) == ["renewals[0].amount: too many decimal places for USD"]
    assert errors_of(item(amount="1.010")) == []  # the value has two places
    line = {"product": "DB", "productFamily": "DATABASE", "amount": "100"}
    assert errors_of(item(currency="JPY", amount="1200", lines=[line])) == []
    assert errors_of(item(currency="JPY", amount="1200.00", lines=[line])) == []
    assert errors_of(item(currency="JPY", amount="1200.5", lines=[{**line, "amount": "0.1"}])) == [
        "renewals[0].amount: too many decimal places for JPY",
        "renewals[0].lines[0].amount: too many decimal places for JPY",
    ]
    assert errors_of(item(lines=[{**line, "amount": "-1"}])) == ["renewals[0].lines[0].amount: must not be negative"]
    assert errors_of(item(lines=[{**line, "amount": 1.5}, {**line, "amount": "1.005"}])) == [
        "renewals[0].lines[1].amount: too many decimal places for USD"
    ]


def test_currency_is_an_active_iso_4217_code():
    (error,) = errors_of(item(currency="XXX"))
    assert error == f"renewals[0].currency: {CURRENCY_HINT}, not 'XXX'"
    assert errors_of(item(currency="usd"))[0].startswith("renewals[0].currency: an active ISO 4217")
    assert errors_of(item(currency="DEM")) and errors_of(item(currency="HRK"))  # no longer legal tender
    for code in ("PLN", "RON", "CHF", "SAR", "AED", "EGP", "KWD", "BHD"):  # issue 17's customers
        assert errors_of(item(currency=code)) == [], code


@pytest.mark.parametrize("key", ["tenant", "supportNumber", "customer", "startDate", "endDate", "currency", "amount"])
def test_a_missing_required_field(key):
    bad = item()
    del bad[key]
    assert errors_of(bad) == [f"renewals[0].{key}: required"]


def test_missing_required_fields_of_quote_to_and_lines():
    bad = item()
    del bad["quoteTo"]
    assert errors_of(bad) == ["renewals[0].quoteTo: required"]
    assert errors_of(item(quoteTo={"firstName": "Q"})) == ["renewals[0].quoteTo.email: required"]
    assert errors_of(item(lines=[{}])) == [
        "renewals[0].lines[0].product: required",
        "renewals[0].lines[0].productFamily: required",
        "renewals[0].lines[0].amount: required",
    ]
    assert errors_of(item(lines=[])) == []
    no_lines = item()
    del no_lines["lines"]
    assert errors_of(no_lines) == []


def test_strings_and_their_lengths():
    assert errors_of(item(supportNumber="S" * 64)) == []
    assert errors_of(item(supportNumber="S" * 65)) == ["renewals[0].supportNumber: longer than 64 characters"]
    assert errors_of(item(supportNumber="  ")) == ["renewals[0].supportNumber: must be a non-empty string"]
    assert errors_of(item(supportNumber=1001)) == ["renewals[0].supportNumber: must be a string"]
    assert errors_of(item(customer="C" * 201)) == ["renewals[0].customer: longer than 200 characters"]
    assert errors_of(item(supportNotes="n" * 5000, endUser="", poNumber=None)) == []
    assert errors_of(item(supportNotes="n" * 5001)) == ["renewals[0].supportNotes: longer than 5000 characters"]
    assert errors_of(item(endUser=7)) == ["renewals[0].endUser: must be a string"]
    q = {"email": "tech@acme.com", "phone": "1" * 41}
    assert errors_of(item(quoteTo=q)) == ["renewals[0].quoteTo.phone: longer than 40 characters"]
    line = {"product": "DB", "productFamily": "DATABASE", "amount": "1", "installedAt": "x" * 301}
    assert errors_of(item(lines=[line])) == ["renewals[0].lines[0].installedAt: longer than 300 characters"]


def test_dates_and_their_order():
    assert errors_of(item(startDate="2027-02-30")) == [f"renewals[0].startDate: {DATE}"]
    assert errors_of(item(endDate=20280131)) == [f"renewals[0].endDate: {DATE}"]
    assert errors_of(item(startDate="2027-02-01", endDate="2027-02-01")) == []
    assert errors_of(item(startDate="2027-02-01", endDate="2027-01-31")) == ["renewals[0].endDate: before startDate"]


def test_emails():
    assert errors_of(item(quote_to="nobody")) == [f"renewals[0].quoteTo.email: {EMAIL}"]
    assert errors_of(item(quote_to="Tech@ACME.com")) == []
    assert errors_of(item(salesRepEmail="rep@")) == [f"renewals[0].salesRepEmail: {EMAIL}"]
    assert errors_of(item(salesRepEmail=None)) == []


def test_tenant_known_and_support_number_unique_per_tenant():
    assert errors_of(item(tenant="nope")) == ["renewals[0].tenant: unknown tenant 'nope'"]
    assert errors_of(item(), item(tenant="globex")) == []
    assert errors_of(item(), item(supportNumber=" SN-1 ")) == [
        "renewals[1].supportNumber: duplicate 'SN-1' for tenant 'acme'"
    ]


def test_status_payment_method_auto_renew_and_quantity():
    assert errors_of(item(status="ACCEPTED", autoRenew=True, paymentMethod="POEF")) == []
    assert errors_of(item(status="CANCELLED")) == ["renewals[0].status: one of OPEN, ACCEPTED"]
    assert errors_of(item(paymentMethod="CASH")) == ["renewals[0].paymentMethod: one of CARD, PO, INVOICE, POEF"]
    assert errors_of(item(autoRenew="yes"))[0].startswith("renewals[0].autoRenew: ")
    line = {"product": "DB", "productFamily": "DATABASE", "amount": "1"}
    assert errors_of(item(lines=[{**line, "quantity": "0.000001"}, {**line, "quantity": 3}])) == []
    assert errors_of(item(lines=[{**line, "quantity": "0"}, {**line, "quantity": "-2"}])) == [
        "renewals[0].lines[0].quantity: a positive number",
        "renewals[0].lines[1].quantity: a positive number",
    ]
    assert errors_of(item(lines=[{**line, "quantity": "0.0000001"}, {**line, "quantity": "1e12"}])) == [
        "renewals[0].lines[0].quantity: at most 6 decimals and 12 integer digits",
        "renewals[0].lines[1].quantity: at most 6 decimals and 12 integer digits",
    ]
    assert errors_of(item(lines=[{**line, "quantity": "four"}])) == [f"renewals[0].lines[0].quantity: {DECIMAL_HINT}"]


def test_section_shape_and_unknown_keys():
    assert validate({"SN-1": item()}, TENANTS) == ["renewals: must be a list"]
    assert errors_of(7, item()) == ["renewals[0]: must be an object"]
    assert errors_of(item(lines={})) == ["renewals[0].lines: must be a list"]
    line = {"product": "DB", "productFamily": "DATABASE", "amount": "1", "colour": "red"}
    assert errors_of(item(colour="red", quoteTo={"email": "tech@acme.com", "fax": "1"}, lines=[line])) == []


async def test_a_fault_rejects_the_document_through_the_importer(api):
    with pytest.raises(BadUserInput) as exc:
        await api.load({"tenants": [ACME], "renewals": [item(), item(supportNumber="SN-2", amount="1.001")]})
    assert exc.value.extensions["errors"] == ["renewals[1].amount: too many decimal places for USD"]
    assert await api.sql("select count(*) from renewal_renewals") == [(0,)]


async def test_apply_reads_the_validated_items(api):
    """Absent optional strings and nulls are empty; keys absent on re-import keep what was there."""
    first = item(autoRenew=True, supportNotes="Call first", customerReference="REF", endUser=None, quoteNumber=None)
    first["lines"] = [{"product": "DB", "productFamily": " database ", "amount": 100}]
    await api.load({"tenants": [ACME], "renewals": [first]})
    row = (
        "select r.end_user, r.quote_number, r.auto_renew, r.payment_method, r.support_notes, r.customer_reference, "
        "r.amount, r.start_date, l.product_family, l.quantity, l.service_level, l.csi_number "
        "from renewal_renewals r join renewal_lines l on l.renewal_id = r.id"
    )
    ((end_user, quote, auto, method, notes, ref, amount, start, family, qty, level, csi),) = await api.sql(row)
    assert (end_user, quote, auto, method, notes, ref) == ("", "Q-SN-1", True, "INVOICE", "Call first", "REF")
    assert (Decimal(amount), str(start), family, Decimal(qty), level, csi) == (
        Decimal("12000"),
        first["startDate"],
        "DATABASE",
        Decimal(1),
        "Premier",
        "",
    )
    again = item(lines=first["lines"])
    for key in ("supportNotes", "customerReference", "autoRenew"):
        again.pop(key, None)
    await api.load({"tenants": [ACME], "renewals": [again]})
    ((end_user, quote, auto, method, notes, ref, *_),) = await api.sql(row)
    assert (end_user, quote, auto, method, notes, ref) == ("Acme Plant", "Q-SN-1", True, "INVOICE", "Call first", "REF")
    await api.load({"tenants": [ACME], "renewals": [item(autoRenew=False, lines=first["lines"])]})
    assert not (await api.sql(row))[0][2]
