"""The plain-field shortcut of the executor (schema/execution.py) answers exactly as graphql-core's own
path: same data, same errors with the same paths, and it steps aside for middleware and arguments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core.fields import computed_attributes, prefetched_in
from schema.execution import PlainFieldExecutionContext, fast_execution_context, plan_cache_stats
from tests.conftest import ACME, Api


@strawberry.enum
class Colour(Enum):
    RED = "RED"
    BLUE = "BLUE"


class Broken:
    @property
    def boom(self) -> str:
        raise ValueError("attribute failed")

    @property
    def maybe_boom(self) -> str | None:
        raise ValueError("nullable attribute failed")


@strawberry.type
class Tag:
    label: str

    @strawberry.field
    async def later(self) -> str:
        if self.label == "fail":
            raise ValueError("later failed")
        return self.label

    # Computed fields (sync, of self alone): answered inline by the shortcut.
    @strawberry.field
    def shouted(self) -> str | None:
        if self.label == "fail":
            raise ValueError("shouted failed")
        return self.label.upper() if isinstance(self.label, str) else self.label

    @strawberry.field
    def twin(self) -> Tag:
        return Tag(label=self.label)


@strawberry.type
class Item:
    tag: Tag
    maybe_tag: Tag | None
    name: str
    maybe: str | None
    colour: Colour
    when: dt.date
    price: Decimal
    count: int

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


@strawberry.type
class Bad:
    name: str  # the source holds None: a non-null violation
    boom: str  # the source attribute raises
    maybe_boom: str | None  # raises too: an error and a null, not a silent null
    tag: Tag  # its label is None: the violation propagates through the object


RESOLVED: list[str] = []  # which prefetched-field resolvers ran


@strawberry.type
class Loaded:
    """A resolver field whose value may be prefetched (core.pagination.prefetched_in)."""

    key: str
    held: strawberry.Private[list[Tag] | None] = None
    held_tag: strawberry.Private[Tag | None] = None

    # As the product's resolvers: the held value when there is one (graphql-core's path, and the
    # executor when middleware runs), otherwise loaded.
    @strawberry.field(metadata=prefetched_in("held"))
    def tags(self) -> list[Tag]:
        if self.held is not None:
            return self.held
        RESOLVED.append(self.key)
        return [Tag(label=f"resolved-{self.key}"), Tag(label="fail")]

    @strawberry.field(metadata=prefetched_in("held_tag"))
    def tag(self) -> Tag | None:
        if self.held_tag is not None:
            return self.held_tag
        RESOLVED.append(f"{self.key}-tag")
        return None if self.key == "none" else Tag(label=f"resolved-{self.key}")


@strawberry.type
class Holder:
    """Plain list fields: the shortcut completes their items itself."""

    tags: list[Tag]
    loose: list[Tag | None] | None
    with_none: list[Tag | None]
    bads: list[Bad]


@strawberry.type
class Query:
    @strawberry.field
    def holder(self) -> Holder | None:
        broken: Any = Broken()
        broken.name, broken.tag = "n", Tag(label="t")
        return Holder(
            tags=[Tag(label="a"), Tag(label="fail"), Tag(label=7)],  # type: ignore[arg-type] - an int in a String field
            loose=[Tag(label="a"), Tag(label=None), Tag(label="fail")],
            with_none=[Tag(label="fail"), None],
            bads=[broken],
        )

    @strawberry.field
    def loaded(self) -> list[Loaded | None]:
        return [
            Loaded(key="held", held=[Tag(label="a"), Tag(label="fail")], held_tag=Tag(label="t")),
            Loaded(key="loads"),
            Loaded(key="none"),
            Loaded(key="bad", held=[Tag(label=None)]),
        ]

    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Item(
                tag=Tag(label="t"),
                maybe_tag=None,
                name="a",
                maybe=None,
                colour=Colour.RED,
                when=dt.date(2026, 11, 23),
                price=Decimal("1.50"),
                count=2,
            ),
            Item(
                tag=Tag(label="fail"),
                maybe_tag=Tag(label=None),
                name="b",
                maybe="x",
                colour=Colour.BLUE,
                when=dt.date(2027, 1, 1),
                price=Decimal("0"),
                count=0,
            ),
        ]

    @strawberry.field
    def bad(self) -> Bad | None:
        source: Any = Broken()
        source.name = None
        source.tag = Tag(label=None)
        return source

    @strawberry.field
    def bads(self) -> list[Bad | None]:
        return [self.bad(), self.bad()]


QUERIES = [
    "{ items { tag { label later } maybeTag { label } } }",
    "{ items { tag { label } } bad { tag { label } } }",
    "{ bads { tag { later } } }",
    "{ items { name maybe colour when price count shout(times: 2) } }",
    "{ items { ...F } } fragment F on Item { name alias: name colour }",
    "{ bad { name } }",
    "{ bad { boom } }",
    "{ bads { name boom } items { name } }",
    "{ items { name @skip(if: true) count @include(if: true) } }",
    "{ holder { tags { label } loose { label } withNone { label } } }",
    "{ holder { loose { label later } } }",
    "{ holder { tags { label later } } }",
    "{ holder { withNone { later } } }",
    "{ holder { bads { name } } }",
    "{ holder { bads { boom } } }",
    "{ holder { bads { maybeBoom } } }",
    "{ holder { tags { ...T } } } fragment T on Tag { label again: label }",
    "{ items { maybeTag { label } name maybe price when colour } }",
    "{ items { tag { label } maybe count } holder { tags { label } } }",
    "{ loaded { key tags { label } tag { label } } }",
    "{ loaded { tags { label later } } }",
    "{ holder { tags { label shouted twin { label shouted } } } }",
    "{ items { tag { shouted twin { shouted } } maybeTag { twin { label } } } }",
    "{ __typename items { __typename name t: tag { __typename label } } holder { tags { __typename } } }",
    "query($times: Int!) { items { name shout(times: $times) } }",
    "query($x: Boolean!) { items { name @include(if: $x) count tag { label @skip(if: $x) } } }",
]
VARIABLES: dict[str, Any] = {"times": 3, "x": True}


def fast_schema(extensions: list[Any] | None = None) -> strawberry.Schema:
    """A schema with its own plan cache (fast_execution_context), documents parsed once per text."""
    return strawberry.Schema(
        Query, execution_context_class=fast_execution_context(), extensions=[ParserCache, *(extensions or [])]
    )


async def answer(schema: strawberry.Schema, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await schema.execute(query, variable_values=variables)
    errors = [(e.message, e.path) for e in result.errors or []]
    return {"data": result.data, "errors": errors}


async def result_of(
    execution_context_class: type | None,
    query: str,
    extensions: list[Any] | None = None,
    variables: dict[str, Any] | None = None,
) -> dict[str, Any]:
    schema = strawberry.Schema(Query, execution_context_class=execution_context_class, extensions=extensions or [])
    return await answer(schema, query, variables)


@pytest.mark.parametrize("query", QUERIES)
async def test_same_answers_as_graphql_core(query: str) -> None:
    expected = await result_of(StrawberryGraphQLCoreExecutionContext, query, variables=VARIABLES)
    # Planned for the request only (the class itself), then planned and reused (a schema's class).
    assert await result_of(PlainFieldExecutionContext, query, variables=VARIABLES) == expected
    schema = fast_schema()
    assert await answer(schema, query, VARIABLES) == expected
    assert await answer(schema, query, VARIABLES) == expected
    if any(marker in query for marker in ("bad {", "boom", "Boom", "later", "loaded", "shouted", "maybeTag", "loose")):
        assert expected["errors"], "the error cases must really produce errors"
    else:
        assert not expected["errors"] and expected["data"], expected


async def test_prefetched_fields_resolve_only_what_was_not_loaded() -> None:
    """A value held in the prefetched attribute answers the field; the resolver runs for the rest."""
    import schema.execution as execution

    resolved_by_core: list[str] = []
    real_execute_field = execution.PlainFieldExecutionContext.execute_field

    def execute_field(self: Any, parent_type: Any, source: Any, details: Any, path: Any, position: Any) -> Any:
        resolved_by_core.append(f"{parent_type.name}.{details[0].node.name.value}")
        return real_execute_field(self, parent_type, source, details, path, position)

    RESOLVED.clear()
    execution.PlainFieldExecutionContext.execute_field = execute_field  # type: ignore[method-assign]
    try:
        got = await result_of(PlainFieldExecutionContext, "{ loaded { key tags { label } tag { label } } }")
    finally:
        execution.PlainFieldExecutionContext.execute_field = real_execute_field  # type: ignore[method-assign]
    # (The "bad" item fails at its tags, before its tag.)
    assert sorted(RESOLVED) == ["loads", "loads-tag", "none", "none-tag"]
    # Held values never reach graphql-core's per-field path: only the resolved ones (the root field
    # is a computed one).
    resolved_by_core = [f for f in resolved_by_core if not f.startswith("Tag.")]  # the null label's error
    assert sorted(resolved_by_core) == ["Loaded.tag"] * 2 + ["Loaded.tags"] * 2
    first, second = got["data"]["loaded"][:2]
    assert first == {"key": "held", "tags": [{"label": "a"}, {"label": "fail"}], "tag": {"label": "t"}}
    assert second["tags"][0] == {"label": "resolved-loads"}
    assert got["data"]["loaded"][3] is None  # a null label in a held tag: non-null propagates up
    assert got["errors"]


async def test_steps_aside_for_resolve_middleware() -> None:
    class Upper(SchemaExtension):
        def resolve(self, _next, root, info, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
            value = _next(root, info, *args, **kwargs)
            return value.upper() if isinstance(value, str) else value

    got = await result_of(PlainFieldExecutionContext, "{ items { name } }", [Upper])
    assert got["data"] == {"items": [{"name": "A"}, {"name": "B"}]}


@pytest.mark.parametrize("api", ["sqlite"], indirect=True)
async def test_product_schemas_use_the_shortcut(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The product's schemas run the shortcut: the viewer's basic fields are answered without
    graphql-core's per-field path (execute_field), the root resolver field still takes it."""
    through_core: list[str] = []
    real = PlainFieldExecutionContext.execute_field

    def spy(self: Any, parent_type: Any, source: Any, details: Any, path: Any, position: Any) -> Any:
        through_core.append(f"{parent_type.name}.{details[0].node.name.value}")
        return real(self, parent_type, source, details, path, position)

    monkeypatch.setattr(PlainFieldExecutionContext, "execute_field", spy)
    api.state.schemas.fast_executor = True  # whatever CC_FAST_EXECUTOR says (.ci/run turns it off once)
    api.state.schemas.compiled_reads = False  # a compiled viewer (core/compiled.py) skips its resolver
    await api.load({"tenants": [ACME]})
    schema = api.state.schemas.get(frozenset(api.state.plugins.names))
    assert issubclass(schema.execution_context_class, PlainFieldExecutionContext)
    viewer = (await api.ok("{ viewer { email firstName } }", as_="tech@acme.com"))["viewer"]
    assert viewer["email"] == "tech@acme.com" and viewer["firstName"] == "Ted"
    assert "Query.viewer" in through_core, through_core
    assert not {"Viewer.email", "Viewer.firstName"} & set(through_core), through_core


