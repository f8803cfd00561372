"""TCP_NODELAY on every accepted connection, however uvicorn got its listening socket (issue 20).

A real uvicorn server runs in a thread; a keep-alive client makes requests; the test reads the option
off the socket of the connection the server accepted (uvicorn's ``server_state.connections``). The
pre-bound socket is what ``--workers N`` hands each worker (``Config.bind_socket``), where asyncio
itself never sets the option: the plain protocol there is the control that shows the bug.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from core.serving import HTTP_PROTOCOL, uvicorn_options
from tests.pg import free_port


async def hello(scope, receive, send) -> None:  # noqa: ANN001
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def running(http: str, *, pre_bound: bool) -> Iterator[uvicorn.Server]:
    config = uvicorn.Config(hello, host="127.0.0.1", port=free_port(), http=http, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    sockets = [config.bind_socket()] if pre_bound else None
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=sockets)), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(10)
        for s in sockets or []:
            s.close()


def accepted_nodelay(server: uvicorn.Server) -> list[int]:
    return [
        conn.transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        for conn in server.server_state.connections
    ]


@pytest.mark.parametrize("pre_bound", [True, False], ids=["workers-socket", "host-port"])
def test_every_accepted_keep_alive_connection_has_tcp_nodelay(pre_bound: bool) -> None:
    with running(HTTP_PROTOCOL, pre_bound=pre_bound) as server, httpx.Client() as client:
        url = f"http://127.0.0.1:{server.config.port}/"
        for _ in range(3):  # one keep-alive connection, several requests
            assert client.get(url).text == "ok"
        flags = accepted_nodelay(server)
        assert len(flags) == 1 and all(flags), flags


def test_without_the_protocol_a_pre_bound_socket_keeps_nagle() -> None:
    """The control: uvicorn's own protocol on the socket ``--workers`` binds (uvicorn #3149)."""
    with running("h11", pre_bound=True) as server, httpx.Client() as client:
        assert client.get(f"http://127.0.0.1:{server.config.port}/").text == "ok"
        assert accepted_nodelay(server) == [0]


def test_serve_and_the_bench_use_the_protocol() -> None:
    from bench.server import Uvicorn

    assert uvicorn_options("127.0.0.1", 8000, 4)["http"] == HTTP_PROTOCOL
    cmd = Uvicorn("core.asgi:app", {}, workers=2).command()
    assert cmd[cmd.index("--http") + 1] == HTTP_PROTOCOL
