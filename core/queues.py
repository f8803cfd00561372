"""Staff work queues across tenants (issue 22, SPEC "internal tools … for staff across tenants").

A *work queue* is a connection of items waiting for someone — disputes to resolve, wire notices
waiting for their money, assistance requests waiting for an answer — read over many tenants at once
by the vendor's staff (no ``X-Tenant``: every tenant) or by a reseller's people (their customer
tenants only), never by a customer. Core holds no plugin SQL: it decides *where* a queue looks (a
:class:`QueueScope`) and how an item's tenant is shown and acted in; each plugin contributes its
queues as fields grafted onto the ``WorkQueues`` type (``GraphContribution.type_extensions``) and
reads them in its own service with :meth:`QueueScope.where`.

Authorization is the enforcer's, as everywhere: reading a queue is ``(role, *, queue, <name>)`` in
the default policy rows (staff roles, or a reseller person's ``RESELLER_<role>``); acting on an item
moves the request into that item's tenant (:func:`acting_in`) and calls the same service as the
tenant-bound mutation, so the item's tenant's policy and relations (a sales rep's assignment) decide.

Cost: a queue page is one statement (plus its count when ``totalCount`` is asked, and one batch per
related field), whatever the number of tenants: the scope is a subquery of the same statement.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import selectinload

from core.authz import RequestAuthz
from core.context import bind_context
from core.errors import BadUserInput, Forbidden, NotFound
from core.i18n import _, current_locale
from core.loaders import Loader, by_key
from core.models import AuditEntry, JobRun, JobSchedule, OutboxEmail, Person, Tenant, TenantPlugin
from core.pagination import Page, keyset_page

if TYPE_CHECKING:
    from core.context import Context

QUEUE_OBJECT = "queue"  # Casbin object: the action is the queue's name, e.g. (BILLING_SUPPORT, *, queue, disputes)
RESELLER_PREFIX = "RESELLER_"
# The core queues (OPERATOR; tenants also for a reseller's admins over their customers).
TENANTS_QUEUE = "tenants"
PLUGIN_FAILURES_QUEUE = "plugin_failures"
JOB_RUNS_QUEUE = "job_runs"
OUTBOX_QUEUE = "outbox"
OUTBOX_BACKLOG = ("PENDING", "SENDING", "FAILED")  # emails not delivered (yet)


@dataclass(frozen=True)
class QueueScope:
    """Where the caller's work queues look, and with which roles.

    ``reseller_id`` None and ``tenant_id`` None: every tenant (vendor staff without ``X-Tenant``);
    ``reseller_id``: that reseller's customer tenants only; ``tenant_id``: that one tenant (staff or a
    reseller person naming it with ``X-Tenant``). ``authz`` asks the enforcer of every installed
    plugin in the ``*`` domain with ``roles`` (a tenant's own policy rows only add rights and apply
    when acting in it)."""

    email: str
    roles: frozenset[str]
    authz: RequestAuthz
    staff: bool
    reseller_id: int | None = None
    tenant_id: int | None = None

    def allowed(self, queue: str) -> bool:
        return self.authz.allowed(QUEUE_OBJECT, queue)

    def require(self, queue: str) -> None:
        if not self.allowed(queue):
            raise Forbidden(_("Not allowed to work the {queue} queue", queue=queue), object=QUEUE_OBJECT, action=queue)

    def tenant_ids(self, plugin: str | None = None, tenant_key: str | None = None) -> Select[Any]:
        """SQL: the ids of the tenants in scope (enabling ``plugin``, R-T3; the one keyed ``tenant_key``)."""
        stmt = select(Tenant.id)
        if plugin is not None:
            enabled = select(TenantPlugin.tenant_id).where(
                TenantPlugin.plugin == plugin, TenantPlugin.enabled.is_(True)
            )
            stmt = stmt.where(Tenant.id.in_(enabled))
        if self.reseller_id is not None:
            stmt = stmt.where(Tenant.reseller_id == self.reseller_id)
        if self.tenant_id is not None:
            stmt = stmt.where(Tenant.id == self.tenant_id)
        if tenant_key is not None:
            stmt = stmt.where(Tenant.key == tenant_key.strip())
        return stmt

    def where(self, tenant_column: Any, plugin: str | None, tenant_key: str | None = None) -> ColumnElement[bool]:
        """SQL: ``tenant_column`` names a tenant in scope that enables ``plugin`` (one subquery, so a
        queue page costs the same for 3 tenants as for 1,000)."""
        return tenant_column.in_(self.tenant_ids(plugin, tenant_key))

    def covers(self, tenant: Tenant) -> bool:
        """Whether one tenant is in scope (an item's, before acting on it)."""
        if self.tenant_id is not None and tenant.id != self.tenant_id:
            return False
        return self.reseller_id is None or tenant.reseller_id == self.reseller_id


def queue_names(state: Any) -> list[str]:
    """Every queue the policy rows name (``p, ROLE, *, queue, <name>`` of core and the plugins)."""
    names = state.extra.get("queue_names")
    if names is None:
        rows = [*state.enforcers.core_rows, *(r for rows in state.enforcers.plugin_policies.values() for r in rows)]
        names = state.extra["queue_names"] = sorted(
            {r[4] for r in rows if r[0] == "p" and len(r) == 5 and r[3] == QUEUE_OBJECT}
        )
    return names


def queue_scope(ctx: Context) -> QueueScope:
    """The caller's scope, or FORBIDDEN: customers (and anyone else) never reach a queue."""
    p = ctx.principal
    authz = ctx.state.enforcers.get(frozenset(ctx.state.plugins.names))
    if p.is_staff:
        roles = p.staff_roles
        return QueueScope(p.email, roles, RequestAuthz(authz, "*", roles), True, tenant_id=ctx.tenant_id)
    home = p.home_tenant_id
    if ctx.tenant is None and home is not None:
        # A reseller's person reading the queues alone (core.caller.authenticate): RESELLER_<role> already.
        return QueueScope(p.email, p.roles, RequestAuthz(authz, "*", p.roles), False, home)
    if ctx.tenant is not None and home is not None and ctx.tenant.id != home and ctx.tenant.reseller_id == home:
        # A reseller's person who named one of their customers (X-Tenant): RESELLER_<role> there already.
        return QueueScope(p.email, p.roles, RequestAuthz(authz, "*", p.roles), False, home, ctx.tenant.id)
    if ctx.tenant is not None and ctx.tenant.is_reseller and ctx.tenant.id == home:
        raise Forbidden(
            _("Ask for workQueues alone to read them over your customers (or name one with X-Tenant)"),
            object=QUEUE_OBJECT,
        )
    raise Forbidden(_("Work queues are for vendor staff and resellers' staff"), object=QUEUE_OBJECT)


# ---- acting on a queue item in its own tenant --------------------------------------------------------
async def tenant_of_item(ctx: Context, model: Any, pk: int) -> int:
    """The tenant of one queue item (a ``TenantOwned`` row by id) for a caller who may work queues;
    FORBIDDEN for anyone else, NOT_FOUND when there is no such row (in the caller's tenant, if bound)."""
    queue_scope(ctx)
    tenant_id = (await ctx.session.execute(select(model.tenant_id).where(model.id == pk))).scalar_one_or_none()
    if tenant_id is None:
        raise NotFound(_("No such item"))
    return tenant_id


@asynccontextmanager
async def acting_in(ctx: Context, tenant_id: int, plugin: str | None = None) -> AsyncIterator[Context]:
    """The request moved into ``tenant_id`` (a queue item's tenant), as if the caller had named it with
    ``X-Tenant``: a context with that tenant's enforcer (its policy rows too) and the caller's roles
    there (staff roles; ``RESELLER_<role>`` for a reseller's person), and the session bound to it for
    the block (same transaction: the mutation is still one). NOT_FOUND when the tenant is out of the
    caller's scope or does not enable ``plugin`` — the same answer as for an id that does not exist."""
    scope = queue_scope(ctx)
    if ctx.tenant is not None and ctx.tenant.id == tenant_id:
        if plugin is not None and plugin not in ctx.enabled_plugins:
            raise NotFound(_("No such item"))
        yield ctx
        return
    tenant = (
        await ctx.session.execute(
            select(Tenant)
            .where(Tenant.id == tenant_id)
            .options(selectinload(Tenant.domains), selectinload(Tenant.plugins))
        )
    ).scalar_one_or_none()
    if tenant is None or not scope.covers(tenant) or (plugin is not None and plugin not in tenant.enabled_plugins):
        raise NotFound(_("No such item"))
    p = ctx.principal
    principal = replace(p, tenant_id=tenant.id, tenant_key=tenant.key, roles=scope.roles, person_id=None)
    locale = current_locale.get()  # context_for sets the tenant's; the caller's own stays in force
    sub = await ctx.state.context_for(ctx.session, principal, tenant, ctx.request)
    current_locale.set(locale)
    sub.locale = ctx.locale
    # Writes that must outlive a rollback run once the request ends: the endpoint runs the request's list.
    sub._despite_rollback = ctx._despite_rollback
    previous = ctx.session.info.get("tenant_id")
    ctx.session.info["tenant_id"] = tenant.id
    ctx.acted_in.add(tenant.id)
    try:
        yield sub  # context_for made it the session's context too (events emitted in that tenant)
    finally:
        ctx.session.info["tenant_id"] = previous
        bind_context(ctx.session, ctx)


# ---- the tenant of every item -----------------------------------------------------------------------
class TenantsById(Loader[int, "Tenant | None"]):
    """Tenants (with domains and plugins) by id: the ``tenant`` of a page of queue items, one batch."""

    async def batch_load(self, keys: Sequence[int]) -> list[Tenant | None]:
        rows = (
            await self.ctx.session.execute(
                select(Tenant)
                .where(Tenant.id.in_(list(keys)))
                .options(selectinload(Tenant.domains), selectinload(Tenant.plugins))
            )
        ).scalars()
        return by_key(list(rows), keys, lambda t: t.id)

    async def tenant(self, tenant_id: int) -> Tenant | None:
        """The caller's own tenant is on the context already."""
        if self.ctx.tenant is not None and self.ctx.tenant.id == tenant_id:
            return self.ctx.tenant
        return await self.load(tenant_id)


async def tenants_enabling(ctx: Context, tenant_ids: Sequence[int], plugin: str) -> set[int]:
    """Which of ``tenant_ids`` enable ``plugin`` (R-T3): a field one module grafts onto another's type
    answers only for those, also when a staff page spans tenants (one batch with the items' tenants)."""
    if ctx.tenant is not None:
        return {t for t in tenant_ids if t == ctx.tenant.id and plugin in ctx.enabled_plugins}
    tenants = await TenantsById.of(ctx).load_many(sorted(set(tenant_ids)))
    return {t.id for t in tenants if t is not None and plugin in t.enabled_plugins}


# ---- the core queues (OPERATOR) ---------------------------------------------------------------------
def _tenant_filter(stmt: Any, search: str | None, module: str | None, reseller_key: str | None) -> Any:
    if search:
        text = search.strip().lower()
        if len(text) > 100:
            raise BadUserInput(_("search must be at most 100 characters"), field="search")
        like = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where((func.lower(Tenant.key).like(like)) | (func.lower(Tenant.name).like(like)))
    if module:
        enabled = select(TenantPlugin.tenant_id).where(TenantPlugin.plugin == module, TenantPlugin.enabled.is_(True))
        stmt = stmt.where(Tenant.id.in_(enabled))
    if reseller_key:
        reseller = select(Tenant.id).where(Tenant.key == reseller_key, Tenant.is_reseller.is_(True)).scalar_subquery()
        stmt = stmt.where(Tenant.reseller_id == reseller)
    return stmt


async def tenant_page(
    ctx: Context,
    *,
    search: str | None = None,
    module: str | None = None,
    reseller_key: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page:
    """Tenants in the caller's scope by key (operators: every tenant; a reseller's admins: their
    customers), with domains and plugins loaded; ``module`` keeps those enabling it."""
    scope = queue_scope(ctx)
    scope.require(TENANTS_QUEUE)
    stmt = select(Tenant).where(Tenant.id.in_(scope.tenant_ids()))
    stmt = _tenant_filter(stmt, search, module, reseller_key).options(
        selectinload(Tenant.domains), selectinload(Tenant.plugins)
    )
    return await keyset_page(
        ctx.session,
        stmt,
        [(Tenant.key, False), (Tenant.id, False)],
        first=first,
        after=after,
    )


@dataclass(frozen=True)
class TenantActivity:
    people: int  # people not removed
    last_sign_in_at: datetime | None
    last_change_at: datetime | None  # the newest audited mutation in the tenant

    @property
    def last_activity_at(self) -> datetime | None:
        moments = [m for m in (self.last_sign_in_at, self.last_change_at) if m is not None]
        return max(moments) if moments else None


async def tenant_activity(ctx: Context, tenant_ids: Sequence[int]) -> list[TenantActivity]:
    """People and last activity per tenant: two grouped statements for any number of tenants."""
    ids = list(tenant_ids)
    people = {
        tid: (n, last)
        for tid, n, last in (
            await ctx.session.execute(
                select(Person.tenant_id, func.count(Person.id), func.max(Person.last_sign_in_at))
                .where(Person.tenant_id.in_(ids), Person.status != "REMOVED")
                .group_by(Person.tenant_id)
                .execution_options(skip_tenant_filter=True)
            )
        ).all()
    }
    changes = dict(
        (
            await ctx.session.execute(
                select(AuditEntry.tenant_id, func.max(AuditEntry.created_at))
                .where(AuditEntry.tenant_id.in_(ids))
                .group_by(AuditEntry.tenant_id)
            )
        ).all()
    )
    out = []
    for tid in ids:
        n, last = people.get(tid, (0, None))
        out.append(TenantActivity(int(n), _aware(last), _aware(changes.get(tid))))
    return out


def _aware(moment: Any) -> datetime | None:
    """An aggregate (max) comes back without the column type on SQLite: naive UTC, or even a string."""
    from datetime import UTC

    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def plugin_failures(ctx: Context) -> list[tuple[str, str]]:
    """Plugins this server refused to load, and why (OPERATOR; vendor staff only)."""
    scope = queue_scope(ctx)
    scope.require(PLUGIN_FAILURES_QUEUE)
    if not scope.staff:
        raise Forbidden(_("Only vendor staff can see plugin failures"), object=QUEUE_OBJECT)
    return sorted(ctx.state.plugins.failures.items())


async def job_run_page(
    ctx: Context, *, job: str | None, tenant_key: str | None, first: int | None, after: str | None
) -> Page:
    """Units of work done by the scheduled jobs, newest first (OPERATOR): which job, for which tenant."""
    scope = queue_scope(ctx)
    scope.require(JOB_RUNS_QUEUE)
    stmt = select(JobRun)
    if job:
        stmt = stmt.where(JobRun.job == job.strip())
    if tenant_key is not None or scope.tenant_id is not None or scope.reseller_id is not None:
        stmt = stmt.where(scope.where(JobRun.tenant_id, None, tenant_key))
    return await keyset_page(ctx.session, stmt, [(JobRun.id, True)], first=first, after=after)


async def job_runs_by_ids(ctx: Context, ids: Sequence[int]) -> list[JobRun]:
    """``node(id:)``: job runs by key, in the caller's scope (as ``workQueues.jobRuns``)."""
    scope = queue_scope(ctx)
    scope.require(JOB_RUNS_QUEUE)
    stmt = select(JobRun).where(JobRun.id.in_(list(ids)))
    if scope.tenant_id is not None or scope.reseller_id is not None:
        stmt = stmt.where(scope.where(JobRun.tenant_id, None))
    return list((await ctx.session.execute(stmt)).scalars())


async def outbox_by_ids(ctx: Context, ids: Sequence[int]) -> list[OutboxEmail]:
    """``node(id:)``: backlog emails by key, in the caller's scope (as ``workQueues.outbox``)."""
    scope = queue_scope(ctx)
    scope.require(OUTBOX_QUEUE)
    stmt = (
        select(OutboxEmail)
        .where(OutboxEmail.id.in_(list(ids)), OutboxEmail.status.in_(OUTBOX_BACKLOG))
        .execution_options(skip_tenant_filter=True)
    )
    if scope.tenant_id is not None or scope.reseller_id is not None:
        stmt = stmt.where(scope.where(OutboxEmail.tenant_id, None))
    return list((await ctx.session.execute(stmt)).scalars())


@dataclass(frozen=True)
class JobStatus:
    job: str
    description: str
    last_date: Any  # the last day it ran for (dated jobs catch up every day since)
    last_run_at: datetime | None
    last_outcome: str | None  # OK | FAILED; None: never ran
    runs: int
    failures: int


async def job_statuses(ctx: Context) -> list[JobStatus]:
    """Every scheduled job with its last run, outcome and failure count (OPERATOR), those whose last run
    failed first: one statement."""
    from core.jobs import all_jobs

    scope = queue_scope(ctx)
    scope.require(JOB_RUNS_QUEUE)
    if not scope.staff:
        raise Forbidden("Only vendor staff can see the jobs", object=QUEUE_OBJECT)
    rows = {r.job: r for r in (await ctx.session.execute(select(JobSchedule))).scalars()}
    out = []
    for job in all_jobs(ctx.state):
        r = rows.get(job.name)
        out.append(
            JobStatus(
                job=job.name,
                description=job.description,
                last_date=r.last_date if r else None,
                last_run_at=_aware(r.last_run_at) if r else None,
                last_outcome=(r.last_outcome or None) if r else None,
                runs=r.runs if r else 0,
                failures=r.failures if r else 0,
            )
        )
    return sorted(out, key=lambda s: (s.last_outcome != "FAILED", s.job))


async def outbox_page(
    ctx: Context, *, status: str | None, tenant_key: str | None, first: int | None, after: str | None
) -> Page:
    """Emails not delivered yet (PENDING, SENDING) or given up on (FAILED), oldest due first (OPERATOR)."""
    scope = queue_scope(ctx)
    scope.require(OUTBOX_QUEUE)
    statuses = OUTBOX_BACKLOG if status is None else (status,)
    if not set(statuses) <= set(OUTBOX_BACKLOG):
        raise BadUserInput(_("status must be one of {names}", names=", ".join(OUTBOX_BACKLOG)), field="status")
    stmt = select(OutboxEmail).where(OutboxEmail.status.in_(statuses)).execution_options(skip_tenant_filter=True)
    if tenant_key is not None or scope.tenant_id is not None or scope.reseller_id is not None:
        stmt = stmt.where(scope.where(OutboxEmail.tenant_id, None, tenant_key))
    return await keyset_page(
        ctx.session,
        stmt,
        [(OutboxEmail.next_attempt_at, False), (OutboxEmail.id, False)],
        first=first,
        after=after,
    )