@computed_attributes
@strawberry.type
class Priced:
    net: Decimal

    @strawberry.field
    def gross(self) -> Decimal:
        return self.net * 2

    @strawberry.field
    async def later(self) -> Decimal:
        return self.net


def test_computed_fields_read_as_attributes_and_stay_fields() -> None:
    """core.fields.computed_attributes: ``priced.gross`` is the value (as a plain field reads), the
    schema still has the field, and a resolver that is not computed (async) is left alone."""
    priced = Priced(net=Decimal("1.50"))
    assert priced.gross == Decimal("3.00")
    assert callable(priced.later)

    @strawberry.type
    class PricedQuery:
        @strawberry.field
        def priced(self) -> Priced:
            return Priced(net=Decimal("2.25"))

    schema = strawberry.Schema(PricedQuery, execution_context_class=PlainFieldExecutionContext)
    assert schema.execute_sync("{ priced { net gross } }").data == {"priced": {"net": "2.25", "gross": "4.50"}}


# ------------------------------------------------------------------------- plans per schema and document
async def test_a_repeated_document_reuses_its_plans() -> None:
    """Plans are made once per (schema, document): a second request with the same text plans nothing,
    another document is planned anew, and each schema's class has its own cache."""
    schema = fast_schema()
    cls = schema.execution_context_class
    query = "{ items { name tag { label } } holder { tags { label later } } loaded { key tags { label } } }"
    first = await answer(schema, query)
    built = plan_cache_stats(cls)["plans_built"]
    assert built >= 5 and plan_cache_stats(cls)["operations"] == 1
    for _ in range(3):
        assert await answer(schema, query) == first
    assert plan_cache_stats(cls) == {"operations": 1, "plans_built": built}
    await answer(schema, "{ items { name } }")
    assert plan_cache_stats(cls)["operations"] == 2 and plan_cache_stats(cls)["plans_built"] > built
    other = fast_schema()
    await answer(other, query)
    assert plan_cache_stats(other.execution_context_class)["plans_built"] == built
    assert PlainFieldExecutionContext.caches is None  # the class itself plans per request


