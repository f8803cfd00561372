"""Relay-style connections with keyset (cursor) pagination: a deep page costs what the first does."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select, Text, and_, cast, func, literal_column, or_, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from core.db import as_records
from core.errors import BadUserInput
from core.fields import computed_attributes
from core.i18n import _

MAX_PAGE = 100
DEFAULT_PAGE = 20

T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def _edge_cursor(self: Any) -> str:
    return self.cursors[self.index]


@computed_attributes
@strawberry.type
class Edge(Generic[T]):
    cursor: str = strawberry.field(resolver=_edge_cursor)  # computed: encoded only when asked for
    node: T
    cursors: strawberry.Private[Sequence[str]]  # the page's (a PageCursors: encoded when read)
    index: strawberry.Private[int]


class PageCursors(Sequence[str]):
    """A page's row cursors, each encoded when read: most pages show only their end cursor, and
    encoding 50 keys costs more than the rest of the page's bookkeeping."""

    def __init__(self, keys: list[Sequence[Any]]) -> None:
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [encode_cursor(k) for k in self._keys[index]]
        return encode_cursor(self._keys[index])


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    # An int, or a LazyCount that runs its COUNT only when ``totalCount`` is asked for.
    total: strawberry.Private[Any]

    @strawberry.field
    async def total_count(self) -> int:
        if isinstance(self.total, LazyCount):
            return await self.total.value()
        return int(self.total)

    @strawberry.field
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


class LazyCount:
    """The total of a connection, counted on first use: a COUNT over a large tenant's rows is the
    one part of a page whose cost grows with the tenant, so a page that does not show the total
    (a deep page, a dashboard list without counts) must not pay it (docs/performance.md)."""

    def __init__(self, session: AsyncSession, stmt: Select) -> None:
        self.session, self.stmt = session, stmt
        self._value: int | None = None

    async def value(self) -> int:
        if self._value is None:
            from sqlalchemy import func, select

            count = select(func.count()).select_from(self.stmt.order_by(None).subquery())
            self._value = (await self.session.execute(count)).scalar_one()
        return self._value


# What keyset_page answers: rows, page info, the total (a LazyCount: one COUNT, run only if the client
# selects totalCount) and the rows' cursors. Services return it, resolvers pass it to connection_of().
Page = tuple[list[Any], PageInfo, int | LazyCount, PageCursors]


def _encode_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"t": v.isoformat()}
    if isinstance(v, date):
        return {"d": v.isoformat()}
    if isinstance(v, Decimal):
        return {"n": str(v)}
    return v


def _decode_value(v: Any) -> Any:
    if isinstance(v, dict):
        if "t" in v:
            return datetime.fromisoformat(v["t"])
        if "d" in v:
            return date.fromisoformat(v["d"])
        if "n" in v:
            return Decimal(v["n"])
        raise ValueError("bad cursor value")
    return v


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def sql_cursor_fits(column: Any) -> bool:
    """Whether :func:`sql_cursor` writes this column's value as ``encode_cursor`` does: a non-null
    integer or date (a text's JSON escapes differ, a Decimal's spelling too)."""
    return not column.nullable and _python_type(column) in (int, date)


def sql_cursor(columns: Sequence[Any]) -> Any:
    """``encode_cursor`` of the row's values of ``columns`` in SQL (PostgreSQL), for pages the
    database writes (core/compiled.py): each column one :func:`sql_cursor_fits` accepts; a date's
    text is ISO (the connections' DateStyle, core/db.py)."""
    from core.ids import sql_base64url

    parts: list[Any] = [literal_column("'['")]
    for i, column in enumerate(columns):
        if i:
            parts.append(literal_column("','"))
        text = cast(column, Text)
        if _python_type(column) is date:
            parts.extend((literal_column('\'{"d":"\''), text, literal_column("'\"}'")))
        else:
            parts.append(text)
    parts.append(literal_column("']'"))
    return sql_base64url(func.concat(*parts))


def _python_type(column: Any) -> type | None:
    try:
        return column.type.python_type
    except (AttributeError, NotImplementedError):
        return None


def _fits(value: Any, expected: type | None) -> bool:
    if expected is None or value is None:
        return True
    if expected is date:  # a datetime is a date subclass: a DATE column's cursor holds a date only
        return type(value) is date
    if expected is int:
        return type(value) is int
    return isinstance(value, expected)


