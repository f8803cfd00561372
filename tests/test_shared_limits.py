"""Several processes over one database and one Redis (issue 20): two real uvicorn servers draw on
the same principal's rate budget (``CC_RATE_LIMIT_STORAGE``); a module switched or a role changed
through one is in force on the other's next request; ``jobs run`` started in two processes at once
issues each invoice, sends each reminder and delivers each email once. The CLI says when several
workers would each count alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
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
PRICEY = {"query": "{ users(first: 249) { nodes { id } } }"}  # 1 + 249 * 2 = 499 points, spent even if refused
BUDGET = 1000


@pytest.fixture(scope="module")
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
    headers = {"authorization": f"Bearer {issue_token(Settings(), DEMO_PEOPLE['EXECUTIVE'])}"}
    other = {"authorization": f"Bearer {issue_token(Settings(), DEMO_PEOPLE['FINANCE'])}"}
    remaining = []
    for server in (a, b):  # 2 x 499 of the budget of 1000, one request on each server
        resp = httpx.post(server.url + "/graphql", json=PRICEY, headers=headers, timeout=30)
        assert resp.status_code == 200, resp.text
        remaining.append(resp.json()["extensions"]["cost"]["throttle"]["remaining"])
    assert remaining == [501, 2]
    for server in (b, a):
        resp = httpx.post(server.url + "/graphql", json=PRICEY, headers=headers, timeout=30)
        assert resp.status_code == 429 and resp.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    resp = httpx.post(b.url + "/graphql", json=VIEWER, headers=other, timeout=30)  # another principal
    assert resp.status_code == 200 and resp.json()["extensions"]["cost"]["throttle"]["remaining"] == BUDGET - 2


def _post(server: Uvicorn, query: str, headers: dict[str, str], variables: dict | None = None) -> dict[str, Any]:
    resp = httpx.post(
        server.url + "/graphql", json={"query": query, "variables": variables}, headers=headers, timeout=30
    )
    return resp.json()


def test_a_module_switched_and_a_role_changed_through_one_process_hold_on_the_other(two_servers) -> None:
    a, b = two_servers
    operator = {"authorization": f"Bearer {issue_token(Settings(), 'ops@vendor.example', staff_roles=['OPERATOR'])}"}
    admin = {"authorization": f"Bearer {issue_token(Settings(), DEMO_PEOPLE['ADMIN'])}"}
    fin = {"authorization": f"Bearer {issue_token(Settings(), DEMO_PEOPLE['FINANCE'])}"}
    rewards = "{ rewards { balance { amount } } }"
    assert "errors" not in _post(b, rewards, fin)  # B has built and cached the schema with rewards
    switch = 'mutation($e: Boolean!) { setModuleEnabled(tenantKey: "demo", module: "rewards", enabled: $e) { key } }'
    assert "errors" not in _post(a, switch, operator, {"e": False})
    off = _post(b, rewards, fin)
    assert off["errors"][0]["extensions"]["code"] == "MODULE_NOT_ENABLED", off
    assert "errors" not in _post(b, switch, operator, {"e": True})
    assert "errors" not in _post(a, rewards, fin)

    users = _post(a, "{ users(first: 20) { nodes { id email roles } } }", admin)["data"]["users"]["nodes"]
    fiona = next(u for u in users if u["email"] == DEMO_PEOPLE["FINANCE"])
    assert "errors" not in _post(b, rewards, fin)
    change = "mutation($id: ID!) { changeUserRoles(id: $id, roles: [TECHNICAL]) { roles } }"
    assert "errors" not in _post(a, change, admin, {"id": fiona["id"]})
    refused = _post(b, rewards, fin)  # B's very next request: FINANCE was taken away through A
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused


def _units(output: str, job: str) -> int:
    return next(int(line.rsplit(":", 1)[1]) for line in output.splitlines() if line.startswith(f"{job}:"))


async def test_jobs_run_in_two_processes_at_once_do_each_unit_once(two_servers, smtp_server, smtp) -> None:
    """The demo data has schedule invoices and renewal reminders due today: two ``jobs run`` started
    together split the work between them, never both doing a unit, and every email goes out once."""
    import asyncio
    import os
    import sys

    from sqlalchemy import text

    from core.db import make_engine

    controller, _ = smtp_server
    url = two_servers[0].env["CC_DATABASE_URL"]
    env = {**os.environ, "CC_DATABASE_URL": url, "CC_SMTP_PORT": str(controller.port)}
    cmd = [str(Path(sys.executable).parent / "customer-center"), "jobs", "run"]
    procs = [
        await asyncio.create_subprocess_exec(
            *cmd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [await p.communicate() for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err.decode()[-3000:]
    stdout = [out.decode() for out, _ in outputs]
    engine = make_engine(url)
    async with engine.connect() as conn:
        invoices = (
            await conn.execute(text("select count(*) from invoicing_invoices where source in ('SCHEDULE', 'USAGE')"))
        ).scalar()
        reminders = (
            await conn.execute(text("select count(*) from job_runs where job = 'renewals.reminders'"))
        ).scalar()
        emails = (await conn.execute(text("select status, count(*) from outbox_emails group by status"))).all()
    await engine.dispose()
    assert invoices > 0 and sum(_units(o, "invoicing.issue_invoices") for o in stdout) == invoices
    assert reminders > 0 and sum(_units(o, "renewals.reminders") for o in stdout) == reminders
    sent = dict(emails).get("SENT", 0)
    assert dict(emails) == {"SENT": sent} and sent >= reminders  # all delivered
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == len(set(ids)) == sent  # each email once, across both deliverers


def test_several_workers_without_a_shared_store_are_warned() -> None:
    pg = "postgresql+asyncpg://u@h/db"
    assert serving_warnings(Settings(database_url=pg), 1) == []
    [warning] = serving_warnings(Settings(database_url=pg), 2)
    assert "CC_RATE_LIMIT_STORAGE" in warning and "2" in warning
    assert serving_warnings(Settings(database_url=pg, rate_limit_storage="redis://r:6379/0"), 4) == []
