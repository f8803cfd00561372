"""What callers hand to the service (billing, purchase order, list filters, checkout) and the checks
that turn raw input into it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from core import countries
from core.emails import normalise_email
from core.errors import BadUserInput
from core.exchange import RateTable
from core.i18n import _
from core.money import quantize
from plugins.renewals.service.rules import MAX_ADDRESS_CHARS, MAX_NAME_CHARS, PENDING, payment_methods_for


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------
@dataclass
class BillingDetails:
    name: str
    email: str
    address: str


@dataclass
class PurchaseOrderDetails:
    number: str
    bill_to_name: str
    bill_to_email: str
    bill_to_address: str


@dataclass
class RenewalFilters:
    list: str = PENDING
    statuses: Sequence[str] = ()
    start_from: date | None = None
    start_to: date | None = None
    end_from: date | None = None
    end_to: date | None = None
    po_number: str | None = None
    search: str | None = None
    auto_renew: bool | None = None


@dataclass
class CheckoutRequest:
    support_numbers: Sequence[str] = ()
    cart_id: int | None = None
    payment_method: str = ""
    billing: BillingDetails | None = None
    purchase_order: PurchaseOrderDetails | None = None
    accept_terms: bool = False
    accept_tssa: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def check_text(value: str | None, name: str, limit: int, *, required: bool = False) -> str:
    """``value`` trimmed; BAD_USER_INPUT naming ``name`` when it is longer than ``limit`` (or empty and required)."""
    text = (value or "").strip()
    if required and not text:
        raise BadUserInput(_("{name} is required", name=name), field=name)
    if len(text) > limit:
        raise BadUserInput(_("{name} is longer than {limit} characters", name=name, limit=limit), field=name)
    return text


def check_billing(billing: BillingDetails) -> BillingDetails:
    return BillingDetails(
        name=check_text(billing.name, "billing.name", MAX_NAME_CHARS * 2, required=True),
        email=normalise_email(billing.email, "billing.email"),
        address=check_text(billing.address, "billing.address", MAX_ADDRESS_CHARS, required=True),
    )


def check_payment_method(method: str, country: str) -> str:
    method = (method or "").upper()
    offered = payment_methods_for(country)
    if method not in offered:
        raise BadUserInput(
            _(
                "Payment method {value} is not offered in {country}; choose one of {names}",
                value=method or "(none)",
                country=country,
                names=", ".join(offered),
            ),
            field="paymentMethod",
        )
    return method


def check_method_for_amount(
    method: str, country: str, net: Decimal, currency: str, on: date, *, rates: RateTable
) -> None:
    """R-I16 at ordering time, on the total the order's invoice will carry (net plus the country's tax),
    so that no order is accepted with a method its invoice would then refuse."""
    total = net + quantize(net * countries.tax_rate(country), currency)
    countries.check_payment_method(method, country, total, currency, on, rates=rates)
