"""Workloads over the plugins' graph: (a) the portal dashboard, (b) a deep page of invoices,
(c) paying an invoice, (d) the renewals summary CSV export — each with its baseline request."""

from __future__ import annotations

from typing import Any

from bench.data import BIG, HUGE, Dataset
from bench.workloads import VIEWER, Tokens, Workload, get, gql

RENEWAL_FIELDS = (
    "supportNumber customer endUser startDate endDate status autoRenew amount { amount currency } "
    "quoteTo { email } lines { product productFamily csiNumber quantity serialNumber amount { amount currency } }"
)
RENEWALS = (
    "renewals(list: PENDING, first: $first) { totalCount pageInfo { hasNextPage endCursor } "
    "edges { node { " + RENEWAL_FIELDS + " } } }"
)


def dashboard_parts(ds: Dataset, role: str) -> list[str]:
    parts = []
    if "renewals" in ds.extra.get("plugins", ()):
        parts.append("renewals")
    return parts


def dashboard_query(parts: list[str]) -> str:
    body = [VIEWER]
    if "renewals" in parts:
        body.append(RENEWALS)
    return "query Dashboard($first: Int!) { " + " ".join(body) + " }"


def build(ds: Dataset, tokens: Tokens) -> list[Workload]:
    out: list[Workload] = []
    small_tech = "tech@t00000.example"
    for role in ("FINANCE", "TECHNICAL"):
        parts = dashboard_parts(ds, role)
        if not parts:
            continue
        email = ds.people[role]
        query = dashboard_query(parts)
        path = f"/dashboard?parts={','.join(parts)}&first="
        variants = {
            "first 10": gql(tokens, email, query, lambda i: {"first": 10}),
            "first 100": gql(tokens, email, query, lambda i: {"first": 100}),
        }
        if ds.scale.tenants > 2:
            small = small_tech if role == "TECHNICAL" else small_tech.replace("tech@", "fin@")
            variants["small tenant"] = gql(tokens, small, query, lambda i: {"first": 50})
        out.append(
            Workload(
                key=f"dashboard_{role.lower()}",
                title=f"(a) dashboard as {role.lower()}",
                product=gql(tokens, email, query, lambda i: {"first": 50}),
                baseline=get(tokens, email, path + "50"),
                variants=variants,
            )
        )
    if "renewals" in ds.extra.get("plugins", ()):
        exports = (("export_10k", BIG, ds.scale.big_renewals), ("export_100k", HUGE, ds.scale.huge_renewals))
        for key, tenant, rows in exports:
            email = f"tech@{tenant}.example"
            out.append(
                Workload(
                    key=key,
                    title=f"(d) summary CSV, {rows:,} renewals",
                    product=get(tokens, email, "/renewals/report/summary.csv?source=pending_and_history"),
                    graphql=False,
                    compare=False,
                )
            )
    return out


def goals(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's goals, each with the measured figure and whether it is met."""
    w = results["workloads"]
    out: dict[str, Any] = {}
    for key in ("dashboard_finance", "dashboard_technical", "deep_page"):
        ratio = w.get(key, {}).get("p50_ratio_to_baseline")
        if ratio is not None:
            out[f"{key} p50 within 2x baseline"] = {"ratio": ratio, "met": ratio <= 2.0}
    first, deep = w.get("first_page", {}).get("product"), w.get("deep_page", {}).get("product")
    if first and deep and first["p50_ms"] and deep["p50_ms"]:
        r = deep["p50_ms"] / first["p50_ms"]
        out["deep page as fast as first page"] = {"ratio": round(r, 2), "met": r <= 1.2}
    shares = {k: e.get("counted", {}).get("authz_share") for k, e in w.items()}
    shares = {k: v for k, v in shares.items() if v is not None}
    if shares:
        worst = max(shares.values())
        out["authorization under 10% of request time"] = {"worst": round(worst, 4), "met": worst < 0.10}
    ex = results.get("exports", {})
    if "export_10k" in ex and "export_100k" in ex:
        d = ex["export_100k"]["peak_increase_mb"] - ex["export_10k"]["peak_increase_mb"]
        out["export memory flat (100k vs 10k peak < 50 MB apart)"] = {"difference_mb": round(d, 1), "met": d < 50}
    return out
