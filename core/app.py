"""The ASGI application: ``/graphql`` (POST queries, GET GraphiQL), ``/healthz``, ``/readyz``,
``/metrics``, the portal and plugin routes, assembled from core.state, core.caller and core.routes."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from core import metrics
from core.caller import (
    Caller,
    authenticate,
    authenticate_claims,
    commit_sign_in,
    note_acting_tenants,
    principal_for_email,
)
from core.cors import CorsMiddleware
from core.graphiql import ASSET_PREFIX, graphiql_asset
from core.logs import RequestLogMiddleware, count_statements
from core.portal import portal_routes
from core.routes.graphql import graphql_endpoint
from core.routes.health import healthz, readiness, readyz
from core.state import AppState, configured_clock, create_state

# What other modules and tests import from here; create_state is also where tests/conftest.py
# swaps in a state of the built-in plugins only, which create_app then builds by default.
__all__ = [
    "AppState",
    "Caller",
    "authenticate",
    "authenticate_claims",
    "commit_sign_in",
    "configured_clock",
    "create_app",
    "create_state",
    "graphql_endpoint",
    "healthz",
    "note_acting_tenants",
    "principal_for_email",
    "readiness",
    "readyz",
    "settle_heap",
]


def settle_heap(state: AppState) -> None:
    """Once a server process has started: build the full schema, then move everything alive into
    the collector's permanent generation and make young collections rarer.

    The long-lived heap (modules, SQLAlchemy mappers, strawberry and graphql-core schemas: some
    175,000 objects) never becomes garbage, yet every full collection walked it again: measured at
    about 7 ms per request on a 50-invoice page (docs/performance.md). Frozen, it is skipped."""
    state.schemas.get(frozenset(state.plugins.names))
    gc.collect()
    gc.freeze()
    if state.settings.gc_gen0_threshold > 0:
        _, gen1, gen2 = gc.get_threshold()
        gc.set_threshold(state.settings.gc_gen0_threshold, gen1, gen2)


def create_app(state: AppState | None = None, *, routes: Sequence[Route] = ()) -> Starlette:
    state = state or create_state()
    plugin_routes: list[Any] = []
    for result in state.plugins.pm.hook.cc_http_routes():
        plugin_routes.extend(result or [])

    @asynccontextmanager
    async def lifespan(app: Starlette):  # noqa: ANN202
        settle_heap(state)
        yield
        await state.engine.dispose()

    count_statements(state.engine)
    app = Starlette(
        # The request log is outermost: a preflight answered by CORS gets its id and its line too.
        middleware=[Middleware(RequestLogMiddleware), Middleware(CorsMiddleware, state=state)],
        routes=[
            Route("/graphql", graphql_endpoint, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics.metrics_endpoint),
            Route(ASSET_PREFIX + "/{name}", graphiql_asset),
            *(portal_routes() if state.settings.portal else []),
            *plugin_routes,
            *routes,
        ],
        lifespan=lifespan,
    )
    app.state.cc = state
    from core.tracing import instrument

    instrument(app, state)
    return app
