"""Query limits applied before any resolver runs (OWASP GraphQL floor; see docs/security.md).

Three layers, all before execution:

* ``parse_limited`` — the request's document is parsed once with a token and size budget, so a
  padded document is aborted by the lexer instead of being built in memory.
* ``query_cost`` — a static cost of the selected operation from the parsed document and the schema:
  every field costs 1, and a list or connection field multiplies the cost of what it selects by its
  ``first`` argument (its default, or the default page size, when absent). Nested lists multiply.
  Over ``settings.max_query_cost`` the request is refused with QUERY_TOO_COMPLEX.
* ``RateLimiter`` — a sliding-window budget per principal of ``rate_limit_cost_per_minute`` points
  (the ``limits`` library, in memory or in Redis: ``rate_limit_storage``); a request spends its
  requested cost or is refused with RATE_LIMITED and a ``retryAfterSeconds`` hint.

Depth, alias and token limits are also strawberry validation extensions (``schema_extensions``);
their errors carry ``extensions.code = QUERY_TOO_COMPLEX``. No per-field resolve hook is used: the
hot path costs one AST walk per request.
"""

from __future__ import annotations

import logging
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

import orjson
from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    execute,
    get_named_type,
    located_error,
    parse,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from limits import RateLimitItemPerSecond
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from core.errors import QueryTooComplex, RateLimited
from core.i18n import _

log = logging.getLogger("customer_center.limits")
QUERY_TOO_COMPLEX = QueryTooComplex.code
# A connection queried without ``first`` returns this many nodes (core/pagination.py DEFAULT_PAGE).
DEFAULT_PAGE_COST = 20
PAGE_ARGUMENTS = ("first", "last")


# ------------------------------------------------------------------------------------------------
# Strawberry validation extensions, with typed errors
# ------------------------------------------------------------------------------------------------


def _with_code(rule: type, limit: str) -> type:
    """A copy of a validation rule whose reported errors carry ``code`` and which limit refused."""

    class Coded(rule):  # type: ignore[misc, valid-type]
        def __init__(self, context: Any) -> None:
            report = context.report_error

            def coded(error: GraphQLError) -> None:
                error.extensions = {**(error.extensions or {}), "code": QUERY_TOO_COMPLEX, "limit": limit}
                report(error)

            context.report_error = coded
            try:
                super().__init__(context)
            except (KeyError, RecursionError):
                # An unknown fragment or a fragment cycle: the standard rules that run alongside
                # (KnownFragmentNames, NoFragmentCycles) refuse the document with a proper error.
                ASTValidationRule.__init__(self, context)
            finally:
                context.report_error = report

    Coded.__name__ = f"Coded{rule.__name__}"
    return Coded


def _coded(extension: AddValidationRules, limit: str) -> AddValidationRules:
    extension.validation_rules = [_with_code(r, limit) for r in extension.validation_rules]
    return extension


