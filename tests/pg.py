"""The throw-away PostgreSQL server of the test harness, shipped in ``core.testing`` (re-exported for
the product's tests that start their own)."""

from core.testing import PgServer, find_pg_bin, free_port

__all__ = ["PgServer", "find_pg_bin", "free_port"]
