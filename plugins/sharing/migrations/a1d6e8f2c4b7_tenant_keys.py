"""sharing tables keyed by tenant (issue 20): primary key (tenant_id, id), foreign keys and unique
constraints scoped by tenant (core.migrate.key_by_tenant)

Revision ID: a1d6e8f2c4b7
Revises: f3a9d0c4e1b8
Create Date: 2026-12-01 15:00:00
"""
from collections.abc import Sequence

from core.migrate import key_by_tenant

revision: str = 'a1d6e8f2c4b7'
down_revision: str | Sequence[str] | None = 'f3a9d0c4e1b8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ['sharing_lists', 'sharing_list_members', 'sharing_dashboard_requests']
UNIQUES = {'sharing_list_members': [('uq_sharing_list_members_list_id_email', ['tenant_id', 'list_id', 'email'])]}


def upgrade() -> None:
    key_by_tenant(TABLES, uniques=UNIQUES)


def downgrade() -> None:
    key_by_tenant(TABLES, uniques=UNIQUES, reverse=True)
