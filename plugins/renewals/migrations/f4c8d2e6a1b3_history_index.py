"""ix_renewal_renewals_history: accepted renewals by quote-to contact (issue 21), so a customer's
history count (renewalDashboard.historyCount) reads their own index entries, not the tenant's.

Revision ID: f4c8d2e6a1b3
Revises: e2b7c91d4a05
Create Date: 2026-12-01 14:55:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f4c8d2e6a1b3'
down_revision: str | Sequence[str] | None = 'e2b7c91d4a05'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_renewal_renewals_history', 'renewal_renewals', ['tenant_id', 'quote_to_email'], unique=False,
        postgresql_where=sa.text('accepted_at IS NOT NULL'), sqlite_where=sa.text('accepted_at IS NOT NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_renewal_renewals_history', table_name='renewal_renewals')
