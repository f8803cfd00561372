"""Differential tests of the executor shortcut (schema/execution.py): the same document, run with the
shortcut and with strawberry's own executor, gives the same data and the same errors (messages,
paths) — over the product's whole schema on a seeded database (hypothesis-graphql queries and
mutations), and over a small schema with what the product's has none of: an interface and a union.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import graphql
import hypothesis_graphql
import pytest
import strawberry
from graphql import Undefined
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.extensions import ParserCache

import core.routes.graphql as graphql_route
from core.demo import DEMO_PEOPLE, DEMO_TENANT, seed_demo
from schema.execution import PlainFieldExecutionContext, fast_execution_context, plan_cache_stats
from tests.conftest import Api, make_api

HYPOTHESIS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    derandomize=True,  # the same examples in every run: a difference found is found again
    database=None,
)

CUSTOM_SCALARS = {
    "Date": st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)).map(
        lambda d: graphql.StringValueNode(value=d.isoformat())
    ),
    "DateTime": st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 12, 31)).map(
        lambda d: graphql.StringValueNode(value=d.isoformat() + "+00:00")
    ),
    "Decimal": st.decimals(-1000, 100_000, places=2).map(lambda d: graphql.StringValueNode(value=str(d))),
    "JSON": st.sampled_from(["{}", '{"a": 1}', "[]"]).map(lambda s: graphql.StringValueNode(value=s)),
}


# ====================================================================== a small schema: interface, union
@strawberry.interface
class Named:
    name: str


@strawberry.type
class Person(Named):
    email: str
    tags: list[str]
    friends: list[Person]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Robot(Named):
    serial: int  # a robot built with serial None: a non-null violation in an interface's list
    model: str | None


@strawberry.type
class Pet:
    name: str
    owner: Person | None


Thing = Annotated[Person | Robot | Pet, strawberry.union("Thing")]


def people() -> list[Person]:
    ann = Person(name="Ann", email="ann@x.example", tags=["a", "b"], friends=[])
    bob = Person(name="Bob", email="bob@x.example", tags=[], friends=[ann])
    ann.friends.append(bob)
    return [ann, bob]


def store() -> dict[str, Any]:
    """Each execution's own data (the mutation changes it): both executors start from the same."""
    ann, bob = people()
    broken: Any = Robot(name="R0", serial=None, model=None)  # type: ignore[arg-type]
    return {
        "people": [ann, bob],
        "things": [ann, Robot(name="R2", serial=2, model="T"), Pet(name="Rex", owner=bob), Pet(name="Tom", owner=None)],
        "broken": [bob, broken, Robot(name="R3", serial=3, model=None)],
    }


@strawberry.type
class Query:
    @strawberry.field
    def named(self, info: strawberry.Info) -> list[Named]:
        return [*info.context["people"], *[t for t in info.context["things"] if isinstance(t, Robot)]]

    @strawberry.field
    def things(self, info: strawberry.Info) -> list[Thing]:
        return info.context["things"]

    @strawberry.field
    def broken(self, info: strawberry.Info) -> list[Named | None]:
        return info.context["broken"]

    @strawberry.field
    def person(self, info: strawberry.Info, name: str) -> Person | None:
        return next((p for p in info.context["people"] if p.name == name), None)

    @strawberry.field
    def first_thing(self, info: strawberry.Info) -> Thing:
        return info.context["things"][2]


@strawberry.type
class Mutation:
    @strawberry.mutation
    def add_person(self, info: strawberry.Info, name: str, email: str, friend: str | None = None) -> Person | None:
        if not name:
            raise ValueError("a person needs a name")
        friends = [p for p in info.context["people"] if p.name == friend]
        person = Person(name=name, email=email, tags=[name.lower()], friends=friends)
        info.context["people"].append(person)
        return person

    @strawberry.mutation
    def rename(self, info: strawberry.Info, old: str, new: str) -> Person | None:
        for person in info.context["people"]:
            if person.name == old:
                person.name = new
                return person
        return None


def small_schemas() -> tuple[strawberry.Schema, strawberry.Schema]:
    """(with the shortcut and its plan cache, with strawberry's own executor)."""
    fast = strawberry.Schema(
        Query, Mutation, execution_context_class=fast_execution_context(), extensions=[ParserCache]
    )
    return fast, strawberry.Schema(Query, Mutation)


