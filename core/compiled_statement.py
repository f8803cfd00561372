"""The statement of a compiled root field (core/compiled.py plans it): the page with its count
and its children — decoded rows, or (PostgreSQL) the response's JSON itself (:class:`RawChildren`)
— built and run on the request's connection, its rows put into the response."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, Text, and_, bindparam, case, cast, func, literal_column, select, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.types import TypeDecorator

from core.driver import TENANT, DriverStatement, compile_once, fetch
from core.jsonio import Fragment, loads
from core.pagination import _after_clause, check_first, decode_cursor, encode_cursor, sql_cursor, sql_cursor_fits

if TYPE_CHECKING:
    from core.compiled import Children, RootPlan

#: The label of the list's count in a page's rows.
COUNT_LABEL = "cc_count"
#: The labels of a page's edges (or nodes) PostgreSQL writes as the response's JSON.
WRITTEN_LABEL = "cc_page_"


class Irregular(Exception):
    """A value the plan did not expect: the root field is answered by its resolvers instead."""


def children_key(name: str) -> str:
    return f"cc_children_{name}"


# Scalars whose JSON PostgreSQL writes as graphql-core serializes them, from a column of that Python
# type (``to_json`` of a date is its ISO text). Date-times are not: PostgreSQL drops trailing zeros
# of the fraction, Python's isoformat does not.
RAW_SCALARS: Mapping[str, type] = {"String": str, "Int": int, "Boolean": bool, "Date": date}
raw_labels = itertools.count()


#: Writes a selection's JSON in SQL: (row's table, parent's table) -> an expression of its JSON text.
SqlJson = Callable[[Any, Any], Any]


# The response's JSON is written as text by concatenation, not by ``json_build_object`` and
# ``json_agg``: those look up every argument's type on every row, a fifth of a written page's
# PostgreSQL CPU (perf, issue 21); ``||`` of texts does not.
class JsonText(TypeDecorator):
    """Text that is JSON already (an object, an array, a value written here): put in as it is."""

    impl = Text
    cache_ok = True


JSON_TEXT = JsonText()


def json_literal(value: str) -> Any:
    """A constant JSON text of the statement (its characters checked: no quote can end the literal)."""
    if "'" in value or "\\" in value:
        raise ValueError(f"not a plain JSON literal: {value!r}")
    return literal_column(f"'{value}'", JSON_TEXT)


def json_name(name: str) -> Any:
    """A GraphQL name (a type's name, an enum's value) as a JSON string."""
    sql_name(name)  # checks it is one
    return json_literal(f'"{name}"')


# A text JSON writes as it is between quotes: no quote, backslash or control character. Testing
# for it costs half of ``to_json``, which looks the value's type up on every call.
_PLAIN_TEXT = literal_column("""'["\\\\[:cntrl:]]'""", Text)
_QUOTE = literal_column("""'"'""", Text)


def json_value(value: Any) -> Any:
    """The JSON text of an SQL value: as it is when it is JSON text already, an integer's or a
    boolean's own text, a plain text between quotes, any other's ``to_json`` (a text escaped, a date
    in ISO form); null for NULL."""
    if isinstance(value.type, JsonText):
        return value
    kind = python_type_of(value)
    escaped = cast(func.to_json(value), Text)
    if kind in (int, bool):
        written = cast(value, Text)
    elif kind is str:
        written = case((value.op("!~")(_PLAIN_TEXT), _QUOTE.concat(value).concat(_QUOTE)), else_=escaped)
    else:
        written = escaped
    return type_coerce(func.coalesce(written, literal_column("'null'")), JSON_TEXT)


def json_string(text: Any) -> Any:
    """A text that needs no escaping (an amount's digits and sign) as a JSON string."""
    return type_coerce(_QUOTE.concat(text).concat(_QUOTE), JSON_TEXT)


def json_object(pairs: list[tuple[str, Any]]) -> Any:
    """A JSON object of (response name, SQL value) pairs, in their order."""
    if not pairs:
        return json_literal("{}")
    written: Any = None
    for i, (name, value) in enumerate(pairs):
        sql_name(name)
        key = literal_column(f"'{'{' if i == 0 else ','}\"{name}\":'", Text)
        written = key if written is None else written.concat(key)
        written = written.concat(json_value(value))
    return type_coerce(written.concat(literal_column("'}'", Text)), JSON_TEXT)


@dataclass(frozen=True)
class RawChildren:
    """A selection of children that PostgreSQL writes as the response's JSON itself (issue 21): each
    object's fields in the selection's order (``build``), Money rounded by
    ``core.money.sql_quantized_text``; the array goes into the response as it came
    (``orjson.Fragment``), no object per child."""

    key: str
    build: SqlJson

    def column(self, children: Children, parent: Any) -> Any:
        return cast(sql_children(children, self.build, parent), Text).label(self.key)


def sql_children(children: Children, build: SqlJson, parent: Any) -> Any:
    """The JSON array of the parent row's children, each written by ``build``, in their order
    (an empty array when there is none: the aggregate of no row is NULL)."""
    table = children.model.__table__  # type: ignore[attr-defined]
    order = [table.c[name] for name in children.order]
    joined = func.string_agg(build(table, parent), aggregate_order_by(literal_column("','"), *order))
    array = literal_column("'['", Text).concat(joined).concat(literal_column("']'", Text))
    found = select(array).where(table.c[children.parent_column] == parent.c.id, table.c.tenant_id == TENANT)
    return type_coerce(func.coalesce(found.scalar_subquery(), literal_column("'[]'")), JSON_TEXT)


_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


def sql_name(name: str) -> Any:
    """A GraphQL name (a response key, a type name) or a currency code as a SQL string literal,
    written into the statement's text: constants of a plan, not parameters. A bound parameter each
    (dozens per statement) made SQLAlchemy's cache key of every request's statement a tenth of a
    page's CPU."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a GraphQL name: {name!r}")
    return literal_column(f"'{name}'", Text)


def _json_decoder(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """A child's JSON value back to what the driver and SQLAlchemy give the resolvers for
    ``column``: on SQLite the JSON value is the stored one (text dates, REAL amounts, 0/1 booleans)
    and the column type's own result processing applies; on PostgreSQL dates come as ISO text and
    numerics as their text (`_children_column`), then a ``TypeDecorator``'s
    ``process_result_value`` (``core.db.Amount``)."""
    col_type = column.type
    if dialect.name == "sqlite":
        return col_type.result_processor(dialect, None)  # None: the stored value as it is
    python_type = python_type_of(column)
    decorate = col_type.process_result_value if isinstance(col_type, TypeDecorator) else None
    if python_type is datetime:
        convert: Callable[[Any], Any] | None = lambda v: None if v is None else datetime.fromisoformat(v)  # noqa: E731
    elif python_type is date:
        convert = lambda v: None if v is None else date.fromisoformat(v)  # noqa: E731
    elif python_type is Decimal:
        convert = lambda v: None if v is None else (v if type(v) is Decimal else Decimal(v))  # noqa: E731
    else:
        convert = None
    if decorate is None:
        return convert
    if convert is None:
        return lambda v: decorate(v, dialect)
    return lambda v: decorate(convert(v), dialect)


def python_type_of(column: Any) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return object


def _children_column(children: Children, parent_id: Any, tenant: Any, dialect: Any) -> Any:
    """The children of the row whose id is ``parent_id``, as one JSON array (text), in order."""
    table = children.model.__table__  # type: ignore[attr-defined]
    postgres = dialect.name == "postgresql"
    pairs: list[Any] = []
    for column in table.columns:
        # PostgreSQL writes a numeric as a JSON number with every digit: as text it reaches the
        # decoder exact without a float-parsing hook (orjson has none).
        pairs.extend(
            (sql_name(column.name), cast(column, Text) if postgres and python_type_of(column) is Decimal else column)
        )
    where = (table.c[children.parent_column] == parent_id, table.c.tenant_id == tenant)
    order = [table.c[name] for name in children.order]
    if postgres:
        aggregated = func.json_agg(aggregate_order_by(func.json_build_object(*pairs), *order))
        return cast(select(aggregated).where(*where).scalar_subquery(), Text)
    # SQLite (3.40 has no ORDER BY inside an aggregate): aggregate an ordered subquery's objects.
    ordered = (
        select(func.json_object(*pairs).label("j")).where(*where).order_by(*order).correlate(parent_id.table).subquery()
    )
    return select(func.json_group_array(func.json(ordered.c.j))).scalar_subquery()


async def run_connection(plan: RootPlan, ctx: Any, args: Mapping[str, Any]) -> dict[str, Any]:
    """Authorize (the plugin's service), build the one statement, run it and answer the response."""
    spec = plan.spec
    tenant = ctx.tenant
    if tenant is None:
        raise Irregular  # across tenants (a sales rep without X-Tenant): the resolvers' reads
    source = spec.source(ctx, args)  # authorizes: raises FORBIDDEN etc. as the resolver's service does
    limit = check_first(args.get("first"))
    after = args.get("after")
    order_columns = [column for column, _desc in source.order]
    descending = [desc for _column, desc in source.order]
    cursor_values = decode_cursor(after, order_columns, "after") if after else None

    session = ctx.session
    dialect = session.bind.dialect
    model = spec.node.model
    table = model.__table__  # type: ignore[attr-defined]
    if plan.raw is not None and dialect.name == "postgresql" and dialect.driver == "asyncpg":
        answered = await _run_written(plan, ctx, source, table, limit, after, cursor_values)
        if answered is not None:
            return answered
    prepared = plan.prepared.get(dialect.name)
    if prepared is None:
        prepared = plan.prepared[dialect.name] = _Prepared(plan, table, dialect)
    params = {"cc_tenant": tenant.id, "cc_today": ctx.today()}
    where = [table.c.tenant_id == TENANT, *source.where]
    counted = select(func.count()).select_from(table).where(*where)
    page = select(*prepared.columns, *prepared.children_columns)
    if plan.counts:
        # The list's count on every row of its page, computed once (an uncorrelated subquery).
        page = page.add_columns(counted.correlate(None).scalar_subquery().label(COUNT_LABEL))
    page = page.where(*where)
    if cursor_values is not None:
        page = page.where(_after_clause(order_columns, descending, cursor_values))
    order = [c.desc() if d else c.asc() for c, d in zip(order_columns, descending, strict=True)]
    # A Core statement that filters every table by tenant itself: run on the session's connection
    # (its transaction and row-level-security scope), without the ORM's execution around it.
    connection = await session.connection()
    result = await connection.execute(page.order_by(*order).limit(limit + 1), params)
    names = list(result.keys())
    raw_rows = result.all()
    total: int | None = None
    if plan.counts:
        if raw_rows:
            total = int(raw_rows[0][-1])
        else:  # an empty page (after its last row) has no row to carry the count: ask it alone
            total = int((await connection.execute(counted, params)).scalar_one())
    decoders, raw_keys = prepared.decoders, prepared.raw_keys
    rows: list[dict[str, Any]] = []
    for raw in raw_rows:
        row = dict(zip(names, raw, strict=True))
        for key, columns in decoders:
            text = row[key]
            items = loads(text) if text else []
            for item in items:  # the parsed objects become the children's rows, their values decoded
                for col, decode in columns:
                    item[col] = decode(item[col])
            row[key] = items
        for key in raw_keys:
            row[key] = Fragment(row[key] or "[]")
        rows.append(row)
    more = len(rows) > limit
    rows = rows[:limit]
    order_keys = [c.key for c in order_columns]
    cursor_keys = [tuple(row[k] for k in order_keys) for row in rows]
    return plan.answer(ctx, rows, more, bool(after), total, cursor_keys)


class _Prepared:
    """What a plan's statement needs that does not change between requests, per dialect: the
    tenant's bind parameter, the page's columns, the children's correlated subqueries and the
    decoders of their JSON values (only the columns whose values need one)."""

    def __init__(self, plan: RootPlan, table: Any, dialect: Any) -> None:
        self.columns = list(table.columns)
        self.children: dict[str, Children] = {}
        raw: list[Any] = []
        for node_plan in plan.node_plans:
            for name, (children, _child_plan, raw_children) in node_plan.children.items():
                if raw_children is not None and dialect.name == "postgresql":
                    raw.append(raw_children.column(children, table))
                else:
                    self.children[name] = children
        self.raw_keys = [column.key for column in raw]
        self.children_columns = raw + [
            _children_column(children, table.c.id, TENANT, dialect).label(children_key(name))
            for name, children in self.children.items()
        ]
        self.decoders: list[tuple[str, list[tuple[str, Callable[[Any], Any]]]]] = []
        for name, children in self.children.items():
            columns = [(c.name, _json_decoder(c, dialect)) for c in children.model.__table__.columns]
            self.decoders.append((children_key(name), [(c, d) for c, d in columns if d is not None]))


# ------------------------------------------------------------------------------------------------
# A page PostgreSQL writes whole (issue 21): each row's edge (or node) is the response's JSON, its
# cursor too; the statement compiled once per shape and sent to the driver as it is.
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RawPart:
    """A part of a connection PostgreSQL writes: ``typename`` (``value``: the type's name),
    ``count``, ``pageInfo`` (the type's name, (response name, field) pairs), ``edges`` / ``nodes``
    (``value``: a :data:`SqlJson` of (the node's table, the row's cursor))."""

    name: str
    what: str
    value: Any = None


#: Cached statements per plan are bounded: a list's shapes (its filters' combinations) are few.
MAX_SHAPES = 64
LIMIT = bindparam("cc_limit", type_=Integer, required=False)
#: A page's size is written into its statement (``LIMIT 51``) for the first sizes a plan sees, up to
#: half its shapes, and is a parameter after that: a generic plan costs ``LIMIT $n`` as a tenth of
#: the rows. PostgreSQL keeps a statement's generic plan only when a custom plan, which sees the
#: parameters' values, costs no less; otherwise it plans every execution anew, and planning a page's
#: statement took as long as running it (issue 21).
SIZED_SHAPES = MAX_SHAPES // 2
_UNCACHEABLE = object()


async def _run_written(
    plan: RootPlan,
    ctx: Any,
    source: Any,
    table: Any,
    limit: int,
    after: str | None,
    cursor_values: list[Any] | None,
) -> dict[str, Any] | None:
    """The page written by PostgreSQL, or None when its order has no SQL cursor (a text or an
    amount column) or its conditions do not compile once (the caller then builds it as rows)."""
    columns = [table.c.get(getattr(column, "key", None)) for column, _desc in source.order]
    if not all(c is not None and sql_cursor_fits(c) for c in columns):
        return None
    descending = [desc for _column, desc in source.order]
    conditions = list(source.where)
    key = and_(*conditions)._generate_cache_key() if conditions else None
    if conditions and key is None:
        return None
    where_binds = list(key.bindparams) if key is not None else []
    shape = (
        "written",
        key.key if key is not None else None,
        tuple(len(b.effective_value) for b in where_binds if b.expanding),
        tuple((c.key, d) for c, d in zip(columns, descending, strict=True)),
        cursor_values is not None,
    )
    sized = (*shape, limit + 1)
    size_written = sized in plan.prepared or len(plan.prepared) < SIZED_SHAPES
    if size_written:
        shape = sized
    statements = plan.prepared.get(shape)
    if statements is _UNCACHEABLE:
        return None
    if statements is None:
        statements = _written_statements(
            plan,
            ctx.session.bind.dialect,
            table,
            columns,
            descending,
            conditions,
            where_binds,
            cursor_values,
            limit + 1 if size_written else None,
        )
        if len(plan.prepared) < MAX_SHAPES:
            plan.prepared[shape] = statements or _UNCACHEABLE
        if statements is None:
            return None
    page, count = statements
    values: dict[str, Any] = {"cc_tenant": ctx.tenant.id, "cc_today": ctx.today(), "cc_limit": limit + 1}
    for name, bind in zip(page.where_names, where_binds, strict=True):
        values[name] = bind.effective_value
    for i, value in enumerate(cursor_values or ()):
        values[f"cc_after_{i}"] = value
    rows = await fetch(ctx.session, page, values)
    keys = len(columns)  # each row: its sort key's values, then the parts' JSON, then the count
    more = len(rows) > limit
    rows = rows[:limit]
    total: int | None = None
    if plan.counts:
        if rows:
            total = rows[0][-1]
        else:  # an empty page has no row to carry the count: ask it alone
            count_values = {"cc_tenant": ctx.tenant.id, "cc_today": values["cc_today"]}
            for name, bind in zip(count.where_names, where_binds, strict=True):
                count_values[name] = bind.effective_value
            total = (await fetch(ctx.session, count, count_values))[0][0]
    out: dict[str, Any] = {}
    for index, part in enumerate(plan.raw):  # type: ignore[union-attr]
        if part.what == "typename":
            out[part.name] = part.value
        elif part.what == "count":
            out[part.name] = total
        elif part.what == "pageInfo":
            type_name, fields = part.value
            facts = {
                "hasNextPage": more,
                "hasPreviousPage": bool(after),
                "startCursor": encode_cursor(rows[0][:keys]) if rows else None,
                "endCursor": encode_cursor(rows[-1][:keys]) if rows else None,
                "__typename": type_name,
            }
            out[part.name] = {name: facts[field] for name, field in fields}
        else:
            column = keys + index
            out[part.name] = Fragment("[" + ",".join([row[column] for row in rows]) + "]")
    return out


def _unseen(value: Any, type_: Any = None) -> Any:
    """``value`` (of ``type_``, or its own) as a one-row subquery: a parameter the planner cannot
    look into when it makes a custom plan."""
    return select(cast(value, type_ if type_ is not None else value.type)).scalar_subquery()


def _written_statements(
    plan: RootPlan,
    dialect: Any,
    table: Any,
    columns: list[Any],
    descending: list[bool],
    conditions: list[Any],
    where_binds: list[Any],
    cursor_values: list[Any] | None,
    size: int | None,
) -> tuple[DriverStatement, DriverStatement] | None:
    """The page (the sort key's values, each part's JSON by position, the count last) and the count
    alone; the page's ``LIMIT`` is ``size`` written in, or the ``cc_limit`` parameter. The page's
    first and last cursors are encoded from the key in Python; PostgreSQL writes an edge's own
    (``sql_cursor``) only where the selection asks for it."""
    # The tenant and the cursor as one-row subqueries, values the planner does not see: a custom
    # plan then costs what the generic plan costs, and PostgreSQL keeps the generic one after five
    # executions rather than planning each execution (see SIZED_SHAPES).
    where = [table.c.tenant_id == _unseen(TENANT, table.c.tenant_id.type), *conditions]
    cursor = sql_cursor(columns)
    parts = [
        cast(part.value(table, cursor), Text).label(f"{WRITTEN_LABEL}{i}")
        if part.what in ("edges", "nodes")
        else literal_column("NULL")
        for i, part in enumerate(plan.raw)  # type: ignore[union-attr]
    ]
    counted = select(func.count()).select_from(table).where(*where)
    page = select(*columns, *parts)
    if plan.counts:
        page = page.add_columns(counted.correlate(None).scalar_subquery())
    page = page.where(*where)
    if cursor_values is not None:
        after = [_unseen(bindparam(f"cc_after_{i}", type_=c.type, required=False)) for i, c in enumerate(columns)]
        page = page.where(_after_clause(columns, descending, after))
    order = [c.desc() if d else c.asc() for c, d in zip(columns, descending, strict=True)]
    page = page.order_by(*order).limit(LIMIT if size is None else literal_column(str(int(size)), Integer))
    compiled_page = compile_once(page, dialect, where_binds)
    compiled_count = compile_once(counted, dialect, where_binds)
    if compiled_page is None or compiled_count is None:
        return None
    return compiled_page, compiled_count
