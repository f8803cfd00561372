"""Core work queues (issue 22): who reaches ``workQueues`` at all, the OPERATOR queues (tenants with
domains, modules, policy version, people and last activity; plugin failures; job runs; the outbox
backlog) and a reseller's admins over their own customers only. Statement counts do not grow with the
number of tenants nor with the page size."""

from __future__ import annotations

import pytest

from tests.queues.conftest import A_BOSS, B_BOSS, BILLING, CUSTOMER, OPERATOR, REP, add_filler_tenants

TENANTS_Q = """query($first: Int, $after: String, $module: String, $search: String) {
  workQueues { roles queues
    tenants(first: $first, after: $after, module: $module, search: $search) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { tenant { key name domains enabledModules } policyVersion people lastSignInAt lastActivityAt } } } }"""
ROOT_TENANTS = "{ tenants(first: 100) { totalCount nodes { tenant { key } } } }"
OUTBOX_Q = """{ workQueues { outbox(first: 50) { totalCount nodes { kind to status tenant { key name } } } } }"""
JOBS_Q = """{ workQueues { jobRuns(first: 50) { totalCount nodes { job unitKey tenant { key } } } } }"""
FAILURES_Q = "{ workQueues { pluginFailures { source reason } } }"


def keys(conn: dict) -> list[str]:
    return [n["tenant"]["key"] for n in conn["nodes"]]


async def test_customers_never_reach_a_queue(world):
    api = world
    for who in (CUSTOMER, {"as_": "technical@a-one.com"}):
        assert await api.code("{ workQueues { roles } }", **who) == "FORBIDDEN"
        assert await api.code(ROOT_TENANTS, **who) == "FORBIDDEN"
    # a customer naming another tenant is refused before anything runs
    assert (await api.gql("{ workQueues { roles } }", tenant="globex", **CUSTOMER))["_status"] == 403


async def test_operator_sees_every_tenant_with_modules_people_and_activity(world):
    api = world
    await api.ok("{ viewer { email } }", as_="fin@acme.com")  # a sign-in: acme's last activity
    data = (await api.ok(TENANTS_Q, {"first": 100}, **OPERATOR))["workQueues"]
    assert data["roles"] == ["OPERATOR"]
    assert {"tenants", "plugin_failures", "job_runs", "outbox"} <= set(data["queues"])
    conn = data["tenants"]
    assert conn["totalCount"] == 8
    assert keys(conn) == sorted(keys(conn))  # by key
    acme = next(n for n in conn["nodes"] if n["tenant"]["key"] == "acme")
    assert acme["tenant"]["domains"] == ["acme.com"] and acme["people"] == 2 and acme["policyVersion"] >= 1
    assert acme["lastSignInAt"] and acme["lastActivityAt"] == acme["lastSignInAt"]
    initech = next(n for n in conn["nodes"] if n["tenant"]["key"] == "initech")
    assert "rewards" not in initech["tenant"]["enabledModules"] and initech["lastActivityAt"] is None
    only = (await api.ok(TENANTS_Q, {"module": "rewards", "search": "ac"}, **OPERATOR))["workQueues"]["tenants"]
    assert keys(only) == ["acme"]  # "ac": acme (and no tenant without rewards)
    root = (await api.ok(ROOT_TENANTS, **OPERATOR))["tenants"]
    assert root["totalCount"] == 8


async def test_tenants_queue_pages_by_key_without_repeats(world):
    api = world
    seen, after = [], None
    while True:
        conn = (await api.ok(TENANTS_Q, {"first": 3, "after": after}, **OPERATOR))["workQueues"]["tenants"]
        seen += keys(conn)
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 8


