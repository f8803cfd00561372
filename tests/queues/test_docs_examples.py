"""The example queries of docs/internal-tools.md (and the README's internal-tool queries) run as written
for the role they are shown for, and answer data."""

from __future__ import annotations

import re
from pathlib import Path

from tests.queues.conftest import A_BOSS, BILLING, OPERATOR, REP, invoice, renewal

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "internal-tools.md"
BLOCK = re.compile(r"\*\*([^*\n]+)\*\*[^`]*?```graphql\n(.*?)```", re.S)
ROLES = {"Sales rep": REP, "Billing support": BILLING, "Operator": OPERATOR, "A reseller's admin": A_BOSS}


def examples(text: str) -> dict[str, str]:
    return {title: query for title, query in BLOCK.findall(text) if title in ROLES}


async def test_every_example_query_runs_for_its_role(world):
    api = world
    await api.load(
        {
            "renewals": [renewal("DOC-1", "acme"), renewal("DOC-2", "a-one")],
            "invoices": [invoice("DOC-I1", "acme", days_ago=120), invoice("DOC-I2", "a-one", days_ago=45)],
        }
    )
    found = examples(DOC.read_text())
    assert set(found) == set(ROLES), sorted(found)
    for title, query in found.items():
        data = await api.ok(query, **ROLES[title])
        assert data, title
    rep = await api.ok(found["Sales rep"], **REP)
    assert rep["workQueues"]["assignedRenewals"]["totalCount"] == 2  # acme and a-one
    reseller = await api.ok(found["A reseller's admin"], **A_BOSS)
    assert [n["tenant"]["key"] for n in reseller["workQueues"]["overdueInvoices"]["nodes"]] == ["a-one"]


async def test_the_readme_shows_an_internal_tool_query_for_each_staff_role(world):
    api = world
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Internal tools") :]
    queries = dict(re.findall(r"# (SALES_REP|BILLING_SUPPORT|OPERATOR)\n(.*?)```", section, re.S))
    assert set(queries) == {"SALES_REP", "BILLING_SUPPORT", "OPERATOR"}
    for role, query in queries.items():
        await api.ok(query, as_=f"{role.lower()}@vendor.example", staff=[role])
