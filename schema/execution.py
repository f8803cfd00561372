"""A faster path through graphql-core's executor for the commonest fields: plain attributes that
hold a scalar or enum (an invoice's number, a Money's amount) or an object (a line's Money, an
edge's node).

graphql-core executes every field the same way: a resolve-info object, a resolver call, awaitable
checks, then value completion through the type wrappers. For strawberry's *basic* fields (no
resolver, no field extensions: strawberry itself resolves them with ``getattr``) that work reduces
to ``coerce_output_value(getattr(source, name))`` for a leaf, and to executing the sub-selection on
``getattr(source, name)`` for an object type without an ``is_type_of`` check, so this executor does
just that. A page of 50 invoices with their lines has about 1,600 such fields (docs/performance.md).

Anything unusual — middleware, arguments, a null, a failing attribute or coercion — takes
graphql-core's own path, which then reports the error with its path exactly as before; errors in
an object's sub-fields are handled as graphql-core handles them (``handle_field_error``).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLField, GraphQLNonNull, GraphQLObjectType, Undefined, is_leaf_type
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

    def execute_field(
        self,
        parent_type: Any,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        middleware = self.middleware_manager
        if not (middleware and middleware.middlewares) and not node.arguments:
            field_def = self.schema.get_field(parent_type, node.name.value)
            extensions = field_def.extensions if field_def is not None else None
            if extensions is not None:
                plain = extensions.get(_PLAIN_KEY)
                if plain is None:
                    # Remembered on the field definition itself: decided once per schema and field.
                    plain = extensions[_PLAIN_KEY] = _plain_field(field_def)
                kind, name, named = plain
                if kind is not None:
                    try:
                        value = getattr(source, name)
                    except Exception:  # noqa: BLE001 - graphql-core's path reports it with its path
                        value = None
                    if value is not None:
                        if kind is LEAF:
                            try:
                                coerced = named.coerce_output_value(value)
                            except Exception:  # noqa: BLE001 - as above
                                coerced = None
                            if coerced is not None and coerced is not Undefined:
                                return coerced
                        else:
                            return self._complete_plain_object(
                                field_def.type, named, field_details_list, path, value, position_context
                            )
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _complete_plain_object(
        self,
        return_type: Any,
        object_type: GraphQLObjectType,
        field_details_list: Any,
        path: Any,
        value: Any,
        position_context: Any,
    ) -> Any:
        """What ``execute_field`` + ``complete_object_value`` do for a non-null source value of an
        object type without ``is_type_of``, minus the resolve info and the resolver call."""
        try:
            completed = self.collect_and_execute_subfields(
                object_type, field_details_list, path, value, position_context
            )
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
