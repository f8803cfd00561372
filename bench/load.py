"""Concurrent HTTP clients with bounded request counts and time, and the statistics of a run."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Run:
    """Latencies (ms) of one workload against one server."""

    name: str
    target: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    headers: list[dict[str, str]] = field(default_factory=list)

    def pct(self, p: float) -> float | None:
        if not self.latencies:
            return None
        xs = sorted(self.latencies)
        # Nearest-rank percentile: the value below which p% of the requests completed.
        k = max(0, min(len(xs) - 1, math.ceil(p / 100 * len(xs)) - 1))
        return xs[k]

    @property
    def rps(self) -> float | None:
        return len(self.latencies) / self.elapsed if self.elapsed and self.latencies else None

    def absorb(self, other: Run) -> None:
        """Add another round of the same workload against the same server."""
        self.latencies.extend(other.latencies)
        self.errors.extend(other.errors)
        self.headers.extend(other.headers)
        self.elapsed += other.elapsed

    def summary(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "concurrency": self.concurrency,
            "requests": len(self.latencies),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
            "p50_ms": _r(self.pct(50)),
            "p95_ms": _r(self.pct(95)),
            "p99_ms": _r(self.pct(99)),
            "rps": _r(self.rps),
            "seconds": _r(self.elapsed),
        }


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


Request = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]
Check = Callable[[httpx.Response], str | None]


async def drive(
    client: httpx.AsyncClient,
    name: str,
    target: str,
    request: Request,
    *,
    concurrency: int,
    requests: int,
    max_seconds: float,
    check: Check | None = None,
    keep_headers: tuple[str, ...] = (),
    warmup: int = 0,
    start: int = 0,
) -> Run:
    """Issue up to ``requests`` requests from ``concurrency`` clients, stopping after ``max_seconds``.
    A request counts as an error when the status is not 2xx or ``check`` returns a message."""
    for i in range(warmup):
        await request(client, -1 - i)
    run = Run(name=name, target=target, concurrency=concurrency)
    counter = iter(range(start, start + requests))
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker() -> None:
        for i in counter:
            if time.perf_counter() > deadline:
                return
            t0 = time.perf_counter()
            try:
                resp = await request(client, i)
            except httpx.HTTPError as exc:
                run.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            ms = (time.perf_counter() - t0) * 1000
            problem = None if resp.is_success else f"HTTP {resp.status_code}: {resp.text[:300]}"
            if problem is None and check is not None:
                problem = check(resp)
            if problem:
                run.errors.append(problem)
                continue
            run.latencies.append(ms)
            if keep_headers:
                run.headers.append({h: resp.headers.get(h, "") for h in keep_headers})

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.elapsed = time.perf_counter() - started
    return run


def graphql_check(resp: httpx.Response) -> str | None:
    body = resp.json()
    if body.get("errors"):
        return f"GraphQL errors: {str(body['errors'])[:300]}"
    return None
