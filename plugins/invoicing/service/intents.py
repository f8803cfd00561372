"""Card payments: intent → charge → settle, so a card is charged at most once (R-I16…R-I18)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, ColumnElement, and_, column, func, insert, literal, or_, select, true, update, values
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from core.db import Amount, BigId, is_postgres, only_read
from core.errors import AppError, BadUserInput, Conflict, NotFound, ServiceUnavailable
from core.exchange import rate_table
from core.i18n import _
from plugins.invoicing.gateway import GatewayError
from plugins.invoicing.models import Application, Invoice, Payment, PaymentIntent, PaymentMethod
from plugins.invoicing.service.ledger import move_onto
from plugins.invoicing.service.payments import (
    SETTLED_INVOICES,
    Begin,
    PayRequest,
    _load_for_payment,
    check_method_rules,
)
from plugins.invoicing.service.published import payment_recorded
from plugins.invoicing.service.refunds import payment_takes, settle_payment
from plugins.invoicing.service.rules import ZERO, invoices_by_number, next_number, next_number_cte

# ---- card payments: intent → charge → settle ------------------------------------------------------
INTENT_WAIT_SECONDS = 15.0  # how long a repeat of an in-flight idempotency key waits for its outcome
INTENT_STALE_AFTER = timedelta(minutes=10)  # a claim this old is a crashed driver's: the job takes over


@dataclass(frozen=True)
class IntentView:
    """What a caller needs of an intent, read in one transaction and used in others."""

    id: int
    gateway_key: str
    token: str
    amount: Decimal
    currency: str
    description: str
    status: str
    claimed: bool
    payment_id: int | None
    mine: bool  # this caller must drive it: charge, then settle
    # What its payment is made of, so its driver settles it without reading it again.
    tenant_id: int = 0
    allocation: tuple[tuple[str, str], ...] = ()
    reference: str = ""
    actor_email: str = ""


def _view(intent: PaymentIntent, *, mine: bool) -> IntentView:
    return IntentView(
        tenant_id=intent.tenant_id,
        allocation=tuple(sorted(intent.allocation.items())),
        reference=intent.reference,
        actor_email=intent.actor_email,
        id=intent.id,
        gateway_key=intent.gateway_key,
        token=intent.card_token,
        amount=intent.amount,
        currency=intent.currency,
        description=", ".join(sorted(intent.allocation)),
        status=intent.status,
        claimed=intent.claimed,
        payment_id=intent.payment_id,
        mine=mine,
    )


def _within(session: AsyncSession) -> Begin:
    """``session`` itself as the intent's transaction (the demo, the property test: no concurrency)."""

    @asynccontextmanager
    async def same() -> AsyncIterator[AsyncSession]:
        yield session

    return same


