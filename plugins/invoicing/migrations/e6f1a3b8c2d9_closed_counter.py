"""invoicing.closed: each tenant's count of closed invoices (balance <= 0, R-I1) kept by triggers in
core_counters (core.counters, issue 21), backfilled.

Revision ID: e6f1a3b8c2d9
Revises: d5e8b2c1f4a6
Create Date: 2026-12-01 14:50:00
"""
from collections.abc import Sequence

from alembic import op

from core.counters import create_counter, drop_counter

revision: str = 'e6f1a3b8c2d9'
down_revision: str | Sequence[str] | None = 'd5e8b2c1f4a6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_counter(op, 'invoicing_invoices', 'invoicing.closed', '{row}.balance <= 0', ['balance'])


def downgrade() -> None:
    drop_counter(op, 'invoicing_invoices', 'invoicing.closed')
