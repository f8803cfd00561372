"""The benchmark's workloads: what each one sends to the product and to the baseline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.data import Dataset
from core.auth import issue_token
from core.settings import Settings

VIEWER = "viewer { email firstName lastName lastSignInAt contactKinds isAdmin tenant { key name } }"


@dataclass
class Workload:
    key: str
    title: str
    # (client, i) -> response; ``i`` numbers the request (distinct invoices for payments).
    product: Callable[[httpx.AsyncClient, int], Any]
    baseline: Callable[[httpx.AsyncClient, int], Any] | None = None
    graphql: bool = True
    compare: bool = True  # the baseline must return the same JSON
    mutation: bool = False
    # Variants for the statements-per-request invariant: label -> request.
    variants: dict[str, Callable[[httpx.AsyncClient, int], Any]] = field(default_factory=dict)


class Tokens:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[str, str] = {}

    def header(self, email: str) -> dict[str, str]:
        tok = self._cache.get(email)
        if tok is None:
            tok = self._cache[email] = issue_token(self.settings, email, ttl_seconds=6 * 3600)
        return {"Authorization": f"Bearer {tok}"}


def gql(tokens: Tokens, email: str, query: str, variables: Callable[[int], dict[str, Any]] | None = None) -> Any:
    body_const = {"query": query}

    async def send(client: httpx.AsyncClient, i: int) -> httpx.Response:
        body = {**body_const, "variables": variables(i) if variables else {}}
        return await client.post("/graphql", json=body, headers=tokens.header(email))

    return send


def get(tokens: Tokens, email: str, path: str | Callable[[int], str]) -> Any:
    async def send(client: httpx.AsyncClient, i: int) -> httpx.Response:
        url = path(i) if callable(path) else path
        return await client.get(url, headers=tokens.header(email))

    return send


def build(ds: Dataset, tokens: Tokens) -> list[Workload]:
    fin = ds.people["FINANCE"]
    out = [
        Workload(
            key="viewer",
            title="viewer (core only)",
            product=gql(tokens, fin, "query Viewer { " + VIEWER + " }"),
            baseline=get(tokens, fin, "/viewer"),
        )
    ]
    from bench import plugin_workloads

    out.extend(plugin_workloads.build(ds, tokens))
    return out
