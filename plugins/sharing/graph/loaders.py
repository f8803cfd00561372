"""Sharing's batch loads, one per relation (core.loaders): ``RenewalShares.of(ctx).load(number)``
from every renewal of a page shares one statement. Each batches a read of the service; the objects
they start from were authorised by the field that found them (a renewal's shares: once loaded)."""

from __future__ import annotations

from collections.abc import Sequence

from core.loaders import Loader
from core.models import ObjectGrant
from plugins.sharing import service


class RenewalShares(Loader[str, list[ObjectGrant]]):
    """A renewal's shares by support number, by grantee email (the sharing tab)."""

    async def batch_load(self, keys: Sequence[str]) -> Sequence[list[ObjectGrant]]:
        return await service.renewal_shares_by_number(self.ctx, keys)


class PersonStatuses(Loader[str, str | None]):
    """A person's user status by email: INVITED until their first sign-in, then ACTIVE."""

    async def batch_load(self, keys: Sequence[str]) -> Sequence[str | None]:
        return await service.person_statuses(self.ctx, keys)
