"""invoice buyer: legal name, address and tax id as issued (issue 17: what an invoice must carry)

Revision ID: d5e8b2c1f4a6
Revises: c4d2a8e61f07
Create Date: 2026-12-01 12:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd5e8b2c1f4a6'
down_revision: str | Sequence[str] | None = 'c4d2a8e61f07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (('buyer_name', 200), ('buyer_address', 500), ('buyer_tax_id', 64))


def upgrade() -> None:
    with op.batch_alter_table('invoicing_invoices', schema=None) as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=''))
    with op.batch_alter_table('invoicing_invoices', schema=None) as batch_op:
        for name, _length in COLUMNS:
            batch_op.alter_column(name, server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('invoicing_invoices', schema=None) as batch_op:
        for name, _length in COLUMNS:
            batch_op.drop_column(name)
