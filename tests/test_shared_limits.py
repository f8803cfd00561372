"""One rate budget across processes (issue 20): two real uvicorn servers over one database and one
Redis (``CC_RATE_LIMIT_STORAGE``) draw on the same principal's budget; the CLI says when several
workers would each count alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bench.server import Uvicorn
from core.app import create_state
from core.auth import issue_token
from core.cli import serving_warnings
from core.demo import DEMO_PEOPLE, seed_demo
from core.settings import Settings
from tests.conftest import fresh_database_url
from tests.redisserver import RedisServer

VIEWER = {"query": "{ viewer { email } }"}  # costs 2 points
BUDGET = 10


@pytest.fixture
async def two_servers(templates: dict[str, Any], redis_server: RedisServer) -> Iterator[list[Uvicorn]]:
    url = await fresh_database_url("postgres" if "postgres" in templates else "sqlite", templates)
    state = create_state(Settings(database_url=url))
    await seed_demo(state)
    await state.engine.dispose()
    env = {
        "CC_DATABASE_URL": url,
        "CC_RATE_LIMIT_STORAGE": redis_server.url(1),
        "CC_RATE_LIMIT_COST_PER_MINUTE": str(BUDGET),
    }
    servers = [Uvicorn("core.asgi:app", env, workers=1, name=f"limits-{i}") for i in range(2)]
    try:
        for s in servers:
            s.launch()
        for s in servers:
            s.wait_ready()
        yield servers
    finally:
        for s in servers:
            s.stop()


def test_two_server_processes_share_one_budget(two_servers: list[Uvicorn]) -> None:
    a, b = two_servers
    headers = {"authorization": f"Bearer {issue_token(Settings(), DEMO_PEOPLE['FINANCE'])}"}
    other = {"authorization": f"Bearer {issue_token(Settings(), DEMO_PEOPLE['ADMIN'])}"}
    remaining = []
    for server in (a, b, a, b, a):  # 5 requests of 2 points: the budget of 10, alternating servers
        resp = httpx.post(server.url + "/graphql", json=VIEWER, headers=headers, timeout=30)
        assert resp.status_code == 200 and "errors" not in resp.json(), resp.text
        remaining.append(resp.json()["extensions"]["cost"]["throttle"]["remaining"])
    assert remaining == [8, 6, 4, 2, 0]
    for server in (b, a):
        resp = httpx.post(server.url + "/graphql", json=VIEWER, headers=headers, timeout=30)
        assert resp.status_code == 429 and resp.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    resp = httpx.post(b.url + "/graphql", json=VIEWER, headers=other, timeout=30)  # another principal
    assert resp.status_code == 200 and resp.json()["extensions"]["cost"]["throttle"]["remaining"] == 8


def test_several_workers_without_a_shared_store_are_warned() -> None:
    pg = "postgresql+asyncpg://u@h/db"
    assert serving_warnings(Settings(database_url=pg), 1) == []
    [warning] = serving_warnings(Settings(database_url=pg), 2)
    assert "CC_RATE_LIMIT_STORAGE" in warning and "2" in warning
    assert serving_warnings(Settings(database_url=pg, rate_limit_storage="redis://r:6379/0"), 4) == []
