"""money received: card payment intents, invoice holds, bank receipts, refund approval

Revision ID: b3e1f0c7a912
Revises: 5d46c2fb8177
Create Date: 2026-11-24 10:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = 'b3e1f0c7a912'
down_revision: str | Sequence[str] | None = '5d46c2fb8177'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('invoicing_payment_intents',
    sa.Column('id', BIG, nullable=False),
    sa.Column('gateway_key', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('claimed', sa.Boolean(), nullable=False),
    sa.Column('claimed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('allocation', sa.JSON(), nullable=False),
    sa.Column('card_token', sa.String(length=100), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('actor_email', sa.String(length=254), nullable=False),
    sa.Column('payment_id', BIG, nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settled_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', BIG, nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['invoicing_payments.id'], name=op.f('fk_invoicing_payment_intents_payment_id_invoicing_payments')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoicing_payment_intents_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoicing_payment_intents')),
    sa.UniqueConstraint('gateway_key', name=op.f('uq_invoicing_payment_intents_gateway_key')),
    sa.UniqueConstraint('tenant_id', 'actor_email', 'idempotency_key', name='uq_invoicing_intents_actor_key')
    )
    with op.batch_alter_table('invoicing_payment_intents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoicing_payment_intents_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('invoicing_invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intent_id', BIG, nullable=True))

    with op.batch_alter_table('invoicing_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('notice_id', BIG, nullable=True))
        batch_op.create_index('uq_invoicing_payments_bank_reference', ['tenant_id', 'bank_reference'], unique=True)

    # Refunds made before approvals existed were paid out at once: APPROVED, numbered after their id.
    with op.batch_alter_table('invoicing_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=24), nullable=False, server_default='APPROVED'))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decision_note', sa.String(length=500), nullable=False, server_default=''))
    op.execute("UPDATE invoicing_refunds SET number = 'RF-OLD-' || CAST(id AS VARCHAR(20)) WHERE number IS NULL")
    with op.batch_alter_table('invoicing_refunds', schema=None) as batch_op:
        batch_op.alter_column('number', existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index('uq_invoicing_refunds_number', ['tenant_id', 'number'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('invoicing_refunds', schema=None) as batch_op:
        batch_op.drop_index('uq_invoicing_refunds_number')
        batch_op.drop_column('decision_note')
        batch_op.drop_column('decided_at')
        batch_op.drop_column('decided_by')
        batch_op.drop_column('status')
        batch_op.drop_column('number')

    with op.batch_alter_table('invoicing_payments', schema=None) as batch_op:
        batch_op.drop_index('uq_invoicing_payments_bank_reference')
        batch_op.drop_column('notice_id')
        batch_op.drop_column('bank_reference')

    with op.batch_alter_table('invoicing_invoices', schema=None) as batch_op:
        batch_op.drop_column('intent_id')

    with op.batch_alter_table('invoicing_payment_intents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoicing_payment_intents_tenant_id'))

    op.drop_table('invoicing_payment_intents')
