"""tenants.default_locale, people.locale, outbox_emails.content and messages.content (issue 17: every
text in the reader's language; emails and messages keep their text as messages to translate)

Revision ID: 0007_locales
Revises: 0006_job_schedule
Create Date: 2026-12-01 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_locales'
down_revision: str | Sequence[str] | None = '0006_job_schedule'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_locale', sa.String(length=8), nullable=False, server_default='en'))
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('content')
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('content')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('locale')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('default_locale')
