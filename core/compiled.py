"""Compiled reads (issue 21): a root field of a query answered by one SQL statement whose rows are
put into the response directly — no typed object per row, no resolver per field.

A plugin declares, in its ``graph`` package, which of its root fields compile and how each GraphQL
field of their types is read (``GraphContribution.compiled``: root field name -> :class:`Connection`,
whose node is a :class:`CompiledType`): a column, a :class:`Computed` value of the row (a global id,
a status, a Money) or :class:`Children`, a list of rows of another table (an invoice's lines). The
root field's ``source`` is the plugin's service: it authorizes the caller (the Casbin decision at
(subject, tenant, object type, action), raising as the resolver's service does) and answers the
list's filter and order (:class:`PageSource`). The statement adds the tenant filter itself, on the
list, its count and every child table.

What a selection needs is worked out once per schema and document (the executor's plans,
``schema/execution.py``): :func:`plan_root` answers a :class:`RootPlan` or None, and None — any field
the declaration does not name (a reseller plugin's grafted field, a field with arguments or
extensions), an unknown directive, ``@defer`` — leaves the root field to its resolvers. So does a
value the plan did not expect at run time (a null where the schema says none may be): the field is
then answered again by the resolvers, which report it as they always did.

One statement per root field (built and run by ``core/compiled_statement.py``); on PostgreSQL a
query's compiled root fields after the first run theirs on connections of their own, side by side
(``core.driver.apart``, from the executor), while at most half the pool is in use. On PostgreSQL,
when SQL can write every selected field — columns of plain scalars and enums, Money rounded per
currency, a :class:`Computed` with its SQL twin (a global id, a status for the request's day, an
object of columns), lines, an edge's cursor on a date or id key — each row of the page is its edge's
(or node's) JSON text, written by concatenation (``core.compiled_statement.json_object``), and goes
into the response as it came (:class:`RawPart`); that statement is built
and compiled once per shape (its conditions' cache key) and sent to asyncpg as it is
(``core/driver.py``). Otherwise the page (``LIMIT first + 1`` after the keyset cursor) comes as rows
built here, its children as ``json_agg(json_build_object(…) ORDER BY …)`` (or their JSON itself,
:class:`RawChildren`), on SQLite as ``json_group_array(json(…))`` over an ordered subquery; when
``totalCount`` is selected the count is an uncorrelated scalar subquery on each row (computed once;
an empty page, which has no row to carry it, asks the count alone: a second statement only then).
Leaves of rows built here are serialized by their GraphQL types (``serialize``), from the same
Python values the resolvers hold. ``CC_COMPILED_READS=false`` (``Settings.compiled_reads``) turns
the path off; it needs the executor shortcut (``CC_FAST_EXECUTOR``), whose plans it lives in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
)
from sqlalchemy import Column

from core.compiled_arguments import RootArguments as RootArguments  # the executor's, per root field
from core.compiled_arguments import input_of as input_of  # the plugins' declarations build inputs with it
from core.compiled_statement import (
    RAW_SCALARS,
    Irregular,
    RawChildren,
    RawPart,
    SqlJson,
    children_key,
    json_name,
    json_object,
    json_string,
    python_type_of,
    raw_labels,
    run_connection,
    sql_children,
)
from core.driver import TODAY as TODAY  # the request's day, for the plugins' SQL twins of rules that read it
from core.pagination import encode_cursor

#: The key of a root field's declaration in its graphql-core field's ``extensions``.
COMPILED_KEY = "cc-compiled"
#: The arguments schema/builder.py adds to every connection (paging back): the resolvers answer them.
PAGING_BACK = frozenset({"last", "before"})
#: Directives a compiled selection may carry: graphql-core applies them while collecting fields.
COLLECTED_DIRECTIVES = frozenset({"skip", "include"})


# ------------------------------------------------------------------------------------------------
# What plugins declare
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Computed:
    """A field computed from the row (a dict of every column of the model, by column name), its
    parent's row (a child's invoice) and the request context: the Python value the resolver's object
    would hold (an enum member, a ``MoneyType``); an object's sub-fields are then read from it as
    strawberry reads them (plain attributes only)."""

    fn: Callable[[Any, Mapping[str, Any], Mapping[str, Any] | None], Any]
    # The same value as a SQL expression of the row's table whose JSON is the response's value, for
    # children written by PostgreSQL (:class:`RawChildren`); None: the field is computed in Python.
    sql: Callable[[Any], Any] | None = None


def global_id(type_name: str) -> Computed:
    """A node's ``id`` field: its global id (``core.ids``), in Python and in SQL."""
    from core.ids import sql_global_id, to_global_id

    return Computed(
        lambda ctx, row, parent: to_global_id(type_name, row["id"]),
        sql=lambda table: sql_global_id(type_name, table.c.id),
    )


