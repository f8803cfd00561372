"""Query limits (OWASP GraphQL floor, docs/security.md): depth, aliases, tokens, static cost, rate
limiting by cost, introspection and GraphiQL switches. Every refusal happens before any resolver
runs — proven with mutations that would otherwise have changed the database."""

from __future__ import annotations

import asyncio

import pytest
from graphql import build_schema, get_introspection_query, parse

from core.errors import RateLimited
from core.limits import RateLimiter, cached_query_cost, is_shared_storage, query_cost, retry_after, storage_uri
from core.settings import Settings
from tests.hardening.conftest import snapshot
from tests.pg import free_port

VIEWER = "{ viewer { email } }"
USERS = "query($n: Int) { users(first: $n) { edges { node { id email } } } }"
INVITE = 'mutation { inviteUser(input: {email: "new@acme.com"}) { id email } }'


def cost_of(api, query: str, variables: dict | None = None) -> int:
    schema = api.state.schemas.get(frozenset(api.state.plugins.names))._schema
    return query_cost(schema, parse(query), None, variables)


# ------------------------------------------------------------------------------------------ cost
SDL = """
type Query { orgs(first: Int): OrgConnection!  org(id: ID!): Org  tags: [String!]!  flat(first: Int = 7): [Org!]! }
type OrgConnection { edges: [OrgEdge!]! totalCount: Int! }
type OrgEdge { node: Org! cursor: String! }
type Org { id: ID! name: String! people(first: Int): PersonConnection! }
type PersonConnection { nodes: [Person!]! }
type Person { email: String! }
"""


@pytest.mark.parametrize(
    ("query", "variables", "expected"),
    [
        ("{ tags }", None, 1),  # a list of scalars costs its field
        ("{ org(id: 1) { id name } }", None, 3),
        ("{ orgs(first: 10) { totalCount } }", None, 1 + 10 * 1),
        ("{ orgs { totalCount } }", None, 1 + 20 * 1),  # connection without first: the default page
        ("{ flat { id } }", None, 1 + 7 * 1),  # list with a default first
        ("query($n: Int) { orgs(first: $n) { totalCount } }", {"n": 50}, 1 + 50),
        # nested lists multiply: orgs(10) × people(5) × 1 field
        (
            "{ orgs(first: 10) { edges { node { people(first: 5) { nodes { email } } } } } }",
            None,
            1 + 10 * (1 + (1 + (1 + 5 * (1 + 1)))),
        ),
        ("{ ...F } fragment F on Query { orgs(first: 3) { totalCount } }", None, 1 + 3),
        ("{ ... on Query { orgs(first: 3) { totalCount } } }", None, 1 + 3),
        ("{ ...A } fragment A on Query { ...B tags } fragment B on Query { ...A }", None, 1),  # a cycle ends
        ("{ nope { deeper } }", None, 1),  # unknown fields cost 1 and fail validation later
        ("{ orgs(first: -5) { totalCount } }", None, 2),
    ],
)
def test_cost_rules(query, variables, expected):
    assert query_cost(build_schema(SDL), parse(query), None, variables) == expected


def test_cost_takes_the_selected_operation_or_the_most_expensive():
    doc = parse("query A { tags } query B { orgs(first: 30) { totalCount } }")
    schema = build_schema(SDL)
    assert query_cost(schema, doc, "A") == 1
    assert query_cost(schema, doc, "B") == 31
    assert query_cost(schema, doc, None) == 31  # ambiguous: priced at the worst


