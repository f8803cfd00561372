"""The rewards plugin's public API: the only rewards code other plugins may import.

Everything here works on a session already bound to the caller's tenant and takes part in the
caller's transaction; it checks no permission, so the caller decides who may see what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from plugins.rewards import service

PAYMENT_METHOD: Final = service.PAYMENT_METHOD
"""The payment method a redemption is recorded under on the invoice (R-W9): in invoicing's
``InvoiceView.paid_by_method`` the ``"REWARDS"`` entry is what rewards have paid on that invoice."""


@dataclass(frozen=True)
class RewardsBalance:
    """A tenant's usable support rewards on a day (R-W11), in the rewards account's currency."""

    currency: str
    available: Decimal
    expiring_in_30_days: Decimal  # part of ``available`` whose lots expire within 30 days
    expiring_in_90_days: Decimal  # … within 90 days (includes the 30-day part)


async def balance(session: AsyncSession, today: date) -> RewardsBalance:
    """The tenant's usable rewards on ``today`` (pass ``ctx.today()``): lots not expired nor used up.
    A tenant without a rewards account has a zero balance in USD. Two statements."""
    b = await service.balances(session, today)
    return RewardsBalance(
        currency=b.currency,
        available=b.available,
        expiring_in_30_days=b.expiring[30],
        expiring_in_90_days=b.expiring[90],
    )
