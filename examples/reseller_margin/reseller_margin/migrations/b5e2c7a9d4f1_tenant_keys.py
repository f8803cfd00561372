"""reseller margin tables keyed by tenant (issue 20): primary key (tenant_id, id)
(core.sdk.key_by_tenant)

Revision ID: b5e2c7a9d4f1
Revises: ed40d9e3a3dc
Create Date: 2026-12-01 15:00:00
"""
from collections.abc import Sequence

from core.sdk import key_by_tenant

revision: str = 'b5e2c7a9d4f1'
down_revision: str | Sequence[str] | None = 'ed40d9e3a3dc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ['reseller_margin_discounts', 'reseller_margin_earnings']


def upgrade() -> None:
    key_by_tenant(TABLES)


def downgrade() -> None:
    key_by_tenant(TABLES, reverse=True)
