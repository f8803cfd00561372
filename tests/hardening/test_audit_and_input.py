"""Audit log (every mutation: who, tenant, what, when, outcome with the error code; readable by
tenant admins and staff only) and hostile input on core mutations (typed errors, nothing changed)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import NOW
from tests.hardening.conftest import audit_rows, snapshot

INVITE = "mutation($input: InviteUserInput!) { inviteUser(input: $input) { id email } }"
AUDIT = "{ auditLog(first: 50) { totalCount edges { node { actor action outcome detail createdAt } } } }"
USERS = "query($n: Int, $after: String) { users(first: $n, after: $after) { edges { node { email } } } }"


async def test_every_mutation_is_audited_with_outcome(two_tenants):
    api = two_tenants
    await api.ok(INVITE, {"input": {"email": "ok@acme.com"}}, as_="admin@acme.com")
    await api.gql(INVITE, {"input": {"email": "bad"}}, as_="admin@acme.com")  # BAD_USER_INPUT
    await api.gql(INVITE, {"input": {"email": "f@acme.com"}}, as_="fin@acme.com")  # FORBIDDEN
    await api.gql(INVITE, {"input": {"email": "g@globex.com"}}, as_="admin@globex.com")
    await api.gql("{ viewer { email } }", as_="admin@acme.com")  # queries are not audited
    rows = await audit_rows(api)
    acme = (await api.sql("select id from tenants where key = 'acme'"))[0][0]
    summary = [(r[0], r[1], r[2], r[3]) for r in rows]
    assert summary[:3] == [
        (acme, "admin@acme.com", "inviteUser", "OK"),
        (acme, "admin@acme.com", "inviteUser", "ERROR:BAD_USER_INPUT"),
        (acme, "fin@acme.com", "inviteUser", "ERROR:FORBIDDEN"),
    ]
    assert len(rows) == 4 and rows[3][1] == "admin@globex.com" and rows[3][0] != acme
    detail = json.loads(rows[0][4])
    assert detail["variables"] == {"input": {"email": "ok@acme.com"}} and detail["codes"] == []
    assert json.loads(rows[1][4])["codes"] == ["BAD_USER_INPUT"]
    assert all(str(r[5]).startswith(str(NOW.date())) for r in rows)  # when: the injected clock


async def test_audit_log_readable_by_admins_and_staff_only(two_tenants):
    api = two_tenants
    await api.ok(INVITE, {"input": {"email": "ok@acme.com"}}, as_="admin@acme.com")
    await api.gql(INVITE, {"input": {"email": "x@globex.com"}}, as_="admin@globex.com")
    page = (await api.ok(AUDIT, as_="admin@acme.com"))["auditLog"]
    assert page["totalCount"] == 1  # never another tenant's entries
    node = page["edges"][0]["node"]
    assert (node["actor"], node["action"], node["outcome"]) == ("admin@acme.com", "inviteUser", "OK")
    for staff in (["OPERATOR"], ["BILLING_SUPPORT"]):
        staff_page = (await api.ok(AUDIT, as_="ops@vendor.example", staff=staff, tenant="acme"))["auditLog"]
        assert staff_page["totalCount"] == 1
    for email in ("fin@acme.com", "tech@acme.com", "exec@acme.com", "plain@acme.com"):
        assert await api.code(AUDIT, as_=email) == "FORBIDDEN", email
    assert await api.code(AUDIT, as_="rep@vendor.example", staff=["SALES_REP"], tenant="acme") == "FORBIDDEN"
    # the staff read of another tenant is itself not a mutation; a staff mutation is audited as staff
    await api.gql(
        'mutation { setModuleEnabled(tenantKey: "acme", module: "rewards", enabled: false) { key } }',
        as_="ops@vendor.example",
        staff=["OPERATOR"],
    )
    row = (await audit_rows(api))[-1]
    assert row[1] == "ops@vendor.example" and json.loads(row[4])["staff"] == ["OPERATOR"]


async def test_audit_detail_is_bounded(two_tenants):
    api = two_tenants
    await api.gql(INVITE, {"input": {"email": "a" * 5000 + "@acme.com"}}, as_="admin@acme.com")
    row = (await audit_rows(api))[-1]
    assert row[3] == "ERROR:BAD_USER_INPUT" and len(row[4]) <= 4000


# ------------------------------------------------------------------------------------- bad input
BAD_INVITES = [
    {"email": "x" * 300 + "@acme.com"},  # over-long email
    {"email": "not-an-email"},
    {"email": "a@@acme.com"},
    {"email": " @acme.com"},
    {"email": "spy@globex.com"},  # another tenant's domain (R-S3)
    {"email": "ok@acme.com", "firstName": "F" * 10_000},  # over-long name
    {"email": "ok@acme.com", "roles": ["KING"]},  # unknown enum value
    {"email": "ok@acme.com", "roles": "ADMIN"},  # coerced list: still valid? (checked below)
    {"email": None},
    {"email": 42},
    {"nope": 1},
]


@pytest.mark.parametrize("bad", BAD_INVITES, ids=[str(i) for i in range(len(BAD_INVITES))])
async def test_bad_invites_are_typed_and_change_nothing(two_tenants, bad):
    api = two_tenants
    before = await snapshot(api)
    body = await api.gql(INVITE, {"input": bad}, as_="admin@acme.com")
    if bad.get("roles") == "ADMIN":  # GraphQL coerces a single enum value to a list: allowed
        assert not body.get("errors") or body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        return
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
    assert "INTERNAL" not in json.dumps(body)
    assert await snapshot(api) == before


async def test_bad_ids_cursors_pages_and_variables(two_tenants):
    api = two_tenants
    before = await snapshot(api)
    change = "mutation($id: ID!) { changeUserRoles(id: $id, roles: [ADMIN]) { roles } }"
    for bad_id in ["", "garbage", "VXNlcjo=", "VGVuYW50OjE=", "VXNlcjotMQ==", "VXNlcjo5OTk5OTk5OTk5OTk5OTk5OTk5OQ=="]:
        assert await api.code(change, {"id": bad_id}, as_="admin@acme.com") in {"BAD_USER_INPUT", "NOT_FOUND"}
    for cursor in ["!!!", "e30", "W10", "WzEsMiwzXQ", "x" * 5000, '["a", 1]']:
        assert await api.code(USERS, {"n": 5, "after": cursor}, as_="admin@acme.com") == "BAD_USER_INPUT", cursor
    for n in [0, -1, 101]:
        assert await api.code(USERS, {"n": n}, as_="admin@acme.com") == "BAD_USER_INPUT"
    assert await api.code(USERS, {"n": "ten"}, as_="admin@acme.com") == "BAD_USER_INPUT"
    assert await api.code(USERS, {"n": 1.5}, as_="admin@acme.com") == "BAD_USER_INPUT"
    # non-object variables and malformed JSON bodies
    for raw in [
        b'{"query": "{ viewer { email } }", "variables": [1]}',
        b'{"query": "{ viewer { email } }", "variables": "x"}',
        b"{",
        b"\xff\xfe",
        b"null",
        b"[]",
    ]:
        resp = await api.client.post(
            "/graphql", content=raw, headers={**api.headers("admin@acme.com"), "content-type": "application/json"}
        )
        assert resp.status_code == 400, raw
        assert resp.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", raw
    # import JSON that is not JSON (staff operator)
    imp = "mutation($j: String!) { importData(json: $j) { tenants } }"
    for doc in ["{", "[]", '{"tenants": "x"}', '{"tenants": [{"key": 1}]}']:
        code = await api.code(imp, {"j": doc}, as_="ops@vendor.example", staff=["OPERATOR"])
        assert code == "BAD_USER_INPUT", doc
    assert await snapshot(api) == before


async def test_hand_made_cursors_of_the_wrong_types_are_bad_input(two_tenants):
    """A cursor is opaque but decodable: one rebuilt with values of other types than the sort key's
    columns (a date as a plain string, an id as text or a boolean) is BAD_USER_INPUT on every engine —
    PostgreSQL refused such a comparison and answered INTERNAL_SERVER_ERROR, on the compiled and
    the resolver path alike."""
    from core.pagination import encode_cursor

    api = two_tenants
    by_date = [["2026-01-01", 1], [{"d": "2026-01-01"}, "1"], [{"d": "2026-01-01"}, True], [True, 1], [1.5, 1.5]]
    lists = {  # (person, the list's query): cursors whose values do not fit its (sort key…, id)
        ("fin@acme.com", "{ invoices(first: 5, after: $a) { edges { node { number } } } }"): by_date,
        ("tech@acme.com", "{ renewals(first: 5, after: $a) { edges { node { supportNumber } } } }"): by_date,
        ("admin@acme.com", "{ users(first: 5, after: $a) { edges { node { email } } } }"): [
            [1, 1],
            ["a@acme.com", "1"],
            ["a@acme.com", True],
            [{"d": "2026-01-01"}, 1],
        ],
    }
    for (person, selection), hostile in lists.items():
        query = "query($a: String) " + selection
        for values in hostile:
            body = await api.gql(query, {"a": encode_cursor(values)}, as_=person)
            codes = [e["extensions"]["code"] for e in body.get("errors", [])]
            assert codes == ["BAD_USER_INPUT"], (person, values, body)
