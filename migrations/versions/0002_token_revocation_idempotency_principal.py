"""people.tokens_revoked_at (R-A3: a removal refuses every earlier token) and
idempotency_records.principal (keys are scoped to the person or staff member who sent them)

Revision ID: 0002_revocation
Revises: 0001_core
Create Date: 2026-11-24 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002_revocation'
down_revision: str | Sequence[str] | None = '0001_core'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tokens_revoked_at', BIG_ID, nullable=True))

    # Records written before the principal was kept name nobody (''): they stay for the record but
    # are never replayed again, as no caller's email matches them.
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('principal', sa.String(length=254), nullable=False, server_default=''))
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.alter_column('principal', server_default=None)
        batch_op.drop_constraint('uq_idempotency_records_tenant_id_scope_key', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_idempotency_records_tenant_id_principal_scope_key'), ['tenant_id', 'principal', 'scope', 'key']
        )


def downgrade() -> None:
    # Without the principal, one person's record would be replayed to another: drop them all.
    op.execute('DELETE FROM idempotency_records')
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_idempotency_records_tenant_id_principal_scope_key'), type_='unique')
        batch_op.create_unique_constraint('uq_idempotency_records_tenant_id_scope_key', ['tenant_id', 'scope', 'key'])
        batch_op.drop_column('principal')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('tokens_revoked_at')
