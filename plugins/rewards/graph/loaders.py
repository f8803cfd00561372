"""The rewards graph's batch loaders (core.loaders): one statement batch per relation per request."""

from __future__ import annotations

from collections.abc import Sequence

from core.loaders import Loader
from plugins.rewards import service


class InvoiceRewards(Loader[int, "service.InvoiceRewardsView | None"]):
    """What rewards may pay and paid on an invoice, by invoice id (invoicing's Invoice)."""

    async def batch_load(self, keys: Sequence[int]) -> list[service.InvoiceRewardsView | None]:
        return await service.invoice_rewards(self.ctx, keys)
