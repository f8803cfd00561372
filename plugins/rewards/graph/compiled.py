"""The rewards root field answered without a typed object (core.compiled, issue 21): its balances,
one service call, the same values the resolver's ``RewardsType`` holds (``balances``). Its lots,
activity and eligibility leave the root field to the resolvers; tests/test_compiled_reads.py
compares both paths' responses."""

from __future__ import annotations

from typing import Any

from core.compiled import Record
from core.money import MoneyType
from plugins.rewards import service


async def balances(ctx: Any) -> dict[str, MoneyType]:
    """The caller's balance and what of it expires within 30 and 90 days (R-W11), by the Python
    name of ``RewardsType``'s field; FORBIDDEN as ``service.current_balances`` decides (SPEC §6)."""
    b = await service.current_balances(ctx)
    return {
        "balance": MoneyType.of(b.available, b.currency),
        "expiring_in_30_days": MoneyType.of(b.expiring[30], b.currency),
        "expiring_in_90_days": MoneyType.of(b.expiring[90], b.currency),
    }


COMPILED: dict[str, Record] = {
    "rewards": Record(
        {"balance": "balance", "expiringIn30Days": "expiring_in_30_days", "expiringIn90Days": "expiring_in_90_days"},
        balances,
    )
}
