"""Rewards rules as pure functions (SPEC §4): thresholds at every boundary plus a property test of
the ledger (balance = deposited − redeemed − expired, never negative, earliest expiry first)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import BadUserInput
from plugins.rewards import service as s

D = Decimal


@dataclass
class Acct:
    on_premises: bool = True
    pay_as_you_go: bool = False
    ula: bool = False
    region: str = "US"
    sector: str = "COMMERCIAL"
    order_number: str | None = "UC-1"
    service_start: date | None = date(2026, 1, 1)
    service_end: date | None = None


@dataclass
class Line:
    category: str = "SUPPORT_RENEWAL"
    program: str = "TECHNOLOGY"
    product_family: str = "DATABASE"
    bundles_license: bool = False
    pre_tax_amount: Decimal = D("100.00")
    tax_amount: Decimal = D("10.00")


@dataclass
class Inv:
    lines: tuple
    balance: Decimal
    paid_by_method: dict
    status: str = "OPEN"
    pending: Decimal = Decimal(0)

    @property
    def payable(self) -> Decimal:
        return max(self.balance - self.pending, Decimal(0))


EXCL = s.load_exclusions()


def test_eligibility_r_w1():
    assert s.ineligibility_reasons(Acct(), EXCL) == []
    assert s.ineligibility_reasons(None, EXCL)
    assert s.ineligibility_reasons(Acct(on_premises=False), EXCL)
    assert s.ineligibility_reasons(Acct(pay_as_you_go=True), EXCL)
    assert s.ineligibility_reasons(Acct(order_number=None), EXCL)
    assert s.ineligibility_reasons(Acct(service_start=None), EXCL)
    assert "region CN" in s.ineligibility_reasons(Acct(region="CN"), EXCL)[0]
    assert s.ineligibility_reasons(Acct(region="cn"), EXCL)
    assert s.ineligibility_reasons(Acct(region="HK"), EXCL) == []
    assert s.ineligibility_reasons(Acct(sector="US_FEDERAL"), EXCL)
    assert s.ineligibility_reasons(Acct(sector="PUBLIC_SECTOR"), EXCL) == []  # only US federal is excluded


def test_exclusions_are_data(tmp_path):
    f = tmp_path / "x.json"
    f.write_text('{"regions": ["FR"], "sectors": []}')
    excl = s.load_exclusions(f)
    assert s.ineligibility_reasons(Acct(region="FR"), excl)
    assert s.ineligibility_reasons(Acct(region="CN"), excl) == []


def test_rate_r_w2_and_no_cap_r_w3():
    assert s.accrual_rate(True) == D("0.33") and s.accrual_rate(False) == D("0.25")
    assert s.reward_for(D("1000.00"), ula=False) == D("250.00")
    assert s.reward_for(D("1000.00"), ula=True) == D("330.00")
    assert s.reward_for(D("0.02"), ula=False) == D("0.01")  # 0.005 rounds half up
    assert s.reward_for(D("0.01"), ula=False) == D("0.00")
    assert s.reward_for(D("987654321.00"), ula=True) == D("325925925.93")  # no cap


def test_consumption_is_price_times_quantity_rounded_once():
    assert s.consumption_of([(D("0.333333"), D("3")), (D("0.333333"), D("3"))]) == D("2.00")
    assert s.consumption_of([]) == D("0.00")


def test_usage_counts_r_w3_r_w4():
    start, end = date(2026, 1, 10), date(2027, 1, 9)
    assert s.usage_counts("IAAS", date(2026, 1, 10), start, end)
    assert s.usage_counts("PAAS", date(2027, 1, 9), start, end)
    assert not s.usage_counts("IAAS", date(2026, 1, 9), start, end)  # before the order is active
    assert not s.usage_counts("IAAS", date(2027, 1, 10), start, end)  # after the service period
    assert not s.usage_counts("SAAS", date(2026, 2, 1), start, end)
    assert not s.usage_counts("THIRD_PARTY", date(2026, 2, 1), start, end)
    assert not s.usage_counts("IAAS", date(2026, 2, 1), None, None)
    assert s.usage_counts("IAAS", date(2030, 2, 1), start, None)


def test_months():
    assert s.previous_month(date(2026, 2, 1)) == date(2026, 1, 1)
    assert s.previous_month(date(2026, 1, 31)) == date(2025, 12, 1)
    assert s.previous_month(date(2026, 3, 31)) == date(2026, 2, 1)
    assert s.month_end(date(2028, 2, 3)) == date(2028, 2, 29)


def test_expiry_r_w5():
    assert s.expiry_date(date(2026, 1, 31)) == date(2027, 1, 31)
    assert s.is_usable(date(2027, 1, 31), date(2027, 1, 30))  # the day before: still usable
    assert not s.is_usable(date(2027, 1, 31), date(2027, 1, 31))  # the day of expiry: gone
    assert s.expiry_date(date(2028, 2, 29)) == date(2029, 2, 28)
    assert s.expiry_date(date(2026, 11, 30)) == date(2027, 11, 30)


def test_allocate_earliest_expiry_first_r_w8():
    lots = [
        s.LotState(1, date(2027, 3, 31), D("50")),
        s.LotState(2, date(2027, 1, 31), D("30")),
        s.LotState(3, date(2027, 1, 31), D("20")),
        s.LotState(4, date(2026, 12, 31), D("99")),  # expired on the day of redemption below
    ]
    taken = s.allocate(lots, D("60"), date(2026, 12, 31))
    assert taken == [(2, D("30")), (3, D("20")), (1, D("10"))]
    assert [lot.remaining for lot in lots] == [D("40"), D("0"), D("0"), D("99")]
    with pytest.raises(BadUserInput):
        s.allocate(lots, D("40.01"), date(2026, 12, 31))
    assert lots[0].remaining == D("40")  # nothing taken on failure
    with pytest.raises(BadUserInput):
        s.allocate(lots, D("0"), date(2026, 12, 31))


def test_invoice_cap_r_w7():
    eligible = Line(pre_tax_amount=D("1000.00"), tax_amount=D("100.00"))
    others = (
        Line(bundles_license=True, pre_tax_amount=D("500.00")),
        Line(product_family="LINUX", pre_tax_amount=D("400.00")),
        Line(program="APPLICATIONS", pre_tax_amount=D("300.00")),
        Line(category="SUBSCRIPTION", pre_tax_amount=D("200.00")),
    )
    inv = Inv(lines=(eligible, *others), balance=D("2640.00"), paid_by_method={})
    assert s.invoice_cap(inv) == D("1000.00")  # pre-tax of the eligible line only, never its tax
    inv = Inv(lines=(eligible,), balance=D("1100.00"), paid_by_method={"REWARDS": D("999.99")})
    assert s.invoice_cap(inv) == D("0.01")
    inv = Inv(lines=(eligible,), balance=D("100.00"), paid_by_method={"REWARDS": D("1000.00")})
    assert s.invoice_cap(inv) == D("0.00")  # the remaining 100 is tax
    inv = Inv(lines=(eligible,), balance=D("50.00"), paid_by_method={"CARD": D("1050.00")})
    assert s.invoice_cap(inv) == D("50.00")  # never more than the balance due
    inv = Inv(lines=(eligible,), balance=D("1100.00"), paid_by_method={}, pending=D("600.00"))
    assert s.invoice_cap(inv) == D("500.00")  # a wire on its way leaves only the rest payable
    inv = Inv(lines=(eligible,), balance=D("1100.00"), paid_by_method={}, pending=D("1100.00"))
    assert s.invoice_cap(inv) == D("0.00")
    assert s.invoice_cap(Inv(lines=(eligible,), balance=D("0"), paid_by_method={}, status="CLOSED")) == D("0")


def test_codes_are_hashed_and_normalised():
    code = s.new_code()
    assert len(code) == 14 and code.count("-") == 2
    h = s.hash_code(1, "fin@acme.com", code)
    assert h == s.hash_code(1, "FIN@acme.com", code.lower().replace("-", " "))
    assert h != s.hash_code(2, "fin@acme.com", code)
    assert code not in h


# ------------------------------------------------------------------------- property-based ledger
START = date(2026, 1, 31)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("accrue"), st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)),
        st.tuples(st.just("redeem"), st.decimals(min_value=D("0.01"), max_value=D("8000"), places=2)),
        st.tuples(st.just("advance"), st.integers(min_value=1, max_value=200)),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_ledger_invariants(sequence):
    lots: list[s.LotState] = []
    today = START
    deposited = redeemed = expired = D(0)
    for op, arg in sequence:
        if op == "accrue":
            lots.append(s.LotState(len(lots) + 1, s.expiry_date(today), arg))
            deposited += arg
        elif op == "advance":
            today += timedelta(days=arg)
            expired += sum((amt for _, amt in s.expire(lots, today)), D(0))
        else:
            usable_before = sorted(
                (lot for lot in lots if s.is_usable(lot.expires_on, today) and lot.remaining > 0),
                key=lambda lot: (lot.expires_on, lot.id),
            )
            snapshot = {lot.id: lot.remaining for lot in lots}
            try:
                taken = s.allocate(lots, arg, today)
            except BadUserInput:
                assert arg > sum((lot.remaining for lot in usable_before), D(0))
                assert snapshot == {lot.id: lot.remaining for lot in lots}
                continue
            redeemed += arg
            assert sum((t for _, t in taken), D(0)) == arg
            # earliest expiry first: every lot taken from before the last one is emptied
            order = [lot.id for lot in usable_before]
            assert [lid for lid, _ in taken] == order[: len(taken)]
            assert all(snapshot[lid] == t for lid, t in taken[:-1])
        balance = sum((lot.remaining for lot in lots), D(0))
        assert balance == deposited - redeemed - expired
        assert all(lot.remaining >= 0 for lot in lots)
