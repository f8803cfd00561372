"""Invoicing jobs (idempotent: every unit is claimed once with ``claim_once`` and every invoice carries a
unique source key, so running a job twice issues nothing twice)."""

from __future__ import annotations

from collections import defaultdict
from contextlib import AbstractAsyncContextManager
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core.db import tenant_session
from core.hookspecs import Job
from core.jobs import JobContext, claim_once
from plugins.invoicing import service as svc
from plugins.invoicing.gateway import get_gateway
from plugins.invoicing.models import Subscription, SubscriptionProduct, UsageRecord

PLUGIN = "invoicing"


async def issue_invoices(ctx: JobContext) -> int:
    """R-I6…R-I13: issue every billing-schedule invoice whose bill date has come, and last month's
    overage / bursting / pay-as-you-go usage invoices (R-I11, R-I12)."""
    issued = 0
    today = ctx.clock.today()
    now = ctx.clock.now()
    for tenant in await ctx.tenants_with(PLUGIN):
        async with tenant_session(ctx.sessionmaker, tenant.id) as session:
            subs = (
                await session.execute(
                    select(Subscription).options(selectinload(Subscription.products)).order_by(Subscription.id)
                )
            ).scalars()
            for sub in list(subs):
                entries = svc.build_schedule(
                    sub.start_date, sub.end_date, sub.frequency, svc.billables(sub), sub.currency
                )
                for group, items in sorted(svc.group_entries(entries).items()):
                    if group[0] > today:
                        continue
                    key = svc.schedule_key(sub, group)
                    if not await claim_once(session, "invoicing.issue_invoices", f"{tenant.id}:{key}", tenant.id, now):
                        continue
                    await svc.create_invoice(
                        session,
                        svc.InvoiceSpec(
                            currency=sub.currency,
                            country=sub.country,
                            invoice_date=today,
                            billing_email=sub.billing_email or (await svc.account_contacts(session))[0],
                            cc_emails=(await svc.account_contacts(session))[1],
                            lines=[
                                svc.LineSpec(
                                    product=e.product.product,
                                    pre_tax_amount=e.amount,
                                    category=e.product.category,
                                    program=e.product.program,
                                    product_family=e.product.product_family,
                                    bundles_license=e.product.bundles_license,
                                    description=f"{sub.number} {e.period_start.isoformat()}–{e.period_end.isoformat()}",
                                    period_start=e.period_start,
                                    period_end=e.period_end,
                                )
                                for e in items
                            ],
                            order_number=items[0].product.order_number
                            if len({e.product.order_number for e in items}) == 1
                            else None,
                            po_number=group[2] or None,
                            order_payment_method=group[1],
                            source="SCHEDULE",
                            source_key=key,
                            subscription_id=sub.id,
                            period_start=min(e.period_start for e in items),
                            period_end=max(e.period_end for e in items),
                        ),
                        now,
                        tenant.id,
                    )
                    issued += 1
                issued += await _usage_invoices(session, tenant.id, sub, today, now)
    return issued


async def _usage_invoices(session, tenant_id: int, sub: Subscription, today: date, now) -> int:  # noqa: ANN001
    """Monthly in arrears: one usage invoice per subscription and ended month with chargeable usage."""
    month_start = today.replace(day=1)
    products = {p.id: p for p in sub.products}
    if not products:
        return 0
    rows = (
        await session.execute(
            select(UsageRecord)
            .where(UsageRecord.product_id.in_(list(products)))
            .order_by(UsageRecord.product_id, UsageRecord.hour)
        )
    ).scalars()
    by_month: dict[date, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for u in rows:
        m = u.hour.date().replace(day=1)
        if m < month_start:
            by_month[m][u.product_id].append((u.hour, u.quantity))
    issued = 0
    for month, per_product in sorted(by_month.items()):
        key = f"usage:{sub.number}:{month.isoformat()[:7]}"
        lines: list[svc.LineSpec] = []
        for pid, hours in sorted(per_product.items()):
            p: SubscriptionProduct = products[pid]
            burst, payg, amount = svc.usage_charge(
                hours, p.subscribed_quantity, p.hourly_price, sub.end_date, sub.is_cloud, sub.currency
            )
            if amount <= 0:
                continue
            what = []
            if burst:
                what.append(f"{burst.normalize()} unit-hours above the subscribed {p.subscribed_quantity.normalize()}")
            if payg:
                what.append(f"{payg.normalize()} unit-hours pay-as-you-go after the term")
            lines.append(
                svc.LineSpec(
                    product=p.product,
                    pre_tax_amount=amount,
                    category="CLOUD_USAGE",
                    program=p.program,
                    product_family=p.product_family,
                    quantity=burst + payg,
                    description=f"{month.isoformat()[:7]}: " + "; ".join(what) + f" at {p.hourly_price.normalize()}/h",
                    period_start=month,
                    period_end=svc.add_months(month, 1) - timedelta(days=1),
                )
            )
        if not lines or not await claim_once(session, "invoicing.issue_invoices", f"{tenant_id}:{key}", tenant_id, now):
            continue
        billing_email, contacts = await svc.account_contacts(session)
        await svc.create_invoice(
            session,
            svc.InvoiceSpec(
                currency=sub.currency,
                country=sub.country,
                invoice_date=today,
                billing_email=sub.billing_email or billing_email,
                cc_emails=contacts,
                lines=lines,
                source="USAGE",
                source_key=key,
                subscription_id=sub.id,
                period_start=month,
                period_end=lines[0].period_end,
            ),
            now,
            tenant_id,
        )
        issued += 1
    return issued


async def wire_settlement(ctx: JobContext) -> int:
    """R-I17: wire notices not matched by a receipt by their expected closing day become OVERDUE. The
    calendar never closes an invoice: only a recorded or imported receipt does (service.record_receipt).
    (The job keeps its name so existing schedules still run it.)"""
    done = 0
    for tenant in await ctx.tenants_with(PLUGIN):
        async with tenant_session(ctx.sessionmaker, tenant.id) as session:
            done += await svc.mark_overdue_notices(session, ctx.clock.today(), ctx.clock.now())
    return done


async def reconcile_card_payments(ctx: JobContext) -> int:
    """Card payment intents left PENDING by a crash or a gateway fault are settled from the gateway's
    record of their idempotency key: charged → recorded and applied; never received → cancelled."""
    gateway = get_gateway(ctx.state)
    done = 0
    for tenant in await ctx.tenants_with(PLUGIN):

        def begin(tid: int = tenant.id) -> AbstractAsyncContextManager[AsyncSession]:
            return tenant_session(ctx.sessionmaker, tid)

        done += await svc.reconcile_card_intents(begin, gateway, ctx.clock.now())
    return done


JOBS = [
    Job("invoicing.issue_invoices", issue_invoices, "Issue due billing-schedule and usage invoices (R-I6…R-I13)"),
    Job(
        "invoicing.wire_settlement",
        wire_settlement,
        "Mark wire notices OVERDUE when no receipt came by their expected day; never closes an invoice (R-I17)",
    ),
    Job(
        "invoicing.reconcile_card_payments",
        reconcile_card_payments,
        "Settle card payment intents left pending, from the gateway's record of their key",
        dated=False,  # asks the gateway about now, not about a date
    ),
]
