"""Idempotency keys for money mutations (Stripe-style): replaying a key returns the first response.

A key belongs to the principal who sent it, within their acting tenant: clients choose keys, so two
people of one tenant may send the same one, and neither may be answered with the other's payment.

On PostgreSQL a transaction-scoped advisory lock on (tenant, principal, scope, key) makes concurrent
repeats wait for the first one and then replay it; SQLite serialises mutations in-process anyway.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select, text

from core.context import Context
from core.db import is_postgres
from core.errors import BadUserInput, Conflict
from core.i18n import _
from core.models import IdempotencyRecord

MAX_KEY = 200


async def idempotent(
    ctx: Context, scope: str, key: str | None, request: Any, run: Callable[[], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """Run ``run`` once per (tenant, principal, scope, key). ``request`` is the mutation's input
    (JSON-able); the same principal reusing a key with a different request is a CONFLICT. ``run``
    returns a JSON-able dict."""
    if key is None:
        return await run()
    if not key.strip() or len(key) > MAX_KEY:
        raise BadUserInput(
            _("idempotencyKey must be 1 to {MAX_KEY} characters", MAX_KEY=MAX_KEY), field="idempotencyKey"
        )
    principal = ctx.principal.email
    digest = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    if is_postgres(ctx.session):
        lock = int.from_bytes(
            hashlib.sha256(json.dumps([ctx.tenant_id, principal, scope, key]).encode()).digest()[:8],
            "big",
            signed=True,
        )
        await ctx.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock})
    found = (
        await ctx.session.execute(
            select(IdempotencyRecord).where(
                IdempotencyRecord.tenant_id == ctx.tenant_id,
                IdempotencyRecord.principal == principal,
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
            )
        )
    ).scalar_one_or_none()
    if found is not None:
        if found.request_hash != digest:
            raise Conflict(_("This idempotency key was already used with a different request"), field="idempotencyKey")
        return found.response
    response = await run()
    ctx.session.add(
        IdempotencyRecord(
            tenant_id=ctx.tenant_id,
            principal=principal,
            scope=scope,
            key=key,
            request_hash=digest,
            response=response,
            created_at=ctx.now(),
        )
    )
    await ctx.session.flush()
    return response
