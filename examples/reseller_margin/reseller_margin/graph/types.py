"""The plugin's GraphQL types, and the carrier of the field grafted onto ``Renewal``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from core.sdk import Context, MoneyType
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
