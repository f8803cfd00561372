"""Jobs: the 120-day reminder (R-R2) and AutoRenew activation at 30 days (R-R10), each exactly once."""

from __future__ import annotations

from tests.renewals.helpers import load, renewal, status_of


async def test_reminder_at_120_days_once_with_username_and_links_r_r2(two_tenants, smtp):
    api = two_tenants
    await load(
        api,
        renewal("R-121", 121),
        renewal("R-120", 120, quote_to="exec@acme.com"),
        renewal("R-119", 119),
        renewal("R-H", 100, status="ACCEPTED"),
        renewal("G-120", 120, tenant="globex", quote_to="tech@globex.com"),
    )
    assert (await api.run_jobs("renewals.reminders")) == {"renewals.reminders": 3}
    rows = await api.sql(
        "select to_addr, subject, body from outbox_emails where kind = 'renewal.reminder' order by to_addr"
    )
    assert [r[0] for r in rows] == ["exec@acme.com", "tech@acme.com", "tech@globex.com"]
    body = next(r[2] for r in rows if r[0] == "exec@acme.com")
    assert "Your username: exec@acme.com" in body
    for link in ("Quick checkout:", "Manage renewals:", "Eligible promotions:"):
        assert link in body
    assert "R-120" in body
    # running again (the same day, or later) sends nothing more
    assert (await api.run_jobs("renewals.reminders")) == {"renewals.reminders": 0}
    api.clock.advance(days=1)  # R-121 enters the window
    assert (await api.run_jobs("renewals.reminders")) == {"renewals.reminders": 1}
    assert (await api.run_jobs("renewals.reminders")) == {"renewals.reminders": 0}
    rows = await api.sql("select count(*) from outbox_emails where kind = 'renewal.reminder'")
    assert rows[0][0] == 4
    await api.run_jobs("outbox.deliver")
    assert any("up for renewal" in m["Subject"] for m in smtp.to("exec@acme.com"))


async def test_auto_renew_activates_at_30_days_exactly_once_r_r10(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("AR-1", 31, autoRenew=True),
        renewal("AR-CARD", 31, autoRenew=True, paymentMethod="CARD"),
        renewal("MAN-1", 31),
    )
    assert (await api.run_jobs("renewals.autorenew")) == {"renewals.autorenew": 0}
    assert (await status_of(api, "AR-1"))[:2] == ("OPEN", False)
    api.clock.advance(days=1)  # 30 days before the start date
    assert (await api.run_jobs("renewals.autorenew")) == {"renewals.autorenew": 2}
    assert (await status_of(api, "AR-1"))[:2] == ("AUTO_RENEWED", True)
    assert (await status_of(api, "AR-1"))[6] == "INVOICE"  # R-R8 default
    assert (await status_of(api, "AR-CARD"))[6] == "CARD"
    assert (await status_of(api, "MAN-1"))[:2] == ("OPEN", False)  # manual renewals wait for checkout
    snapshot = await api.sql(
        "select (select count(*) from renewal_orders), (select count(*) from invoicing_invoices), "
        "(select count(*) from messages), (select count(*) from outbox_emails)"
    )
    assert snapshot[0][0] == 2 and snapshot[0][1] == 2  # the invoicing plugin got renewal.accepted
    assert (await api.run_jobs("renewals.autorenew")) == {"renewals.autorenew": 0}
    api.clock.advance(days=5)
    assert (await api.run_jobs("renewals.autorenew")) == {"renewals.autorenew": 0}
    assert (
        await api.sql(
            "select (select count(*) from renewal_orders), (select count(*) from invoicing_invoices), "
            "(select count(*) from messages), (select count(*) from outbox_emails)"
        )
    ) == snapshot
    q = '{ renewal(supportNumber: "AR-1") { list status locked acceptedBy order { orderNumber kind paymentMethod } } }'
    d = (await api.ok(q, as_="tech@acme.com"))["renewal"]
    assert d["list"] == "HISTORY" and d["status"] == "AUTO_RENEWED" and d["locked"] is True
    assert d["order"]["kind"] == "AUTO_RENEW" and d["order"]["paymentMethod"] == "INVOICE"
    msgs = (await api.ok("{ viewer { messages { nodes { kind } } } }", as_="tech@acme.com"))["viewer"]["messages"][
        "nodes"
    ]
    assert [m["kind"] for m in msgs] == ["renewal.accepted", "renewal.accepted"]
