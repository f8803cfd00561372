"""The renewals graph's batch loaders, one per relation (core.loaders): ``RenewalLines.of(ctx).load(id)``
from every renewal of a page shares one statement. Each batches a read of the service; the objects
they start from were authorized by the query that found them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core.loaders import Loader
from plugins.renewals import service as svc

if TYPE_CHECKING:
    from plugins.renewals.models import Renewal, RenewalOrder, RenewalRequest


class RenewalLines(Loader[int, list[Any]]):
    """A renewal's lines (read-only records, in line order), by renewal id."""

    async def batch_load(self, keys: Sequence[int]) -> list[list[Any]]:
        return await svc.lines_for(self.ctx, keys)


class RenewalShareCounts(Loader[tuple[int, str], int]):
    """How many people a renewal is shared with, by (tenant id, support number)."""

    async def batch_load(self, keys: Sequence[tuple[int, str]]) -> list[int]:
        return await svc.share_counts(self.ctx, keys)


class TenantCountries(Loader[int, str]):
    """A tenant's country, by tenant id."""

    async def batch_load(self, keys: Sequence[int]) -> list[str]:
        return await svc.tenant_countries(self.ctx, keys)

    async def country_of(self, tenant_id: int) -> str:
        """The caller's own tenant is on the context already; only a rep's list, which spans tenants,
        needs the batched query."""
        tenant = self.ctx.tenant
        if tenant is not None and tenant.id == tenant_id:
            return tenant.country
        return await self.load(tenant_id)


class TssaRequired(Loader[int, bool]):
    """Whether a tenant's next checkout asks for the TSSA (R-R4), by tenant id."""

    async def batch_load(self, keys: Sequence[int]) -> list[bool]:
        return await svc.tssa_required_for(self.ctx, keys)


class RenewalRequests(Loader[int, list["RenewalRequest"]]):
    """A renewal's assistance and multi-year requests, oldest first, by renewal id."""

    async def batch_load(self, keys: Sequence[int]) -> list[list[RenewalRequest]]:
        return await svc.requests_for(self.ctx, keys)


class RenewalOrders(Loader[int, "RenewalOrder | None"]):
    """An order, by order id."""

    async def batch_load(self, keys: Sequence[int]) -> list[RenewalOrder | None]:
        return await svc.orders_by_id(self.ctx, keys)


class OrderRenewals(Loader[int, list["Renewal"]]):
    """The renewals an order accepted, by order id."""

    async def batch_load(self, keys: Sequence[int]) -> list[list[Renewal]]:
        return await svc.renewals_of_orders(self.ctx, keys)


class CartItems(Loader[int, list["Renewal"]]):
    """The renewals in a cart that the caller can still see, by cart id."""

    async def batch_load(self, keys: Sequence[int]) -> list[list[Renewal]]:
        return await svc.cart_items(self.ctx, keys)


class RenewalsById(Loader[int, Any]):
    """Renewals (read-only records) by id: a queue item's renewal, whatever its tenant."""

    async def batch_load(self, keys: Sequence[int]) -> list[Any]:
        return await svc.renewals_by_id(self.ctx, keys)


class InvoiceRenewals(Loader[int, Any]):
    """The renewal an invoice bills (a read-only record, or None), by invoice id (invoicing's Invoice)."""

    async def batch_load(self, keys: Sequence[int]) -> list[Any]:
        return await svc.renewals_of_invoices(self.ctx, keys)
