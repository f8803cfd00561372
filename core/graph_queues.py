"""The graph of the staff work queues (core.queues): the ``workQueues`` root field, whose ``WorkQueues``
object carries the core queues (OPERATOR) and the fields every plugin grafts onto it with its own
queues (``GraphContribution.type_extensions = {"WorkQueues": [...]}``), and ``tenants`` for operators.
Resolvers translate; core.queues reads and authorizes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.types import Info

from core import queues as svc
from core import webhooks as webhook_svc
from core.context import Context
from core.graph import PluginFailure, TenantType
from core.ids import to_global_id
from core.loaders import Loader
from core.nodes import Node
from core.pagination import Connection, connection, connection_of
from core.webhooks_graph import WebhookDeliveryStatus, WebhookDeliveryType


class TenantActivities(Loader[int, svc.TenantActivity]):
    """People and last activity by tenant id (two statements for a page of tenants)."""

    async def batch_load(self, keys: Any) -> list[svc.TenantActivity]:
        return await svc.tenant_activity(self.ctx, keys)


async def item_tenant(info: Info[Context, None], tenant_id: int | None) -> TenantType | None:
    """The ``tenant`` of a queue item (every item type has one): one batch per page."""
    if tenant_id is None:
        return None
    tenant = await svc.TenantsById.of(info.context).tenant(tenant_id)
    return TenantType.of(tenant) if tenant else None


def tenant_field(description: str | None = None) -> Any:
    """The ``tenant`` field of a queue item type (one with a private ``tenant_id``), by item_tenant.
    Declared as an attribute, it stands with the type's attributes in the schema, before any field
    declared as a method (RenewalRequest keeps its method to keep ``renewal`` first)."""

    async def tenant(self: Any, info: Info[Context, None]) -> TenantType | None:
        return await item_tenant(info, self.tenant_id)

    return strawberry.field(resolver=tenant, description=description)


@strawberry.type(description="A tenant as operators see it: its modules, policy version, people and last activity.")
class TenantOverview:
    tenant: TenantType
    policy_version: int = strawberry.field(
        description="Bumped whenever the tenant's policy rows or enabled modules change."
    )
    created_at: datetime
    tenant_id: strawberry.Private[int]

    @strawberry.field(description="People of the tenant who are not removed.")
    async def people(self, info: Info[Context, None]) -> int:
        return (await TenantActivities.of(info.context).load(self.tenant_id)).people

    @strawberry.field(description="The latest sign-in of one of its people (R-A4).")
    async def last_sign_in_at(self, info: Info[Context, None]) -> datetime | None:
        return (await TenantActivities.of(info.context).load(self.tenant_id)).last_sign_in_at

    @strawberry.field(description="The latest sign-in or audited change in the tenant.")
    async def last_activity_at(self, info: Info[Context, None]) -> datetime | None:
        return (await TenantActivities.of(info.context).load(self.tenant_id)).last_activity_at

    @classmethod
    def of(cls, t: Any) -> TenantOverview:
        return cls(tenant=TenantType.of(t), policy_version=t.config_version, created_at=t.created_at, tenant_id=t.id)


@strawberry.type(description="A unit of work a scheduled job did (a reminder sent, an invoice issued…).")
class JobRunItem(Node):
    id: strawberry.ID
    job: str
    unit_key: str
    created_at: datetime
    tenant_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, r: Any) -> JobRunItem:
        return cls(
            id=strawberry.ID(to_global_id("JobRun", r.id)),
            job=r.job,
            unit_key=r.unit_key,
            created_at=r.created_at,
            tenant_id=r.tenant_id,
        )

    tenant: TenantType | None = tenant_field("The tenant the unit was for (none for server-wide work).")


@strawberry.enum(description="Where an outgoing email is.")
class OutboxStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Waiting for its (next) attempt.")
    SENDING = strawberry.enum_value("SENDING", description="Claimed by a sender right now.")
    FAILED = strawberry.enum_value("FAILED", description="Given up after its last attempt; never retried alone.")
    SENT = strawberry.enum_value("SENT", description="Accepted by the mail server.")


@strawberry.enum(description="How a job's last run ended.")
class JobOutcome(Enum):
    OK = strawberry.enum_value("OK", description="Every unit of work of the run was done.")
    FAILED = strawberry.enum_value("FAILED", description="The run stopped on an error; the next run tries again.")


@strawberry.type(description="A scheduled job: its last run, how it ended and how often it failed.")
class JobStatusItem:
    job: str = strawberry.field(description="The job's name (customer-center jobs run --job NAME).")
    description: str = strawberry.field(description="What the job does.")
    last_date: date | None = strawberry.field(description="The last day it ran for (dated jobs catch up).")
    last_run_at: datetime | None = strawberry.field(description="When it last ran (none: never).")
    last_outcome: JobOutcome | None = strawberry.field(description="None: it never ran.")
    runs: int = strawberry.field(description="How many times it ran.")
    failures: int = strawberry.field(description="How many of those runs failed.")


@strawberry.type(description="An email of the outbox not delivered yet, or given up on (FAILED).")
class OutboxItem(Node):
    id: strawberry.ID
    kind: str
    to: str
    subject: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    tenant_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, e: Any) -> OutboxItem:
        return cls(
            id=strawberry.ID(to_global_id("OutboxEmail", e.id)),
            kind=e.kind,
            to=e.to_addr,
            subject=e.subject,
            status=OutboxStatus(e.status),
            attempts=e.attempts,
            next_attempt_at=e.next_attempt_at,
            last_error=e.last_error,
            created_at=e.created_at,
            tenant_id=e.tenant_id,
        )

    tenant: TenantType | None = tenant_field()


@strawberry.type(description="A webhook delivery not delivered yet, or given up on (FAILED), with its tenant.")
class WebhookQueueItem:
    delivery: WebhookDeliveryType
    tenant_id: strawberry.Private[int]

    tenant: TenantType | None = tenant_field("The tenant whose event it carries.")


@strawberry.type(
    description="The caller's work queues across tenants: vendor staff without X-Tenant see every tenant, a "
    "reseller's people their customer tenants only; each queue is ordered for work (oldest, or due soonest, "
    "first). Modules add their queues here for tenants that enable them."
)
class WorkQueues:
    scope: strawberry.Private[svc.QueueScope]

    @strawberry.field(description="The roles the queues are read with (staff roles, or RESELLER_<role>).")
    def roles(self) -> list[str]:
        return sorted(self.scope.roles)

    @strawberry.field(description="Which queues the caller may work (their names, e.g. disputes).")
    def queues(self, info: Info[Context, None]) -> list[str]:
        names = svc.queue_names(info.context.state)
        return [n for n in names if self.scope.allowed(n)]

    @strawberry.field(description="OPERATOR (and a reseller's admins over their customers): tenants by key.")
    async def tenants(
        self,
        info: Info[Context, None],
        search: str | None = None,
        module: str | None = None,
        reseller_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TenantOverview] | None:
        return await tenants_connection(info.context, search, module, reseller_key, first, after)

    @strawberry.field(description="OPERATOR: plugins this server refused to load, and why.")
    def plugin_failures(self, info: Info[Context, None]) -> list[PluginFailure] | None:
        return [PluginFailure(source=k, reason=v) for k, v in svc.plugin_failures(info.context)]

    @strawberry.field(description="OPERATOR: every scheduled job's last run and failures, failed ones first.")
    async def jobs(self, info: Info[Context, None]) -> list[JobStatusItem] | None:
        return [
            JobStatusItem(
                job=s.job,
                description=s.description,
                last_date=s.last_date,
                last_run_at=s.last_run_at,
                last_outcome=JobOutcome(s.last_outcome) if s.last_outcome in ("OK", "FAILED") else None,
                runs=s.runs,
                failures=s.failures,
            )
            for s in await svc.job_statuses(info.context)
        ]

    @strawberry.field(description="OPERATOR: units of work done by the scheduled jobs, newest first.")
    async def job_runs(
        self,
        info: Info[Context, None],
        job: str | None = None,
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[JobRunItem] | None:
        page = await svc.job_run_page(info.context, job=job, tenant_key=tenant_key, first=first, after=after)
        return connection_of(JobRunItem.of, page)

    @strawberry.field(description="OPERATOR: the email backlog (PENDING, SENDING, FAILED), oldest due first.")
    async def outbox(
        self,
        info: Info[Context, None],
        status: OutboxStatus | None = None,
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[OutboxItem] | None:
        page = await svc.outbox_page(
            info.context, status=status.value if status else None, tenant_key=tenant_key, first=first, after=after
        )
        return connection_of(OutboxItem.of, page)

    @strawberry.field(
        description="OPERATOR (and a reseller's admins over their customers): webhook deliveries waiting "
        "(PENDING, SENDING) or given up on (FAILED), due soonest first. Redeliver with X-Tenant and "
        "redeliverWebhook."
    )
    async def webhook_deliveries(
        self,
        info: Info[Context, None],
        status: WebhookDeliveryStatus | None = None,
        tenant_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[WebhookQueueItem] | None:
        ctx = info.context
        rows, page, total, cursors = await webhook_svc.queue_page(
            ctx, status=status.value if status else None, tenant_key=tenant_key, first=first, after=after
        )
        endpoints = await webhook_svc.queue_endpoints(ctx, rows)
        nodes = [
            WebhookQueueItem(delivery=WebhookDeliveryType.of(d, endpoints.get(d.endpoint_id)), tenant_id=d.tenant_id)
            for d in rows
        ]
        return connection(nodes, page, total, cursors)


async def tenants_connection(
    ctx: Context,
    search: str | None,
    module: str | None,
    reseller_key: str | None,
    first: int | None,
    after: str | None,
) -> Connection[TenantOverview]:
    page = await svc.tenant_page(ctx, search=search, module=module, reseller_key=reseller_key, first=first, after=after)
    return connection_of(TenantOverview.of, page)


@strawberry.type
class QueueQuery:
    @strawberry.field(
        description="Staff work queues across tenants (vendor staff; a reseller's people over their customer "
        "tenants). FORBIDDEN for customers."
    )
    def work_queues(self, info: Info[Context, None]) -> WorkQueues:
        return WorkQueues(scope=svc.queue_scope(info.context))

    @strawberry.field(description="OPERATOR: every tenant, by key, with its modules, policy version and activity.")
    async def tenants(
        self,
        info: Info[Context, None],
        search: str | None = None,
        module: str | None = None,
        reseller_key: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[TenantOverview]:
        return await tenants_connection(info.context, search, module, reseller_key, first, after)


# ---- node(id:) (core/nodes.py): authorized as the queues show them, by core.queues -----------------
async def _job_run_nodes(ctx: Context, ids: Sequence[int]) -> dict[int, JobRunItem]:
    return {r.id: JobRunItem.of(r) for r in await svc.job_runs_by_ids(ctx, ids)}


async def _outbox_nodes(ctx: Context, ids: Sequence[int]) -> dict[int, OutboxItem]:
    return {e.id: OutboxItem.of(e) for e in await svc.outbox_by_ids(ctx, ids)}


QUEUE_NODES = {"JobRun": _job_run_nodes, "OutboxEmail": _outbox_nodes}
