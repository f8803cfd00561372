"""Builds one strawberry schema per distinct set of enabled plugins and caches it.

Plugins add root fields (merged into Query/Mutation), their own types, and fields on existing
types (``type_extensions``), which are grafted onto the built schema of that plugin set only, so
other tenants' schemas — introspection included — never show them (R-T3).

Grafting: a plugin's *carrier* type (a strawberry type whose fields all have resolvers) is built with
the schema, its fields are moved onto the target type, the carrier is dropped and the graphql-core
schema is rebuilt from the resulting types (type map, interface implementations) and validated.
Carrier resolvers run with the target's object as ``self`` (or as a ``strawberry.Parent`` argument).

A plugin whose contribution cannot be built is left out of that schema and reported in
``registry.failures``; the tenant keeps a working schema without it.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLError,
    GraphQLInt,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
    get_named_type,
    is_enum_type,
    is_object_type,
    validate_schema,
)
from strawberry.extensions import SchemaExtension
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.utils.str_converters import to_camel_case

from core.compiled import COMPILED_KEY
from core.errors import BadUserInput
from core.graph import CORE_COMPILED, CORE_NODES, CoreMutation, CoreQuery
from core.graph_descriptions import CORE_DESCRIPTIONS
from core.graph_queues import QUEUE_NODES, QueueQuery
from core.hookspecs import GraphContribution
from core.nodes import merge_loaders
from core.pagination import BACKWARD, MAX_PAGE, Backward
from core.settings import get_settings
from core.webhooks_graph import WEBHOOK_NODES, WebhookMutation, WebhookQuery
from schema.execution import fast_execution_context

log = logging.getLogger("customer_center.schema")


class PluginGraphError(Exception):
    """A plugin's GraphQL contribution is unusable; the message names the plugin and the problem."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"{plugin}: {message}")
        self.plugin = plugin


def _contribution(registry: Any, name: str) -> GraphContribution | None:
    impl = getattr(registry.plugin(name), "cc_graph", None)
    if impl is None:
        return None
    try:
        contribution = impl()
    except Exception as exc:
        raise PluginGraphError(name, f"cc_graph() failed: {type(exc).__name__}: {exc}") from exc
    if contribution is not None and not isinstance(contribution, GraphContribution):
        raise PluginGraphError(name, f"cc_graph() must return a GraphContribution, got {type(contribution).__name__}")
    return contribution


def _graphql_name(t: type) -> str:
    definition = getattr(t, "__strawberry_definition__", None)
    if definition is None:
        raise TypeError(f"{t!r} is not a strawberry type")
    return definition.name


def _field_names(types: Sequence[type]) -> set[str]:
    names: set[str] = set()
    for t in types:
        definition = t.__strawberry_definition__
        for f in definition.fields:
            names.add(f.graphql_name or to_camel_case(f.python_name))
    return names


def check_contribution(name: str, contribution: GraphContribution | None) -> None:
    """Static checks of a contribution (called at plugin load and before every build)."""
    if contribution is None:
        return
    parts = (("query", contribution.query), ("mutation", contribution.mutation), ("types", contribution.types))
    for kind, types in parts:
        for t in types:
            if getattr(t, "__strawberry_definition__", None) is None:
                raise PluginGraphError(name, f"{kind}: {t!r} is not a strawberry type")
    for type_name, loader in contribution.nodes.items():
        if not (isinstance(type_name, str) and type_name.isidentifier()) or not callable(loader):
            raise PluginGraphError(name, f"nodes: {type_name!r} must name a type and map to an async loader")
    for target, carriers in contribution.type_extensions.items():
        if target in ("Query", "Mutation"):
            raise PluginGraphError(name, f"type_extensions[{target!r}]: add root fields with query/mutation instead")
        for carrier in carriers:
            definition = getattr(carrier, "__strawberry_definition__", None)
            if definition is None or definition.is_input or definition.is_interface:
                raise PluginGraphError(name, f"type_extensions[{target!r}]: {carrier!r} must be a @strawberry.type")
            for f in definition.fields:
                if f.base_resolver is None:
                    # Without a resolver the field would read an attribute of the target's object that the
                    # plugin does not control; resolvers make the parent explicit.
                    raise PluginGraphError(
                        name,
                        f"type_extensions[{target!r}]: field {f.python_name!r} of {definition.name} needs a resolver",
                    )


