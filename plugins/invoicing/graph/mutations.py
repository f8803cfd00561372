"""Invoicing mutations."""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractAsyncContextManager
from typing import Any

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from core.context import Context
from core.db import tenant_session
from core.errors import BadUserInput, NotFound
from core.idempotency import MAX_KEY, idempotent
from core.ids import from_global_id, to_global_id
from plugins.invoicing import service as svc
from plugins.invoicing.gateway import get_gateway
from plugins.invoicing.graph.inputs import (
    AddCardInput,
    PayInvoiceItem,
    PayInvoicesInput,
    RecordPaymentInput,
    RecordWireReceiptInput,
    ResolveDisputeInput,
)
from plugins.invoicing.graph.queries import _profile
from plugins.invoicing.graph.types import (
    BillingProfileType,
    DisputeType,
    EmailedInvoiceList,
    InvoiceStatus,
    InvoiceType,
    PaymentResult,
    PaymentType,
    PoChangeRequestType,
    RefundType,
    _dispute_types,
    _refund_result,
)
from plugins.invoicing.models import Dispute, Invoice, Payment, PaymentMethod


# ------------------------------------------------------------------------------------ helpers
async def invoices_by_numbers(ctx: Context, numbers: list[str]) -> list[InvoiceType]:
    rows = {
        i.number: i for i in (await ctx.session.execute(select(Invoice).where(Invoice.number.in_(numbers)))).scalars()
    }
    return [InvoiceType.of(rows[n], ctx.today()) for n in numbers if n in rows]


async def _payment_result(ctx: Context, out: dict[str, Any]) -> PaymentResult:
    payment = (await ctx.session.execute(select(Payment).where(Payment.number == out["payment"]))).scalar_one()
    return PaymentResult(payment=PaymentType.of(payment), invoices=await invoices_by_numbers(ctx, out["invoices"]))


def _items(items: list[PayInvoiceItem]) -> list[svc.PayItem]:
    return [svc.PayItem(i.invoice_number, i.amount) for i in items]


