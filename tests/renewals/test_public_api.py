"""plugins.renewals.api, what other plugins may use: reads for a caller (authorized like the graph's
fields), reads over a tenant (for jobs and demo data), and the event names."""

from __future__ import annotations

from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest

from core.app import principal_for_email
from core.errors import BadUserInput
from core.models import Tenant
from core.rls import EVERY_TENANT  # the test's own inspection: every tenant (core/rls.py)
from plugins.renewals import api as renewals_api
from tests.renewals.helpers import TODAY, load, renewal


@asynccontextmanager
async def context_of(api: Any, email: str) -> Any:
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:
        principal = await principal_for_email(api.state, session, email)
        tenant = await session.get(Tenant, principal.tenant_id)
        session.info["tenant_id"] = tenant.id
        yield await api.state.context_for(session, principal, tenant)


async def tenant_id(api: Any, key: str) -> int:
    return (await api.sql("select id from tenants where key = :k", k=key))[0][0]


async def test_a_renewal_s_view_only_for_those_who_may_view_it(two_tenants):
    api = two_tenants
    await load(api, renewal("V-1", 60), renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com"))
    async with context_of(api, "tech@acme.com") as ctx:
        view = await renewals_api.get_renewal(ctx, "V-1")
        assert await renewals_api.get_renewal(ctx, "G-1") is None  # another tenant's
    assert view is not None
    assert (view.support_number, view.list, view.status, view.locked) == ("V-1", "PENDING", "OPEN", False)
    assert (view.currency, view.amount, view.quote_to_email) == ("USD", Decimal("12000.00"), "tech@acme.com")
    assert [(x.product_family, x.amount) for x in view.lines] == [
        ("DATABASE", Decimal("8000.00")),
        ("DATABASE_ENTERPRISE_OPTIONS", Decimal("4000.00")),
    ]
    async with context_of(api, "fin@acme.com") as ctx:  # no relation to it
        assert await renewals_api.get_renewal(ctx, "V-1") is None


async def test_renewals_matching_pages_through_one_list_with_its_filters(two_tenants):
    api = two_tenants
    await load(
        api,
        *[renewal(f"M-{i}", 10 + i) for i in range(5)],
        renewal("F-1", 200),
        renewal("A-1", 40, autoRenew=True),
        renewal("O-1", 30, quote_to="fin@acme.com"),
    )
    async with context_of(api, "tech@acme.com") as ctx:
        first = await renewals_api.renewals_matching(ctx, first=3)
        second = await renewals_api.renewals_matching(ctx, first=3, after=first.next_cursor)
        future = await renewals_api.renewals_matching(ctx, "FUTURE")
        auto = await renewals_api.renewals_matching(ctx, auto_renew=True)
        with pytest.raises(BadUserInput):
            await renewals_api.renewals_matching(ctx, "SOMEDAY")
    numbers = [r.support_number for r in first.renewals + second.renewals]
    assert numbers == ["M-0", "M-1", "M-2", "M-3", "M-4", "A-1"]  # by start date; O-1 is fin's
    assert first.next_cursor and second.next_cursor is None
    assert [r.support_number for r in future.renewals] == ["F-1"] and future.renewals[0].list == "FUTURE"
    assert [r.support_number for r in auto.renewals] == ["A-1"]
    assert all(len(r.lines) == 2 for r in first.renewals)


async def test_counts_and_open_renewals_of_a_tenant_without_a_caller(two_tenants):
    api = two_tenants
    await load(
        api,
        renewal("P-1", 60),
        renewal("P-2", 90, quote_to="fin@acme.com"),
        renewal("F-1", 200),
        renewal("H-1", 60, status="ACCEPTED"),
        renewal("G-1", 60, tenant="globex", quote_to="tech@globex.com"),
    )
    acme = await tenant_id(api, "acme")
    async with api.state.sessionmaker(info=EVERY_TENANT) as session:  # not bound to a tenant, as in a job
        counts = await renewals_api.counts_by_list(session, acme, TODAY)
        numbers = await renewals_api.open_support_numbers(session, acme, "Tech@Acme.com")
    assert counts == {"PENDING": 2, "HISTORY": 1, "FUTURE": 1}
    assert numbers == ["P-1", "F-1"]


def test_event_names():
    assert renewals_api.RENEWAL_ACCEPTED == "renewal.accepted"
    assert {e.name for e in renewals_api.EVENTS} == {
        "renewal.accepted",
        "renewal.auto_renewed",
        "renewal.created",
        "renewal.imported",
        "renewal.changed",
    }
