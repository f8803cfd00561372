"""Secret arguments: marked in the schema, never written to the audit log.

An argument or input field that carries a secret — a redemption code, a card token, a password —
is marked with the ``@secret`` schema directive, so the mark is part of the schema (and its SDL)
rather than a list kept somewhere else:

    from core.secret import secret_argument, secret_field

    @strawberry.input
    class RedeemRewardsInput:
        redemption_code: str = secret_field(description="The code emailed to the recipient.")

    @strawberry.mutation
    async def sign_in(self, password: Annotated[str, secret_argument()]) -> Session: ...

The audit (``core.audit.audit_mutation``) records a mutation with ``redact_operation``: the request's
variables and the root fields' inline arguments, with every value in a secret position replaced by
``REDACTED`` — whether the client sent it as a variable or wrote it inline in the document. A value
whose position the schema does not know (an unknown argument or input field, a variable the
operation never uses, a document that does not parse) is redacted as well: the audit cannot tell it
is harmless. ``tests/hardening/test_secrets.py`` fails for any mutation argument or input field
whose name looks like a secret and is neither marked nor on its reasoned allow-list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLInputField,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    ObjectValueNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
)
from graphql.utilities import value_from_ast_untyped
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.schema_directive import Location

from core.limits import select_operation

REDACTED = "[REDACTED]"


@strawberry.schema_directive(
    locations=[Location.ARGUMENT_DEFINITION, Location.INPUT_FIELD_DEFINITION],
    name="secret",
    description="A secret (code, token, password): the server never records its value in the audit log or its logs.",
)
class Secret:
    pass


SECRET = Secret()


def secret_field(**kwargs: Any) -> Any:
    """``strawberry.field(...)`` for an input field that carries a secret."""
    return strawberry.field(directives=[SECRET, *kwargs.pop("directives", ())], **kwargs)


def secret_argument(**kwargs: Any) -> Any:
    """``strawberry.argument(...)`` for a resolver argument that carries a secret, as in
    ``code: Annotated[str, secret_argument()]``."""
    return strawberry.argument(directives=[SECRET, *kwargs.pop("directives", ())], **kwargs)


def is_secret(definition: GraphQLArgument | GraphQLInputField) -> bool:
    """Whether the schema marks this argument or input field ``@secret``."""
    source = (definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return any(isinstance(d, Secret) for d in getattr(source, "directives", None) or ())


@dataclass
class RedactedOperation:
    """What the audit may keep of a request: ``variables`` by name, and ``arguments`` of each root
    field by response key (an inline value as written, a variable as ``"$name"``)."""

    variables: dict[str, Any] = field(default_factory=dict)
    arguments: dict[str, dict[str, Any]] = field(default_factory=dict)


def redact_operation(
    schema: GraphQLSchema,
    document: DocumentNode | None,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
) -> RedactedOperation:
    """The request with every value in a ``@secret`` position (or an unknown one) replaced by ``REDACTED``."""
    variables = dict(variables or {})
    operation = select_operation(document, operation_name) if document is not None else None
    if operation is None:
        return RedactedOperation({name: REDACTED for name in variables})
    walk = _Walk(schema, document)
    out = RedactedOperation()
    root = schema.get_root_type(operation.operation)
    walk.selections(operation.selection_set, root, out.arguments)
    for name, value in variables.items():
        positions = walk.uses.get(name)
        if not positions or any(p is None for p in positions):
            out.variables[name] = REDACTED
            continue
        for position in positions:
            value = _redact_value(value, position)
        out.variables[name] = value
    return out


class _Walk:
    """Walks an operation against the schema: inline arguments redacted as they are read, and for
    each variable the input types of the positions it is used in (None: a secret or unknown one)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.uses: dict[str, list[Any]] = {}
        self._walked: set[str] = set()

    def selections(self, selection_set: SelectionSetNode, parent: Any, record: dict[str, Any] | None) -> None:
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                definition = getattr(parent, "fields", {}).get(node.name.value)
                arguments: dict[str, Any] = {}
                for arg in node.arguments or ():
                    arg_def = definition.args.get(arg.name.value) if definition else None
                    secret = arg_def is None or is_secret(arg_def)
                    arguments[arg.name.value] = self.value(arg.value, arg_def.type if arg_def else None, secret)
                if record is not None:
                    record[(node.alias or node.name).value] = arguments
                if node.selection_set:
                    child = get_named_type(definition.type) if definition else None
                    self.selections(node.selection_set, child, None)
            elif isinstance(node, InlineFragmentNode):
                condition = self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                self.selections(node.selection_set, condition, record)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is None or node.name.value in self._walked:
                    continue
                self._walked.add(node.name.value)  # fragments may spread each other in a cycle (invalid, still audited)
                condition = self.schema.get_type(fragment.type_condition.name.value)
                self.selections(fragment.selection_set, condition, record)

    def value(self, node: ValueNode, type_: Any, secret: bool) -> Any:
        if isinstance(node, VariableNode):
            self.uses.setdefault(node.name.value, []).append(None if secret else type_)
            return "$" + node.name.value
        if secret:
            self._mark_variables(node)
            return REDACTED
        if is_non_null_type(type_):
            type_ = type_.of_type
        if isinstance(node, ListValueNode):
            item = type_.of_type if is_list_type(type_) else type_
            return [self.value(v, item, False) for v in node.values]
        if isinstance(node, ObjectValueNode):
            fields = type_.fields if is_input_object_type(type_) else {}
            out: dict[str, Any] = {}
            for f in node.fields:
                f_def = fields.get(f.name.value)
                secret = f_def is None or is_secret(f_def)
                out[f.name.value] = self.value(f.value, f_def.type if f_def else None, secret)
            return out
        return value_from_ast_untyped(node)

    def _mark_variables(self, node: ValueNode) -> None:
        """Variables inside a redacted literal (``{code: $c}`` under a secret field) are secret too."""
        if isinstance(node, VariableNode):
            self.uses.setdefault(node.name.value, []).append(None)
        elif isinstance(node, ListValueNode):
            for v in node.values:
                self._mark_variables(v)
        elif isinstance(node, ObjectValueNode):
            for f in node.fields:
                self._mark_variables(f.value)


def _redact_value(value: Any, type_: Any) -> Any:
    """A variable's value as used at a position of ``type_``: secret (and unknown) input fields redacted."""
    if is_non_null_type(type_):
        type_ = type_.of_type
    if is_list_type(type_):
        if isinstance(value, list):
            return [_redact_value(v, type_.of_type) for v in value]
        return _redact_value(value, type_.of_type)  # a single value coerced to a list
    if is_input_object_type(type_):
        if value is None:
            return None
        if not isinstance(value, dict):
            return REDACTED
        out: dict[str, Any] = {}
        for key, item in value.items():
            f_def = type_.fields.get(key)
            out[key] = REDACTED if f_def is None or is_secret(f_def) else _redact_value(item, f_def.type)
        return out
    return value
