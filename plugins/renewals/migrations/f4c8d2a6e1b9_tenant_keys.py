"""renewals tables keyed by tenant (issue 20): primary key (tenant_id, id), foreign keys and unique
constraints scoped by tenant (core.migrate.key_by_tenant)

Revision ID: f4c8d2a6e1b9
Revises: f4c8d2e6a1b3
Create Date: 2026-12-01 15:00:00
"""
from collections.abc import Sequence

from core.migrate import key_by_tenant

revision: str = 'f4c8d2a6e1b9'
down_revision: str | Sequence[str] | None = 'f4c8d2e6a1b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    'renewal_renewals', 'renewal_lines', 'renewal_orders', 'renewal_carts', 'renewal_cart_items', 'renewal_requests',
]
UNIQUES = {
    'renewal_lines': [('uq_renewal_lines_renewal_id_line_no', ['tenant_id', 'renewal_id', 'line_no'])],
    'renewal_cart_items': [('uq_renewal_cart_items_cart_id_renewal_id', ['tenant_id', 'cart_id', 'renewal_id'])],
}


def upgrade() -> None:
    key_by_tenant(TABLES, uniques=UNIQUES)


def downgrade() -> None:
    key_by_tenant(TABLES, uniques=UNIQUES, reverse=True)
