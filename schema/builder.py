"""Builds one strawberry schema per distinct set of enabled plugins and caches it.

Plugins add root fields (merged into Query/Mutation), their own types, and fields on existing
types (``type_extensions``), which are grafted onto the built schema of that plugin set only, so
other tenants' schemas — introspection included — never show them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.tools import merge_types
from strawberry.utils.str_converters import to_camel_case

from core.graph import CoreMutation, CoreQuery
from core.hookspecs import GraphContribution


def _contribution(registry: Any, name: str) -> GraphContribution | None:
    impl = getattr(registry.plugin(name), "cc_graph", None)
    return impl() if impl else None


def _field_names(types: Sequence[type]) -> set[str]:
    names: set[str] = set()
    for t in types:
        definition = t.__strawberry_definition__
        for f in definition.fields:
            names.add(f.graphql_name or to_camel_case(f.python_name))
    return names


@dataclass
class SchemaCache:
    registry: Any
    extensions: Callable[[], list[type[SchemaExtension] | SchemaExtension]] = list
    _schemas: dict[frozenset[str], strawberry.Schema] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def owner_of_field(self, type_name: str, field_name: str) -> str | None:
        """Which plugin contributes ``type_name.field_name`` (for MODULE_NOT_ENABLED errors)."""
        for name in self.registry.names:
            contribution = _contribution(self.registry, name)
            if contribution is None:
                continue
            if type_name == "Query" and field_name in _field_names(contribution.query):
                return name
            if type_name == "Mutation" and field_name in _field_names(contribution.mutation):
                return name
            if field_name in _field_names(contribution.type_extensions.get(type_name, ())):
                return name
        return None

    def get(self, plugins: frozenset[str]) -> strawberry.Schema:
        plugins = frozenset(p for p in plugins if p in self.registry.manifests)
        schema = self._schemas.get(plugins)
        if schema is None:
            with self._lock:
                schema = self._schemas.get(plugins) or build_schema(self.registry, plugins, self.extensions())
                self._schemas[plugins] = schema
        return schema


def build_schema(registry: Any, plugins: frozenset[str], extensions: Sequence[Any] = ()) -> strawberry.Schema:
    queries: list[type] = [CoreQuery]
    mutations: list[type] = [CoreMutation]
    types: list[type] = []
    grafts: dict[str, list[type]] = {}
    for name in sorted(plugins):
        contribution = _contribution(registry, name)
        if contribution is None:
            continue
        queries.extend(contribution.query)
        mutations.extend(contribution.mutation)
        types.extend(contribution.types)
        for target, ext_types in contribution.type_extensions.items():
            grafts.setdefault(target, []).extend(ext_types)
            types.extend(ext_types)
    schema = strawberry.Schema(
        query=merge_types("Query", tuple(queries)),
        mutation=merge_types("Mutation", tuple(mutations)),
        types=types,
        extensions=list(extensions),
    )
    _graft(schema, grafts)
    return schema


def _graft(schema: strawberry.Schema, grafts: dict[str, list[type]]) -> None:
    """Move the fields of each extension type onto its target type, then hide the carrier type."""
    gql = schema._schema
    for target_name, ext_types in grafts.items():
        target = gql.type_map.get(target_name)
        if target is None:
            continue
        for ext in ext_types:
            carrier_name = schema.get_type_by_name(ext.__strawberry_definition__.name)
            carrier = gql.type_map.pop(ext.__strawberry_definition__.name, None) if carrier_name else None
            if carrier is not None:
                target.fields.update(carrier.fields)
    # Rebuild the schema's internal maps so introspection and validation see the change.
    gql._implementations_map = {}
    gql._sub_type_map = {}
