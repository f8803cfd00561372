"""Webhook tests: the app over HTTP with loopback allowed as a webhook target, a real HTTP receiver
on a free loopback port (started, stopped and restarted by the test), and a plugin that vetoes one
kind of share so a rolled-back mutation can be observed."""

from __future__ import annotations

import json
import threading
import types
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from core.errors import Conflict
from core.hookspecs import HOOK_VERSION, PluginManifest, hookimpl
from core.models import WebhookDelivery
from tests.conftest import ACME, BACKENDS, GLOBEX, Api, make_api
from tests.pg import free_port
from tests.plugins.conftest import RESELLER_TENANTS
from tests.sharing.conftest import RENEWALS, renewal_item

VETOED = "exec@acme.com"  # sharing a renewal with this person is vetoed by the plugin below
# For each veto: how many webhook deliveries the request's session held when the plugin vetoed.
QUEUED_AT_VETO: list[int] = []


def veto_plugin() -> types.ModuleType:
    """A plugin whose ``cc_on_event`` raises for one share: the request (and its webhook
    deliveries, queued before the plugins are told) rolls back."""
    module = types.ModuleType("webhook_veto")
    module.MANIFEST = PluginManifest(name="webhook_veto", title="Veto", hook_version=HOOK_VERSION)

    @hookimpl
    async def cc_on_event(ctx: Any, event: str, payload: dict[str, Any]) -> None:
        if event == "renewal.shared" and VETOED in payload.get("emails", ()):
            QUEUED_AT_VETO.append(sum(isinstance(o, WebhookDelivery) for o in ctx.session.new))
            raise Conflict("vetoed by a plugin")

    module.cc_on_event = cc_on_event
    return module


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1: answers each POST with the next queued status (200 when
    none is queued) and records what arrived. ``stop()`` closes the port; ``start()`` opens it again."""

    port: int = field(default_factory=free_port)
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return None

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for r in made:
        r.stop()


@pytest.fixture
def receiver(receivers: list[Receiver]) -> Receiver:
    r = Receiver().start()
    receivers.append(r)
    return r


WEBHOOK_SETTINGS = {"webhook_allowed_networks": "127.0.0.0/8", "webhook_backoff_seconds": 60, "webhook_max_attempts": 4}


@pytest.fixture(params=BACKENDS)
async def wapi(request: pytest.FixtureRequest, templates: dict[str, Any], smtp_server: Any) -> AsyncIterator[Api]:
    """Acme, Globex and the reseller tenants, with renewals SN-1 (tech@acme), SN-2, SN-9 (globex) and
    A-1 (tech@a-cust, a customer of reseller A)."""
    if request.param == "postgres" and "postgres" not in templates:
        pytest.skip("PostgreSQL binaries (initdb/pg_ctl) not found; install the postgresql package")
    controller, _ = smtp_server
    api, client = await make_api(
        request.param, templates, controller.port, extra_plugins=[veto_plugin()], **WEBHOOK_SETTINGS
    )
    try:
        await api.load(
            {
                "tenants": [ACME, GLOBEX, *RESELLER_TENANTS],
                "renewals": [
                    *(renewal_item(t, sn, q) for (t, sn), q in RENEWALS.items()),
                    renewal_item("a-cust", "A-1", "tech@a-cust.com"),
                ],
            }
        )
        yield api
    finally:
        await client.aclose()
        await api.state.engine.dispose()
