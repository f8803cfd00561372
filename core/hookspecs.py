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
  ``cc_policies``, ``cc_migrations``, ``cc_jobs`` and ``cc_import_sections`` once to validate them.
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

    from core.context import Context
    from core.jobs import JobContext

PROJECT = "customer_center"
HOOK_VERSION = 1

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
    """A scheduled unit of work. ``run`` must be idempotent: running it twice changes nothing more."""

    name: str
    run: Callable[[JobContext], Awaitable[int]]
    description: str = ""


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
    to it for tenants that enable the plugin."""

    query: Sequence[type] = ()
    mutation: Sequence[type] = ()
    types: Sequence[type] = ()
    type_extensions: Mapping[str, Sequence[type]] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Start-up: what the plugin is made of (called for every loaded plugin)
# --------------------------------------------------------------------------------------------


@hookspec
def cc_models() -> None:
    """Import the plugin's SQLAlchemy models so their tables join ``core.db.Base.metadata``.

    Called once right after the plugin is loaded (before migrations run or the schema is built).
    Models subclass ``core.db.Base`` and, for every business row, ``core.db.TenantOwned`` (the central
    tenant filter then applies). Table names start with the plugin name. Returns nothing; if it raises,
    the plugin is unloaded and the reason recorded."""


@hookspec
def cc_migrations() -> Path | None:
    """Return the folder holding the plugin's Alembic revisions, or None when it has no tables.

    The folder holds one Alembic branch labelled with the plugin name, depending on core's first
    revision; generate it with ``customer-center db revision --plugin NAME -m "..."``. ``db upgrade``
    (and ``serve``) apply every loaded plugin's branch. All results are used; the folder must exist."""


@hookspec
def cc_graph() -> GraphContribution | None:
    """Return the plugin's GraphQL contribution (a :class:`GraphContribution`), or None.

    Used only in the schema of tenants enabling the plugin: ``query``/``mutation`` classes are merged
    into the root types, ``types`` are registered, and each ``type_extensions`` entry grafts the fields
    of its carrier types onto an existing type (e.g. ``{"Renewal": [RenewalMargin]}``). Carrier fields
    must have resolvers; they run with the target type's object as ``self`` (or a ``strawberry.Parent``
    argument) and must not clash with existing fields. When the target type is absent (its plugin is
    not enabled) the extension is skipped. A contribution that breaks the schema leaves the plugin out
    of it and records the reason in ``registry.failures``."""


@hookspec
def cc_policies() -> Path | None:
    """Return the path of the plugin's Casbin policy CSV, or None.

    Rows are ``p, ROLE, TENANT, object, action`` (``TENANT`` is ``*`` for every tenant); ``#`` starts a
    comment. They join the enforcer only for tenants enabling the plugin. Malformed rows refuse the
    plugin at load."""


@hookspec
def cc_jobs() -> Sequence[Job]:
    """Return the plugin's scheduled jobs (:class:`Job`). Results of all plugins are concatenated.

    ``customer-center jobs run`` (cron) runs every job once; ``run`` receives a ``core.jobs.JobContext``
    and returns the number of units of work done. A job must be idempotent (``core.jobs.claim_once``)
    and act only for tenants enabling the plugin (``await job.tenants_with(PLUGIN)``); its sessions are
    not bound to a tenant, so every query names the tenant explicitly."""


@hookspec
def cc_import_sections() -> Sequence[ImportSection]:
    """Return the import-JSON sections the plugin understands (:class:`ImportSection`).

    ``validate(items, tenant_keys)`` returns error strings naming the path at fault; ``apply(session,
    tenant_ids_by_key, items, clock)`` upserts by natural key (idempotent) with ``tenant_id`` set
    explicitly (the importer's session is not tenant-bound). Sections apply in ``order``. See
    docs/import-format.md."""


@hookspec
def cc_http_routes() -> Sequence[Any]:
    """Return Starlette routes (downloads: CSV exports, documents). Results of all plugins are mounted.

    Routes exist for every tenant: wrap each handler with ``core.http.download_route(handler)``, which
    authenticates the caller and calls ``await handler(ctx, request)`` with a tenant-bound context; the
    handler must refuse tenants that do not enable the plugin (``ctx.enabled_plugins``) and authorize
    like any resolver (``ctx.require``)."""


# --------------------------------------------------------------------------------------------
# Per request / per tenant (called only for plugins enabled for the tenant)
# --------------------------------------------------------------------------------------------


@hookspec
async def cc_principal_roles(session: AsyncSession, tenant_id: int, email: str) -> Sequence[str | RoleCheck]:
    """Return extra tenant-wide roles the plugin grants this person (e.g. a billing-dashboard share):
    role names, or :class:`RoleCheck` lookups (preferred: all plugins' checks share one statement).

    Called when a person's roles are resolved (every request, and ``explain``), with a session that may
    not be tenant-bound (filter by ``tenant_id`` yourself). Results of all plugins are unioned. A reseller
    person acting in a customer tenant gets each of their roles prefixed ``RESELLER_``."""


@hookspec
async def cc_object_roles(ctx: Context, object: str, object_id: str) -> Sequence[str] | None:
    """For an object type the plugin owns (e.g. ``renewal``), return the relation roles the caller
    holds on that one object (e.g. ``OWNER``, ``PARTICIPANT``), or None for other object types.

    ``object_id`` is the object's public key (e.g. a support number). Raise ``NotFound`` when the
    caller cannot see the object at all. Used by ``can``/``explain`` and by other plugins that need to
    know whether the caller can see an object (``core.graph.object_roles``). Results are concatenated."""


@hookspec
async def cc_on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    """React to a domain event (``await ctx.emit(event, payload)``) in the same transaction as the change.

    ``ctx`` is the request context of the caller who caused the event (tenant-bound session, principal,
    clock). Ignore events you do not know, and be idempotent (record what you did per object). Raise an
    ``AppError`` to veto: the whole request rolls back. Events of the built-in plugins and their payloads
    are listed in docs/writing-a-plugin.md."""


@hookspec
async def cc_demo_data(session: AsyncSession, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    """Add demo rows to the demo tenant (``customer-center demo seed`` / ``serve``), once.

    ``session`` is bound to the demo tenant; ``people`` maps a contact kind (FINANCE, TECHNICAL,
    EXECUTIVE, ADMIN) to a demo email; ``clock`` gives ``now()``/``today()``. Called for every loaded
    plugin."""
