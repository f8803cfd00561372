"""Security regressions (docs/security.md): shared data and helpers for the tests of this folder.

Everything goes through the HTTP endpoint, like the portal; seeding uses the import format."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ACME, GLOBEX, Api
from tests.sharing.conftest import renewal_item

INVITE = "mutation($input: InviteUserInput!) { inviteUser(input: $input) { id email status roles } }"
CHANGE = "mutation($id: ID!, $roles: [PersonRoleName!]!) { changeUserRoles(id: $id, roles: $roles) { id roles } }"
REMOVE = "mutation($id: ID!) { removeUser(id: $id) { id status roles } }"
USERS = "query($all: Boolean!) { users(first: 100, includeRemoved: $all) { nodes { id email status roles } } }"
VIEWER = "{ viewer { email roles } }"
OPERATOR = {"as_": "op@vendor.example", "staff": ("OPERATOR",), "tenant": "acme"}

# The person whose removal the tests play out: a finance contact with every kind of access a
# person can be given besides roles (renewal share, billing-dashboard share, rewards authorisation).
LEAVER = "leaver@acme.com"


@pytest.fixture
async def acme(api: Api) -> Api:
    """Acme (fin, tech, exec, admin = TECHNICAL+ADMIN, plain, leaver = FINANCE) and Globex, with
    renewal SN-1 quoted to tech@acme.com."""
    people = [*ACME["people"], {"email": LEAVER, "firstName": "Lee", "lastName": "Ver", "roles": ["FINANCE"]}]
    await api.load(
        {"tenants": [{**ACME, "people": people}, GLOBEX], "renewals": [renewal_item("acme", "SN-1", "tech@acme.com")]}
    )
    return api


async def user_id(api: Api, email: str) -> str:
    users = (await api.ok(USERS, {"all": True}, as_="admin@acme.com"))["users"]["nodes"]
    return next(u["id"] for u in users if u["email"] == email)


async def person_row(api: Api, email: str) -> tuple[Any, ...] | None:
    """(status, sorted roles) of a person, read from the database."""
    rows = await api.sql("select id, status from people where email = :e", e=email)
    if not rows:
        return None
    roles = await api.sql("select role from person_roles where person_id = :i order by role", i=rows[0][0])
    return rows[0][1], tuple(r[0] for r in roles)


SNAPSHOT_TABLES = (
    "people",
    "person_roles",
    "object_grants",
    "outbox_emails",
    "messages",
    "rewards_redeemers",
    "idempotency_records",
)


async def snapshot(api: Api) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a user-management request could touch (a refusal changes none)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in SNAPSHOT_TABLES:
        out[table] = sorted(tuple(str(v) for v in row) for row in await api.sql(f"select * from {table}"))
    return out
