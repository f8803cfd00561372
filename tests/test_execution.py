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
            tags=[Tag(label="a"), Tag(label="fail"), Tag(label="c")],
            loose=[Tag(label="a"), Tag(label=None), Tag(label="fail")],
            with_none=[Tag(label="fail"), None],
            bads=[broken],
        )

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
    if any(marker in query for marker in ("bad {", "boom", "Boom", "later", "maybeTag", "loose")):
        assert fast["errors"], "the error cases must really produce errors"


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
