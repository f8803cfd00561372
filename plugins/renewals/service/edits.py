"""Edits of an open renewal until it locks (R-R8, R-R9, R-R15, R-R16)."""

from __future__ import annotations

from datetime import timedelta

from core.context import Context
from core.emails import normalise_email
from core.errors import BadUserInput, Conflict
from core.exchange import rate_table
from core.i18n import _
from plugins.renewals.api import RENEWAL_CHANGED, renewal_payload
from plugins.renewals.models import Renewal
from plugins.renewals.service.inputs import (
    BillingDetails,
    check_billing,
    check_method_for_amount,
    check_payment_method,
    check_text,
)
from plugins.renewals.service.lists import tenant_countries
from plugins.renewals.service.rules import (
    AUTO_RENEW_DEFAULT_METHOD,
    LOCK_DAYS,
    MAX_ADDRESS_CHARS,
    MAX_NAME_CHARS,
    MAX_PHONE_CHARS,
    MAX_PO_CHARS,
    MAX_REFERENCE_CHARS,
    is_locked,
    lock_date,
)
from plugins.renewals.service.visibility import authorize


# --------------------------------------------------------------------------------------------
# Edits (R-R8, R-R9, R-R15, R-R16)
# --------------------------------------------------------------------------------------------
async def emit_changed(ctx: Context, renewal: Renewal, before: dict) -> None:
    """``renewal.changed`` after an edit, naming the payload keys whose values changed."""
    after = renewal_payload(renewal)
    changed = sorted(k for k in after if after[k] != before.get(k))
    await ctx.emit(RENEWAL_CHANGED, {**after, "changed": changed, "changed_by": ctx.principal.email})


def touch(ctx: Context, renewal: Renewal) -> None:
    """Record who changed the renewal last (R-R19 "last updated by")."""
    renewal.last_updated_by = ctx.principal.email
    renewal.updated_at = ctx.now()


def require_editable(ctx: Context, renewal: Renewal) -> None:
    """R-R9: read-only from 31 days before the start date (and once accepted)."""
    if renewal.accepted_at is not None:
        raise Conflict(
            _(
                "Renewal {support_number} was already accepted and can no longer be changed",
                support_number=renewal.support_number,
            ),
            reason="ACCEPTED",
        )
    if is_locked(False, renewal.start_date, ctx.today()):
        raise Conflict(
            _(
                "Renewal {support_number} is locked: changes were possible until {LOCK_DAYS} days before the support "
                "start date ({value})",
                support_number=renewal.support_number,
                LOCK_DAYS=LOCK_DAYS,
                value=lock_date(renewal.start_date) - timedelta(days=1),
            ),
            reason="LOCKED",
        )


async def tenant_country(ctx: Context, renewal: Renewal) -> str:
    if ctx.tenant is not None and ctx.tenant.id == renewal.tenant_id:
        return ctx.tenant.country
    return (await tenant_countries(ctx, [renewal.tenant_id]))[0]


async def update_renewal(
    ctx: Context,
    support_number: str,
    *,
    customer_reference: str | None = None,
    billing: BillingDetails | None = None,
    payment_method: str | None = None,
    po_number: str | None = None,
    auto_renew: bool | None = None,
) -> Renewal:
    """Edit a pending or future renewal until it locks (R-R8, R-R9, R-R16)."""
    renewal = await authorize(ctx, support_number, "edit", for_update=True)
    require_editable(ctx, renewal)
    before = renewal_payload(renewal)
    if customer_reference is not None:
        renewal.customer_reference = check_text(customer_reference, "customerReference", MAX_REFERENCE_CHARS)
    if billing is not None:
        b = check_billing(billing)
        renewal.billing_name, renewal.billing_email, renewal.billing_address = b.name, b.email, b.address
    if po_number is not None:
        renewal.po_number = check_text(po_number, "poNumber", MAX_PO_CHARS) or None
    if auto_renew is not None:
        renewal.auto_renew = auto_renew
        if auto_renew and payment_method is None and renewal.payment_method is None:
            renewal.payment_method = AUTO_RENEW_DEFAULT_METHOD  # R-R8
    if payment_method is not None:
        country = await tenant_country(ctx, renewal)
        renewal.payment_method = check_payment_method(payment_method, country)
        check_method_for_amount(
            renewal.payment_method,
            country,
            renewal.amount,
            renewal.currency,
            ctx.today(),
            rates=await rate_table(ctx.session),
        )
    if renewal.auto_renew and renewal.payment_method == "PO" and not renewal.po_number:
        raise BadUserInput(_("An AutoRenew renewal paid by PO needs a PO number"), field="poNumber")
    touch(ctx, renewal)
    await ctx.session.flush()
    await emit_changed(ctx, renewal, before)
    return renewal


async def update_quote_to(
    ctx: Context,
    support_number: str,
    *,
    email: str,
    first_name: str,
    last_name: str,
    address: str = "",
    phone: str = "",
) -> Renewal:
    """R-R15: new quote-to contact in the owner's domain (R-S3); ownership moves to them."""
    renewal = await authorize(ctx, support_number, "edit", for_update=True)
    require_editable(ctx, renewal)
    before = renewal_payload(renewal)
    new_email = normalise_email(email, "email")
    if ctx.tenant is None:
        raise BadUserInput(_("Choose a tenant first (X-Tenant header) for this operation"))
    ctx.authz.require_same_domain("quote_to", [new_email])
    renewal.quote_to_email = new_email
    renewal.quote_to_first_name = check_text(first_name, "firstName", MAX_NAME_CHARS, required=True)
    renewal.quote_to_last_name = check_text(last_name, "lastName", MAX_NAME_CHARS, required=True)
    renewal.quote_to_address = check_text(address, "address", MAX_ADDRESS_CHARS)
    renewal.quote_to_phone = check_text(phone, "phone", MAX_PHONE_CHARS)
    touch(ctx, renewal)
    ctx.send_email(
        new_email,
        _(
            "You are now the quote-to contact of support contract {support_number}",
            support_number=renewal.support_number,
        ),
        _(
            "{actor} made you the quote-to contact of support contract {support_number} ({customer}). Your "
            "username is your email address: {email}.",
            actor=ctx.principal.email,
            support_number=renewal.support_number,
            customer=renewal.customer,
            email=new_email,
        ),
        kind="renewal.quote_to_changed",
        tenant_id=renewal.tenant_id,
    )
    await ctx.session.flush()
    await emit_changed(ctx, renewal, before)
    return renewal
