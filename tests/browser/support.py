"""Shared by the browser tests: a uvicorn server for an app state on a free loopback port, the
portal's server on the demo tenant, and the small waits and fetches the tests drive the page with."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.app import create_app, create_state
from core.clock import FixedClock
from core.demo import seed_demo
from core.importer import import_data
from core.settings import Settings
from tests.conftest import NOW


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


@contextmanager
def demo_portal(templates: dict[str, Any], tmp_path_factory: Any, data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The portal's server on a copy of the SQLite template, seeded with the demo tenant plus ``data``
    (the import format), at the test clock's time; yields its base URL, settings and the screenshot
    folder (``CC_PORTAL_SCREENSHOTS``, else a temporary one, printed)."""
    db = tmp_path_factory.mktemp("portal") / "portal.db"
    shutil.copy(templates["sqlite"], db)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db}", portal=True)
    state = create_state(settings, clock=FixedClock(NOW))

    async def load() -> None:
        await seed_demo(state)
        async with state.sessionmaker() as session, session.begin():
            await import_data(session, data, state)
        await state.engine.dispose()

    asyncio.run(load())
    shots = Path(os.environ.get("CC_PORTAL_SCREENSHOTS") or tmp_path_factory.mktemp("portal-screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    print(f"portal screenshots: {shots}")
    with running_app(state) as app:
        yield {"app": app, "settings": settings, "shots": shots}