async def test_the_plan_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import schema.execution as execution

    monkeypatch.setattr(execution, "PLAN_CACHE_SIZE", 3)
    schema = fast_schema()
    for n in range(6):
        assert (await answer(schema, "{ items { " + "name " * (n + 1) + "} }"))["data"]
    assert plan_cache_stats(schema.execution_context_class)["operations"] == 3


async def test_plans_follow_the_variables_that_directives_read() -> None:
    """@include/@skip decide which fields are collected: a document's plans are kept per value of
    the variables they read, and each answer matches graphql-core's."""
    schema = fast_schema()
    query = "query($x: Boolean!) { items { name @include(if: $x) count tag { label @skip(if: $x) } } }"
    for x in (True, False, True, False):
        expected = await result_of(None, query, variables={"x": x})
        assert await answer(schema, query, {"x": x}) == expected
    assert [sorted(i) for i in expected["data"]["items"]] == [["count", "tag"]] * 2
    assert expected["data"]["items"][0]["tag"] == {"label": "t"}


def _extensions_of(schema: Any) -> dict[tuple[str, str], dict[str, Any]]:
    from graphql import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

    found = {
        (t.name, n): dict(f.extensions or {})
        for t in schema.type_map.values()
        for n, f in getattr(t, "fields", {}).items()
    }
    for meta in (SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef):
        found[("meta", str(meta.type))] = dict(meta.extensions or {})
    return found


