"""Tables of the reseller margin plugin. Names start with the plugin's name; rows belong to a tenant
(``TenantOwned``), so the central tenant filter keeps each customer tenant's rows to itself (R-T1)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from core.sdk import Base, TenantOwned
from sqlalchemy import Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class PartnerDiscount(TenantOwned, Base):
    """The discount the vendor grants the reseller on one renewal (by support number)."""

    __tablename__ = "reseller_margin_discounts"
    __table_args__ = (UniqueConstraint("tenant_id", "support_number"),)

    support_number: Mapped[str] = mapped_column(String(64))
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    set_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime]


class MarginEarning(TenantOwned, Base):
    """The margin earned when a discounted renewal was accepted (one row per renewal: idempotent).

    ``renewal_id`` is the renewals plugin's id as given in the ``renewal.accepted`` event: no foreign
    key, because plugins never depend on each other's tables."""

    __tablename__ = "reseller_margin_earnings"
    __table_args__ = (UniqueConstraint("tenant_id", "renewal_id"),)

    renewal_id: Mapped[int]
    support_number: Mapped[str] = mapped_column(String(64))
    order_number: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    renewal_amount: Mapped[Decimal]
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    margin: Mapped[Decimal]
    earned_at: Mapped[datetime]
