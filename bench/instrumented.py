"""The product app with per-request counters, for the counting pass of the benchmark only.

``uvicorn bench.instrumented:app`` serves exactly ``core.asgi``'s application, wrapped so that each
finished request records the SQL statements it sent (SQLAlchemy ``before_cursor_execute``), the
time spent in authorization (the Casbin enforcer wrapper: decisions and enforcer construction) and
its total server time. ``GET /__bench/requests`` returns and clears the records. Timed runs use the
unwrapped ``core.asgi:app``; run this one with a single worker so one process holds every record.
"""

from __future__ import annotations

import contextvars
import functools
import time
from typing import Any

from sqlalchemy import event
from starlette.responses import JSONResponse

import core.authz as authz
from core.app import create_app, create_state

_current: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("bench_request", default=None)
_records: list[dict[str, Any]] = []


def _timed(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        stats = _current.get()
        if stats is None or stats["in_authz"]:
            return fn(*args, **kwargs)
        stats["in_authz"] = True
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            stats["authz_s"] += time.perf_counter() - t0
            stats["in_authz"] = False

    return wrapper


for _cls, _name in (
    (authz.RequestAuthz, "allowed"),
    (authz.RequestAuthz, "same_domain_allowed"),
    (authz.RequestAuthz, "explain"),
    (authz.EnforcerCache, "get"),
):
    setattr(_cls, _name, _timed(getattr(_cls, _name)))

state = create_state()


@event.listens_for(state.engine.sync_engine, "before_cursor_execute")
def _count_statement(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
    stats = _current.get()
    if stats is not None:
        stats["sql"] += 1
        stats["statements"].append(" ".join(statement.split())[:160])


_product = create_app(state)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        await _product(scope, receive, send)
        return
    if scope["path"] == "/__bench/requests":
        out = list(_records)
        _records.clear()
        await JSONResponse(out)(scope, receive, send)
        return
    stats: dict[str, Any] = {"sql": 0, "authz_s": 0.0, "in_authz": False, "statements": []}
    token = _current.set(stats)
    t0 = time.perf_counter()
    try:
        await _product(scope, receive, send)
    finally:
        _current.reset(token)
        if scope["path"] != "/healthz":
            _records.append(
                {
                    "path": scope["path"],
                    "sql": stats["sql"],
                    "statements": stats["statements"],
                    "authz_ms": stats["authz_s"] * 1000,
                    "server_ms": (time.perf_counter() - t0) * 1000,
                }
            )
