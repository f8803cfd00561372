"""GraphQL types of support rewards (SPEC §4): lots, activity, eligibility, redeemers, redemptions.
The fields of ``Rewards`` read through the service, which checks the caller may view rewards."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from core.context import Context
from core.ids import to_global_id
from core.money import MoneyInput, MoneyType
from core.nodes import Node
from core.pagination import Connection, connection, connection_of
from core.secret import secret_field
from plugins.rewards import service
from plugins.rewards.models import RewardActivity, RewardLot, RewardRedeemer


@strawberry.enum(description="What moved the rewards balance (R-W11).")
class RewardActivityKind(Enum):
    ACCRUAL = "ACCRUAL"
    REDEMPTION = "REDEMPTION"
    EXPIRY = "EXPIRY"


@strawberry.enum(description="ACTIVE: usable; USED: fully redeemed; EXPIRED: past its expiry date (R-W5).")
class RewardLotStatus(Enum):
    ACTIVE = "ACTIVE"
    USED = "USED"
    EXPIRED = "EXPIRED"


@strawberry.type(name="RewardLot", description="Rewards deposited for one cloud subscription for one month (R-W3).")
class RewardLotType(Node):
    id: strawberry.ID
    subscription: str
    period: str = strawberry.field(description="Month of the consumption, YYYY-MM.")
    consumption: MoneyType = strawberry.field(description="Eligible consumption that earned this lot.")
    rate: Decimal = strawberry.field(description="Accrual rate: 0.33 with a ULA, 0.25 otherwise (R-W2).")
    deposited_on: date
    expires_on: date = strawberry.field(description="First day the lot can no longer be used (R-W5).")
    amount: MoneyType
    remaining: MoneyType
    expired_amount: MoneyType
    status: RewardLotStatus

    @classmethod
    def of(cls, lot: RewardLot, today: date) -> RewardLotType:
        c = lot.currency
        return cls(
            id=strawberry.ID(to_global_id("RewardLot", lot.id)),
            subscription=lot.subscription,
            period=lot.period,
            consumption=MoneyType.of(lot.consumption, c),
            rate=lot.rate,
            deposited_on=lot.deposited_on,
            expires_on=lot.expires_on,
            amount=MoneyType.of(lot.amount, c),
            remaining=MoneyType.of(lot.remaining, c),
            expired_amount=MoneyType.of(lot.expired_amount, c),
            status=RewardLotStatus(service.lot_status(lot, today)),
        )


@strawberry.type(name="RewardActivity", description="One accrual, redemption or expiry with the balance after it.")
class RewardActivityType(Node):
    id: strawberry.ID
    kind: RewardActivityKind
    occurred_on: date
    amount: MoneyType = strawberry.field(description="Always positive; `kind` says which way the balance moved.")
    balance_after: MoneyType
    subscription: str | None
    period: str | None
    invoice_number: str | None

    @classmethod
    def of(cls, a: RewardActivity) -> RewardActivityType:
        return cls(
            id=strawberry.ID(to_global_id("RewardActivity", a.id)),
            kind=RewardActivityKind(a.kind),
            occurred_on=a.occurred_on,
            amount=MoneyType.of(a.amount, a.currency),
            balance_after=MoneyType.of(a.balance_after, a.currency),
            subscription=a.subscription,
            period=a.period,
            invoice_number=a.invoice_number,
        )


@strawberry.type(name="RewardsEligibility", description="Whether the organisation earns support rewards (R-W1, R-W2).")
class EligibilityType:
    eligible: bool
    reasons: list[str]
    rate: Decimal | None
    ula: bool
    service_start: date | None
    service_end: date | None

    @classmethod
    def of(cls, e: service.Eligibility) -> EligibilityType:
        return cls(
            eligible=e.eligible,
            reasons=e.reasons,
            rate=e.rate,
            ula=e.ula,
            service_start=e.service_start,
            service_end=e.service_end,
        )


@strawberry.type(name="RewardsRedeemer", description="A finance contact authorised to redeem rewards (R-W6).")
class RedeemerType:
    email: str
    authorized_by: str
    authorized_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, r: RewardRedeemer) -> RedeemerType:
        return cls(email=r.email, authorized_by=r.authorized_by, authorized_at=r.authorized_at, revoked_at=r.revoked_at)


@strawberry.type(name="Rewards", description="The organisation's support rewards (SPEC §4).")
class RewardsType:
    balance: MoneyType = strawberry.field(description="Usable rewards now (R-W11).")
    expiring_in_30_days: MoneyType = strawberry.field(
        name="expiringIn30Days", description="Part of the balance whose lots expire within 30 days."
    )
    expiring_in_90_days: MoneyType = strawberry.field(
        name="expiringIn90Days", description="Part of the balance whose lots expire within 90 days."
    )

    @strawberry.field(description="Eligibility to earn rewards and the accrual rate (R-W1, R-W2).")
    async def eligibility(self, info: Info[Context, None]) -> EligibilityType:
        return EligibilityType.of(await service.eligibility(info.context))

    @strawberry.field(description="Reward lots, earliest expiry first (the order they are redeemed in, R-W8).")
    async def lots(
        self,
        info: Info[Context, None],
        first: int | None = None,
        after: str | None = None,
        include_expired: bool = False,
    ) -> Connection[RewardLotType]:
        ctx = info.context
        rows, page, total, cursors = await service.lots_page(
            ctx, first=first, after=after, include_expired=include_expired
        )
        today = ctx.today()
        return connection([RewardLotType.of(lot, today) for lot in rows], page, total, cursors)

    @strawberry.field(description="Accruals, redemptions and expiries, newest first, with running balance (R-W11).")
    async def activity(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> Connection[RewardActivityType]:
        return connection_of(RewardActivityType.of, await service.activity_page(info.context, first=first, after=after))

    @strawberry.field(
        description="The most rewards can pay on that invoice now: the eligible lines' pre-tax amount not yet "
        "paid by rewards, capped by the balance due and the usable rewards (R-W7)."
    )
    async def redeemable(self, info: Info[Context, None], invoice_number: str) -> MoneyType:
        m = await service.redeemable(info.context, invoice_number)
        return MoneyType.of(m.amount, m.currency)


@strawberry.type(name="RewardAllocation", description="The part of a redemption taken from one lot (R-W8).")
class AllocationType:
    lot_id: strawberry.ID
    subscription: str
    expires_on: date
    amount: MoneyType


@strawberry.type(name="RewardsRedemption", description="A payment of an invoice with rewards (R-W9).")
class RedemptionType:
    id: strawberry.ID
    invoice_number: str
    amount: MoneyType
    redeemed_at: datetime
    allocations: list[AllocationType]
    invoice_redeemed_to_date: MoneyType
    invoice_balance_due: MoneyType
    rewards_redeemed_to_date: MoneyType
    rewards_balance: MoneyType

    @classmethod
    def of(cls, d: dict) -> RedemptionType:
        c = d["currency"]
        return cls(
            id=strawberry.ID(to_global_id("RewardsRedemption", d["id"])),
            invoice_number=d["invoice_number"],
            amount=MoneyType.of(Decimal(d["amount"]), c),
            redeemed_at=datetime.fromisoformat(d["redeemed_at"]),
            allocations=[
                AllocationType(
                    lot_id=strawberry.ID(to_global_id("RewardLot", a["lot_id"])),
                    subscription=a["subscription"],
                    expires_on=date.fromisoformat(a["expires_on"]),
                    amount=MoneyType.of(Decimal(a["amount"]), c),
                )
                for a in d["allocations"]
            ],
            invoice_redeemed_to_date=MoneyType.of(Decimal(d["invoice_redeemed_to_date"]), c),
            invoice_balance_due=MoneyType.of(Decimal(d["invoice_balance_due"]), d["invoice_currency"]),
            rewards_redeemed_to_date=MoneyType.of(Decimal(d["rewards_redeemed_to_date"]), c),
            rewards_balance=MoneyType.of(Decimal(d["rewards_balance"]), c),
        )


@strawberry.input(name="RedeemRewardsInput")
class RedeemRewardsInput:
    invoice_number: str
    redemption_code: str = secret_field(description="The code emailed to the authorised recipient (R-W6).")
    idempotency_key: str = strawberry.field(description="Replaying the same key returns the first result.")
    amount: MoneyInput | None = strawberry.field(
        default=None, description="Defaults to the most that can be redeemed on the invoice."
    )
