"""billing-dashboard share requests worked by billing support (R-S4, issue 22)

Revision ID: f3a9d0c4e1b8
Revises: 510c99d99c70
Create Date: 2026-12-01 12:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = 'f3a9d0c4e1b8'
down_revision: str | Sequence[str] | None = '510c99d99c70'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('sharing_dashboard_requests',
    sa.Column('id', BIG, nullable=False),
    sa.Column('requested_by', sa.String(length=254), nullable=False),
    sa.Column('emails', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(length=254), nullable=True),
    sa.Column('resolved_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.Column('tenant_id', BIG, nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sharing_dashboard_requests_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_dashboard_requests'))
    )
    op.create_index('ix_sharing_dashboard_requests_queue', 'sharing_dashboard_requests', ['status', 'created_at', 'id'])
    op.create_index(op.f('ix_sharing_dashboard_requests_tenant_id'), 'sharing_dashboard_requests', ['tenant_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_sharing_dashboard_requests_tenant_id'), table_name='sharing_dashboard_requests')
    op.drop_index('ix_sharing_dashboard_requests_queue', table_name='sharing_dashboard_requests')
    op.drop_table('sharing_dashboard_requests')
