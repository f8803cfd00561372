"""money columns Numeric(19, 3): amounts of 3-decimal currencies (KWD, BHD) stored exactly (issue 17)

Revision ID: c4d2a7e91f30
Revises: b3e1f0c7a912
Create Date: 2026-12-01 11:45:00
"""
from collections.abc import Sequence

from core.migrate import widen_money_columns

revision: str = 'c4d2a7e91f30'
down_revision: str | Sequence[str] | None = 'b3e1f0c7a912'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('invoicing_applications', 'invoicing_credit_notes', 'invoicing_credits', 'invoicing_invoice_lines', 'invoicing_invoices', 'invoicing_payments', 'invoicing_refunds', 'invoicing_subscription_products', 'invoicing_payment_intents')


def upgrade() -> None:
    widen_money_columns(*TABLES)


def downgrade() -> None:
    pass  # narrowing would round the third decimal of stored amounts away
