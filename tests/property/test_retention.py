"""Retention decisions across summer-time changes: the sweep's selection is exact at the boundary.

For any instant a clock starts (many fall in the hours the clocks change) and any duration, a
subject is due at the policy's boundary and not a microsecond before; held subjects are never due;
the boundary keeps the local wall time of the start (or the instant it would have been). With a
pre-notice, each subject is in one place only (acted on, told, waiting or held), nobody is acted
on before the whole notice ran from the notice recorded, and nobody is told twice.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm.privacy.retention import Clock, LegalHold, RetentionPolicy, decide, due_subjects

ZONES = ["Europe/Vilnius", "America/New_York", "Australia/Sydney", "Asia/Tokyo", "UTC"]
TICK = dt.timedelta(microseconds=1)

# instants in the years 2000-2040, half of them within two hours of a change of offset
_transitions = st.sampled_from([
    dt.datetime(2022, 10, 30, 0, 0, tzinfo=dt.UTC), dt.datetime(2023, 3, 26, 0, 30, tzinfo=dt.UTC),
    dt.datetime(2024, 11, 3, 5, 0, tzinfo=dt.UTC), dt.datetime(2025, 4, 6, 15, 30, tzinfo=dt.UTC),
])
starts = st.one_of(
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1),
                 timezones=st.just(dt.UTC)),
    st.builds(lambda base, minutes: base + dt.timedelta(minutes=minutes), _transitions,
              st.integers(-120, 120)),
)
durations = st.sampled_from(["P3Y", "P1Y6M", "P18M", "P30D", "P2W", "PT48H", "P1M", "P6Y"])


@settings(max_examples=300, deadline=None)
@given(start=starts, duration=durations, zone=st.sampled_from(ZONES), held=st.booleans())
def test_a_subject_is_due_exactly_at_its_boundary(
    start: dt.datetime, duration: str, zone: str, held: bool
) -> None:
    policy = RetentionPolicy(name="p", scope="customer", trigger="created", duration=duration,
                             action="erase", cite="GDPR art. 5(1)(e)", time_zone=zone)
    boundary = policy.expires_at(start)
    holds = [LegalHold(subject_ref="s", reason="r", cite="c", placed_at=start)] if held else []
    triggers = [("s", start)]
    assert due_subjects(policy, triggers, boundary - TICK, holds) == ([], [])
    expected = ([], ["s"]) if held else (["s"], [])
    assert due_subjects(policy, triggers, boundary, holds) == expected
    assert boundary > start
    assert policy.candidates_before(boundary) > start  # the store's bound never drops it
    local_start = start.astimezone(zoneinfo.ZoneInfo(zone))
    local_end = boundary.astimezone(zoneinfo.ZoneInfo(zone))
    if "T" not in duration and "W" not in duration and "D" not in duration:
        assert local_end.day == local_start.day or local_end.day < local_start.day  # clamped


notice_periods = st.sampled_from([None, "PT48H", "P7D", "PT1H"])


@settings(max_examples=200, deadline=None)
@given(
    starts_=st.lists(starts, min_size=1, max_size=6),
    duration=durations,
    zone=st.sampled_from(ZONES),
    pre_notice=notice_periods,
    told=st.lists(st.one_of(st.none(), st.integers(-200, 200)), min_size=6, max_size=6),
    held_=st.lists(st.booleans(), min_size=6, max_size=6),
    after=st.integers(-100, 100),
)
def test_notices_come_first_and_no_subject_is_acted_on_before_its_notice_ran(
    starts_: list[dt.datetime], duration: str, zone: str, pre_notice: str | None,
    told: list[int | None], held_: list[bool], after: int,
) -> None:
    policy = RetentionPolicy(name="p", scope="customer", trigger="created", duration=duration,
                             action="erase", cite="c", time_zone=zone, pre_notice=pre_notice)
    clocks = [Clock(record=f"s{i}", started=start, subject=f"s{i}")
              for i, start in enumerate(starts_)]
    now = policy.expires_at(starts_[0]) + dt.timedelta(hours=after)
    noticed = {f"s{i}": now + dt.timedelta(hours=hours)
               for i, hours in enumerate(told[: len(starts_)]) if hours is not None and hours <= 0}
    holds = [LegalHold(subject_ref=f"s{i}", reason="r", cite="c", placed_at=starts_[0])
             for i, on in enumerate(held_[: len(starts_)]) if on]
    decision = decide(policy, clocks, now, holds=holds, noticed=noticed)
    acted = {clock.record for clock in decision.act}
    told_now = {notice.subject for notice in decision.notify}
    groups = [acted, told_now, set(decision.waiting), set(decision.held)]
    assert sum(len(g) for g in groups) == len(set().union(*groups))  # each subject in one place
    ahead = policy.notice_period
    for clock in decision.act:
        assert policy.expires_at(clock.started) <= now  # never before the period ended
        if ahead is not None:  # and never before the notice ran its whole period
            assert noticed[clock.record] + ahead <= now
            assert noticed[clock.record] >= policy.expires_at(clock.started) - ahead
    for notice in decision.notify:
        start = starts_[int(notice.subject[1:])]
        assert ahead is not None and notice.due_at >= now + ahead
        assert notice.due_at >= policy.expires_at(start)
    assert not (acted | told_now) & {hold.subject_ref for hold in holds if hold.active(now)}
    # the notices recorded now: deciding again at the same instant tells nobody twice, and
    # acts on none of them (a pre-notice is a positive period)
    recorded = {**noticed, **{subject: now for subject in told_now}}
    again = decide(policy, clocks, now, holds=holds, noticed=recorded)
    assert not {n.subject for n in again.notify} & told_now
    assert not {c.record for c in again.act} & told_now