async def run_small(schema: strawberry.Schema, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await schema.execute(query, variable_values=variables, context_value=store())
    return {"data": result.data, "errors": [(e.message, e.path) for e in result.errors or []]}


SMALL = small_schemas()  # shared: a document's second run (even in another case) uses the cached plans

SMALL_CASES: list[tuple[str, dict[str, Any] | None]] = [
    # interface: inline fragments per implementation, __typename, aliases
    ("{ named { __typename name ... on Person { email shout } ... on Robot { serial model } } }", None),
    ("{ named { n: name t: __typename ... on Person { friends { name f: friends { name } } } } }", None),
    # union: a fragment on each member, a named fragment, __typename only
    (
        "{ things { __typename ... on Person { name tags } ...R ... on Pet { name owner { name email } } } }"
        " fragment R on Robot { name serial }",
        None,
    ),
    ("{ things { __typename } firstThing { __typename ... on Pet { owner { shout } } } }", None),
    ("{ things { ... on Named { name } } }", None),
    # a null where none may be, inside an interface's list (errors with paths)
    ("{ broken { name ... on Robot { serial } } }", None),
    ("{ broken { __typename ... on Robot { model serial } ... on Person { friends { name } } } }", None),
    # variables: arguments, @include/@skip, defaults
    (
        "query($who: String!, $more: Boolean!) { person(name: $who) { name email @include(if: $more)"
        " friends @skip(if: $more) { name } } }",
        {"who": "Ann", "more": True},
    ),
    (
        "query($who: String!, $more: Boolean!) { person(name: $who) { name email @include(if: $more)"
        " friends @skip(if: $more) { name } } }",
        {"who": "Ann", "more": False},
    ),
    ('query($who: String = "Bob") { person(name: $who) { ...P } } fragment P on Person { name shout }', None),
    # a mutation: serial root fields with aliases, the second sees the first's change
    (
        'mutation($n: String!) { a: addPerson(name: $n, email: "c@x.example", friend: "Ann") '
        '{ __typename name tags friends { name } } b: rename(old: $n, new: "Dee") { name shout } '
        'c: rename(old: "nobody", new: "x") { name } }',
        {"n": "Cy"},
    ),
    ('mutation { addPerson(name: "", email: "e") { name } rename(old: "Ann", new: "Ana") { name email } }', None),
]


@pytest.mark.parametrize(("query", "variables"), SMALL_CASES)
async def test_interfaces_unions_variables_fragments_and_mutations(
    query: str, variables: dict[str, Any] | None
) -> None:
    fast, plain = SMALL
    expected = await run_small(plain, query, variables)
    assert expected["data"] is not None, expected
    assert await run_small(fast, query, variables) == expected
    assert await run_small(fast, query, variables) == expected  # from the schema's cached plans
    if "broken" in query or '""' in query:
        assert expected["errors"], "the error cases must really produce errors"


def test_the_small_schema_has_an_interface_and_a_union() -> None:
    types = SMALL[1]._schema.type_map
    assert graphql.is_interface_type(types["Named"]) and graphql.is_union_type(types["Thing"])


@HYPOTHESIS
@given(document=hypothesis_graphql.from_schema(str(SMALL[1]), custom_scalars=CUSTOM_SCALARS))
async def test_generated_documents_on_the_small_schema(document: str) -> None:
    fast, plain = SMALL
    assert await run_small(fast, document) == await run_small(plain, document), document


# ====================================================================== the product's schema, seeded
STAFF = "staff@vendor.example"
PRINCIPALS: list[tuple[str, tuple[str, ...]]] = [
    *((email, ()) for email in DEMO_PEOPLE.values()),
    (STAFF, ("BILLING_SUPPORT",)),
    (STAFF, ("OPERATOR", "SALES_REP")),
]
LIMITS = {
    "max_query_depth": 40,
    "max_aliases": 1000,
    "max_tokens": 100_000,
    "max_query_bytes": 1_000_000,
    "max_query_cost": 10**9,
    "rate_limit_cost_per_minute": 10**12,
}


class Pair:
    """The product twice, each on its own copy of the same seeded database: with the shortcut (fast)
    and with strawberry's own executor (plain). Every request goes to both, so the copies change
    alike; what each schema executed is recorded as it was (before the endpoint masks errors)."""

    def __init__(self, fast: Api, plain: Api) -> None:
        self.fast, self.plain = fast, plain
        self.tokens = {p: fast.token(p[0], p[1]) for p in PRINCIPALS}  # one token for both

    async def both(
        self, document: str, variables: dict[str, Any] | None, principal: tuple[str, tuple[str, ...]]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.tokens[principal]}"}
        if principal[1]:
            headers["X-Tenant"] = DEMO_TENANT
        out = []
        for api in (self.fast, self.plain):
            RAW.clear()
            resp = await api.client.post("/graphql", json={"query": document, "variables": variables}, headers=headers)
            raw = RAW[-1] if RAW else None
            # A signed link's expiry counts from the wall clock second it was made in: servers differ.
            body = json.loads(SIGNATURE.sub("sig=…", resp.text))
            # The rate limiter's bucket refills with time: what is left differs between two servers.
            (body.get("extensions", {}).get("cost", {}).get("throttle") or {}).pop("remaining", None)
            out.append(
                {
                    "status": resp.status_code,
                    "body": body,
                    "authz_checks": resp.headers.get("x-authz-checks"),
                    "raw_data": unsigned(raw.data) if raw else None,
                    "raw_errors": [(e.message, e.path, type(e.original_error).__name__) for e in raw.errors or []]
                    if raw
                    else None,
                }
            )
        return out[0], out[1]


RAW: list[Any] = []  # the ExecutionResult of the latest request
SIGNATURE = re.compile(r"sig=[A-Za-z0-9_.-]+")


def unsigned(data: Any) -> Any:
    return json.loads(SIGNATURE.sub("sig=…", json.dumps(data, default=str)))


@pytest.fixture(scope="module")
async def pair(templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Pair]:
    """One pair for the module: the tests' mutations change both copies alike."""
    real_execute = strawberry.Schema.execute

    real_validated = graphql_route.execute_validated

    async def recording(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = await real_execute(self, *args, **kwargs)
        RAW.append(result)
        return result

    async def recording_validated(*args: Any, **kwargs: Any) -> Any:  # a text validated before
        result = await real_validated(*args, **kwargs)
        if result is not None:
            RAW.append(result)
        return result

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(strawberry.Schema, "execute", recording)
        monkeypatch.setattr(graphql_route, "execute_validated", recording_validated)
        async for made in _pair(templates, smtp_server):
            yield made


async def _pair(templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Pair]:
    controller, _ = smtp_server
    apis, clients = [], []
    for fast in (True, False):
        api, client = await make_api("sqlite", templates, controller.port, **LIMITS)
        api.state.schemas.fast_executor = fast
        await seed_demo(api.state)
        apis.append(api)
        clients.append(client)
    pair = Pair(*apis)
    for principal in PRINCIPALS:  # the first sign-ins, alike on both
        fast, plain = await pair.both("{ viewer { email } }", None, principal)
        assert fast == plain and fast["status"] == 200, fast
    schemas = [api.state.schemas.get(frozenset(api.state.plugins.names)) for api in apis]
    assert issubclass(schemas[0].execution_context_class, PlainFieldExecutionContext)
    assert not issubclass(schemas[1].execution_context_class, PlainFieldExecutionContext)
    try:
        yield pair
    finally:
        for api, client in zip(apis, clients, strict=True):
            await client.aclose()
            await api.state.engine.dispose()


def product_sdl() -> str:
    with open("schema/schema.graphql") as sdl:
        return sdl.read()


SEEDED_CASES: list[tuple[str, dict[str, Any] | None, int]] = [
    # A page with fragments, aliases, __typename and variables; principal index into PRINCIPALS.
    (
        "query($first: Int!, $lines: Boolean!) { __typename viewer { __typename email roles tenant { key name } } "
        "page: invoices(first: $first) { __typename totalCount pageInfo { hasNextPage endCursor } "
        "edges { cursor node { ...Inv lines @include(if: $lines) { product preTaxAmount { amount currency } } } } } "
        "counts: invoiceCounts { __typename } } "
        "fragment Inv on Invoice { __typename number n2: number status invoiceDate total { amount currency } }",
        {"first": 50, "lines": True},
        0,
    ),
    (
        "query($lines: Boolean!) { invoices(first: 20) { edges { node { number lines @include(if: $lines) "
        "{ product } } } } }",
        {"lines": False},
        0,
    ),
    (
        "{ renewals(first: 50) { edges { node { supportNumber status amount { amount } lines { product } } } } }",
        None,
        1,
    ),
    ("{ renewalDashboard { __typename } rewards { balance { amount currency } } shareLists { __typename } }", None, 2),
    ("{ users(first: 50) { edges { node { __typename email roles } } } modules { __typename } }", None, 3),
    ('{ invoices(first: 101) { totalCount } invoice(number: "nope") { number } }', None, 0),  # errors
    # Partial results: TECHNICAL may not see rewards; the dashboard and the counts still answer.
    ("{ renewalDashboard { pendingCount } invoiceCounts { open } rewards { balance { amount } } }", None, 1),
    ("{ invoicePayments(first: 10) { edges { node { __typename } } } auditLog(first: 20) { totalCount } }", None, 4),
    # Mutations: changes on both copies, answered alike; a refusal alike too.
    (
        "mutation($mail: String!) { updateBillingProfile(billingEmail: $mail) { __typename billingEmail } }",
        {"mail": "billing@acme-demo.com"},
        0,
    ),
    ('mutation { openInvoiceDispute(invoiceNumber: "nope", reason: "why") { __typename } }', None, 0),
]


@pytest.mark.parametrize(("document", "variables", "who"), SEEDED_CASES)
async def test_seeded_product_cases(pair: Pair, document: str, variables: dict[str, Any] | None, who: int) -> None:
    fast, plain = await pair.both(document, variables, PRINCIPALS[who])
    assert fast == plain, document
    assert fast["status"] == 200 and fast["raw_errors"] is not None, fast
    if "first: 101" in document or "nope" in document or (who == 1 and "rewards" in document):
        assert fast["body"].get("errors"), fast
    else:
        assert fast["raw_data"] and not fast["raw_errors"], fast
    if "$first" in document:
        assert len(fast["body"]["data"]["page"]["edges"]) >= 5, "the demo data has a page of invoices"


async def test_the_product_reuses_its_plans(pair: Pair) -> None:
    schema = pair.fast.state.schemas.get(frozenset(pair.fast.state.plugins.names))
    document, variables, who = SEEDED_CASES[0]
    await pair.both(document, variables, PRINCIPALS[who])
    before = plan_cache_stats(schema.execution_context_class)
    for _ in range(3):
        fast, plain = await pair.both(document, variables, PRINCIPALS[who])
        assert fast == plain
    assert plan_cache_stats(schema.execution_context_class) == before


PRODUCT = graphql.build_schema(product_sdl())
QUERY_FIELDS = sorted(PRODUCT.query_type.fields)
_ONE_FIELD: dict[str, Any] = {}


def one_root_field(name: str) -> Any:
    """Queries of one root field (most are non-null: one refused field would null the others' data)."""
    if name not in _ONE_FIELD:
        _ONE_FIELD[name] = hypothesis_graphql.queries(
            PRODUCT, fields=[name], custom_scalars=CUSTOM_SCALARS, allow_x00=False
        )
    return _ONE_FIELD[name]


def _required(arg: Any) -> bool:
    return graphql.is_non_null_type(arg.type) and arg.default_value is Undefined and arg.default is None


def full_selection(t: Any, depth: int, samples: dict[str, str], plain: bool = False) -> str:
    """Every field of ``t``, objects ``depth`` levels down; the required arguments from ``samples``
    (a field whose required argument has no sample is left out); an interface or a union gets a
    fragment per possible type. ``plain``: no ``__typename`` and no field with arguments below the
    top, so more selections are made of plain fields only (built in one go by the shortcut)."""
    t = graphql.get_named_type(t)
    if graphql.is_abstract_type(t):
        fragments = [f"... on {o.name} {full_selection(o, depth, samples)}" for o in PRODUCT.get_possible_types(t)]
        return "{ __typename " + " ".join(fragments) + " }"
    parts = [] if plain else ["__typename"]
    for name, field in t.fields.items():
        required = [a for a, arg in field.args.items() if _required(arg)]
        if any(a not in samples for a in required) or (plain and field.args):
            continue
        args = "(" + ", ".join(f"{a}: {samples[a]}" for a in required) + ")" if required else ""
        if graphql.is_leaf_type(graphql.get_named_type(field.type)):
            parts.append(name + args)
        elif depth > 0 and (sub := full_selection(field.type, depth - 1, samples, plain)) != "{  }":
            parts.append(f"{name}{args} {sub}")
    return "{ " + " ".join(parts) + " }"


async def samples_of(pair: Pair) -> dict[str, str]:
    """Values of the seeded data for the required arguments of the schema's fields."""
    fin, tech = PRINCIPALS[0], PRINCIPALS[1]
    invoices, _ = await pair.both("{ invoices(first: 1) { edges { node { number id } } } }", None, fin)
    renewals, _ = await pair.both("{ renewals(first: 1) { edges { node { supportNumber id } } } }", None, tech)
    subscriptions, _ = await pair.both("{ subscriptions(first: 1) { edges { node { number } } } }", None, fin)
    invoice = invoices["body"]["data"]["invoices"]["edges"][0]["node"]["number"]
    renewal = renewals["body"]["data"]["renewals"]["edges"][0]["node"]["supportNumber"]
    invoice_id = invoices["body"]["data"]["invoices"]["edges"][0]["node"]["id"]
    renewal_id = renewals["body"]["data"]["renewals"]["edges"][0]["node"]["id"]
    edges = (subscriptions["body"].get("data") or {}).get("subscriptions", {}).get("edges") or [{"node": {}}]
    subscription = edges[0]["node"].get("number", "none")
    return {
        "object": '"invoice"',
        "action": '"view"',
        "email": f'"{DEMO_PEOPLE["FINANCE"]}"',
        "number": f'"{invoice}"',
        "invoiceNumber": f'"{invoice}"',
        "supportNumber": f'"{renewal}"',
        "orderNumber": '"ORD-1"',
        "list": "PENDING",
        "includeRemoved": "true",
        "openOnly": "false",
        "includeExpired": "true",
        "first": "50",
        "subscriptionNumber": f'"{subscription}"',
        # node(id:) and nodes(ids:): an invoice (FINANCE's), a renewal (TECHNICAL's) and a bad id.
        "id": f'"{invoice_id}"',
        "ids": f'["{invoice_id}", "{renewal_id}", "nope"]',
        "currency": '"EUR"',
        "on": '"2026-11-01"',
    }


async def test_every_root_field_with_every_field_below_it(pair: Pair) -> None:
    """Each query root field with all its fields five levels down (connections, their nodes, their
    lines and amounts), as each kind of caller: the whole readable schema on the seeded data."""
    samples = await samples_of(pair)
    answered = 0
    for name, field in PRODUCT.query_type.fields.items():
        required = [a for a, arg in field.args.items() if _required(arg)]
        args = "(" + ", ".join(f"{a}: {samples[a]}" for a in required) + ")" if required else ""
        for only_plain in (False, True):
            leaf = graphql.is_leaf_type(graphql.get_named_type(field.type))
            sub = "" if leaf else full_selection(field.type, 5, samples, only_plain)
            document = "{ " + name + args + " " + sub + " }"
            for principal in PRINCIPALS:
                fast, plain = await pair.both(document, None, principal)
                assert fast == plain, (document, principal)
                answered += bool(fast["raw_data"])
    assert answered >= len(PRODUCT.query_type.fields) * 4, answered  # most root fields answer someone


@settings(HYPOTHESIS, max_examples=150)
@given(document=st.sampled_from(QUERY_FIELDS).flatmap(one_root_field), who=st.sampled_from(range(len(PRINCIPALS))))
async def test_generated_queries_on_the_seeded_product(pair: Pair, document: str, who: int) -> None:
    """Queries of every root field of the product's schema, as each kind of caller."""
    fast, plain = await pair.both(document, None, PRINCIPALS[who])
    assert fast == plain, document


@settings(HYPOTHESIS, max_examples=40)
@given(
    document=hypothesis_graphql.mutations(PRODUCT, custom_scalars=CUSTOM_SCALARS, allow_x00=False),
    who=st.sampled_from(range(len(PRINCIPALS))),
)
async def test_generated_mutations_on_the_seeded_product(pair: Pair, document: str, who: int) -> None:
    """Mutations of the product's schema, as each kind of caller, on both copies of the database."""
    fast, plain = await pair.both(document, None, PRINCIPALS[who])
    assert fast == plain, document
