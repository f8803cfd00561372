"""The rewards plugin's public API: the only rewards code other plugins may import.

- reads: the tenant's usable balance (:func:`balance`), the payment method redemptions are recorded
  under on invoices (:data:`PAYMENT_METHOD`);
- events: :data:`EVENTS`, what the plugin emits through ``ctx.emit`` with each payload.

The reads work on a session already bound to the caller's tenant and take part in the caller's
transaction; they check no permission, so the caller decides who may see what it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from core.events import event_spec

# Its service is imported inside the functions: the service emits this module's events.
PAYMENT_METHOD: Final = "REWARDS"
"""The payment method a redemption is recorded under on the invoice (R-W9): in invoicing's
``InvoiceView.paid_by_method`` the ``"REWARDS"`` entry is what rewards have paid on that invoice."""


REWARDS_ACCOUNT_CREATED: Final = "rewards_account.created"
REWARDS_ACCOUNT_IMPORTED: Final = "rewards_account.imported"
REWARDS_DEPOSIT_CREATED: Final = "rewards_deposit.created"
REWARDS_DEPOSIT_EXPIRED: Final = "rewards_deposit.expired"

_ACCOUNT_KEYS = (
    ("currency", "str", "ISO-4217 code of the account"),
    ("on_premises", "bool", "the tenant has on-premises support (R-W1)"),
    ("pay_as_you_go", "bool", "pay-as-you-go cloud subscription (R-W1)"),
    ("ula", "bool", "unlimited license agreement: the lower accrual rate (R-W2)"),
    ("region", "str", "ISO 3166 alpha-2 region of the account"),
    ("sector", "str", "COMMERCIAL, PUBLIC_SECTOR, US_FEDERAL or EDUCATION"),
    ("order_number", "str | null", "the universal-credits order"),
)
_DEPOSIT_KEYS = (
    ("deposit_id", "int", "the deposit's internal id (stable: the idempotency key)"),
    ("subscription", "str", "cloud subscription the rewards were earned on"),
    ("period", "str", "the month of usage, YYYY-MM"),
    ("currency", "str", "ISO-4217 code"),
    ("amount", "str", "decimal amount deposited"),
    ("expires_on", "str", "ISO date the deposit expires (R-W5)"),
)
EVENTS = (
    event_spec(
        REWARDS_ACCOUNT_CREATED,
        "rewards",
        "An import created the tenant's rewards account (section `rewardAccounts`), in the import's transaction.",
        *_ACCOUNT_KEYS,
    ),
    event_spec(
        REWARDS_ACCOUNT_IMPORTED,
        "rewards",
        "An import wrote the tenant's existing rewards account again (changed or not), in the import's transaction.",
        *_ACCOUNT_KEYS,
    ),
    event_spec(
        REWARDS_DEPOSIT_CREATED,
        "rewards",
        "The month-end job deposited rewards for one subscription and month (R-W3), in the job's transaction.",
        *_DEPOSIT_KEYS,
    ),
    event_spec(
        REWARDS_DEPOSIT_EXPIRED,
        "rewards",
        "The expiry job expired a deposit 12 months after it was made (R-W5); what was left is lost.",
        *_DEPOSIT_KEYS,
        ("expired_amount", "str", "decimal amount that was still unused and is lost"),
    ),
)
"""Every event the rewards plugin emits, with its payload (docs/writing-a-plugin.md §5)."""


def account_payload(a: Any) -> dict[str, Any]:
    return {
        "currency": a.currency,
        "on_premises": bool(a.on_premises),
        "pay_as_you_go": bool(a.pay_as_you_go),
        "ula": bool(a.ula),
        "region": a.region,
        "sector": a.sector,
        "order_number": a.order_number,
    }


def deposit_payload(lot: Any) -> dict[str, Any]:
    return {
        "deposit_id": lot.id,
        "subscription": lot.subscription,
        "period": lot.period,
        "currency": lot.currency,
        "amount": str(lot.amount),
        "expires_on": lot.expires_on.isoformat(),
    }


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
    from plugins.rewards import service

    b = await service.balances(session, today)
    return RewardsBalance(
        currency=b.currency,
        available=b.available,
        expiring_in_30_days=b.expiring[30],
        expiring_in_90_days=b.expiring[90],
    )
