"""core_counters: maintained per-tenant counts kept by triggers (core.counters, issue 21).

Revision ID: 0009_counters
Revises: 0008_count_indexes
Create Date: 2026-12-01 14:50:00
"""
from collections.abc import Sequence

from alembic import op

from core.counters import create_table

revision: str = '0009_counters'
down_revision: str | Sequence[str] | None = '0008_count_indexes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_table(op)


def downgrade() -> None:
    op.drop_table('core_counters')