async def pay_by_card(
    session: AsyncSession,
    req: PayRequest,
    actor: str,
    now: datetime,
    gateway: Any,
    *,
    begin: Begin | None = None,
    idempotency_key: str | None = None,
    request_hash: str = "",
) -> Payment:
    """A card payment in three steps, so that a card is charged at most once whatever fails or runs
    at the same time (in other workers too):

    1. a PaymentIntent is committed in a transaction of its own (the request's, ended there, when it
       has only read so far; else one of ``begin``), holding the cited invoices: while it is open
       any other card payment of them is refused with CONFLICT;
    2. the gateway is charged outside any transaction of this payment's, with the intent's
       ``gateway_key`` as its idempotency key — a repeat of the same intent never charges twice;
    3. the intent is settled in ``session`` (the request's transaction): the payment is recorded and
       applied (R-I17: card payments land at once), or recorded FAILED (R-I18); the hold is released.

    The intent cannot be written in a transaction that commits only after the charge: a failure
    between the two would erase the only trace of a real charge. A crash after
    step 1 leaves a PENDING intent, finished by a retry with the same idempotency key or by the
    ``invoicing.reconcile_card_payments`` job, which asks the gateway what became of its key.
    A repeat of an idempotency key joins the first request's intent (waiting for its outcome on
    PostgreSQL, where requests run in parallel) and answers its payment."""
    opener = begin or _within(session)
    first = _request_transaction(session) if begin is not None and only_read(session) else opener
    intent = await _open_intent(opener, req, actor, now, idempotency_key, request_hash, first=first)
    if not intent.mine:
        wait = INTENT_WAIT_SECONDS if begin is not None and is_postgres(session) else 0.0
        intent = await _await_intent(opener, intent, now, wait)
        if not intent.mine:
            return await _intent_payment(session, intent)
    try:
        result = await gateway.charge(
            intent.token, intent.amount, intent.currency, intent.description, idempotency_key=intent.gateway_key
        )
    except GatewayError as exc:
        if begin is not None:
            await _release_claim(opener, intent.id, str(exc))
        raise ServiceUnavailable(
            _(
                "The card gateway did not answer, so the payment's outcome is not known yet: do not pay again. It is "
                "reconciled with the gateway shortly; retrying with the same idempotencyKey finishes it now."
            ),
            retryable=True,
        ) from exc
    try:
        return await settle_intent(session, intent.id, result, now, driving=intent)
    except Exception:
        if begin is not None:  # the request's transaction is lost; leave the intent to a retry or the job
            await _release_claim(opener, intent.id, "settlement failed")
        raise


