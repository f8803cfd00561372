"""The SQL statements of paying an invoice by card (issue 21, docs/performance.md): no more than today."""

from __future__ import annotations

from tests.invoicing.test_api import PAY, invoice, load, pay_input


async def test_pay_by_card_statements(two_tenants):
    api = two_tenants
    await load(api, invoice("A-1", "100.00"), invoice("A-2", "100.00"))
    headers = api.headers("fin@acme.com")
    body = {"query": PAY, "variables": pay_input("A-1")}
    resp = await api.client.post("/graphql", json=body, headers={**headers, "Idempotency-Key": "k-1"})
    assert not resp.json().get("errors"), resp.json()
    body = {"query": PAY, "variables": pay_input("A-2")}
    with api.count_statements() as st:
        resp = await api.client.post("/graphql", json=body, headers={**headers, "Idempotency-Key": "k-2"})
    data = resp.json()
    assert not data.get("errors"), data
    assert data["data"]["payInvoices"]["invoices"][0]["status"] == "CLOSED"
    # A guard, not the goal: issue 21 asks for half of the 16 statements it counted; with the intent
    # phases, webhooks and the audit row it was 21, 20 with the counter in one UPDATE (docs/performance.md).
    assert len(st) <= 20, len(st)
