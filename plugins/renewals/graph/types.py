"""Renewals GraphQL object types and enums. Per-row fields read preloaded rows or batch through the
loaders of ``graph.loaders`` (a page costs a constant number of queries)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from core.context import Context
from core.documents import document_path
from core.fields import prefetched_in
from core.graph import TenantType
from core.graph_queues import item_tenant
from core.ids import to_global_id
from core.links import LINK_NOTE, SignedLink, link_field, segment
from core.money import MoneyType
from core.nodes import Node
from plugins.renewals import service as svc
from plugins.renewals.graph.loaders import (
    CartItems,
    OrderRenewals,
    RenewalLines,
    RenewalOrders,
    RenewalRequests,
    RenewalsById,
    RenewalShareCounts,
    TenantCountries,
    TssaRequired,
)
from plugins.renewals.models import Renewal, RenewalCart, RenewalLine, RenewalOrder, RenewalRequest

# ------------------------------------------------------------------------------------ enums


@strawberry.enum(description="The three renewal lists of R-R1.")
class RenewalList(Enum):
    PENDING = "PENDING"
    HISTORY = "HISTORY"
    FUTURE = "FUTURE"


@strawberry.enum
class RenewalStatus(Enum):
    OPEN = "OPEN"
    MULTI_YEAR_PENDING = "MULTI_YEAR_PENDING"
    MULTI_YEAR_QUOTED = "MULTI_YEAR_QUOTED"
    ACCEPTED = "ACCEPTED"
    AUTO_RENEWED = "AUTO_RENEWED"


@strawberry.enum(description="R-R4 payment methods; which are offered depends on the country.")
class PaymentMethod(Enum):
    CARD = "CARD"
    PO = "PO"
    INVOICE = "INVOICE"
    POEF = "POEF"


@strawberry.enum
class RenewalSortField(Enum):
    START_DATE = "START_DATE"
    END_DATE = "END_DATE"
    SUPPORT_NUMBER = "SUPPORT_NUMBER"
    AMOUNT = "AMOUNT"
    CUSTOMER = "CUSTOMER"


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.enum(description="Sources of the summary report (R-R19).")
class RenewalReportSource(Enum):
    PENDING = "pending"
    HISTORY = "history"
    PENDING_AND_HISTORY = "pending_and_history"
    FUTURE = "future"
    SAVED_CARTS = "saved_carts"
    ACTIVE_CART = "active_cart"


# ------------------------------------------------------------------------------------ types


@strawberry.type
class QuoteToContact:
    first_name: str
    last_name: str
    email: str
    address: str
    phone: str


@strawberry.type
class BillingContact:
    name: str
    email: str
    address: str


@strawberry.type(name="RenewalLine")
class RenewalLineType:
    product: str
    product_family: str
    service_level: str
    csi_number: str
    quantity: Decimal
    serial_number: str
    installed_at: str
    sales_order_number: str
    amount: MoneyType

    @classmethod
    def of(cls, x: RenewalLine, currency: str) -> RenewalLineType:
        return cls(
            product=x.product,
            product_family=x.product_family,
            service_level=x.service_level,
            csi_number=x.csi_number,
            quantity=svc.line_quantity(x.quantity),
            serial_number=x.serial_number,
            installed_at=x.installed_at,
            sales_order_number=x.sales_order_number,
            amount=MoneyType.of(x.amount, currency),
        )


@strawberry.enum(description="What a renewal request asks for.")
class RenewalRequestKind(Enum):
    ASSISTANCE = strawberry.enum_value("ASSISTANCE", description="Help from the renewals desk (R-R13).")
    MULTI_YEAR = strawberry.enum_value("MULTI_YEAR", description="A multi-year quote (R-R12).")


@strawberry.enum(description="How a renewal order was placed.")
class RenewalOrderKind(Enum):
    CHECKOUT = strawberry.enum_value("CHECKOUT", description="A customer checked out a cart or a renewal (R-R5).")
    AUTO_RENEW = strawberry.enum_value("AUTO_RENEW", description="Renewed automatically on its start day (R-R9).")
    MULTI_YEAR = strawberry.enum_value("MULTI_YEAR", description="A multi-year quote accepted (R-R12).")


@strawberry.enum(description="Where a cart is (R-R17).")
class CartStatus(Enum):
    ACTIVE = strawberry.enum_value("ACTIVE", description="The person's current cart.")
    SAVED = strawberry.enum_value("SAVED", description="Saved under a name to open later.")
    CHECKED_OUT = strawberry.enum_value("CHECKED_OUT", description="Ordered; kept for its history.")


@strawberry.type(name="RenewalRequest", description="An assistance (R-R13) or multi-year (R-R12) request.")
class RenewalRequestType(Node):
    id: strawberry.ID
    kind: RenewalRequestKind
    requester_email: str
    message: str
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    created_at: datetime
    renewal_id: strawberry.Private[int]
    tenant_id: strawberry.Private[int]

    @strawberry.field(description="The renewal the request is about.")
    async def renewal(self, info: Info[Context, None]) -> RenewalType | None:
        ctx = info.context
        row = await RenewalsById.of(ctx).load(self.renewal_id)
        return RenewalType.of(row, ctx.today()) if row else None

    @strawberry.field(description="The tenant of the renewal (a work queue spans tenants).")
    async def tenant(self, info: Info[Context, None]) -> TenantType | None:
        return await item_tenant(info, self.tenant_id)

    @classmethod
    def of(cls, r: RenewalRequest) -> RenewalRequestType:
        return cls(
            id=strawberry.ID(to_global_id("RenewalRequest", r.id)),
            kind=RenewalRequestKind(r.kind),
            requester_email=r.requester_email,
            message=r.message,
            answer=r.answer,
            answered_by=r.answered_by,
            answered_at=r.answered_at,
            created_at=r.created_at,
            renewal_id=r.renewal_id,
            tenant_id=r.tenant_id,
        )


@strawberry.type
class MultiYearQuote:
    years: int
    amount: MoneyType | None
    message: str | None


@strawberry.type(name="Renewal", description="A support contract's renewal for the next period (SPEC §2).")
class RenewalType(Node):
    id: strawberry.ID
    support_number: str
    quote_number: str
    customer: str
    end_user: str
    start_date: date
    end_date: date
    status: RenewalStatus
    list: RenewalList
    service_level: str
    amount: MoneyType
    currency: str
    po_number: str | None
    customer_reference: str
    support_notes: str
    quote_to: QuoteToContact
    sales_rep_email: str
    billing: BillingContact
    auto_renew: bool
    payment_method: PaymentMethod | None
    locked: bool = strawberry.field(description="Read-only from 31 days before the start date (R-R9).")
    lock_date: date = strawberry.field(description="First day the renewal is read-only (R-R9).")
    days_until_start: int
    last_updated_by: str
    accepted_at: datetime | None
    accepted_by: str | None
    # The renewal's columns: its ORM instance, or the read-only record a list page loaded (same names).
    row: strawberry.Private[Renewal]
    # Loaded with the page that holds this renewal when the page asks for lines (see ``renewals``).
    page_lines: strawberry.Private[list[RenewalLineType] | None] = None

    @strawberry.field(
        description="The ordering document (R-R14) as HTML, in the reader's language or the one `lang` names."
        + LINK_NOTE,
        extensions=[SignedLink()],
    )
    def ordering_document_url(self, lang: str | None = None) -> str:
        return document_path(f"/renewals/{segment(self.support_number)}/ordering-document", lang)

    @strawberry.field(
        description="The ordering document (R-R14) as PDF, in the reader's language or the one `lang` names."
        + LINK_NOTE,
        extensions=[SignedLink()],
    )
    def ordering_document_pdf_url(self, lang: str | None = None) -> str:
        return document_path(f"/renewals/{segment(self.support_number)}/ordering-document.pdf", lang)

    @classmethod
    def of(cls, r: Renewal, today: date) -> RenewalType:
        accepted = r.accepted_at is not None
        return cls(
            id=strawberry.ID(to_global_id("Renewal", r.id)),
            support_number=r.support_number,
            quote_number=r.quote_number or r.support_number,
            customer=r.customer,
            end_user=r.end_user,
            start_date=r.start_date,
            end_date=r.end_date,
            status=RenewalStatus(r.status),
            list=RenewalList(svc.list_of(accepted, r.start_date, today)),
            service_level=r.service_level,
            amount=MoneyType.of(r.amount, r.currency),
            currency=r.currency,
            po_number=r.po_number,
            customer_reference=r.customer_reference,
            support_notes=r.support_notes,
            quote_to=QuoteToContact(
                first_name=r.quote_to_first_name,
                last_name=r.quote_to_last_name,
                email=r.quote_to_email,
                address=r.quote_to_address,
                phone=r.quote_to_phone,
            ),
            sales_rep_email=r.sales_rep_email,
            billing=BillingContact(name=r.billing_name, email=r.billing_email, address=r.billing_address),
            auto_renew=r.auto_renew,
            payment_method=PaymentMethod(r.payment_method) if r.payment_method else None,
            locked=svc.is_locked(accepted, r.start_date, today),
            lock_date=svc.lock_date(r.start_date),
            days_until_start=svc.days_until_start(r.start_date, today),
            last_updated_by=r.last_updated_by,
            accepted_at=r.accepted_at,
            accepted_by=r.accepted_by,
            row=r,
        )

    @strawberry.field(description="Contract lines (R-R3).", metadata=prefetched_in("page_lines"))
    def lines(self, info: Info[Context, None]) -> list[RenewalLineType]:
        # Not ``async``: a page that loaded its lines answers synchronously.
        if self.page_lines is not None:
            return self.page_lines
        return self._load_lines(info.context)  # type: ignore[return-value]

    async def _load_lines(self, ctx: Context) -> list[RenewalLineType]:
        lines = await RenewalLines.of(ctx).load(self.row.id)
        return [RenewalLineType.of(x, self.currency) for x in lines]

    @strawberry.field(description="R-R11: eligible for a multi-year renewal.")
    async def multi_year_eligible(self, info: Info[Context, None]) -> bool:
        ctx = info.context
        return await svc.multi_year_eligible_now(ctx, self.row, await RenewalLines.of(ctx).load(self.row.id))

    @strawberry.field(description="R-R11: the most saved over the multi-year term, when eligible.")
    async def save_up_to(self, info: Info[Context, None]) -> MoneyType | None:
        ctx = info.context
        if not svc.offers_multi_year_saving(self.row):
            return None  # decided before loading lines, so a page of history loads none
        saving = await svc.multi_year_saving_now(ctx, self.row, await RenewalLines.of(ctx).load(self.row.id))
        return MoneyType.of(saving, self.currency) if saving is not None else None

    @strawberry.field
    def multi_year_quote(self) -> MultiYearQuote | None:
        r = self.row
        if not svc.shows_multi_year_quote(r.status, r.multi_year_amount):
            return None
        return MultiYearQuote(
            years=r.multi_year_years or svc.MULTI_YEAR_YEARS,
            amount=MoneyType.of(r.multi_year_amount, r.currency) if r.multi_year_amount is not None else None,
            message=r.multi_year_message,
        )

    @strawberry.field(description="Number of people the renewal is shared with (R-S5).")
    async def shared_with_count(self, info: Info[Context, None]) -> int:
        return await RenewalShareCounts.of(info.context).load((self.row.tenant_id, self.support_number))

    @strawberry.field(description="R-R4: payment methods offered for the customer's country.")
    async def payment_methods_offered(self, info: Info[Context, None]) -> list[PaymentMethod]:
        country = await TenantCountries.of(info.context).country_of(self.row.tenant_id)
        return [PaymentMethod(m) for m in svc.payment_methods_for(country)]

    @strawberry.field(description="R-R4: the TSSA must be accepted at checkout (first renewal only).")
    async def tssa_required(self, info: Info[Context, None]) -> bool:
        return await TssaRequired.of(info.context).load(self.row.tenant_id)

    @strawberry.field(description="Assistance and multi-year requests on this renewal.")
    async def requests(self, info: Info[Context, None]) -> list[RenewalRequestType]:
        rows = await RenewalRequests.of(info.context).load(self.row.id)
        return [RenewalRequestType.of(r) for r in rows]

    @strawberry.field(description="The customer tenant (a sales rep's lists and work queues span tenants).")
    async def tenant(self, info: Info[Context, None]) -> TenantType | None:
        return await item_tenant(info, self.row.tenant_id)

    @strawberry.field
    async def order(self, info: Info[Context, None]) -> RenewalOrderType | None:
        if self.row.order_id is None:
            return None
        order = await RenewalOrders.of(info.context).load(self.row.order_id)
        return RenewalOrderType.of(order) if order else None


@strawberry.type(name="RenewalOrder")
class RenewalOrderType(Node):
    id: strawberry.ID
    order_number: str
    kind: RenewalOrderKind
    placed_by: str
    placed_at: datetime
    payment_method: PaymentMethod
    po_number: str | None
    total: MoneyType
    billing: BillingContact
    row: strawberry.Private[RenewalOrder]

    @classmethod
    def of(cls, o: RenewalOrder) -> RenewalOrderType:
        return cls(
            id=strawberry.ID(to_global_id("RenewalOrder", o.id)),
            order_number=o.order_number,
            kind=RenewalOrderKind(o.kind),
            placed_by=o.placed_by,
            placed_at=o.placed_at,
            payment_method=PaymentMethod(o.payment_method),
            po_number=o.po_number,
            total=MoneyType.of(o.total, o.currency),
            billing=BillingContact(name=o.billing_name, email=o.billing_email, address=o.billing_address),
            row=o,
        )

    @strawberry.field
    async def renewals(self, info: Info[Context, None]) -> list[RenewalType]:
        rows = await OrderRenewals.of(info.context).load(self.row.id)
        today = info.context.today()
        return [RenewalType.of(r, today) for r in rows]


@strawberry.type(name="Cart", description="A cart of pending renewals (R-R17).")
class CartType(Node):
    id: strawberry.ID
    name: str
    status: CartStatus
    created_at: datetime
    updated_at: datetime
    summary_report_url: str = link_field("The summary report of this cart's renewals (R-R19).")
    row: strawberry.Private[RenewalCart]

    @classmethod
    def of(cls, c: RenewalCart) -> CartType:
        source = "active_cart" if c.status == "ACTIVE" else "saved_carts"
        return cls(
            id=strawberry.ID(to_global_id("Cart", c.id)),
            name=c.name,
            status=CartStatus(c.status),
            created_at=c.created_at,
            updated_at=c.updated_at,
            summary_report_url=f"/renewals/report/summary.csv?source={source}",
            row=c,
        )

    async def _items(self, info: Info[Context, None]) -> list[Renewal]:
        return await CartItems.of(info.context).load(self.row.id)

    @strawberry.field
    async def renewals(self, info: Info[Context, None]) -> list[RenewalType]:
        today = info.context.today()
        return [RenewalType.of(r, today) for r in await self._items(info)]

    @strawberry.field
    async def item_count(self, info: Info[Context, None]) -> int:
        return len(await self._items(info))

    @strawberry.field(description="Totals per currency.")
    async def totals(self, info: Info[Context, None]) -> list[MoneyType]:
        return [MoneyType.of(amount, currency) for currency, amount in svc.totals_by_currency(await self._items(info))]


@strawberry.type(description="R-R5: what the person sees after placing the order (one order per renewal).")
class OrderConfirmation:
    order_numbers: list[str]
    placed_at: datetime
    total: MoneyType
    payment_method: PaymentMethod
    support_numbers: list[str]

    @strawberry.field(description="The order number when one renewal was ordered.")
    def order_number(self) -> str:
        return self.order_numbers[0]

    @strawberry.field
    async def renewals(self, info: Info[Context, None]) -> list[RenewalType]:
        ctx = info.context
        today = ctx.today()
        return [RenewalType.of(r, today) for r in await svc.renewals_by_number(ctx, self.support_numbers)]

    @classmethod
    def of(cls, data: dict[str, Any]) -> OrderConfirmation:
        return cls(
            order_numbers=list(data["orderNumbers"]),
            placed_at=datetime.fromisoformat(data["placedAt"]),
            total=MoneyType.of(Decimal(data["total"]), data["currency"]),
            payment_method=PaymentMethod(data["paymentMethod"]),
            support_numbers=list(data["supportNumbers"]),
        )


@strawberry.type
class RenewalDownloads:
    standard_csv_url: str = link_field("The standard CSV: at most 10,000 rows, honouring the filters (R-R18).")
    summary_report_url: str = link_field("The summary report: no row limit, ignores the page filters (R-R19).")
    detailed_report_url: str | None = link_field("The detailed report: pending list only, else null (R-R20).")


@strawberry.type
class RenewalDashboard:
    pending_count: int
    history_count: int
    future_count: int
    shared_count: int
    saved_carts: list[CartType]
    active_cart: CartType | None
    orders: list[RenewalOrderType]
