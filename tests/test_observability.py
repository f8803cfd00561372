"""Observability (issue 20): request ids, structured request logs (user errors at INFO without a
traceback, unexpected ones with a traceback and an error id the client sees), Prometheus metrics
(also summed over several worker processes), /readyz, and OpenTelemetry spans."""

from __future__ import annotations

import json
import logging
import re
import types
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry
from prometheus_client.parser import text_string_to_metric_families

from bench.server import Uvicorn
from core.app import create_app, create_state
from core.hookspecs import HOOK_VERSION, GraphContribution, PluginManifest, hookimpl
from core.logs import json_formatter
from core.metrics import prepare_multiprocess_dir, record_webhook_delivery
from core.settings import Settings
from core.tracing import instrument, tracing_configured
from tests.conftest import ACME, Api, fresh_database_url, make_api
from tests.pg import free_port

VIEWER = "query Viewer { viewer { email } }"


@strawberry.type
class CrashQuery:
    @strawberry.field
    def crash(self) -> str:
        raise RuntimeError("secret internals: /srv/app/db.py line 12")


def _crash_plugin() -> types.ModuleType:
    plugin = types.ModuleType("crash")
    plugin.MANIFEST = PluginManifest("crash", "Raises (test)", HOOK_VERSION)
    plugin.cc_graph = hookimpl(lambda: GraphContribution(query=[CrashQuery]))
    return plugin


@pytest.fixture
async def obs(templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Api]:
    """The API on SQLite with a plugin whose field raises; Acme loaded."""
    controller, _ = smtp_server
    api, client = await make_api("sqlite", templates, controller.port, extra_plugins=[_crash_plugin()])
    await api.load({"tenants": [ACME]})
    try:
        yield api
    finally:
        await client.aclose()
        await api.state.engine.dispose()


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "request"]


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                out[tuple(sorted(s.labels.items()))] = s.value
    return out


