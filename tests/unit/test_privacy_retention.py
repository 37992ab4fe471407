"""Retention periods on the controller's wall clock, legal holds, and the candidate bound."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm import errors
from globalcrm.privacy.retention import LegalHold, RetentionPolicy, add_wall_clock, held

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")


def _policy(**changes: object) -> RetentionPolicy:
    values: dict[str, object] = dict(
        name="dormant",
        scope="customer",
        trigger="last_interaction",
        duration="P3Y",
        action="anonymise",
        cite="GDPR Art. 5(1)(e)",
        time_zone="Europe/Vilnius",
    )
    values.update(changes)
    return RetentionPolicy(**values)


def test_the_boundary_is_the_same_wall_time_across_summer_time() -> None:
    policy = _policy()
    # 01:30 on 27 Oct 2024 in Vilnius is summer time; three years later it is winter time
    start = dt.datetime(2024, 10, 27, 1, 30, tzinfo=VILNIUS)
    end = policy.expires_at(start)
    assert end.astimezone(VILNIUS).replace(tzinfo=None) == dt.datetime(2027, 10, 27, 1, 30)
    assert policy.is_due(start, end) and not policy.is_due(start, end - dt.timedelta(seconds=1))


def test_month_ends_and_leap_days_clamp() -> None:
    assert add_wall_clock(
        dt.datetime(2024, 2, 29, 12, tzinfo=VILNIUS), "P1Y", VILNIUS
    ).astimezone(VILNIUS).date() == dt.date(2025, 2, 28)
    assert add_wall_clock(
        dt.datetime(2025, 1, 31, 12, tzinfo=VILNIUS), "P1M", VILNIUS
    ).astimezone(VILNIUS).date() == dt.date(2025, 2, 28)


def test_a_skipped_hour_is_taken_as_the_instant_it_would_have_been() -> None:
    # 03:30 on 30 Mar 2025 does not exist in Vilnius (clocks jump from 03:00 to 04:00)
    start = dt.datetime(2024, 3, 30, 3, 30, tzinfo=VILNIUS)
    end = add_wall_clock(start, "P1Y", VILNIUS)
    assert end == dt.datetime(2025, 3, 30, 1, 30, tzinfo=dt.UTC)


def test_pre_notice_comes_before_the_end() -> None:
    policy = _policy(pre_notice="PT48H", action="erase")
    start = dt.datetime(2023, 1, 10, 12, tzinfo=dt.UTC)
    notice = policy.notice_at(start)
    assert notice == policy.expires_at(start) - dt.timedelta(hours=48)
    with pytest.raises(errors.InvalidInput):
        _policy(pre_notice="P1M").notice_at(start)


def test_bad_policies_are_refused() -> None:
    for changes, field in (
        ({"duration": "3 years"}, "duration"),
        ({"duration": "P"}, "duration"),
        ({"scope": "everything"}, "scope"),
        ({"action": "erase", "scope": "interactions"}, "action"),
        ({"trigger": "moon_phase"}, "trigger"),
    ):
        with pytest.raises(errors.InvalidInput) as caught:
            _policy(**changes)
        assert caught.value.field == field


def test_a_hold_applies_between_placing_and_release() -> None:
    hold = LegalHold(
        subject_ref="cust-1",
        reason="litigation",
        cite="GDPR Art. 17(3)(e)",
        placed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        released_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    assert held("cust-1", [hold], dt.datetime(2025, 3, 1, tzinfo=dt.UTC)) == [hold]
    assert held("cust-1", [hold], dt.datetime(2025, 6, 1, tzinfo=dt.UTC)) == []
    assert held("cust-2", [hold], dt.datetime(2025, 3, 1, tzinfo=dt.UTC)) == []


@given(
    trigger=st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    now=st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2035, 1, 1)),
    duration=st.sampled_from(["P3Y", "P18M", "P1M", "P90D", "P2W", "PT48H", "P1Y6M10D"]),
)
def test_every_due_record_lies_before_the_candidate_bound(
    trigger: dt.datetime, now: dt.datetime, duration: str
) -> None:
    policy = _policy(duration=duration)
    start = trigger.replace(tzinfo=dt.UTC)
    moment = now.replace(tzinfo=dt.UTC)
    if policy.is_due(start, moment):
        assert start < policy.candidates_before(moment)
    assert policy.expires_at(start) > start
