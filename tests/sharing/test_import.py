"""The ``shares`` import section (docs/import/sharing.md) through the staff importData mutation:
the documented example, idempotent re-import, errors naming the path and nothing written (R-S3)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ACME, GLOBEX
from tests.sharing.conftest import renewal_item

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "import" / "sharing.example.json"
IMPORT = "mutation($json: String!) { importData(json: $json) { tenants sections } }"
OP = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}


async def rows(api) -> list[tuple]:
    found = await api.sql(
        "select object_type, object_id, grantee_email, role, granted_by, created_at from object_grants "
        "order by object_type, object_id, grantee_email"
    )
    return [tuple(r) for r in found]


async def test_the_documented_example_imports_and_reimports_unchanged(api):
    text = EXAMPLE.read_text()
    data = await api.ok(IMPORT, {"json": text}, **OP)
    assert data["importData"]["sections"] == {"shares": 3}
    first = await rows(api)
    assert [r[:5] for r in first] == [
        (
            "billing_dashboard",
            "*",
            "samir@sharing.initech.example",
            "BILLING_DASHBOARD",
            "bill@sharing.initech.example",
        ),
        ("renewal", "SUP-1001", "milton@sharing.initech.example", "VIEWER", "peter@sharing.initech.example"),
        ("renewal", "SUP-1001", "samir@sharing.initech.example", "PARTICIPANT", "peter@sharing.initech.example"),
    ]
    api.clock.advance(days=1)
    await api.ok(IMPORT, {"json": text}, **OP)
    assert await rows(api) == first  # idempotent: nothing changed, not even the dates
    # the billing-dashboard share is in effect on the person's next request
    roles = (await api.ok("{ viewer { roles } }", as_="samir@sharing.initech.example"))["viewer"]["roles"]
    assert "BILLING_DASHBOARD" in roles


async def test_imported_renewal_shares_work_through_the_endpoint_and_roles_update(api):
    doc = {
        "tenants": [ACME, GLOBEX],
        "renewals": [renewal_item("acme", "SN-1", "tech@acme.com")],
        "shares": [
            {
                "tenant": "acme",
                "object": "renewal",
                "supportNumber": "SN-1",
                "email": "plain@acme.com",
                "role": "VIEWER",
            }
        ],
    }
    await api.ok(IMPORT, {"json": json.dumps(doc)}, **OP)
    view = '{ renewal(supportNumber: "SN-1") { supportNumber } }'
    assert await api.ok(view, as_="plain@acme.com")
    can = '{ can(object: "renewal", action: "accept", id: "SN-1") }'
    assert (await api.ok(can, as_="plain@acme.com"))["can"] is False
    doc["shares"][0]["role"] = "PARTICIPANT"
    await api.ok(IMPORT, {"json": json.dumps(doc)}, **OP)
    assert (await api.ok(can, as_="plain@acme.com"))["can"] is True
    assert [r[3:5] for r in await rows(api)] == [("PARTICIPANT", "import")]


async def test_invalid_items_are_named_and_nothing_is_written(api):
    doc = {
        "tenants": [ACME],
        "shares": [
            {"tenant": "nope", "object": "renewal", "supportNumber": "S", "email": "a@acme.com", "role": "VIEWER"},
            {"tenant": "acme", "object": "folder", "email": "a@acme.com"},
            {"tenant": "acme", "object": "renewal", "email": "a@acme.com", "role": "VIEWER"},
            {"tenant": "acme", "object": "renewal", "supportNumber": "S", "email": "not-an-email", "role": "OWNER"},
            {"tenant": "acme", "object": "billing_dashboard", "supportNumber": "S", "email": "a@acme.com"},
            {"tenant": "acme", "object": "billing_dashboard", "email": "b@acme.com", "grantedBy": "x"},
            {"tenant": "acme", "object": "billing_dashboard", "email": "B@acme.com"},
            "nonsense",
        ],
    }
    err = await api.error(IMPORT, {"json": json.dumps(doc)}, **OP)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    errors = err["extensions"]["errors"]
    for expected in [
        "shares[0].tenant: unknown tenant 'nope'",
        "shares[1].object: one of ['renewal', 'billing_dashboard']",
        "shares[2].supportNumber: required string of at most 64 characters",
        "shares[3].email: not a valid email address",
        "shares[3].role: one of ['PARTICIPANT', 'VIEWER']",
        "shares[4].supportNumber: only for object 'renewal'",
        "shares[5].grantedBy: not a valid email address",
        "shares[6]: duplicate share of billing_dashboard * with b@acme.com",
        "shares[7]: must be an object",
    ]:
        assert expected in errors, (expected, errors)
    assert await api.sql("select key from tenants") == []


async def test_foreign_domain_or_unknown_person_rejects_the_whole_document(api):
    """R-S3 holds for imported shares too: one foreign address and nothing is written."""
    for email, why in [
        ("fin@globex.com", "is not in the domains of tenant 'acme'"),
        ("someone@gmail.com", "is not in the domains of tenant 'acme'"),
        ("ghost@acme.com", "is not a user of tenant 'acme'"),
    ]:
        doc = {
            "tenants": [ACME, GLOBEX],
            "shares": [
                {"tenant": "acme", "object": "billing_dashboard", "email": "exec@acme.com"},
                {"tenant": "acme", "object": "billing_dashboard", "email": email},
            ],
        }
        err = await api.error(IMPORT, {"json": json.dumps(doc)}, **OP)
        assert err["extensions"]["code"] == "BAD_USER_INPUT"
        assert f"shares[1].email: {email} {why}" in err["message"], err
        assert await rows(api) == []
        assert await api.sql("select key from tenants") == []
