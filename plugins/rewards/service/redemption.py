"""Paying an invoice with rewards (R-W6…R-W10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import BadUserInput, NotFound
from core.i18n import _, join
from core.idempotency import idempotent
from core.money import ZERO, Money, parse_amount, quantize
from plugins.invoicing import api as invoicing
from plugins.rewards.models import RewardActivity, RewardAllocation, RewardLot, RewardRedemption
from plugins.rewards.service.authorisation import check_code
from plugins.rewards.service.constants import OBJECT, PAYMENT_METHOD, REDEEM, REDEMPTION, VIEW
from plugins.rewards.service.queries import _ledger_balance, _locked_lots, balances, get_account, mine
from plugins.rewards.service.rules import InsufficientRewards, LotState, allocate, invoice_cap


async def _invoice(session: AsyncSession, number: str, today: date) -> Any:
    number = (number or "").strip()
    if not number or len(number) > 64:
        raise BadUserInput(_("invoiceNumber is required"), field="invoiceNumber")
    invoice = await invoicing.get_invoice(session, number, today=today)
    if invoice is None:
        raise NotFound(_("No invoice {number}", number=number), field="invoiceNumber")
    return invoice


async def redeemable(ctx: Context, invoice_number: str) -> Money:
    """The most the tenant may redeem on that invoice now: min(invoice cap, usable balance)."""
    ctx.require_tenant()
    ctx.require(OBJECT, VIEW)
    invoice = await _invoice(ctx.session, invoice_number, ctx.today())
    bal = await balances(ctx.session, ctx.today())
    if invoice.currency != bal.currency:
        return Money(ZERO, bal.currency)
    return Money(min(invoice_cap(invoice), bal.available), bal.currency)


async def redeem(
    ctx: Context, invoice_number: str, amount: Money | None, code: str, idempotency_key: str
) -> dict[str, Any]:
    """R-W6…R-W10: pay the pre-tax eligible part of an invoice with rewards, earliest-expiry first.
    Replaying the idempotency key returns the first answer and spends nothing more. ``amount`` is
    the amount asked for, not yet validated: only a caller allowed to redeem learns what is wrong with it."""
    ctx.require_tenant()
    ctx.require(OBJECT, REDEEM)
    if amount is not None:
        amount = Money(parse_amount(amount.amount, amount.currency), amount.currency)
    await check_code(ctx, code)
    if not idempotency_key or not idempotency_key.strip():
        raise BadUserInput(_("idempotencyKey is required"), field="idempotencyKey")
    request = {
        "invoice": invoice_number,
        "amount": str(amount.amount) if amount else None,
        "currency": amount.currency if amount else None,
    }

    async def run() -> dict[str, Any]:
        return await _redeem(ctx, invoice_number, amount)

    return await idempotent(ctx, "rewards.redeem", idempotency_key, request, run)


async def _redeem(ctx: Context, invoice_number: str, amount: Money | None) -> dict[str, Any]:
    session, today, now = ctx.session, ctx.today(), ctx.now()
    account = await get_account(session, lock=True)  # serialises the tenant's balance changes
    if account is None:
        raise BadUserInput(_("This organisation has no support rewards"), field="invoiceNumber")
    currency = account.currency
    if amount is not None:
        if amount.currency != currency:  # R-W10: rewards are never exchanged into another currency
            raise BadUserInput(
                _("Rewards can only be redeemed in {currency}", currency=currency), field="amount.currency"
            )
        parse_amount(amount.amount, currency, field="amount")
    invoice = await _invoice(session, invoice_number, today)
    if invoice.currency != currency:
        raise BadUserInput(
            _(
                "Invoice {number} is in {currency}; rewards are in {currency2} and cannot be converted",
                number=invoice.number,
                currency=invoice.currency,
                currency2=currency,
            ),
            field="invoiceNumber",
            reason="CURRENCY_MISMATCH",
        )
    cap = invoice_cap(invoice)
    if cap <= 0:
        raise BadUserInput(
            _(
                "Nothing on invoice {number} can be paid with rewards (only the pre-tax amount of technology-program "
                "support renewals)",
                number=invoice.number,
            ),
            field="invoiceNumber",
        )
    lots = await _locked_lots(session, RewardLot.expires_on > today, RewardLot.remaining > 0)
    available = sum((lot.remaining for lot in lots), Decimal(0))
    if amount is None:
        wanted = min(cap, available)
        if wanted <= 0:
            raise InsufficientRewards("No rewards are available to redeem", field="amount", available="0.00")
    else:
        wanted = amount.amount
        if wanted > cap:
            raise BadUserInput(
                _(
                    "At most {cap} {currency} of invoice {number} can be paid with rewards (the pre-tax amount of "
                    "eligible lines, less rewards already applied)",
                    cap=cap,
                    currency=currency,
                    number=invoice.number,
                ),
                field="amount",
                max_amount=str(cap),
            )
    states = [LotState(lot.id, lot.expires_on, lot.remaining) for lot in lots]
    taken = dict(allocate(states, wanted, today))
    redemption = RewardRedemption(
        tenant_id=account.tenant_id,
        invoice_number=invoice.number,
        amount=wanted,
        currency=currency,
        redeemed_by=ctx.principal.email,
        created_at=now,
    )
    session.add(redemption)
    await session.flush()
    allocations = []
    for lot in lots:
        take = taken.get(lot.id)
        if not take:
            continue
        lot.remaining -= take
        session.add(
            RewardAllocation(tenant_id=account.tenant_id, redemption_id=redemption.id, lot_id=lot.id, amount=take)
        )
        allocations.append(
            {
                "lot_id": lot.id,
                "subscription": lot.subscription,
                "expires_on": lot.expires_on.isoformat(),
                "amount": str(take),
            }
        )
    await session.flush()
    balance_after = await _ledger_balance(session)
    session.add(
        RewardActivity(
            tenant_id=account.tenant_id,
            kind=REDEMPTION,
            occurred_on=today,
            amount=wanted,
            balance_after=balance_after,
            currency=currency,
            invoice_number=invoice.number,
            redemption_id=redemption.id,
            created_at=now,
        )
    )
    after = await invoicing.apply_payment(
        session,
        invoice.number,
        wanted,
        currency,
        method=PAYMENT_METHOD,
        reference=f"rewards-redemption-{redemption.id}",
        actor_email=ctx.principal.email,
        now=now,
    )
    invoice_to_date = Decimal(after.paid_by_method.get(PAYMENT_METHOD, wanted))
    total_to_date = Decimal(
        (
            await session.execute(
                select(func.coalesce(func.sum(RewardRedemption.amount), 0)).where(mine(session, RewardRedemption))
            )
        ).scalar_one()
    )
    usable_after = available - wanted
    ctx.send_email(
        ctx.principal.email,
        _("Support rewards applied to invoice {number}", number=invoice.number),
        join(
            [
                _(
                    "{amount} of support rewards was applied as a payment to invoice {number}.",
                    amount=Money(wanted, currency),
                    number=invoice.number,
                ),
                "",
                _(
                    "Rewards redeemed on this invoice to date: {amount}",
                    amount=Money(quantize(invoice_to_date, currency), currency),
                ),
                _(
                    "Balance still due on the invoice: {amount}",
                    amount=Money(quantize(Decimal(after.balance), after.currency), after.currency),
                ),
                _(
                    "Rewards redeemed by your organisation to date: {amount}",
                    amount=Money(quantize(total_to_date, currency), currency),
                ),
                _("Rewards balance remaining: {amount}", amount=Money(quantize(usable_after, currency), currency)),
                "",
                _(
                    "This is a payment on the invoice: no new invoice or credit memo is issued. Rewards cannot be "
                    "exchanged for cash."
                ),
            ]
        ),
        kind="rewards.redeemed",
    )
    return {
        "id": redemption.id,
        "invoice_number": invoice.number,
        "amount": str(wanted),
        "currency": currency,
        "redeemed_at": now.isoformat(),
        "allocations": allocations,
        "invoice_redeemed_to_date": str(invoice_to_date),
        "invoice_balance_due": str(after.balance),
        "invoice_currency": after.currency,
        "rewards_redeemed_to_date": str(total_to_date),
        "rewards_balance": str(usable_after),
    }