# ------------------------------------------------------------------------------------ mutations
@strawberry.type
class InvoicingMutation:
    @strawberry.mutation(
        description="Pay one or several invoices by card or wire (R-I16…R-I19). A declined card returns a "
        "FAILED payment (retry with another card, or pay by wire). Replaying an idempotencyKey returns the "
        "first result."
    )
    async def pay_invoices(self, info: Info[Context, None], input: PayInvoicesInput) -> PaymentResult:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "pay")
        saved = from_global_id(input.saved_card_id, "SavedCard") if input.saved_card_id else None
        req = svc.PayRequest(
            items=_items(input.invoices),
            method=input.method.value,
            card_token=input.card_token,
            payment_method_id=saved,
            wire_amount=input.wire_amount,
            reference=input.reference,
        )

        request = {
            "items": [(i.invoice_number, str(i.amount)) for i in req.items],
            "method": req.method,
            "token": req.card_token,
            "saved": saved,
            "wire": str(input.wire_amount),
        }
        cited = [i.invoice_number.strip() for i in req.items]
        if req.method == "CARD":
            # The card's intent carries the idempotency key (see service.pay_by_card): the charge must
            # happen between two transactions, so the request's single-transaction replay does not fit.
            key = input.idempotency_key
            if key is not None and (not key.strip() or len(key) > MAX_KEY):
                raise BadUserInput(f"idempotencyKey must be 1 to {MAX_KEY} characters", field="idempotencyKey")
            tenant_id = ctx.tenant_id

            def begin() -> AbstractAsyncContextManager[AsyncSession]:
                return tenant_session(ctx.state.sessionmaker, tenant_id)

            p = await svc.pay_invoices(
                ctx.session,
                req,
                ctx.principal.email,
                ctx.now(),
                get_gateway(ctx.state),
                begin=begin,
                idempotency_key=key,
                request_hash=hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest(),
            )
            return await _payment_result(ctx, {"payment": p.number, "invoices": cited})

        async def run() -> dict[str, Any]:
            p = await svc.pay_invoices(ctx.session, req, ctx.principal.email, ctx.now(), get_gateway(ctx.state))
            return {"payment": p.number, "invoices": cited}

        return await _payment_result(ctx, await idempotent(ctx, "invoicing.pay", input.idempotency_key, request, run))

    @strawberry.mutation(description="Billing support: record money received for cited invoices (R-I17, R-I19).")
    async def record_invoice_payment(self, info: Info[Context, None], input: RecordPaymentInput) -> PaymentResult:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("payment", "record")
        items = _items(input.invoices)

        async def run() -> dict[str, Any]:
            p = await svc.record_payment(
                ctx.session, items, input.method.value, input.amount, input.reference, ctx.principal.email, ctx.now()
            )
            return {"payment": p.number, "invoices": [i.invoice_number.strip() for i in items]}

        request = {
            "items": [(i.invoice_number, str(i.amount)) for i in items],
            "method": input.method.value,
            "amount": str(input.amount),
            "ref": input.reference,
        }
        return await _payment_result(
            ctx, await idempotent(ctx, "invoicing.record", input.idempotency_key, request, run)
        )

    @strawberry.mutation(
        description="Billing support: record money that arrived at the bank for an invoice (R-I17). It matches "
        "the customer's wire notice, closes the invoice up to its balance and any excess becomes credit "
        "(R-I19). The receipt's currency must be the invoice's; its bankReference is recorded once."
    )
    async def record_wire_receipt(self, info: Info[Context, None], input: RecordWireReceiptInput) -> PaymentResult:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("payment", "record")
        receipt = svc.Receipt(
            amount=input.amount,
            currency=input.currency,
            received_on=input.received_on,
            bank_reference=input.bank_reference,
            invoice_number=input.invoice_number,
            payer_reference=input.payer_reference,
        )
        p, _ = await svc.record_receipt(ctx.session, receipt, ctx.principal.email, ctx.now())
        return await _payment_result(ctx, {"payment": p.number, "invoices": sorted(p.allocation)})

    @strawberry.mutation(description="Dispute an invoice by number (R-I20).")
    async def open_invoice_dispute(self, info: Info[Context, None], invoice_number: str, reason: str) -> DisputeType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "dispute")
        d = await svc.open_dispute(ctx.session, invoice_number, reason, ctx.principal.email, ctx.now())
        return (await _dispute_types(ctx, [d]))[0]

    @strawberry.mutation(description="Billing support: resolve a dispute — rebill, cancel or reject (R-I20).")
    async def resolve_invoice_dispute(self, info: Info[Context, None], input: ResolveDisputeInput) -> DisputeType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("dispute", "resolve")

        async def run() -> dict[str, Any]:
            d = await svc.resolve_dispute(
                ctx.session,
                input.dispute_number,
                input.outcome.value,
                ctx.principal.email,
                ctx.now(),
                rebill_lines=[svc.RebillLine(r.position, r.pre_tax_amount) for r in input.rebill_lines],
                note=input.note,
            )
            return {"dispute": d.number}

        request = {
            "d": input.dispute_number,
            "o": input.outcome.value,
            "lines": [(r.position, str(r.pre_tax_amount)) for r in input.rebill_lines],
        }
        out = await idempotent(ctx, "invoicing.dispute", input.idempotency_key, request, run)
        d = (await ctx.session.execute(select(Dispute).where(Dispute.number == out["dispute"]))).scalar_one()
        return (await _dispute_types(ctx, [d]))[0]

    @strawberry.mutation(
        description="Refund an open credit when no unpaid invoices are left for it (R-I19). Above the approval "
        "limit the refund is PENDING_APPROVAL until billing support approves it."
    )
    async def refund_invoice_credit(
        self, info: Info[Context, None], credit_number: str, idempotency_key: str | None = None
    ) -> RefundType:
        ctx = info.context
        ctx.require_tenant()
        if not (ctx.allowed("invoice", "pay") or ctx.allowed("payment", "record")):
            ctx.require("invoice", "pay")

        async def run() -> dict[str, Any]:
            r = await svc.request_refund(
                ctx.session,
                credit_number,
                ctx.principal.email,
                ctx.now(),
                approval_above_usd=ctx.state.settings.invoicing_refund_approval_usd,
            )
            return {"refund": r.number}

        out = await idempotent(ctx, "invoicing.refund", idempotency_key, {"credit": credit_number}, run)
        return await _refund_result(ctx, out["refund"])

    @strawberry.mutation(description="Billing support: approve a refund waiting for approval; it is paid out.")
    async def approve_invoice_refund(self, info: Info[Context, None], refund_number: str, note: str = "") -> RefundType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("refund", "approve")
        r = await svc.decide_refund(ctx.session, refund_number, True, ctx.principal.email, ctx.now(), note)
        return await _refund_result(ctx, r.number)

    @strawberry.mutation(
        description="Billing support: reject a refund waiting for approval; its amount goes back to the credit."
    )
    async def reject_invoice_refund(self, info: Info[Context, None], refund_number: str, note: str) -> RefundType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("refund", "approve")
        r = await svc.decide_refund(ctx.session, refund_number, False, ctx.principal.email, ctx.now(), note)
        return await _refund_result(ctx, r.number)

    @strawberry.mutation(description="Email the invoice list (optionally one status) to yourself (R-I2).")
    async def email_invoice_list(
        self, info: Info[Context, None], status: InvoiceStatus | None = None
    ) -> EmailedInvoiceList:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("invoice", "email_list")
        today = ctx.today()
        stmt = svc.status_filter(select(Invoice), status.value if status else None, today)
        rows = list(
            (await ctx.session.execute(stmt.order_by(Invoice.invoice_date.desc(), Invoice.id.desc()))).scalars()
        )
        body = "\n".join(
            f"{i.number}  {i.invoice_date.isoformat()}  due {i.due_date.isoformat()}  "
            f"{svc.status_of(i.balance, i.due_date, today):<8} {i.currency} {i.total}  balance {i.balance}"
            for i in rows
        )
        label = status.value.lower() if status else "all"
        ctx.send_email(
            ctx.principal.email,
            f"Your invoices ({label}): {len(rows)}",
            body or "No invoices.",
            kind="invoicing.invoice_list",
        )
        return EmailedInvoiceList(to=ctx.principal.email, invoices=len(rows))

    @strawberry.mutation(description="Update the billing contact and account contacts (R-I14, R-I3).")
    async def update_billing_profile(
        self,
        info: Info[Context, None],
        billing_email: str | None = None,
        account_contacts: list[str] | None = None,
    ) -> BillingProfileType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "manage")
        await svc.update_billing_profile(ctx.session, billing_email, account_contacts, ctx.now())
        return await _profile(ctx)

    @strawberry.mutation(description="Save a card (gateway token; last four digits kept) (R-I14).")
    async def add_billing_card(self, info: Info[Context, None], input: AddCardInput) -> BillingProfileType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "manage")
        await svc.add_card(
            ctx.session, input.token, input.exp_month, input.exp_year, input.label, input.make_default, ctx.now()
        )
        return await _profile(ctx)

    @strawberry.mutation(description="Remove a saved card (R-I14).")
    async def remove_billing_card(self, info: Info[Context, None], id: strawberry.ID) -> BillingProfileType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "manage")
        pm = await ctx.session.get(PaymentMethod, from_global_id(id, "SavedCard"))
        if pm is None or pm.tenant_id != ctx.tenant_id or pm.removed:
            raise NotFound("No such saved card", field="id")
        pm.removed, pm.is_default, pm.token = True, False, None
        await ctx.session.flush()
        return await _profile(ctx)

    @strawberry.mutation(description="Ask to add or change the PO on future invoices (R-I15).")
    async def request_po_change(
        self, info: Info[Context, None], invoice_number: str, po_number: str, po_document_name: str
    ) -> PoChangeRequestType:
        ctx = info.context
        ctx.require_tenant()
        ctx.require("billing_profile", "manage")
        if len(po_document_name) > 200:
            raise BadUserInput("poDocumentName is too long", field="poDocumentName")
        r = await svc.request_po_change(
            ctx.session, invoice_number, po_number, po_document_name, ctx.principal.email, ctx.now()
        )
        return PoChangeRequestType(
            id=strawberry.ID(to_global_id("PoChangeRequest", r.id)),
            invoice_number=invoice_number.strip(),
            po_number=r.po_number,
            document_name=r.document_name,
            status=r.status,
            requested_by=r.requested_by,
            created_at=r.created_at,
        )