@dataclass
class SchemaCache:
    registry: Any
    extensions: Callable[[], list[type[SchemaExtension] | SchemaExtension]] = list
    # The executor shortcut (schema/execution.py); None: ``Settings.fast_executor`` (CC_FAST_EXECUTOR).
    fast_executor: bool | None = None
    # Compiled reads (core/compiled.py); None: ``Settings.compiled_reads`` (CC_COMPILED_READS).
    compiled_reads: bool | None = None
    _schemas: dict[frozenset[str], strawberry.Schema] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def owner_of_field(self, type_name: str, field_name: str) -> str | None:
        """Which plugin contributes ``type_name.field_name`` (for MODULE_NOT_ENABLED errors)."""
        for name in self.registry.names:
            try:
                contribution = _contribution(self.registry, name)
            except PluginGraphError:
                continue
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
                schema = self._schemas.get(plugins)
                if schema is None:
                    schema = self._build_isolating(plugins)
                    self._schemas[plugins] = schema
        return schema

    def _build_isolating(self, plugins: frozenset[str]) -> strawberry.Schema:
        """Build the schema; when a plugin's contribution breaks it, leave that plugin out (and report it)."""
        wanted = set(plugins)
        while True:
            try:
                return build_schema(
                    self.registry, frozenset(wanted), self.extensions(), self.fast_executor, self.compiled_reads
                )
            except PluginGraphError as exc:
                culprit = exc.plugin
                reason = str(exc)
            except Exception as exc:
                culprit, reason = self._find_culprit(wanted, exc)
            if culprit not in wanted:  # core itself is broken: nothing to isolate
                raise RuntimeError(reason)
            log.error("plugin %s left out of the schema: %s", culprit, reason)
            self.registry.failures.setdefault(culprit, f"{culprit}: schema: {reason}")
            wanted.discard(culprit)

    def _find_culprit(self, wanted: set[str], exc: Exception) -> tuple[str, str]:
        """The plugin to leave out: one whose removal fixes the build, else one broken on its own, else
        the first suspect (the caller retries, so several broken plugins are removed one at a time)."""
        reason = f"{type(exc).__name__}: {exc}"
        # Suspect custom plugins (not enabled by default) before built-in ones, later names first.
        manifests = self.registry.manifests
        suspects = sorted(wanted, reverse=True)
        suspects.sort(key=lambda n: getattr(manifests.get(n), "default_enabled", True))  # stable: keeps name order
        for name in suspects:
            if self._builds(wanted - {name}):
                return name, reason
        for name in suspects:
            if not self._builds({name}):
                return name, reason
        return (suspects[0] if suspects else ""), reason

    def _builds(self, plugins: set[str]) -> bool:
        try:
            build_schema(self.registry, frozenset(plugins), ())
        except Exception:
            return False
        return True


class Schema(strawberry.Schema):
    """A strawberry schema that leaves logging GraphQL errors to the endpoint; ``node_loaders`` are the
    node types of its modules (``core.nodes``)."""

    node_loaders: dict[str, Any]

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # strawberry would log every error's message, and a variable's coercion message quotes the
        # value sent (a card number pasted as a card token, a redemption code: core/secret.py). The
        # endpoint (core.routes.graphql_errors.error_json) answers typed errors to the client and logs the unexpected
        # ones with their traceback.
        return None


