"""Junk into every public loyalty function and method: only GlobalCRMError may come out.

Also: no personal value (an adjustment's reason, a reference) in a repr or an error message.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import globalcrm as gc
from globalcrm import loyalty, loyalty_ledger, loyalty_tiers
from globalcrm.money import money
from tests.robustness.test_foundation_junk import JUNK, outcome

T0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
PROGRAM = loyalty.Program(currency="EUR", time_zone="Europe/Vilnius")


@pytest.fixture(scope="module")
def member(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[gc.CRM, str]]:
    store = gc.open(f"sqlite:///{tmp_path_factory.mktemp('junk') / 'loyalty.db'}")
    customer = store.customers.add(gc.Customer(
        name=gc.PersonName(given="Jonas", locale="lt"), country="LT", language="lt",
        time_zone="Europe/Vilnius", currency="EUR"))
    account = store.loyalty.enroll(customer, now=T0)
    store.loyalty.earn(account, amount=money("100", "EUR"), channel="email", now=T0)
    yield store, account.id
    store.close()


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_domain_functions(junk: Any) -> None:
    calls: list[Callable[[], object]] = [
        lambda: loyalty.Program(currency=junk, time_zone="UTC"),
        lambda: loyalty.Program(currency="EUR", time_zone=junk),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", code=junk),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", name=junk),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", tiers=junk),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", tiers=[junk]),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", campaigns=junk),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", campaigns=[junk]),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", earning=junk),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", tier_rules=junk),
        lambda: loyalty.Program(currency="EUR", time_zone="UTC", expire_after_days=junk),
        lambda: loyalty.Program.from_document(junk),
        lambda: loyalty.Program.from_document({"currency": "EUR", "time_zone": "UTC",
                                               "tiers": [{"code": junk}]}),
        lambda: loyalty.EarningRule(points_per_unit=junk),
        lambda: loyalty.EarningRule(channel_multipliers=junk),
        lambda: loyalty.EarningRule(channel_multipliers={junk: 2}
                                    if isinstance(junk, str) else {"email": junk}),
        lambda: loyalty.EarningRule(tier_multipliers={"gold": junk}),
        lambda: loyalty.EarningRule(rounding=junk),
        lambda: loyalty.Campaign(code="x", starts=junk, ends="2026-01-01"),
        lambda: loyalty.Campaign(code="x", starts="2026-01-01", ends="2026-01-02",
                                 multiplier=junk),
        lambda: loyalty.Campaign(code="x", starts="2026-01-01", ends="2026-01-02",
                                 bonus_points=junk, channels=junk),
        lambda: loyalty.default_program(currency=junk, time_zone="UTC"),
        lambda: loyalty.earning(PROGRAM, junk, channel="email", occurred_at=T0),
        lambda: loyalty.earning(PROGRAM, money("1", "EUR"), channel=junk, occurred_at=T0),
        lambda: loyalty.earning(PROGRAM, money("1", "EUR"), channel="email", occurred_at=junk),
        lambda: loyalty.earning(PROGRAM, money("1", "USD"), channel="email", occurred_at=T0,
                                table=junk),
        lambda: loyalty.Pricing(junk),
        lambda: loyalty.Pricing(PROGRAM).posting(junk, occurred_at=T0),
        lambda: loyalty_tiers.Tier(code=junk, names={"en": "X"}, threshold=0),
        lambda: loyalty_tiers.Tier(code="x", names=junk, threshold=0),
        lambda: loyalty_tiers.Tier(code="x", names={"en": junk}, threshold=0),
        lambda: loyalty_tiers.Tier(code="x", names={"en": "X"}, threshold=junk),
        lambda: loyalty_tiers.Tier(code="x", names={"en": "X"}, threshold=0, perks=junk),
        lambda: loyalty_tiers.TierRules(basis=junk),
        lambda: loyalty_tiers.TierRules(window_days=junk, period_months=junk, grace_days=junk),
        lambda: loyalty_tiers.localized({"en": "Gold"}, junk),
        lambda: loyalty_tiers.decimal_value(junk, field="x"),
        lambda: loyalty_ledger.points(junk),
        lambda: loyalty_ledger.Posting.of(junk),
        lambda: loyalty_ledger.Posting.of({"account": junk, "amount": junk, "channel": junk}),
        lambda: loyalty_ledger.check_reference(junk),
        lambda: loyalty_ledger.check_idempotency_key(junk),
    ]
    for call in calls:
        outcome(call)


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_crm_loyalty_methods(member: tuple[gc.CRM, str], junk: Any) -> None:
    crm, account = member
    area = crm.loyalty
    calls: list[Callable[[], object]] = [
        lambda: area.save_program(junk),
        lambda: area.program(junk),
        lambda: area.enroll(junk, now=T0),
        lambda: area.enroll(account, junk, now=T0),
        lambda: area.enroll(account, now=junk),
        lambda: area.account(junk),
        lambda: area.account(account, program=junk),
        lambda: area.earn(junk, amount=money("1", "EUR"), channel="email", now=T0),
        lambda: area.earn(account, amount=junk, channel="email", now=T0),
        lambda: area.earn(account, amount=money("1", "EUR"), channel=junk, now=T0),
        lambda: area.earn(account, amount=money("1", "EUR"), channel="email", occurred_at=junk,
                          now=T0),
        lambda: area.earn(account, amount=money("1", "EUR"), channel="email", reference=junk,
                          idempotency_key=junk, now=T0),
        lambda: area.redeem(account, points=junk, now=T0),
        lambda: area.redeem(junk, points=1, now=T0),
        lambda: area.redeem(account, points=1, now=junk, idempotency_key=junk),
        lambda: area.adjust(account, points=junk, reason="x", now=T0),
        lambda: area.adjust(account, points=1, reason=junk, now=T0),
        lambda: area.reverse(junk, now=T0),
        lambda: area.reverse("order-1", points=junk, now=T0),
        lambda: area.reverse("order-1", account=junk, reason=junk, now=T0),
        lambda: area.balance(junk),
        lambda: area.balance(account, at=junk),
        lambda: area.lots(account, now=junk),
        lambda: area.statement(account, after=junk),
        lambda: area.statement(account, limit=junk),
        lambda: area.tier(account, at=junk),
        lambda: area.tier_changes(junk),
        lambda: area.tier_changes(after=junk),
        lambda: area.expire(now=junk),
        lambda: area.review_tiers(now=junk),
        lambda: area.post_many(junk, now=T0),
        lambda: area.post_many([junk], now=T0),
        lambda: area.post_many([{"account": account, "amount": junk, "channel": "email"}],
                               now=T0),
        lambda: area.verify(junk),
    ]
    for call in calls:
        outcome(call)
    assert area.verify().ok


SECRET = "Ona Kazlauskienė skundėsi telefonu +37061234567"


def test_no_personal_data_in_reprs_or_errors(member: tuple[gc.CRM, str]) -> None:
    crm, account = member
    entry = crm.loyalty.adjust(account, points=5, reason=SECRET, now=T0)
    earn = crm.loyalty.earn(account, amount=money("1", "EUR"), channel="email",
                            reference=SECRET, idempotency_key="order-secret", now=T0)
    texts = [repr(entry), repr(earn), repr(crm.loyalty.statement(account).items)]
    posting = loyalty_ledger.Posting(account=account, amount=money("1", "EUR"), channel="email",
                                     reference=SECRET)
    texts.append(repr(posting))
    for bad in (
        lambda: crm.loyalty.adjust(account, points=5, reason=SECRET * 100, now=T0),
        lambda: crm.loyalty.reverse(SECRET + " (2)", now=T0),
        lambda: crm.loyalty.earn(account, amount=money("1", "EUR"), channel=SECRET, now=T0),
        lambda: crm.loyalty.redeem(account, points=10**6, reference=SECRET, now=T0),
        lambda: crm.loyalty.earn(account, amount=money("2", "EUR"), channel="email",
                                 idempotency_key="order-secret", now=T0),
        lambda: crm.loyalty.account(SECRET),
    ):
        with pytest.raises(gc.GlobalCRMError) as caught:
            bad()
        texts.append(str(caught.value))
        texts.append("".join(traceback.format_exception(caught.value)))
    for text in texts:
        for part in ("Kazlauskien", "37061234567", "skundėsi"):
            assert part not in text, text[:300]
