"""A sales rep answers only requests on renewals assigned to them (§6 SALES_REP, R-R13), decided on the
request's own renewal — not on its support number, which may repeat in another tenant."""

from __future__ import annotations

from tests.renewals.helpers import OTHER_REP, REP, SALES_REP, load, renewal

ASSIST = """mutation($sn: String!, $m: String!) { requestRenewalAssistance(supportNumber: $sn, message: $m) { id } }"""
ANSWER = """mutation($id: ID!, $a: String!) { answerRenewalAssistance(requestId: $id, answer: $a) { answeredBy } }"""
REQUESTS = "select answer, answered_by from renewal_requests order by id"


async def test_rep_cannot_answer_another_reps_request_through_a_shared_support_number(two_tenants, smtp):
    """Acme's SN-1 belongs to another rep; the rep holds Globex's SN-1. Answering Acme's request by its id
    is NOT_FOUND (not FORBIDDEN: its existence is not revealed), with and without X-Tenant, and nothing
    is written; Acme's own rep answers it."""
    api = two_tenants
    await load(
        api,
        renewal("SN-1", 60, salesRepEmail=OTHER_REP),
        renewal("SN-1", 60, tenant="globex", quote_to="tech@globex.com"),
    )
    acme_req = (await api.ok(ASSIST, {"sn": "SN-1", "m": "help"}, as_="tech@acme.com"))["requestRenewalAssistance"]
    for tenant in (None, "acme", "globex"):
        err = await api.error(ANSWER, {"id": acme_req["id"], "a": "phish"}, **SALES_REP, tenant=tenant)
        assert err["extensions"]["code"] == "NOT_FOUND", (tenant, err)
    assert await api.sql(REQUESTS) == [(None, None)]
    assert not [m for m in smtp.messages if "phish" in m.get_body(("plain",)).get_content()]
    data = await api.ok(ANSWER, {"id": acme_req["id"], "a": "Sure"}, as_=OTHER_REP, staff=["SALES_REP"])
    assert data["answerRenewalAssistance"]["answeredBy"] == OTHER_REP


async def test_request_ids_of_other_tenants_are_not_found_for_every_caller(two_tenants):
    """Enumerating request ids reaches nothing outside the caller's relation (R-T1): customers of either
    tenant and an unassigned rep get NOT_FOUND or FORBIDDEN, never the answer."""
    api = two_tenants
    await load(api, renewal("SN-2", 60), renewal("SN-3", 60, tenant="globex", quote_to="tech@globex.com"))
    req = (await api.ok(ASSIST, {"sn": "SN-3", "m": "help"}, as_="tech@globex.com"))["requestRenewalAssistance"]
    for caller in ({"as_": "tech@acme.com"}, {"as_": "admin@acme.com"}, {"as_": OTHER_REP, "staff": ["SALES_REP"]}):
        code = await api.code(ANSWER, {"id": req["id"], "a": "x"}, **caller)
        assert code in ("NOT_FOUND", "FORBIDDEN"), (caller, code)
    assert await api.sql(REQUESTS) == [(None, None)]
    assert (await api.ok(ANSWER, {"id": req["id"], "a": "ok"}, as_=REP, staff=["SALES_REP"]))["answerRenewalAssistance"]
