"""The unpaid invoices in the lists' order (issue 21): the open and overdue lists, newest first,
read the tenant's unpaid invoices, not its paid history newer than them, and their counts too, in
place of ix_invoicing_invoices_unpaid (tenant, due date): beside it the planner sorted all of a
large tenant's open invoices for a page of them.

Revision ID: 0012_unpaid_list_index
Revises: 0011_webhooks_version
Create Date: 2026-12-04 21:15:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_unpaid_list_index'
down_revision: str | Sequence[str] | None = '0011_webhooks_version'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_invoicing_invoices_unpaid_list', 'invoicing_invoices', ['tenant_id', 'invoice_date', 'id', 'due_date'],
        unique=False, postgresql_where=sa.text('balance > 0'), sqlite_where=sa.text('balance > 0'),
    )
    op.drop_index('ix_invoicing_invoices_unpaid', table_name='invoicing_invoices')


def downgrade() -> None:
    op.create_index(
        'ix_invoicing_invoices_unpaid', 'invoicing_invoices', ['tenant_id', 'due_date'], unique=False,
        postgresql_where=sa.text('balance > 0'), sqlite_where=sa.text('balance > 0'),
    )
    op.drop_index('ix_invoicing_invoices_unpaid_list', table_name='invoicing_invoices')
