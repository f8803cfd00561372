"""work queues across tenants: indexes in the queues' order (issue 22)

Revision ID: c4d2a8e61f07
Revises: c4d2a7e91f30
Create Date: 2026-12-01 12:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'c4d2a8e61f07'
down_revision: str | Sequence[str] | None = 'c4d2a7e91f30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('ix_invoicing_invoices_due', 'invoicing_invoices', ['due_date', 'id']),
    ('ix_invoicing_payments_notices', 'invoicing_payments', ['method', 'status', 'arrives_on', 'id']),
    ('ix_invoicing_payments_failed', 'invoicing_payments', ['method', 'status', 'created_at', 'id']),
    ('ix_invoicing_credits_queue', 'invoicing_credits', ['created_at', 'id']),
    ('ix_invoicing_disputes_queue', 'invoicing_disputes', ['status', 'opened_at', 'id']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
