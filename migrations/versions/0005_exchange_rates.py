"""exchange_rates: the dated rate table of the USD thresholds (R-T4, R-I16, R-R11; issue 17)

Revision ID: 0005_exchange_rates
Revises: 0004_webhooks
Create Date: 2026-12-01 11:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0005_exchange_rates'
down_revision: str | Sequence[str] | None = '0004_webhooks'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchange_rates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('usd_per_unit', sa.Numeric(precision=24, scale=12), nullable=False),
    sa.Column('source', sa.String(length=254), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rates')),
    sa.UniqueConstraint('currency', 'valid_from', name=op.f('uq_exchange_rates_currency_valid_from'))
    )


def downgrade() -> None:
    op.drop_table('exchange_rates')
