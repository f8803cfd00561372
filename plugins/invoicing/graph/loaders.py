"""The invoicing graph's batch loaders, one per relation (core.loaders): ``InvoiceLines.of(ctx).load(id)``
from every invoice of a page shares one statement. Each batches a read of the service; the objects
they start from were authorized by the query that found them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.loaders import Loader
from plugins.invoicing import service as svc


class InvoiceLines(Loader[int, list[Any]]):
    """An invoice's lines (read-only records, in line order), by invoice id."""

    async def batch_load(self, keys: Sequence[int]) -> list[list[Any]]:
        return await svc.lines_for(self.ctx, keys)


class InvoiceApplications(Loader[int, list[svc.AppliedRow]]):
    """An invoice's ledger rows (the payments and credits applied to it, R-I2), by invoice id."""

    async def batch_load(self, keys: Sequence[int]) -> list[list[svc.AppliedRow]]:
        return await svc.applied_for(self.ctx, keys)


class IssuedScheduleInvoices(Loader[int, dict[str, str]]):
    """A subscription's schedule invoices issued so far (invoice number by schedule key), by
    subscription id."""

    async def batch_load(self, keys: Sequence[int]) -> list[dict[str, str]]:
        return await svc.issued_for(self.ctx, keys)


class InvoicesById(Loader[int, Any]):
    """Invoices (read-only records) by id: a queue item's invoice, whatever its tenant."""

    async def batch_load(self, keys: Sequence[int]) -> list[Any]:
        return await svc.invoices_by_id(self.ctx, keys)


class OrderInvoices(Loader[int, list[Any]]):
    """The invoices a renewal order produced (read-only records), by order id (renewals' RenewalOrder)."""

    async def batch_load(self, keys: Sequence[int]) -> list[list[Any]]:
        return await svc.order_invoices(self.ctx, keys)
