"""Core's tenant-owned tables keyed by tenant, so they can be distributed by tenant_id (issue 20):
primary key (tenant_id, id) (SQLite: UNIQUE (tenant_id, id)), foreign keys between them and the
unique constraint of a person's roles scoped by tenant (core.migrate.key_by_tenant).

Revision ID: 0010_tenant_keys
Revises: 0009_counters
Create Date: 2026-12-01 15:00:00
"""
from collections.abc import Sequence

from core.migrate import key_by_tenant

revision: str = '0010_tenant_keys'
down_revision: str | Sequence[str] | None = '0009_counters'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = [
    'people', 'person_roles', 'outbox_emails', 'messages', 'idempotency_records', 'object_grants',
    'webhook_endpoints', 'webhook_deliveries',
]
UNIQUES = {'person_roles': [('uq_person_roles_person_id_role', ['tenant_id', 'person_id', 'role'])]}


def upgrade() -> None:
    key_by_tenant(TABLES, uniques=UNIQUES)


def downgrade() -> None:
    key_by_tenant(TABLES, uniques=UNIQUES, reverse=True)
