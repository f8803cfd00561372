"""rewards code failures: wrong redemption codes counted for the lockout (R-W6)

Revision ID: b7c1e2d4a9f0
Revises: 9f9a16e5b50c
Create Date: 2026-12-01 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db


revision: str = 'b7c1e2d4a9f0'
down_revision: str | Sequence[str] | None = '9f9a16e5b50c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rewards_code_failures',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('failed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_rewards_code_failures_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rewards_code_failures'))
    )
    op.create_index('ix_rewards_code_failures_tenant_failed', 'rewards_code_failures', ['tenant_id', 'failed_at'], unique=False)
    op.create_index(op.f('ix_rewards_code_failures_tenant_id'), 'rewards_code_failures', ['tenant_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rewards_code_failures_tenant_id'), table_name='rewards_code_failures')
    op.drop_index('ix_rewards_code_failures_tenant_failed', table_name='rewards_code_failures')
    op.drop_table('rewards_code_failures')
