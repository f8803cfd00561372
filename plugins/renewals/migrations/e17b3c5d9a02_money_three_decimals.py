"""money columns Numeric(19, 3): amounts of 3-decimal currencies (KWD, BHD) stored exactly (issue 17)

Revision ID: e17b3c5d9a02
Revises: d96f67a5d122
Create Date: 2026-12-01 11:45:00
"""
from collections.abc import Sequence

from core.migrate import widen_money_columns

revision: str = 'e17b3c5d9a02'
down_revision: str | Sequence[str] | None = 'd96f67a5d122'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('renewal_lines', 'renewal_orders', 'renewal_renewals')


def upgrade() -> None:
    widen_money_columns(*TABLES)


def downgrade() -> None:
    pass  # narrowing would round the third decimal of stored amounts away
