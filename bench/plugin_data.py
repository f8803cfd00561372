"""Plugin data of the benchmark dataset (renewals, invoices, rewards)."""

from __future__ import annotations

from typing import Any


async def generate(state: Any, ds: Any, tenants: list[dict[str, Any]], rng: Any, log: Any) -> None:
    return None
