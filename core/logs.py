"""Structured logs: one JSON object per line (structlog), one ``request`` line per HTTP request.

Every request gets an id: the caller's ``X-Request-Id`` when it is a plausible id (at most 128
characters of letters, digits and ``-._:``), a new one otherwise; it is returned in the response's
``X-Request-Id`` and bound to every log line written while the request runs. The GraphQL endpoint
adds who called (tenant, principal), the operation, its cost and the error codes it returned; the
SQL statements are counted by an engine event. Expected user errors (NOT_FOUND, FORBIDDEN,
BAD_USER_INPUT, …) appear as codes on the request's INFO line, never with a traceback; an
unexpected error is logged at ERROR with its traceback and an ``error_id`` that the client
receives in ``extensions.errorId`` (the response itself never carries a stack). Fields:
docs/operations.md.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from core import metrics
from core.tracing import current_trace_id

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

_SHARED = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="ts"),
]

# Loggers of this package go through the standard library, so one handler (JSON on stderr) and
# pytest's caplog see them alike.
structlog.configure(
    # filter_by_level first: a line below the configured level costs one level check, nothing more.
    processors=[structlog.stdlib.filter_by_level, *_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


def json_formatter() -> logging.Formatter:
    """A formatter writing any standard-library record (uvicorn's, SQLAlchemy's) as one JSON line."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(default=str),
        ],
    )


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the root logger (idempotent: a second call replaces the handler)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_cc_json", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(json_formatter())
    handler._cc_json = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Casbin logs its whole model at INFO each time an enforcer is built: noise, not operations.
    logging.getLogger("casbin").setLevel(max(logging.WARNING, root.level))


def uvicorn_log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's ``log_config``: its records as JSON lines (its access log is off: the request line
    written here carries more)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.logs.json_formatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        # The application's own loggers are set up by core.asgi (configure_logging) in each worker.
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)


log = get_logger("customer_center.request")


@dataclass
class RequestInfo:
    """What is known about the request being served, filled in as it runs."""

    request_id: str
    statements: int = 0
    fields: dict[str, Any] = field(default_factory=dict)


_current: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("cc_request", default=None)


def current_request() -> RequestInfo | None:
    return _current.get()


def annotate(**fields: Any) -> None:
    """Add fields to the current request's log line (no-op outside a request)."""
    info = _current.get()
    if info is not None:
        info.fields.update(fields)


def new_error_id() -> str:
    return uuid.uuid4().hex[:16]


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"x-request-id":
            text = value.decode("latin-1").strip()
            if _VALID_REQUEST_ID.fullmatch(text):
                return text
            break
    return uuid.uuid4().hex


def count_statements(engine: AsyncEngine) -> None:
    """Count each SQL statement against the request that runs it (SQLAlchemy copies the task's
    context into the greenlet that runs the driver, so the request's info is visible here)."""

    def before(*_: Any) -> None:
        info = _current.get()
        if info is not None:
            info.statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", before)


class RequestLogMiddleware:
    """ASGI middleware: the request id, the ``request`` log line and the HTTP metrics."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info = RequestInfo(request_id_from(scope.get("headers", [])))
        token = _current.set(info)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=info.request_id)
        trace_id = current_trace_id()
        if trace_id:
            structlog.contextvars.bind_contextvars(trace_id=trace_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", info.request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            error_id = new_error_id()
            info.fields.update(outcome="error", error_id=error_id)
            log.exception("unexpected error", error_id=error_id, path=scope.get("path"))
            if not response_started:
                await _internal_error(send_with_id, error_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_of(scope)
            metrics.observe_http(route, status)
            fields = {"method": scope.get("method"), "path": scope.get("path"), "status": status, **info.fields}
            fields.setdefault("outcome", "ok" if status < 400 else "refused" if status < 500 else "error")
            if scope.get("path") not in QUIET_PATHS or status >= 400:
                log.info("request", duration_ms=round(elapsed * 1000, 1), sql_statements=info.statements, **fields)
            structlog.contextvars.clear_contextvars()
            _current.reset(token)


# Probes and scrapes every few seconds would drown the requests that matter.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _route_of(scope: dict[str, Any]) -> str:
    """The matched route's pattern (bounded), not the raw path (unbounded)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


async def _internal_error(send: Any, error_id: str) -> None:
    import json

    body = json.dumps(
        {
            "data": None,
            "errors": [
                {
                    "message": "Internal server error",
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
                }
            ],
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
