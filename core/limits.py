"""Query limits applied before any resolver runs (OWASP GraphQL floor; see docs/security.md).

Three layers, all before execution:

* ``parse_limited`` — the request's document is parsed once with a token and size budget, so a
  padded document is aborted by the lexer instead of being built in memory.
* ``query_cost`` — a static cost of the selected operation from the parsed document and the schema:
  every field costs 1, and a list or connection field multiplies the cost of what it selects by its
  ``first`` argument (its default, or the default page size, when absent). Nested lists multiply.
  Over ``settings.max_query_cost`` the request is refused with QUERY_TOO_COMPLEX.
* ``RateLimiter`` — a token bucket per principal holding ``rate_limit_cost_per_minute`` points that
  refills continuously; a request spends its requested cost or is refused with RATE_LIMITED and a
  ``retryAfterSeconds`` hint.

Depth, alias and token limits are also strawberry validation extensions (``schema_extensions``);
their errors carry ``extensions.code = QUERY_TOO_COMPLEX``. No per-field resolve hook is used: the
hot path costs one AST walk per request.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
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
    get_named_type,
    parse,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)

from core.errors import QueryTooComplex, RateLimited

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


def schema_extensions(state: Any) -> list[Any]:
    settings = state.settings
    valid = ValidDocuments()
    extensions: list[Any] = [
        lambda: SkipRevalidation(valid),
        lambda: ParserCache(maxsize=2048),
        lambda: _coded(QueryDepthLimiter(max_depth=settings.max_query_depth), "depth"),
        lambda: _coded(MaxAliasesLimiter(max_alias_count=settings.max_aliases), "aliases"),
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
                f"Query refused before execution: {exc.message.removeprefix('Syntax Error: ')}",
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
            f"Query cost {cost} exceeds the limit of {settings.max_query_cost}; ask for fewer items (first) "
            "or fewer nested lists",
            limit="cost",
            cost=cost,
            maxCost=settings.max_query_cost,
        )


# ------------------------------------------------------------------------------------------------
# Rate limiting by cost
# ------------------------------------------------------------------------------------------------


@dataclass
class Bucket:
    tokens: float
    at: float


class RateLimiter:
    """In-process token buckets keyed by principal: ``capacity`` points, refilled at
    ``capacity / 60`` points per second (``rate_limit_cost_per_minute``). Each process of a
    multi-process deployment limits on its own (documented in docs/security.md)."""

    MAX_KEYS = 100_000

    def __init__(self, per_minute: int, now: Callable[[], float]) -> None:
        # Query-cost points, not money: a bucket refills continuously, so points are fractional.
        self.capacity: float = per_minute
        self.restore_rate = per_minute / 60.0
        self.now = now
        self._buckets: dict[str, Bucket] = {}
        self._lock = threading.Lock()

    def _bucket(self, key: str, now: float) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.MAX_KEYS:
                self._evict_full(now)
            bucket = self._buckets[key] = Bucket(self.capacity, now)
        elif now > bucket.at:
            bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.restore_rate)
            bucket.at = now
        else:  # the clock went backwards (tests move it): no refill, restart from here
            bucket.at = now
        return bucket

    def _evict_full(self, now: float) -> None:
        for key, b in list(self._buckets.items()):
            if b.tokens + (now - b.at) * self.restore_rate >= self.capacity:
                del self._buckets[key]

    def remaining(self, key: str) -> float:
        with self._lock:
            return self._bucket(key, self.now()).tokens

    def spend(self, key: str, cost: int) -> float:
        """Take ``cost`` points or raise RATE_LIMITED; returns the points left."""
        with self._lock:
            bucket = self._bucket(key, self.now())
            if cost > bucket.tokens:
                missing = cost - bucket.tokens
                wait = math.ceil(missing / self.restore_rate) if self.restore_rate > 0 else 60
                raise RateLimited(
                    f"Rate limit exceeded: this request costs {cost} points and {int(bucket.tokens)} are left; "
                    f"retry in {wait} s",
                    retryAfterSeconds=wait,
                    cost=cost,
                    remaining=int(bucket.tokens),
                )
            bucket.tokens -= cost
            return bucket.tokens


def rate_limiter(state: Any) -> RateLimiter:
    """The process's limiter, created on first use; time comes from the injected clock."""
    limiter = state.extra.get("rate_limiter")
    if limiter is None:
        limiter = state.extra["rate_limiter"] = RateLimiter(
            state.settings.rate_limit_cost_per_minute, lambda: state.clock.now().timestamp()
        )
    return limiter


def cost_extension(state: Any, requested: int, key: str, remaining: float | None = None) -> dict[str, Any]:
    """``extensions.cost`` of a response: what the request asked for, the limit and the bucket."""
    limiter = rate_limiter(state)
    left = limiter.remaining(key) if remaining is None else remaining
    return {
        "requested": requested,
        "limit": state.settings.max_query_cost,
        "throttle": {
            "maximumAvailable": int(limiter.capacity),
            "remaining": int(left),
            "restoreRate": round(limiter.restore_rate, 3),
        },
    }