def column_value(column: str) -> Callable[[Any], Any]:
    """The SQL twin of a Computed that is a column's own value (an enum of the column's values)."""
    return lambda table: table.c[column]


@dataclass(frozen=True)
class MoneyOf:
    """A Money field read straight from the row: ``amount`` (a column name, or a function of the
    row) in the currency of the ``currency`` column of the row (``parent``: of its parent's row, a
    line's invoice), rounded as ``MoneyType.of`` rounds it (``core.money.quantize``) and written
    into the response as its selected fields — no MoneyType per amount."""

    amount: str | Callable[[Mapping[str, Any]], Any]
    currency: str = "currency"
    parent: bool = False


@dataclass(frozen=True)
class Children:
    """A list field answered by the rows of ``model`` whose ``parent_column`` is the row's id, in
    ``order`` (column names; the last one unique), each as ``node``."""

    model: type
    parent_column: str
    order: tuple[str, ...]
    node: CompiledType


@dataclass(frozen=True)
class CompiledType:
    """How each GraphQL field of a type reads a row of ``model``: a column name, a
    :class:`Computed`, a :class:`MoneyOf` or :class:`Children`. A field not named here is not compiled."""

    model: type
    fields: Mapping[str, str | Computed | MoneyOf | Children]


@dataclass(frozen=True)
class PageSource:
    """What a plugin's service answers for a compiled list, once it has authorized the caller: the
    list's conditions (besides the tenant's, which the statement adds) and its order ((column,
    descending) pairs, the last one unique: the keyset cursor's key)."""

    where: Sequence[Any]
    order: Sequence[tuple[Any, bool]]


@dataclass(frozen=True)
class Connection:
    """A connection root field (``first``/``after``; ``last``/``before`` take the resolvers). ``source``
    (context, the field's arguments) -> :class:`PageSource` authorizes and raises as the resolver's
    service does; ``arguments`` are the field's own arguments it reads besides first/after;
    ``fallback_arguments`` those it does not read: given (not null), the resolvers answer."""

    node: CompiledType
    source: Callable[[Any, Mapping[str, Any]], PageSource]
    arguments: frozenset[str] = field(default_factory=frozenset)
    fallback_arguments: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Record:
    """A root field of an object type whose fields are the values of one mapping its plugin's
    service answers (the dashboard's counts, from one statement): ``fields`` maps each GraphQL
    field to its key there; a value is a leaf or an object of plain attributes (a ``MoneyType``).
    ``source`` (context) authorizes and raises as the resolver's service does: the same service
    function the resolver calls. A field not named (the dashboard's carts and orders, a grafted
    field) leaves the root field to its resolvers; so does any argument."""

    fields: Mapping[str, str]
    source: Callable[[Any], Awaitable[Mapping[str, Any]]]


# ------------------------------------------------------------------------------------------------
# Plans: a selection worked out once
# ------------------------------------------------------------------------------------------------


def _unwrap(t: Any) -> Any:
    return t.of_type if isinstance(t, GraphQLNonNull) else t


def _only_collected_directives(details: Sequence[Any]) -> bool:
    for d in details:
        if any(directive.name.value not in COLLECTED_DIRECTIVES for directive in d.node.directives or ()):
            return False
        if getattr(d, "fragment_variable_values", None) is not None:
            return False
    return True


def _sub_selection(executor: Any, object_type: GraphQLObjectType, details: Sequence[Any]) -> Any:
    """The grouped sub-fields of ``details`` on ``object_type``, or None when they need graphql-core
    (``@defer``) or carry a directive graphql-core does not apply while collecting."""
    grouped, defer_usages, *_ = executor.collect_subfields(object_type, details)
    if defer_usages:
        return None
    for sub in grouped.values():
        if not _only_collected_directives(sub):
            return None
    return grouped


