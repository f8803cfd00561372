"""PostgreSQL row-level security per tenant: defence in depth under the ORM's tenant filter.

Opt-in (``CC_ROW_LEVEL_SECURITY=true``, PostgreSQL only). ``apply_row_security`` (run by ``db
upgrade`` and ``serve``) enables and forces RLS on every table with a ``tenant_id`` column — core's
and every installed plugin's — with one policy: a row is visible and writable when the transaction's
``app.tenant_id`` setting is unset or equals its ``tenant_id``. A GraphQL request acting in a tenant
sets it with ``set_config('app.tenant_id', …, true)`` (transaction-local, so a pooled connection
never carries it into the next request), and its reads then run in a transaction instead of on an
autocommit connection. A query that forgot the tenant filter (or skipped it) still sees only the
caller's tenant.

Not covered: requests without a tenant (staff across tenants, authentication's lookups before the
tenant is known), jobs, imports and plugin HTTP routes run with the setting unset, relying on the
ORM filter as before. PostgreSQL superusers and roles with BYPASSRLS ignore every policy: the
application must connect as an ordinary role (docs/operations.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

SETTING = "app.tenant_id"
POLICY = "cc_tenant_isolation"
_CURRENT = f"NULLIF(current_setting('{SETTING}', true), '')"
CONDITION = f"({_CURRENT} IS NULL OR tenant_id = {_CURRENT}::bigint)"


def tenant_tables(metadata: MetaData) -> list[Table]:
    return [t for t in metadata.sorted_tables if "tenant_id" in t.columns]


def policy_statements(table: Table) -> list[str]:
    name = table.name  # names come from the models, not from input
    return [
        f'ALTER TABLE "{name}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{name}" FORCE ROW LEVEL SECURITY',
        f'DROP POLICY IF EXISTS {POLICY} ON "{name}"',
        f'CREATE POLICY {POLICY} ON "{name}" USING {CONDITION} WITH CHECK {CONDITION}',
    ]


async def apply_row_security(engine: AsyncEngine, metadata: MetaData) -> int:
    """Enable the policy on every tenant-owned table (idempotent); returns the tables covered."""
    tables = tenant_tables(metadata)
    async with engine.begin() as conn:
        for table in tables:
            for statement in policy_statements(table):
                await conn.execute(text(statement))
    return len(tables)


def row_security_on(state: Any) -> bool:
    return bool(getattr(state.settings, "row_level_security", False)) and not state.is_sqlite


async def set_request_tenant(session: AsyncSession, tenant_id: int) -> None:
    """Restrict the session's current transaction to ``tenant_id`` (ends with the transaction)."""
    await session.execute(text("SELECT set_config(:name, :value, true)"), {"name": SETTING, "value": str(tenant_id)})