async def _intent_by_key(session: AsyncSession, actor: str, key: str) -> PaymentIntent | None:
    return (
        await session.execute(
            select(PaymentIntent)
            .where(PaymentIntent.actor_email == actor, PaymentIntent.idempotency_key == key)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


def _joined(found: PaymentIntent, request_hash: str) -> IntentView:
    if found.request_hash != request_hash:
        raise Conflict(_("This idempotency key was already used with a different request"), field="idempotencyKey")
    return _view(found, mine=False)


def _request_transaction(session: AsyncSession) -> Begin:
    """The request's own transaction as the intent's, when it has only read so far (on PostgreSQL
    it carries on from the sign-in: core.caller.commit_sign_in): committed with the intent, before
    the charge — a transaction and its row-level security scope statement fewer, and the request's
    connection back in the pool while the card is charged. The settlement begins the next one."""

    @asynccontextmanager
    async def committed() -> AsyncIterator[AsyncSession]:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()

    return committed


async def _open_intent(
    opener: Begin,
    req: PayRequest,
    actor: str,
    now: datetime,
    key: str | None,
    request_hash: str,
    *,
    first: Begin,
) -> IntentView:
    try:
        async with first() as s:
            return await _create_intent(s, req, actor, now, key, request_hash)
    except IntegrityError:
        # The same key from a concurrent request committed first.
        if key:
            async with opener() as s:
                found = await _intent_by_key(s, actor, key)
                if found is not None:
                    return _joined(found, request_hash)
        raise Conflict(
            _("A card payment of these invoices is being made at the same time; retry"), retryable=True
        ) from None


async def _create_intent(
    s: AsyncSession, req: PayRequest, actor: str, now: datetime, key: str | None, request_hash: str
) -> IntentView:
    # A repeated key is not looked up first (one statement fewer for every new payment): its invoices
    # are paid or held (an AppError below, then the lookup), or payable again after a decline, when
    # the new intent's INSERT meets the key's unique constraint (_open_intent looks it up then).
    try:
        invoices, allocation = await _load_for_payment(s, req.items)
        currency = invoices[0].currency
        charge = sum(allocation.values(), ZERO)
        check_method_rules(invoices, "CARD", charge, currency, now.date(), rates=await rate_table(s, [currency]))
        token = await _card_token(s, req, now)
        busy = [inv.number for inv in invoices if inv.intent_id is not None]
        if busy:
            raise Conflict(
                _("A card payment of {value} is in progress; wait for its outcome before paying again", value=busy[0]),
                retryable=True,
            )
    except AppError:
        # Waiting for the invoices' lock may have been waiting for a request with this very key.
        if key:
            found = await _intent_by_key(s, actor, key)
            if found is not None:
                return _joined(found, request_hash)
        raise
    intent = PaymentIntent(
        tenant_id=invoices[0].tenant_id,
        gateway_key="pi_" + uuid.uuid4().hex,
        idempotency_key=key,
        request_hash=request_hash,
        status="PENDING",
        claimed=True,
        claimed_at=now,
        currency=currency,
        amount=charge,
        allocation={k: str(v) for k, v in allocation.items()},
        card_token=token,
        reference=req.reference[:200],
        actor_email=actor,
        created_at=now,
        payment_id=None,
    )
    # One UPDATE for every invoice, conditional on what was read of each: another worker's intent or
    # payment in between makes one miss, and then the whole claim is refused.
    t = Invoice.__table__
    unchanged = and_(
        t.c.tenant_id == intent.tenant_id,
        t.c.intent_id.is_(None),
        or_(*(and_(t.c.id == i.id, t.c.balance == i.balance, t.c.pending_total == i.pending_total) for i in invoices)),
    )
    if is_postgres(s):
        # The intent and its claim in one statement (a data-modifying WITH).
        made = insert(PaymentIntent.__table__).values(_row(intent)).returning(PaymentIntent.__table__.c.id).cte("made")
        claim = update(t).where(unchanged).values(intent_id=select(made.c.id).scalar_subquery()).returning(t.c.id)
        claimed = claim.cte("claimed")
        row = (await s.execute(_one_row(select(made.c.id, _count(claimed))))).one()
        intent.id, held = row[0], row[1]
    else:
        s.add(intent)
        await s.flush()
        held = (await s.execute(_one_row(update(t).where(unchanged).values(intent_id=intent.id)))).rowcount
    if held != len(invoices):
        numbers = ", ".join(inv.number for inv in invoices)
        raise Conflict(_("Invoice {number} changed while it was being paid; retry", number=numbers), retryable=True)
    return _view(intent, mine=True)


async def _claim(opener: Begin, intent_id: int, now: datetime, *, stale_before: datetime | None = None) -> bool:
    """Take over driving a PENDING intent nobody drives (or whose driver's claim is stale)."""
    free = PaymentIntent.claimed.is_(False)
    if stale_before is not None:
        free = or_(free, PaymentIntent.claimed_at < stale_before)
    async with opener() as s:
        done = await s.execute(
            update(PaymentIntent)
            .where(PaymentIntent.id == intent_id, PaymentIntent.status == "PENDING", free)
            .values(claimed=True, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return done.rowcount == 1


async def _release_claim(opener: Begin, intent_id: int, error: str) -> None:
    """Best effort: the job also takes over a claim older than INTENT_STALE_AFTER."""
    try:
        async with opener() as s:
            await s.execute(
                update(PaymentIntent)
                .where(PaymentIntent.id == intent_id, PaymentIntent.status == "PENDING")
                .values(claimed=False, last_error=error[:300])
                .execution_options(synchronize_session=False)
            )
    except Exception:  # noqa: BLE001 - the caller's error is the one to report
        return


async def _await_intent(opener: Begin, intent: IntentView, now: datetime, wait: float) -> IntentView:
    """A request repeating an idempotency key: the first request's intent once it is settled, or the
    intent to drive when nobody drives it any more."""
    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        if intent.status != "PENDING":
            return intent
        if not intent.claimed and await _claim(opener, intent.id, now):
            return replace(intent, claimed=True, mine=True)
        if time.monotonic() >= deadline:
            raise Conflict(
                _("A payment with this idempotency key is still being processed; retry shortly"),
                field="idempotencyKey",
                retryable=True,
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.25)
        async with opener() as s:
            row = (
                await s.execute(
                    select(PaymentIntent).where(PaymentIntent.id == intent.id).execution_options(populate_existing=True)
                )
            ).scalar_one()
            intent = _view(row, mine=False)


async def _intent_payment(session: AsyncSession, intent: IntentView) -> Payment:
    if intent.payment_id is None:
        raise Conflict(
            _("That payment attempt ended before the card was charged; pay again with a new idempotencyKey"),
            field="idempotencyKey",
        )
    payment = await session.get(Payment, intent.payment_id)
    assert payment is not None
    return payment


async def _locked_invoices(session: AsyncSession, numbers: list[str]) -> list[Invoice]:
    return list((await invoices_by_number(session, numbers, lock=True)).values())


async def settle_intent(
    session: AsyncSession, intent_id: int, result: Any, now: datetime, *, driving: IntentView | None = None
) -> Payment:
    """Step 3 of ``pay_by_card`` (also run by the reconcile job): record the gateway's answer for the
    intent. A charge that succeeded is money received and is applied (any excess becomes credit,
    R-I19); a decline is a FAILED payment (R-I18). Settles an intent once: a concurrent second
    settlement is refused with CONFLICT and rolled back.

    ``driving``: the intent as its driver opened it. Its invoices, locked, still held by it prove it
    is unsettled (settling or cancelling an intent releases them in the same transaction), so it is
    not read again; otherwise it is."""
    intent: Any = None
    invoices: list[Invoice] = []
    if driving is not None:
        invoices = await _locked_invoices(session, [n for n, _a in driving.allocation])
        if invoices and all(inv.intent_id == driving.id for inv in invoices):
            intent = driving
    if intent is None:
        intent = (
            await session.execute(
                select(PaymentIntent).where(PaymentIntent.id == intent_id).execution_options(populate_existing=True)
            )
        ).scalar_one()
        if intent.status in ("SUCCEEDED", "FAILED") and intent.payment_id is not None:
            payment = await session.get(Payment, intent.payment_id)
            assert payment is not None
            return payment
        if driving is None:
            invoices = await _locked_invoices(session, list(intent.allocation))
    tid = intent.tenant_id
    # The payment is written once, as it ends: SUCCEEDED (its money applied) or FAILED; the invoices'
    # hold is released in the same UPDATE as their new balances.
    payment = Payment(
        tenant_id=tid,
        number="",
        method="CARD",
        currency=intent.currency,
        amount=intent.amount,
        allocation=dict(intent.allocation),
        reference=intent.reference,
        actor_email=intent.actor_email,
        created_at=now,
        status="SUCCEEDED" if result.ok else "FAILED",
        settled_at=now if result.ok else None,
        failure_reason=None if result.ok else (result.failure_reason or "declined")[:300],
        card_token=intent.token if isinstance(intent, IntentView) else intent.card_token,
        card_last4=result.last4,
        gateway_reference=result.reference,
        arrives_on=None,
        settles_on=None,
        bank_reference=None,
        notice_id=None,
    )
    by_number = {inv.number: inv for inv in invoices}
    takes, excess = payment_takes(payment, by_number) if result.ok else ([], ZERO)
    if is_postgres(session) and excess <= 0:
        settled = await _write_settlement(session, payment, intent.id, invoices, takes, now)
    else:  # SQLite, or an excess that becomes a credit (settle_payment): the ORM writes it
        payment.number = await next_number(session, "PAY", tid)
        session.add(payment)
        await session.flush()
        for inv in invoices:  # flushed with the balances settle_payment writes: one UPDATE per invoice
            if inv.intent_id == intent.id:
                inv.intent_id = None
        if result.ok:
            await settle_payment(session, payment, now, invoices=by_number)
        done = await session.execute(_one_row(_settled(tid, intent.id, payment.status, payment.id, now)))
        settled = done.rowcount == 1
        await session.flush()
    if not settled:
        raise Conflict(_("This card payment was settled at the same time elsewhere; retry to see it"), retryable=True)
    await payment_recorded(session, payment)
    # The invoices as this settlement left them, for the answer (payments.pay) to use as they are.
    session.info.setdefault(SETTLED_INVOICES, {})[payment.number] = invoices
    return payment


def _row(obj: Any) -> dict[str, Any]:
    """The column values set on a new ORM object, for a Core INSERT."""
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns if c.key != "id"}


def _count(cte: CTE) -> ColumnElement[int]:
    return select(func.count()).select_from(cte).scalar_subquery()


def _one_row(stmt: Any) -> Any:
    # Every CTE names its tenant itself; the ORM's tenant filter has no entity to apply to here.
    return stmt.execution_options(skip_tenant_filter=True)


def _settled(tenant_id: int, intent_id: int, status: str, payment_id: Any, now: datetime) -> Any:
    """The intent's outcome; its status condition refuses a second settlement. A CANCELLED intent may
    still turn out charged (its driver was only slow): that money is kept."""
    t = PaymentIntent.__table__
    return (
        update(t)
        .where(t.c.tenant_id == tenant_id, t.c.id == intent_id, t.c.status.in_(("PENDING", "CANCELLED")))
        .values(status=status, payment_id=payment_id, settled_at=now, claimed=False)
    )


async def _write_settlement(
    session: AsyncSession,
    payment: Payment,
    intent_id: int,
    invoices: list[Invoice],
    takes: list[tuple[Invoice, Decimal]],
    now: datetime,
) -> bool:
    """PostgreSQL: the settlement's writes in one statement (data-modifying WITH): the payment number,
    the payment, its applications, the invoices' balances with their hold released, the intent's
    outcome. The objects in hand are brought to what was written, as a flush would leave them.
    False when the intent was settled already (the caller rolls back)."""
    tid = payment.tenant_id
    pt, at, it = Payment.__table__, Application.__table__, Invoice.__table__
    _numbered, number = next_number_cte("PAY", tid)
    paid = (
        insert(pt)
        .values({**_row(payment), "number": select(number).scalar_subquery()})
        .returning(pt.c.id, pt.c.number)
        .cte("paid")
    )
    counted = [_count(paid)]
    with session.no_autoflush:
        applied = [(inv.id, take) for inv, take in takes if take != 0]
        for inv, take in takes:
            if take != 0:
                move_onto(inv, take)
        changed = [inv for inv in invoices if inv.intent_id == intent_id or any(i is inv for i, _t in takes)]
        for inv in invoices:
            if inv.intent_id == intent_id:
                inv.intent_id = None
    if applied:
        taken = values(column("invoice_id", BigId), column("amount", Amount), name="taken").data(applied)
        rows = select(
            literal(tid, BigId),
            taken.c.invoice_id,
            paid.c.id,
            literal(payment.method),
            taken.c.amount,
            literal("PAYMENT"),
            literal(now, at.c.created_at.type),
        ).select_from(paid.join(taken, true()))
        names = ["tenant_id", "invoice_id", "payment_id", "method", "amount", "kind", "created_at"]
        counted.append(_count(insert(at).from_select(names, rows).returning(at.c.id).cte("applied")))
    if changed:
        balances = [(inv.id, inv.applied_total, inv.balance) for inv in changed]
        columns = column("id", BigId), column("applied_total", Amount), column("balance", Amount)
        ledger = values(*columns, name="ledger").data(balances)
        written = (
            update(it)
            .where(it.c.tenant_id == tid, it.c.id == ledger.c.id)
            .values(
                applied_total=ledger.c.applied_total,
                balance=ledger.c.balance,
                intent_id=func.nullif(it.c.intent_id, literal(intent_id, BigId)),  # the hold released
            )
            .returning(it.c.id)
        )
        counted.append(_count(written.cte("written")))
    outcome = _settled(tid, intent_id, payment.status, select(paid.c.id).scalar_subquery(), now)
    settled = _count(outcome.returning(PaymentIntent.__table__.c.id).cte("settled"))
    with session.no_autoflush:  # the objects' changes are in the statement: a flush would write them twice
        row = (await session.execute(_one_row(select(paid.c.id, paid.c.number, settled, *counted)))).one()
    payment.id, payment.number = row[0], row[1]
    make_transient_to_detached(payment)
    session.add(payment)
    for inv in changed:
        for key in ("applied_total", "balance", "intent_id"):
            set_committed_value(inv, key, getattr(inv, key))
    return row[2] == 1


async def cancel_intent(session: AsyncSession, intent_id: int, now: datetime) -> bool:
    """The gateway never received the intent's charge: close it and release its invoices."""
    done = await session.execute(
        update(PaymentIntent)
        .where(PaymentIntent.id == intent_id, PaymentIntent.status == "PENDING")
        .values(status="CANCELLED", settled_at=now, claimed=False)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    await session.execute(
        update(Invoice)
        .where(Invoice.intent_id == intent_id)
        .values(intent_id=None)
        .execution_options(synchronize_session=False)
    )
    return True


async def reconcile_card_intents(begin: Begin, gateway: Any, now: datetime) -> int:
    """PENDING intents nobody drives any more (the driver gave up, or crashed: its claim is older than
    INTENT_STALE_AFTER) are settled from the gateway's record of their key: charged → the payment is
    recorded and applied; declined → FAILED; never received → CANCELLED. Each step is its own
    transaction and the gateway is asked between them. Returns the intents settled."""
    stale_before = now - INTENT_STALE_AFTER
    async with begin() as s:
        ids = list(
            (
                await s.execute(
                    select(PaymentIntent.id)
                    .where(
                        PaymentIntent.status == "PENDING",
                        or_(PaymentIntent.claimed.is_(False), PaymentIntent.claimed_at < stale_before),
                    )
                    .order_by(PaymentIntent.id)
                )
            ).scalars()
        )
    done = 0
    for intent_id in ids:
        if not await _claim(begin, intent_id, now, stale_before=stale_before):
            continue
        async with begin() as s:
            key = (await s.execute(select(PaymentIntent.gateway_key).where(PaymentIntent.id == intent_id))).scalar_one()
        try:
            result = await gateway.lookup(key)
        except GatewayError as exc:
            await _release_claim(begin, intent_id, str(exc))
            continue
        async with begin() as s:
            if result is None:
                await cancel_intent(s, intent_id, now)
            else:
                await settle_intent(s, intent_id, result, now)
        done += 1
    return done


async def _card_token(session: AsyncSession, req: PayRequest, now: datetime) -> str:
    if req.payment_method_id is not None:
        pm = await session.get(PaymentMethod, req.payment_method_id)
        if pm is None or pm.removed or pm.tenant_id != session.info.get("tenant_id") or pm.kind != "CARD":
            raise NotFound(_("No such saved card"), field="paymentMethodId")
        if card_expired(pm, now.date()):
            # R-I14/R-I18: an expired card needs an alternative method for the transaction.
            raise BadUserInput(
                _(
                    "The saved card ending {last4} has expired; provide another card or pay by wire transfer",
                    last4=pm.last4,
                ),
                field="paymentMethodId",
            )
        return pm.token or ""
    token = (req.card_token or "").strip()
    if not token.startswith("tok_") or len(token) > 100:
        raise BadUserInput(
            _("cardToken must be a gateway token (tok_…); card numbers are never accepted"), field="cardToken"
        )
    return token


def card_expired(pm: PaymentMethod, today: date) -> bool:
    if pm.exp_year is None or pm.exp_month is None:
        return False
    return (today.year, today.month) > (pm.exp_year, pm.exp_month)
