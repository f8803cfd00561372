"""A faster path through graphql-core's executor for the commonest fields: plain attributes that
hold a scalar or enum (an invoice's number, a Money's amount) or an object (a line's Money, an
edge's node).

graphql-core executes every field the same way: a path entry, a resolve-info object, a resolver
call, awaitable checks, then value completion through the type wrappers. For strawberry's *basic*
fields (no resolver, no field extensions: strawberry itself resolves them with ``getattr``) that
work reduces to ``coerce_output_value(getattr(source, name))`` for a leaf, and to executing the
sub-selection on ``getattr(source, name)`` for an object type without an ``is_type_of`` check, so
this executor does just that. Which field of a selection is plain is decided once per selection and
request (``_steps``), not once per object: a page of 50 invoices with their lines runs the same
selection 200 times, about 1,600 plain fields in all (docs/performance.md).

Anything unusual — middleware, arguments, a null, a failing attribute or coercion — takes
graphql-core's own path, which then reports the error with its path exactly as before; errors in
an object's sub-fields are handled as graphql-core handles them (``handle_field_error``).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLField, GraphQLNonNull, GraphQLObjectType, Undefined, is_leaf_type
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

LEAF, OBJECT = "leaf", "object"
_NOT_PLAIN: tuple[str | None, str | None, Any] = (None, None, None)
_PLAIN_KEY = "customer-center-plain-field"


def _plain_field(field_def: GraphQLField) -> tuple[str | None, str | None, Any]:
    """(LEAF or OBJECT, attribute name, named type) when ``field_def`` is a basic strawberry field
    of leaf type or of an object type without ``is_type_of``; otherwise (None, None, None)."""
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not getattr(resolve, "_is_default", False) or definition is None or field_def.args:
        return _NOT_PLAIN
    if definition.default_resolver is not getattr:
        return _NOT_PLAIN
    named = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
    if is_leaf_type(named):
        return LEAF, definition.python_name, named
    if isinstance(named, GraphQLObjectType) and named.is_type_of is None:
        return OBJECT, definition.python_name, named
    return _NOT_PLAIN


class PlainFieldExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the plain-field shortcut (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(grouped field set) -> (that set, its steps): collect_subfields memoises the set per
        # selection, so the same object comes back for every item of a list.
        self._plans: dict[int, tuple[Any, list[tuple[str, Any, Any, Any, Any]]]] = {}
        middleware = self.middleware_manager
        self._shortcut = not (middleware and middleware.middlewares)

    def _steps(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> list[tuple[str, Any, Any, Any, Any]]:
        """(response name, field details, LEAF/OBJECT/None, attribute, named type) per field."""
        plan = self._plans.get(id(grouped_field_set))
        if plan is not None and plan[0] is grouped_field_set:
            return plan[1]
        steps = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            field_def = None if node.arguments else self.schema.get_field(parent_type, node.name.value)
            extensions = field_def.extensions if field_def is not None else None
            kind, name, named = _NOT_PLAIN
            if extensions is not None:
                plain = extensions.get(_PLAIN_KEY)
                if plain is None:
                    # Remembered on the field definition itself: decided once per schema and field.
                    plain = extensions[_PLAIN_KEY] = _plain_field(field_def)
                kind, name, named = plain
            steps.append((response_name, field_details_list, kind, name, (named, field_def)))
        self._plans[id(grouped_field_set)] = (grouped_field_set, steps)
        return steps

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
            for response_name, field_details_list, kind, name, (named, field_def) in self._steps(
                parent_type, grouped_field_set
            ):
                if kind is not None:
                    try:
                        value = getattr(source_value, name)
                    except Exception:  # noqa: BLE001 - graphql-core's path reports it with its path
                        value = None
                    if value is not None:
                        if kind is LEAF:
                            try:
                                coerced = named.coerce_output_value(value)
                            except Exception:  # noqa: BLE001 - as above
                                coerced = None
                            if coerced is not None and coerced is not Undefined:
                                results[response_name] = coerced
                                continue
                        else:
                            result = self._complete_plain_object(
                                field_def.type,
                                named,
                                field_details_list,
                                Path(path, response_name, parent_type.name),
                                value,
                            )
                            results[response_name] = result
                            if is_awaitable(result):
                                awaitable_fields.append(response_name)
                            continue
                # Anything else, and every irregular value, takes graphql-core's own path.
                result = self.execute_field(
                    parent_type, source_value, field_details_list, Path(path, response_name, parent_type.name), None
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                # As graphql-core: settle what other fields started, they may fail too.
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _complete_plain_object(
        self,
        return_type: Any,
        object_type: GraphQLObjectType,
        field_details_list: Any,
        path: Any,
        value: Any,
    ) -> Any:
        """What ``execute_field`` + ``complete_object_value`` do for a non-null source value of an
        object type without ``is_type_of``, minus the resolve info and the resolver call."""
        try:
            completed = self.collect_and_execute_subfields(object_type, field_details_list, path, value, None)
        except Exception as raw_error:  # noqa: BLE001 - graphql-core's own error handling
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:  # noqa: BLE001 - as above
                self.handle_field_error(raw_error, return_type, field_details_list, path)
                return None

        return await_completed()
