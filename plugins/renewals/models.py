"""Renewals storage: a support contract's renewal, its lines, carts, orders and assistance requests.

One ``renewal_renewals`` row is the support contract *and* its renewal for the next period
(``start_date``..``end_date``); the contract's current support expires when that period starts.
The list a renewal is in (pending / history / future, R-R1) is derived from ``accepted_at`` and the
dates, so no job has to move rows between lists.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, BigId, TenantOwned, tenant_fk


class Renewal(TenantOwned, Base):
    __tablename__ = "renewal_renewals"
    __table_args__ = (
        UniqueConstraint("tenant_id", "support_number"),
        Index("ix_renewal_renewals_quote_to", "tenant_id", "quote_to_email"),
        Index("ix_renewal_renewals_rep", "sales_rep_email"),
        Index("ix_renewal_renewals_start", "tenant_id", "start_date"),
        Index("ix_renewal_renewals_rep_queue", "sales_rep_email", "start_date", "id"),  # a rep's queue, any tenant
        # The open ones (pending and future lists, issue 21): the dashboard's counts are index-only
        # scans over the tenant's unaccepted renewals; quote_to_email and support_number answer
        # the visibility clause (owner, or a grant on the support number) from the index too.
        Index(
            "ix_renewal_renewals_open",
            "tenant_id",
            "start_date",
            "quote_to_email",
            "support_number",
            postgresql_where=text("accepted_at IS NULL"),
            sqlite_where=text("accepted_at IS NULL"),
        ),
        # The accepted ones by quote-to contact: a customer's history count reads their entries only.
        Index(
            "ix_renewal_renewals_history",
            "tenant_id",
            "quote_to_email",
            postgresql_where=text("accepted_at IS NOT NULL"),
            sqlite_where=text("accepted_at IS NOT NULL"),
        ),
        tenant_fk("order_id", "renewal_orders"),
    )

    support_number: Mapped[str] = mapped_column(String(64))
    quote_number: Mapped[str] = mapped_column(String(64), default="")
    customer: Mapped[str] = mapped_column(String(200))
    end_user: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    service_level: Mapped[str] = mapped_column(String(64), default="")
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal]
    # OPEN | MULTI_YEAR_PENDING | MULTI_YEAR_QUOTED | ACCEPTED | AUTO_RENEWED
    status: Mapped[str] = mapped_column(String(24), default="OPEN")
    po_number: Mapped[str | None] = mapped_column(String(64))
    customer_reference: Mapped[str] = mapped_column(String(200), default="")
    support_notes: Mapped[str] = mapped_column(Text, default="")
    quote_to_email: Mapped[str] = mapped_column(String(254))
    quote_to_first_name: Mapped[str] = mapped_column(String(100), default="")
    quote_to_last_name: Mapped[str] = mapped_column(String(100), default="")
    quote_to_address: Mapped[str] = mapped_column(String(500), default="")
    quote_to_phone: Mapped[str] = mapped_column(String(40), default="")
    sales_rep_email: Mapped[str] = mapped_column(String(254), default="")
    billing_name: Mapped[str] = mapped_column(String(200), default="")
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    billing_address: Mapped[str] = mapped_column(String(500), default="")
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_method: Mapped[str | None] = mapped_column(String(16))
    multi_year_years: Mapped[int | None]
    multi_year_amount: Mapped[Decimal | None]
    multi_year_message: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(index=True)
    accepted_at: Mapped[datetime | None]
    accepted_by: Mapped[str | None] = mapped_column(String(254))
    reminder_sent_at: Mapped[datetime | None]
    last_updated_by: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime | None]

    lines: Mapped[list[RenewalLine]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="RenewalLine.line_no"
    )


class RenewalLine(TenantOwned, Base):
    __tablename__ = "renewal_lines"
    __table_args__ = (
        UniqueConstraint("tenant_id", "renewal_id", "line_no"),
        tenant_fk("renewal_id", "renewal_renewals", ondelete="CASCADE"),
    )

    renewal_id: Mapped[int] = mapped_column(index=True)
    line_no: Mapped[int]
    product: Mapped[str] = mapped_column(String(200))
    # DATABASE | DATABASE_ENTERPRISE_OPTIONS | DATABASE_ENTERPRISE_MANAGEMENT | MIDDLEWARE | ... (R-R11)
    product_family: Mapped[str] = mapped_column(String(64))
    service_level: Mapped[str] = mapped_column(String(64), default="")
    csi_number: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 6), default=Decimal(1))
    serial_number: Mapped[str] = mapped_column(String(100), default="")
    installed_at: Mapped[str] = mapped_column(String(300), default="")
    sales_order_number: Mapped[str] = mapped_column(String(64), default="")
    amount: Mapped[Decimal]


class RenewalOrder(TenantOwned, Base):
    """An order placed for one or more renewals (checkout, AutoRenew activation, multi-year)."""

    __tablename__ = "renewal_orders"
    __table_args__ = (UniqueConstraint("tenant_id", "order_number"),)

    order_number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))  # CHECKOUT | AUTO_RENEW | MULTI_YEAR
    placed_by: Mapped[str] = mapped_column(String(254))
    placed_at: Mapped[datetime]
    payment_method: Mapped[str] = mapped_column(String(16))
    po_number: Mapped[str | None] = mapped_column(String(64))
    billing_name: Mapped[str] = mapped_column(String(200), default="")
    billing_email: Mapped[str] = mapped_column(String(254), default="")
    billing_address: Mapped[str] = mapped_column(String(500), default="")
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal]


class RenewalCart(TenantOwned, Base):
    __tablename__ = "renewal_carts"
    __table_args__ = (Index("ix_renewal_carts_owner", "tenant_id", "owner_email", "status"),)

    owner_email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")  # ACTIVE | SAVED | CHECKED_OUT
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RenewalCartItem(TenantOwned, Base):
    __tablename__ = "renewal_cart_items"
    __table_args__ = (
        UniqueConstraint("tenant_id", "cart_id", "renewal_id"),
        tenant_fk("cart_id", "renewal_carts", ondelete="CASCADE"),
        tenant_fk("renewal_id", "renewal_renewals", ondelete="CASCADE"),
    )

    cart_id: Mapped[int] = mapped_column(index=True)
    renewal_id: Mapped[int] = mapped_column(index=True)
    added_at: Mapped[datetime]


class RenewalRequest(TenantOwned, Base):
    """A message from a customer to the renewal's sales rep: assistance (R-R13) or multi-year (R-R12)."""

    __tablename__ = "renewal_requests"
    __table_args__ = (
        Index("ix_renewal_requests_queue", "kind", "created_at", "id"),  # reps' queues, oldest first
        tenant_fk("renewal_id", "renewal_renewals", ondelete="CASCADE"),
    )

    renewal_id: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(16))  # ASSISTANCE | MULTI_YEAR
    requester_email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(254))
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


__all__ = ["BigId", "Renewal", "RenewalCart", "RenewalCartItem", "RenewalLine", "RenewalOrder", "RenewalRequest"]