def build_schema(
    registry: Any,
    plugins: frozenset[str],
    extensions: Sequence[Any] = (),
    fast_executor: bool | None = None,
    compiled_reads: bool | None = None,
) -> strawberry.Schema:
    """The schema of ``plugins``; ``fast_executor`` (default ``Settings.fast_executor``) chooses the
    executor shortcut, which also steps aside by itself for unverified graphql-core or strawberry;
    ``compiled_reads`` (default ``Settings.compiled_reads``) the compiled root fields (core/compiled.py)."""
    if fast_executor is None:
        fast_executor = get_settings().fast_executor
    if compiled_reads is None:
        compiled_reads = get_settings().compiled_reads
    compiled: dict[str, Any] = dict(CORE_COMPILED)
    queries: list[type] = [CoreQuery, QueueQuery, WebhookQuery]
    mutations: list[type] = [CoreMutation, WebhookMutation]
    types: list[type] = []
    grafts: list[tuple[str, str, type]] = []  # (plugin, target type name, carrier)
    node_sources: list[tuple[str, Any]] = [("core", {**CORE_NODES, **WEBHOOK_NODES, **QUEUE_NODES})]
    description_sources: list[tuple[str, Any]] = []  # the modules' first: core's conventions fill the rest
    for name in sorted(plugins):
        contribution = _contribution(registry, name)
        check_contribution(name, contribution)
        if contribution is None:
            continue
        queries.extend(contribution.query)
        mutations.extend(contribution.mutation)
        types.extend(contribution.types)
        node_sources.append((name, contribution.nodes))
        description_sources.append((name, contribution.descriptions))
        compiled.update(getattr(contribution, "compiled", None) or {})
        for type_name in contribution.nodes:
            if any(type_name in loaders for _owner, loaders in node_sources[:-1]):
                raise PluginGraphError(name, f"nodes: type {type_name!r} is registered by another module")
        for target, carriers in contribution.type_extensions.items():
            for carrier in carriers:
                grafts.append((name, target, carrier))
                types.append(carrier)
    schema = Schema(
        query=merge_types("Query", tuple(queries)),
        mutation=merge_types("Mutation", tuple(mutations)),
        types=types,
        extensions=list(extensions),
        execution_context_class=fast_execution_context(fast_executor, compiled_reads),
    )
    if grafts:
        _graft(schema, grafts)
    _partial_results(schema._schema)
    _bidirectional(schema._schema)
    _compiled_roots(schema._schema, compiled)
    for owner, descriptions in [*description_sources, ("core", CORE_DESCRIPTIONS)]:
        unknown = describe(schema._schema, descriptions)
        if unknown and owner != "core":  # core also describes types of modules a schema may lack
            raise PluginGraphError(owner, f"descriptions name nothing in the schema: {', '.join(unknown[:5])}")
    _describe_conventions(schema._schema)
    schema.node_loaders = merge_loaders(node_sources)
    return schema


QUERY_DESCRIPTION = (
    "Reads. Every root field is nullable (partial results): a field the viewer may not use, or whose "
    "module is switched off, answers null with its typed error in `errors` (with its `path`), and the "
    "other fields of the request still answer."
)
MUTATION_DESCRIPTION = (
    "Changes. Every root field is nullable so that a refused mutation answers null with its typed error. "
    "A request is one transaction: when any of its mutations fails, none is applied, and the fields of "
    "those that ran answer null with a ROLLED_BACK error."
)


LAST = GraphQLArgument(
    GraphQLInt, description=f"Page backward: the last rows (at most {MAX_PAGE}) before `before`, or at the end."
)
BEFORE = GraphQLArgument(GraphQLString, description="The `startCursor` of the page after the one wanted.")


def _bidirectional(gql: GraphQLSchema) -> None:
    """Every connection pages both ways (README, API conventions): each field that answers a
    ``…Connection`` with ``first``/``after`` also takes ``last``/``before``, which its resolver never
    sees: they reach ``core.pagination.keyset_page`` (``BACKWARD``), the one place that cuts pages."""
    for type_ in gql.type_map.values():
        if not is_object_type(type_) or type_.name.startswith("__"):
            continue
        for gql_field in type_.fields.values():
            returned = get_named_type(gql_field.type)
            if not returned.name.endswith("Connection") or not {"first", "after"} <= gql_field.args.keys():
                continue
            if "last" in gql_field.args or "before" in gql_field.args:
                continue
            gql_field.args = {**gql_field.args, "last": LAST, "before": BEFORE}
            gql_field.resolve = _paging_back(gql_field.resolve)