def _leaf(field_type: Any) -> Callable[[Any], Any] | None:
    """A serializer of a leaf (or list of leaves) type; raises :class:`Irregular` on a null where
    the type has none."""
    nullable = not isinstance(field_type, GraphQLNonNull)
    named = _unwrap(field_type)
    if is_leaf_type(named):
        serialize = named.serialize

        def leaf(value: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise Irregular
            out = serialize(value)
            if out is None:
                raise Irregular
            return out

        return leaf
    if isinstance(named, GraphQLList) and is_leaf_type(_unwrap(named.of_type)):
        item = _leaf(named.of_type)
        assert item is not None

        def leaves(value: Any) -> Any:
            if value is None:
                if nullable:
                    return None
                raise Irregular
            return [item(v) for v in value]

        return leaves
    return None


def _object_of_attributes(executor: Any, field_type: Any, details: Sequence[Any]) -> Callable[[Any], Any] | None:
    """A builder of an object-typed value (a ``MoneyType``) whose selected fields are all plain
    attributes of leaf types, as strawberry reads them; None otherwise."""
    from schema.execution import _strawberry_field

    nullable = not isinstance(field_type, GraphQLNonNull)
    object_type = _unwrap(field_type)
    if not isinstance(object_type, GraphQLObjectType):
        return None
    grouped = _sub_selection(executor, object_type, details)
    if grouped is None:
        return None
    steps: list[tuple[str, Any, Any]] = []  # (name, attribute getter or None, serializer or constant)
    for name, sub in grouped.items():
        node = sub[0].node
        if node.name.value == "__typename":
            steps.append((name, None, object_type.name))
            continue
        field_def = object_type.fields.get(node.name.value)
        if field_def is None or node.arguments or field_def.args:
            return None
        definition = _strawberry_field(field_def)
        if definition is None or definition.base_resolver is not None or definition.extensions:
            return None
        serialize = _leaf(field_def.type)
        if serialize is None:
            return None
        steps.append((name, attrgetter(definition.python_name), serialize))

    def build_steps(value: Any) -> Any:
        if value is None:
            if nullable:
                return None
            raise Irregular
        out = {}
        for name, get, serialize_or_name in steps:
            out[name] = serialize_or_name if get is None else serialize_or_name(get(value))
        return out

    return build_steps


def _money_step(executor: Any, how: MoneyOf, field_type: Any, details: Sequence[Any]) -> Any:
    """A Money field's step: its selected fields (amount, currency, ``__typename``) from the row's
    values, or None when the selection asks anything else."""
    from core.money import quantize

    money_type = _unwrap(field_type)
    if not isinstance(money_type, GraphQLObjectType):
        return None
    grouped = _sub_selection(executor, money_type, details)
    if grouped is None:
        return None
    parts: list[tuple[str, str, Any]] = []  # (response name, what, serializer or the type's name)
    for name, sub in grouped.items():
        node = sub[0].node
        what = node.name.value
        if what == "__typename":
            parts.append((name, what, money_type.name))
            continue
        sub_def = money_type.fields.get(what)
        if what not in ("amount", "currency") or sub_def is None or node.arguments or sub_def.args:
            return None
        if _has_extensions(sub_def):
            return None
        serialize = _leaf(sub_def.type)
        if serialize is None:
            return None
        parts.append((name, what, serialize))
    amount_of = how.amount if callable(how.amount) else itemgetter(how.amount)
    currency_key, of_parent = how.currency, how.parent

    def money(ctx: Any, row: Mapping[str, Any], parent: Any) -> dict[str, Any]:
        amount = amount_of(row)
        if amount is None:
            raise Irregular  # the resolvers report it as they always did
        currency = (parent if of_parent else row)[currency_key]
        amount = quantize(amount if isinstance(amount, Decimal) else Decimal(amount), currency)
        out = {}
        for name, what, serialize in parts:
            if what == "amount":
                out[name] = serialize(amount)
            elif what == "currency":
                out[name] = serialize(currency)
            else:
                out[name] = serialize
        return out

    return money


@dataclass
class TypePlan:
    """A selection on a compiled type: ``steps`` (response name, how to answer it from the row and
    its parent), and the children lists it reads (field name -> their plan)."""

    steps: list[tuple[str, Callable[[Any, Mapping[str, Any], Any], Any]]]
    children: dict[str, tuple[Children, TypePlan, RawChildren | None]]

    def build(self, ctx: Any, row: Mapping[str, Any], parent: Any) -> dict[str, Any]:
        return {name: step(ctx, row, parent) for name, step in self.steps}


def _raw_object(executor: Any, spec: CompiledType, object_type: GraphQLObjectType, grouped: Any) -> SqlJson | None:
    """The selection on ``object_type`` as PostgreSQL can write it (the JSON text of an object of
    the row's table and its parent's), or None when a field needs Python. The Python plan of the same
    selection was accepted first: arguments and field extensions are refused there."""
    fields: list[tuple[str, SqlJson]] = []
    columns = spec.model.__table__.columns  # type: ignore[attr-defined]
    for response_name, details in grouped.items():
        node = details[0].node
        name = node.name.value
        if name == "__typename":
            fields.append((response_name, lambda table, parent, _t=object_type.name: json_name(_t)))
            continue
        how = spec.fields.get(name)
        field_def = object_type.fields[name]
        nullable = not isinstance(field_def.type, GraphQLNonNull)
        named = _unwrap(field_def.type)
        if isinstance(how, str):
            if not _raw_column_fits(columns[how], named, nullable):
                return None
            fields.append((response_name, lambda table, parent, _c=how: table.c[_c]))
        elif isinstance(how, Computed) and how.sql is not None and is_leaf_type(named):
            fields.append((response_name, lambda table, parent, _f=how.sql: _f(table)))
        elif isinstance(how, Computed) and how.sql is not None and isinstance(named, GraphQLObjectType):
            sub = _raw_attributes(executor, how.sql, spec.model.__table__, named, details)  # type: ignore[attr-defined]
            if sub is None:
                return None
            fields.append((response_name, sub))
        elif isinstance(how, MoneyOf) and isinstance(how.amount, str):
            money = _raw_money(how, columns, named, details, executor)
            if money is None:
                return None
            fields.append((response_name, money))
        elif isinstance(how, Children):
            item_type = _unwrap(_unwrap(field_def.type).of_type)
            sub_grouped = _sub_selection(executor, item_type, details)
            child = _raw_object(executor, how.node, item_type, sub_grouped) if sub_grouped is not None else None
            if child is None:
                return None
            fields.append((response_name, lambda table, parent, _h=how, _b=child: sql_children(_h, _b, table)))
        else:
            return None
    return _json_of(fields)


def _raw_column_fits(column: Any, named: Any, nullable: bool) -> bool:
    """A column whose JSON is the GraphQL scalar's value (or an enum's, whose names are its values)
    and that holds no null where the field may have none (Python reports such a null: Irregular)."""
    if column.nullable and not nullable:
        return False
    if isinstance(named, GraphQLEnumType):
        return all(name == value.value for name, value in named.values.items())
    return RAW_SCALARS.get(getattr(named, "name", "")) is python_type_of(column)


def _raw_attributes(
    executor: Any, sql: Callable[[Any], Any], table: Any, object_type: Any, details: Sequence[Any]
) -> SqlJson | None:
    """An object-typed Computed written by SQL: its ``sql`` maps the object's GraphQL fields to
    expressions of the row's table (a name absent: that field needs Python)."""
    grouped = _sub_selection(executor, object_type, details)
    if grouped is None:
        return None
    expressions = sql(table)
    parts: list[tuple[str, str]] = []
    for response_name, sub in grouped.items():
        what = sub[0].node.name.value
        if what != "__typename":
            sub_def = object_type.fields.get(what)
            expression = expressions.get(what)
            if sub_def is None or expression is None or not is_leaf_type(_unwrap(sub_def.type)):
                return None
            nullable = not isinstance(sub_def.type, GraphQLNonNull)
            if isinstance(expression, Column) and not _raw_column_fits(expression, _unwrap(sub_def.type), nullable):
                return None
        parts.append((response_name, what))

    def build(table: Any, parent: Any) -> Any:
        expressions = sql(table)
        return json_object(
            [
                (response_name, json_name(object_type.name) if what == "__typename" else expressions[what])
                for response_name, what in parts
            ]
        )

    return build


def _raw_money(how: MoneyOf, columns: Any, money_type: Any, details: Sequence[Any], executor: Any) -> Any:
    if columns[how.amount].nullable:
        return None
    grouped = _sub_selection(executor, money_type, details)
    if grouped is None:
        return None
    parts = [(name, sub[0].node.name.value) for name, sub in grouped.items()]
    if any(what not in ("amount", "currency", "__typename") for _name, what in parts):
        return None
    amount_column, currency_column, of_parent = how.amount, how.currency, how.parent

    def build(table: Any, parent: Any) -> Any:
        from core.money import sql_quantized_text

        currency = (parent if of_parent else table).c[currency_column]
        amount = json_string(sql_quantized_text(table.c[amount_column], currency))
        values = {"amount": amount, "currency": currency, "__typename": json_name(money_type.name)}
        return json_object([(name, values[what]) for name, what in parts])

    return build


def _has_extensions(field_def: Any) -> bool:
    """A strawberry field extension (a signed link, a permission) must run: such a field is not compiled."""
    from schema.execution import _strawberry_field

    definition = _strawberry_field(field_def)
    return definition is None or bool(definition.extensions)


def _type_plan(executor: Any, spec: CompiledType, object_type: GraphQLObjectType, grouped: Any) -> TypePlan | None:
    steps: list[tuple[str, Any]] = []
    children: dict[str, tuple[Children, TypePlan]] = {}
    for response_name, details in grouped.items():
        node = details[0].node
        name = node.name.value
        if name == "__typename":
            type_name = object_type.name
            steps.append((response_name, lambda ctx, row, parent, _t=type_name: _t))
            continue
        how = spec.fields.get(name)
        field_def = object_type.fields.get(name)
        if how is None or field_def is None or node.arguments or field_def.args or _has_extensions(field_def):
            return None
        if isinstance(how, Children):
            list_type = _unwrap(field_def.type)
            if not isinstance(list_type, GraphQLList):
                return None
            item_type = _unwrap(list_type.of_type)
            if not isinstance(item_type, GraphQLObjectType) or not isinstance(list_type.of_type, GraphQLNonNull):
                return None
            sub = _sub_selection(executor, item_type, details)
            child_plan = _type_plan(executor, how.node, item_type, sub) if sub is not None else None
            if child_plan is None:
                return None
            raw_build = _raw_object(executor, how.node, item_type, sub)
            raw = RawChildren(f"cc_raw_{next(raw_labels)}", raw_build) if raw_build is not None else None
            children[name] = (how, child_plan, raw)
            key, raw_key = children_key(name), raw.key if raw else None

            def answer_children(
                ctx: Any,
                row: Any,
                parent: Any,
                _key: str = key,
                _raw: str | None = raw_key,
                _plan: TypePlan = child_plan,
            ) -> Any:
                if _raw is not None and _raw in row:  # written by PostgreSQL (RawChildren)
                    return row[_raw]
                return [_plan.build(ctx, child, row) for child in row[_key]]  # never null: a table's rows

            steps.append((response_name, answer_children))
            continue
        if isinstance(how, MoneyOf):
            money = _money_step(executor, how, field_def.type, details)
            if money is None:
                return None
            steps.append((response_name, money))
            continue
        serialize = _leaf(field_def.type)
        if isinstance(how, str):
            if serialize is None:
                return None
            steps.append((response_name, lambda ctx, row, parent, _c=how, _s=serialize: _s(row[_c])))
            continue
        # Computed: a leaf, or an object of plain attributes.
        if serialize is None:
            serialize = _object_of_attributes(executor, field_def.type, details)
            if serialize is None:
                return None
        fn = how.fn
        steps.append((response_name, lambda ctx, row, parent, _f=fn, _s=serialize: _s(_f(ctx, row, parent))))
    return TypePlan(steps, children)


@dataclass
class RootPlan:
    """A compiled connection root field: its selection's plans and how to answer it."""

    spec: Connection
    field_def: Any
    node_plans: list[TypePlan]  # every selection of nodes (edges.node, nodes), to load children for
    answer: Callable[[Any, list[dict[str, Any]], bool, bool, int | None, list[Any]], dict[str, Any]]
    counts: bool
    # The same answer as PostgreSQL writes it (``RawPart``s), or None when a field needs Python.
    raw: list[RawPart] | None = None
    prepared: dict[Any, Any] = field(default_factory=dict)  # dialect name -> _Prepared; raw statements

    def accepts(self, args: Mapping[str, Any]) -> bool:
        return all(args.get(name) is None for name in PAGING_BACK | self.spec.fallback_arguments)


def plan_root(executor: Any, field_def: Any, details: Sequence[Any]) -> RootPlan | RecordPlan | None:
    """The plan of a root field's selection, or None when any part of it needs the resolvers."""
    spec = (field_def.extensions or {}).get(COMPILED_KEY)
    if not _only_collected_directives(details):
        return None
    if isinstance(spec, Record):
        return _record_plan(executor, spec, field_def, details)
    if not isinstance(spec, Connection):
        return None
    if not set(field_def.args) <= spec.arguments | spec.fallback_arguments | PAGING_BACK | {"first", "after"}:
        return None
    connection_type = _unwrap(field_def.type)
    if not isinstance(connection_type, GraphQLObjectType):
        return None
    grouped = _sub_selection(executor, connection_type, details)
    if grouped is None:
        return None
    node_plans: list[TypePlan] = []
    parts: list[tuple[str, str, Any]] = []  # (response name, what, its plan)
    counts = False
    for response_name, sub in grouped.items():
        node = sub[0].node
        name = node.name.value
        if node.arguments:
            return None
        if name == "__typename":
            parts.append((response_name, "typename", connection_type.name))
        elif name == "totalCount":
            counts = True
            parts.append((response_name, "count", None))
        elif name == "pageInfo":
            info_type = _unwrap(connection_type.fields[name].type)
            info = _sub_selection(executor, info_type, sub)
            if info is None:
                return None
            fields = []
            for info_name, info_details in info.items():
                info_field = info_details[0].node.name.value
                if info_field not in ("hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "__typename"):
                    return None
                fields.append((info_name, info_field))
            parts.append((response_name, "pageInfo", (info_type.name, fields)))
        elif name in ("edges", "nodes"):
            list_type = _unwrap(connection_type.fields[name].type)
            item_type = _unwrap(list_type.of_type)
            sub_grouped = _sub_selection(executor, item_type, sub)
            if sub_grouped is None:
                return None
            if name == "nodes":
                plan = _type_plan(executor, spec.node, item_type, sub_grouped)
                if plan is None:
                    return None
                node_plans.append(plan)
                parts.append((response_name, "nodes", plan))
                continue
            edge_steps: list[tuple[str, str, Any]] = []
            for edge_name, edge_details in sub_grouped.items():
                edge_node = edge_details[0].node
                edge_field = edge_node.name.value
                if edge_node.arguments:
                    return None
                if edge_field == "__typename":
                    edge_steps.append((edge_name, "typename", item_type.name))
                elif edge_field == "cursor":
                    edge_steps.append((edge_name, "cursor", None))
                elif edge_field == "node":
                    node_type = _unwrap(item_type.fields["node"].type)
                    node_grouped = _sub_selection(executor, node_type, edge_details)
                    plan = (
                        _type_plan(executor, spec.node, node_type, node_grouped) if node_grouped is not None else None
                    )
                    if plan is None:
                        return None
                    node_plans.append(plan)
                    edge_steps.append((edge_name, "node", plan))
                else:
                    return None
            parts.append((response_name, "edges", edge_steps))
        else:
            return None

    def answer(
        ctx: Any, rows: list[dict[str, Any]], more: bool, after: bool, total: int | None, keys: list[Any]
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for response_name, what, plan in parts:
            if what == "typename":
                out[response_name] = plan
            elif what == "count":
                out[response_name] = total
            elif what == "nodes":
                out[response_name] = [plan.build(ctx, row, None) for row in rows]
            elif what == "pageInfo":
                type_name, fields = plan
                values = {
                    "hasNextPage": more,
                    "hasPreviousPage": after,
                    "startCursor": encode_cursor(keys[0]) if keys else None,
                    "endCursor": encode_cursor(keys[-1]) if keys else None,
                    "__typename": type_name,
                }
                out[response_name] = {info_name: values[info_field] for info_name, info_field in fields}
            else:  # edges
                edges = []
                for index, row in enumerate(rows):
                    edge: dict[str, Any] = {}
                    for edge_name, edge_what, edge_plan in plan:
                        if edge_what == "typename":
                            edge[edge_name] = edge_plan
                        elif edge_what == "cursor":
                            edge[edge_name] = encode_cursor(keys[index])
                        else:
                            edge[edge_name] = edge_plan.build(ctx, row, None)
                    edges.append(edge)
                out[response_name] = edges
        return out

    raw = _raw_connection(executor, spec, connection_type, grouped)
    return RootPlan(spec, field_def, node_plans, answer, counts, raw)


def _raw_connection(executor: Any, spec: Connection, connection_type: Any, grouped: Any) -> list[RawPart] | None:
    """The connection's parts when PostgreSQL can write every node and edge (the page's rows as the
    response's JSON: global ids, statuses, Money, lines, cursors), or None. The Python plan of the
    same selection was accepted first."""
    parts: list[RawPart] = []
    for response_name, sub in grouped.items():
        name = sub[0].node.name.value
        if name == "__typename":
            parts.append(RawPart(response_name, "typename", connection_type.name))
        elif name == "totalCount":
            parts.append(RawPart(response_name, "count"))
        elif name == "pageInfo":
            info_type = _unwrap(connection_type.fields[name].type)
            info = _sub_selection(executor, info_type, sub)
            fields = [(info_name, details[0].node.name.value) for info_name, details in info.items()]
            parts.append(RawPart(response_name, "pageInfo", (info_type.name, fields)))
        else:  # edges, nodes
            item_type = _unwrap(_unwrap(connection_type.fields[name].type).of_type)
            sub_grouped = _sub_selection(executor, item_type, sub)
            if name == "nodes":
                node = _raw_object(executor, spec.node, item_type, sub_grouped)
                if node is None:
                    return None
                parts.append(RawPart(response_name, "nodes", lambda table, cursor, _n=node: _n(table, None)))
                continue
            edge: list[tuple[str, Any]] = []
            for edge_name, edge_details in sub_grouped.items():
                edge_field = edge_details[0].node.name.value
                if edge_field == "__typename":
                    edge.append((edge_name, lambda table, cursor, _t=item_type.name: json_name(_t)))
                elif edge_field == "cursor":
                    edge.append((edge_name, lambda table, cursor: cursor))
                else:  # node
                    node_type = _unwrap(item_type.fields["node"].type)
                    node_grouped = _sub_selection(executor, node_type, edge_details)
                    node = _raw_object(executor, spec.node, node_type, node_grouped)
                    if node is None:
                        return None
                    edge.append((edge_name, lambda table, cursor, _n=node: _n(table, None)))
            parts.append(RawPart(response_name, "edges", _json_of(edge)))
    return parts


def _json_of(fields: list[tuple[str, SqlJson]]) -> SqlJson:
    """A JSON object of ``fields`` (response name, SQL of (the row's table, its parent's table or
    the row's cursor)), in the selection's order."""

    def build(table: Any, other: Any) -> Any:
        return json_object([(name, value(table, other)) for name, value in fields])

    return build


@dataclass
class RecordPlan:
    """A compiled :class:`Record` root field: (response name, key of the service's mapping or None
    for ``__typename``, serializer or the type's name)."""

    spec: Record
    steps: list[tuple[str, str | None, Any]]

    def accepts(self, args: Mapping[str, Any]) -> bool:
        return True  # a record's field has no arguments (plan time)

    async def run(self, ctx: Any, args: Mapping[str, Any]) -> dict[str, Any]:
        values = await self.spec.source(ctx)  # authorizes: raises FORBIDDEN as the resolver's service does
        return {name: const if key is None else const(values[key]) for name, key, const in self.steps}


def _record_plan(executor: Any, spec: Record, field_def: Any, details: Sequence[Any]) -> RecordPlan | None:
    if field_def.args or any(d.node.arguments for d in details):
        return None
    object_type = _unwrap(field_def.type)
    if not isinstance(object_type, GraphQLObjectType):
        return None
    grouped = _sub_selection(executor, object_type, details)
    if grouped is None:
        return None
    steps: list[tuple[str, str | None, Any]] = []
    for response_name, sub in grouped.items():
        node = sub[0].node
        name = node.name.value
        if name == "__typename":
            steps.append((response_name, None, object_type.name))
            continue
        key = spec.fields.get(name)
        sub_def = object_type.fields.get(name)
        if key is None or sub_def is None or node.arguments or sub_def.args or _has_extensions(sub_def):
            return None
        serialize = _leaf(sub_def.type) or _object_of_attributes(executor, sub_def.type, sub)
        if serialize is None:
            return None
        steps.append((response_name, key, serialize))
    return RecordPlan(spec, steps)


async def run_root(plan: RootPlan | RecordPlan, ctx: Any, args: Mapping[str, Any]) -> Any:
    """A compiled root field's value (a :class:`Connection`'s page, a :class:`Record`)."""
    if isinstance(plan, RecordPlan):
        return await plan.run(ctx, args)
    return await run_connection(plan, ctx, args)
