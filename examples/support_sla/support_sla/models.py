"""The plugin's one table. Its name starts with the plugin's; rows belong to a tenant (``TenantOwned``),
so the central tenant filter keeps each tenant's rows to itself."""

from __future__ import annotations

from datetime import datetime

from core.sdk import Base, TenantOwned
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class SupportSla(TenantOwned, Base):
    """The SLA level of one renewal (by support number), active once the renewal is accepted."""

    __tablename__ = "support_sla_levels"
    __table_args__ = (UniqueConstraint("tenant_id", "support_number"),)

    support_number: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    response_hours: Mapped[int]
    set_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime]
    # Filled from the renewals plugin's renewal.accepted event (no foreign key into its tables).
    order_number: Mapped[str | None] = mapped_column(String(64))
    active_from: Mapped[datetime | None]
