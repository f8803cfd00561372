"""Hand-written SQL for the plugin workloads of the baseline (bench/baseline.py): the dashboard's
renewals / invoices / rewards parts and the invoices page, shaped exactly like the product's JSON."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from starlette.requests import Request

REMINDER_DAYS = 120  # R-R2: a renewal is pending from 120 days before it starts
GRANT_ROLES = ["PARTICIPANT", "VIEWER"]


def cursor(*values: Any) -> str:
    enc = [{"d": v.isoformat()} if isinstance(v, date) else v for v in values]
    raw = json.dumps(enc, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": str(amount.quantize(Decimal("0.01"))), "currency": currency}


def qty(q: Decimal) -> str:
    return str(q.normalize() if q == q.to_integral() else q)


RENEWALS_WHERE = """
FROM renewal_renewals r
WHERE r.tenant_id = $1 AND r.accepted_at IS NULL AND r.start_date <= $2
  AND (r.quote_to_email = $3 OR EXISTS (
        SELECT 1 FROM object_grants g WHERE g.tenant_id = r.tenant_id AND g.object_type = 'renewal'
          AND g.object_id = r.support_number AND g.grantee_email = $3 AND g.role = ANY($4::varchar[])))
"""
RENEWALS_COUNT = "SELECT count(*) " + RENEWALS_WHERE
RENEWALS_PAGE = (
    "SELECT r.id, r.support_number, r.customer, r.end_user, r.start_date, r.end_date, r.status, r.auto_renew, "
    "r.amount, r.currency, r.quote_to_email " + RENEWALS_WHERE + " ORDER BY r.start_date, r.id LIMIT $5"
)
RENEWAL_LINES = """
SELECT renewal_id, product, product_family, csi_number, quantity, serial_number, amount
FROM renewal_lines WHERE renewal_id = ANY($1::bigint[]) AND tenant_id = $2 ORDER BY renewal_id, line_no
"""


async def renewals_part(conn: asyncpg.Connection, who: asyncpg.Record, first: int) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    args = (who["tenant_id"], today + timedelta(days=REMINDER_DAYS), who["email"], GRANT_ROLES)
    total = await conn.fetchval(RENEWALS_COUNT, *args)
    rows = await conn.fetch(RENEWALS_PAGE, *args, first + 1)
    more, rows = len(rows) > first, rows[:first]
    lines: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    for x in await conn.fetch(RENEWAL_LINES, list(lines), who["tenant_id"]):
        lines[x["renewal_id"]].append(x)
    currency = {r["id"]: r["currency"] for r in rows}
    edges = []
    for r in rows:
        edges.append(
            {
                "node": {
                    "supportNumber": r["support_number"],
                    "customer": r["customer"],
                    "endUser": r["end_user"],
                    "startDate": r["start_date"].isoformat(),
                    "endDate": r["end_date"].isoformat(),
                    "status": r["status"],
                    "autoRenew": r["auto_renew"],
                    "amount": money(r["amount"], r["currency"]),
                    "quoteTo": {"email": r["quote_to_email"]},
                    "lines": [
                        {
                            "product": x["product"],
                            "productFamily": x["product_family"],
                            "csiNumber": x["csi_number"],
                            "quantity": qty(x["quantity"]),
                            "serialNumber": x["serial_number"],
                            "amount": money(x["amount"], currency[r["id"]]),
                        }
                        for x in lines[r["id"]]
                    ],
                }
            }
        )
    end = cursor(rows[-1]["start_date"], rows[-1]["id"]) if rows else None
    return {
        "totalCount": total,
        "pageInfo": {"hasNextPage": more, "endCursor": end},
        "edges": edges,
    }


async def dashboard(conn: asyncpg.Connection, who: asyncpg.Record, request: Request) -> dict[str, Any]:
    from bench.baseline import viewer_json

    parts = request.query_params.get("parts", "").split(",")
    first = int(request.query_params.get("first", "50"))
    out: dict[str, Any] = {"viewer": viewer_json(who)}
    if "renewals" in parts:
        out["renewals"] = await renewals_part(conn, who, first)
    return out


ROUTES: dict[str, Any] = {"/dashboard": dashboard}
