"""The rewards import sections' rules at their thresholds (docs/import/rewards.md): the item models
(core.importing's field types) and the checks across fields and items, each error naming its path."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.errors import BadUserInput
from core.importing import CURRENCY_HINT, DECIMAL_HINT
from plugins.rewards.importer import validate_accounts, validate_usage
from tests.conftest import ACME
from tests.rewards.test_api import account, usage

TENANTS = {"acme", "globex"}
DATE = "an ISO date (YYYY-MM-DD)"
PLACES = "at most 6 decimals and 12 integer digits"


def accounts(*items) -> list[str]:
    return validate_accounts(list(items), TENANTS)


def usages(*items) -> list[str]:
    return validate_usage(list(items), TENANTS)


def test_the_helper_items_are_valid():
    assert accounts(account("acme"), account("globex", currency="EUR", region="de", sector="public_sector")) == []
    assert usages(usage("acme", "2026-01-01"), usage("globex", "2026-01-01")) == []


def test_account_fields():
    bare = {"tenant": "acme"}
    assert accounts(bare) == []  # everything else has a default (no order: nothing accrues)
    assert accounts({}) == ["rewardAccounts[0].tenant: required"]
    assert accounts(account("nope")) == ["rewardAccounts[0].tenant: unknown tenant 'nope'"]
    assert accounts(account("acme"), account("acme")) == [
        "rewardAccounts[1].tenant: a tenant has one rewards account; 'acme' appears twice"
    ]
    (currency,) = accounts(account("acme", currency="XXX"))
    assert currency == "rewardAccounts[0].currency: " + CURRENCY_HINT + ", not 'XXX'"
    assert accounts(account("acme", currency=None))[0].startswith("rewardAccounts[0].currency: an active ISO 4217")
    for flag in ("onPremises", "payAsYouGo", "ula"):
        assert [e.split(":")[0] for e in accounts(account("acme", **{flag: "yes"}))] == [f"rewardAccounts[0].{flag}"]
    assert accounts(account("acme", region="China")) == ["rewardAccounts[0].region: two-letter ISO country code"]
    assert accounts(account("acme", region=None, sector=None)) == []
    assert accounts(account("acme", sector="S" * 33)) == ["rewardAccounts[0].sector: longer than 32 characters"]
    assert accounts(account("acme", sector=" ")) == ["rewardAccounts[0].sector: must be a non-empty string"]
    long_order = account("acme", orderNumber="O" * 65)
    assert accounts(long_order) == ["rewardAccounts[0].orderNumber: longer than 64 characters"]
    assert accounts(account("acme", colour="red")) == []  # unknown keys are ignored


def test_account_service_period():
    assert accounts(account("acme", serviceStart="2026-02-30")) == [f"rewardAccounts[0].serviceStart: {DATE}"]
    assert accounts(account("acme", serviceEnd=20270109)) == [f"rewardAccounts[0].serviceEnd: {DATE}"]
    assert accounts(account("acme", serviceEnd=None)) == []
    assert accounts(account("acme", serviceStart="2026-01-10", serviceEnd="2026-01-10")) == []
    assert accounts(account("acme", serviceStart="2026-01-10", serviceEnd="2026-01-09")) == [
        "rewardAccounts[0].serviceEnd: before serviceStart"
    ]
    pairing = "rewardAccounts[0].serviceStart: orderNumber and serviceStart go together (the universal-credits order)"
    assert accounts(account("acme", serviceStart=None)) == [pairing]
    assert accounts(account("acme", orderNumber=None)) == [pairing]
    assert accounts(account("acme", orderNumber=None, serviceStart=None, serviceEnd=None)) == []


@pytest.mark.parametrize("value", ["0", "0.000001", "999999999999.999999", 3, Decimal("0.336"), 0.336, "1E+3"])
def test_usage_prices_and_quantities_read_as_exact_decimals(value):
    assert usages(usage("acme", "2026-01-01", price=value, qty=value)) == []


@pytest.mark.parametrize("value", ["abc", "", True, None, [1], "NaN", "1e400"])
def test_a_usage_price_or_quantity_that_is_not_a_decimal(value):
    assert usages(usage("acme", "2026-01-01", price=value, qty=value)) == [
        f"cloudUsage[0].unitNetPrice: {DECIMAL_HINT}",
        f"cloudUsage[0].quantity: {DECIMAL_HINT}",
    ]


def test_usage_prices_and_quantities_at_their_thresholds():
    assert usages(usage("acme", "2026-01-01", price="-0.000001")) == [
        "cloudUsage[0].unitNetPrice: must not be negative"
    ]
    assert usages(usage("acme", "2026-01-01", qty="1.0000001")) == [f"cloudUsage[0].quantity: {PLACES}"]
    assert usages(usage("acme", "2026-01-01", price="1000000000000")) == [f"cloudUsage[0].unitNetPrice: {PLACES}"]


def test_usage_fields():
    item = usage("acme", "2026-01-01")
    for key in ("tenant", "subscription", "date", "service", "category", "unitNetPrice", "quantity"):
        bad = dict(item)
        del bad[key]
        assert usages(bad) == [f"cloudUsage[0].{key}: required"], key
    assert usages(usage("nope", "2026-01-01")) == ["cloudUsage[0].tenant: unknown tenant 'nope'"]
    assert usages(usage("acme", "2026-13-01")) == [f"cloudUsage[0].date: {DATE}"]
    assert usages(usage("acme", "2026-01-01", category="CLOUD")) == [
        "cloudUsage[0].category: one of ['IAAS', 'PAAS', 'SAAS', 'THIRD_PARTY']"
    ]
    assert usages(usage("acme", "2026-01-01", subscription="s" * 65)) == [
        "cloudUsage[0].subscription: longer than 64 characters"
    ]
    assert usages(usage("acme", "2026-01-01", service=" ")) == ["cloudUsage[0].service: must be a non-empty string"]
    assert [e.split(":")[0] for e in usages(usage("acme", "2026-01-01", overage="no"))] == ["cloudUsage[0].overage"]
    assert usages(usage("acme", "2026-01-01", overage=True, colour="red")) == []


def test_usage_natural_key_is_unique():
    a = usage("acme", "2026-01-01")
    assert usages(a, usage("acme", "2026-01-01", service="Other"), usage("globex", "2026-01-01")) == []
    assert usages(a, dict(a, quantity="5")) == ["cloudUsage[1]: duplicate usage for subscription, date and service"]


def test_section_shape():
    assert validate_accounts({"tenant": "acme"}, TENANTS) == ["rewardAccounts: must be a list"]
    assert validate_usage("usage", TENANTS) == ["cloudUsage: must be a list"]
    assert usages(None) == ["cloudUsage[0]: must be an object"]


async def test_a_fault_rejects_the_document_through_the_importer(api):
    doc = {
        "tenants": [ACME],
        "rewardAccounts": [account("acme")],
        "cloudUsage": [usage("acme", "2026-01-01"), usage("acme", "2026-01-02", price="0.0000001")],
    }
    with pytest.raises(BadUserInput) as exc:
        await api.load(doc)
    assert exc.value.extensions["errors"] == [f"cloudUsage[1].unitNetPrice: {PLACES}"]
    assert await api.sql("select count(*) from tenants") == [(0,)]


async def test_apply_reads_the_validated_items(api):
    doc = {
        "tenants": [ACME],
        "rewardAccounts": [account("acme", region="gb", serviceEnd=None)],
        "cloudUsage": [usage("acme", "2026-01-05", price=0.03, qty=20000, overage=True)],
    }
    for _ in range(2):
        await api.load(doc)
    ((region, sector, start, end),) = await api.sql(
        "select region, sector, service_start, service_end from rewards_accounts"
    )
    assert (region, sector, str(start), end) == ("GB", "COMMERCIAL", "2026-01-10", None)
    ((day, price, qty, overage),) = await api.sql(
        "select usage_date, unit_net_price, quantity, overage from rewards_cloud_usage"
    )
    assert (str(day), Decimal(str(price)), Decimal(str(qty)), bool(overage)) == (
        str(date(2026, 1, 5)),
        Decimal("0.03"),
        Decimal(20000),
        True,
    )
