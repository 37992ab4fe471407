"""Business hours against a brute-force, minute-by-minute reading of the same rule.

The reference converts each UTC minute to wall-clock time with ``zoneinfo`` and asks whether a
shift of that local date (or an overnight shift of the day before) covers it, on a day that is
no public holiday: nothing of ``BusinessHours``'s offset segments, caches or merging is reused.
Zones with DST (Vilnius, Jerusalem with its Friday/Saturday weekend, Adelaide at +9:30/+10:30,
Sao Paulo, whose DST until 2019 started at midnight), without (Tashkent) and at half an hour
(Kolkata).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm.business_hours import WEEKDAYS, BusinessHours

ZONES = {
    "Europe/Vilnius": ("LT", None),
    "Asia/Tashkent": ("UZ", None),
    "Asia/Jerusalem": ("IL", None),
    "Asia/Kolkata": ("IN", None),
    "America/Sao_Paulo": ("BR", "SP"),
    "Australia/Adelaide": ("AU", "SA"),
}
MINUTE = dt.timedelta(minutes=1)
WINDOW = 6 * 24 * 60  # minutes the reference looks at


def _transitions(zone: str) -> list[dt.datetime]:
    """UTC days in which the zone's offset changes, 2016-2027 (found by stepping days)."""
    tz = zoneinfo.ZoneInfo(zone)
    found = []
    moment = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    previous = moment.astimezone(tz).utcoffset()
    while moment.year < 2027:
        moment += dt.timedelta(days=1)
        offset = moment.astimezone(tz).utcoffset()
        if offset != previous:
            found.append(moment)
            previous = offset
    return found


TRANSITIONS = {zone: _transitions(zone) for zone in ZONES}


def _minutes(text: str) -> int:
    return 1440 if text == "24:00" else int(text[:2]) * 60 + int(text[3:])


def _text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def schedules(draw: Any) -> dict[str, list[tuple[str, str]]]:
    weekly: dict[str, list[tuple[str, str]]] = {}
    for day in WEEKDAYS:
        shifts = []
        for _ in range(draw(st.integers(0, 3))):
            start = draw(st.integers(0, 47)) * 30
            length = draw(st.integers(1, 30)) * 30  # up to 15 hours: some run past midnight
            end = (start + length) % 1440
            shifts.append((_text(start), _text(end)))
        if shifts:
            weekly[day] = shifts
    if not weekly:
        weekly["wed"] = [("09:00", "17:00")]
    return weekly


@st.composite
def cases(draw: Any) -> tuple[BusinessHours, dt.datetime]:
    zone = draw(st.sampled_from(sorted(ZONES)))
    country, subdivision = ZONES[zone]
    use_holidays = draw(st.booleans())
    hours = BusinessHours(
        time_zone=zone,
        weekly=draw(schedules()),
        country=country if use_holidays else None,
        subdivision=subdivision if use_holidays else None,
    )
    transitions = TRANSITIONS[zone]
    if transitions and draw(st.booleans()):
        base = draw(st.sampled_from(transitions)) - dt.timedelta(days=2)
    else:
        days = draw(st.integers(0, 3900))
        base = dt.datetime(2016, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=days)
    start = base + draw(st.integers(0, 48 * 60)) * MINUTE
    return hours, start


def reference(hours: BusinessHours, start: dt.datetime, minutes: int) -> list[bool]:
    """Open or not, for each minute from ``start``, read directly from the rule."""
    tz = zoneinfo.ZoneInfo(hours.time_zone)
    calendar = (
        holidays.country_holidays(hours.country, subdiv=hours.subdivision)
        if hours.country
        else {}
    )
    weekly = dict(hours.weekly)
    out = []
    for i in range(minutes):
        wall = (start + i * MINUTE).astimezone(tz).replace(tzinfo=None)
        is_open = False
        for back in (0, 1):
            day = wall.date() - dt.timedelta(days=back)
            if day in calendar:
                continue
            midnight = dt.datetime.combine(day, dt.time())
            for first, last in weekly.get(WEEKDAYS[day.weekday()], ()):
                begin, end = _minutes(first), _minutes(last)
                if end <= begin:
                    end += 1440
                if midnight + begin * MINUTE <= wall < midnight + end * MINUTE:
                    is_open = True
        out.append(is_open)
    return out


@settings(max_examples=120)
@given(cases(), st.data())
def test_is_open_between_add_and_next_open_match_the_minute_by_minute_reference(
    case: tuple[BusinessHours, dt.datetime], data: st.DataObject
) -> None:
    hours, start = case
    opened = reference(hours, start, WINDOW)
    probe = data.draw(st.integers(0, WINDOW - 1))
    assert hours.is_open(start + probe * MINUTE) == opened[probe]
    end = data.draw(st.integers(0, WINDOW))
    assert hours.between(start, start + end * MINUTE) == sum(opened[:end]) * MINUTE
    count = sum(opened)
    if count:
        wanted = data.draw(st.integers(1, count))
        seen, index = 0, 0
        while seen < wanted:
            seen += opened[index]
            index += 1
        assert hours.add(start, wanted * MINUTE) == start + index * MINUTE
        first = opened.index(True)
        assert hours.next_open(start) == start + first * MINUTE
    assert hours.add(start, dt.timedelta(0)) == start
