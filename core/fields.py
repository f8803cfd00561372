"""Fields of graph types that the executor answers without graphql-core's per-field path
(schema/execution.py), besides strawberry's basic fields: prefetched resolver fields, and computed
fields readable as attributes."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T", bound=type)

PREFETCHED_IN = "customer-center-prefetched-in"


def prefetched_in(attribute: str) -> dict[str, str]:
    """``metadata`` for a resolver field whose value its object may already hold in ``attribute``
    (an invoice of a page that loaded its lines, ``core.pagination.selects_node_field``): when that
    attribute is not None the executor answers the field with it as with a plain field; the
    resolver runs only when it is None."""
    return {PREFETCHED_IN: attribute}


def is_computed(resolver: Any) -> bool:
    """Whether a strawberry resolver is a computed field: sync, of ``self`` alone (strawberry calls
    it as ``resolver(source)``), so the executor may call it inline."""
    return (
        resolver is not None
        and not resolver.is_async
        and resolver.self_parameter is not None
        and not resolver.arguments
        and resolver.info_parameter is None
        and resolver.root_parameter is None
        and resolver.parent_parameter is None
    )


def computed_attributes(cls: T) -> T:
    """Class decorator, above ``@strawberry.type``: each computed field (e.g. an invoice's ``total``,
    worked out from its row only when a query asks for it) also reads as an attribute, as a plain
    field does — ``invoice.total`` is the Money, not a method — so code on the object (a field
    grafted onto the type by another plugin, docs/writing-a-plugin.md) needs not know which is which."""
    for field in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if is_computed(field.base_resolver):
            setattr(cls, field.python_name, property(field.base_resolver.wrapped_func))
    return cls
