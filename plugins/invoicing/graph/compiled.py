"""The invoicing root fields answered by one SQL statement (core.compiled, issue 21): how each field
of an Invoice and of its lines reads a row. A field not named here (the signed links documentUrl and
documentPdfUrl, payments, tenant, a field another module grafts onto Invoice) leaves the whole root
field to its resolvers. The values are the ones ``InvoiceType.of`` and ``InvoiceLineType.of`` hold;
tests/test_compiled_reads.py compares both paths' responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.compiled import TODAY, Children, CompiledType, Computed, Connection, MoneyOf, Record, global_id
from core.money import whole_units
from plugins.invoicing import service as svc
from plugins.invoicing.graph.types import InvoiceBuyer, InvoiceStatus
from plugins.invoicing.models import Invoice, InvoiceLine


def _status(ctx: Any, row: Mapping[str, Any], parent: Any) -> InvoiceStatus:
    return InvoiceStatus(svc.status_of(row["balance"], row["due_date"], ctx.today()))


def _buyer(ctx: Any, row: Mapping[str, Any], parent: Any) -> InvoiceBuyer:
    return InvoiceBuyer(name=row["buyer_name"], address=row["buyer_address"], tax_id=row["buyer_tax_id"])


INVOICE_LINE = CompiledType(
    InvoiceLine,
    {
        "id": global_id("InvoiceLine"),
        "position": "position",
        "product": "product",
        "description": "description",
        "category": "category",
        "program": "program",
        "productFamily": "product_family",
        "bundlesLicense": "bundles_license",
        "quantity": "quantity",
        "preTaxAmount": MoneyOf("pre_tax_amount", parent=True),
        "taxRate": "tax_rate",
        "taxAmount": MoneyOf("tax_amount", parent=True),
        "total": MoneyOf(lambda row: row["pre_tax_amount"] + row["tax_amount"], parent=True),
        "periodStart": "period_start",
        "periodEnd": "period_end",
    },
)

INVOICE = CompiledType(
    Invoice,
    {
        "id": global_id("Invoice"),
        "number": "number",
        "status": Computed(_status, sql=lambda table: svc.sql_status_of(table.c.balance, table.c.due_date, TODAY)),
        "invoiceDate": "invoice_date",
        "dueDate": "due_date",
        "orderNumber": "order_number",
        "poNumber": "po_number",
        "orderPaymentMethod": "order_payment_method",
        "currency": "currency",
        "country": "country",
        "preTaxTotal": MoneyOf("pre_tax_total"),
        "taxTotal": MoneyOf("tax_total"),
        "total": MoneyOf("total"),
        "amountPaid": MoneyOf("applied_total"),
        "creditedAmount": MoneyOf("credited_total"),
        "balance": MoneyOf("balance"),
        "pendingAmount": MoneyOf("pending_total"),
        "displayTotal": Computed(lambda ctx, row, parent: whole_units(row["total"])),
        "billingEmail": "billing_email",
        "ccEmails": Computed(lambda ctx, row, parent: [e for e in row["cc_emails"].split(",") if e]),
        "buyer": Computed(
            _buyer,
            sql=lambda table: {
                "name": table.c.buyer_name,
                "address": table.c.buyer_address,
                "taxId": table.c.buyer_tax_id,
            },
        ),
        "source": "source",
        "cancelled": "cancelled",
        "periodStart": "period_start",
        "periodEnd": "period_end",
        "lines": Children(InvoiceLine, "invoice_id", ("position", "id"), INVOICE_LINE),
    },
)


def _invoices(ctx: Any, args: Mapping[str, Any]) -> Any:
    status = args.get("status")
    return svc.invoice_page_source(ctx, status.value if status is not None else None)


COMPILED: dict[str, Connection] = {"invoices": Connection(INVOICE, _invoices, frozenset({"status"}))}
COMPILED["invoiceCounts"] = Record({"overdue": "OVERDUE", "open": "OPEN", "closed": "CLOSED"}, svc.invoice_counts)
