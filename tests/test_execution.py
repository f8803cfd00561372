"""The plain-field shortcut of the executor (schema/execution.py) answers exactly as graphql-core's own
path: same data, same errors with the same paths, and it steps aside for middleware and arguments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core.fields import computed_attributes, prefetched_in
from schema.execution import PlainFieldExecutionContext
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
]


async def result_of(execution_context_class: type, query: str, extensions: list[Any] | None = None) -> dict[str, Any]:
    schema = strawberry.Schema(Query, execution_context_class=execution_context_class, extensions=extensions or [])
    result = await schema.execute(query)
    errors = [(e.message, e.path) for e in result.errors or []]
    return {"data": result.data, "errors": errors}


@pytest.mark.parametrize("query", QUERIES)
async def test_same_answers_as_graphql_core(query: str) -> None:
    fast = await result_of(PlainFieldExecutionContext, query)
    assert fast == await result_of(StrawberryGraphQLCoreExecutionContext, query)
    if any(marker in query for marker in ("bad {", "boom", "Boom", "later", "loaded", "shouted", "maybeTag", "loose")):
        assert fast["errors"], "the error cases must really produce errors"


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
    import schema.execution as execution

    decided: list[bool] = []
    real = execution._plain_field

    def spy(field_def: Any) -> Any:
        found = real(field_def)
        decided.append(found[0] is not None)
        return found

    monkeypatch.setattr(execution, "_plain_field", spy)
    await api.load({"tenants": [ACME]})
    viewer = (await api.ok("{ viewer { email firstName } }", as_="tech@acme.com"))["viewer"]
    assert viewer["email"] == "tech@acme.com" and viewer["firstName"] == "Ted"
    assert any(decided), "basic leaf fields of the product schema take the shortcut"


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
