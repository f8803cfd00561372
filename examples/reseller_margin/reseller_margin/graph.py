"""GraphQL of the reseller margin plugin: its own types, root fields, and a field grafted onto the
renewals plugin's ``Renewal`` type. Resolvers only translate: service.py authorizes and applies the rules."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from core.sdk import Connection, Context, MoneyType, connection
from strawberry.types import Info

from reseller_margin import service as svc
from reseller_margin.models import MarginEarning, PartnerDiscount


@strawberry.type(name="PartnerDiscount", description="The vendor's discount to the reseller on one renewal (RM-1).")
class PartnerDiscountType:
    support_number: str
    percent: Decimal
    set_by: str
    updated_at: datetime

    @classmethod
    def of(cls, row: PartnerDiscount) -> PartnerDiscountType:
        return cls(support_number=row.support_number, percent=row.percent, set_by=row.set_by, updated_at=row.updated_at)


@strawberry.type(name="MarginEarning", description="Margin earned when a discounted renewal was accepted (RM-3).")
class MarginEarningType:
    support_number: str
    order_number: str
    renewal_amount: MoneyType
    percent: Decimal
    margin: MoneyType
    earned_at: datetime

    @classmethod
    def of(cls, row: MarginEarning) -> MarginEarningType:
        return cls(
            support_number=row.support_number,
            order_number=row.order_number,
            renewal_amount=MoneyType.of(row.renewal_amount, row.currency),
            percent=row.percent,
            margin=MoneyType.of(row.margin, row.currency),
            earned_at=row.earned_at,
        )


@strawberry.type(name="ResellerMarginRenewalExtension")
class RenewalMargin:
    """Grafted onto ``Renewal`` (type_extensions): ``self`` is the renewals plugin's Renewal object, of
    which only its public GraphQL fields are read (``support_number``, ``amount``)."""

    @strawberry.field(description="Reseller margin on this renewal at its partner discount (RM-2); null without one.")
    async def reseller_margin(self, info: Info[Context, None]) -> MoneyType | None:
        discount = await svc.discount_of(info.context, self.support_number)
        if discount is None:
            return None
        amount: MoneyType = self.amount
        return MoneyType.of(svc.margin_of(amount.amount, discount.percent, amount.currency), amount.currency)

    @strawberry.field(description="The partner discount percentage on this renewal (RM-1); null without one.")
    async def partner_discount_percent(self, info: Info[Context, None]) -> Decimal | None:
        discount = await svc.discount_of(info.context, self.support_number)
        return discount.percent if discount else None


@strawberry.type
class ResellerMarginQuery:
    @strawberry.field(description="Partner discounts in this customer tenant (reseller staff).")
    async def partner_discounts(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[PartnerDiscountType]:
        rows, page, total, cursors = await svc.list_discounts(info.context, first, after)
        return connection([PartnerDiscountType.of(r) for r in rows], page, total, cursors)

    @strawberry.field(description="The partner discount on one renewal, or null.")
    async def partner_discount(self, info: Info[Context, None], support_number: str) -> PartnerDiscountType | None:
        info.context.require_tenant()
        row = await svc.discount_of(info.context, svc.support_number_of(support_number))
        return PartnerDiscountType.of(row) if row else None

    @strawberry.field(description="Margins earned in this customer tenant, newest first (RM-3).")
    async def margin_earnings(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[MarginEarningType]:
        rows, page, total, cursors = await svc.list_earnings(info.context, first, after)
        return connection([MarginEarningType.of(r) for r in rows], page, total, cursors)


@strawberry.type
class ResellerMarginMutation:
    @strawberry.mutation(description="Set the partner discount on a renewal the caller can see (RM-1, RM-3).")
    async def set_partner_discount(
        self, info: Info[Context, None], support_number: str, percent: Decimal
    ) -> PartnerDiscountType:
        return PartnerDiscountType.of(await svc.set_discount(info.context, support_number, percent))

    @strawberry.mutation(description="Remove a renewal's partner discount; false when there was none (RM-3).")
    async def remove_partner_discount(self, info: Info[Context, None], support_number: str) -> bool:
        return await svc.remove_discount(info.context, support_number)
