"""OpenTelemetry traces, only when an exporter is configured (the optional ``otel`` extra).

``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) sends spans over OTLP/HTTP;
``OTEL_TRACES_EXPORTER=console`` prints them (for a look on a development machine). Each HTTP request
is a server span (ASGI instrumentation) with one child span per SQL statement (SQLAlchemy
instrumentation); the request's log line carries its ``trace_id``. The standard ``OTEL_*``
variables (service name, sampler, headers) apply. Without any of them nothing is imported and
nothing is instrumented: tracing costs nothing when off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("customer_center.tracing")

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def tracing_configured(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none":
        return False
    return exporter in ("console", "otlp") or any(env.get(v) for v in ENDPOINT_VARIABLES)


def provider_from_environment() -> Any:
    """A tracer provider exporting as the ``OTEL_*`` variables say (None when the extra is missing)."""
    try:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
    except ImportError:
        log.error("OpenTelemetry is configured but not installed: pip install 'customer-center[otel]'")
        return None
    if os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "console":
        exporter: Any = ConsoleSpanExporter()
    else:
        try:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        except ImportError:
            log.error("the OTLP exporter is not installed: pip install 'customer-center[otel]'")
            return None
        exporter = OTLPSpanExporter()
    service = os.environ.get("OTEL_SERVICE_NAME", "customer-center")
    provider = TracerProvider(resource=Resource.create({"service.name": service}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def instrument(app: Any, state: Any, tracer_provider: Any = None) -> bool:
    """Trace the app's requests and its engine's statements; False when tracing is off."""
    if tracer_provider is None:
        if not tracing_configured():
            return False
        tracer_provider = provider_from_environment()
        if tracer_provider is None:
            return False
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    app.add_middleware(OpenTelemetryMiddleware, tracer_provider=tracer_provider)
    # The instrumentation declares "sqlalchemy < 2.1" but uses only the engine events, which 2.1
    # keeps; tests/test_observability.py checks the statement spans on the pinned version.
    SQLAlchemyInstrumentor().instrument(
        engine=state.engine.sync_engine, tracer_provider=tracer_provider, skip_dep_check=True
    )
    state.extra["tracer_provider"] = tracer_provider
    return True


def current_trace_id() -> str | None:
    """The trace id of the active span, as the exporters print it (None without tracing)."""
    try:
        from opentelemetry import trace
    except ImportError:
        return None
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
