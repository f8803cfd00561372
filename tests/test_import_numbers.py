"""JSON numbers for amounts import exactly as the same amounts written as strings (core.importer reads
every JSON number as a Decimal; core.importing.to_decimal reads every section alike)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

IMPORT = "mutation($json: String!) { importData(json: $json) { tenants sections } }"
OPERATOR = {"as_": "op@vendor.example", "staff": ["OPERATOR"]}
EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "import"
NUMERIC_KEYS = {"amount", "quantity", "unitNetPrice"}
SNAPSHOTS = {
    "renewals": [
        "select support_number, amount from renewal_renewals",
        "select r.support_number, l.line_no, l.quantity, l.amount from renewal_lines l "
        "join renewal_renewals r on r.id = l.renewal_id",
    ],
    "rewards": ["select subscription, usage_date, service, unit_net_price, quantity from rewards_cloud_usage"],
}


def as_numbers(text: str) -> str:
    """The document with every amount, quantity and price written as a JSON number, digits as given."""

    def mark(value: object) -> object:
        if isinstance(value, dict):
            return {k: f"@@{v}@@" if k in NUMERIC_KEYS and isinstance(v, str) else mark(v) for k, v in value.items()}
        if isinstance(value, list):
            return [mark(v) for v in value]
        return value

    out = re.sub(r'"@@([^@"]*)@@"', r"\1", json.dumps(mark(json.loads(text))))
    assert "@@" not in out
    return out


async def snapshot(api, name: str) -> list[set[tuple]]:
    def canonical(v: object) -> object:
        return Decimal(str(v)).normalize() if isinstance(v, (Decimal, float, int)) else str(v)

    return [{tuple(canonical(v) for v in row) for row in await api.sql(q)} for q in SNAPSHOTS[name]]


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
async def test_json_numbers_import_the_same_as_strings(api, name):
    strings = (EXAMPLES / f"{name}.example.json").read_text()
    numbers = as_numbers(strings)
    assert json.loads(numbers) != json.loads(strings)
    await api.ok(IMPORT, {"json": numbers}, **OPERATOR)
    first = await snapshot(api, name)
    assert all(first), first
    written = {
        Decimal(v)
        for section in json.loads(strings).values()
        for item in section
        for v in [*(item.get(k) for k in NUMERIC_KEYS), *(x.get("amount") for x in item.get("lines", []))]
        if isinstance(v, str)
    }
    assert {v.normalize() for v in written} <= {v for rows in first for row in rows for v in row}
    await api.ok(IMPORT, {"json": strings}, **OPERATOR)  # the same values: nothing changes
    assert await snapshot(api, name) == first
