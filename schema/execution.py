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
its objects, is worked out once per selection and request (:class:`_Step`, :class:`_Plan`), not once per object: a
page of 50 invoices with their lines runs the same selections 200 times, about 2,000 plain fields
in all (docs/performance.md). A selection made only of such fields, all the way down (a Money, an
invoice line, a page's edges with their invoices and lines), is built in one go from its shape
(``_shape``, ``_build``).

Anything unusual — middleware, arguments, directives, ``@defer``, a null where none may be, a
failing attribute or coercion — takes graphql-core's own path, which then reports the error with its path exactly as
before; errors inside an object's or an item's sub-fields are handled as graphql-core handles them
(``handle_field_error`` at the item, then at the field).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from core.fields import PREFETCHED_IN, is_computed

LEAF, OBJECT, LIST = "leaf", "object", "list"
STRING = "string"  # in a shape: a leaf of String or ID
_NOT_PLAIN: tuple[str | None, Any, Any, bool] = (None, None, None, False)
_PLAIN_KEY = "customer-center-plain-field"
_FAILED = object()  # an attribute that raised: graphql-core's path reports the error


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
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None or field_def.args or definition.extensions:
        return _NOT_PLAIN  # arguments, or field extensions (permissions) that must run
    attribute = (definition.metadata or {}).get(PREFETCHED_IN)
    prefetched = attribute is not None
    if prefetched:
        get = attrgetter(attribute)
    elif getattr(field_def.resolve, "_is_default", False) and definition.default_resolver is getattr:
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
    """One field of a selection: how to answer it, decided once per selection and request."""

    __slots__ = ("name", "details", "kind", "get", "named", "field_def", "nullable", "item_type", "sub")

    def __init__(
        self, name: str, details: Any, kind: str | None, get: Any, named: Any, field_def: Any, prefetched: bool
    ) -> None:
        self.name, self.details, self.kind, self.get, self.named = name, details, kind, get, named
        self.field_def = field_def
        # A None answers a nullable plain field; for a prefetched one it means "not loaded": resolve.
        self.nullable = field_def is not None and not isinstance(field_def.type, GraphQLNonNull) and not prefetched
        self.item_type = _unwrap(field_def.type).of_type if kind is LIST else None
        self.sub: Any = None  # the objects' grouped sub-fields, collected on first use


class _Plan:
    """How to answer one selection: its steps, and its shape once asked for (``_shape``)."""

    __slots__ = ("selection", "steps", "shape", "shaped")

    def __init__(self, selection: Any, steps: list[_Step]) -> None:
        self.selection, self.steps = selection, steps  # the selection is kept so its id stays unique
        self.shape: tuple[Any, ...] | None = None
        self.shaped = False


class PlainFieldExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the plain-field shortcut (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(grouped field set) -> its plan: collect_subfields memoises the set per selection, so
        # the same object comes back for every item of a list.
        self._plans: dict[int, _Plan] = {}
        middleware = self.middleware_manager
        self._shortcut = not (middleware and middleware.middlewares)

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> _Plan:
        plan = self._plans.get(id(grouped_field_set))
        if plan is not None and plan.selection is grouped_field_set:
            return plan
        steps = []
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            field_def = self.schema.get_field(parent_type, node.name.value)
            kind, get, named, prefetched = _NOT_PLAIN
            plain_node = not node.arguments and not any(d.node.directives for d in details)
            if field_def is not None and field_def.extensions is not None and plain_node:
                plain = field_def.extensions.get(_PLAIN_KEY)
                if plain is None:
                    # Remembered on the field definition itself: decided once per schema and field.
                    plain = field_def.extensions[_PLAIN_KEY] = _plain_field(field_def)
                kind, get, named, prefetched = plain
            steps.append(_Step(response_name, details, kind, get, named, field_def, prefetched))
        plan = self._plans[id(grouped_field_set)] = _Plan(grouped_field_set, steps)
        return plan

    def _sub_fields(self, step: _Step) -> Any:
        """The step's objects' grouped sub-fields, or None when they need graphql-core's path
        (``@defer`` inside)."""
        if step.sub is None:
            grouped_field_set, new_defer_usages, *_ = self.collect_subfields(step.named, step.details)
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
        try:
            for step in self._plan(parent_type, grouped_field_set).steps:
                kind = step.kind
                result: Any = Undefined
                if kind is not None:
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
