"""Wrong redemption codes are locked out like a login (R-W6, security issue): counted per person and per
account although each failed request rolls back, refused with a typed error while locked — the right
code too — and the lockout leaves an audit record. A new authorisation starts the person afresh."""

from __future__ import annotations

from datetime import timedelta

from plugins.rewards.service import CODE_FAILURE_WINDOW, MAX_CODE_FAILURES_PER_ACCOUNT, MAX_CODE_FAILURES_PER_PERSON
from tests.rewards.test_api import AUTHORIZE
from tests.rewards.test_redeem import ELIGIBLE, REDEEM, code_for, make_invoice, redeem_input, rewarded_acme

WRONG = "WRONG-CODE-0"


async def attempt(api, code: str, key: str, who: str = "fin@acme.com") -> dict:
    body = await api.gql(REDEEM, redeem_input("INV-L1", code, key), as_=who)
    return body["errors"][0]["extensions"] if body.get("errors") else {"ok": body["data"]["redeemRewards"]}


async def failures(api) -> int:
    return (await api.sql("select count(*) from rewards_code_failures"))[0][0]


async def test_person_is_locked_after_the_limit_even_with_the_right_code(api):
    code = await rewarded_acme(api)
    await make_invoice(api, "acme", "INV-L1", [{**ELIGIBLE, "pre_tax": "10.00"}])
    for n in range(MAX_CODE_FAILURES_PER_PERSON):
        ext = await attempt(api, WRONG, f"w{n}")
        assert (ext["code"], ext["reason"]) == ("FORBIDDEN", "WRONG_REDEMPTION_CODE"), ext
        assert ext["attempts_left"] == MAX_CODE_FAILURES_PER_PERSON - n - 1
    assert await failures(api) == MAX_CODE_FAILURES_PER_PERSON  # counted although every request rolled back
    ext = await attempt(api, code, "right-1")
    assert (ext["code"], ext["reason"]) == ("FORBIDDEN", "REDEMPTION_LOCKED"), ext
    assert ext["retryAfterSeconds"] == int(CODE_FAILURE_WINDOW.total_seconds())
    assert await failures(api) == MAX_CODE_FAILURES_PER_PERSON  # a locked attempt is not checked, so not counted
    assert (await api.sql("select count(*) from rewards_redemptions"))[0][0] == 0
    audit = await api.sql("select actor, outcome, detail from audit_log where action = 'rewards.redemption_locked'")
    assert [(a, o) for a, o, _ in audit] == [("fin@acme.com", "LOCKED")] and '"person"' in audit[0][2]
    # the window passes: the right code works again
    api.clock.advance(seconds=int(CODE_FAILURE_WINDOW.total_seconds()) + 1)
    assert "ok" in await attempt(api, code, "right-2")


async def test_one_short_of_the_limit_is_not_locked(api):
    code = await rewarded_acme(api)
    await make_invoice(api, "acme", "INV-L1", [{**ELIGIBLE, "pre_tax": "10.00"}])
    for n in range(MAX_CODE_FAILURES_PER_PERSON - 1):
        await attempt(api, WRONG, f"w{n}")
    assert "ok" in await attempt(api, code, "right")
    assert (await api.sql("select count(*) from audit_log where action = 'rewards.redemption_locked'"))[0][0] == 0


async def test_a_new_authorisation_starts_the_person_afresh(api):
    await rewarded_acme(api)
    await make_invoice(api, "acme", "INV-L1", [{**ELIGIBLE, "pre_tax": "10.00"}])
    for n in range(MAX_CODE_FAILURES_PER_PERSON):
        await attempt(api, WRONG, f"w{n}")
    api.clock.advance(seconds=1)
    await api.ok(AUTHORIZE, {"e": "fin@acme.com"}, as_="admin@acme.com")
    assert "ok" in await attempt(api, await code_for(api, "fin@acme.com"), "fresh")


async def test_account_lockout_counts_every_redeemer_of_the_tenant(api):
    """Several authorised people cannot multiply the guesses: the account limit holds across them."""
    code = await rewarded_acme(api)
    await make_invoice(api, "acme", "INV-L1", [{**ELIGIBLE, "pre_tax": "10.00"}])
    rows = [
        {"tenant_id": (await api.sql("select id from tenants where key = 'acme'"))[0][0], "n": n}
        for n in range(MAX_CODE_FAILURES_PER_ACCOUNT - 1)
    ]
    for row in rows:  # other people's recent failures (as if from other finance contacts)
        await api.sql(
            "insert into rewards_code_failures (tenant_id, email, failed_at) values (:t, :e, :at)",
            t=row["tenant_id"],
            e=f"other{row['n']}@acme.com",
            at=api.clock.now() - timedelta(minutes=1),
        )
    ext = await attempt(api, WRONG, "w-last")
    assert ext["reason"] == "WRONG_REDEMPTION_CODE"
    ext = await attempt(api, code, "right")
    assert ext["reason"] == "REDEMPTION_LOCKED"
    audit = await api.sql("select detail from audit_log where action = 'rewards.redemption_locked'")
    assert len(audit) == 1 and '"account"' in audit[0][0]
    # another tenant is untouched by Acme's lockout
    assert (await api.sql("select count(*) from rewards_code_failures where email like '%globex%'"))[0][0] == 0
