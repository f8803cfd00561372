"""The billing profile (R-I14, R-I15): contacts, saved cards, PO changes, and what the profile shows:
payments due per currency, cards, open credits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.emails import normalise_email
from core.errors import BadUserInput, NotFound
from core.i18n import _
from plugins.invoicing.models import BillingProfile, Credit, Invoice, PaymentMethod, PoChangeRequest
from plugins.invoicing.service.intents import card_expired
from plugins.invoicing.service.rules import invoice_by_number

if TYPE_CHECKING:
    from core.context import Context

MAX_PO_DOCUMENT_NAME = 200  # the name of the PO copy sent with a change request (R-I15)


# ---- billing profile (R-I14, R-I15) ------------------------------------------------------------
async def update_billing_profile(
    session: AsyncSession, billing_email: str | None, account_contacts_: Iterable[str] | None, now: datetime
) -> BillingProfile:
    profile = (await session.execute(select(BillingProfile))).scalar_one_or_none()
    if profile is None:
        profile = BillingProfile(billing_email="", account_contacts="", updated_at=now)
        session.add(profile)
    if billing_email is not None:
        profile.billing_email = normalise_email(billing_email, "billingEmail")
    if account_contacts_ is not None:
        emails = [normalise_email(e, "accountContacts") for e in account_contacts_]
        if len(emails) > 20:
            raise BadUserInput(_("At most 20 account contacts"), field="accountContacts")
        profile.account_contacts = ",".join(sorted(set(emails)))
    profile.updated_at = now
    await session.flush()
    return profile


async def add_card(
    session: AsyncSession, token: str, exp_month: int, exp_year: int, label: str, make_default: bool, now: datetime
) -> PaymentMethod:
    token = (token or "").strip()
    if not token.startswith("tok_") or len(token) > 100:
        raise BadUserInput(_("token must be a gateway token (tok_…); card numbers are never accepted"), field="token")
    if not 1 <= exp_month <= 12 or not 2000 <= exp_year <= 2100:
        raise BadUserInput(_("expiry month/year out of range"), field="expMonth")
    digits = "".join(ch for ch in token if ch.isdigit())
    pm = PaymentMethod(
        kind="CARD",
        label=label[:100],
        token=token,
        last4=(digits[-4:] if len(digits) >= 4 else digits.rjust(4, "0")),
        exp_month=exp_month,
        exp_year=exp_year,
        is_default=make_default,
        created_at=now,
    )
    if make_default:
        for other in (await session.execute(select(PaymentMethod).where(PaymentMethod.is_default.is_(True)))).scalars():
            other.is_default = False
    session.add(pm)
    await session.flush()
    return pm


async def request_po_change(
    session: AsyncSession, invoice_number: str, po_number: str, document_name: str, actor: str, now: datetime
) -> PoChangeRequest:
    """R-I15: adding or changing the PO on future invoices needs an invoice number and a copy of the PO."""
    po_number = (po_number or "").strip()
    if not po_number or len(po_number) > 64:
        raise BadUserInput(_("poNumber must be 1 to 64 characters"), field="poNumber")
    if not (document_name or "").strip():
        raise BadUserInput(_("A copy of the PO (document) is required"), field="poDocument")
    inv = await invoice_by_number(session, invoice_number)
    req = PoChangeRequest(
        invoice_id=inv.id,
        po_number=po_number,
        document_name=document_name.strip()[:200],
        requested_by=actor,
        created_at=now,
    )
    session.add(req)
    await session.flush()
    return req


# ---- what the profile shows -----------------------------------------------------------------------
@dataclass(frozen=True)
class AmountDue:
    """Unpaid invoices of one currency: how many, their balance, and the overdue part of it."""

    currency: str
    invoices: int
    amount: Decimal
    overdue: Decimal


@dataclass(frozen=True)
class SavedCardView:
    card: PaymentMethod
    expired: bool  # R-I14: an expired card needs an alternative method for the transaction


@dataclass(frozen=True)
class PoChangeView:
    request: PoChangeRequest
    invoice_number: str


@dataclass(frozen=True)
class ProfileView:
    """R-I14: the billing profile as the customer sees it."""

    billing_email: str
    account_contacts: list[str]
    payments_due: list[AmountDue]
    cards: list[SavedCardView]
    open_credits: list[Credit]
    po_change_requests: list[PoChangeView]


def amounts_due(rows: Iterable[tuple[str, date, int, Decimal]], today: date) -> list[AmountDue]:
    """Payments due per currency, from (currency, due date, invoices, balance) totals of unpaid
    invoices: overdue from the day after the due date (R-I1)."""
    due: dict[str, list[Any]] = {}
    for currency, due_date, n, amount in rows:
        overdue = due_date < today
        entry = due.setdefault(currency, [0, Decimal(0), Decimal(0)])
        entry[0] += n
        entry[1] += Decimal(amount)
        if overdue:
            entry[2] += Decimal(amount)
    return [AmountDue(c, n, a, o) for c, (n, a, o) in sorted(due.items())]


async def _profile_view(ctx: Context) -> ProfileView:
    session = ctx.session
    today = ctx.today()
    profile = (await session.execute(select(BillingProfile))).scalar_one_or_none()
    due_rows = (
        await session.execute(
            select(Invoice.currency, Invoice.due_date, func.count(Invoice.id), func.sum(Invoice.balance))
            .where(Invoice.balance > 0)
            .group_by(Invoice.currency, Invoice.due_date)
        )
    ).all()
    payments_due = amounts_due(due_rows, today)
    cards = (
        await session.execute(select(PaymentMethod).where(PaymentMethod.removed.is_(False)).order_by(PaymentMethod.id))
    ).scalars()
    saved = [SavedCardView(pm, card_expired(pm, today)) for pm in cards]
    credits = list((await session.execute(select(Credit).where(Credit.remaining > 0).order_by(Credit.id))).scalars())
    po_rows = (
        await session.execute(
            select(PoChangeRequest, Invoice.number)
            .join(Invoice, Invoice.id == PoChangeRequest.invoice_id)
            .order_by(PoChangeRequest.id.desc())
            .limit(50)
        )
    ).all()
    return ProfileView(
        billing_email=profile.billing_email if profile else "",
        account_contacts=[e for e in (profile.account_contacts if profile else "").split(",") if e],
        payments_due=payments_due,
        cards=saved,
        open_credits=credits,
        po_change_requests=[PoChangeView(r, num) for r, num in po_rows],
    )


async def billing_profile(ctx: Context) -> ProfileView:
    """The caller's billing profile (``billing_profile:view``)."""
    ctx.require_tenant()
    ctx.require("billing_profile", "view")
    return await _profile_view(ctx)