async def test_nothing_is_written_into_graphql_cores_field_definitions() -> None:
    """The caches live in the schema's execution context class, not in the fields' extensions —
    introspection's field definitions (``__typename``, ``__Type.name``) are shared by every schema."""
    schema = fast_schema()
    before = _extensions_of(schema._schema)
    query = '{ __typename items { __typename name } __type(name: "Item") { name fields { name } } }'
    assert not (await answer(schema, query))["errors"]
    assert not (await answer(schema, "{ __schema { queryType { name } types { name kind } } }"))["errors"]
    assert _extensions_of(schema._schema) == before


async def test_a_schemas_plans_go_with_it() -> None:
    import gc
    import weakref

    schema = fast_schema()
    await answer(schema, "{ items { name tag { label } } }")
    gone = weakref.ref(schema._schema), weakref.ref(schema.execution_context_class)
    del schema
    gc.collect()
    assert [ref() for ref in gone] == [None, None]


# ------------------------------------------------------------------------- compatibility and the setting
def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def test_the_verified_versions_are_installed_and_bounded_in_pyproject() -> None:
    import tomllib
    from pathlib import Path

    import schema.execution as execution

    assert execution.compatibility_problems() == []
    dependencies = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]["dependencies"]
    for name, (lowest, first_unverified) in execution.VERIFIED_VERSIONS.items():
        assert f"{name}>={_dotted(lowest)},<{_dotted(first_unverified)}" in dependencies, name