def decode_cursor(cursor: str, columns: Sequence[Any], field: str = "after") -> list[Any]:
    """The sort key a cursor holds, one value per column of the order. A hand-made cursor whose
    values do not have the columns' types (a date as a plain string, a number as text) is refused
    here: bound into the keyset comparison, PostgreSQL would fail the statement instead."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError("wrong width")
        decoded = [_decode_value(v) for v in values]
        if not all(_fits(v, _python_type(c)) for v, c in zip(decoded, columns, strict=True)):
            raise ValueError("wrong types")
        return decoded
    except Exception as exc:
        raise BadUserInput(_("Malformed cursor"), field=field) from exc


def check_first(first: int | None, *, maximum: int = MAX_PAGE) -> int:
    if first is None:
        return DEFAULT_PAGE
    if first < 1 or first > maximum:
        raise BadUserInput(_("first must be between 1 and {maximum}", maximum=maximum), field="first")
    return first


def _after_clause(columns: Sequence[Any], descending: Sequence[bool], values: Sequence[Any]) -> Any:
    if len(set(descending)) == 1:
        left, right = tuple_(*columns), tuple_(*values)
        return left < right if descending[0] else left > right
    clauses = []
    for i, col in enumerate(columns):
        eq = [columns[j] == values[j] for j in range(i)]
        step = col < values[i] if descending[i] else col > values[i]
        clauses.append(and_(*eq, step))
    return or_(*clauses)


@dataclass
class Backward:
    """``last``/``before`` of the connection field being resolved: the schema builder declares them on
    every connection field (schema/builder.py ``_bidirectional``) and hands them here, so every
    connection pages back without each resolver and service passing them on. ``used`` tells the
    builder's wrapper that the field's page was cut by :func:`keyset_page`, not by something else."""

    last: int | None
    before: str | None
    used: bool = False


BACKWARD: ContextVar[Backward | None] = ContextVar("cc_page_backward", default=None)


def _check_size(value: int | None, name: str) -> int:
    if value is None:
        return DEFAULT_PAGE
    if value < 1 or value > MAX_PAGE:
        raise BadUserInput(_("{name} must be between 1 and {MAX_PAGE}", name=name, MAX_PAGE=MAX_PAGE), field=name)
    return value


async def keyset_page(
    session: AsyncSession,
    stmt: Select,
    order: Sequence[tuple[Any, bool]],
    *,
    first: int | None,
    after: str | None,
    key_of: Callable[[Any], Sequence[Any]] | None = None,
    count: bool = True,
) -> Page:
    """Run ``stmt`` ordered by ``order`` ((column, descending) pairs whose last column is unique)
    after the cursor — or, when the field was asked ``last``/``before`` (:data:`BACKWARD`), the
    ``last`` rows before the cursor (or at the end), still in ``order``. Returns rows, page info,
    the total count (a LazyCount: one COUNT query, run only if the client selects ``totalCount``)
    and row cursors. Forward pages say ``hasPreviousPage`` when they start after a cursor, backward
    ones ``hasNextPage`` when they end before one (the Relay rule: no extra query to find out).
    A row's cursor holds ``key_of(row)``; by default its values of the order's columns, read by
    their attribute names (a row that holds them under other names passes its own ``key_of``)."""
    backward = BACKWARD.get()
    if backward is not None and backward.used:
        backward = None  # a second page in the same resolver (none does this) pages forward
    if backward is not None and (backward.last is not None or backward.before is not None):
        if first is not None or after:
            raise BadUserInput(_("Page with first/after or with last/before, not both"), field="last")
        backward.used = True
        limit, cursor, reverse = _check_size(backward.last, "last"), backward.before, True
    else:
        limit, cursor, reverse = check_first(first), after, False
    columns = [c for c, _desc in order]
    if key_of is None:
        names = [c.key for c in columns]
        key_of = lambda row: [getattr(row, name) for name in names]  # noqa: E731
    descending = [d for _col, d in order]
    scan = [not d for d in descending] if reverse else descending  # the direction rows are read in
    total: int | LazyCount = LazyCount(session, stmt) if count else 0
    page_stmt = stmt
    if cursor:
        where = _after_clause(columns, scan, decode_cursor(cursor, columns, "before" if reverse else "after"))
        page_stmt = page_stmt.where(where)
    page_stmt = page_stmt.order_by(*[c.desc() if d else c.asc() for c, d in zip(columns, scan, strict=True)])
    result = await session.execute(page_stmt.limit(limit + 1))
    # One entity (``select(Model)``): its instances; columns (``core.db.records``): records.
    rows = list(result.scalars().unique()) if len(result.keys()) == 1 else as_records(result)
    more = len(rows) > limit
    rows = rows[:limit]
    if reverse:
        rows.reverse()
    cursors = PageCursors([key_of(r) for r in rows])
    info = PageInfo(
        has_next_page=bool(cursor) if reverse else more,
        has_previous_page=more if reverse else bool(cursor),
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
    return rows, info, total, cursors


def selects_node_field(info: Info, name: str) -> bool:
    """Whether this connection field's selection asks for ``name`` on its nodes (``edges { node {
    name } }`` or ``nodes { name }``, through fragments).

    A list resolver uses it to load a per-node field for the whole page with the page itself, so
    the field is then a plain value on each node rather than one awaited resolver call per node (50
    coroutines and tasks per page otherwise, docs/performance.md)."""

    def fields(selections: Sequence[Selection], wanted: str) -> list[SelectedField]:
        out: list[SelectedField] = []
        for sel in selections:
            if isinstance(sel, SelectedField):
                if sel.name == wanted:
                    out.append(sel)
            else:  # a fragment spread or inline fragment: its selections stand in its place
                out.extend(fields(sel.selections, wanted))
        return out

    top = [sel for field in info.selected_fields for sel in field.selections]
    nodes = [n for e in fields(top, "edges") for n in fields(e.selections, "node")] + fields(top, "nodes")
    return any(fields(n.selections, name) for n in nodes)


def connection(nodes: Sequence[T], info: PageInfo, total: int | LazyCount, cursors: Sequence[str]) -> Connection[T]:
    if len(nodes) != len(cursors):
        raise ValueError("a cursor for every node")
    return Connection(
        edges=[Edge(node=n, cursors=cursors, index=i) for i, n in enumerate(nodes)], page_info=info, total=total
    )


def connection_of(node: Callable[[Any], T], page: Page) -> Connection[T]:
    """The connection of a service's page (keyset_page's answer), each row made a node by ``node``
    (usually the GraphQL type's ``of``): the one step every list resolver takes."""
    rows, info, total, cursors = page
    return connection([node(r) for r in rows], info, total, cursors)
