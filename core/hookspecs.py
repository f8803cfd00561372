"""The plugin contract: every hook a plugin (built-in or a reseller's) may implement.

A plugin is a module or object registered under the ``customer_center.plugins`` entry-point group. It must
carry a ``MANIFEST = PluginManifest(...)`` whose ``hook_version`` equals :data:`HOOK_VERSION`;
a plugin built for another version is refused at load with a message naming both versions.
Implement hooks with ``@hookimpl`` from this module. Unknown hook names (the closest real one is
suggested) and arguments a spec does not provide are refused at load too; an implementation may take
fewer arguments than the spec offers. Every hook is optional. The guide is docs/writing-a-plugin.md.

Two phases, in this order in the file:
- **Start-up** hooks describe the plugin itself. They are called for every *loaded* plugin, whether or
  not a tenant enables it (once when the server starts, and again by tools such as the migrator): they
  must be cheap, deterministic and free of side effects. The loader calls ``cc_graph``,
  ``cc_policies``, ``cc_migrations``, ``cc_jobs``, ``cc_import_sections`` and ``cc_events`` once to
  validate them;
  ``cc_demo_data`` is called for every loaded plugin too, when the demo tenant is seeded.
- **Per-request** hooks run inside a request (or job) and are called only for plugins enabled for the
  tenant in question (R-T3); they may be ``async``.

Bump :data:`HOOK_VERSION` only for a change that breaks existing plugins (a removed or renamed hook or
argument, a changed meaning); adding a hook or a keyword that implementations may ignore is compatible.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy
from sqlalchemy import bindparam

if TYPE_CHECKING:
    from sqlalchemy import Select
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.clock import Clock
    from core.context import Context
    from core.events import EventSpec
    from core.jobs import JobContext

PROJECT = "customer_center"
HOOK_VERSION = 2  # 2: cc_object_roles takes object_type (it was object, which shadowed the builtin)

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@dataclass(frozen=True)
class PluginManifest:
    """What a plugin is. ``name`` is the key tenants enable; ``default_enabled`` applies to new tenants."""

    name: str
    title: str
    hook_version: int
    version: str = "0.1.0"
    default_enabled: bool = True
    description: str = ""


@dataclass(frozen=True)
class Job:
    """A scheduled unit of work. ``run`` must be idempotent: running it twice changes nothing more.

    A ``dated`` job acts for a date (``ctx.clock.today()``): ``jobs run`` runs it once for every day
    since its last run, in order, each with the clock of that day, so what it issues is dated the
    day it was due (core/jobs.py). An undated job (delivering the outbox, polling a gateway) runs
    once, at the real time."""

    name: str
    run: Callable[[JobContext], Awaitable[int]]
    description: str = ""
    dated: bool = True


@dataclass(frozen=True)
class ImportSection:
    """A top-level key of the import JSON. ``validate`` returns error strings naming the path at
    fault (e.g. ``renewals[3].amount: not a decimal``); ``apply`` upserts (idempotent)."""

    key: str
    validate: Callable[[Any, set[str]], list[str]]
    apply: Callable[[AsyncSession, dict[str, int], Any, Any], Awaitable[None]]
    order: int = 100


# The bind parameters a RoleCheck's query may use for the person being resolved.
TENANT_ID = bindparam("role_check_tenant_id")
EMAIL = bindparam("role_check_email")


@dataclass(frozen=True)
class RoleCheck:
    """A role granted when ``query`` (a ``select``, filtered by tenant and person) finds a row.

    What ``cc_principal_roles`` should return for a lookup: the checks of every plugin run together
    as one ``SELECT EXISTS (…), EXISTS (…)``, once per request, instead of a statement each. The
    query may name the person with the bind parameters ``TENANT_ID`` and ``EMAIL``, filled in when
    it runs: a check built once (a module constant) then costs no statement building per request."""

    role: str
    query: Select[Any]


@dataclass
class GraphContribution:
    """GraphQL contributed by a plugin: ``query``/``mutation`` are strawberry types whose fields are
    merged into the root types; ``types`` are extra types to register (interfaces' implementations);
    ``type_extensions`` maps an existing GraphQL type name to strawberry types whose fields are added
    to it for tenants that enable the plugin; ``nodes`` maps a global id's type name to the loader
    ``node(id:)``/``nodes(ids:)`` call for it (``core.nodes``: it authorizes as the type's typed
    fields do; the type implements ``core.sdk.Node``); ``descriptions`` describe its schema elements
    that are not described inline."""

    query: Sequence[type] = ()
    mutation: Sequence[type] = ()
    types: Sequence[type] = ()
    type_extensions: Mapping[str, Sequence[type]] = field(default_factory=dict)
    nodes: Mapping[str, Callable[..., Awaitable[Mapping[int, Any]]]] = field(default_factory=dict)
    #: Plain-language descriptions of the plugin's schema elements not described inline, by
    #: ``"Type"``, ``"Type.field"``, ``"Type.field(argument)"`` or ``"Enum.VALUE"`` (schema/builder.py
    #: ``describe``); a key naming nothing in the schema leaves the plugin out, as a broken graph does.
    descriptions: Mapping[str, str] = field(default_factory=dict)
    #: Root query fields answered by one SQL statement (``core.compiled``): field name -> its
    #: declaration (a ``core.compiled.Connection``), from the plugin's ``graph`` package.
    compiled: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, graph: Any) -> GraphContribution:
        """What a plugin's ``graph`` package contributes, laid out as the plugin contract has it:
        ``Query`` and ``Mutation``, and where it has them ``TYPES``, ``TYPE_EXTENSIONS``, ``NODES``
        and ``DESCRIPTIONS`` and ``COMPILED``; a plugin whose graph does not follow it builds its own."""
        return cls(
            query=[graph.Query],
            mutation=[graph.Mutation],
            types=list(getattr(graph, "TYPES", ())),
            type_extensions=getattr(graph, "TYPE_EXTENSIONS", {}),
            nodes=getattr(graph, "NODES", {}),
            descriptions=getattr(graph, "DESCRIPTIONS", {}),
            compiled=getattr(graph, "COMPILED", {}),
        )


# --------------------------------------------------------------------------------------------
# Start-up: what the plugin is made of (called for every loaded plugin)
# --------------------------------------------------------------------------------------------


@hookspec
def cc_models() -> None:
    """Import the plugin's SQLAlchemy models so that their tables join ``core.db.Base.metadata``.

    Called once, right after the plugin is loaded, before migrations run or a schema is built. Models
    subclass ``core.db.Base`` and, for every business row, ``core.db.TenantOwned`` (the central tenant
    filter then applies to them). Table names start with the plugin's name.

    :returns: Nothing. If it raises, the plugin is unloaded and the reason kept in ``registry.failures``.
    """


@hookspec
def cc_migrations() -> Path | None:
    """Name the folder of the plugin's Alembic revisions.

    The folder holds one Alembic branch labelled with the plugin's name whose first revision depends
    on core's first (``0001_core``). Create the folder, then generate revisions with
    ``customer-center db revision --plugin NAME -m "..."``; ``db upgrade`` (and ``serve``) apply every
    loaded plugin's branch.

    :returns: The folder (it must exist), or None when the plugin has no tables. All results are used.
    """


@hookspec
def cc_graph() -> GraphContribution | None:
    """Contribute GraphQL types and root fields.

    Used only in the schema of tenants enabling the plugin (schemas are cached per set of enabled
    plugins). ``query``/``mutation`` classes are merged into the root types, ``types`` are registered,
    and each ``type_extensions`` entry grafts the fields of its carrier types onto an existing type
    (e.g. ``{"Renewal": [RenewalMargin]}``). Carrier fields need resolvers; they run with the target
    type's object as ``self`` (or a ``strawberry.Parent`` argument) and must not clash with existing
    fields. When the target type is absent (its plugin is not enabled) the extension is skipped.

    :returns: A :class:`GraphContribution`, or None. A contribution that breaks the schema leaves the
        plugin out of it, with the reason in ``registry.failures``.
    """


@hookspec
def cc_policies() -> Path | None:
    """Name the plugin's Casbin policy CSV.

    Rows are ``p, ROLE, TENANT, object, action`` (``TENANT`` is ``*`` for every tenant); ``#`` starts a
    comment. The rows join the enforcer only for tenants enabling the plugin.

    :returns: The CSV's path, or None. Malformed rows refuse the plugin at load.
    """


@hookspec
def cc_jobs() -> Sequence[Job]:
    """Declare the plugin's scheduled jobs.

    ``customer-center jobs run`` (cron) runs every job once; a :class:`Job`'s ``run`` receives a
    ``core.jobs.JobContext`` and must be idempotent (``core.jobs.claim_once``) and act only for tenants
    enabling the plugin (``await job.tenants_with(PLUGIN)``). Its sessions are not bound to a tenant, so
    every query names the tenant explicitly.

    :returns: The jobs. Results of all plugins are concatenated; ``run``'s own return value is the
        number of units of work done, printed by ``jobs run`` and kept in its report.
    """


@hookspec
def cc_import_sections() -> Sequence[ImportSection]:
    """Declare the top-level sections of the import JSON the plugin understands.

    ``validate(items, tenant_keys)`` gets the section's value and the keys of the tenants known to
    the import (in the file and in the database) and returns error strings naming the path at fault.
    ``apply(session, tenant_ids_by_key, items, clock)`` upserts by natural key (idempotent) with
    ``tenant_id`` set explicitly: the importer's session is not tenant-bound. See docs/import-format.md.

    :returns: The sections; all plugins' sections apply in ascending ``order`` (core's tenants first).
    """


@hookspec
def cc_events() -> Sequence[EventSpec]:
    """Declare the domain events the plugin emits with ``ctx.emit``, with their payloads.

    One declaration per event (``core.events.EventSpec``, conventionally the ``EVENTS`` of the
    plugin's ``api.py``): names are ``object.verb`` in lower case, payload keys ``snake_case``. An
    emitted payload of a declared event must have exactly the declared keys. The guide's event table
    lists every declaration; webhooks and other consumers read the same catalogue
    (``registry.events``). A name declared twice, or a malformed declaration, refuses the plugin.

    :returns: The plugin's event declarations.
    """


@hookspec
def cc_http_routes() -> Sequence[Any]:
    """Contribute plain HTTP routes where a file is the natural answer (CSV exports, documents).

    Routes exist for every tenant: wrap each handler with ``core.http.download_route(handler)``, which
    authenticates the caller and calls ``await handler(ctx, request)`` with a tenant-bound context; the
    handler must refuse tenants that do not enable the plugin (``ctx.enabled_plugins``) and authorize
    like any resolver (``ctx.require``).

    :returns: Starlette routes. Results of all plugins are mounted.
    """


@hookspec
def cc_demo_data(session: AsyncSession, tenant_id: int, people: dict[str, str], clock: Clock) -> None:
    """Add the plugin's rows to the demo tenant (``customer-center demo seed`` and ``serve``), once.

    Called for every loaded plugin when the demo tenant is created, whatever it enables.

    :param session: A session bound to the demo tenant, inside the seeding transaction.
    :param tenant_id: The demo tenant's id.
    :param people: The demo people's emails by contact kind (FINANCE, TECHNICAL, EXECUTIVE, ADMIN).
    :param clock: The server's clock (``now()``, ``today()``): demo dates are relative to it.
    :returns: Nothing; may be ``async``.
    """


# --------------------------------------------------------------------------------------------
# Per request / per tenant (called only for plugins enabled for the tenant)
# --------------------------------------------------------------------------------------------


@hookspec
async def cc_principal_roles(session: AsyncSession, tenant_id: int, email: str) -> Sequence[str | RoleCheck]:
    """Grant extra tenant-wide roles to a person (e.g. a billing-dashboard share).

    Called whenever a person's roles are resolved: on every request, and by ``explain``.

    :param session: A session that may not be tenant-bound: filter by ``tenant_id`` yourself.
    :param tenant_id: The person's own tenant.
    :param email: The person's (lower-case) email.
    :returns: Role names, or :class:`RoleCheck` lookups (preferred: all plugins' checks share one
        statement). Results of all plugins are unioned. A reseller person acting in a customer tenant
        gets each of their roles prefixed ``RESELLER_``.
    """


@hookspec
async def cc_object_roles(ctx: Context, object_type: str, object_id: str) -> Sequence[str] | None:
    """Tell the relation roles the caller holds on one object of a type the plugin owns.

    Used by ``can``/``explain`` and by other plugins that must know whether the caller can see an
    object (``core.graph.object_roles``).

    :param ctx: The request context.
    :param object_type: The object type, e.g. ``renewal`` (the Casbin object name).
    :param object_id: The object's public key, e.g. a support number.
    :returns: The roles (e.g. ``OWNER``, ``PARTICIPANT``) for a type the plugin owns, None for other
        types. Raise ``NotFound`` when the caller cannot see the object at all. Results are concatenated.
    """


@hookspec
async def cc_on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    """React to a domain event (``await ctx.emit(event, payload)``) in the same transaction as the change.

    Events of the built-in plugins and their payloads are listed in docs/writing-a-plugin.md. Ignore
    events you do not know, and be idempotent (record what you did per object).

    :param ctx: The context of the caller who caused the event (tenant-bound session, principal, clock).
    :param event: The event's name, e.g. ``renewal.accepted``.
    :param payload: JSON-able facts of the event (public keys such as support numbers, never rows).
    :returns: Nothing. Raise an ``AppError`` to veto: the whole request rolls back.
    """
