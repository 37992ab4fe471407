"""The retention sweep in the store (SQLite and PostgreSQL): exact boundaries across DST, holds,
a dry run that reports what the real run does, batches, resumption."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

import globalcrm as gc
from globalcrm.errors import GlobalCRMError, NotFound
from globalcrm.money import Money
from globalcrm.privacy.retention import RetentionPolicy

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")
# 03:30 local on the night clocks go back (EEST -> EET), three years before the boundary
LAST = dt.datetime(2022, 10, 30, 3, 30, tzinfo=VILNIUS).astimezone(dt.UTC)
BOUNDARY = dt.datetime(2025, 10, 30, 3, 30, tzinfo=VILNIUS).astimezone(dt.UTC)
TICK = dt.timedelta(microseconds=1)


def _policy(**changes: object) -> RetentionPolicy:
    values: dict[str, object] = dict(
        name="dormant", scope="customer", trigger="last_interaction", duration="P3Y",
        action="erase", cite="GDPR art. 5(1)(e)", time_zone="Europe/Vilnius",
    )
    values.update(changes)
    return RetentionPolicy(**values)


def _customer(crm: gc.CRM, given: str, *, last: dt.datetime | None) -> gc.Customer:
    created = LAST - dt.timedelta(days=100)
    person = crm.customers.add(gc.Customer(
        name=gc.PersonName(given=given, locale="lt"), country="LT", language="lt",
        time_zone="Europe/Vilnius", currency="EUR", created_at=created), now=created)
    if last is not None:
        crm.interactions.record(person, channel="email", direction="inbound", body="Labas",
                                occurred_at=last)
    return person


def test_the_boundary_is_exact_across_a_dst_change(crm: gc.CRM) -> None:
    crm.privacy.retention.set_policy(_policy())
    due = _customer(crm, "Jonas", last=LAST)
    later = _customer(crm, "Ona", last=LAST + TICK)
    assert dt.datetime(2025, 10, 30, 1, 30, tzinfo=dt.UTC) == BOUNDARY  # 03:30 EET
    early = crm.privacy.retention.sweep(now=BOUNDARY - TICK, dry_run=True)
    assert early.due == 0
    plan = crm.privacy.retention.sweep(now=BOUNDARY, dry_run=True)
    assert plan.outcomes[0].subjects == (due.id,)
    done = crm.privacy.retention.sweep(now=BOUNDARY)
    assert done.outcomes[0].subjects == plan.outcomes[0].subjects and done.outcomes[0].acted == 1
    assert [c.id for c in crm.customers.list().items] == [later.id]
    assert crm.privacy.erasures()[0].request_ref == "retention:dormant"


def test_dry_run_counts_equal_the_real_run_holds_batches_and_resumption(crm: gc.CRM) -> None:
    crm.privacy.retention.set_policy(_policy())
    crm.privacy.retention.set_policy(_policy(name="buyers", trigger="last_purchase",
                                             action="review"))
    crm.privacy.retention.set_policy(_policy(name="logs", scope="audit", trigger="created",
                                             action="delete"))
    people = [_customer(crm, f"Jonas{i}", last=LAST if i % 3 else None) for i in range(7)]
    crm.purchases.record(people[0], occurred_at=BOUNDARY, channel="web_form",
                         amount=Money("1.00", "EUR"),
                         items=[{"product": "tea", "quantity": "1", "unit_price": "1.00"}],
                         now=BOUNDARY)
    held = people[1]
    hold = crm.privacy.retention.place_hold(held, reason="claim", cite="GDPR art. 17(3)(e)",
                                            now=LAST)
    now = BOUNDARY + dt.timedelta(days=1)
    plan = crm.privacy.retention.sweep(now=now, dry_run=True)
    by_name = {o.policy: o for o in plan.outcomes}
    assert held.id in by_name["dormant"].held and held.id not in by_name["dormant"].subjects
    assert len(by_name["dormant"].subjects) == 6
    assert people[0].id not in by_name["buyers"].subjects  # bought at the boundary
    assert by_name["logs"].skipped is not None
    assert crm.customers.count() == 7  # a dry run changes nothing
    calls: list[tuple[int, int]] = []
    done = crm.privacy.retention.sweep(
        now=now, batch_size=4, on_progress=lambda *done: calls.append(done)
    )
    assert [o.subjects for o in done.outcomes] == [o.subjects for o in plan.outcomes]
    assert {o.policy: o.acted for o in done.outcomes} == {"buyers": 0, "dormant": 6, "logs": 0}
    assert calls == [(5, 11), (9, 11), (11, 11)]  # 5 to review, then 6 erased 4 at a time
    assert crm.customers.count() == 1
    again = crm.privacy.retention.sweep(now=now)  # resumed or repeated: nothing left to do
    assert {o.policy: len(o.subjects) for o in again.outcomes}["dormant"] == 0
    crm.privacy.retention.release_hold(hold, now=now)
    assert crm.privacy.retention.sweep(now=now).outcomes[1].acted == 1
    assert crm.customers.count() == 0
    assert crm.privacy.verify().ok


def test_policies_and_holds_are_stored_and_checked(crm: gc.CRM) -> None:
    crm.privacy.retention.set_policy(_policy())
    crm.privacy.retention.set_policy(_policy(duration="P2Y"))
    assert [p.duration for p in crm.privacy.retention.policies()] == ["P2Y"]
    crm.privacy.retention.remove_policy("dormant")
    assert crm.privacy.retention.policies() == []
    with pytest.raises(NotFound):
        crm.privacy.retention.remove_policy("dormant")
    with pytest.raises(NotFound):
        crm.privacy.retention.place_hold("01J0000000000000000000000Z", reason="x", cite="y")
    with pytest.raises(NotFound):
        crm.privacy.retention.release_hold("01J0000000000000000000000Z")
    for bad in (None, "x", 3):
        with pytest.raises(GlobalCRMError):
            crm.privacy.retention.set_policy(bad)  # type: ignore[arg-type]
    with pytest.raises(GlobalCRMError):
        crm.privacy.retention.sweep(batch_size=0)
    with pytest.raises(GlobalCRMError):
        crm.privacy.retention.sweep(on_progress="x")  # type: ignore[arg-type]
