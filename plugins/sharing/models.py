"""Sharing tables. Shares themselves are rows of the core relation table ``core.models.ObjectGrant``
(so every plugin can join on them without importing this one); this plugin owns only the named
share lists a person saves and reuses (R-S1)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, TenantOwned


class ShareList(TenantOwned, Base):
    """A named list of colleagues' emails, private to the person who saved it."""

    __tablename__ = "sharing_lists"
    __table_args__ = (UniqueConstraint("tenant_id", "owner_email", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
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
    __table_args__ = (UniqueConstraint("list_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("sharing_lists.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