async def test_a_resellers_admin_sees_their_customers_only(world):
    api = world
    data = (await api.ok(TENANTS_Q, {"first": 100}, **A_BOSS))["workQueues"]
    assert "RESELLER_ADMIN" in data["roles"]
    assert keys(data["tenants"]) == ["a-one", "a-two"]
    assert keys((await api.ok(TENANTS_Q, {"first": 100}, **B_BOSS))["workQueues"]["tenants"]) == ["b-one"]
    # naming a customer narrows to it; naming another reseller's customer is refused at the door
    assert keys((await api.ok(TENANTS_Q, {"first": 100}, tenant="a-two", **A_BOSS))["workQueues"]["tenants"]) == [
        "a-two"
    ]
    assert (await api.gql(TENANTS_Q, tenant="b-one", **A_BOSS))["_status"] == 403
    # the vendor's own operator queues are not a reseller's
    for q in (OUTBOX_Q, JOBS_Q, FAILURES_Q):
        assert await api.code(q, **A_BOSS) == "FORBIDDEN"


async def test_other_staff_roles_do_not_get_the_operator_queues(world):
    api = world
    for who in (BILLING, REP):
        assert await api.code(TENANTS_Q, **who) == "FORBIDDEN"
        assert await api.code(OUTBOX_Q, **who) == "FORBIDDEN"
        assert "tenants" not in (await api.ok("{ workQueues { queues } }", **who))["workQueues"]["queues"]


async def test_outbox_backlog_and_job_runs_name_their_tenant(world):
    api = world
    await api.sql(
        "insert into outbox_emails (tenant_id, to_addr, cc, subject, body, kind, status, attempts, next_attempt_at, "
        "created_at) select id, 'x@acme.com', '', 'Hello', 'secret body', 'test.kind', 'FAILED', 5, :now, :now "
        "from tenants where key = 'acme'",
        now=api.clock.now(),
    )
    await api.sql(
        "insert into job_runs (job, unit_key, tenant_id, created_at) select 'renewals.reminders', 'R-1', id, :now "
        "from tenants where key = 'globex'",
        now=api.clock.now(),
    )
    outbox = (await api.ok(OUTBOX_Q, **OPERATOR))["workQueues"]["outbox"]
    assert outbox["nodes"] == [
        {"kind": "test.kind", "to": "x@acme.com", "status": "FAILED", "tenant": {"key": "acme", "name": "Acme Corp"}}
    ]
    jobs = (await api.ok(JOBS_Q, **OPERATOR))["workQueues"]["jobRuns"]
    assert jobs["nodes"] == [{"job": "renewals.reminders", "unitKey": "R-1", "tenant": {"key": "globex"}}]
    assert (await api.ok(FAILURES_Q, **OPERATOR))["workQueues"]["pluginFailures"] == []


@pytest.mark.parametrize("size", [10, 100])
async def test_tenants_queue_costs_the_same_for_3_and_1000_tenants(world, size):
    api = world
    query = TENANTS_Q

    async def cost() -> int:
        await api.ok(query, {"first": size}, **OPERATOR)  # warm: the schema, the enforcer
        with api.count_statements() as statements:
            await api.ok(query, {"first": size}, **OPERATOR)
        return len(statements)

    few = await cost()
    await add_filler_tenants(api, 1000)
    many = await cost()
    assert few == many, (few, many)
    assert many <= 8


async def test_operators_see_every_job_with_its_last_run_failed_ones_first(world):
    api = world
    names = [j.name for j in __import__("core.jobs", fromlist=["all_jobs"]).all_jobs(api.state)]
    failing = names[-1]
    await api.sql(
        "insert into job_schedule (job, last_date, last_run_at, last_outcome, runs, failures) "
        "values (:job, :day, :now, 'FAILED', 4, 2)",
        job=failing,
        day=api.clock.today(),
        now=api.clock.now(),
    )
    jobs = await api.ok("{ workQueues { jobs { job lastOutcome runs failures lastRunAt } } }", **OPERATOR)
    jobs = jobs["workQueues"]["jobs"]
    assert [j["job"] for j in jobs][0] == failing and sorted(j["job"] for j in jobs) == sorted(names)
    assert jobs[0]["lastOutcome"] == "FAILED" and jobs[0]["failures"] == 2 and jobs[0]["lastRunAt"]
    assert all(j["lastOutcome"] is None and j["runs"] == 0 for j in jobs[1:])
    for who in (A_BOSS, BILLING):
        assert await api.code("{ workQueues { jobs { job } } }", **who) == "FORBIDDEN"
