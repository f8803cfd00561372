"""Rewards tables (SPEC §4): accounts with eligibility attributes, cloud usage, reward lots, the
ledger of accruals/redemptions/expiries, redemptions with their lot allocations, and authorised
redeemers (only a hash of their redemption code is stored, R-W6)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, TenantOwned, tenant_fk

PRICE = Numeric(18, 6)


class RewardAccount(TenantOwned, Base):
    """One per tenant: the attributes that decide eligibility (R-W1) and the accrual rate (R-W2).
    Its row is also the lock that serialises every balance change of the tenant."""

    __tablename__ = "rewards_accounts"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    currency: Mapped[str] = mapped_column(String(3), default="USD")
    on_premises: Mapped[bool] = mapped_column(Boolean, default=False)
    pay_as_you_go: Mapped[bool] = mapped_column(Boolean, default=False)
    ula: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str] = mapped_column(String(8), default="US")
    sector: Mapped[str] = mapped_column(String(32), default="COMMERCIAL")
    order_number: Mapped[str | None] = mapped_column(String(64))
    service_start: Mapped[date | None]
    service_end: Mapped[date | None]
    updated_at: Mapped[datetime]


class CloudUsage(TenantOwned, Base):
    """Consumption of one service under one cloud subscription on one day (R-W3, R-W4)."""

    __tablename__ = "rewards_cloud_usage"
    __table_args__ = (
        UniqueConstraint("tenant_id", "subscription", "usage_date", "service"),
        Index("ix_rewards_usage_period", "tenant_id", "usage_date"),
    )

    subscription: Mapped[str] = mapped_column(String(64))
    usage_date: Mapped[date]
    service: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(16))  # IAAS | PAAS | SAAS | THIRD_PARTY
    unit_net_price: Mapped[Decimal] = mapped_column(PRICE)
    quantity: Mapped[Decimal] = mapped_column(PRICE)
    overage: Mapped[bool] = mapped_column(Boolean, default=False)


class RewardLot(TenantOwned, Base):
    """Rewards deposited for one subscription for one month (R-W3); usable until ``expires_on`` (R-W5)."""

    __tablename__ = "rewards_lots"
    __table_args__ = (
        UniqueConstraint("tenant_id", "subscription", "period"),
        Index("ix_rewards_lots_usable", "tenant_id", "status", "expires_on"),
    )

    subscription: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM of the consumption
    consumption: Mapped[Decimal]
    rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    currency: Mapped[str] = mapped_column(String(3))
    deposited_on: Mapped[date]
    expires_on: Mapped[date]
    amount: Mapped[Decimal]
    remaining: Mapped[Decimal]
    expired_amount: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(12), default="ACTIVE")  # ACTIVE | EXPIRED
    created_at: Mapped[datetime]


class RewardRedemption(TenantOwned, Base):
    """A (partial) payment of an invoice with rewards (R-W9): no credit memo, no new invoice."""

    __tablename__ = "rewards_redemptions"

    invoice_number: Mapped[str] = mapped_column(String(64), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    redeemed_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime]


class RewardAllocation(TenantOwned, Base):
    """How much of a redemption came from which lot (earliest expiry first, R-W8)."""

    __tablename__ = "rewards_allocations"
    __table_args__ = (
        tenant_fk("redemption_id", "rewards_redemptions", ondelete="CASCADE"),
        tenant_fk("lot_id", "rewards_lots", ondelete="CASCADE"),
    )

    redemption_id: Mapped[int] = mapped_column(index=True)
    lot_id: Mapped[int] = mapped_column(index=True)
    amount: Mapped[Decimal]


class RewardActivity(TenantOwned, Base):
    """The ledger shown on the activity page (R-W11), with the balance after each entry."""

    __tablename__ = "rewards_activity"
    # A ledger entry keeps the lot or redemption it cites: neither is ever deleted but with its tenant
    # (whose cascade takes the entry too). ON DELETE SET NULL would null tenant_id with the reference.
    __table_args__ = (tenant_fk("lot_id", "rewards_lots"), tenant_fk("redemption_id", "rewards_redemptions"))

    kind: Mapped[str] = mapped_column(String(12))  # ACCRUAL | REDEMPTION | EXPIRY
    occurred_on: Mapped[date]
    amount: Mapped[Decimal]  # positive; the kind says which way it moved the balance
    balance_after: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    subscription: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[str | None] = mapped_column(String(7))
    invoice_number: Mapped[str | None] = mapped_column(String(64))
    lot_id: Mapped[int | None]
    redemption_id: Mapped[int | None]
    created_at: Mapped[datetime]


class RewardRedeemer(TenantOwned, Base):
    """A finance contact authorised by the tenant's cloud administrator to redeem (R-W6)."""

    __tablename__ = "rewards_redeemers"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    email: Mapped[str] = mapped_column(String(254))
    code_hash: Mapped[str] = mapped_column(String(64))
    authorized_by: Mapped[str] = mapped_column(String(254))
    authorized_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class RewardCodeFailure(TenantOwned, Base):
    """A wrong redemption code given by a person: counted per person and per account over a window, so
    codes cannot be guessed (R-W6). Written outside the failed request's rolled-back transaction."""

    __tablename__ = "rewards_code_failures"
    __table_args__ = (Index("ix_rewards_code_failures_tenant_failed", "tenant_id", "failed_at"),)

    email: Mapped[str] = mapped_column(String(254))
    failed_at: Mapped[datetime]
