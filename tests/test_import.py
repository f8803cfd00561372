"""Ingest (issue 2): the staff import mutation and the CLI load the documented JSON format,
idempotently; a malformed file is rejected whole with the line/field at fault and nothing written."""

from __future__ import annotations

import json

from tests.conftest import ACME, GLOBEX

IMPORT = "mutation($json: String!) { importData(json: $json) { tenants sections } }"
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}


async def _counts(api) -> tuple:
    rows = await api.sql(
        "select (select count(*) from tenants), (select count(*) from people), (select count(*) from person_roles), "
        "(select count(*) from tenant_domains)"
    )
    return tuple(rows[0])


async def test_import_is_idempotent(api):
    doc = json.dumps({"tenants": [ACME, GLOBEX]})
    data = await api.ok(IMPORT, {"json": doc}, **OPERATOR)
    assert data["importData"]["tenants"] == 2
    first = await _counts(api)
    assert first == (2, 8, 9, 2)
    await api.ok(IMPORT, {"json": doc}, **OPERATOR)
    assert await _counts(api) == first


async def test_import_rejects_malformed_json_with_line_and_column(api):
    err = await api.error(IMPORT, {"json": '{\n  "tenants": [\n    {"key": "x",}\n  ]\n}'}, **OPERATOR)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert err["extensions"]["line"] == 3
    assert "line 3" in err["message"]
    assert await _counts(api) == (0, 0, 0, 0)


async def test_import_rejects_whole_file_naming_the_field(api):
    bad_person = dict(ACME, people=[*ACME["people"], {"email": "intruder@evil.com", "roles": ["FINANCE"]}])
    doc = json.dumps({"tenants": [GLOBEX, bad_person]})
    err = await api.error(IMPORT, {"json": doc}, **OPERATOR)
    assert err["extensions"]["code"] == "BAD_USER_INPUT"
    assert any("tenants[1].people[5].email" in e for e in err["extensions"]["errors"])
    assert await _counts(api) == (0, 0, 0, 0)  # Globex (valid) was not written either
    err = await api.error(IMPORT, {"json": json.dumps({"tenants": [dict(ACME, domains=["gmail.com"])]})}, **OPERATOR)
    assert "public mail provider" in err["message"]
    err = await api.error(IMPORT, {"json": json.dumps({"tenants": [], "bogus": []})}, **OPERATOR)
    assert "bogus: unknown section" in err["message"]


async def test_import_is_staff_operator_only(two_tenants):
    doc = json.dumps({"tenants": [dict(ACME, name="Hijacked")]})
    for who in ("admin@acme.com", "tech@acme.com"):
        assert await two_tenants.code(IMPORT, {"json": doc}, as_=who) == "FORBIDDEN"
    assert await two_tenants.code(IMPORT, {"json": doc}, as_="rep@vendor.example", staff=["SALES_REP"]) == "FORBIDDEN"
    assert (await two_tenants.sql("select name from tenants where key = 'acme'"))[0][0] == "Acme Corp"
