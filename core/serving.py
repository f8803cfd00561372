"""How the API is served: uvicorn with TCP_NODELAY on every accepted connection.

With ``--workers N`` (and with ``--fd``/a socket handed over by a process manager) uvicorn binds the
listening socket itself as ``socket.socket(family)``: its ``proto`` is 0, not ``IPPROTO_TCP``, and
asyncio only sets TCP_NODELAY on accepted sockets whose ``proto`` says TCP (``_set_nodelay``). Nagle's
algorithm then holds the last segment of every keep-alive response until the client's delayed ACK,
about 40 ms (uvicorn issue #3149; measured: a 50-invoice page 56 ms instead of 12-13 ms). The
protocol class below sets the option itself when a connection is made, in every serving mode.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

# The value of uvicorn's ``http`` option (``--http`` on its command line) that selects the class below.
HTTP_PROTOCOL = "core.serving:NoDelayHTTPProtocol"


def set_nodelay(transport: asyncio.BaseTransport) -> bool:
    """Turn Nagle's algorithm off on a TCP transport; False for other transports (a Unix socket)."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # the peer is already gone
        return False
    return True


class NoDelayHTTPProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """uvicorn's HTTP protocol (httptools when installed, else h11) with TCP_NODELAY set."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_nodelay(transport)
        super().connection_made(transport)


def uvicorn_options(host: str, port: int, workers: int, log_level: str = "INFO", **extra: Any) -> dict[str, Any]:
    """The options ``customer-center serve`` passes to ``uvicorn.run``: uvicorn's own records as JSON
    lines, and no access log (core.logs writes one richer line per request)."""
    from core.logs import uvicorn_log_config

    return {
        "host": host,
        "port": port,
        "workers": workers,
        "http": HTTP_PROTOCOL,
        "log_level": log_level.lower(),
        "log_config": uvicorn_log_config(log_level),
        "access_log": False,
        **extra,
    }