class ValidDocuments:
    """The query texts that passed validation, per schema (bounded LRU, shared by the requests of a
    process). Validation is a pure function of (schema, document) and costs more than executing a
    typical dashboard page, so a portal repeating its queries validates each once."""

    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._seen: OrderedDict[tuple[Any, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: tuple[Any, str]) -> bool:
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return True
            return False

    def add(self, key: tuple[Any, str]) -> None:
        with self._lock:
            self._seen[key] = None
            if len(self._seen) > self.maxsize:
                self._seen.popitem(last=False)


class SkipRevalidation(SchemaExtension):
    """Skip validation (all rules: standard, depth, aliases, tokens, introspection) for a query
    text this schema has already accepted; documents with errors are validated every time."""

    def __init__(self, valid: ValidDocuments) -> None:
        super().__init__()
        self.valid = valid

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        key = (ctx.schema, ctx.query or "")  # the schema itself, not its id: ids are reused
        if key in self.valid:
            ctx.pre_execution_errors = []
            yield
            return
        yield
        if ctx.pre_execution_errors == []:
            self.valid.add(key)


class SharedParse(SchemaExtension):
    """Strawberry parses through the endpoint's cache (:func:`parse_limited`: one document object
    per text), so both ways of executing a text share the executor's plans, kept by document."""

    def __init__(self, settings: Any) -> None:
        super().__init__()
        self.settings = settings

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.graphql_document = parse_limited(ctx.query or "", self.settings)
        yield


async def execute_validated(
    schema: Any,
    valid: ValidDocuments | None,
    query: str,
    document: DocumentNode,
    context: Any,
    variables: dict[str, Any] | None,
    operation_name: str | None,
) -> Any:
    """Execute a query text ``schema`` has validated before (:class:`SkipRevalidation` would skip
    every rule) without strawberry's operation around it: its extensions would each be built and
    entered for parsing and validation this request does not need, a tenth of a compiled page's CPU.
    The same graphql-core execution with the schema's executor; None when the text is new (the
    caller then runs ``schema.execute``, which validates it)."""
    if valid is None or (schema, query) not in valid:
        return None
    kwargs = {"executor_class": schema.execution_context_class} if schema.execution_context_class else {}
    try:
        result = execute(
            schema._schema,
            document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            is_awaitable=optimized_is_awaitable,
            operation_extensions=None,
            **kwargs,
        )
        return await result if optimized_is_awaitable(result) else result
    except Exception as exc:  # noqa: BLE001 - as strawberry answers an error escaping execution
        return ExecutionResult(data=None, errors=[located_error(exc)])


def schema_extensions(state: Any) -> list[Any]:
    settings = state.settings
    if state.valid_documents is None:
        state.valid_documents = ValidDocuments()  # keyed by schema: one for every schema of the state
    valid = state.valid_documents
    # The rules' classes built once (strawberry's limiters build theirs per instance, and a factory
    # runs per request), added by one extension: validation runs once per document text anyway.
    rules = [
        *_coded(QueryDepthLimiter(max_depth=settings.max_query_depth), "depth").validation_rules,
        *_coded(MaxAliasesLimiter(max_alias_count=settings.max_aliases), "aliases").validation_rules,
    ]
    extensions: list[Any] = [
        lambda: SkipRevalidation(valid),
        lambda: SharedParse(settings),
        lambda: AddValidationRules(rules),
        # Second line of defence: the endpoint already parsed with the same budget (parse_limited).
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
    ]
    if not settings.introspection:
        extensions.append(DisableIntrospection)
    return extensions


def is_parser_limit(error: GraphQLError) -> bool:
    """The parser aborted because a budget (tokens, comments, source length) was exceeded."""
    return isinstance(error, GraphQLSyntaxError) and error.message.endswith("Parsing aborted.")


def parse_limited(query: str, settings: Any) -> DocumentNode:
    """Parse with the token and size budget; a blown budget is QUERY_TOO_COMPLEX, any other syntax
    error stays a GraphQLSyntaxError (GRAPHQL_PARSE_FAILED)."""
    try:
        return _parse(query, settings.max_tokens, settings.max_query_bytes)
    except GraphQLSyntaxError as exc:
        if is_parser_limit(exc):
            raise QueryTooComplex(
                _("Query refused before execution: {value}", value=exc.message.removeprefix("Syntax Error: ")),
                limit=parser_limit_name(exc),
            ) from exc
        raise


@lru_cache(maxsize=2048)
def _parse(query: str, max_tokens: int, max_bytes: int) -> DocumentNode:
    """Parsed documents by text: a portal repeats the same few queries (read-only afterwards; a
    syntax error is raised again every time, lru_cache keeps no exceptions)."""
    return parse(query, max_lexical_tokens=max_tokens, max_comments=max_tokens, max_source_length=max_bytes)


def parser_limit_name(error: GraphQLError) -> str:
    if "nested too deeply" in error.message:
        return "nesting"
    if "code points" in error.message:
        return "size"
    return "tokens"


# ------------------------------------------------------------------------------------------------
# Static query cost
# ------------------------------------------------------------------------------------------------


def select_operation(doc: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        return next((o for o in ops if o.name and o.name.value == operation_name), None)
    return ops[0] if len(ops) == 1 else None


def _int_arg(node: FieldNode, names: tuple[str, ...], variables: Mapping[str, Any]) -> int | None:
    for arg in node.arguments or ():
        if arg.name.value not in names:
            continue
        value = arg.value
        if isinstance(value, IntValueNode):
            try:
                return int(value.value)
            except ValueError:
                return None
        if isinstance(value, VariableNode):
            v = variables.get(value.name.value)
            if _is_int(v):
                return v
    return None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _arg_default(arg: Any) -> int | None:
    """An argument's integer default, however the schema was built (strawberry or SDL)."""
    if _is_int(arg.default_value):
        return arg.default_value
    default = getattr(arg, "default", None)
    if default is not None:
        if _is_int(getattr(default, "value", None)):
            return default.value
        literal = getattr(default, "literal", None)
        if isinstance(literal, IntValueNode):
            return int(literal.value)
    return None


def _is_list(gql_type: Any) -> bool:
    while isinstance(gql_type, GraphQLNonNull):
        gql_type = gql_type.of_type
    return isinstance(gql_type, GraphQLList)


def _multiplier(field_def: Any, node: FieldNode, variables: Mapping[str, Any]) -> int:
    named = get_named_type(field_def.type)
    is_connection = getattr(named, "name", "").endswith("Connection")
    if not (is_connection or _is_list(field_def.type)):
        return 1
    requested = _int_arg(node, PAGE_ARGUMENTS, variables)
    if requested is None:
        for name in PAGE_ARGUMENTS:
            arg = field_def.args.get(name)
            requested = _arg_default(arg) if arg is not None else None
            if requested is not None:
                break
    if requested is None:
        requested = DEFAULT_PAGE_COST if is_connection else 1
    return max(requested, 1)


class _CostWalker:
    def __init__(self, schema: GraphQLSchema, doc: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}

    def field_def(self, parent: Any, name: str) -> Any:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            return parent.fields.get(name)
        return None

    def selection_set(self, parent: Any, selection_set: SelectionSetNode | None, visiting: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self.field(parent, sel, visiting)
            elif isinstance(sel, InlineFragmentNode):
                target = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += self.selection_set(target or parent, sel.selection_set, visiting)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in visiting:  # invalid documents are refused by validation
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                total += self.selection_set(target, fragment.selection_set, visiting | {name})
        return total

    def field(self, parent: Any, node: FieldNode, visiting: frozenset[str]) -> int:
        field_def = self.field_def(parent, node.name.value)
        if field_def is None:
            return 1
        child = get_named_type(field_def.type)
        inner = 0
        if node.selection_set and isinstance(child, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
            inner = self.selection_set(child, node.selection_set, visiting)
        return 1 + _multiplier(field_def, node, self.variables) * inner


#: Costs by schema, then by (document, operation, variables): a portal sends the same few documents
#: with the same few variables, and walking a dashboard's document was a fortieth of its CPU.
_COSTS: weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str | None, bytes], int]] = weakref.WeakKeyDictionary()
MAX_COSTS = 4096
MAX_COST_KEY = 2048  # bytes of variables kept as a key; larger ones (an import's input) are priced anew


def cached_query_cost(
    schema: GraphQLSchema,
    query: str,
    doc: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """:func:`query_cost` of the document ``query`` parsed to ``doc``, remembered."""
    try:
        key = (query, operation_name, orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b"")
    except TypeError:
        return query_cost(schema, doc, operation_name, variables)
    if len(key[2]) > MAX_COST_KEY:
        return query_cost(schema, doc, operation_name, variables)
    costs = _COSTS.setdefault(schema, {})
    cost = costs.get(key)
    if cost is None:
        cost = query_cost(schema, doc, operation_name, variables)
        if len(costs) >= MAX_COSTS:
            costs.clear()
        costs[key] = cost
    return cost


def query_cost(
    schema: GraphQLSchema,
    doc: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The static cost of the operation ``operation_name`` selects (the most expensive operation
    when it does not pick exactly one, so an ambiguous document cannot hide its cost)."""
    walker = _CostWalker(schema, doc, variables or {})
    op = select_operation(doc, operation_name)
    ops = [op] if op is not None else [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    costs = [0]
    for o in ops:
        root = schema.get_root_type(o.operation)
        if root is not None:
            costs.append(walker.selection_set(root, o.selection_set, frozenset()))
    return max(costs)


def check_cost(cost: int, settings: Any) -> None:
    if cost > settings.max_query_cost:
        raise QueryTooComplex(
            _(
                "Query cost {cost} exceeds the limit of {max_query_cost}; ask for fewer items (first) or fewer "
                "nested lists",
                cost=cost,
                max_query_cost=settings.max_query_cost,
            ),
            limit="cost",
            cost=cost,
            maxCost=settings.max_query_cost,
        )


# ------------------------------------------------------------------------------------------------
# Rate limiting by cost
# ------------------------------------------------------------------------------------------------


MEMORY_STORAGE = "memory://"


def storage_uri(configured: str) -> str:
    """``CC_RATE_LIMIT_STORAGE`` as the ``limits`` library's asyncio storage URI: ``memory://`` (this
    process only) or ``redis://host:port/db`` (also ``rediss://``, ``redis+sentinel://``,
    ``redis+cluster://``), shared by every process that names the same server."""
    uri = configured.strip() or MEMORY_STORAGE
    return uri if uri.startswith("async+") else f"async+{uri}"


def is_shared_storage(configured: str) -> bool:
    return not storage_uri(configured).startswith("async+memory")


def retry_after(limit: int, window: float, cost: int, previous: int, current: int, current_ends: float) -> int:
    """Whole seconds until a sliding-window counter admits ``cost`` more points.

    The counter weighs the previous window's points by the share of the sliding window still over
    it (``previous * current_ends / window``: it decays to nothing as the current window ends) and
    adds the current window's. When the current window's points leave room, the wait is the time
    the previous window takes to decay enough; otherwise the current window must end and then
    decay in its turn."""
    if cost > limit:
        return math.ceil(window)
    room = limit - cost
    if current <= room:
        if previous == 0 or previous * current_ends / window <= room - current:
            return 0
        wait = current_ends - (room - current) * window / previous
    else:
        wait = current_ends + window - room * window / current
    return max(0, math.ceil(wait - 1e-9))


class RateLimiter:
    """Query-cost budgets keyed by principal: ``per_window`` points per ``window_seconds`` (a minute:
    ``rate_limit_cost_per_minute``), counted by the ``limits`` library's sliding-window counter in a
    pluggable store. In memory, each process counts alone; with Redis every process and host
    naming the same server draws on one budget (docs/operations.md). Windows run on the store's
    wall time, not on the injected clock.

    When the store cannot be reached, requests are let through and the failure is logged: the
    limiter guards capacity, and an outage of its store should not become an outage of the API."""

    def __init__(self, per_window: int, *, storage: str = MEMORY_STORAGE, window_seconds: int = 60) -> None:
        self.capacity = per_window
        self.window = window_seconds
        self.restore_rate = per_window / window_seconds
        self.item = RateLimitItemPerSecond(per_window, window_seconds, namespace="cc-cost")
        self.storage_uri = storage_uri(storage)
        options = {"implementation": "redispy"} if "redis" in self.storage_uri else {}
        self.storage = storage_from_string(self.storage_uri, wrap_exceptions=True, **options)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    async def _window(self, key: str) -> tuple[int, float, int, float]:
        return await self.storage.get_sliding_window(self.item.key_for(key), self.item.get_expiry())

    async def remaining(self, key: str) -> int:
        try:
            return (await self.strategy.get_window_stats(self.item, key)).remaining
        except StorageError:
            log.error("rate limit store unreachable (%s)", self.storage_uri.split("@")[-1])
            return self.capacity

    async def spend(self, key: str, cost: int) -> int:
        """Take ``cost`` points or raise RATE_LIMITED; returns the points left."""
        try:
            if await self.strategy.hit(self.item, key, cost=cost):
                return await self.remaining(key)
            previous, previous_ttl, current, current_ttl = await self._window(key)
        except StorageError:
            log.error("rate limit store unreachable (%s): request let through", self.storage_uri.split("@")[-1])
            return self.capacity
        left = max(0, self.capacity - math.floor(previous * previous_ttl / self.window + current))
        # limits reports the current window's expiry one window late (it keeps each counter for two)
        current_ends = current_ttl - self.window
        wait = max(1, retry_after(self.capacity, self.window, cost, previous, current, current_ends))
        raise RateLimited(
            _(
                "Rate limit exceeded: this request costs {cost} points and {left} are left; retry in {wait} s",
                cost=cost,
                left=left,
                wait=wait,
            ),
            retryAfterSeconds=wait,
            cost=cost,
            remaining=left,
        )


def rate_limiter(state: Any) -> RateLimiter:
    """The process's limiter, created on first use with the configured store."""
    limiter = state.extra.get("rate_limiter")
    if limiter is None:
        settings = state.settings
        limiter = state.extra["rate_limiter"] = RateLimiter(
            settings.rate_limit_cost_per_minute, storage=settings.rate_limit_storage
        )
    return limiter


async def cost_extension(state: Any, requested: int, key: str, remaining: int | None = None) -> dict[str, Any]:
    """``extensions.cost`` of a response: what the request asked for, the limit and the budget."""
    limiter = rate_limiter(state)
    left = await limiter.remaining(key) if remaining is None else remaining
    return {
        "requested": requested,
        "limit": state.settings.max_query_cost,
        "throttle": {
            "maximumAvailable": limiter.capacity,
            "remaining": left,
            "restoreRate": round(limiter.restore_rate, 3),
        },
    }