# ---- changes by the request's caller (``billing_profile:manage``); each answers the profile ---------
def _may_manage(ctx: Context) -> None:
    ctx.require_tenant()
    ctx.require("billing_profile", "manage")


async def change_billing_profile(
    ctx: Context, billing_email: str | None, account_contacts_: Sequence[str] | None
) -> ProfileView:
    """Update the billing contact and account contacts (R-I14, R-I3): ``update_billing_profile``."""
    _may_manage(ctx)
    await update_billing_profile(ctx.session, billing_email, account_contacts_, ctx.now())
    return await _profile_view(ctx)


async def add_billing_card(
    ctx: Context, token: str, exp_month: int, exp_year: int, label: str, make_default: bool
) -> ProfileView:
    """Save a card (R-I14): ``add_card``."""
    _may_manage(ctx)
    await add_card(ctx.session, token, exp_month, exp_year, label, make_default, ctx.now())
    return await _profile_view(ctx)


async def remove_billing_card(ctx: Context, card_id: int) -> ProfileView:
    """Remove a saved card (R-I14): it stays for the payments made with it, without its token."""
    _may_manage(ctx)
    pm = await ctx.session.get(PaymentMethod, card_id)
    if pm is None or pm.tenant_id != ctx.tenant_id or pm.removed:
        raise NotFound(_("No such saved card"), field="id")
    pm.removed, pm.is_default, pm.token = True, False, None
    await ctx.session.flush()
    return await _profile_view(ctx)


async def request_invoice_po_change(
    ctx: Context, invoice_number: str, po_number: str, document_name: str
) -> PoChangeView:
    """Ask to add or change the PO on future invoices (R-I15): ``request_po_change``."""
    _may_manage(ctx)
    if len(document_name) > MAX_PO_DOCUMENT_NAME:
        raise BadUserInput(_("poDocumentName is too long"), field="poDocumentName")
    r = await request_po_change(ctx.session, invoice_number, po_number, document_name, ctx.principal.email, ctx.now())
    return PoChangeView(r, invoice_number.strip())
