"""Demo data: a demo renewal shared with the executive (participant) and finance (viewer), and the
billing dashboard shared with the executive (R-S1, R-S4)."""

from __future__ import annotations

from core.demo import DEMO_PEOPLE, DEMO_TENANT, seed_demo


async def test_demo_shares(api):
    assert await seed_demo(api.state)
    rows = await api.sql("select object_type, object_id, grantee_email, role from object_grants order by role, id")
    by_role = {(r[0], r[3], r[2]): r[1] for r in rows}
    sn = by_role[("renewal", "PARTICIPANT", DEMO_PEOPLE["EXECUTIVE"])]
    assert by_role[("renewal", "VIEWER", DEMO_PEOPLE["FINANCE"])] == sn
    assert by_role[("billing_dashboard", "BILLING_DASHBOARD", DEMO_PEOPLE["EXECUTIVE"])] == "*"
    # and they work through the endpoint
    q = "query($sn: String!) { renewal(supportNumber: $sn) { supportNumber } }"
    assert (await api.ok(q, {"sn": sn}, as_=DEMO_PEOPLE["FINANCE"]))["renewal"]["supportNumber"] == sn
    roles = (await api.ok("{ viewer { roles tenant { key } } }", as_=DEMO_PEOPLE["EXECUTIVE"]))["viewer"]
    assert "BILLING_DASHBOARD" in roles["roles"] and roles["tenant"]["key"] == DEMO_TENANT
    shares = "query($sn: String!) { renewalShares(supportNumber: $sn) { totalCount } }"
    assert (await api.ok(shares, {"sn": sn}, as_=DEMO_PEOPLE["TECHNICAL"]))["renewalShares"]["totalCount"] == 2
    assert not await seed_demo(api.state)  # once only
