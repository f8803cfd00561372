"""The shipped test harness (core.testing, the pytest11 plugin) gives a plugin author what the product's
own tests use: the app, a tenant with the plugins under test enabled, a token per role, the movable
clock, a real SMTP sink and ``emit`` (issue 23). Here with no plugin under test: the built-in ones."""

from __future__ import annotations

import pytest

from core.testing import NOW

pytestmark = pytest.mark.cc_plugins()  # nothing beyond the built-in plugins

VIEWER = "{ viewer { email roles tenant { key } enabledModules } }"


async def test_a_tenant_with_one_person_per_role_and_their_tokens(cc_app, cc_tenant, cc_tokens):
    assert set(cc_tokens) == {"FINANCE", "TECHNICAL", "EXECUTIVE", "ADMIN", "MEMBER"}
    for role, email in cc_tenant.people.items():
        resp = await cc_app.client.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {cc_tokens[role]}"}
        )
        viewer = resp.json()["data"]["viewer"]
        assert viewer["email"] == email and viewer["tenant"]["key"] == cc_tenant.key
        assert role == "MEMBER" or role in viewer["roles"]
        assert {"renewals", "invoicing", "rewards", "sharing"} <= set(viewer["enabledModules"])


async def test_emit_reaches_the_tenants_plugins_and_payloads_are_checked(cc_app, cc_tenant, cc_emit, cc_events):
    payload = {"support_number": "SN-1", "email": "plain@acme.com"}
    await cc_emit("renewal.unshared", payload)
    assert cc_events == [("renewal.unshared", payload)]
    from core.events import EventPayloadError

    with pytest.raises(EventPayloadError):
        await cc_emit("renewal.unshared", {"supportNumber": "SN-1", "email": "plain@acme.com"})


async def test_the_clock_moves_and_the_outbox_reaches_the_smtp_sink(cc_app, cc_tenant, cc_clock, cc_smtp):
    assert cc_clock.now() == NOW
    cc_clock.advance(days=3)
    assert cc_app.state.clock.today() == NOW.date().replace(day=26)
    await cc_app.load(
        {
            "renewals": [
                {
                    "tenant": "acme",
                    "supportNumber": "S-1",
                    "customer": "Acme",
                    "startDate": "2027-02-01",
                    "endDate": "2028-01-31",
                    "currency": "USD",
                    "amount": "100.00",
                    "quoteTo": {"email": cc_tenant.people["TECHNICAL"]},
                    "lines": [{"product": "DB", "productFamily": "DATABASE", "amount": "100.00"}],
                }
            ]
        }
    )
    q = 'mutation { shareRenewal(supportNumber: "S-1", emails: ["fin@acme.com"], role: VIEWER) { id } }'
    body = await cc_app.gql(q, as_=cc_tenant.people["TECHNICAL"])
    assert not body.get("errors"), body
    await cc_app.run_jobs("outbox.deliver")
    assert [m["Subject"] for m in cc_smtp.to("fin@acme.com")]
