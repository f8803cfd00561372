"""The billing profile (R-I14, R-I15): contacts, saved cards, PO changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.emails import normalise_email
from core.errors import BadUserInput
from plugins.invoicing.models import BillingProfile, PaymentMethod, PoChangeRequest
from plugins.invoicing.service.rules import invoice_by_number


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
            raise BadUserInput("At most 20 account contacts", field="accountContacts")
        profile.account_contacts = ",".join(sorted(set(emails)))
    profile.updated_at = now
    await session.flush()
    return profile


async def add_card(
    session: AsyncSession, token: str, exp_month: int, exp_year: int, label: str, make_default: bool, now: datetime
) -> PaymentMethod:
    token = (token or "").strip()
    if not token.startswith("tok_") or len(token) > 100:
        raise BadUserInput("token must be a gateway token (tok_…); card numbers are never accepted", field="token")
    if not 1 <= exp_month <= 12 or not 2000 <= exp_year <= 2100:
        raise BadUserInput("expiry month/year out of range", field="expMonth")
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
        raise BadUserInput("poNumber must be 1 to 64 characters", field="poNumber")
    if not (document_name or "").strip():
        raise BadUserInput("A copy of the PO (document) is required", field="poDocument")
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
