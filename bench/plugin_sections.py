"""Per-plugin pieces of the dataset that depend on the invoicing and rewards plugins' formats."""

from __future__ import annotations

from random import Random
from typing import Any

import asyncpg

from bench.data import Dataset


def items_for(tenant: dict[str, Any], ds: Dataset, rng: Random, sections: set[str]) -> dict[str, list[Any]]:
    """Import-section items for one ordinary tenant (only sections the installed plugins accept)."""
    from bench.plugin_data import renewal_items

    out: dict[str, list[Any]] = {}
    if "renewals" in sections and ds.scale.small_renewals:
        out["renewals"] = renewal_items(tenant, ds.scale.small_renewals, ds.today, rng)
    return out


async def copy_big(conn: asyncpg.Connection, ds: Dataset, tenant_id: int, rng: Random) -> None:
    return None
