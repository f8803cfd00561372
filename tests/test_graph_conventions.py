"""The graph's conventions through HTTP (README: API conventions): partial results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLNonNull

from core.app import create_state
from core.auth import issue_token
from core.settings import Settings

DASHBOARD = "{ renewalDashboard { pendingCount } invoiceCounts { open } rewards { balance { amount } } }"


async def test_a_forbidden_root_field_leaves_the_rest_of_the_answer(two_tenants):
    """As a TECHNICAL contact the rewards are forbidden; the renewal dashboard and the invoice
    counts still answer (partial results, the GitHub/Shopify convention)."""
    api = two_tenants
    body = await api.gql(DASHBOARD, as_="tech@acme.com")
    assert body["_status"] == 200
    assert body["data"]["renewalDashboard"] == {"pendingCount": 0}
    assert body["data"]["invoiceCounts"] == {"open": 0}
    assert body["data"]["rewards"] is None
    [error] = body["errors"]
    assert error["path"] == ["rewards"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    # The FINANCE contact sees all three.
    data = await api.ok(DASHBOARD, as_="fin@acme.com")
    assert data["rewards"]["balance"]["amount"] is not None


async def test_a_switched_off_module_is_refused_at_validation_as_before(two_tenants):
    """A field of a module the tenant does not enable is not in its schema (R-T3): the document is
    invalid as a whole (MODULE_NOT_ENABLED), which no partial answer can hide."""
    api = two_tenants
    await api.ok(
        'mutation { setModuleEnabled(tenantKey: "acme", module: "rewards", enabled: false) { key } }',
        as_="ops@vendor.example",
        staff=("OPERATOR",),
    )
    body = await api.gql(DASHBOARD, as_="fin@acme.com")
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "MODULE_NOT_ENABLED", "module": "rewards"}


async def test_a_failed_mutation_rolls_back_the_others_and_says_so(two_tenants):
    """A request is one transaction: the mutation that ran before the refused one is not kept, and
    its field answers null with ROLLED_BACK rather than claiming the change."""
    api = two_tenants
    doc = """mutation { a: updateBillingProfile(billingEmail: "books@acme.com") { billingEmail }
      b: openInvoiceDispute(invoiceNumber: "nope", reason: "why") { __typename } }"""
    body = await api.gql(doc, as_="fin@acme.com")
    assert body["data"] == {"a": None, "b": None}
    codes = {tuple(e["path"]): e["extensions"]["code"] for e in body["errors"]}
    assert codes == {("b",): "NOT_FOUND", ("a",): "ROLLED_BACK"}
    profile = await api.ok("{ billingProfile { billingEmail } }", as_="fin@acme.com")
    assert profile["billingProfile"]["billingEmail"] != "books@acme.com"


@pytest.fixture(scope="module")
def full_schema(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The schema of core + every built-in plugin (graphql-core's), built once for this module."""
    path = tmp_path_factory.mktemp("schema") / "schema.db"
    state = create_state(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    return state.schemas.get(frozenset(state.plugins.names))._schema


def test_every_root_field_is_nullable_and_the_sdl_says_why(full_schema):
    for root in (full_schema.query_type, full_schema.mutation_type):
        non_null = [name for name, f in root.fields.items() if isinstance(f.type, GraphQLNonNull)]
        assert non_null == [], f"{root.name}: non-null root fields {non_null}"
        assert "Every root field is nullable" in (root.description or "")
    # A plugin's field grafted onto another module's type is nullable too (its own authorization).
    assert not isinstance(full_schema.type_map["Renewal"].fields["shares"].type, GraphQLNonNull)


CAN = "query($o: String!, $a: String!) { can(object: $o, action: $a) }"


async def test_can_refuses_unknown_objects_and_actions_listing_the_valid_ones(two_tenants):
    api = two_tenants
    err = await api.error(CAN, {"o": "renewals", "a": "view"}, as_="tech@acme.com")
    ext = err["extensions"]
    assert (ext["code"], ext["reason"], ext["field"]) == ("BAD_USER_INPUT", "UNKNOWN_OBJECT", "object")
    assert {"renewal", "invoice", "rewards", "user"} <= set(ext["valid"]) and "renewals" not in ext["valid"]
    assert "renewal" in err["message"]
    err = await api.error(CAN, {"o": "renewal", "a": "fly"}, as_="tech@acme.com")
    assert (err["extensions"]["reason"], err["extensions"]["field"]) == ("UNKNOWN_ACTION", "action")
    assert "accept" in err["extensions"]["valid"]
    assert (await api.ok(CAN, {"o": "renewal", "a": "accept"}, as_="tech@acme.com"))["can"] is True
    assert (await api.ok(CAN, {"o": "rewards", "a": "redeem"}, as_="tech@acme.com"))["can"] is False
    # explain (tenant admins) checks the names the same way.
    q = '{ explain(email: "tech@acme.com", object: "renewals", action: "view") { allowed } }'
    assert await api.code(q, as_="admin@acme.com") == "BAD_USER_INPUT"
    # A module the tenant switched off: its objects are known names, and not allowed.
    await api.ok(
        'mutation { setModuleEnabled(tenantKey: "acme", module: "rewards", enabled: false) { key } }',
        as_="ops@vendor.example",
        staff=("OPERATOR",),
    )
    assert (await api.ok(CAN, {"o": "rewards", "a": "redeem"}, as_="fin@acme.com"))["can"] is False


async def test_last_sign_in_is_the_one_before_this_session(two_tenants):
    """R-A4: the dashboard's "last sign-in" is the previous sign-in (this one at the first)."""
    api = two_tenants
    q = "{ viewer { lastSignInAt signedInAt previousSignInAt } }"

    async def viewer(seconds_ago: int) -> dict[str, Any]:
        token = issue_token(api.state.settings, "fin@acme.com", now=datetime.now(UTC) - timedelta(seconds=seconds_ago))
        resp = await api.client.post("/graphql", json={"query": q}, headers={"Authorization": f"Bearer {token}"})
        return resp.json()["data"]["viewer"]

    first = await viewer(60)
    assert first["previousSignInAt"] is None and first["lastSignInAt"] == first["signedInAt"] is not None
    api.clock.advance(hours=5)
    again = await viewer(0)  # a newer token: a new sign-in
    assert again["lastSignInAt"] == first["signedInAt"] == again["previousSignInAt"]
    assert again["signedInAt"] > first["signedInAt"]