def test_remembered_cost_is_the_cost_for_each_document_operation_and_variables():
    """The remembered price (core.limits.cached_query_cost) is per document, operation and
    variables: the same text with other variables, another operation or another schema is priced
    anew; variables too large to keep as a key are priced every time."""
    schema, other = build_schema(SDL), build_schema(SDL.replace("orgs(first: Int)", "orgs(first: Int = 50)"))
    text = "query A($n: Int) { orgs(first: $n) { totalCount } } query B { tags }"
    doc = parse(text)
    for variables, operation in (({"n": 3}, "A"), ({"n": 40}, "A"), ({"n": 3}, "A"), (None, "B"), (None, "A")):
        expected = query_cost(schema, doc, operation, variables)
        assert cached_query_cost(schema, text, doc, operation, variables) == expected
        assert cached_query_cost(other, text, doc, operation, variables) == query_cost(other, doc, operation, variables)
    huge = {"n": 7, "pad": "x" * 5000}
    assert cached_query_cost(schema, text, doc, "A", huge) == query_cost(schema, doc, "A", huge) == 1 + 7


async def test_cost_is_reported_on_every_response(app_with):
    api = await app_with()
    body = await api.gql(USERS, {"n": 50}, as_="admin@acme.com")
    cost = body["extensions"]["cost"]
    assert cost["requested"] == 1 + 50 * (1 + 1 + 2) == cost_of(api, USERS, {"n": 50})
    assert cost["limit"] == 50_000
    assert cost["throttle"] == {"maximumAvailable": 200_000, "remaining": 200_000 - 201, "restoreRate": 3333.333}
    # errors, mutations, unauthenticated, malformed requests: still reported
    for body in [
        await api.gql("{ nope }", as_="admin@acme.com"),
        await api.gql(INVITE, as_="fin@acme.com"),
        await api.gql(VIEWER, as_=None),
        await api.gql("{ viewer { ", as_="admin@acme.com"),
    ]:
        assert body["errors"]
        assert set(body["extensions"]["cost"]) == {"requested", "limit", "throttle"}, body
    resp = await api.client.post("/graphql", content=b"{not json", headers=api.headers("admin@acme.com"))
    assert resp.status_code == 400 and resp.json()["extensions"]["cost"]["requested"] == 0


