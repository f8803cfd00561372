"""Renewals GraphQL input types, and their translation into the service's inputs."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import strawberry

from plugins.renewals import service as svc
from plugins.renewals.graph.types import PaymentMethod, RenewalList, RenewalSortField, RenewalStatus, SortDirection

# ------------------------------------------------------------------------------------ inputs


@strawberry.input
class RenewalFilter:
    status: list[RenewalStatus] | None = None
    start_from: date | None = None
    start_to: date | None = None
    end_from: date | None = None
    end_to: date | None = None
    po_number: str | None = strawberry.field(
        default=None, description="Only renewals ordered with this purchase order number (R-R21, history)."
    )
    search: str | None = strawberry.field(default=None, description="Support number or customer reference.")
    auto_renew: bool | None = None


@strawberry.input
class RenewalSort:
    field: RenewalSortField = RenewalSortField.START_DATE
    direction: SortDirection = SortDirection.ASC


@strawberry.input
class BillingInput:
    name: str
    email: str
    address: str


@strawberry.input
class PurchaseOrderInput:
    number: str
    bill_to_name: str
    bill_to_email: str
    bill_to_address: str


@strawberry.input
class CheckoutInput:
    cart_id: strawberry.ID | None = None
    support_numbers: list[str] | None = None
    payment_method: PaymentMethod
    billing: BillingInput | None = None
    purchase_order: PurchaseOrderInput | None = None
    accept_terms: bool = False
    accept_tssa: bool = False
    idempotency_key: str | None = None


@strawberry.input
class AcceptMultiYearInput:
    support_number: str
    payment_method: PaymentMethod
    billing: BillingInput | None = None
    purchase_order: PurchaseOrderInput | None = None
    accept_terms: bool = False
    accept_tssa: bool = False
    idempotency_key: str | None = None


@strawberry.input
class UpdateRenewalInput:
    support_number: str
    customer_reference: str | None = None
    billing: BillingInput | None = None
    payment_method: PaymentMethod | None = None
    po_number: str | None = None
    auto_renew: bool | None = None


@strawberry.input
class QuoteToInput:
    support_number: str
    first_name: str
    last_name: str
    email: str
    address: str = ""
    phone: str = ""


def list_filters(list_: RenewalList, f: RenewalFilter | None) -> svc.RenewalFilters:
    """The service's filters for one list (no filter input: the whole list)."""
    f = f or RenewalFilter()
    return svc.RenewalFilters(
        list=list_.value,
        statuses=[s.value for s in f.status or []],
        start_from=f.start_from,
        start_to=f.start_to,
        end_from=f.end_from,
        end_to=f.end_to,
        po_number=f.po_number,
        search=f.search,
        auto_renew=f.auto_renew,
    )


def billing_details(b: BillingInput | None) -> svc.BillingDetails | None:
    """The service's billing details, None when the input has none."""
    return svc.BillingDetails(name=b.name, email=b.email, address=b.address) if b else None


def purchase_order_details(p: PurchaseOrderInput | None) -> svc.PurchaseOrderDetails | None:
    """The service's purchase order details, None when the input has none."""
    if p is None:
        return None
    return svc.PurchaseOrderDetails(
        number=p.number, bill_to_name=p.bill_to_name, bill_to_email=p.bill_to_email, bill_to_address=p.bill_to_address
    )


def request_json(obj: Any) -> Any:
    """A JSON-able view of an input (for the idempotency request hash)."""
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, list):
        return [request_json(x) for x in obj]
    return {k: request_json(v) for k, v in vars(obj).items() if k != "idempotency_key"}
