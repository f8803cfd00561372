"""Who may redeem (R-W6): the cloud administrator authorises finance contacts, and a redeemer gives
the code they were emailed, locked out like a login after too many wrong ones."""

from __future__ import annotations

import hmac
import json
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.errors import BadUserInput, Forbidden, NotFound
from core.hookspecs import EMAIL, TENANT_ID, RoleCheck
from core.i18n import _
from core.models import AuditEntry, Person
from plugins.rewards.models import RewardCodeFailure, RewardRedeemer
from plugins.rewards.service.constants import (
    AUTHORIZE_REDEEMER,
    CODE_FAILURE_WINDOW,
    MAX_CODE_FAILURES_PER_ACCOUNT,
    MAX_CODE_FAILURES_PER_PERSON,
    OBJECT,
    REDEEMER_CONTACT_KIND,
    REDEEMER_ROLE,
)
from plugins.rewards.service.rules import hash_code, new_code, normalise_code


async def authorize_redeemer(ctx: Context, email: str) -> tuple[RewardRedeemer, str]:
    """R-W6: the cloud administrator (tenant ADMIN) names a finance contact as the rewards invoice
    recipient; a fresh redemption code is emailed to them (a new authorisation replaces the old code)."""
    tenant = ctx.require_tenant()
    ctx.require(OBJECT, AUTHORIZE_REDEEMER)
    email = (email or "").strip().lower()
    person = (
        await ctx.session.execute(select(Person).where(Person.email == email, Person.status != "REMOVED"))
    ).scalar_one_or_none()
    if person is None:
        raise NotFound(_("No such person in your organisation"), field="email")
    if REDEEMER_CONTACT_KIND not in person.role_names:
        raise BadUserInput(
            _(
                "{email} is not a finance contact; only the invoice recipient (finance contact) can redeem rewards",
                email=email,
            ),
            field="email",
        )
    code = new_code()
    row = (await ctx.session.execute(select(RewardRedeemer).where(RewardRedeemer.email == email))).scalar_one_or_none()
    if row is None:
        row = RewardRedeemer(tenant_id=tenant.id, email=email)
        ctx.session.add(row)
    row.code_hash = hash_code(tenant.id, email, code)
    row.authorized_by = ctx.principal.email
    row.authorized_at = ctx.now()
    row.revoked_at = None
    ctx.send_email(
        email,
        _("Your support rewards redemption code"),
        _(
            "{admin} authorised you to redeem the support rewards of {tenant} against invoices.\n\nYour redemption "
            "code: {code}\n\nKeep it private: you will be asked for it each time you redeem. A new authorisation "
            "replaces this code.",
            admin=ctx.principal.email,
            tenant=tenant.name,
            code=code,
        ),
        kind="rewards.redeemer_authorized",
    )
    await ctx.session.flush()
    return row, code


