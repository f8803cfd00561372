"""The message center (R-R5) is a connection like every list that grows (issue 18): keyset pages
newest first with ``first``/``after`` (and back with ``last``/``before``), ``totalCount``, the
person's own entries of the acting tenant only, and a page of 100 costs the statements a page of 10
does."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.models import Message
from core.rls import EVERY_TENANT  # the test's own set-up: writes into both tenants

MESSAGES = """query($first: Int, $after: String) { viewer { messages(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
  edges { cursor node { id kind subject body createdAt read } } } } }"""
TECH = {"as_": "tech@acme.com"}


async def add_messages(api, tenant: str, email: str, count: int, start: datetime) -> None:
    """Entries written as the product writes them (the ORM: a raw INSERT would store SQLite's
    timestamps in another text form than the keyset comparison binds)."""
    (tenant_id,) = (await api.sql("select id from tenants where key = :k", k=tenant))[0]
    async with api.state.sessionmaker(info=EVERY_TENANT) as session, session.begin():
        session.add_all(
            Message(
                tenant_id=tenant_id,
                person_email=email,
                kind="renewal.reminder",
                subject=f"{tenant} {i:03d}",
                body="text",
                created_at=start + timedelta(minutes=i // 2),  # two entries per minute: the id breaks the tie
            )
            for i in range(count)
        )


def subjects(data: dict) -> list[str]:
    return [e["node"]["subject"] for e in data["viewer"]["messages"]["edges"]]


async def test_messages_page_newest_first_and_stay_the_persons_own(two_tenants):
    api = two_tenants
    start = datetime(2026, 11, 1, 9, 0)
    await add_messages(api, "acme", "tech@acme.com", 120, start)
    await add_messages(api, "acme", "fin@acme.com", 3, start)
    await add_messages(api, "globex", "tech@globex.com", 5, start + timedelta(days=1))

    first = await api.ok(MESSAGES, {"first": 10}, **TECH)
    page = first["viewer"]["messages"]
    assert page["totalCount"] == 120
    assert subjects(first) == [f"acme {i:03d}" for i in range(119, 109, -1)]
    assert page["pageInfo"]["hasNextPage"] and not page["pageInfo"]["hasPreviousPage"]

    seen = subjects(first)
    after = page["pageInfo"]["endCursor"]
    while after:
        data = await api.ok(MESSAGES, {"first": 100, "after": after}, **TECH)
        seen += subjects(data)
        info = data["viewer"]["messages"]["pageInfo"]
        after = info["endCursor"] if info["hasNextPage"] else None
    assert seen == [f"acme {i:03d}" for i in range(119, -1, -1)]  # every entry once, no other person's

    back = await api.ok("{ viewer { messages(last: 2) { nodes { subject } } } }", **TECH)
    assert [n["subject"] for n in back["viewer"]["messages"]["nodes"]] == ["acme 001", "acme 000"]
    assert (await api.ok(MESSAGES, {"first": 5}, as_="tech@globex.com"))["viewer"]["messages"]["totalCount"] == 5

    for bad in ({"first": 0}, {"first": 101}, {"first": 5, "after": "not-a-cursor"}):
        err = await api.error(MESSAGES, bad, **TECH)
        assert err["extensions"]["code"] == "BAD_USER_INPUT", (bad, err)


async def test_a_page_of_100_messages_costs_what_a_page_of_10_does(two_tenants):
    api = two_tenants
    await add_messages(api, "acme", "tech@acme.com", 110, datetime(2026, 11, 1, 9, 0))
    await api.ok(MESSAGES, {"first": 1}, **TECH)  # warm caches (policies, schema)
    with api.count_statements() as ten:
        assert len(subjects(await api.ok(MESSAGES, {"first": 10}, **TECH))) == 10
    with api.count_statements() as hundred:
        assert len(subjects(await api.ok(MESSAGES, {"first": 100}, **TECH))) == 100
    # the sign-in bookkeeping (R-A4) updates people when the token's issue second changes: not page cost
    ten = [s for s in ten if not s.startswith("UPDATE people")]
    hundred = [s for s in hundred if not s.startswith("UPDATE people")]
    assert len(ten) == len(hundred), (ten, hundred)
