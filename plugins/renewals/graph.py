"""Renewals GraphQL: types, queries and mutations. Resolvers authorize and call service.py; per-row
fields read preloaded rows or batch through DataLoaders (a page costs a constant number of queries)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import urlencode

import strawberry
from strawberry.types import Info

from core.context import Context
from core.db import record_columns
from core.errors import BadUserInput, NotFound
from core.fields import prefetched_in
from core.idempotency import idempotent
from core.ids import from_global_id, to_global_id
from core.money import MoneyInput, MoneyType, quantize
from core.pagination import Connection, connection, keyset_page, selects_node_field
from plugins.renewals import service as svc
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
            quantity=x.quantity.normalize() if x.quantity == x.quantity.to_integral() else x.quantity,
            serial_number=x.serial_number,
            installed_at=x.installed_at,
            sales_order_number=x.sales_order_number,
            amount=MoneyType.of(x.amount, currency),
        )


@strawberry.type(name="RenewalRequest", description="An assistance (R-R13) or multi-year (R-R12) request.")
class RenewalRequestType:
    id: strawberry.ID
    kind: str
    requester_email: str
    message: str
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, r: RenewalRequest) -> RenewalRequestType:
        return cls(
            id=strawberry.ID(to_global_id("RenewalRequest", r.id)),
            kind=r.kind,
            requester_email=r.requester_email,
            message=r.message,
            answer=r.answer,
            answered_by=r.answered_by,
            answered_at=r.answered_at,
            created_at=r.created_at,
        )


@strawberry.type
class MultiYearQuote:
    years: int
    amount: MoneyType | None
    message: str | None


def _loader(ctx: Context, name: str, fn: Any) -> Any:
    async def load(keys: list[Any]) -> list[Any]:
        return await fn(ctx.session, keys)

    return ctx.loader(f"renewals.{name}", load)


@strawberry.type(name="Renewal", description="A support contract's renewal for the next period (SPEC §2).")
class RenewalType:
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
    ordering_document_url: str = strawberry.field(description="Download of the ordering document (R-R14).")
    # The renewal's columns: its ORM instance, or the read-only record a list page loaded (same names).
    row: strawberry.Private[Renewal]
    # Loaded with the page that holds this renewal when the page asks for lines (see ``renewals``).
    page_lines: strawberry.Private[list[RenewalLineType] | None] = None

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
            ordering_document_url=f"/renewals/{r.support_number}/ordering-document",
            row=r,
        )

    @strawberry.field(description="Contract lines (R-R3).", metadata=prefetched_in("page_lines"))
    def lines(self, info: Info[Context, None]) -> list[RenewalLineType]:
        # Not ``async``: a page that loaded its lines answers synchronously.
        if self.page_lines is not None:
            return self.page_lines
        return self._load_lines(info.context)  # type: ignore[return-value]

    async def _load_lines(self, ctx: Context) -> list[RenewalLineType]:
        lines = await _loader(ctx, "lines", svc.lines_for).load(self.row.id)
        return [RenewalLineType.of(x, self.currency) for x in lines]

    @strawberry.field(description="R-R11: eligible for a multi-year renewal.")
    async def multi_year_eligible(self, info: Info[Context, None]) -> bool:
        lines = await _loader(info.context, "lines", svc.lines_for).load(self.row.id)
        return svc.multi_year_eligible(
            self.row.amount,
            self.currency,
            [(x.product_family, x.sales_order_number) for x in lines],
            info.context.today(),
        )

    @strawberry.field(description="R-R11: the most saved over the multi-year term, when eligible.")
    async def save_up_to(self, info: Info[Context, None]) -> MoneyType | None:
        if self.row.accepted_at is not None or not await self.multi_year_eligible(info):
            return None
        return MoneyType.of(svc.save_up_to(self.row.amount, self.currency), self.currency)

    @strawberry.field
    def multi_year_quote(self) -> MultiYearQuote | None:
        r = self.row
        if r.status not in (svc.MULTI_YEAR_PENDING, svc.MULTI_YEAR_QUOTED) and r.multi_year_amount is None:
            return None
        return MultiYearQuote(
            years=r.multi_year_years or svc.MULTI_YEAR_YEARS,
            amount=MoneyType.of(r.multi_year_amount, r.currency) if r.multi_year_amount is not None else None,
            message=r.multi_year_message,
        )

    @strawberry.field(description="Number of people the renewal is shared with (R-S5).")
    async def shared_with_count(self, info: Info[Context, None]) -> int:
        return await _loader(info.context, "shares", svc.share_counts).load((self.row.tenant_id, self.support_number))

    @strawberry.field(description="R-R4: payment methods offered for the customer's country.")
    async def payment_methods_offered(self, info: Info[Context, None]) -> list[PaymentMethod]:
        ctx = info.context
        if ctx.tenant is not None and ctx.tenant.id == self.row.tenant_id:
            country = ctx.tenant.country
        else:
            country = await _loader(ctx, "country", svc.tenant_countries).load(self.row.tenant_id)
        return [PaymentMethod(m) for m in svc.payment_methods_for(country)]

    @strawberry.field(description="R-R4: the TSSA must be accepted at checkout (first renewal only).")
    async def tssa_required(self, info: Info[Context, None]) -> bool:
        return not await _loader(info.context, "history", svc.tenants_with_history).load(self.row.tenant_id)

    @strawberry.field(description="Assistance and multi-year requests on this renewal.")
    async def requests(self, info: Info[Context, None]) -> list[RenewalRequestType]:
        rows = await _loader(info.context, "requests", svc.requests_for).load(self.row.id)
        return [RenewalRequestType.of(r) for r in rows]

    @strawberry.field
    async def order(self, info: Info[Context, None]) -> RenewalOrderType | None:
        if self.row.order_id is None:
            return None
        order = await _loader(info.context, "orders", _orders_by_id).load(self.row.order_id)
        return RenewalOrderType.of(order) if order else None


async def _orders_by_id(session: Any, ids: list[int]) -> list[RenewalOrder | None]:
    from sqlalchemy import select

    rows = {o.id: o for o in (await session.execute(select(RenewalOrder).where(RenewalOrder.id.in_(ids)))).scalars()}
    return [rows.get(i) for i in ids]


@strawberry.type(name="RenewalOrder")
class RenewalOrderType:
    id: strawberry.ID
    order_number: str
    kind: str
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
            kind=o.kind,
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
        rows = await _loader(info.context, "order_renewals", svc.renewals_of_orders).load(self.row.id)
        today = info.context.today()
        return [RenewalType.of(r, today) for r in rows]


@strawberry.type(name="Cart", description="A cart of pending renewals (R-R17).")
class CartType:
    id: strawberry.ID
    name: str
    status: str
    created_at: datetime
    updated_at: datetime
    summary_report_url: str
    row: strawberry.Private[RenewalCart]

    @classmethod
    def of(cls, c: RenewalCart) -> CartType:
        source = "active_cart" if c.status == "ACTIVE" else "saved_carts"
        return cls(
            id=strawberry.ID(to_global_id("Cart", c.id)),
            name=c.name,
            status=c.status,
            created_at=c.created_at,
            updated_at=c.updated_at,
            summary_report_url=f"/renewals/report/summary.csv?source={source}",
            row=c,
        )

    async def _items(self, info: Info[Context, None]) -> list[Renewal]:
        ctx = info.context

        async def load(ids: list[int]) -> list[list[Renewal]]:
            return await svc.cart_items(ctx, ids)

        return await ctx.loader("renewals.cart_items", load).load(self.row.id)

    @strawberry.field
    async def renewals(self, info: Info[Context, None]) -> list[RenewalType]:
        today = info.context.today()
        return [RenewalType.of(r, today) for r in await self._items(info)]

    @strawberry.field
    async def item_count(self, info: Info[Context, None]) -> int:
        return len(await self._items(info))

    @strawberry.field(description="Totals per currency.")
    async def totals(self, info: Info[Context, None]) -> list[MoneyType]:
        sums: dict[str, Decimal] = {}
        for r in await self._items(info):
            sums[r.currency] = sums.get(r.currency, Decimal(0)) + r.amount
        return [MoneyType.of(quantize(v, k), k) for k, v in sorted(sums.items())]


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
        from sqlalchemy import select

        ctx = info.context
        rows = (
            await ctx.session.execute(
                select(Renewal)
                .where(Renewal.support_number.in_(self.support_numbers), svc._may_see(ctx))
                .order_by(Renewal.support_number)
            )
        ).scalars()
        return [RenewalType.of(r, ctx.today()) for r in rows]

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
    standard_csv_url: str = strawberry.field(description="R-R18: at most 10,000 rows, honouring the filters.")
    summary_report_url: str = strawberry.field(description="R-R19: no row limit, ignores page filters.")
    detailed_report_url: str | None = strawberry.field(description="R-R20: pending list only.")


@strawberry.type
class RenewalDashboard:
    pending_count: int
    history_count: int
    future_count: int
    shared_count: int
    saved_carts: list[CartType]
    active_cart: CartType | None
    orders: list[RenewalOrderType]


# ------------------------------------------------------------------------------------ inputs


@strawberry.input
class RenewalFilter:
    status: list[RenewalStatus] | None = None
    start_from: date | None = None
    start_to: date | None = None
    end_from: date | None = None
    end_to: date | None = None
    po_number: str | None = strawberry.field(default=None, description="R-R21 (history).")
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


def _filters(list_: RenewalList, f: RenewalFilter | None) -> svc.RenewalFilters:
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


def _filter_params(list_: RenewalList, f: RenewalFilter | None) -> str:
    params: dict[str, str] = {"list": list_.value.lower()}
    if f:
        if f.status:
            params["status"] = ",".join(s.value for s in f.status)
        for name in ("start_from", "start_to", "end_from", "end_to"):
            value = getattr(f, name)
            if value:
                params[name.replace("_f", "F").replace("_t", "T")] = value.isoformat()
        if f.po_number:
            params["poNumber"] = f.po_number
        if f.search:
            params["search"] = f.search
        if f.auto_renew is not None:
            params["autoRenew"] = "true" if f.auto_renew else "false"
    return urlencode(params)


def _billing(b: BillingInput | None) -> svc.BillingDetails | None:
    return svc.BillingDetails(name=b.name, email=b.email, address=b.address) if b else None


def _po(p: PurchaseOrderInput | None) -> svc.PurchaseOrderDetails | None:
    if p is None:
        return None
    return svc.PurchaseOrderDetails(
        number=p.number, bill_to_name=p.bill_to_name, bill_to_email=p.bill_to_email, bill_to_address=p.bill_to_address
    )


def _request_json(obj: Any) -> Any:
    """A JSON-able view of an input (for the idempotency request hash)."""
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, list):
        return [_request_json(x) for x in obj]
    return {k: _request_json(v) for k, v in vars(obj).items() if k != "idempotency_key"}


# ------------------------------------------------------------------------------------ root fields


@strawberry.type
class RenewalsQuery:
    @strawberry.field(description="Renewals of one list (R-R1) with filters and stable sorting.")
    async def renewals(
        self,
        info: Info[Context, None],
        list: RenewalList = RenewalList.PENDING,
        filter: RenewalFilter | None = None,
        sort: RenewalSort | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[RenewalType]:
        ctx = info.context
        stmt = svc.filtered(ctx, _filters(list, filter)).with_only_columns(*record_columns(Renewal))
        sort = sort or RenewalSort()
        column = svc.SORTS[sort.field.value]
        desc = sort.direction == SortDirection.DESC
        attr = column.key
        rows, page, total, cursors = await keyset_page(
            ctx.session,
            stmt,
            [(column, desc), (Renewal.id, desc)],
            first=first,
            after=after,
            key_of=lambda r: (getattr(r, attr), r.id),
        )
        today = ctx.today()
        nodes = [RenewalType.of(r, today) for r in rows]
        if selects_node_field(info, "lines"):
            loaded = await _loader(ctx, "lines", svc.lines_for).load_many([n.row.id for n in nodes])
            for node, lines in zip(nodes, loaded, strict=True):
                node.page_lines = [RenewalLineType.of(x, node.currency) for x in lines]
        return connection(nodes, page, total, cursors)

    @strawberry.field(description="Renewal detail by support number (R-R3).")
    async def renewal(self, info: Info[Context, None], support_number: str) -> RenewalType:
        ctx = info.context
        renewal = await svc.authorize(ctx, support_number, "view")
        return RenewalType.of(renewal, ctx.today())

    @strawberry.field(description="Download links for the current list and filters (R-R18…R-R20).")
    async def renewal_downloads(
        self, info: Info[Context, None], list: RenewalList = RenewalList.PENDING, filter: RenewalFilter | None = None
    ) -> RenewalDownloads:
        ctx = info.context
        ctx.require(svc.OBJECT, "view", [svc.OWNER, *svc.GRANT_ROLES, svc.ASSIGNED_REP])
        source = {"PENDING": "pending", "HISTORY": "history", "FUTURE": "future"}[list.value]
        return RenewalDownloads(
            standard_csv_url=f"/renewals/export.csv?{_filter_params(list, filter)}",
            summary_report_url=f"/renewals/report/summary.csv?source={source}",
            detailed_report_url="/renewals/report/detailed.csv" if list == RenewalList.PENDING else None,
        )

    @strawberry.field(description="The viewer's active cart (R-R17).")
    async def active_cart(self, info: Info[Context, None]) -> CartType | None:
        cart = await svc.active_cart(info.context)
        return CartType.of(cart) if cart else None

    @strawberry.field(description="The viewer's saved carts (R-R17).")
    async def saved_carts(self, info: Info[Context, None]) -> list[CartType]:
        return [CartType.of(c) for c in await svc.saved_carts(info.context)]

    @strawberry.field(description="Renewal numbers for the dashboard (R-R22).")
    async def renewal_dashboard(self, info: Info[Context, None]) -> RenewalDashboard:
        ctx = info.context
        counts = await svc.dashboard_counts(ctx)
        cart = await svc.active_cart(ctx)
        return RenewalDashboard(
            pending_count=counts["pending"],
            history_count=counts["history"],
            future_count=counts["future"],
            shared_count=counts["shared"],
            saved_carts=[CartType.of(c) for c in await svc.saved_carts(ctx)],
            active_cart=CartType.of(cart) if cart else None,
            orders=[RenewalOrderType.of(o) for o in await svc.recent_orders(ctx)],
        )

    @strawberry.field(description="An order confirmation by order number (R-R5).")
    async def renewal_order(self, info: Info[Context, None], order_number: str) -> RenewalOrderType:

        order = await svc.order_by_number(info.context, order_number.strip())
        if order is None:
            raise NotFound("No such order")
        return RenewalOrderType.of(order)


@strawberry.type
class RenewalsMutation:
    @strawberry.mutation(description="R-R4/R-R5: place the order for a cart or for the renewals named.")
    async def checkout(self, info: Info[Context, None], input: CheckoutInput) -> OrderConfirmation:
        ctx = info.context
        if (input.cart_id is None) == (not input.support_numbers):
            raise BadUserInput("Give either cartId or supportNumbers", field="cartId")
        req = svc.CheckoutRequest(
            support_numbers=input.support_numbers or [],
            cart_id=from_global_id(input.cart_id, "Cart") if input.cart_id else None,
            payment_method=input.payment_method.value,
            billing=_billing(input.billing),
            purchase_order=_po(input.purchase_order),
            accept_terms=input.accept_terms,
            accept_tssa=input.accept_tssa,
        )

        async def run() -> dict[str, Any]:
            return await svc.checkout(ctx, req)

        data = await idempotent(ctx, "renewals.checkout", input.idempotency_key, _request_json(input), run)
        return OrderConfirmation.of(data)

    @strawberry.mutation(description="R-R12: accept the multi-year quote prepared by the sales rep.")
    async def accept_multi_year_renewal(
        self, info: Info[Context, None], input: AcceptMultiYearInput
    ) -> OrderConfirmation:
        ctx = info.context
        req = svc.CheckoutRequest(
            payment_method=input.payment_method.value,
            billing=_billing(input.billing),
            purchase_order=_po(input.purchase_order),
            accept_terms=input.accept_terms,
            accept_tssa=input.accept_tssa,
        )

        async def run() -> dict[str, Any]:
            return await svc.accept_multi_year(ctx, input.support_number, req)

        data = await idempotent(ctx, "renewals.multi_year", input.idempotency_key, _request_json(input), run)
        return OrderConfirmation.of(data)

    @strawberry.mutation(description="R-R6: always refused for a placed order (not cancellable, not refundable).")
    async def cancel_renewal_order(self, info: Info[Context, None], support_number: str) -> bool:
        await svc.cancel_order(info.context, support_number)
        return False

    @strawberry.mutation(description="R-R8/R-R9/R-R16: edit reference, billing, payment method, AutoRenew.")
    async def update_renewal(self, info: Info[Context, None], input: UpdateRenewalInput) -> RenewalType:
        ctx = info.context
        renewal = await svc.update_renewal(
            ctx,
            input.support_number,
            customer_reference=input.customer_reference,
            billing=_billing(input.billing),
            payment_method=input.payment_method.value if input.payment_method else None,
            po_number=input.po_number,
            auto_renew=input.auto_renew,
        )
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(description="R-R7/R-R8: switch AutoRenew on or off.")
    async def set_auto_renew(
        self,
        info: Info[Context, None],
        support_number: str,
        enabled: bool,
        payment_method: PaymentMethod | None = None,
    ) -> RenewalType:
        ctx = info.context
        renewal = await svc.update_renewal(
            ctx,
            support_number,
            auto_renew=enabled,
            payment_method=payment_method.value if payment_method else None,
        )
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(description="R-R15: new quote-to contact (same domain); ownership moves to them.")
    async def update_quote_to(self, info: Info[Context, None], input: QuoteToInput) -> RenewalType:
        ctx = info.context
        renewal = await svc.update_quote_to(
            ctx,
            input.support_number,
            email=input.email,
            first_name=input.first_name,
            last_name=input.last_name,
            address=input.address,
            phone=input.phone,
        )
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(description="R-R13: ask the sales rep for help (at most 1,800 characters).")
    async def request_renewal_assistance(
        self, info: Info[Context, None], support_number: str, message: str
    ) -> RenewalRequestType:
        return RenewalRequestType.of(await svc.request_assistance(info.context, support_number, message))

    @strawberry.mutation(description="Sales rep: answer an assistance request.")
    async def answer_renewal_assistance(
        self, info: Info[Context, None], request_id: strawberry.ID, answer: str
    ) -> RenewalRequestType:
        req_id = from_global_id(request_id, "RenewalRequest")
        return RenewalRequestType.of(await svc.answer_request(info.context, req_id, answer))

    @strawberry.mutation(description="R-R12: request a multi-year quote (at most 1,800 characters).")
    async def request_multi_year_quote(
        self, info: Info[Context, None], support_number: str, message: str
    ) -> RenewalType:
        ctx = info.context
        return RenewalType.of(await svc.request_multi_year(ctx, support_number, message), ctx.today())

    @strawberry.mutation(description="R-R12 (sales rep): set the multi-year quote (total over the term).")
    async def update_multi_year_quote(
        self, info: Info[Context, None], support_number: str, amount: MoneyInput
    ) -> RenewalType:
        ctx = info.context
        money = amount.validated()
        renewal = await svc.update_multi_year_quote(ctx, support_number, money.amount, money.currency)
        return RenewalType.of(renewal, ctx.today())

    @strawberry.mutation(description="R-R17: add pending renewals to the active cart.")
    async def add_to_cart(self, info: Info[Context, None], support_numbers: list[str]) -> CartType:
        return CartType.of(await svc.add_to_cart(info.context, support_numbers))

    @strawberry.mutation(description="R-R17: remove a renewal from the active cart (or the cart named).")
    async def remove_from_cart(
        self, info: Info[Context, None], support_number: str, cart_id: strawberry.ID | None = None
    ) -> CartType:
        cid = from_global_id(cart_id, "Cart") if cart_id else None
        return CartType.of(await svc.remove_from_cart(info.context, support_number, cid))

    @strawberry.mutation(description="R-R17: save the active cart under a name.")
    async def save_cart(self, info: Info[Context, None], name: str) -> CartType:
        return CartType.of(await svc.save_cart(info.context, name))

    @strawberry.mutation(description="R-R17: make a saved cart the active one.")
    async def open_saved_cart(self, info: Info[Context, None], id: strawberry.ID) -> CartType:
        return CartType.of(await svc.open_saved_cart(info.context, from_global_id(id, "Cart")))

    @strawberry.mutation(description="R-R17: delete a cart.")
    async def delete_cart(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        await svc.delete_cart(info.context, from_global_id(id, "Cart"))
        return True
