"""Partial indexes the dashboard's counts are answered from (issue 21): unpaid invoices by due date,
open (unaccepted) renewals by start date with the columns their visibility clause reads.

Revision ID: 0008_count_indexes
Revises: 0007_locales
Create Date: 2026-12-01 13:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_count_indexes'
down_revision: str | Sequence[str] | None = '0007_locales'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_invoicing_invoices_unpaid', 'invoicing_invoices', ['tenant_id', 'due_date'], unique=False,
        postgresql_where=sa.text('balance > 0'), sqlite_where=sa.text('balance > 0'),
    )
    op.create_index(
        'ix_renewal_renewals_open', 'renewal_renewals', ['tenant_id', 'start_date', 'quote_to_email', 'support_number'],
        unique=False, postgresql_where=sa.text('accepted_at IS NULL'), sqlite_where=sa.text('accepted_at IS NULL'),
    )


def downgrade() -> None:
    op.drop_index('ix_renewal_renewals_open', table_name='renewal_renewals')
    op.drop_index('ix_invoicing_invoices_unpaid', table_name='invoicing_invoices')
