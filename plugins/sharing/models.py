"""Sharing tables. Shares themselves are rows of the core relation table ``core.models.ObjectGrant``
(so every plugin can join on them without importing this one); this plugin owns only the named
share lists a person saves and reuses (R-S1)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantOwned, tenant_fk


class ShareList(TenantOwned, Base):
    """A named list of colleagues' emails, private to the person who saved it."""

    __tablename__ = "sharing_lists"
    __table_args__ = (UniqueConstraint("tenant_id", "owner_email", "name"),)

    owner_email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    members: Mapped[list[ShareListMember]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ShareListMember.email"
    )

    @property
    def emails(self) -> list[str]:
        return [m.email for m in self.members]


class ShareListMember(TenantOwned, Base):
    __tablename__ = "sharing_list_members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "list_id", "email"),
        tenant_fk("list_id", "sharing_lists", ondelete="CASCADE"),
    )

    list_id: Mapped[int] = mapped_column(index=True)
    email: Mapped[str] = mapped_column(String(254))


class DashboardShareRequest(TenantOwned, Base):
    """A request that billing support share the billing dashboard on the organisation's behalf (R-S4),
    when the invoice recipient cannot (e.g. they left the company). Worked from billing support's queue."""

    __tablename__ = "sharing_dashboard_requests"
    __table_args__ = (Index("ix_sharing_dashboard_requests_queue", "status", "created_at", "id"),)

    requested_by: Mapped[str] = mapped_column(String(254))
    emails: Mapped[str] = mapped_column(Text)  # comma-separated, validated (R-S3) when asked
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="OPEN")  # OPEN | GRANTED | DECLINED
    created_at: Mapped[datetime]
    resolved_by: Mapped[str | None] = mapped_column(String(254))
    resolved_at: Mapped[datetime | None]
    resolution_note: Mapped[str] = mapped_column(Text, default="")
