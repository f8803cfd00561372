"""The `renewals` import section (docs/import/renewals.md) and the demo tenant's renewals."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from core.demo import DEMO_PEOPLE, seed_demo

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import" / "renewals.example.json"
IMPORT = "mutation($json: String!) { importData(json: $json) { tenants sections } }"
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}


async def snapshot(api) -> list:
    return await api.sql(
        "select r.support_number, r.amount, r.status, r.auto_renew, r.payment_method, r.quote_to_email, "
        "r.accepted_at is not null, (select count(*) from renewal_lines l where l.renewal_id = r.id), r.id "
        "from renewal_renewals r order by r.support_number"
    )


async def test_example_imports_idempotently_through_the_api(api):
    doc = EXAMPLE.read_text()
    data = await api.ok(IMPORT, {"json": doc}, **OPERATOR)
    assert data["importData"]["sections"] == {"renewals": 3}
    first = await snapshot(api)
    assert [(r[0], r[2], r[3], r[4], r[6], r[7]) for r in first] == [
        ("INI-0999", "ACCEPTED", False, None, True, 1),
        ("INI-1001", "OPEN", False, None, False, 2),
        ("INI-1002", "OPEN", True, "PO", False, 1),
    ]
    lines_before = await api.sql("select id, product, amount from renewal_lines order by id")
    await api.ok(IMPORT, {"json": doc}, **OPERATOR)
    assert await snapshot(api) == first
    assert await api.sql("select id, product, amount from renewal_lines order by id") == lines_before
    q = '{ renewal(supportNumber: "INI-1001") { quoteNumber lines { csiNumber quantity } } }'
    d = (await api.ok(q, as_="peter@initech.example"))["renewal"]
    assert d == {"quoteNumber": "Q-INI-1001", "lines": [{"csiNumber": "CSI-88001", "quantity": "4"}] * 2}
    # a re-import with fewer lines drops the extra ones
    fewer = json.loads(doc)
    fewer["renewals"][0]["lines"] = fewer["renewals"][0]["lines"][:1]
    await api.ok(IMPORT, {"json": json.dumps(fewer)}, **OPERATOR)
    assert [r[7] for r in await snapshot(api)] == [1, 1, 1]


async def test_bad_items_reject_the_whole_document_naming_the_path(api):
    good = json.loads(EXAMPLE.read_text())
    bad = copy.deepcopy(good)
    bad["renewals"][0]["amount"] = "12,000"
    bad["renewals"][1]["quoteTo"]["email"] = "nobody"
    bad["renewals"][2]["lines"][0]["amount"] = "1.001"  # rules across fields: checked once the item reads
    bad["renewals"][2]["tenant"] = "nope"
    bad["renewals"][2]["endDate"] = "2025-01-01"
    err = await api.error(IMPORT, {"json": json.dumps(bad)}, **OPERATOR)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    errors = err["extensions"]["errors"]
    for expected in (
        "renewals[0].amount",
        "renewals[1].quoteTo.email",
        "renewals[2].tenant",
        "renewals[2].lines[0].amount",
        "renewals[2].endDate",
    ):
        assert any(e.startswith(expected) for e in errors), (expected, errors)
    assert await snapshot(api) == []
    assert await api.sql("select count(*) from tenants") == [(0,)]
    dup = copy.deepcopy(good)
    dup["renewals"].append(dup["renewals"][0])
    err = await api.error(IMPORT, {"json": json.dumps(dup)}, **OPERATOR)
    assert any("duplicate" in e for e in err["extensions"]["errors"])
    assert await api.code(IMPORT, {"json": json.dumps(good)}, as_="peter@initech.example") == "FORBIDDEN"


async def test_demo_tenant_has_renewals_in_every_list_and_state(api):
    assert await seed_demo(api.state)
    tom = {"as_": DEMO_PEOPLE["TECHNICAL"]}
    q = """query($list: RenewalList!) { renewals(list: $list, first: 100) { edges { node {
      supportNumber status locked autoRenew multiYearEligible sharedWithCount } } } }"""
    seen: dict[str, list[dict]] = {}
    for name in ("PENDING", "HISTORY", "FUTURE"):
        seen[name] = [e["node"] for e in (await api.ok(q, {"list": name}, **tom))["renewals"]["edges"]]
        assert seen[name], name
    statuses = {n["status"] for nodes in seen.values() for n in nodes}
    assert statuses == {"OPEN", "MULTI_YEAR_PENDING", "MULTI_YEAR_QUOTED", "ACCEPTED", "AUTO_RENEWED"}
    pending = seen["PENDING"]
    assert any(n["locked"] for n in pending) and any(n["autoRenew"] for n in pending)
    assert any(n["multiYearEligible"] for n in pending) and not all(n["multiYearEligible"] for n in pending)
    dash = (await api.ok("{ renewalDashboard { sharedCount savedCarts { name itemCount } } }", **tom))[
        "renewalDashboard"
    ]
    assert dash["sharedCount"] == 2 and dash["savedCarts"] == [{"name": "Q1 databases", "itemCount": 2}]
    erin = await api.ok(q, {"list": "PENDING"}, as_=DEMO_PEOPLE["EXECUTIVE"])
    assert erin["renewals"]["edges"]
    # the assigned demo sales rep sees them across tenants
    rep = await api.ok(q, {"list": "PENDING"}, as_="sam.salesrep@vendor.example", staff=["SALES_REP"])
    assert len(rep["renewals"]["edges"]) >= len(pending)