# ------------------------------------------------------------------------------------- request ids
async def test_request_id_is_taken_when_plausible_and_made_otherwise(obs: Api) -> None:
    given = await obs.client.get("/healthz", headers={"X-Request-Id": "edge-7f3a.1:2"})
    assert given.headers["x-request-id"] == "edge-7f3a.1:2"
    for bad in ("x" * 129, "a b", "<script>", ""):
        made = await obs.client.get("/healthz", headers={"X-Request-Id": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"]), bad
    first, second = [(await obs.client.get("/healthz")).headers["x-request-id"] for _ in range(2)]
    assert first != second


# ------------------------------------------------------------------------------------------- logs
async def test_a_request_line_carries_who_what_how_long_and_the_outcome(obs: Api, caplog) -> None:
    caplog.set_level(logging.INFO)
    resp = await obs.client.post(
        "/graphql", json={"query": VIEWER}, headers={**obs.headers("fin@acme.com"), "X-Request-Id": "req-1"}
    )
    assert resp.status_code == 200 and resp.headers["x-request-id"] == "req-1"
    [line] = [r for r in request_lines(caplog) if r.get("request_id") == "req-1"]
    assert line["tenant"] == "acme" and line["principal"] == "fin@acme.com"
    assert line["operation"] == "Viewer" and line["type"] == "query" and line["outcome"] == "ok"
    assert line["status"] == 200 and line["path"] == "/graphql" and line["duration_ms"] > 0
    assert line["sql_statements"] >= 1 and line["level"] == "info"
    record = next(r for r in caplog.records if r.msg is line)
    out = json.loads(json_formatter().format(record))  # what an operator's log pipeline receives
    assert out["request_id"] == "req-1" and out["event"] == "request" and "ts" in out


async def test_user_errors_are_info_without_traceback(obs: Api, caplog) -> None:
    caplog.set_level(logging.INFO)
    query = 'query Missing { node(id: "Tm9wZTo5OTk=") { id } }'
    body = await obs.gql(query, as_="fin@acme.com")
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes <= {"NOT_FOUND", "BAD_USER_INPUT", "GRAPHQL_VALIDATION_FAILED"}, body
    await obs.gql(VIEWER, as_="nobody@nowhere.example")  # FORBIDDEN
    lines = request_lines(caplog)
    assert {ln["outcome"] for ln in lines} == {"user_error"}, lines
    assert any(ln["codes"] == ["FORBIDDEN"] for ln in lines)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.WARNING]
    assert not [r for r in caplog.records if isinstance(r.msg, dict) and "exc_info" in r.msg]


async def test_an_unexpected_error_is_logged_with_traceback_and_an_id_the_client_sees(obs: Api, caplog) -> None:
    caplog.set_level(logging.INFO)
    body = await obs.gql("query Boom { crash }", as_="fin@acme.com")
    [error] = body["errors"]
    assert error["message"] == "Internal server error"
    error_id = error["extensions"]["errorId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and re.fullmatch(r"[0-9a-f]{16}", error_id)
    assert "secret internals" not in json.dumps(body) and "Traceback" not in json.dumps(body)
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert logged.msg["error_id"] == error_id
    written = json.loads(json_formatter().format(logged))  # the traceback is in the log, under the id
    assert written["error_id"] == error_id and "Traceback" in written["exception"]
    assert "secret internals" in written["exception"]
    [line] = request_lines(caplog)
    assert line["outcome"] == "error" and line["error_id"] == error_id and line["codes"] == ["INTERNAL_SERVER_ERROR"]


# ---------------------------------------------------------------------------------------- metrics
async def test_metrics_count_operations_errors_outbox_and_webhooks(obs: Api) -> None:
    before = (await obs.client.get("/metrics")).text
    await obs.ok(VIEWER, as_="fin@acme.com")
    await obs.gql(VIEWER, as_="nobody@nowhere.example")
    record_webhook_delivery("invoice.issued", "delivered")
    await obs.sql(
        "insert into outbox_emails (tenant_id, to_addr, cc, subject, body, kind, status, attempts, next_attempt_at,"
        " created_at) select id, 'a@b.c', '', 's', 'b', 'test', 'PENDING', 0, :t, :t from tenants",
        t=obs.clock.now().replace(tzinfo=None) - __import__("datetime").timedelta(minutes=5),
    )
    resp = await obs.client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    after = resp.text

    def delta(name: str, **labels: str) -> float:
        key = tuple(sorted(labels.items()))
        return samples(after, name).get(key, 0) - samples(before, name).get(key, 0)

    assert delta("cc_graphql_request_duration_seconds_count", operation="Viewer", type="query") == 2
    assert delta("cc_graphql_errors_total", code="FORBIDDEN") == 1
    assert delta("cc_webhook_deliveries_total", event="invoice.issued", outcome="delivered") == 1
    assert delta("cc_http_requests_total", route="/graphql", status="200") == 1
    pending = (await obs.sql("select count(*) from outbox_emails where status in ('PENDING', 'SENDING')"))[0][0]
    assert pending >= 1 and samples(after, "cc_outbox_backlog")[()] == pending
    assert samples(after, "cc_outbox_oldest_age_seconds")[()] >= 300


async def test_metrics_are_for_loopback_or_the_token_only(templates: dict[str, Any], smtp_server: Any) -> None:
    controller, _ = smtp_server
    api, client = await make_api("sqlite", templates, controller.port)
    outside = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=client._transport.app, client=("203.0.113.9", 4000)), base_url="http://t"
    )
    try:
        assert (await client.get("/metrics")).status_code == 200  # loopback, no token configured
        assert (await outside.get("/metrics")).status_code == 403
        api.state.settings.metrics_token = "scrape-token-0123456789"
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "scrape-token-0123456789"}):
            assert (await client.get("/metrics", headers=headers)).status_code == 403, headers
        good = {"Authorization": "Bearer scrape-token-0123456789"}
        assert (await outside.get("/metrics", headers=good)).status_code == 200
    finally:
        await outside.aclose()
        await client.aclose()
        await api.state.engine.dispose()


