"""The demo tenant has invoices in every status, billed to the finance contact, and its schedules issue."""

from __future__ import annotations

from core.demo import DEMO_PEOPLE, seed_demo
from tests.invoicing.test_api import INVOICES
from tests.invoicing.test_billing import SUBS


async def test_demo_invoices_in_every_status(api):
    assert await seed_demo(api.state)
    fiona = DEMO_PEOPLE["FINANCE"]
    assert fiona == "fiona.finance@acme-demo.com"
    nodes = (await api.ok(INVOICES, {"first": 50}, as_=fiona))["invoices"]["nodes"]
    assert {n["status"] for n in nodes} == {"OVERDUE", "OPEN", "CLOSED"}
    assert {n["billingEmail"] for n in nodes} == {fiona}
    assert any(n["pendingAmount"]["amount"] != "0.00" for n in nodes)
    subs = (await api.ok(SUBS, as_=fiona))["subscriptions"]["nodes"]
    assert {s["number"] for s in subs} == {"SUB-1001", "SUB-1002"}
    issued = (await api.run_jobs("invoicing.issue_invoices"))["invoicing.issue_invoices"]
    assert issued >= 2
    assert (await api.run_jobs("invoicing.issue_invoices"))["invoicing.issue_invoices"] == 0
