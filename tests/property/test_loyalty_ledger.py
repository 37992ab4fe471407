"""The points ledger as a hypothesis state machine, on SQLite and PostgreSQL.

Random earns (some backdated, so lots expire on different days), redemptions, adjustments,
reversals, the passing of time and expiry runs; after every step: the balance is the sum of the
entries and never negative, the stored balance and lots agree with the entries (``verify``).
Redemptions must take the soonest-expiring lots first (worked out here independently), expiry
must take exactly the lots past their date, a reversal takes back only what is left of its
earn, and reversing an earn at once restores the state before it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

import globalcrm as gc
from globalcrm.loyalty import EarningRule, Program
from globalcrm.loyalty_ledger import Lot, PointsEntry
from globalcrm.money import money
from tests.storage.conftest import PG_URL, _postgres, clean_postgres

T0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
PROGRAM = Program(
    code="default", currency="EUR", time_zone="Europe/Riga", expire_after_days=30,
    earning=EarningRule(channel_multipliers={"in_app": 2}),
)


def _lot_state(lots: list[Lot]) -> dict[str, int]:
    return {lot.entry_id: lot.remaining for lot in lots}


def _use_order(lot: Lot) -> tuple[Any, ...]:
    """The spec: soonest expiry first, never-expiring last, then in the order recorded."""
    return (lot.expires_at is None, lot.expires_at or dt.datetime.max.replace(tzinfo=dt.UTC),
            lot.entry_id)


class Ledger(RuleBasedStateMachine):
    """One member's ledger, driven at random."""

    crm: gc.CRM
    earns = Bundle("earns")
    redemptions = Bundle("redemptions")

    def __init__(self) -> None:
        super().__init__()
        self.now = T0

    @initialize()
    def enrol(self) -> None:
        customer = self.crm.customers.add(
            gc.Customer(name=gc.PersonName(given="Līga", locale="lv"), country="LV",
                        language="lv", time_zone="Europe/Riga", currency="EUR")
        )
        self.crm.loyalty.save_program(PROGRAM, now=self.now)
        self.account = self.crm.loyalty.enroll(customer, now=self.now).id

    # ----------------------------------------------------------------- reads

    def balance(self) -> int:
        return self.crm.loyalty.balance(self.account, at=self.now)

    def lots(self) -> list[Lot]:
        return self.crm.loyalty.lots(self.account, now=self.now)

    def entries(self) -> list[PointsEntry]:
        return list(self.crm.loyalty.statement(self.account, limit=1000))

    # ----------------------------------------------------------------- steps

    @rule(
        target=earns,
        cents=st.integers(min_value=1, max_value=50_000),
        days_ago=st.integers(min_value=0, max_value=45),
        channel=st.sampled_from(["in_app", "email", "in_person"]),
    )
    def earn(self, cents: int, days_ago: int, channel: str) -> PointsEntry:
        return self.crm.loyalty.earn(
            self.account, amount=money(Decimal(cents).scaleb(-2), "EUR"), channel=channel,
            occurred_at=self.now - dt.timedelta(days=days_ago), now=self.now,
        )

    @rule(target=redemptions, share=st.floats(min_value=0.01, max_value=1.2))
    def redeem(self, share: float) -> PointsEntry | None:
        self.crm.loyalty.expire(now=self.now)  # judge the order on live lots only
        balance = self.balance()
        wanted = max(1, int(balance * share))
        before = self.lots()
        if wanted > balance:
            with pytest.raises(gc.RuleViolation):
                self.crm.loyalty.redeem(self.account, points=wanted, now=self.now)
            assert self.balance() == balance
            return None
        entry = self.crm.loyalty.redeem(self.account, points=wanted, now=self.now)
        expected = _lot_state(before)
        left = wanted
        for lot in sorted(before, key=_use_order):
            take = min(left, lot.remaining)
            expected[lot.entry_id] -= take
            left -= take
        assert {k: v for k, v in expected.items() if v} == _lot_state(self.lots())
        assert self.balance() == balance - wanted
        return entry

    @rule(points=st.integers(min_value=-300, max_value=300).filter(bool))
    def adjust(self, points: int) -> None:
        balance = self.balance()
        if -points > balance:
            with pytest.raises(gc.RuleViolation):
                self.crm.loyalty.adjust(self.account, points=points, reason="test", now=self.now)
            return
        self.crm.loyalty.adjust(self.account, points=points, reason="test", now=self.now)
        assert self.balance() == balance + points

    @rule(entry=consumes(earns), part=st.sampled_from([None, 1, 2]))
    def reverse_earn(self, entry: PointsEntry, part: int | None) -> None:
        balance = self.balance()
        own = _lot_state(self.lots()).get(entry.id, 0)
        points = None if part is None or entry.points < 3 else entry.points // (part + 1)
        if entry.points == 0 and points is None:
            reversal = self.crm.loyalty.reverse(entry, now=self.now)
            assert reversal.points == 0
            return
        wanted = entry.points if points is None else points
        reversal = self.crm.loyalty.reverse(entry, points=points, now=self.now)
        taken = -reversal.points
        assert taken + reversal.shortfall == wanted
        assert taken == min(wanted, own)  # what is left of the earn's lot, nothing else
        assert self.balance() == balance - taken

    @rule(entry=consumes(redemptions))
    def reverse_redemption(self, entry: PointsEntry | None) -> None:
        if entry is None:
            return
        balance = self.balance()
        reversal = self.crm.loyalty.reverse(entry, now=self.now)
        assert reversal.points + reversal.shortfall == -entry.points
        assert self.balance() == balance + reversal.points

    @rule(
        cents=st.integers(min_value=1, max_value=50_000),
        days_ago=st.integers(min_value=0, max_value=45),
    )
    def earn_then_reverse_restores_the_state(self, cents: int, days_ago: int) -> None:
        before = (self.balance(), _lot_state(self.lots()))
        entry = self.crm.loyalty.earn(
            self.account, amount=money(Decimal(cents).scaleb(-2), "EUR"), channel="email",
            occurred_at=self.now - dt.timedelta(days=days_ago), now=self.now,
        )
        self.crm.loyalty.reverse(entry, now=self.now)
        assert (self.balance(), _lot_state(self.lots())) == before

    @rule(days=st.integers(min_value=1, max_value=20))
    def time_passes(self, days: int) -> None:
        self.now += dt.timedelta(days=days)

    @rule()
    def expire(self) -> None:
        balance = self.balance()
        stored = self.crm.loyalty.account(self.account).balance
        report = self.crm.loyalty.expire(now=self.now)
        assert self.crm.loyalty.account(self.account).balance == stored - report.points
        assert self.balance() == balance  # the balance already left out expired lots
        open_lots = self.crm.loyalty.lots(self.account, now=dt.datetime.min.replace(
            tzinfo=dt.UTC))
        assert all(lot.expires_at is None or lot.expires_at > self.now for lot in open_lots)

    # ----------------------------------------------------------------- invariants

    @invariant()
    def balance_is_the_sum_of_the_entries_and_never_negative(self) -> None:
        if not hasattr(self, "account"):
            return
        entries = self.entries()
        stored = self.crm.loyalty.account(self.account).balance
        assert stored == sum(entry.points for entry in entries) >= 0
        assert self.balance() >= 0
        check = self.crm.loyalty.verify(self.account)
        assert check.ok, check.problems


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_ledger_state_machine(backend: str) -> None:
    if backend == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL not configured: set GLOBALCRM_TEST_DATABASE_URL")

    class Machine(Ledger):
        def __init__(self) -> None:
            if backend == "sqlite":
                self.crm = gc.open("sqlite://")
            else:
                self.crm = _postgres()
                clean_postgres(self.crm)
            super().__init__()

        def teardown(self) -> None:
            if backend == "sqlite":
                self.crm.close()

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=20 if backend == "sqlite" else 8,
            stateful_step_count=20,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            deadline=None,
        ),
    )
