"""The graph's conventions through HTTP (README: API conventions): partial results."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLNonNull

from core.app import create_state
from core.auth import issue_token
from core.ids import parse_global_id
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
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


# ------------------------------------------------------------------------------------ node(id:)
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


async def test_node_answers_core_types_as_their_typed_fields(two_tenants):
    api = two_tenants
    users = await api.ok("{ users(first: 10) { nodes { id email } } }", as_="admin@acme.com")
    fay = next(u for u in users["users"]["nodes"] if u["email"] == "fin@acme.com")
    q = "query($id: ID!) { node(id: $id) { id ... on User { email } } }"
    assert (await api.ok(q, {"id": fay["id"]}, as_="tech@acme.com"))["node"] == fay
    # Another tenant's person is NOT_FOUND, as a foreign id is everywhere (R-T1).
    body = await api.gql(q, {"id": fay["id"]}, as_="admin@globex.com")
    assert body["data"] == {"node": None}
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND" and body["errors"][0]["path"] == ["node"]
    assert "acme" not in str(body)
    tenant = (await api.ok("{ viewer { tenant { id } } }", as_="fin@acme.com"))["viewer"]["tenant"]["id"]
    assert (await api.ok(NODE, {"id": tenant}, as_="tech@acme.com"))["node"]["__typename"] == "Tenant"
    assert await api.code(NODE, {"id": tenant}, as_="tech@globex.com") == "NOT_FOUND"
    # An operator's work queue covers every tenant.
    node = (await api.ok(NODE, {"id": tenant}, as_="ops@vendor.example", staff=("OPERATOR",)))["node"]
    assert node == {"__typename": "Tenant", "id": tenant}


async def test_nodes_answers_each_id_on_its_own(two_tenants):
    api = two_tenants
    mine = (await api.ok("{ viewer { tenant { id } } }", as_="fin@acme.com"))["viewer"]["tenant"]["id"]
    theirs = (await api.ok("{ viewer { tenant { id } } }", as_="fin@globex.com"))["viewer"]["tenant"]["id"]
    body = await api.gql(NODES, {"ids": [mine, theirs, "garbage", mine]}, as_="fin@acme.com")
    assert body["data"]["nodes"] == [
        {"__typename": "Tenant", "id": mine},
        None,
        None,
        {"__typename": "Tenant", "id": mine},
    ]
    codes = {tuple(e["path"]): e["extensions"]["code"] for e in body["errors"]}
    assert codes == {("nodes", 1): "NOT_FOUND", ("nodes", 2): "BAD_USER_INPUT"}
    assert await api.code(NODES, {"ids": [mine] * 101}, as_="fin@acme.com") == "BAD_USER_INPUT"


async def _answer(api: Any, query: str, variables: dict[str, Any], email: str) -> tuple[Any, str | None]:
    body = await api.gql(query, variables, as_=email)
    data = next(iter((body.get("data") or {}).values()), None)
    code = body["errors"][0]["extensions"]["code"] if body.get("errors") else None
    return data, code


async def test_node_shows_a_renewal_exactly_as_the_typed_field(api):
    """The IDOR route: across tenants and roles, ``node`` answers what ``renewal(supportNumber:)`` answers."""
    from tests.renewals.helpers import load, renewal

    await load(
        api,
        renewal("RN-1", 30),
        renewal("RN-2", 30, quote_to="admin@acme.com"),
        renewal("GX-1", 30, tenant="globex", quote_to="tech@globex.com"),
    )
    ids = {}
    for sn, email in (("RN-1", "tech@acme.com"), ("RN-2", "admin@acme.com"), ("GX-1", "tech@globex.com")):
        q = "query($sn: String!) { renewal(supportNumber: $sn) { id } }"
        ids[sn] = (await api.ok(q, {"sn": sn}, as_=email))["renewal"]["id"]
    typed = "query($sn: String!) { renewal(supportNumber: $sn) { id supportNumber status } }"
    by_id = "query($id: ID!) { node(id: $id) { ... on Renewal { id supportNumber status } } }"
    people = ["tech@acme.com", "fin@acme.com", "exec@acme.com", "admin@acme.com", "plain@acme.com", "tech@globex.com"]
    answers = set()
    for email in people:
        for sn, global_id in ids.items():
            expected = await _answer(api, typed, {"sn": sn}, email)
            got = await _answer(api, by_id, {"id": global_id}, email)
            assert got == expected, (email, sn)
            answers.add(expected[1])
    assert {None, "NOT_FOUND"} <= answers  # both seen and refused cases were exercised
    body = await api.gql(NODES, {"ids": [ids["RN-1"], ids["GX-1"], ids["RN-2"]]}, as_="tech@acme.com")
    assert [n and n["__typename"] for n in body["data"]["nodes"]] == ["Renewal", None, None]
    assert sorted(tuple(e["path"]) for e in body["errors"]) == [("nodes", 1), ("nodes", 2)]


# Every typed read path that lists objects with ids: (name, query, where the ids are in the answer).
LISTINGS = {
    "invoices": "{ invoices(first: 100) { nodes { id lines { id } } } }",
    "payments": "{ invoicePayments(first: 100) { nodes { id } } }",
    "refunds": "{ invoiceRefunds(first: 100) { nodes { id } } }",
    "credits": "{ invoiceCredits(first: 100) { nodes { id } } }",
    "disputes": "{ invoiceDisputes(first: 100) { nodes { id } } }",
    "subscriptions": "{ subscriptions(first: 100) { nodes { id } } }",
    "profile": "{ billingProfile { cards { id } openCredits { id } poChangeRequests { id } } }",
    "lots": "{ rewards { lots(first: 100, includeExpired: true) { nodes { id } } } }",
    "activity": "{ rewards { activity(first: 100) { nodes { id } } } }",
    "pending": "{ renewals(list: PENDING, first: 100) { nodes { id requests { id } } } }",
    "history": "{ renewals(list: HISTORY, first: 100) { nodes { id requests { id } } } }",
    "future": "{ renewals(list: FUTURE, first: 100) { nodes { id requests { id } } } }",
    "dashboard": "{ renewalDashboard { orders { id } activeCart { id } } savedCarts(first: 100) { nodes { id } } }",
    "shareLists": "{ shareLists(first: 100) { nodes { id } } }",
    "dashboardShares": "{ billingDashboardShares(first: 100) { nodes { id } } }",
    "users": "{ users(first: 100, includeRemoved: true) { nodes { id } } }",
    "audit": "{ auditLog(first: 100) { nodes { id } } }",
    "tenant": "{ viewer { tenant { id } } }",
}


def _ids(value: Any) -> set[str]:
    if isinstance(value, dict):
        own = {value["id"]} if "id" in value else set()
        return own.union(*map(_ids, value.values()))
    if isinstance(value, list):
        return set().union(*map(_ids, value)) if value else set()
    return set()


async def test_nodes_answer_every_type_as_its_typed_fields_across_roles_and_tenants(api):
    """For each person, every id the demo tenant's people can reach: ``nodes`` shows exactly the
    objects that person's typed fields show, refuses with the typed field's code where it refuses,
    and is NOT_FOUND where the typed field simply does not list it (another tenant's person too)."""
    from core.demo import DEMO_PEOPLE, seed_demo
    from tests.conftest import GLOBEX

    assert await seed_demo(api.state)
    await api.load({"tenants": [GLOBEX]})
    people = [*DEMO_PEOPLE.values(), "fin@globex.com", "admin@globex.com"]
    seen: dict[str, set[str]] = {}
    refused: dict[str, dict[str, str]] = {}
    for email in people:
        seen[email], refused[email] = set(), {}
        for name, query in LISTINGS.items():
            body = await api.gql(query, as_=email)
            seen[email] |= _ids(body.get("data"))
            for err in body.get("errors", []):
                refused[email][name] = err["extensions"]["code"]
    everything = sorted(set().union(*seen.values()))
    types = {parse_global_id(i)[0] for i in everything}
    assert {"Invoice", "InvoiceLine", "Payment", "Subscription", "RewardLot", "Renewal", "User", "Tenant"} <= types
    for email in people:
        body = await api.gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": everything}, as_=email)
        errors = {e["path"][1]: e["extensions"]["code"] for e in body.get("errors", [])}
        for index, global_id in enumerate(everything):
            node = body["data"]["nodes"][index]
            if global_id in seen[email]:
                assert node == {"id": global_id}, (email, global_id, errors.get(index))
            else:
                assert node is None and errors[index] in {"NOT_FOUND", *refused[email].values()}, (email, global_id)
    # A typed refusal is the node's refusal: TECHNICAL may not view rewards, nor their lots.
    tech = DEMO_PEOPLE["TECHNICAL"]
    assert refused[tech]["lots"] == "FORBIDDEN"
    lot = next(i for i in everything if parse_global_id(i)[0] == "RewardLot")
    assert await api.code(NODE, {"id": lot}, as_=tech) == "FORBIDDEN"
    # Another tenant's FINANCE contact may view rewards, but not this tenant's: NOT_FOUND.
    assert await api.code(NODE, {"id": lot}, as_="fin@globex.com") == "NOT_FOUND"


# ------------------------------------------------------------------------------------ enums
# Open sets, named by the module that sends the message or email (``renewal.reminder``…): not enums
# (a GraphQL enum value cannot hold the dot, and any installed module adds its own). A plugin
# failure's source is the entry point's name.
OPEN_KINDS = {("MessageCenterEntry", "kind"), ("OutboxItem", "kind"), ("PluginFailure", "source")}


def test_every_status_kind_and_source_is_an_enum(full_schema):
    from graphql import get_named_type, is_enum_type, is_input_object_type, is_object_type

    strings = []
    for type_ in full_schema.type_map.values():
        if type_.name.startswith("__") or not (is_object_type(type_) or is_input_object_type(type_)):
            continue
        for name, f in type_.fields.items():
            places = [(name, f.type)] + [(a, arg.type) for a, arg in getattr(f, "args", {}).items()]
            for place, t in places:
                if (
                    place.lower().endswith(("status", "kind", "state", "source"))
                    and (type_.name, place) not in OPEN_KINDS
                ):
                    if not is_enum_type(get_named_type(t)):
                        strings.append(f"{type_.name}.{name}({place})")
    assert strings == []


async def test_dispute_statuses_filter_as_an_enum(two_tenants):
    api = two_tenants
    assert (await api.ok("{ invoiceDisputes(status: OPEN) { nodes { status } } }", as_="fin@acme.com"))[
        "invoiceDisputes"
    ]["nodes"] == []
    assert await api.code('{ invoiceDisputes(status: "OPEN") { nodes { status } } }', as_="fin@acme.com") in {
        "GRAPHQL_VALIDATION_FAILED",
        "BAD_USER_INPUT",
    }


# ------------------------------------------------------------------------------ bidirectional pages
PAGE = """query($first: Int, $after: String, $last: Int, $before: String) {
  users(first: $first, after: $after, last: $last, before: $before) {
    nodes { email } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def test_every_connection_pages_backward_too(two_tenants):
    api = two_tenants

    async def page(**args: Any) -> tuple[list[str], dict[str, Any]]:
        users = (await api.ok(PAGE, args, as_="admin@acme.com"))["users"]
        return [n["email"] for n in users["nodes"]], users["pageInfo"]

    everyone, _ = await page(first=100)
    assert len(everyone) == 5
    tail, info = await page(last=2)
    assert tail == everyone[-2:] and info["hasPreviousPage"] and not info["hasNextPage"]
    middle, info = await page(last=2, before=info["startCursor"])
    assert middle == everyone[-4:-2] and info["hasPreviousPage"] and info["hasNextPage"]
    head, info = await page(last=2, before=info["startCursor"])
    assert head == everyone[:1] and not info["hasPreviousPage"] and info["hasNextPage"]
    # Forward again from the backward page's end: the pages meet exactly.
    rest, info = await page(first=100, after=info["endCursor"])
    assert head + rest == everyone and info["hasPreviousPage"] and not info["hasNextPage"]
    for bad in ({"last": 0}, {"last": 101}, {"first": 2, "last": 2}, {"before": "garbage"}):
        err = await api.error(PAGE, bad, as_="admin@acme.com")
        assert err["extensions"]["code"] == "BAD_USER_INPUT", bad


async def test_backward_pages_follow_a_sort_of_mixed_directions(api):
    from tests.renewals.helpers import load, renewal

    await load(api, *(renewal(f"RN-{i}", 10 + i % 3, amount=f"{1000 + i}.00") for i in range(7)))
    q = """query($last: Int, $before: String) { renewals(list: PENDING, sort: {field: START_DATE, direction: DESC},
      first: null, last: $last, before: $before) { nodes { supportNumber } pageInfo { startCursor } } }"""
    every = await api.ok(
        "{ renewals(list: PENDING, sort: {field: START_DATE, direction: DESC}, first: 100) "
        "{ nodes { supportNumber } } }",
        as_="tech@acme.com",
    )
    order = [n["supportNumber"] for n in every["renewals"]["nodes"]]
    got: list[str] = []
    before = None
    while True:
        page = (await api.ok(q, {"last": 3, "before": before}, as_="tech@acme.com"))["renewals"]
        got = [n["supportNumber"] for n in page["nodes"]] + got
        before = page["pageInfo"]["startCursor"]
        if len(page["nodes"]) < 3:
            break
    assert got == order and len(order) == 7


# ------------------------------------------------------------------------- lists that grow: connections
GROWING = {
    "invoiceDisputes": ("fin@acme.com", "nodes { number status invoiceNumber }"),
    "invoiceCredits": ("fin@acme.com", "nodes { number source remaining { amount } }"),
    "savedCarts": ("tech@acme.com", "nodes { id name status }"),
    "shareLists": ("tech@acme.com", "nodes { id name emails }"),
}


async def _grow(api: Any, n: int) -> None:
    """``n`` disputes, credits, saved carts and share lists in acme."""
    from decimal import Decimal

    from core.models import Tenant
    from plugins.invoicing.models import Credit, Dispute, Invoice
    from plugins.renewals.models import RenewalCart
    from plugins.sharing.models import ShareList, ShareListMember
    from tests.invoicing.test_api import invoice, load

    await load(api, invoice("GROW-1", "100.00"))
    now = api.clock.now()
    async with api.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        from sqlalchemy import select

        tenant = (await session.execute(select(Tenant).where(Tenant.key == "acme"))).scalar_one()
        session.info["tenant_id"] = tenant.id
        inv = (await session.execute(select(Invoice).where(Invoice.number == "GROW-1"))).scalar_one()
        for i in range(n):
            common = {"tenant_id": tenant.id}
            session.add(Dispute(number=f"D-{i:03}", invoice_id=inv.id, status="REJECTED", reason="r",
                                opened_by="fin@acme.com", opened_at=now, **common))  # fmt: skip
            session.add(Credit(number=f"C-{i:03}", source="OVERPAYMENT", currency="USD", amount=Decimal(1),
                               remaining=Decimal(1), method="WIRE", created_at=now, **common))  # fmt: skip
            session.add(RenewalCart(owner_email="tech@acme.com", name=f"cart {i:03}", status="SAVED",
                                    created_at=now, updated_at=now, **common))  # fmt: skip
            share_list = ShareList(owner_email="tech@acme.com", name=f"list {i:03}", created_at=now, updated_at=now,
                                   **common)  # fmt: skip
            share_list.members = [ShareListMember(email="exec@acme.com", **common)]
            session.add(share_list)


async def test_growing_lists_are_connections_with_a_constant_statement_count(two_tenants):
    api = two_tenants
    await _grow(api, 105)
    for field, (email, selection) in GROWING.items():
        counts, sizes = [], []
        await api.ok("{ viewer { email } }", as_=email)  # signed in before counting (R-A4 writes once)
        for size in (10, 100):
            query = f"{{ {field}(first: {size}) {{ totalCount pageInfo {{ hasNextPage endCursor }} {selection} }} }}"
            with api.count_statements() as statements:
                page = (await api.ok(query, as_=email))[field]
            counts.append(len(statements))
            sizes.append(len(page["nodes"]))
            assert page["totalCount"] == 105 and page["pageInfo"]["hasNextPage"], field
        assert sizes == [10, 100], field
        assert counts[0] == counts[1], (field, counts)  # no statement per row
        rest = f"query($a: String) {{ {field}(first: 100, after: $a) {{ {selection} }} }}"
        after = (await api.ok(f"{{ {field}(first: 100) {{ pageInfo {{ endCursor }} }} }}", as_=email))[field]
        tail = (await api.ok(rest, {"a": after["pageInfo"]["endCursor"]}, as_=email))[field]["nodes"]
        assert len(tail) == 5, field


# ------------------------------------------------------------------------------------ descriptions
def _undescribed(gql: Any) -> list[str]:
    """Every public type, field, argument and enum value without a plain-language description (one
    that says something besides rule ids)."""
    import re

    from graphql import is_enum_type, is_scalar_type, specified_scalar_types

    def plain(text: str | None) -> bool:
        words = re.sub(r"\(?R-[A-Z]+\d+[^\s,;)]*\)?|§\d+|SPEC", " ", text or "")
        return len(re.findall(r"[A-Za-z]{2,}", words)) >= 2

    missing = []
    for type_ in gql.type_map.values():
        if type_.name.startswith("__") or type_.name in specified_scalar_types:
            continue
        if not plain(type_.description):
            missing.append(type_.name)
        if is_enum_type(type_):
            missing += [f"{type_.name}.{v}" for v, value in type_.values.items() if not plain(value.description)]
        elif not is_scalar_type(type_):
            for name, f in type_.fields.items():
                if not plain(f.description):
                    missing.append(f"{type_.name}.{name}")
                for arg_name, arg in getattr(f, "args", {}).items():
                    if not plain(arg.description):
                        missing.append(f"{type_.name}.{name}({arg_name})")
    return missing


def test_every_type_field_argument_and_value_is_described(full_schema):
    """Core and the built-in plugins: a portal developer reads the schema's docs, not the code."""
    assert _undescribed(full_schema) == []


async def test_node_answers_webhook_endpoints_and_queue_items_as_their_typed_fields(two_tenants):
    api = two_tenants
    created = await api.ok(
        """mutation($input: WebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }""",
        {"input": {"url": "https://hooks.acme.com/cc", "events": ["SHARE_ADDED"]}},
        as_="admin@acme.com",
    )
    endpoint = created["createWebhookEndpoint"]["endpoint"]["id"]
    typed = "query($id: ID!) { webhookEndpoint(id: $id) { id } }"
    for email in ("admin@acme.com", "fin@acme.com", "admin@globex.com"):
        expected = await _answer(api, typed, {"id": endpoint}, email)
        got = await _answer(api, "query($id: ID!) { node(id: $id) { id } }", {"id": endpoint}, email)
        assert got == expected, email
    assert (await _answer(api, NODE, {"id": endpoint}, "admin@globex.com"))[1] == "NOT_FOUND"
    # Job runs: operators' queue; a customer's node of one is refused as the queue refuses them.
    operator = {"as_": "ops@vendor.example", "staff": ("OPERATOR",)}
    await api.run_jobs()
    runs = (await api.ok("{ workQueues { jobRuns(first: 5) { nodes { id } } } }", **operator))["workQueues"]
    assert runs["jobRuns"]["nodes"], "the jobs did some work"
    for run in runs["jobRuns"]["nodes"]:
        assert (await api.ok(NODE, {"id": run["id"]}, **operator))["node"]["id"] == run["id"]
        assert await api.code(NODE, {"id": run["id"]}, as_="admin@acme.com") == "FORBIDDEN"


async def test_nodes_cost_the_same_statements_for_10_and_100_ids(two_tenants):
    """One loader call per type asked for: nodes(ids:) of 100 credits costs what 10 cost."""
    api = two_tenants
    await _grow(api, 105)
    ids = [
        n["id"]
        for n in (await api.ok("{ invoiceCredits(first: 100) { nodes { id } } }", as_="fin@acme.com"))[
            "invoiceCredits"
        ]["nodes"]
    ]
    counts = []
    for size in (10, 100):
        with api.count_statements() as statements:
            nodes = (
                await api.ok("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids[:size]}, as_="fin@acme.com")
            )["nodes"]
        assert [n["id"] for n in nodes] == ids[:size]
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