async def revoke_redeemer(ctx: Context, email: str) -> RewardRedeemer:
    """The cloud administrator withdraws an authorisation (R-W6): the redeemer's code stops working."""
    ctx.require_tenant()
    ctx.require(OBJECT, AUTHORIZE_REDEEMER)
    email = (email or "").strip().lower()
    row = (
        await ctx.session.execute(
            select(RewardRedeemer).where(RewardRedeemer.email == email, RewardRedeemer.revoked_at.is_(None))
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(_("That person is not an authorised rewards redeemer"), field="email")
    row.revoked_at = ctx.now()
    await ctx.session.flush()
    return row


async def list_redeemers(ctx: Context) -> list[RewardRedeemer]:
    """The finance contacts authorised now (R-W6), for the cloud administrator."""
    ctx.require_tenant()
    ctx.require(OBJECT, AUTHORIZE_REDEEMER)
    stmt = select(RewardRedeemer).where(RewardRedeemer.revoked_at.is_(None)).order_by(RewardRedeemer.email)
    return list((await ctx.session.execute(stmt)).scalars())


async def revoke_removed_redeemer(ctx: Context, email: str) -> None:
    """R-A3, R-W6: a removed person's redeemer authorisation ends with them; it is revoked (kept for
    the record, like an admin's revocation), so re-admitting them needs a new authorisation. No check
    of the caller: it runs on the person.removed event, after the removal was authorised."""
    rows = await ctx.session.execute(
        select(RewardRedeemer).where(
            RewardRedeemer.tenant_id == ctx.tenant_id,
            RewardRedeemer.email == email,
            RewardRedeemer.revoked_at.is_(None),
        )
    )
    for row in rows.scalars():
        row.revoked_at = ctx.now()
    await ctx.session.flush()


# cc_principal_roles: REWARDS_REDEEMER for an authorised, unrevoked recipient. The check runs
# outside the tenant filter, so the tenant is filtered explicitly.
AUTHORISED_REDEEMER = RoleCheck(
    REDEEMER_ROLE,
    select(RewardRedeemer.id).where(
        RewardRedeemer.tenant_id == TENANT_ID,
        RewardRedeemer.email == EMAIL,
        RewardRedeemer.revoked_at.is_(None),
    ),
)


async def check_code(ctx: Context, code: str | None) -> None:
    """R-W6: the redeemer must give the code they were emailed. A wrong code is FORBIDDEN and counted
    even though the request rolls back; at the limits (per person, per account) the redeemer is
    locked out for :data:`CODE_FAILURE_WINDOW` with ``reason`` REDEMPTION_LOCKED and an audit record."""
    if not code or not normalise_code(code) or len(code) > 64:
        raise BadUserInput(_("redemptionCode is required"), field="redemptionCode")
    tenant = ctx.require_tenant()
    if REDEEMER_CONTACT_KIND not in ctx.principal.roles:
        raise Forbidden(_("Only the authorised finance contact can redeem rewards"))
    tenant_id, email, now = tenant.id, ctx.principal.email, ctx.now()
    row = (
        await ctx.session.execute(
            select(RewardRedeemer).where(RewardRedeemer.email == email, RewardRedeemer.revoked_at.is_(None))
        )
    ).scalar_one_or_none()
    since = now - CODE_FAILURE_WINDOW
    person_since = max(since, row.authorized_at) if row is not None else since
    person_failures, account_failures = await _code_failures(ctx.session, tenant_id, email, person_since, since)
    if person_failures >= MAX_CODE_FAILURES_PER_PERSON or account_failures >= MAX_CODE_FAILURES_PER_ACCOUNT:
        raise Forbidden(
            _(
                "Too many wrong redemption codes; redeeming is locked for {value} minutes",
                value=int(CODE_FAILURE_WINDOW.total_seconds() // 60),
            ),
            reason="REDEMPTION_LOCKED",
            retryAfterSeconds=int(CODE_FAILURE_WINDOW.total_seconds()),
        )
    if row is None or not hmac.compare_digest(row.code_hash, hash_code(tenant_id, email, code)):
        person_after, account_after = person_failures + 1, account_failures + 1
        locked_scope = (
            "account"
            if account_after == MAX_CODE_FAILURES_PER_ACCOUNT
            else "person"
            if person_after == MAX_CODE_FAILURES_PER_PERSON
            else None
        )

        async def count_failure(session: AsyncSession) -> None:
            session.add(RewardCodeFailure(tenant_id=tenant_id, email=email, failed_at=now))
            if locked_scope:
                failures = account_after if locked_scope == "account" else person_after
                session.add(
                    AuditEntry(
                        tenant_id=tenant_id,
                        actor=email,
                        action="rewards.redemption_locked",
                        outcome="LOCKED",
                        detail=json.dumps({"scope": locked_scope, "failures": failures}),
                        created_at=now,
                    )
                )

        ctx.record_despite_rollback(count_failure)
        raise Forbidden(
            _("Wrong redemption code"),
            reason="WRONG_REDEMPTION_CODE",
            attempts_left=max(0, MAX_CODE_FAILURES_PER_PERSON - person_after),
        )


async def _code_failures(
    session: AsyncSession, tenant_id: int, email: str, person_since: datetime, since: datetime
) -> tuple[int, int]:
    """Wrong codes of this person since ``person_since`` and of the whole account since ``since``."""
    failures = select(func.count()).where(RewardCodeFailure.tenant_id == tenant_id)
    person = failures.where(RewardCodeFailure.email == email, RewardCodeFailure.failed_at >= person_since)
    account = failures.where(RewardCodeFailure.failed_at >= since)
    found = (await session.execute(select(person.scalar_subquery(), account.scalar_subquery()))).one()
    return int(found[0]), int(found[1])