def _compiled_roots(gql: GraphQLSchema, compiled: Mapping[str, Any]) -> None:
    """Each compilable root query field carries its declaration (core/compiled.py) in its
    graphql-core field's extensions, where the executor finds it."""
    for name, declaration in compiled.items():
        root_field = gql.query_type.fields.get(name)
        if root_field is not None:
            root_field.extensions = {**(root_field.extensions or {}), COMPILED_KEY: declaration}


def _paging_back(resolve: Any) -> Any:
    def resolver(source: Any, info: Any, **kwargs: Any) -> Any:
        last, before = kwargs.pop("last", None), kwargs.pop("before", None)
        if last is None and before is None:
            return resolve(source, info, **kwargs)
        return _backward(resolve, source, info, Backward(last, before), kwargs)

    return resolver


async def _backward(resolve: Any, source: Any, info: Any, request: Backward, kwargs: dict[str, Any]) -> Any:
    token = BACKWARD.set(request)
    try:
        result = resolve(source, info, **kwargs)
        if inspect.isawaitable(result):
            result = await result
    finally:
        BACKWARD.reset(token)
    if not request.used:
        raise BadUserInput(f"{info.field_name} pages forward only (first/after)", field="last")
    return result


def describe(gql: GraphQLSchema, descriptions: Mapping[str, str]) -> list[str]:
    """Give each element named by a key (``Type``, ``Type.field``, ``Type.field(arg)``, ``Enum.VALUE``)
    its description unless it has one; answers the keys that name nothing in this schema."""
    unknown: list[str] = []
    for key, text in descriptions.items():
        if key.startswith("*"):  # a convention: every field (``*.name``) or argument (``*(name)``) so named
            _describe_everywhere(gql, key[1:], text)
            continue
        type_name, _, rest = key.partition(".")
        type_ = gql.type_map.get(type_name)
        target: Any = type_
        if type_ is not None and rest:
            name, _, arg = rest.partition("(")
            if is_enum_type(type_):
                target = type_.values.get(name)
            else:
                target = getattr(type_, "fields", {}).get(name)
                if target is not None and arg:
                    target = getattr(target, "args", {}).get(arg.rstrip(")"))
        if target is None:
            unknown.append(key)
        elif not target.description:
            target.description = text
    return unknown


def _describe_everywhere(gql: GraphQLSchema, where: str, text: str) -> None:
    argument = where.startswith("(")
    name = where.strip(".()")
    for type_ in gql.type_map.values():
        if type_.name.startswith("__") or not hasattr(type_, "fields"):
            continue
        for field_name, gql_field in type_.fields.items():
            target = (
                getattr(gql_field, "args", {}).get(name) if argument else (gql_field if field_name == name else None)
            )
            if target is not None and not target.description:
                target.description = text


def _describe_conventions(gql: GraphQLSchema) -> None:
    """The descriptions every schema's generated parts share: each connection and edge type, and the
    ``id`` of every Node (the interface's)."""
    node = gql.type_map.get("Node")
    for type_ in gql.type_map.values():
        if not is_object_type(type_):
            continue
        if type_.name.endswith("Connection") and {"edges", "pageInfo", "nodes"} <= type_.fields.keys():
            item = type_.name.removesuffix("Connection")
            type_.description = type_.description or f"A page of {item} objects, cut by cursors."
            for name, text in CONNECTION_FIELDS.items():
                if name in type_.fields and not type_.fields[name].description:
                    type_.fields[name].description = text
        elif type_.name.endswith("Edge") and {"cursor", "node"} <= type_.fields.keys():
            item = type_.name.removesuffix("Edge")
            type_.description = type_.description or f"One {item} of a page, with its cursor."
            type_.fields["cursor"].description = type_.fields["cursor"].description or CURSOR
            type_.fields["node"].description = type_.fields["node"].description or f"The {item}."
        if node is not None and node in type_.interfaces and not type_.fields["id"].description:
            type_.fields["id"].description = node.fields["id"].description


