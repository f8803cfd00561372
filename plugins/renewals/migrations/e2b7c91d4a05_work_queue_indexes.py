"""work queues across tenants: indexes in the sales reps' queues' order (issue 22)

Revision ID: e2b7c91d4a05
Revises: e17b3c5d9a02
Create Date: 2026-12-01 12:00:00.000000
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'e2b7c91d4a05'
down_revision: str | Sequence[str] | None = 'e17b3c5d9a02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('ix_renewal_renewals_rep_queue', 'renewal_renewals', ['sales_rep_email', 'start_date', 'id']),
    ('ix_renewal_requests_queue', 'renewal_requests', ['kind', 'created_at', 'id']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
