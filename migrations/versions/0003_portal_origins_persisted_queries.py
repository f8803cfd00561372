"""tenants.portal_origins (CORS per tenant) and persisted_queries (automatic persisted queries)

Revision ID: 0003_browser
Revises: 0002_revocation
Create Date: 2026-12-01 11:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.db

revision: str = "0003_browser"
down_revision: str | Sequence[str] | None = "0002_revocation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("portal_origins", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "persisted_queries",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_persisted_queries")),
    )


def downgrade() -> None:
    op.drop_table("persisted_queries")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("portal_origins")
