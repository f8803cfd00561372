"""Hand-written SQL for the plugin workloads of the baseline (bench/baseline.py)."""

from __future__ import annotations

from typing import Any

ROUTES: dict[str, Any] = {}
