"""The renewals root fields answered by one SQL statement (core.compiled, issue 21): the lists of
``renewals`` with their filters and sort (the service's ``renewal_page_source``), how each field of a
Renewal and of its lines reads a row. The caller's relations to each renewal (owner, a grant) are
conditions of the statement (``service.renewal_page_source``). A field not named here (the signed
ordering-document links, the multi-year and sharing fields, a field another module grafts onto
Renewal) leaves the whole root field to its resolvers. The values are
the ones ``RenewalType.of`` and ``RenewalLineType.of`` hold; tests/test_compiled_reads.py compares
both paths' responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.compiled import (
    Children,
    CompiledType,
    Computed,
    Connection,
    MoneyOf,
    Record,
    column_value,
    global_id,
    input_of,
)
from plugins.renewals import service as svc
from plugins.renewals.graph.inputs import RenewalFilter, RenewalSort, list_filters
from plugins.renewals.graph.types import (
    BillingContact,
    PaymentMethod,
    QuoteToContact,
    RenewalList,
    RenewalStatus,
    SortDirection,
)
from plugins.renewals.models import Renewal, RenewalLine


def _accepted(row: Mapping[str, Any]) -> bool:
    return row["accepted_at"] is not None


def _quote_to(ctx: Any, row: Mapping[str, Any], parent: Any) -> QuoteToContact:
    return QuoteToContact(
        first_name=row["quote_to_first_name"],
        last_name=row["quote_to_last_name"],
        email=row["quote_to_email"],
        address=row["quote_to_address"],
        phone=row["quote_to_phone"],
    )


RENEWAL_LINE = CompiledType(
    RenewalLine,
    {
        "product": "product",
        "productFamily": "product_family",
        "serviceLevel": "service_level",
        "csiNumber": "csi_number",
        "quantity": Computed(
            lambda ctx, row, parent: svc.line_quantity(row["quantity"]),
            sql=lambda table: svc.sql_line_quantity(table.c.quantity),
        ),
        "serialNumber": "serial_number",
        "installedAt": "installed_at",
        "salesOrderNumber": "sales_order_number",
        "amount": MoneyOf("amount", parent=True),
    },
)

RENEWAL = CompiledType(
    Renewal,
    {
        "id": global_id("Renewal"),
        "supportNumber": "support_number",
        "quoteNumber": Computed(lambda ctx, row, parent: row["quote_number"] or row["support_number"]),
        "customer": "customer",
        "endUser": "end_user",
        "startDate": "start_date",
        "endDate": "end_date",
        "status": Computed(lambda ctx, row, parent: RenewalStatus(row["status"]), sql=column_value("status")),
        "list": Computed(
            lambda ctx, row, parent: RenewalList(svc.list_of(_accepted(row), row["start_date"], ctx.today()))
        ),
        "serviceLevel": "service_level",
        "amount": MoneyOf("amount"),
        "currency": "currency",
        "poNumber": "po_number",
        "customerReference": "customer_reference",
        "supportNotes": "support_notes",
        "quoteTo": Computed(
            _quote_to,
            sql=lambda table: {
                "firstName": table.c.quote_to_first_name,
                "lastName": table.c.quote_to_last_name,
                "email": table.c.quote_to_email,
                "address": table.c.quote_to_address,
                "phone": table.c.quote_to_phone,
            },
        ),
        "salesRepEmail": "sales_rep_email",
        "billing": Computed(
            lambda ctx, row, parent: BillingContact(
                name=row["billing_name"], email=row["billing_email"], address=row["billing_address"]
            )
        ),
        "autoRenew": "auto_renew",
        "paymentMethod": Computed(
            lambda ctx, row, parent: PaymentMethod(row["payment_method"]) if row["payment_method"] else None
        ),
        "locked": Computed(lambda ctx, row, parent: svc.is_locked(_accepted(row), row["start_date"], ctx.today())),
        "lockDate": Computed(lambda ctx, row, parent: svc.lock_date(row["start_date"])),
        "daysUntilStart": Computed(lambda ctx, row, parent: svc.days_until_start(row["start_date"], ctx.today())),
        "lastUpdatedBy": "last_updated_by",
        "acceptedAt": "accepted_at",
        "acceptedBy": "accepted_by",
        "lines": Children(RenewalLine, "renewal_id", ("line_no", "id"), RENEWAL_LINE),
    },
)


def _renewals(ctx: Any, args: Mapping[str, Any]) -> Any:
    # As the resolver reads them: the list's filters and its sort (default START_DATE ascending).
    sort = input_of(RenewalSort, args.get("sort")) or RenewalSort()
    return svc.renewal_page_source(
        ctx,
        list_filters(args["list"], input_of(RenewalFilter, args.get("filter"))),
        sort=sort.field.value,
        descending=sort.direction == SortDirection.DESC,
    )


COMPILED: dict[str, Any] = {"renewals": Connection(RENEWAL, _renewals, frozenset({"list", "filter", "sort"}))}
# The dashboard's counts (one statement, docs/performance.md); its carts and orders: the resolvers.
COMPILED["renewalDashboard"] = Record(
    {"pendingCount": "pending", "historyCount": "history", "futureCount": "future", "sharedCount": "shared"},
    svc.dashboard_counts,
)