CURSOR = "This object's place: pass it as `after` (or `before`) to page on from here."
CONNECTION_FIELDS = {
    "edges": "The page's objects, each with its cursor.",
    "pageInfo": "Where this page is: its first and last cursors and whether more pages exist either way.",
    "totalCount": "How many objects there are in all pages (counted only when asked for).",
    "nodes": "The page's objects, without their cursors.",
}


def _nullable_fields(object_type: GraphQLObjectType) -> None:
    for gql_field in object_type.fields.values():
        if isinstance(gql_field.type, GraphQLNonNull):
            gql_field.type = gql_field.type.of_type


def _partial_results(gql: GraphQLSchema) -> None:
    """The partial-results rule (README, API conventions): each module's root fields are nullable, so
    one refused field (FORBIDDEN, NOT_FOUND, a switched-off module's check) leaves the rest of ``data``
    standing instead of nulling all of it. Fields below keep their non-null types: an object is shown
    whole or not at all, except fields that authorize on their own (and plugins' grafted fields, see
    ``_graft``), which are nullable for the same reason."""
    _nullable_fields(gql.query_type)
    gql.query_type.description = QUERY_DESCRIPTION
    if gql.mutation_type is not None:
        _nullable_fields(gql.mutation_type)
        gql.mutation_type.description = MUTATION_DESCRIPTION


def _graft(schema: strawberry.Schema, grafts: list[tuple[str, str, type]]) -> None:
    """Move each carrier's fields onto its target type, drop the carriers and rebuild the type map."""
    gql = schema._schema
    carriers: set[str] = set()
    for plugin, target_name, carrier in grafts:
        carrier_name = _graphql_name(carrier)
        target = gql.type_map.get(target_name)
        if target is None:
            # The target belongs to a plugin this tenant does not enable: the fields have nowhere to go.
            log.debug("%s: type %s not in this schema; extension %s skipped", plugin, target_name, carrier_name)
            carriers.add(carrier_name)
            continue
        if not is_object_type(target):
            raise PluginGraphError(plugin, f"type_extensions: {target_name} is not an object type")
        carrier_type = gql.type_map[carrier_name]
        for field_name, gql_field in carrier_type.fields.items():
            if field_name in target.fields:
                raise PluginGraphError(
                    plugin, f"type_extensions: {target_name}.{field_name} already exists (from {carrier_name})"
                )
            # Nullable: the target object belongs to another module, and a refusal of the plugin's
            # field (its own authorization) must not erase that object from the answer.
            if isinstance(gql_field.type, GraphQLNonNull):
                gql_field.type = gql_field.type.of_type
            target.fields[field_name] = gql_field
        carriers.add(carrier_name)
    kept = [t for n, t in gql.type_map.items() if n not in carriers and not n.startswith("__")]
    rebuilt = GraphQLSchema(
        query=gql.query_type,
        mutation=gql.mutation_type,
        subscription=gql.subscription_type,
        types=kept,
        directives=gql.directives,
        description=gql.description,
        extensions=gql.extensions,
    )
    for plugin, _target, carrier in grafts:
        if _graphql_name(carrier) in rebuilt.type_map:
            raise PluginGraphError(
                plugin, f"type_extensions: carrier type {_graphql_name(carrier)} is also used as a field type"
            )
    errors = validate_schema(rebuilt)
    if errors:  # not attributable from here: the cache finds the plugin by building without each one
        raise ValueError("invalid schema after type_extensions: " + "; ".join(e.message for e in errors))
    rebuilt._strawberry_schema = schema  # type: ignore[attr-defined]
    schema._schema = rebuilt
