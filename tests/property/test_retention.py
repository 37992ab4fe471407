"""Retention decisions across summer-time changes: the sweep's selection is exact at the boundary.

For any instant a clock starts (many fall in the hours the clocks change) and any duration, a
subject is due at the policy's boundary and not a microsecond before; held subjects are never due;
the boundary keeps the local wall time of the start (or the instant it would have been).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm.privacy.retention import LegalHold, RetentionPolicy, due_subjects

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
