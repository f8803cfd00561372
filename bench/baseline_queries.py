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


INVOICE_COLUMNS = (
    "SELECT id, number, invoice_date, due_date, po_number, total, balance, currency FROM invoicing_invoices "
)
INVOICE_LINES = """
SELECT invoice_id, product, product_family, pre_tax_amount, tax_amount
FROM invoicing_invoice_lines WHERE invoice_id = ANY($1::bigint[]) AND tenant_id = $2 ORDER BY invoice_id, position
"""
STATUS_SQL = {
    "OVERDUE": "AND balance > 0 AND due_date < $2",
    "OPEN": "AND balance > 0 AND due_date >= $2",
}


def invoice_status(balance: Decimal, due: date, today: date) -> str:
    if balance <= 0:
        return "CLOSED"
    return "OVERDUE" if today > due else "OPEN"


async def invoice_page(
    conn: asyncpg.Connection, tenant_id: int, rows: list[asyncpg.Record], first: int, today: date
) -> dict[str, Any]:
    more, rows = len(rows) > first, rows[:first]
    lines: dict[int, list[asyncpg.Record]] = {r["id"]: [] for r in rows}
    for x in await conn.fetch(INVOICE_LINES, list(lines), tenant_id):
        lines[x["invoice_id"]].append(x)
    edges = [
        {
            "node": {
                "number": r["number"],
                "status": invoice_status(r["balance"], r["due_date"], today),
                "invoiceDate": r["invoice_date"].isoformat(),
                "dueDate": r["due_date"].isoformat(),
                "poNumber": r["po_number"],
                "total": money(r["total"], r["currency"]),
                "balance": money(r["balance"], r["currency"]),
                "lines": [
                    {
                        "product": x["product"],
                        "productFamily": x["product_family"],
                        "preTaxAmount": money(x["pre_tax_amount"], r["currency"]),
                        "taxAmount": money(x["tax_amount"], r["currency"]),
                    }
                    for x in lines[r["id"]]
                ],
            }
        }
        for r in rows
    ]
    end = cursor(rows[-1]["invoice_date"], rows[-1]["id"]) if rows else None
    return {"pageInfo": {"hasNextPage": more, "endCursor": end}, "edges": edges}


async def invoices_by_status(conn: asyncpg.Connection, tenant_id: int, status: str, first: int) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    where = f"WHERE tenant_id = $1 {STATUS_SQL[status]}"
    total = await conn.fetchval(f"SELECT count(*) FROM invoicing_invoices {where}", tenant_id, today)
    rows = await conn.fetch(
        INVOICE_COLUMNS + where + " ORDER BY invoice_date DESC, id DESC LIMIT $3", tenant_id, today, first + 1
    )
    return {"totalCount": total, **(await invoice_page(conn, tenant_id, rows, first, today))}


REWARDS_SQL = """
SELECT COALESCE(SUM(CASE WHEN status = 'ACTIVE' AND expires_on > $2 THEN remaining ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN status = 'ACTIVE' AND expires_on > $2 AND expires_on <= $3 THEN remaining ELSE 0 END), 0),
       (SELECT currency FROM rewards_accounts WHERE tenant_id = $1)
FROM rewards_lots WHERE tenant_id = $1
"""


async def rewards_part(conn: asyncpg.Connection, tenant_id: int) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    available, soon, currency = await conn.fetchrow(REWARDS_SQL, tenant_id, today, today + timedelta(days=30))
    currency = currency or "USD"
    return {"balance": money(Decimal(available), currency), "expiringIn30Days": money(Decimal(soon), currency)}


async def invoices(conn: asyncpg.Connection, who: asyncpg.Record, request: Request) -> dict[str, Any]:
    """The invoices list newest first, after a keyset cursor (invoice_date, id)."""
    first = int(request.query_params.get("first", "50"))
    after = request.query_params.get("after")
    today = datetime.now(UTC).date()
    tid = who["tenant_id"]
    if after:
        raw = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
        d, last_id = date.fromisoformat(raw[0]["d"]), int(raw[1])
        sql = (
            INVOICE_COLUMNS
            + "WHERE tenant_id = $1 AND (invoice_date, id) < ($2, $3) ORDER BY invoice_date DESC, id DESC LIMIT $4"
        )
        rows = await conn.fetch(sql, tid, d, last_id, first + 1)
    else:
        sql = INVOICE_COLUMNS + "WHERE tenant_id = $1 ORDER BY invoice_date DESC, id DESC LIMIT $2"
        rows = await conn.fetch(sql, tid, first + 1)
    return {"invoices": await invoice_page(conn, tid, rows, first, today)}


async def dashboard(conn: asyncpg.Connection, who: asyncpg.Record, request: Request) -> dict[str, Any]:
    from bench.baseline import viewer_json

    parts = request.query_params.get("parts", "").split(",")
    first = int(request.query_params.get("first", "50"))
    out: dict[str, Any] = {"viewer": viewer_json(who)}
    if "renewals" in parts:
        out["renewals"] = await renewals_part(conn, who, first)
    if "invoicing" in parts:
        half = max(1, first // 2)
        out["overdue"] = await invoices_by_status(conn, who["tenant_id"], "OVERDUE", half)
        out["open"] = await invoices_by_status(conn, who["tenant_id"], "OPEN", half)
    if "rewards" in parts:
        out["rewards"] = await rewards_part(conn, who["tenant_id"])
    return out


ROUTES: dict[str, Any] = {"/dashboard": dashboard, "/invoices": invoices}
