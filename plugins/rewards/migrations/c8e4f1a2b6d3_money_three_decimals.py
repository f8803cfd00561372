"""money columns Numeric(19, 3): amounts of 3-decimal currencies (KWD, BHD) stored exactly (issue 17)

Revision ID: c8e4f1a2b6d3
Revises: b7c1e2d4a9f0
Create Date: 2026-12-01 11:45:00
"""
from collections.abc import Sequence

from core.migrate import widen_money_columns

revision: str = 'c8e4f1a2b6d3'
down_revision: str | Sequence[str] | None = 'b7c1e2d4a9f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('rewards_activity', 'rewards_allocations', 'rewards_lots', 'rewards_redemptions')


def upgrade() -> None:
    widen_money_columns(*TABLES)


def downgrade() -> None:
    pass  # narrowing would round the third decimal of stored amounts away
