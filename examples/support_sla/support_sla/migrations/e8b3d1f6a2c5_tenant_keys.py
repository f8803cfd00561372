"""support SLA table keyed by tenant (issue 20): primary key (tenant_id, id)
(core.sdk.key_by_tenant)

Revision ID: e8b3d1f6a2c5
Revises: c64a4c519be0
Create Date: 2026-12-01 15:00:00
"""
from collections.abc import Sequence

from core.sdk import key_by_tenant

revision: str = 'e8b3d1f6a2c5'
down_revision: str | Sequence[str] | None = 'c64a4c519be0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ['support_sla_levels']


def upgrade() -> None:
    key_by_tenant(TABLES)


def downgrade() -> None:
    key_by_tenant(TABLES, reverse=True)
