"""tenants.webhooks_version: the version of a tenant's webhook endpoints, bumped with every change of
them, so servers keep the list across requests (core.webhooks.queue_event, issue 21).

Revision ID: 0011_webhooks_version
Revises: 0010_tenant_keys
Create Date: 2026-12-01 18:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_webhooks_version'
down_revision: str | Sequence[str] | None = '0010_tenant_keys'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    column = sa.Column(
        'webhooks_version', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False, server_default='0'
    )
    op.add_column('tenants', column)


def downgrade() -> None:
    with op.batch_alter_table('tenants') as batch:
        batch.drop_column('webhooks_version')
