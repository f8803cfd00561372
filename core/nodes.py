"""Global object identification (the Relay convention): ``node(id:)`` and ``nodes(ids:)``.

Every type with an ``id`` implements the ``Node`` interface, and its module registers a *node loader*
for the id's type name (``GraphContribution.nodes`` for a plugin, :data:`CORE_NODES` for core). A
loader gets the request context and the primary keys asked for, authorizes exactly as the type's
typed fields do (the same service call: ``invoice:view`` for an invoice, the per-object visibility
of a renewal, the owner of a cart, the caller's own tenant) and answers the objects the caller may
see, by key; a key it leaves out is NOT_FOUND, as the typed field answers for another tenant's
object (the central tenant filter hides it). A loader that raises refuses every id of its type with
that error (FORBIDDEN for a role that may not see the type at all, as the typed field answers).

``node``/``nodes`` are the classic route around a typed field's checks (IDOR): nothing here reads a
row itself, and an id of a type the tenant's schema lacks (a switched-off module) is NOT_FOUND."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import strawberry

from core.errors import AppError, BadUserInput, NotFound
from core.i18n import _
from core.ids import parse_global_id

#: ``async (ctx, primary keys) -> {key: GraphQL object or AppError}``; see the module's docstring.
NodeLoader = Callable[[Any, Sequence[int]], Awaitable[Mapping[int, Any]]]

MAX_NODES = 100


@strawberry.interface(
    description="An object with a global id: `node(id:)` and `nodes(ids:)` fetch it again, authorized as its "
    "typed fields are."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="The global id: opaque and stable; the same object always has the same id."
    )


def _not_found(global_id: str) -> NotFound:
    return NotFound(_("No object with id '{global_id}'", global_id=global_id), field="id")


async def load_nodes(ctx: Any, loaders: Mapping[str, NodeLoader], ids: Sequence[str]) -> list[Any]:
    """The object or the AppError of each id, in order: one loader call per type asked for."""
    if len(ids) > MAX_NODES:
        raise BadUserInput(_("At most {MAX_NODES} ids per request", MAX_NODES=MAX_NODES), field="ids")
    parsed: list[tuple[str, int] | AppError] = []
    wanted: dict[str, list[int]] = {}
    for global_id in ids:
        try:
            type_name, pk = parse_global_id(global_id)
        except BadUserInput as exc:
            parsed.append(exc)
            continue
        if type_name not in loaders:
            parsed.append(_not_found(global_id))
            continue
        parsed.append((type_name, pk))
        keys = wanted.setdefault(type_name, [])
        if pk not in keys:
            keys.append(pk)
    found: dict[str, Mapping[int, Any] | AppError] = {}
    for type_name, keys in wanted.items():
        try:
            found[type_name] = await loaders[type_name](ctx, keys)
        except AppError as exc:  # the caller may not see this type at all: every id of it says so
            found[type_name] = exc
    out: list[Any] = []
    for global_id, item in zip(ids, parsed, strict=True):
        if isinstance(item, AppError):
            out.append(item)
            continue
        answer = found[item[0]]
        if isinstance(answer, AppError):
            out.append(answer)
            continue
        obj = answer.get(item[1])
        out.append(obj if obj is not None else _not_found(global_id))
    return out


async def _raise(error: AppError) -> None:
    raise error


async def _value(obj: Any) -> Any:
    return obj


def node_items(results: Sequence[Any]) -> list[Awaitable[Any]]:
    """``nodes``'s items: each an awaitable, so that graphql-core answers a refused item with null and
    its error at ``["nodes", index]`` while the other items stand."""
    return [_raise(r) if isinstance(r, AppError) else _value(r) for r in results]


def merge_loaders(sources: Sequence[tuple[str, Mapping[str, NodeLoader]]]) -> dict[str, NodeLoader]:
    """One registry from (owner, loaders) pairs; a type name registered twice is refused, naming both."""
    merged: dict[str, NodeLoader] = {}
    owners: dict[str, str] = {}
    for owner, loaders in sources:
        for type_name, loader in loaders.items():
            if type_name in merged:
                raise ValueError(f"node type {type_name!r} registered by {owners[type_name]} and {owner}")
            merged[type_name], owners[type_name] = loader, owner
    return merged