async def test_metrics_add_up_every_worker_process(templates: dict[str, Any], tmp_path) -> None:
    url = await fresh_database_url("sqlite", templates)
    env = {"CC_DATABASE_URL": url, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    server = Uvicorn("core.asgi:app", env, workers=2, name="metrics")
    server.start()
    try:
        n = 16
        for _ in range(n):  # a fresh connection each: the kernel spreads them over both workers
            async with httpx.AsyncClient() as c:
                await c.post(server.url + "/graphql", json={"query": "query Probe { __typename }"}, timeout=30)
        for _ in range(4):  # whichever worker answers the scrape counts every worker's requests
            async with httpx.AsyncClient() as c:
                text = (await c.get(server.url + "/metrics", timeout=30)).text
            counts = samples(text, "cc_graphql_request_duration_seconds_count")
            assert sum(v for k, v in counts.items() if ("operation", "Probe") in k) == n
        writers = {m.group(1) for p in tmp_path.glob("*.db") if (m := re.search(r"_(\d+)\.db$", p.name))}
        assert writers  # the workers wrote their figures to the shared directory
    finally:
        server.stop()


def test_serve_prepares_the_multiprocess_directory(tmp_path) -> None:
    env: dict[str, str] = {}
    assert prepare_multiprocess_dir(1, env) is None and env == {}
    made = prepare_multiprocess_dir(3, env)
    assert made and env["PROMETHEUS_MULTIPROC_DIR"] == made
    own = tmp_path / "prom"
    own.mkdir()
    (own / "counter_123.db").write_bytes(b"old run")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(own)}
    assert prepare_multiprocess_dir(2, env) == str(own) and not list(own.glob("*.db"))


# ---------------------------------------------------------------------------------------- readyz
async def test_readyz_checks_the_database_and_its_migrations(obs: Api) -> None:
    assert (await obs.client.get("/healthz")).json() == {"status": "ok"}
    ready = await obs.client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}
    await obs.sql("delete from alembic_version where version_num = (select min(version_num) from alembic_version)")
    behind = await obs.client.get("/readyz")
    assert behind.status_code == 503 and behind.json()["reason"].startswith("migrations not at head")
    gone = create_state(Settings(database_url=f"postgresql+asyncpg://cc@127.0.0.1:{free_port()}/cc"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(gone)), base_url="http://t") as c:
        down = await c.get("/readyz")
        alive = await c.get("/healthz")
    assert down.status_code == 503 and down.json() == {"status": "unavailable", "reason": "database unreachable"}
    assert alive.status_code == 200  # liveness does not depend on the database


# --------------------------------------------------------------------------------------- tracing
def test_tracing_only_when_an_exporter_is_configured() -> None:
    assert not tracing_configured({})
    assert tracing_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing_configured({"OTEL_TRACES_EXPORTER": "console"})
    assert not tracing_configured({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"})


async def test_requests_and_statements_become_spans(templates: dict[str, Any]) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    state = create_state(Settings(database_url=await fresh_database_url("sqlite", templates)))
    app = create_app(state)
    assert instrument(app, state, tracer_provider=provider)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            assert (await c.get("/readyz")).status_code == 200
    finally:
        SQLAlchemyInstrumentor().uninstrument()
        await state.engine.dispose()
    spans = exporter.get_finished_spans()
    [server] = [s for s in spans if s.kind == SpanKind.SERVER]
    assert server.name.startswith("GET") and server.attributes.get("http.status_code", 200) == 200
    sql = [s for s in spans if s.kind == SpanKind.CLIENT and s.attributes.get("db.system") == "sqlite"]
    assert sql and all(s.context.trace_id == server.context.trace_id for s in sql)


async def test_statements_sent_to_the_driver_become_spans_too(templates: dict[str, Any], pg: Any) -> None:
    """A statement core/driver.py sends to asyncpg itself (a written page, a Prepared read) gets its
    span, started before and ended after it, like any statement SQLAlchemy runs."""
    if pg is None:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from sqlalchemy import literal, select

    from core.db import use_autocommit
    from core.driver import Prepared

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    state = create_state(Settings(database_url=await fresh_database_url("postgres", templates)))
    assert instrument(create_app(state), state, tracer_provider=provider)
    seven = Prepared(lambda: select(literal(7).label("cc_traced_seven")))
    try:
        async with state.sessionmaker() as session:
            await use_autocommit(session)
            assert [tuple(r) for r in await seven.rows(session, {})] == [(7,)]
    finally:
        SQLAlchemyInstrumentor().uninstrument()
        await state.engine.dispose()
    traced = [s for s in exporter.get_finished_spans() if "cc_traced_seven" in str(s.attributes.get("db.statement"))]
    assert len(traced) == 1 and traced[0].end_time is not None
