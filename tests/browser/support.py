"""Shared by the browser tests: a uvicorn server for an app state on a free loopback port, and the
small waits and fetches the tests drive the page with."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from core.app import create_app


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def running_app(state: Any) -> Iterator[str]:
    """The app under uvicorn in a thread; yields its base URL."""
    import uvicorn

    sock = listening_socket()
    port = sock.getsockname()[1]
    # lifespan off: the server's heap settling (gc.freeze) is for server processes, not for pytest.
    server = uvicorn.Server(uvicorn.Config(create_app(state), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


FETCH = """
const [url, init, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
fetch(url, init).then(async r => done({status: r.status, text: await r.text(),
                                       type: r.headers.get('content-type')}))
               .catch(e => done({error: String(e)}));
"""


def fetch(driver: Any, url: str, init: dict[str, Any] | None = None) -> dict[str, Any]:
    return driver.execute_async_script(FETCH, url, init or {})


def wait_for(driver: Any, script: str, timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {script}")
