"""The documented import examples import on their own and together, idempotently (docs/import-format.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLES = sorted((DOCS / "import").glob("*.example.json"))


def merged_example() -> dict:
    """Every section example in one document: tenants merged by key (people by email), items concatenated."""
    out: dict = {"tenants": []}
    tenants: dict[str, dict] = {}
    for path in EXAMPLES:
        doc = json.loads(path.read_text())
        for t in doc.get("tenants", []):
            if t["key"] in tenants:
                have = tenants[t["key"]]
                emails = {p["email"] for p in have.get("people", [])}
                have.setdefault("people", []).extend(p for p in t.get("people", []) if p["email"] not in emails)
            else:
                tenants[t["key"]] = json.loads(json.dumps(t))
                out["tenants"].append(tenants[t["key"]])
        for key, items in doc.items():
            if key != "tenants":
                out.setdefault(key, []).extend(items)
    return out


def test_combined_example_is_up_to_date():
    committed = json.loads((DOCS / "example-import.json").read_text())
    assert committed == merged_example(), (
        "docs/example-import.json is stale: python -c 'import json, tests.test_import_examples as t; "
        "print(json.dumps(t.merged_example(), indent=2))' > docs/example-import.json"
    )


async def _counts(api) -> dict[str, int]:
    """Rows in every table (the audit log records each import, so it is left out)."""
    from sqlalchemy import inspect

    # The database's tables: the shared metadata may also hold the example plugins' models, left by
    # a test file that loaded them earlier in this process (pytest-xdist orders files per worker).
    async with api.state.engine.connect() as conn:
        tables = sorted(set(await conn.run_sync(lambda c: inspect(c).get_table_names())) - {"audit_log"})
    return {t: (await api.sql(f"select count(*) from {t}"))[0][0] for t in tables}


@pytest.mark.parametrize("example", [*EXAMPLES, DOCS / "example-import.json"], ids=lambda p: p.name)
async def test_example_imports_idempotently(api, example):
    imp = "mutation($json: String!) { importData(json: $json) { tenants sections } }"
    text = example.read_text()
    await api.ok(imp, {"json": text}, as_="op@vendor.example", staff=["OPERATOR"])
    first = await _counts(api)
    assert first["tenants"] >= 1
    await api.ok(imp, {"json": text}, as_="op@vendor.example", staff=["OPERATOR"])
    assert await _counts(api) == first
