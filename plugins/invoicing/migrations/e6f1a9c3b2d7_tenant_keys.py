"""invoicing tables keyed by tenant (issue 20): primary key (tenant_id, id), foreign keys and unique
constraints scoped by tenant (core.migrate.key_by_tenant)

Revision ID: e6f1a9c3b2d7
Revises: e6f1a3b8c2d9
Create Date: 2026-12-01 15:00:00
"""
from collections.abc import Sequence

from core.migrate import key_by_tenant

revision: str = 'e6f1a9c3b2d7'
down_revision: str | Sequence[str] | None = 'e6f1a3b8c2d9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    'invoicing_counters', 'invoicing_invoices', 'invoicing_invoice_lines', 'invoicing_payments',
    'invoicing_payment_intents', 'invoicing_credits', 'invoicing_applications', 'invoicing_credit_notes',
    'invoicing_refunds', 'invoicing_disputes', 'invoicing_billing_profiles', 'invoicing_payment_methods',
    'invoicing_po_requests', 'invoicing_subscriptions', 'invoicing_subscription_products', 'invoicing_usage',
]
UNIQUES = {
    'invoicing_payment_intents': [('uq_invoicing_payment_intents_gateway_key', ['tenant_id', 'gateway_key'])],
    'invoicing_subscription_products': [
        ('uq_invoicing_subscription_products_subscription_id_line_key', ['tenant_id', 'subscription_id', 'line_key'])
    ],
    'invoicing_usage': [('uq_invoicing_usage_product_id_hour', ['tenant_id', 'product_id', 'hour'])],
}


def upgrade() -> None:
    key_by_tenant(TABLES, uniques=UNIQUES)


def downgrade() -> None:
    key_by_tenant(TABLES, uniques=UNIQUES, reverse=True)
