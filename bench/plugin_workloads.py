"""Workloads over the plugins' graph (dashboard, deep page, pay invoice, export)."""

from __future__ import annotations

from typing import Any


def build(ds: Any, tokens: Any) -> list[Any]:
    return []


def goals(results: dict[str, Any]) -> dict[str, Any]:
    return {}