async def test_cost_limit_threshold_and_nothing_runs(app_with):
    api = await app_with(max_query_cost=201)
    assert await api.ok(USERS, {"n": 50}, as_="admin@acme.com")  # cost 201 == limit: allowed
    err = await api.error(USERS, {"n": 51}, as_="admin@acme.com")  # cost 205
    assert err["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "cost", "cost": 205, "maxCost": 201}
    # a refused mutation never reached its resolver: nothing changed
    api = await app_with(max_query_cost=2)
    before = await snapshot(api)
    body = await api.gql(INVITE, as_="admin@acme.com")  # cost 3
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX" and body["data"] is None
    assert await snapshot(api) == before


async def test_huge_first_is_refused_by_cost_before_the_resolver(app_with):
    api = await app_with()
    with api.count_statements() as st:
        err = await api.error(USERS, {"n": 1_000_000}, as_="admin@acme.com")
    assert err["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert not [s for s in st if "count(" in s.lower()]  # the users() resolver (COUNT + page) never ran
    # within the cost budget but above the page maximum: the resolver's typed error
    assert await api.code(USERS, {"n": 101}, as_="admin@acme.com") == "BAD_USER_INPUT"
    assert await api.code(USERS, {"n": 0}, as_="admin@acme.com") == "BAD_USER_INPUT"
    assert await api.code(USERS, {"n": 2**31}, as_="admin@acme.com") == "QUERY_TOO_COMPLEX"
    assert await api.code("{ users(first: 99999999999) { totalCount } }", as_="admin@acme.com") == "QUERY_TOO_COMPLEX"


# ----------------------------------------------------------------------------- depth, aliases, tokens
async def test_depth_limit_threshold(app_with):
    api = await app_with(max_query_depth=2)
    # depth counts from 0 at the root field: users (0) → edges (1) → node (2) → email (3)
    assert await api.ok("{ users { edges { cursor } } }", as_="admin@acme.com")
    err = await api.error(USERS, as_="admin@acme.com")
    assert err["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "depth"}
    # through fragments too
    frag = "{ ...F } fragment F on Query { users { edges { node { email } } } }"
    assert (await api.error(frag, as_="admin@acme.com"))["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    api = await app_with(max_query_depth=0)  # inviteUser (0) → id (1)
    before = await snapshot(api)
    assert await api.code(INVITE, as_="admin@acme.com") == "QUERY_TOO_COMPLEX"
    assert await snapshot(api) == before


async def test_alias_limit_threshold(app_with):
    api = await app_with(max_aliases=2)
    two = "{ a: viewer { email } b: viewer { email } }"
    three = "{ a: viewer { email } b: viewer { email } c: viewer { email } }"
    assert await api.ok(two, as_="admin@acme.com")
    err = await api.error(three, as_="admin@acme.com")
    assert err["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "aliases"}
    before = await snapshot(api)
    batch = "mutation { " + " ".join(f'i{n}: inviteUser(input: {{email: "n{n}@acme.com"}}) {{ id }}' for n in range(3))
    assert await api.code(batch + " }", as_="admin@acme.com") == "QUERY_TOO_COMPLEX"
    assert await snapshot(api) == before


async def test_token_and_size_limits(app_with):
    api = await app_with(max_tokens=20)
    ok = "{ viewer { email firstName lastName } }"  # 7 tokens
    assert await api.ok(ok, as_="admin@acme.com")
    padded = "{ viewer { " + "email " * 30 + "} }"
    err = await api.error(padded, as_="admin@acme.com")
    assert err["extensions"]["code"] == "QUERY_TOO_COMPLEX" and err["extensions"]["limit"] == "tokens"
    comments = "{ viewer { email } }" + "\n#" * 50  # comments are budgeted too
    assert await api.code(comments, as_="admin@acme.com") == "QUERY_TOO_COMPLEX"
    api = await app_with(max_query_bytes=100)
    long = "{ viewer { email " + " " * 200 + "} }"
    err = await api.error(long, as_="admin@acme.com")
    assert err["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "size"}


async def test_deep_nesting_is_refused_by_the_parser(app_with):
    api = await app_with()
    nested = "{ users(after: " + "[" * 1000 + "]" * 1000 + ") { totalCount } }"
    err = await api.error(nested, as_="admin@acme.com")
    assert err["extensions"] == {"code": "QUERY_TOO_COMPLEX", "limit": "nesting"}


async def test_default_limits_allow_the_graphiql_introspection_query(app_with):
    api = await app_with()
    data = await api.ok(get_introspection_query(descriptions=True), as_="admin@acme.com")
    assert any(t["name"] == "Query" for t in data["__schema"]["types"])


async def test_malformed_documents_get_typed_errors(app_with):
    api = await app_with()
    assert await api.code("{ viewer { ", as_="admin@acme.com") == "GRAPHQL_PARSE_FAILED"
    assert await api.code("{ ...Nope }", as_="admin@acme.com") == "GRAPHQL_VALIDATION_FAILED"
    cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    assert await api.code(cycle, as_="admin@acme.com") == "GRAPHQL_VALIDATION_FAILED"
    two_ops = "query A { viewer { email } } query B { viewer { email } }"
    assert await api.code(two_ops, as_="admin@acme.com") == "BAD_USER_INPUT"
    assert await api.code("fragment F on Query { viewer { email } }", as_="admin@acme.com") == "BAD_USER_INPUT"
    resp = await api.client.post(
        "/graphql", json={"query": two_ops, "operationName": "C"}, headers=api.headers("admin@acme.com")
    )
    assert resp.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "operationName"}
    resp = await api.client.post(
        "/graphql", json={"query": two_ops, "operationName": "B"}, headers=api.headers("admin@acme.com")
    )
    assert resp.json()["data"]["viewer"]["email"] == "admin@acme.com"
    # batched arrays (OWASP batching attack) and non-object bodies are refused outright
    for body in ([{"query": VIEWER}] * 3, "x", {"query": 1}, {"query": VIEWER, "operationName": 5}):
        resp = await api.client.post("/graphql", json=body, headers=api.headers("admin@acme.com"))
        assert resp.status_code == 400 and resp.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


# ---------------------------------------------------------------------------------- rate limiting
@pytest.mark.parametrize(
    ("cost", "previous", "current", "ends", "wait"),
    [
        (10, 0, 50, 30.0, 0),  # room in the current window, nothing before it
        (10, 0, 90, 30.0, 0),  # exactly at the limit: 90 + 10 = 100
        (10, 0, 91, 30.0, 31),  # 1 over: this window ends (30 s), then 91 must decay to 90 (0.66 s)
        (10, 0, 100, 30.0, 36),  # 30 + 60 - 90 * 60 / 100 = 36
        (10, 60, 50, 30.0, 0),  # previous 60 weighs 30 now: 30 + 50 + 10 <= 100
        (10, 100, 50, 30.0, 6),  # previous 100 weighs 50 now; room 40: it weighs 40 at 24 s before the end
        (10, 60, 50, 10.0, 0),  # previous 60 weighs 10 now: 10 + 50 + 10 <= 100
        (101, 0, 0, 30.0, 60),  # dearer than the whole budget: a full window, never sooner
        (100, 0, 0, 30.0, 0),
    ],
)
def test_retry_after_at_the_thresholds(cost, previous, current, ends, wait):
    assert retry_after(100, 60, cost, previous, current, ends) == wait


async def test_sliding_window_budget_per_key_and_refill():
    limiter = RateLimiter(60, window_seconds=1)
    assert await limiter.spend("a", 60) == 0
    with pytest.raises(RateLimited) as exc:
        await limiter.spend("a", 10)
    assert exc.value.code == "RATE_LIMITED" and 1 <= exc.value.extensions["retryAfterSeconds"] <= 2
    assert exc.value.extensions["remaining"] == 0
    assert await limiter.spend("b", 5) == 55  # per key
    await asyncio.sleep(2.05)  # two windows later the budget is whole again
    assert await limiter.remaining("a") == 60
    assert await limiter.spend("a", 60) == 0


async def test_an_unreachable_store_lets_requests_through(caplog):
    limiter = RateLimiter(10, storage=f"redis://127.0.0.1:{free_port()}/0")
    assert await limiter.spend("a", 5) == 10 and await limiter.spend("a", 50) == 10
    assert "rate limit store unreachable" in caplog.text


def test_storage_setting():
    assert storage_uri("") == "async+memory://" == storage_uri("memory://")
    assert storage_uri("redis://h:6379/1") == "async+redis://h:6379/1"
    assert not is_shared_storage("memory://") and is_shared_storage("redis://h:6379/1")


async def test_rate_limited_per_principal_with_retry_hint(app_with):
    api = await app_with(rate_limit_cost_per_minute=500)
    assert cost_of(api, USERS, {"n": 50}) == 201
    for _ in range(2):
        assert await api.ok(USERS, {"n": 50}, as_="admin@acme.com")
    resp = await api.client.post(
        "/graphql", json={"query": USERS, "variables": {"n": 50}}, headers=api.headers("admin@acme.com")
    )
    body = resp.json()
    assert resp.status_code == 429
    err = body["errors"][0]
    assert err["extensions"]["code"] == "RATE_LIMITED"
    # 98 points left, 201 needed: the current minute must end (0-60 s), then its 402 points decay
    # until 299 remain inside the sliding window (60 - 299 * 60 / 402 = 15.4 s)
    assert 16 <= err["extensions"]["retryAfterSeconds"] <= 76
    assert err["extensions"]["retryAfterSeconds"] == int(resp.headers["retry-after"])
    assert body["extensions"]["cost"]["throttle"]["remaining"] == 98
    # other principals have their own budget
    assert await api.ok(USERS, {"n": 50}, as_="admin@globex.com")
    assert await api.code(USERS, {"n": 50}, as_="admin@acme.com") == "RATE_LIMITED"


async def test_rate_limited_mutation_changes_nothing_and_is_audited(app_with):
    api = await app_with(rate_limit_cost_per_minute=4)
    assert await api.ok(VIEWER, as_="admin@acme.com")  # cost 2, 2 left
    before = await snapshot(api)
    assert await api.code(INVITE, as_="admin@acme.com") == "RATE_LIMITED"  # cost 3
    assert await snapshot(api) == before
    rows = await api.sql("select action, outcome from audit_log where actor = 'admin@acme.com'")
    assert [tuple(r) for r in rows] == [("inviteUser", "ERROR:RATE_LIMITED")]


# ---------------------------------------------------------------------------- introspection, GraphiQL
INTROSPECT = "{ __schema { queryType { name } } }"


async def test_introspection_and_graphiql_switch_off(app_with):
    api = await app_with()
    assert (await api.ok(INTROSPECT, as_="admin@acme.com"))["__schema"]["queryType"]["name"] == "Query"
    assert (await api.client.get("/graphql")).status_code == 200
    api = await app_with(introspection=False, graphiql=False)
    err = await api.error(INTROSPECT, as_="admin@acme.com")
    assert err["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" and "introspection" in err["message"]
    assert await api.code('{ __type(name: "Query") { name } }', as_="admin@acme.com") == "GRAPHQL_VALIDATION_FAILED"
    assert (await api.ok("{ __typename viewer { email } }", as_="admin@acme.com"))["__typename"] == "Query"
    resp = await api.client.get("/graphql")
    assert resp.status_code == 404 and "GraphiQL" not in resp.text.replace("GraphiQL is disabled", "")


def test_switches_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CC_INTROSPECTION", "false")
    monkeypatch.setenv("CC_GRAPHIQL", "false")
    monkeypatch.setenv("CC_MAX_QUERY_COST", "1234")
    settings = Settings(_env_file=None)
    assert settings.introspection is False and settings.graphiql is False and settings.max_query_cost == 1234
    monkeypatch.delenv("CC_INTROSPECTION")
    monkeypatch.delenv("CC_GRAPHIQL")
    assert Settings(_env_file=None).introspection is True and Settings(_env_file=None).graphiql is True


# --------------------------------------------------------------------------- validation cache
async def test_accepted_query_texts_are_validated_once_per_schema(app_with, monkeypatch):
    """Validation is skipped for a text a schema already accepted (speed), never for a refused one,
    and never across schemas: a module disabled for one tenant still refuses the same text."""
    import strawberry.schema.schema as strawberry_schema

    calls: list[str] = []
    real = strawberry_schema.validate_document

    def counting(schema, document, rules):  # noqa: ANN001, ANN202
        calls.append("validate")
        return real(schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "validate_document", counting)
    api = await app_with(max_query_depth=2)
    assert await api.ok(VIEWER, as_="admin@acme.com")
    assert await api.ok(VIEWER, as_="tech@acme.com")
    assert await api.ok(VIEWER, as_="tech@globex.com")
    assert len(calls) == 1
    for _ in range(2):  # a refused document is validated (and refused) every time
        assert (await api.error(USERS, as_="admin@acme.com"))["extensions"]["limit"] == "depth"
    assert len(calls) == 3
    rewards = "{ rewards { balance { amount } } }"
    assert await api.ok(rewards, as_="fin@acme.com")
    switch = 'mutation { setModuleEnabled(tenantKey: "acme", module: "rewards", enabled: false) { key } }'
    await api.ok(switch, as_="op@vendor.example", staff=["OPERATOR"])
    assert await api.code(rewards, as_="fin@acme.com") == "MODULE_NOT_ENABLED"
    assert await api.ok(rewards, as_="fin@globex.com")
