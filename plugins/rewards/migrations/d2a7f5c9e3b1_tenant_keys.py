"""rewards tables keyed by tenant (issue 20): primary key (tenant_id, id), foreign keys scoped by
tenant (core.migrate.key_by_tenant); an activity entry's lot and redemption are kept (no SET NULL,
which would null its tenant_id too)

Revision ID: d2a7f5c9e3b1
Revises: c8e4f1a2b6d3
Create Date: 2026-12-01 15:00:00
"""
from collections.abc import Sequence

from core.migrate import key_by_tenant

revision: str = 'd2a7f5c9e3b1'
down_revision: str | Sequence[str] | None = 'c8e4f1a2b6d3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    'rewards_accounts', 'rewards_cloud_usage', 'rewards_lots', 'rewards_redemptions', 'rewards_allocations',
    'rewards_activity', 'rewards_redeemers', 'rewards_code_failures',
]
ONDELETE = {
    'fk_rewards_activity_lot_id_rewards_lots': ('SET NULL', None),
    'fk_rewards_activity_redemption_id_rewards_redemptions': ('SET NULL', None),
}


def upgrade() -> None:
    key_by_tenant(TABLES, ondelete=ONDELETE)


def downgrade() -> None:
    key_by_tenant(TABLES, ondelete=ONDELETE, reverse=True)
