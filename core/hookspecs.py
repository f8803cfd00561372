"""The plugin contract: every hook a plugin (built-in or a reseller's) may implement.

A plugin is a module or object registered under the ``customer_center.plugins`` entry-point group. It must
carry a ``MANIFEST = PluginManifest(...)`` whose ``hook_version`` equals :data:`HOOK_VERSION`;
a plugin built for another version is refused at load with a message naming both versions.
Implement hooks with ``@hookimpl`` from this module. Unknown hook names and wrong argument names
are refused at load too (pluggy validates each implementation against the specs below).

Hooks that take ``tenant`` are only called for plugins enabled for that tenant; hooks without it
describe the plugin itself and are called once at start-up for every loaded plugin.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
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
# Start-up: what the plugin is made of (called once per process for every loaded plugin)
# --------------------------------------------------------------------------------------------


@hookspec
def cc_models() -> None:
    """Import the plugin's SQLAlchemy models so they join ``core.db.Base.metadata``. Returns nothing."""


@hookspec
def cc_migrations() -> Path | None:
    """Return the folder holding the plugin's Alembic revisions (its own branch, labelled with the
    plugin name, depending on core's first revision), or None. All results are used."""


@hookspec
def cc_graph() -> GraphContribution | None:
    """Return the plugin's GraphQL contribution. Used only in schemas of tenants enabling it."""


@hookspec
def cc_policies() -> Path | None:
    """Return the path of the plugin's Casbin policy CSV (rows ``p, ROLE, *, object, action``)."""


@hookspec
def cc_jobs() -> Sequence[Job]:
    """Return the plugin's jobs. ``customer-center jobs run`` runs every job of every plugin."""


@hookspec
def cc_import_sections() -> Sequence[ImportSection]:
    """Return the import-JSON sections the plugin understands (see docs/import-format.md)."""


@hookspec
def cc_http_routes() -> Sequence[Any]:
    """Return Starlette routes (downloads: CSV exports, documents). Handlers obtain the caller with
    ``await core.http.request_context(request)`` and must authorize like any resolver."""


# --------------------------------------------------------------------------------------------
# Per request / per tenant (called only for plugins enabled for the tenant)
# --------------------------------------------------------------------------------------------


@hookspec
async def cc_principal_roles(session: AsyncSession, tenant_id: int, email: str) -> Sequence[str]:
    """Return extra tenant-wide roles the plugin grants this person (e.g. a billing-dashboard share).
    Results of all plugins are unioned."""


@hookspec
async def cc_object_roles(ctx: Context, object: str, object_id: str) -> Sequence[str] | None:
    """For an object type the plugin owns (e.g. ``renewal``), return the relation roles the caller
    holds on that one object (e.g. ``OWNER``, ``PARTICIPANT``), or None for other object types.
    ``object_id`` is the GraphQL id. Results of all plugins are concatenated."""


@hookspec
async def cc_on_event(ctx: Context, event: str, payload: dict[str, Any]) -> None:
    """React to a domain event in the same transaction as the change (e.g. ``renewal.accepted``).
    Raise an AppError to veto the change. Events are listed in docs/writing-a-plugin.md."""


@hookspec
async def cc_demo_data(session: AsyncSession, tenant_id: int, people: dict[str, str], clock: Any) -> None:
    """Add demo rows to the demo tenant. ``people`` maps a contact kind to a demo email."""
