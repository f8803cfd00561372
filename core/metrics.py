"""Prometheus metrics: what the API serves, the errors it returns, the outbox, jobs and webhooks.

Counters and histograms live in ``prometheus_client``'s default registry. Under ``serve --workers N``
every worker process writes them to files in ``PROMETHEUS_MULTIPROC_DIR`` (set by ``serve``) and
``/metrics`` adds up every worker's files, so a scrape answered by any worker counts the requests
of all of them. The outbox figures are read from the database at each scrape (they are the same
whichever process answers, and stay right across hosts). docs/operations.md lists every metric.

Other modules record through the functions here (``record_webhook_delivery``, ``record_job_run``)
rather than touching prometheus objects, so names and labels stay in one place.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import threading
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from core.models import OutboxEmail
from core.rls import EVERY_TENANT

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Operation names come from clients: past this many distinct names per process, the rest are
# counted as "other", so a client cannot grow the metrics without bound.
MAX_OPERATION_LABELS = 200
OTHER = "other"
ANONYMOUS = "anonymous"

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

GRAPHQL_DURATION = Histogram(
    "cc_graphql_request_duration_seconds",
    "Time to answer a GraphQL request, by operation name and type",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_ERRORS = Counter("cc_graphql_errors_total", "GraphQL errors returned, by extensions.code", ["code"])
HTTP_REQUESTS = Counter("cc_http_requests_total", "HTTP requests answered, by route and status", ["route", "status"])
JOB_RUNS = Counter("cc_job_runs_total", "Job runs (one job for one date)", ["job"])
JOB_FAILURES = Counter("cc_job_failures_total", "Job runs that raised", ["job"])
JOB_UNITS = Counter("cc_job_units_total", "Units of work jobs did", ["job"])
WEBHOOK_DELIVERIES = Counter(
    "cc_webhook_deliveries_total", "Webhook delivery attempts, by event and outcome", ["event", "outcome"]
)

_operations: set[str] = set()
_operations_lock = threading.Lock()


def operation_label(name: str | None) -> str:
    if not name:
        return ANONYMOUS
    name = name[:100]
    with _operations_lock:
        if name in _operations:
            return name
        if len(_operations) < MAX_OPERATION_LABELS:
            _operations.add(name)
            return name
    return OTHER


def observe_graphql(operation: str | None, op_type: str | None, seconds: float, codes: list[str]) -> None:
    GRAPHQL_DURATION.labels(operation_label(operation), op_type or "unknown").observe(seconds)
    for code in codes:
        GRAPHQL_ERRORS.labels(code[:64]).inc()


def observe_http(route: str, status: int) -> None:
    HTTP_REQUESTS.labels(route, str(status)).inc()


def record_job_run(job: str, units: int, *, failed: bool = False) -> None:
    JOB_RUNS.labels(job).inc()
    if failed:
        JOB_FAILURES.labels(job).inc()
    elif units:
        JOB_UNITS.labels(job).inc(units)


def record_webhook_delivery(event: str, outcome: str) -> None:
    """Count one webhook delivery attempt; ``outcome`` e.g. ``delivered``, ``failed``, ``gave_up``."""
    WEBHOOK_DELIVERIES.labels(event[:100], outcome[:32]).inc()


def prepare_multiprocess_dir(workers: int, environ: dict[str, str] | None = None) -> str | None:
    """Before ``serve`` starts several workers: a fresh ``PROMETHEUS_MULTIPROC_DIR`` in the
    environment they inherit (an operator's own directory is kept, emptied of the previous run's
    files, which would otherwise be added to this run's figures)."""
    import tempfile
    from pathlib import Path

    env = os.environ if environ is None else environ
    if workers <= 1 and MULTIPROC_ENV not in env:
        return None
    path = Path(env.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="cc-prometheus-"))
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.db"):
        old.unlink()
    env[MULTIPROC_ENV] = str(path)
    return str(path)


async def outbox_figures(state: Any) -> dict[str, float]:
    """Emails waiting (PENDING or SENDING), failed for good, and the age of the oldest waiting."""
    waiting = OutboxEmail.status.in_(("PENDING", "SENDING"))
    async with state.sessionmaker(info=EVERY_TENANT) as session:
        counts = dict(
            (
                await session.execute(
                    select(OutboxEmail.status, func.count())
                    .group_by(OutboxEmail.status)
                    .execution_options(skip_tenant_filter=True)
                )
            ).all()
        )
        oldest = (
            await session.execute(
                select(func.min(OutboxEmail.created_at)).where(waiting).execution_options(skip_tenant_filter=True)
            )
        ).scalar()
    age = 0.0
    if oldest is not None:
        now = state.clock.now()
        if oldest.tzinfo is None:  # SQLite returns naive UTC
            now = now.replace(tzinfo=None)
        age = max(0.0, (now - oldest).total_seconds())
    return {
        "backlog": counts.get("PENDING", 0) + counts.get("SENDING", 0),
        "failed": counts.get("FAILED", 0),
        "age": age,
    }


def _scrape_registry() -> CollectorRegistry | None:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)
        return registry
    return None


def may_scrape(request: Request, token: str | None) -> bool:
    """With ``metrics_token`` set, only ``Authorization: Bearer <token>``; without it, loopback
    clients only (a scraper on the same host, or through a proxy that keeps /metrics internal)."""
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics_endpoint(request: Request) -> Response:
    """GET /metrics in Prometheus' text format (docs/operations.md)."""
    from core.webhooks import delivery_counts

    state = request.app.state.cc
    if not may_scrape(request, state.settings.metrics_token):
        return PlainTextResponse("Forbidden", status_code=403)
    registry = _scrape_registry()
    body = generate_latest(registry) if registry is not None else generate_latest()
    live = CollectorRegistry()
    outbox = await outbox_figures(state)
    Gauge("cc_outbox_backlog", "Emails waiting to be sent", registry=live).set(outbox["backlog"])
    Gauge("cc_outbox_failed", "Emails that failed for good", registry=live).set(outbox["failed"])
    Gauge("cc_outbox_oldest_age_seconds", "Age of the oldest waiting email", registry=live).set(outbox["age"])
    webhooks = await delivery_counts(state)
    Gauge("cc_webhook_backlog", "Webhook deliveries waiting (PENDING or SENDING)", registry=live).set(
        webhooks["PENDING"] + webhooks["SENDING"]
    )
    Gauge("cc_webhook_due", "Webhook deliveries due now", registry=live).set(webhooks["due"])
    Gauge("cc_webhook_failed", "Webhook deliveries given up on (FAILED)", registry=live).set(webhooks["FAILED"])
    return Response(body + generate_latest(live), media_type=CONTENT_TYPE_LATEST)
