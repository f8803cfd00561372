"""A faster path through graphql-core's executor for the commonest fields: plain attributes that
hold a scalar or enum (an invoice's number, a Money's amount), an object (a line's Money, an
edge's node) or a list of objects (a page's edges); resolver fields whose value the object already
holds (an invoice's lines loaded with its page: ``core.pagination.prefetched_in``); and the items
of any list of objects a resolver returns.

graphql-core executes every field the same way: a path entry, a resolve-info object, a resolver
call, awaitable checks, then value completion through the type wrappers, and for each object of a
list a chain of completion calls before its own fields. For strawberry's *basic* fields (no
resolver, no field extensions: strawberry itself resolves them with ``getattr``) that work reduces
to ``coerce_output_value(getattr(source, name))`` for a leaf, and to executing the sub-selection on
``getattr(source, name)`` — or on each of its items — for an object type without an ``is_type_of``
check, so this executor does just that. What each field of a selection is, and the sub-selection of
its objects, is worked out once per schema and document (:class:`_Step`, :class:`_Plan`, kept in a
bounded cache per schema, :class:`_SchemaCaches`), not once per object nor per request: a page of
50 invoices with their lines runs the same selections 200 times, about 2,000 plain fields in all
(docs/performance.md). A selection made only of such fields, all the way down (a Money, an invoice
line, a page's edges with their invoices and lines), is built in one go from its shape (``_shape``,
``_build``).

Anything unusual — middleware, arguments, directives, ``@defer``, a null where none may be, a
failing attribute or coercion — takes graphql-core's own path, which then reports the error with its
path exactly as before; errors inside an object's or an item's sub-fields are handled as graphql-core
handles them (``handle_field_error`` at the item, then at the field).

graphql-core marks the executor methods this relies on as private, so everything that knows about
them, and about strawberry's internals, is in the compatibility section below: the versions it was
verified with (the same ranges as ``pyproject.toml``) and the methods' signatures are checked once,
and outside them :func:`fast_execution_context` answers ``None`` — strawberry's own executor — with a
logged warning. ``CC_FAST_EXECUTOR=false`` (``Settings.fast_executor``) turns the shortcut off too.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import threading
import weakref
from collections import OrderedDict
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as distribution_version
from operator import attrgetter
from typing import Any

import graphql
from graphql import (
    FragmentSpreadNode,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
    Undefined,
    VariableNode,
    Visitor,
    is_leaf_type,
    visit,
)
from graphql.execution import Executor
from graphql.pyutils import Path, gather_with_cancel

from core.fields import PREFETCHED_IN, is_computed

log = logging.getLogger("customer_center.schema")

# ------------------------------------------------------------------------------------------------
# Compatibility: the one place that knows graphql-core's and strawberry's internals
# ------------------------------------------------------------------------------------------------
#: [lowest, first unverified) version of each distribution this module was written and tested
#: against; pyproject.toml bounds the same ranges. Outside them the shortcut is off.
VERIFIED_VERSIONS: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "graphql-core": ((3, 3, 2), (3, 4)),
    "strawberry-graphql": ((0, 341, 2), (0, 342)),
}

#: graphql-core's ``Executor`` methods (documented ``:meta private:``) that
#: :class:`PlainFieldExecutionContext` overrides or calls, with the parameters it passes. Nothing
#: else of graphql-core's executor is used besides its public attributes ``schema``, ``operation``,
#: ``fragment_definitions``, ``variable_values``, ``middleware_manager`` and ``is_awaitable``
#: (tests/test_execution.py checks the class against this list), and what these methods take and
#: give: grouped field sets (response name -> list of ``FieldDetails``, read for ``.node``) and
#: ``CollectedFields`` (unpacked as grouped field set, new defer usages, ...): STRUCTURES below.
EXECUTOR_METHODS: dict[str, tuple[str, ...]] = {
    "execute_fields": ("parent_type", "source_value", "path", "grouped_field_set", "position_context"),
    "complete_list_value": ("return_type", "field_details_list", "info", "path", "result", "position_context"),
    "execute_field": ("parent_type", "source", "field_details_list", "path", "position_context"),
    "collect_subfields": ("return_type", "field_details_list"),
    "handle_field_error": ("raw_error", "return_type", "field_details_list", "path"),
    "settle_in_background": ("awaitables",),
}
EXECUTOR_ATTRIBUTES = frozenset(
    {
        "schema",
        "operation",
        "fragment_definitions",
        "variable_values",
        "middleware_manager",
        "is_awaitable",
        "context_value",
    }
)
STRUCTURES: dict[str, tuple[str, ...]] = {
    "FieldDetails": ("node",),
    "CollectedFields": ("grouped_field_set", "new_defer_usages"),
    "VariableValues": ("sources", "coerced"),
}

_problems: list[str] = []
try:  # graphql-core: the named tuples of STRUCTURES
    from graphql.execution import collect_fields as _collect_fields
    from graphql.execution import values as _values

    _STRUCTURE_FIELDS = {
        "FieldDetails": _collect_fields.FieldDetails._fields,
        "CollectedFields": _collect_fields.CollectedFields._fields,
        "VariableValues": _values.VariableValues._fields,
    }
except (ImportError, AttributeError) as exc:  # pragma: no cover - only with an unverified graphql-core
    _problems.append(f"graphql-core: {type(exc).__name__}: {exc}")
    _STRUCTURE_FIELDS = {}
try:  # strawberry: its execution context, the key of its field definitions, its resolver marker
    from strawberry.resolvers import is_default_resolver
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext as _BaseContext
    from strawberry.schema.schema_converter import GraphQLCoreConverter

    _DEFINITION_KEY: str = GraphQLCoreConverter.DEFINITION_BACKREF
except (ImportError, AttributeError) as exc:  # pragma: no cover - only with an unverified strawberry
    _problems.append(f"strawberry: {type(exc).__name__}: {exc}")
    _BaseContext = Executor  # type: ignore[assignment,misc]  # keeps the module importable
    _DEFINITION_KEY = "strawberry-definition"

    def is_default_resolver(func: Any) -> bool:  # type: ignore[misc]
        return False


def _version_tuple(text: str) -> tuple[int, ...]:
    """(3, 3, 2) for "3.3.2"; a pre-release counts as its release ("3.4.0a1": (3, 4, 0))."""
    parts: list[int] = []
    for part in text.split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.group() != part:
            break
    return tuple(parts)


@functools.cache
def _installed_versions() -> dict[str, str]:
    installed = {}
    for name in VERIFIED_VERSIONS:
        try:
            installed[name] = distribution_version(name)
        except PackageNotFoundError:
            installed[name] = graphql.version if name == "graphql-core" else "0"
    return installed


def compatibility_problems(installed: dict[str, str] | None = None) -> list[str]:
    """Why the shortcut cannot run with the installed (or the given) versions; empty when it can."""
    problems = list(_problems)
    if installed is None:
        installed = _installed_versions()
    for name, (lowest, first_unverified) in VERIFIED_VERSIONS.items():
        found = _version_tuple(installed.get(name, "0"))
        if not lowest <= found < first_unverified:
            low, high = ".".join(map(str, lowest)), ".".join(map(str, first_unverified))
            problems.append(f"{name} {installed.get(name)} is outside the verified range >={low},<{high}")
    for method, parameters in EXECUTOR_METHODS.items():
        implementation = getattr(_BaseContext, method, None)
        if implementation is None:
            problems.append(f"graphql-core's Executor has no {method}()")
            continue
        found_parameters = tuple(inspect.signature(implementation).parameters)[1:]
        if found_parameters != parameters:
            problems.append(f"graphql-core's Executor.{method}{found_parameters} is not {method}{parameters}")
    for structure, fields in STRUCTURES.items():
        found_fields = _STRUCTURE_FIELDS.get(structure, ())
        if found_fields[: len(fields)] != fields:
            problems.append(f"graphql-core's {structure}{found_fields} does not start with {fields}")
    return problems


def _strawberry_field(field_def: GraphQLField) -> Any:
    """The strawberry field behind a graphql-core field (None for introspection's and others)."""
    return (field_def.extensions or {}).get(_DEFINITION_KEY)


_warned: list[str] = []


def fast_execution_context(enabled: bool = True, compiled_reads: bool = False) -> type | None:
    """The ``execution_context_class`` for a strawberry schema: :class:`PlainFieldExecutionContext`
    when ``enabled`` (``Settings.fast_executor``) and the installed graphql-core and strawberry are
    the verified ones; otherwise None (strawberry's own executor), with a warning logged once.
    ``compiled_reads`` (``Settings.compiled_reads``) answers the root fields a plugin declares
    compilable with one statement each (``core.compiled``)."""
    if not enabled:
        return None
    problems = compatibility_problems()
    if problems:
        message = "; ".join(problems)
        if message not in _warned:
            _warned.append(message)
            log.warning("executor shortcut off (strawberry's own executor runs): %s", message)
        return None
    # A class per schema: it carries that schema's plans (see _SchemaCaches).
    return type(
        "PlainFieldExecutionContext",
        (PlainFieldExecutionContext,),
        {
            "caches": _SchemaCaches(),
            "compiled_reads": compiled_reads,
            "__module__": __name__,
            "__doc__": PlainFieldExecutionContext.__doc__,
        },
    )


# ------------------------------------------------------------------------------------------------
# The shortcut
# ------------------------------------------------------------------------------------------------
LEAF, OBJECT, LIST = "leaf", "object", "list"
STRING = "string"  # in a shape: a leaf of String or ID
_NOT_PLAIN: tuple[str | None, Any, Any, bool] = (None, None, None, False)
_FAILED = object()  # an attribute that raised: graphql-core's path reports the error

#: Operations whose plans a schema keeps (least recently used dropped first), and variants of one
#: operation kept for the values of the variables its directives read (``@include(if: $x)``).
PLAN_CACHE_SIZE = 256
VARIANTS_PER_OPERATION = 16


def _unwrap(t: Any) -> Any:
    return t.of_type if isinstance(t, GraphQLNonNull) else t


def _plain_object(t: Any) -> bool:
    return isinstance(t, GraphQLObjectType) and t.is_type_of is None


def _plain_field(field_def: GraphQLField) -> tuple[str | None, Any, Any, bool]:
    """(LEAF, OBJECT or LIST, how to get the value from the source, named type, prefetched) when
    ``field_def`` is of a leaf type, of an object type without ``is_type_of``, or of a list of such
    objects (the named type is then the item's object type), and is a basic strawberry field, a
    resolver field marked :func:`prefetched_in` an attribute (prefetched: True), or a computed field
    (a sync resolver of ``self`` alone: an invoice's Money from its row); otherwise (None, None,
    None, False).

    A computed field is called inline; when it raises, graphql-core's path calls it again to report
    the error — harmless for what such a resolver is, a computation on its object."""
    definition = _strawberry_field(field_def)
    if definition is None or field_def.args or definition.extensions:
        return _NOT_PLAIN  # arguments, or field extensions (permissions) that must run
    attribute = (definition.metadata or {}).get(PREFETCHED_IN)
    prefetched = attribute is not None
    if prefetched:
        get = attrgetter(attribute)
    elif is_default_resolver(field_def.resolve) and definition.default_resolver is getattr:
        get = attrgetter(definition.python_name)
    elif is_computed(definition.base_resolver):
        get = definition.base_resolver.wrapped_func
    else:
        return _NOT_PLAIN
    named = _unwrap(field_def.type)
    if is_leaf_type(named):
        return LEAF, get, named, prefetched
    if _plain_object(named):
        return OBJECT, get, named, prefetched
    if isinstance(named, GraphQLList) and _plain_object(_unwrap(named.of_type)):
        return LIST, get, _unwrap(named.of_type), prefetched
    return _NOT_PLAIN


def _build(shape: tuple[Any, ...], source: Any) -> dict[str, Any]:
    """The result of a plain selection (see ``_shape``) on ``source``; raises on anything irregular
    (a null where none may be, a failing attribute or coercion), and the caller then runs the
    selection through the executor, which reports it as graphql-core does."""
    out: dict[str, Any] = {}
    for name, get, kind, coerce, nullable, child in shape:
        value = get(source)
        if value is None:
            if not nullable:
                raise TypeError(name)
            out[name] = None
        elif kind is STRING and type(value) is str:
            out[name] = value  # what String's and ID's coercion return for a str, without the call
        elif child is None:
            coerced = coerce(value)
            if coerced is None or coerced is Undefined:
                raise TypeError(name)
            out[name] = coerced
        elif kind is LIST:
            if type(value) is not list:
                raise TypeError(name)
            out[name] = [_build(child, item) for item in value]  # a None item fails at its first field
        else:
            out[name] = _build(child, value)
    return out


def _settled(container: Any, keys: list[Any]) -> Any:
    """``container`` (a result dict or list) itself when ``keys`` is empty; otherwise an awaitable
    of it with the awaitables at ``keys`` awaited together and put in their places."""
    if not keys:
        return container

    async def await_all() -> Any:
        if len(keys) == 1:
            container[keys[0]] = await container[keys[0]]
        else:
            awaited = await gather_with_cancel(*(container[k] for k in keys))
            for key, value in zip(keys, awaited, strict=True):
                container[key] = value
        return container

    return await_all()


class _Step:
    """One field of a selection: how to answer it, decided once per schema and document."""

    __slots__ = (
        "name",
        "details",
        "kind",
        "get",
        "named",
        "field_def",
        "nullable",
        "item_type",
        "sub",
        "compiled",
        "arguments",
    )

    def __init__(
        self, name: str, details: Any, kind: str | None, get: Any, named: Any, field_def: Any, prefetched: bool
    ) -> None:
        self.name, self.details, self.kind, self.get, self.named = name, details, kind, get, named
        self.field_def = field_def
        # A None answers a nullable plain field; for a prefetched one it means "not loaded": resolve.
        self.nullable = field_def is not None and not isinstance(field_def.type, GraphQLNonNull) and not prefetched
        self.item_type = _unwrap(field_def.type).of_type if kind is LIST else None
        self.sub: Any = None  # the objects' grouped sub-fields (False: @defer inside), collected on first use
        self.compiled: Any = None  # a root field's core.compiled plan (False: its resolvers answer)
        self.arguments: Any = None  # a compiled root field's core.compiled_arguments.RootArguments


class _Plan:
    """How to answer one selection: its steps, and its shape once asked for (``_shape``)."""

    __slots__ = ("steps", "shape", "shaped")

    def __init__(self, steps: list[_Step]) -> None:
        self.steps = steps
        self.shape: tuple[Any, ...] | None = None
        self.shaped = False


class _OperationPlans:
    """The plans of one operation (for one value of the variables its directives read).

    ``by_selection``: id(grouped field set) -> (that set, its plan), for the sets the plans hold
    themselves (a step's sub-fields), so the same object comes back in every request. ``by_fields``:
    (parent type, ((response name, ids of its field nodes), ...)) -> plan, for the sets graphql-core
    collects anew in each request (the root's, a resolver's object's); the ids stay unique because
    the plan holds those nodes (in its steps), and the parsed document is the same object in every
    request that sends the same text (strawberry's ParserCache, ``core.limits``)."""

    __slots__ = ("by_selection", "by_fields")

    def __init__(self) -> None:
        self.by_selection: dict[int, tuple[Any, _Plan]] = {}
        self.by_fields: dict[tuple[Any, ...], _Plan] = {}


class _DirectiveVariables(Visitor):
    """The variables read by directives (``@skip(if: $x)``): they decide which fields are collected."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.depth = 0
        self.fragment_arguments = False

    def enter_directive(self, *_: Any) -> None:
        self.depth += 1

    def leave_directive(self, *_: Any) -> None:
        self.depth -= 1

    def enter_variable(self, node: VariableNode, *_: Any) -> None:
        if self.depth:
            self.names.add(node.name.value)

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        if getattr(node, "arguments", None):
            self.fragment_arguments = True  # experimental fragment arguments: plans per request


def _directive_variables(operation: Any, fragments: dict[str, Any]) -> tuple[str, ...] | None:
    """The sorted names of the variables directives read in ``operation`` and the fragments, or None
    when its plans cannot be shared between requests."""
    finder = _DirectiveVariables()
    for node in (operation, *fragments.values()):
        visit(node, finder)
    return None if finder.fragment_arguments else tuple(sorted(finder.names))


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class _SchemaCaches:
    """What the executor works out once per schema: each field's kind (``fields``: id -> (field,
    kind)) and the plans of the last :data:`PLAN_CACHE_SIZE` operations (``operations``: id ->
    (operation, directive variables, variants), least recently used first).

    Each class :func:`fast_execution_context` makes carries one, used by the first graphql-core
    schema it executes (``owner``): it lives and dies with that schema and writes nothing into
    graphql-core's objects (introspection's field definitions are shared by every schema)."""

    def __init__(self) -> None:
        self.owner: Any = None  # weak reference to the schema
        self.fields: dict[int, tuple[GraphQLField, tuple[str | None, Any, Any, bool]]] = {}
        self.operations: OrderedDict[int, tuple[Any, tuple[str, ...] | None, dict[tuple[Any, ...], _OperationPlans]]]
        self.operations = OrderedDict()
        self.lock = threading.Lock()
        self.plans_built = 0  # how many selections were planned (tests: a repeated document plans none)

    def serves(self, schema: GraphQLSchema) -> bool:
        if self.owner is None:
            with self.lock:
                if self.owner is None:
                    self.owner = weakref.ref(schema)
        return self.owner() is schema

    def field(self, field_def: GraphQLField) -> tuple[str | None, Any, Any, bool]:
        found = self.fields.get(id(field_def))
        if found is not None and found[0] is field_def:
            return found[1]
        plain = _plain_field(field_def)
        self.fields[id(field_def)] = (field_def, plain)
        return plain

    def plans_for(self, operation: Any, fragments: dict[str, Any], variable_values: Any) -> _OperationPlans:
        operations = self.operations
        key = id(operation)
        with self.lock:
            entry = operations.get(key)
            if entry is not None and entry[0] is operation:
                operations.move_to_end(key)
            else:
                entry = operations[key] = (operation, _directive_variables(operation, fragments), {})
                while len(operations) > PLAN_CACHE_SIZE:
                    operations.popitem(last=False)
            _, names, variants = entry
            if names is None:
                return _OperationPlans()
            coerced = variable_values.coerced
            values = tuple(_hashable(coerced.get(name)) for name in names)
            plans = variants.get(values)
            if plans is None:
                if len(variants) >= VARIANTS_PER_OPERATION:
                    variants.clear()
                plans = variants[values] = _OperationPlans()
            return plans


def plan_cache_stats(execution_context_class: Any) -> dict[str, int]:
    """How many operations a class from :func:`fast_execution_context` keeps plans for, and how many
    selections it has planned so far."""
    caches: _SchemaCaches = execution_context_class.caches
    return {"operations": len(caches.operations), "plans_built": caches.plans_built}


class PlainFieldExecutionContext(_BaseContext):  # type: ignore[valid-type,misc]
    """Strawberry's execution context with the plain-field shortcut (see the module docstring).

    Use :func:`fast_execution_context`: its classes keep their schema's plans across requests. This
    class itself plans each request afresh."""

    caches: _SchemaCaches | None = None
    compiled_reads = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        middleware = self.middleware_manager
        self._shortcut = not (middleware and middleware.middlewares)
        caches = type(self).caches
        if caches is None or not self._shortcut or not caches.serves(self.schema):
            caches = _SchemaCaches()  # this request's only (with middleware: unused)
        self._caches = caches
        plans = caches.plans_for(self.operation, self.fragment_definitions, self.variable_values)
        self._shared = plans.by_selection
        self._by_fields = plans.by_fields
        # id(grouped field set) -> (it, its plan) for the sets graphql-core collected in this request:
        # collect_subfields memoises them, so the same object comes back for every item of a list.
        self._local: dict[int, tuple[Any, _Plan]] = {}
        self._compiled_root = (
            type(self).compiled_reads and self._shortcut and self.operation.operation == OperationType.QUERY
        )

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _Plan:
        entry = self._shared.get(id(grouped_field_set))
        if entry is None or entry[0] is not grouped_field_set:
            entry = self._local.get(id(grouped_field_set))
            if entry is None or entry[0] is not grouped_field_set:
                entry = self._local[id(grouped_field_set)] = (
                    grouped_field_set,
                    self._planned(parent_type, grouped_field_set),
                )
        return entry[1]

    def _planned(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _Plan:
        """The plan of a selection found by its fields (see :class:`_OperationPlans`), made if new."""
        key = (
            parent_type,
            tuple((name, tuple(id(d.node) for d in details)) for name, details in grouped_field_set.items()),
        )
        plan = self._by_fields.get(key)
        if plan is None:
            plan = self._by_fields[key] = self._new_plan(parent_type, grouped_field_set)
        return plan

    def _new_plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _Plan:
        steps = []
        field_kind = self._caches.field
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            kind, get, named, prefetched = _NOT_PLAIN
            if field_def is not None and not node.arguments and not any(d.node.directives for d in details):
                kind, get, named, prefetched = field_kind(field_def)
            steps.append(_Step(response_name, details, kind, get, named, field_def, prefetched))
        self._caches.plans_built += 1
        return _Plan(steps)

    def _sub_fields(self, step: _Step) -> Any:
        """The step's objects' grouped sub-fields, or None when they need graphql-core's path
        (``@defer`` inside). Planned with the step, so every request finds the same set's plan."""
        if step.sub is None:
            grouped_field_set, new_defer_usages, *_ = self.collect_subfields(step.named, step.details)
            if not new_defer_usages:
                plan = self._planned(step.named, grouped_field_set)
                self._shared[id(grouped_field_set)] = (grouped_field_set, plan)
            step.sub = False if new_defer_usages else grouped_field_set
        return step.sub or None

    def _shape(self, object_type: GraphQLObjectType, grouped_field_set: Any) -> tuple[Any, ...] | None:
        """For a selection made only of plain leaves, and of plain objects and lists of them whose
        selections are made the same way (a Money, an invoice line, an invoice with its lines, a
        page's edges): (name, getter, kind, coerce, nullable, child shape) per field, which
        :func:`_build` turns into the result without any per-field dispatch. None for any other
        selection."""
        plan = self._plan(object_type, grouped_field_set)
        if plan.shaped:
            return plan.shape
        shape: list[Any] | None = []
        for step in plan.steps:
            nullable = step.nullable
            if step.kind is LEAF:
                kind = STRING if step.named in (GraphQLString, GraphQLID) else LEAF
                shape.append((step.name, step.get, kind, step.named.coerce_output_value, nullable, None))
                continue
            sub = self._sub_fields(step) if step.kind is not None else None
            child = self._shape(step.named, sub) if sub is not None else None
            if child is None:
                shape = None
                break
            shape.append((step.name, step.get, step.kind, None, nullable, child))
        plan.shape, plan.shaped = (tuple(shape) if shape is not None else None), True
        return plan.shape

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Any,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's ``execute_fields`` with plain fields answered inline (module docstring)."""
        if position_context is not None or not self._shortcut:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        compiled_root = self._compiled_root and path is None and parent_type is self.schema.query_type
        compiled_fields = 0
        try:
            for step in self._plan(parent_type, grouped_field_set).steps:
                kind = step.kind
                result: Any = Undefined
                if compiled_root and step.field_def is not None:
                    path_here = Path(None, step.name, parent_type.name)
                    result = self._compiled(step, source_value, path_here, apart=compiled_fields > 0)
                if result is not Undefined:
                    compiled_fields += 1
                elif kind is not None:
                    try:
                        value = step.get(source_value)
                    except Exception:  # noqa: BLE001 - graphql-core's path reports it with its path
                        value = _FAILED
                    if value is _FAILED:
                        pass
                    elif value is None:
                        if step.nullable:
                            results[step.name] = None
                            continue
                    elif kind is LEAF:
                        try:
                            coerced = step.named.coerce_output_value(value)
                        except Exception:  # noqa: BLE001 - as above
                            coerced = None
                        if coerced is not None and coerced is not Undefined:
                            results[step.name] = coerced
                            continue
                    elif (sub := self._sub_fields(step)) is None:
                        pass
                    elif kind is OBJECT:
                        if (shape := self._shape(step.named, sub)) is not None:
                            try:
                                results[step.name] = _build(shape, value)
                                continue
                            except Exception:  # noqa: BLE001, S110 - irregular: the path below reports it
                                pass
                        result = self._complete_plain_object(step, sub, Path(path, step.name, parent_type.name), value)
                    elif type(value) is list and all(item is not None for item in value):
                        result = self._complete_plain_list(step, sub, Path(path, step.name, parent_type.name), value)
                if result is Undefined:
                    # Anything else, and every irregular value, takes graphql-core's own path.
                    result = self.execute_field(
                        parent_type, source_value, step.details, Path(path, step.name, parent_type.name), None
                    )
                    if result is Undefined:
                        continue
                results[step.name] = result
                if is_awaitable(result):
                    awaitable_fields.append(step.name)
        except Exception:
            if awaitable_fields:
                # As graphql-core: settle what other fields started, they may fail too.
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        return _settled(results, awaitable_fields)

    def _compiled(self, step: _Step, source_value: Any, path: Any, apart: bool) -> Any:
        """A root field answered by its compiled statement (``core.compiled``): an awaitable of its
        value, its errors handled at ``path`` as graphql-core handles a resolver's; Undefined when
        the resolvers answer it (not compiled, its arguments, or a value the plan did not expect).
        ``apart``: its statements may run on a connection of their own, beside the first compiled
        field's on the request's (``core.driver.apart``)."""
        from core import compiled, driver

        plan = step.compiled
        if plan is None:
            plan = step.compiled = compiled.plan_root(self, step.field_def, step.details) or False
        if not plan:
            return Undefined
        try:
            node = step.details[0].node
            if step.arguments is None:
                step.arguments = compiled.RootArguments(node)
            args = step.arguments.of(step.field_def, node, self.variable_values)
        except Exception:  # noqa: BLE001 - the resolvers' path reports it
            return Undefined
        if not plan.accepts(args):
            return Undefined
        parent_type = self.schema.query_type

        async def run() -> Any:
            try:
                if apart:
                    async with driver.apart(self.context_value.session):
                        return await compiled.run_root(plan, self.context_value, args)
                return await compiled.run_root(plan, self.context_value, args)
            except compiled.Irregular:
                result = self.execute_field(parent_type, source_value, step.details, path, None)
                return await result if self.is_awaitable(result) else result
            except Exception as raw_error:  # noqa: BLE001 - graphql-core's own error handling
                self.handle_field_error(raw_error, step.field_def.type, step.details, path)
                return None

        return run()

    def _guarded(self, completed: Any, return_type: Any, details: Any, path: Any) -> Any:
        """``completed`` awaited, its error handled at ``path`` as graphql-core does."""

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:  # noqa: BLE001 - graphql-core's own error handling
                self.handle_field_error(raw_error, return_type, details, path)
                return None

        return await_completed()

    def _complete_plain_object(self, step: _Step, sub: Any, path: Any, value: Any) -> Any:
        """What ``execute_field`` + ``complete_object_value`` do for a non-null source value of an
        object type without ``is_type_of``, minus the resolve info and the resolver call."""
        try:
            completed = self.execute_fields(step.named, value, path, sub, None)
        except Exception as raw_error:  # noqa: BLE001 - graphql-core's own error handling
            self.handle_field_error(raw_error, step.field_def.type, step.details, path)
            return None
        if self.is_awaitable(completed):
            return self._guarded(completed, step.field_def.type, step.details, path)
        return completed

    def _complete_plain_list(self, step: _Step, sub: Any, path: Any, items: list[Any]) -> Any:
        """What ``execute_field`` + ``complete_list_value`` do for a plain list field without nulls
        (the field's own error handling around :meth:`_complete_items`)."""
        return_type = step.field_def.type
        try:
            completed = self._complete_items(step.named, step.item_type, step.details, path, items, sub)
        except Exception as raw_error:  # noqa: BLE001 - graphql-core's own error handling
            self.handle_field_error(raw_error, return_type, step.details, path)
            return None
        if self.is_awaitable(completed):
            return self._guarded(completed, return_type, step.details, path)
        return completed

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A resolver's list of plain objects (an invoice's lines) completed by :meth:`_complete_items`;
        anything else as graphql-core does."""
        item_type = return_type.of_type
        object_type = _unwrap(item_type)
        if (
            position_context is None
            and self._shortcut
            and type(result) is list
            and _plain_object(object_type)
            and not any(d.node.directives for d in field_details_list)
            and all(item is not None for item in result)
        ):
            grouped_field_set, new_defer_usages, *_ = self.collect_subfields(object_type, field_details_list)
            if not new_defer_usages:
                return self._complete_items(object_type, item_type, field_details_list, path, result, grouped_field_set)
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def _complete_items(
        self, object_type: GraphQLObjectType, item_type: Any, details: Any, path: Any, items: list[Any], sub: Any
    ) -> Any:
        """What ``complete_iterable_value`` does for a list without nulls of objects without
        ``is_type_of``: each item's error is handled at the item; what the item type does not absorb
        (a non-null item) is raised — or raised by the returned awaitable — for the field to handle."""
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        shape = self._shape(object_type, sub)
        try:
            for index, item in enumerate(items):
                if shape is not None:
                    try:
                        completed.append(_build(shape, item))
                        continue
                    except Exception:  # noqa: BLE001, S110 - irregular: the path below reports it
                        pass
                item_path = path.add_key(index, None)
                try:
                    value = self.execute_fields(object_type, item, item_path, sub, None)
                except Exception as raw_error:  # noqa: BLE001 - graphql-core's own error handling
                    self.handle_field_error(raw_error, item_type, details, item_path)
                    value = None
                if is_awaitable(value):
                    value = self._guarded(value, item_type, details, item_path)
                    awaitable_indices.append(index)
                completed.append(value)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed[i] for i in awaitable_indices])
            raise
        return _settled(completed, awaitable_indices)
