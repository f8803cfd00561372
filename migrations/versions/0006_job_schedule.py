"""job_schedule: the last date each job ran for, so a run catches up missed days in order (issue 20)

Revision ID: 0006_job_schedule
Revises: 0005_exchange_rates
Create Date: 2026-12-01 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = '0006_job_schedule'
down_revision: str | Sequence[str] | None = '0005_exchange_rates'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('job_schedule',
    sa.Column('job', sa.String(length=100), nullable=False),
    sa.Column('last_date', sa.Date(), nullable=True),
    sa.Column('last_run_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.String(length=16), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('job', name=op.f('pk_job_schedule'))
    )


def downgrade() -> None:
    op.drop_table('job_schedule')