@pytest.mark.parametrize(
    "versions",
    [
        {"graphql-core": "3.4.0"},
        {"graphql-core": "3.4.0a1"},
        {"graphql-core": "3.3.1"},
        {"strawberry-graphql": "0.342.0"},
        {"strawberry-graphql": "0.340.9"},
    ],
)
async def test_outside_the_verified_versions_the_shortcut_steps_aside(
    versions: dict[str, str], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import schema.execution as execution

    installed = {"graphql-core": "3.3.2", "strawberry-graphql": "0.341.2", **versions}
    problems = execution.compatibility_problems(installed)
    assert len(problems) == 1 and next(iter(versions)) in problems[0]
    real = execution.compatibility_problems
    monkeypatch.setattr(execution, "compatibility_problems", lambda: real(installed))
    monkeypatch.setattr(execution, "_warned", [])
    with caplog.at_level("WARNING", logger="customer_center.schema"):
        assert execution.fast_execution_context() is None
        assert execution.fast_execution_context() is None
    assert [r.getMessage() for r in caplog.records].count(
        f"executor shortcut off (strawberry's own executor runs): {problems[0]}"
    ) == 1  # logged once
    # The product's schema, with the setting on, then runs strawberry's own executor.
    from core.plugins import built_in_plugins, load_plugins
    from schema.builder import build_schema

    schema = build_schema(load_plugins(only=built_in_plugins()), frozenset(), fast_executor=True)
    assert schema.execution_context_class is StrawberryGraphQLCoreExecutionContext
    assert (await schema.execute("{ __typename }")).data == {"__typename": "Query"}


def test_a_changed_executor_method_turns_the_shortcut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    import schema.execution as execution

    monkeypatch.setitem(execution.EXECUTOR_METHODS, "execute_field", ("parent_type", "source", "path"))
    monkeypatch.setitem(execution.EXECUTOR_METHODS, "resolve_everything_fast", ())
    monkeypatch.setitem(execution.STRUCTURES, "FieldDetails", ("field_node",))
    problems = execution.compatibility_problems()
    assert len(problems) == 3, problems
    assert "execute_field" in problems[0] and "resolve_everything_fast" in problems[1] and "FieldDetails" in problems[2]
    monkeypatch.setattr(execution, "_warned", [])
    assert execution.fast_execution_context() is None


def test_graphql_cores_private_executor_api_is_used_only_as_listed() -> None:
    """Every attribute PlainFieldExecutionContext reads on itself or on super() is its own, or one of
    graphql-core's listed in EXECUTOR_METHODS / EXECUTOR_ATTRIBUTES (checked against the installed
    version); it overrides no other graphql-core method; strawberry's private marker is not read."""
    import ast
    import inspect
    import textwrap

    from graphql.execution import Executor

    import schema.execution as execution

    tree = ast.parse(textwrap.dedent(inspect.getsource(PlainFieldExecutionContext)))
    cls = tree.body[0]
    assert isinstance(cls, ast.ClassDef)
    defined = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    defined |= {
        t.id
        for n in cls.body
        if isinstance(n, ast.AnnAssign | ast.Assign)
        for t in ast.walk(n)
        if isinstance(t, ast.Name)
    }
    assigned = {
        t.attr
        for n in ast.walk(cls)
        if isinstance(n, ast.Assign | ast.AnnAssign)
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
        if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
    }
    used = {
        n.attr
        for n in ast.walk(cls)
        if isinstance(n, ast.Attribute)
        and (
            (isinstance(n.value, ast.Name) and n.value.id == "self")
            or (isinstance(n.value, ast.Call) and getattr(n.value.func, "id", None) == "super")
        )
    }
    listed = set(execution.EXECUTOR_METHODS) | execution.EXECUTOR_ATTRIBUTES
    assert used - defined - assigned - listed == set()
    assert (defined & set(dir(Executor))) - {"__init__"} <= set(execution.EXECUTOR_METHODS)
    assert listed <= set(dir(Executor)) | {a for a in execution.EXECUTOR_ATTRIBUTES if a in Executor.__annotations__}
    module_source = inspect.getsource(execution)
    assert "_is_default" not in module_source


def test_the_setting_chooses_the_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.plugins import built_in_plugins, load_plugins
    from core.settings import Settings
    from schema.builder import build_schema

    monkeypatch.setenv("CC_FAST_EXECUTOR", "false")
    assert Settings().fast_executor is False
    monkeypatch.delenv("CC_FAST_EXECUTOR")
    assert Settings().fast_executor is True
    registry = load_plugins(only=built_in_plugins())
    off = build_schema(registry, frozenset(), fast_executor=False)
    on = build_schema(registry, frozenset(), fast_executor=True)
    assert off.execution_context_class is StrawberryGraphQLCoreExecutionContext  # strawberry's own
    assert issubclass(on.execution_context_class, PlainFieldExecutionContext)


def test_root_arguments_are_coerced_again_when_a_variable_they_read_changes() -> None:
    """core.compiled_arguments.RootArguments: the last coercion is reused only for the same values of the
    variables the field's arguments read (nested in an input object or a list too), defaults
    included, and each request gets its own copy."""
    from graphql import build_schema, parse
    from graphql.execution.values import get_variable_values

    from core.compiled_arguments import RootArguments

    schema = build_schema(
        """
        input Filter { tags: [String!], po: String }
        type Query { items(first: Int = 20, after: String, filter: Filter, sort: String = "date"): [String] }
        """
    )
    document = parse(
        'query ($first: Int, $tag: String!, $unused: Int) { items(first: $first, filter: {tags: [$tag], po: "x"}) }'
    )
    operation = document.definitions[0]
    node = operation.selection_set.selections[0]
    field = schema.query_type.fields["items"]
    arguments = RootArguments(node)
    assert arguments.names == ("first", "tag")

    def of(**variables: Any) -> dict[str, Any]:
        values = get_variable_values(schema, operation.variable_definitions, variables)
        return arguments.of(field, node, values)

    first = of(first=5, tag="a", unused=1)
    assert first == {"first": 5, "filter": {"tags": ["a"], "po": "x"}, "sort": "date"}
    first["first"] = 999  # a caller's change stays its own
    assert of(first=5, tag="a", unused=2) == {"first": 5, "filter": {"tags": ["a"], "po": "x"}, "sort": "date"}
    nested = of(first=5, tag="b")
    nested["filter"]["tags"].append("planted")  # nor a change deep inside an input object
    assert of(first=5, tag="b")["filter"] == {"tags": ["b"], "po": "x"}
    assert of(tag="b")["first"] == 20  # $first unset: the argument's default
    assert of(first=None, tag="b")["first"] is None
