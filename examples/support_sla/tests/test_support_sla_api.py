"""The support SLA plugin through the graph, with only the shipped test harness (core.testing): the
field grafted onto Renewal only where the plugin is enabled, the admin-only mutation (SLA-2), the
reaction to renewal.accepted (SLA-3), the import section, and the weekly reminder job (SLA-4)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from core.testing import NOW

pytestmark = pytest.mark.cc_plugins("support_sla")  # the plugin under test, by its entry-point name

SET = """mutation($sn: String!, $level: String!) {
  setSupportSla(supportNumber: $sn, level: $level) { supportNumber level responseHours setBy } }"""
RENEWAL = """query($sn: String!) { renewal(supportNumber: $sn) {
  supportNumber supportSla { level responseHours orderNumber activeFrom } } }"""
MISSING = "{ renewalsWithoutSla }"
IMPORT = "mutation($json: String!) { importData(json: $json) { sections } }"
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
RENEWAL_FIELDS = '{ __type(name: "Renewal") { fields { name } } }'


def renewal(sn: str, quote_to: str, days: int = 60, tenant: str = "acme") -> dict:
    start = NOW.date() + timedelta(days=days)
    return {
        "tenant": tenant,
        "supportNumber": sn,
        "customer": "Acme Corp",
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(days=364)).isoformat(),
        "currency": "USD",
        "amount": "5000.00",  # above the card-only threshold (R-R4): paid by invoice
        "quoteTo": {"email": quote_to},
        "lines": [{"product": "Database EE", "productFamily": "DATABASE", "amount": "5000.00"}],
    }


@pytest.fixture
async def app(cc_app, cc_tenant):
    """Tenant acme (support_sla enabled) with three pending renewals quoted to its admin (who can see
    them: R-S2), and globex without the plugin."""
    owner = cc_tenant.people["ADMIN"]
    other = {"key": "globex", "name": "Globex", "domains": ["globex.com"], "people": [{"email": "tech@globex.com"}]}
    await cc_app.load(
        {
            "tenants": [other],
            "renewals": [
                renewal("S-1", owner),
                renewal("S-2", owner),
                renewal("S-3", owner),
                renewal("G-1", "tech@globex.com", tenant="globex"),
            ],
        }
    )
    return cc_app


async def test_the_field_is_grafted_only_where_the_plugin_is_enabled(app, cc_tenant):
    fields = {f["name"] for f in (await app.ok(RENEWAL_FIELDS, as_=cc_tenant.people["ADMIN"]))["__type"]["fields"]}
    assert "supportSla" in fields
    other = {f["name"] for f in (await app.ok(RENEWAL_FIELDS, as_="tech@globex.com"))["__type"]["fields"]}
    assert "supportSla" not in other
    err = await app.error(MISSING, as_="tech@globex.com")
    assert err["extensions"] == {"code": "MODULE_NOT_ENABLED", "module": "support_sla"}


async def test_only_admins_set_an_sla_and_everyone_sees_it(app, cc_tenant, cc_events):
    admin, tech = cc_tenant.people["ADMIN"], cc_tenant.people["TECHNICAL"]
    data = await app.ok(SET, {"sn": " S-1 ", "level": "premium"}, as_=admin)
    assert data["setSupportSla"] == {"supportNumber": "S-1", "level": "PREMIUM", "responseHours": 4, "setBy": admin}
    assert (
        "support_sla.set",
        {"support_number": "S-1", "level": "PREMIUM", "response_hours": 4, "set_by": admin},
    ) in cc_events
    for role in ("TECHNICAL", "FINANCE", "EXECUTIVE", "MEMBER"):
        assert await app.code(SET, {"sn": "S-1", "level": "BASIC"}, as_=cc_tenant.people[role]) == "FORBIDDEN"
    sla = (await app.ok(RENEWAL, {"sn": "S-1"}, as_=admin))["renewal"]["supportSla"]
    assert sla == {"level": "PREMIUM", "responseHours": 4, "orderNumber": None, "activeFrom": None}
    assert (await app.ok(MISSING, as_=tech))["renewalsWithoutSla"] == 2


@pytest.mark.parametrize(("level", "code"), [("GOLD", "BAD_USER_INPUT"), ("", "BAD_USER_INPUT")])
async def test_bad_input_changes_nothing(app, cc_tenant, level, code):
    admin = cc_tenant.people["ADMIN"]
    assert await app.code(SET, {"sn": "S-1", "level": level}, as_=admin) == code
    assert await app.code(SET, {"sn": "X" * 65, "level": "BASIC"}, as_=admin) == "BAD_USER_INPUT"
    assert await app.code(SET, {"sn": "G-1", "level": "BASIC"}, as_=admin) == "NOT_FOUND"  # another tenant's
    assert await app.sql("select count(*) from support_sla_levels") == [(0,)]


async def test_an_accepted_renewal_activates_its_sla_once(app, cc_tenant, cc_emit, cc_clock):
    admin = cc_tenant.people["ADMIN"]
    await app.ok(SET, {"sn": "S-1", "level": "BASIC"}, as_=admin)
    accepted = {  # renewal.accepted as the renewals module emits it (docs/writing-a-plugin.md §5)
        "renewal_id": 1,
        "support_number": "S-1",
        "order_number": "RO-0000001",
        "currency": "USD",
        "amount": "1000.00",
        "payment_method": "INVOICE",
        "po_number": None,
        "billing_email": admin,
        "billing_name": "Acme Corp",
        "billing_address": "1 Main St",
        "quote_to_email": admin,
        "accepted_by": admin,
        "accepted_at": NOW.isoformat(),
        "country": "US",
        "lines": [{"product": "Database EE", "product_family": "DATABASE", "amount": "1000.00"}],
    }
    await cc_emit("renewal.accepted", accepted)
    cc_clock.advance(days=1)
    await cc_emit("renewal.accepted", {**accepted, "order_number": "RO-0000002"})  # a second delivery
    await cc_emit("renewal.accepted", {**accepted, "support_number": "S-2"})  # no SLA yet: the default
    rows = await app.sql("select support_number, level, order_number from support_sla_levels order by 1")
    assert [tuple(r) for r in rows] == [("S-1", "BASIC", "RO-0000001"), ("S-2", "STANDARD", "RO-0000001")]


async def test_a_real_checkout_activates_the_sla(app, cc_tenant):
    tech = cc_tenant.people["ADMIN"]  # the quote-to contact, a TECHNICAL contact too
    checkout = """mutation($input: CheckoutInput!) { checkout(input: $input) { orderNumber } }"""
    order = {
        "supportNumbers": ["S-3"],
        "paymentMethod": "INVOICE",
        "acceptTerms": True,
        "acceptTssa": True,
        "billing": {"name": "Acme", "email": tech, "address": "1 Main St"},
    }
    number = (await app.ok(checkout, {"input": order}, as_=tech))["checkout"]["orderNumber"]
    sla = (await app.ok(RENEWAL, {"sn": "S-3"}, as_=tech))["renewal"]["supportSla"]
    assert sla["level"] == "STANDARD" and sla["orderNumber"] == number and sla["activeFrom"]


async def test_the_import_section_upserts_and_names_faults(app, cc_tenant, cc_events):
    doc = {"supportSlas": [{"tenant": "acme", "supportNumber": "S-2", "level": "PREMIUM"}]}
    assert (await app.ok(IMPORT, {"json": json.dumps(doc)}, **OPERATOR))["importData"]["sections"] == {"supportSlas": 1}
    await app.ok(IMPORT, {"json": json.dumps(doc)}, **OPERATOR)  # idempotent
    assert [tuple(r) for r in await app.sql("select support_number, level from support_sla_levels")] == [
        ("S-2", "PREMIUM")
    ]
    assert [p for e, p in cc_events if e == "support_sla.imported"][0]["level"] == "PREMIUM"
    bad = {
        "supportSlas": [
            {"tenant": "nope", "supportNumber": "S-1", "level": "GOLD"},
            {"tenant": "acme", "level": "BASIC"},
        ]
    }
    err = await app.error(IMPORT, {"json": json.dumps(bad)}, **OPERATOR)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert set(err["extensions"]["errors"]) >= {
        "supportSlas[0].tenant: unknown tenant 'nope'",
        "supportSlas[0].level: level must be one of PREMIUM, STANDARD, BASIC",
        "supportSlas[1].supportNumber: required",
    }


async def test_the_weekly_reminder_goes_once_to_the_admins(app, cc_tenant, cc_clock, cc_smtp):
    admin = cc_tenant.people["ADMIN"]
    assert await app.run_jobs("support_sla.missing_reminder") == {"support_sla.missing_reminder": 1}
    assert await app.run_jobs("support_sla.missing_reminder") == {"support_sla.missing_reminder": 0}  # same week
    await app.run_jobs("outbox.deliver")
    (mail,) = [m for m in cc_smtp.to(admin) if "without a support SLA" in m["Subject"]]
    assert mail["Subject"] == "3 pending renewal(s) without a support SLA"
    for sn in ("S-1", "S-2", "S-3"):
        await app.ok(SET, {"sn": sn, "level": "BASIC"}, as_=admin)
    cc_clock.advance(days=7)
    assert await app.run_jobs("support_sla.missing_reminder") == {"support_sla.missing_reminder": 0}  # none missing
