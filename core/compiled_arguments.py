"""A compiled root field's arguments (core/compiled.py): coerced as graphql-core coerces them and
remembered for the variables' last values (:class:`RootArguments`), and an input object's as the
resolver receives it (:func:`input_of`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from graphql import ListValueNode, ObjectValueNode, VariableNode
from graphql.execution.values import get_argument_values
from strawberry.utils.str_converters import to_camel_case


def input_of(cls: type, value: Mapping[str, Any] | None) -> Any:
    """A strawberry input object from its coerced argument (GraphQL field names, values already
    coerced: enum members, dates), as the resolver receives it; None stays None."""
    if value is None:
        return None
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    names = {f.graphql_name or to_camel_case(f.python_name): f.python_name for f in definition.fields}
    return cls(**{names[key]: item for key, item in value.items()})


_UNSET = object()  # graphql-core's Undefined equals None: a variable set to null is another key


class RootArguments:
    """A root field's coerced arguments, remembered for the last values of the variables they read
    (one per field of a document's plan): graphql-core's coercion, every default included, was a
    twentieth of a page request's CPU (issue 21). A copy per request, deep when an argument holds
    a list or an input object: the caller may change what it is given."""

    __slots__ = ("names", "key", "args", "flat")

    def __init__(self, node: Any) -> None:
        self.names = tuple(sorted(_variables_in(node.arguments)))
        self.key: tuple[Any, ...] | None = None
        self.args: dict[str, Any] | None = None
        self.flat = True

    def of(self, field_def: Any, node: Any, variable_values: Any) -> dict[str, Any]:
        coerced = variable_values.coerced if variable_values is not None else {}
        key = tuple(coerced.get(name, _UNSET) for name in self.names)
        if self.args is None or key != self.key:
            self.args, self.key = get_argument_values(field_def, node, variable_values), key
            self.flat = not any(isinstance(v, (list, dict)) for v in self.args.values())
        return dict(self.args) if self.flat else copy.deepcopy(self.args)


def _variables_in(nodes: Any) -> set[str]:
    names: set[str] = set()
    for node in nodes or ():
        value = getattr(node, "value", node)
        if isinstance(value, VariableNode):
            names.add(value.name.value)
        elif isinstance(value, ObjectValueNode):
            names |= _variables_in(value.fields)
        elif isinstance(value, ListValueNode):
            names |= _variables_in(value.values)
    return names
