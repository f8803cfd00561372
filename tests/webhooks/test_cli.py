"""An operator's path (docs/webhooks.md "Running the delivery job"): `customer-center jobs run --job
webhooks.deliver` in a process of its own sends what the API queued, to a real receiver."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from tests.webhooks.conftest import Receiver
from tests.webhooks.test_api import create, deliveries, docs_verify, share

CLI = Path(sys.executable).with_name("customer-center")


async def test_jobs_run_from_the_command_line_delivers(wapi, receiver: Receiver):
    api = wapi
    if api.backend != "sqlite":
        pytest.skip("one backend is enough for the command line; the delivery itself runs on both")
    made = await create(api, receiver.url)
    await share(api)
    env = {
        **os.environ,
        "CC_DATABASE_URL": api.state.settings.database_url,
        "CC_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    proc = await asyncio.create_subprocess_exec(
        str(CLI),
        "jobs",
        "run",
        "--job",
        "webhooks.deliver",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    assert "webhooks.deliver" in out.decode()
    (got,) = receiver.received
    assert docs_verify()(made["secret"], got.headers["CC-Signature"], got.body)  # the real clock, this time
    assert [d["status"] for d in await deliveries(api)] == ["DELIVERED"]
