"""A faster path through graphql-core's executor for the commonest field: a plain attribute that
holds a scalar or enum (an invoice's number, a line's product, a Money's amount).

graphql-core executes every field the same way: a resolve-info object, a resolver call, awaitable
checks, then value completion through the type wrappers. For strawberry's *basic* fields (no
resolver, no field extensions: strawberry itself resolves them with ``getattr``) of leaf type that
work produces exactly ``coerce_output_value(getattr(source, name))``, so this executor computes that
directly. A page of 50 invoices with their lines has about 1,600 such fields (docs/performance.md).

Anything unusual — middleware, arguments, a null or a failing attribute or coercion — takes
graphql-core's own path, which then reports the error with its path exactly as before.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLField, GraphQLLeafType, GraphQLNonNull, Undefined, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

_NOT_FAST = (None, None)
_PLAIN_KEY = "customer-center-plain-leaf"


def _plain_leaf(field_def: GraphQLField) -> tuple[str | None, GraphQLLeafType | None]:
    """(attribute name, leaf type) when ``field_def`` is a basic strawberry field of leaf type."""
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not getattr(resolve, "_is_default", False) or definition is None or field_def.args:
        return _NOT_FAST
    if definition.default_resolver is not getattr:
        return _NOT_FAST
    leaf = field_def.type.of_type if isinstance(field_def.type, GraphQLNonNull) else field_def.type
    if not is_leaf_type(leaf):
        return _NOT_FAST
    return definition.python_name, leaf


class FastLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the plain-leaf shortcut (see the module docstring)."""

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
                    plain = extensions[_PLAIN_KEY] = _plain_leaf(field_def)
                name, leaf = plain
                if name is not None:
                    try:
                        value = getattr(source, name)
                        if value is not None:
                            coerced = leaf.coerce_output_value(value)
                            if coerced is not None and coerced is not Undefined:
                                return coerced
                    except Exception:  # noqa: BLE001 - graphql-core's path reports it with its path
                        pass
        return super().execute_field(parent_type, source, field_details_list, path, position_context)
