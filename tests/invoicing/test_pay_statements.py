"""The SQL statements of paying an invoice by card (issue 21, docs/performance.md): 6 on PostgreSQL
and 2 of row-level security's scope (21 before the issue's work, 13 before its data-modifying
statements and kept webhook endpoints, 7 before the plugins' role checks joined the person
statement), the same for one invoice as for three (no statement per invoice); 11 on SQLite, which
has no data-modifying WITH."""

from __future__ import annotations

from typing import Any

from core.rls import row_security_on
from plugins.invoicing.gateway import get_gateway
from tests.invoicing.test_api import PAY, invoice, load, pay_input

# The caller with their plugin roles (1: core.caller asks the role checks of the person's last request
# in the person statement); the intent's transaction: the invoices locked, then one
# statement writing the intent and claiming the invoices (2); the settlement: the invoices locked
# again (the charge happened between the two transactions), then one statement writing the payment
# number, the payment, its applications, the invoices' balances with their claim released and the
# intent's outcome (2); the audit row, written in the settlement's transaction (1). The tenant's
# webhook endpoints are the server's list for the endpoint version the request began with
# (core/webhooks.py; read by the first payment here). The answer is built from the objects in hand.
STATEMENTS = 6
# SQLite has no data-modifying WITH: the intent and the claim (2), then the payment number, the
# payment, its applications, the invoices, the intent (5) are statements of their own (+5).
SQLITE_STATEMENTS = STATEMENTS + 5
# With row-level security on (core/rls.py), counted apart: the sign-in's scope, which the intent's
# transaction keeps (the request's own, carried on from the sign-in and committed with the intent
# before the charge: core.caller.commit_sign_in, intents._request_transaction), and the settlement's
# transaction's — per transaction, not per invoice: 6 + 2, half the 16.
SCOPE_STATEMENTS = 2


async def _pay(api: Any, key: str, *numbers: str) -> tuple[dict[str, Any], list[Any]]:
    body = {"query": PAY, "variables": pay_input(*numbers, idempotencyKey=key)}
    with api.count_statements() as st:
        resp = await api.client.post("/graphql", json=body, headers=api.headers("fin@acme.com"))
    data = resp.json()
    assert not data.get("errors"), data
    return data["data"]["payInvoices"], list(st)


async def test_pay_by_card_statements(two_tenants):
    api = two_tenants
    await load(api, *(invoice(f"A-{i}", "100.00") for i in range(1, 6)))
    await _pay(api, "k-0", "A-5")  # the caller's sign-in is recorded on their first request
    one, st_one = await _pay(api, "k-1", "A-1")
    assert [i["status"] for i in one["invoices"]] == ["CLOSED"]
    assert one["payment"]["status"] == "SUCCEEDED" and one["payment"]["amount"]["amount"] == "100.00"
    three, st_three = await _pay(api, "k-2", "A-4", "A-2", "A-3")
    assert [i["number"] for i in three["invoices"]] == ["A-4", "A-2", "A-3"]  # in the order cited
    assert {i["status"] for i in three["invoices"]} == {"CLOSED"} and three["payment"]["amount"]["amount"] == "300.00"
    scoped = SCOPE_STATEMENTS if row_security_on(api.state) else 0
    assert len(api.scope_statements(st_one)) == len(api.scope_statements(st_three)) == scoped
    expected = SQLITE_STATEMENTS if api.backend == "sqlite" else STATEMENTS
    assert len(st_one) == expected + scoped, st_one
    # SQLite: the ORM inserts the ledger rows one by one (it cannot tell which RETURNING row is whose).
    assert len(st_three) == expected + scoped + (2 if api.backend == "sqlite" else 0), st_three
    # The answer is what the database holds.
    rows = await api.sql(
        "select number, balance, intent_id from invoicing_invoices where number in ('A-1', 'A-2', 'A-3', 'A-4')"
    )
    assert all(float(balance) == 0 and intent is None for _n, balance, intent in rows), rows
    replay, _st = await _pay(api, "k-2", "A-4", "A-2", "A-3")  # same key: the first outcome, read again
    assert replay == three
    # Audited in the mutation's own transaction (core.audit.audit_in): one row per request.
    assert await api.sql("select outcome from audit_log where action = 'payInvoices'") == [("OK",)] * 4


async def test_no_connection_is_held_while_the_card_is_charged(two_tenants):
    """The intent is committed before the charge, in the request's own transaction when it has only
    read (core.db.only_read): while the gateway answers, the request holds no pooled connection —
    a slow gateway cannot drain the pool — and the charge's outcome is settled afterwards."""
    api = two_tenants
    await load(api, invoice("H-1", "40.00"), invoice("H-2", "60.00"))
    gateway = get_gateway(api.state)
    real, held = gateway.charge, []

    async def charge(*args, **kwargs):
        if api.backend != "sqlite":  # SQLite's single file: the pool is not where the wait would be
            held.append(api.state.engine.pool.checkedout())
        return await real(*args, **kwargs)

    gateway.charge = charge
    try:
        paid, _st = await _pay(api, "h-1", "H-1")
        assert paid["payment"]["status"] == "SUCCEEDED"
        await _pay(api, "h-2", "H-2")  # the caller signed in already: the sign-in wrote nothing
    finally:
        gateway.charge = real
    assert held in ([], [0, 0]), held
    rows = await api.sql("select number, balance from invoicing_invoices where number in ('H-1', 'H-2') order by 1")
    assert [(n, float(b)) for n, b in rows] == [("H-1", 0.0), ("H-2", 0.0)]


async def test_card_payment_numbers_past_six_digits(two_tenants):
    """The settlement numbers its payment in SQL on PostgreSQL (rules.next_number_cte), in Python on
    SQLite (rules.next_number): the same numbers either way, the tenant's first one and past six digits."""
    api = two_tenants
    await load(api, *(invoice(f"N-{i}", "10.00") for i in range(1, 5)))
    first, _st = await _pay(api, "n-1", "N-1")  # no PAY counter yet: the first payment makes it
    assert first["payment"]["number"] == "PAY-000001"
    await api.sql("update invoicing_counters set value = 999998 where name = 'PAY'")
    numbers = [(await _pay(api, f"n-{i}", f"N-{i}"))[0]["payment"]["number"] for i in (2, 3, 4)]
    assert numbers == ["PAY-999999", "PAY-1000000", "PAY-1000001"]
    rows = await api.sql("select value from invoicing_counters where name = 'PAY'")
    assert [v for (v,) in rows] == [1000001]
