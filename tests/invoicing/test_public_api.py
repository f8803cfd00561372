"""plugins/invoicing/api.py (used by rewards) and the renewal.accepted → invoice hook (R-I3, R-I21)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.errors import BadUserInput, NotFound
from plugins.invoicing import api as invoicing_api
from tests.invoicing.conftest import issue, renewal_payload, tenant_ctx


async def test_renewal_accepted_creates_taxed_support_invoice_once(two_tenants, smtp):
    api = two_tenants
    number = await issue(api, amount="1000.00")
    async with tenant_ctx(api, "fin@acme.com") as ctx:
        # same event again (e.g. redelivered): still one invoice (idempotent per order number)
        await ctx.emit("renewal.accepted", renewal_payload("ORD-1", "1000.00"))
        view = await invoicing_api.get_invoice(ctx.session, number, today=ctx.today())
    assert view is not None
    assert view.pre_tax_total == Decimal("1000.00")
    assert view.tax_total == Decimal("72.50")  # US rate 7.25 % (core's country table), separate (R-I21)
    assert view.total == Decimal("1072.50") and view.balance == view.total
    assert view.status == "OPEN" and view.recipient_email == "fin@acme.com"
    (line,) = view.lines
    assert (line.category, line.program, line.product_family, line.bundles_license) == (
        "SUPPORT_RENEWAL",
        "TECHNOLOGY",
        "DATABASE",
        False,
    )
    assert (line.pre_tax_amount, line.tax_amount) == (Decimal("1000.00"), Decimal("72.50"))
    rows = await api.sql("select count(*) from invoicing_invoices")
    assert rows[0][0] == 1
    await api.run_jobs("outbox.deliver")
    (mail,) = smtp.to("fin@acme.com")
    assert number in mail["Subject"] and "tech@acme.com" in mail["Cc"]  # R-I3 contacts copied


async def test_apply_payment_rewards_partial_then_full(two_tenants):
    api = two_tenants
    number = await issue(api, amount="1000.00")
    async with tenant_ctx(api, "fin@acme.com") as ctx:
        view = await invoicing_api.apply_payment(
            ctx.session,
            number,
            Decimal("400.00"),
            "USD",
            method="REWARDS",
            reference="RDM-1",
            actor_email="fin@acme.com",
            now=ctx.now(),
        )
        assert view.balance == Decimal("672.50") and view.paid_by_method == {"REWARDS": Decimal("400.00")}
        with pytest.raises(BadUserInput):
            await invoicing_api.apply_payment(
                ctx.session,
                number,
                Decimal("672.51"),
                "USD",
                method="REWARDS",
                reference="x",
                actor_email="a",
                now=ctx.now(),
            )
        with pytest.raises(BadUserInput):
            await invoicing_api.apply_payment(
                ctx.session,
                number,
                Decimal("1.00"),
                "EUR",
                method="REWARDS",
                reference="x",
                actor_email="a",
                now=ctx.now(),
            )
        with pytest.raises(NotFound):
            await invoicing_api.apply_payment(
                ctx.session,
                "NOPE",
                Decimal("1.00"),
                "USD",
                method="REWARDS",
                reference="x",
                actor_email="a",
                now=ctx.now(),
            )
        view = await invoicing_api.apply_payment(
            ctx.session,
            number,
            Decimal("672.50"),
            "USD",
            method="REWARDS",
            reference="RDM-2",
            actor_email="a",
            now=ctx.now(),
        )
        assert view.balance == 0 and view.status == "CLOSED"


async def test_other_tenant_cannot_see_or_pay_the_invoice(two_tenants):
    api = two_tenants
    number = await issue(api)
    async with tenant_ctx(api, "fin@globex.com") as ctx:
        assert await invoicing_api.get_invoice(ctx.session, number) is None
        with pytest.raises(NotFound):
            await invoicing_api.apply_payment(
                ctx.session,
                number,
                Decimal("1.00"),
                "USD",
                method="REWARDS",
                reference="x",
                actor_email="a",
                now=ctx.now(),
            )


async def test_bad_renewal_payload_vetoes(two_tenants):
    api = two_tenants
    with pytest.raises(BadUserInput):
        async with tenant_ctx(api, "fin@acme.com") as ctx:
            await ctx.emit(
                "renewal.accepted", renewal_payload("ORD-2", "10.00", lines=[{"product": "x", "amount": "9"}])
            )
    assert (await api.sql("select count(*) from invoicing_invoices"))[0][0] == 0


async def test_account_contacts_are_copied_and_country_sets_the_tax(two_tenants, smtp):
    """R-I3: the billing email of the order gets the invoice, the billing profile's account (dunning)
    contacts are copied; R-I21: a German order is taxed at the German rate, separately."""
    api = two_tenants
    upd = 'mutation { updateBillingProfile(accountContacts: ["dunning@acme.com"]) { accountContacts } }'
    await api.ok(upd, as_="fin@acme.com")
    number = await issue(api, order="ORD-DE", amount="2000.00", country="DE", currency="EUR")
    async with tenant_ctx(api, "fin@acme.com") as ctx:
        view = await invoicing_api.get_invoice(ctx.session, number, today=ctx.today())
    assert (view.currency, view.tax_total, view.total) == ("EUR", Decimal("380.00"), Decimal("2380.00"))
    await api.run_jobs("outbox.deliver")
    (mail,) = [m for m in smtp.to("fin@acme.com") if number in m["Subject"]]
    assert "dunning@acme.com" in mail["Cc"] and "tech@acme.com" in mail["Cc"]
