"""Business hours: when a team is open, in its own time zone, exact across DST changes.

A weekly schedule of shifts in wall-clock time (several a day, overnight ones across midnight),
closed on the public holidays of a country or subdivision (the ``holidays`` package) and on
extra closures. The rule, which the property tests check minute by minute against a brute-force
reading of the same definition:

    an instant is open when its wall-clock time in the schedule's IANA zone (``zoneinfo``) lies
    in a shift of the local date the shift starts on, that date is neither a public holiday nor
    a closed day, and the instant is in no closure interval.

So across a DST gap the wall-clock times that do not exist are skipped (Vilnius jumps 03:00 to
04:00: a 02:00-06:00 shift lasts three hours that day), and in a fold the repeated hour is open
twice (four hours of 00:00-03:00 in autumn if the clocks go back at 03:00). A shift belongs to
the day it starts: an overnight shift that starts the evening before a holiday runs to its end.
Holidays follow the ``holidays`` package's calendars (observed days included, as it gives them).

Answers are wall-clock times in the schedule's zone with their UTC offset as a fixed
``datetime.timezone``: a ``ZoneInfo`` time in a fold (``fold=1``) compares unequal to every
other zone's datetime (PEP 495), and an instant must compare and subtract exactly.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import (
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    RuleViolation,
    translate_errors,
)

__all__ = ["WEEKDAYS", "BusinessHours", "around_the_clock"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""The keys of a weekly schedule, Monday first (``date.weekday()`` order)."""
_DAY_NAMES = {name: index for index, name in enumerate(WEEKDAYS)}
_DAY_NAMES.update(
    {
        name: index
        for index, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    }
)

_US = dt.timedelta(microseconds=1)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_EPOCH_DATE = dt.date(1970, 1, 1)
_DAY = 86_400_000_000
_HOUR = 3_600_000_000
_SAMPLE = 3 * _HOUR
"""Offsets are sampled this far apart to find a zone's transitions, then bisected exactly."""
_EARLIEST = (dt.datetime(1900, 1, 1, tzinfo=dt.UTC) - _EPOCH) // _US
_LATEST = (dt.datetime(9000, 1, 1, tzinfo=dt.UTC) - _EPOCH) // _US
_MAX_DAYS = 3700
"""How far (about ten years) ``add`` and ``next_open`` look for open time before giving up."""
_CACHE = 8192
_OFFSETS: dict[dt.timedelta | None, dt.timezone] = {}


def _instant(value: object, *, field: str) -> int:
    """Microseconds since the Unix epoch of an aware datetime between 1900 and 9000."""
    if type(value) is not dt.datetime or value.tzinfo is None or value.utcoffset() is None:
        value = _checks.aware_utc(value, field=field)  # raises the right error
    moment = (value - _EPOCH) // _US
    if not _EARLIEST <= moment < _LATEST:
        raise InvalidInput("business time is computed between the years 1900 and 9000", field=field)
    return moment


def _duration(value: object, *, field: str) -> int:
    if not isinstance(value, dt.timedelta):
        raise InvalidFormat(f"expected a timedelta, got {type(value).__name__}", field=field)
    if value < dt.timedelta(0):
        raise InvalidInput("must not be negative", field=field)
    return value // _US


# --------------------------------------------------------------------------- the weekly schedule


def _clock(value: object, *, field: str, end: bool) -> int:
    """A wall-clock time as microseconds after midnight; ``24:00`` only as the end of a shift."""
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise InvalidFormat("shift times are wall-clock times, without a zone", field=field)
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if text in ("24:00", "24:00:00"):
            if not end:
                raise InvalidFormat("a shift cannot start at 24:00", field=field)
            return _DAY
        try:
            moment = dt.time.fromisoformat(text)
        except ValueError:
            raise InvalidFormat("expected a time such as '09:00'", field=field) from None
        if moment.tzinfo is not None:
            raise InvalidFormat("shift times are wall-clock times, without a zone", field=field)
    else:
        message = f"expected a time such as '09:00', got {type(value).__name__}"
        raise InvalidFormat(message, field=field)
    return (
        (moment.hour * 60 + moment.minute) * 60 + moment.second
    ) * 1_000_000 + moment.microsecond


def _clock_text(offset: int) -> str:
    """``09:00`` (seconds only when there are some); ``24:00`` for the end of the day."""
    if offset == _DAY:
        return "24:00"
    seconds, micro = divmod(offset, 1_000_000)
    moment = dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)
    return moment.isoformat("minutes" if not (moment.second or micro) else "auto")


Shift = tuple[str, str]


def _shift(value: object, *, field: str) -> tuple[int, int]:
    """One shift as microseconds after its day's midnight; an overnight end is past 24 h."""
    pair = _checks.sequence(value, field=field)
    if len(pair) != 2:
        message = "a shift is a (start, end) pair such as ('09:00', '13:00')"
        raise InvalidFormat(message, field=field)
    start = _clock(pair[0], field=f"{field}[0]", end=False)
    end = _clock(pair[1], field=f"{field}[1]", end=True)
    if end == start:
        raise InvalidFormat(
            "start and end are the same time (a whole day is ('00:00', '24:00'))", field=field
        )
    if end < start:
        end += _DAY  # overnight: ends the next day
    return start, end


def _weekly(value: object) -> tuple[tuple[str, tuple[Shift, ...]], ...]:
    """The schedule in its canonical form: ``(("mon", (("09:00", "17:00"), ...)), ...)``."""
    items: list[tuple[Any, Any]]
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, tuple | list):
        pairs = [_checks.sequence(item, field="weekly") for item in value]
        if any(len(pair) != 2 for pair in pairs):
            raise InvalidFormat("expected a mapping of weekday to shifts", field="weekly")
        items = [(pair[0], pair[1]) for pair in pairs]
    else:
        raise InvalidFormat("expected a mapping of weekday to shifts", field="weekly")
    days: dict[int, list[tuple[int, int]]] = {}
    for index, (key, shifts) in enumerate(items):
        if not isinstance(key, str) or key.strip().lower() not in _DAY_NAMES:
            raise _checks.unknown_key(key, index, what="weekday").at(field="weekly")
        day = _DAY_NAMES[key.strip().lower()]
        name = f"weekly.{WEEKDAYS[day]}"
        if day in days:
            raise InvalidInput("the day is given twice", field=name)
        days[day] = sorted(
            _shift(item, field=f"{name}[{i}]")
            for i, item in enumerate(_checks.sequence(shifts, field=name))
        )
    if not any(days.values()):
        raise InvalidInput("the schedule has no shift on any day", field="weekly")
    return tuple(
        (WEEKDAYS[day], tuple((_clock_text(s), _clock_text(e % _DAY or _DAY)) for s, e in shifts))
        for day, shifts in sorted(days.items())
        if shifts
    )


def _country(value: object) -> str | None:
    return None if value is None else _checks.country(value)


def _subdivision(value: object) -> str | None:
    if value is None:
        return None
    return _checks.text(value, field="subdivision", max_length=16).upper()


def _closure(value: object) -> dt.date | tuple[dt.datetime, dt.datetime]:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidFormat("expected a date such as '2026-12-31'") from None
    pair = _checks.sequence(value, field="")
    if len(pair) != 2:
        raise InvalidFormat("a closure is a local date or a (start, end) pair of aware datetimes")
    start = _checks.aware_utc(pair[0], field="[0]")
    end = _checks.aware_utc(pair[1], field="[1]")
    if end <= start:
        raise InvalidInput("the closure ends before it starts", field="[1]")
    return start, end


def _closures(value: object) -> tuple[dt.date | tuple[dt.datetime, dt.datetime], ...]:
    return _checks.each(value, "closures", _closure)


def _time_zone(value: object) -> str:
    return _checks.time_zone(value)


@attrs.frozen(kw_only=True)
class BusinessHours:
    """A weekly schedule in one time zone, less public holidays and closures.

    ``weekly`` maps ``mon`` ... ``sun`` to ``(start, end)`` shifts in wall-clock time; an end
    before its start runs past midnight, ``24:00`` ends at midnight. ``country`` (and
    ``subdivision``, an ISO 3166-2 suffix such as ``"SA"``) closes the public holidays the
    ``holidays`` package knows; ``closures`` are local dates or ``(start, end)`` aware pairs.

    ```pycon
    >>> import datetime as dt
    >>> vilnius = BusinessHours(time_zone="Europe/Vilnius", country="LT",
    ...     weekly={day: [("09:00", "13:00"), ("14:00", "18:00")]
    ...             for day in ("mon", "tue", "wed", "thu", "fri")})
    >>> start = dt.datetime(2026, 12, 23, 15, 0, tzinfo=dt.UTC)   # Wednesday 17:00 in Vilnius
    >>> vilnius.add(start, dt.timedelta(hours=4)).isoformat()     # 24-26 Dec are holidays
    '2026-12-28T12:00:00+02:00'
    >>> vilnius.between(start, dt.datetime(2026, 12, 28, 10, 0, tzinfo=dt.UTC))
    datetime.timedelta(seconds=14400)
    >>> vilnius.holiday(dt.date(2026, 12, 24))
    'Christmas Eve'

    ```
    """

    time_zone: str = attrs.field(converter=_time_zone)
    weekly: tuple[tuple[str, tuple[Shift, ...]], ...] = attrs.field(converter=_weekly)
    country: str | None = attrs.field(default=None, converter=_country)
    subdivision: str | None = attrs.field(default=None, converter=_subdivision)
    closures: tuple[dt.date | tuple[dt.datetime, dt.datetime], ...] = attrs.field(
        default=(), converter=_closures
    )
    _zone: zoneinfo.ZoneInfo = attrs.field(init=False, eq=False, repr=False, hash=False)
    _shifts: tuple[tuple[tuple[int, int], ...], ...] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )
    _calendar: Any = attrs.field(init=False, eq=False, repr=False, hash=False)
    _closed_days: frozenset[dt.date] = attrs.field(init=False, eq=False, repr=False, hash=False)
    _closed_spans: tuple[tuple[int, int], ...] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )
    _dates: dict[dt.date, tuple[tuple[int, int], ...]] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )
    _days: dict[int, tuple[tuple[int, int], ...]] = attrs.field(
        init=False, eq=False, repr=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        shifts: list[tuple[tuple[int, int], ...]] = [() for _ in WEEKDAYS]
        for day, pairs in self.weekly:
            shifts[WEEKDAYS.index(day)] = tuple(
                _shift(pair, field=f"weekly.{day}") for pair in pairs
            )
        calendar = None
        if self.subdivision is not None and self.country is None:
            raise InvalidInput("a subdivision needs its country", field="subdivision")
        if self.country is not None:
            import holidays

            with translate_errors(
                NotImplementedError,
                InvalidComponent,
                "the holidays package has no calendar for this country or subdivision",
                field="subdivision" if self.subdivision else "country",
            ):
                calendar = holidays.country_holidays(self.country, subdiv=self.subdivision)
        spans = sorted(
            ((item[0] - _EPOCH) // _US, (item[1] - _EPOCH) // _US)
            for item in self.closures
            if isinstance(item, tuple)
        )
        set_ = object.__setattr__
        set_(self, "_zone", zoneinfo.ZoneInfo(self.time_zone))
        set_(self, "_shifts", tuple(shifts))
        set_(self, "_calendar", calendar)
        set_(self, "_closed_days", frozenset(c for c in self.closures if isinstance(c, dt.date)))
        set_(self, "_closed_spans", tuple(spans))
        set_(self, "_dates", {})
        set_(self, "_days", {})

    # ----------------------------------------------------------------- public questions

    def is_open(self, at: dt.datetime) -> bool:
        """Whether the instant ``at`` (aware) is inside business hours."""
        moment = _instant(at, field="at")
        return any(start <= moment < end for start, end in self._pieces(moment // _DAY))

    def next_open(self, at: dt.datetime) -> dt.datetime:
        """``at`` itself if open, else the instant business hours open next (zone's offset)."""
        moment = _instant(at, field="at")
        for start, end in self._from(moment):
            if end > moment:
                return self._local(max(start, moment))
        raise _nothing_open()  # pragma: no cover - _from raises first

    def add(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The earliest instant by which ``duration`` of business time has passed since ``start``.

        The result is in the schedule's wall-clock time (its UTC offset fixed); a duration that
        runs out exactly at closing time gives the closing time, not the next opening.
        """
        moment = _instant(start, field="start")
        remaining = _duration(duration, field="duration")
        if remaining == 0:
            return self._local(moment)
        days, pieces = self._days, self._pieces
        first = moment // _DAY
        for day in range(first, first + _MAX_DAYS):  # the hot path: no generator
            spans = days.get(day) or pieces(day)
            for begin, end in spans:
                if end <= moment:
                    continue
                if begin < moment:
                    begin = moment
                if remaining <= end - begin:
                    return self._local(begin + remaining)
                remaining -= end - begin
        raise _nothing_open()

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """The business time elapsed from ``start`` to ``end`` (``end`` not before ``start``)."""
        low = _instant(start, field="start")
        high = _instant(end, field="end")
        if high < low:
            raise InvalidInput("the end is before the start", field="end")
        total = 0
        for day in range(low // _DAY, (high - 1) // _DAY + 1 if high > low else low // _DAY):
            for begin, stop in self._pieces(day):
                begin, stop = max(begin, low), min(stop, high)
                if begin < stop:
                    total += stop - begin
        return dt.timedelta(microseconds=total)

    def holiday(self, day: dt.date) -> str | None:
        """The name of the public holiday on the local date ``day``, if it is one."""
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
            raise InvalidFormat("expected a date", field="day")
        if self._calendar is None:
            return None
        name = self._calendar.get(day)
        return None if name is None else str(name)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is :meth:`from_json`."""
        return {
            "time_zone": self.time_zone,
            "weekly": {day: [list(pair) for pair in pairs] for day, pairs in self.weekly},
            "country": self.country,
            "subdivision": self.subdivision,
            "closures": [
                item.isoformat()
                if isinstance(item, dt.date)
                else [item[0].isoformat(), item[1].isoformat()]
                for item in self.closures
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BusinessHours:
        """Rebuild business hours from :meth:`to_json`'s dict (checked like any input)."""
        if not isinstance(data, Mapping):
            raise InvalidFormat("expected a mapping", field="business_hours")
        fields = dict(data)
        closures = []
        for item in fields.get("closures") or ():
            if isinstance(item, list | tuple):
                with translate_errors(
                    (ValueError, TypeError), InvalidFormat, "not an ISO datetime", field="closures"
                ):
                    closures.append(tuple(dt.datetime.fromisoformat(part) for part in item))
            else:
                closures.append(item)
        fields["closures"] = tuple(closures)
        return _checks.from_mapping(cls, fields)

    # ----------------------------------------------------------------- the machinery

    def _local(self, moment: int) -> dt.datetime:
        """The instant as wall-clock time in the zone, with its UTC offset fixed (see below)."""
        local = (_EPOCH + dt.timedelta(microseconds=moment)).astimezone(self._zone)
        offset = local.utcoffset()
        fixed = _OFFSETS.get(offset)
        if fixed is None:
            fixed = _OFFSETS.setdefault(offset, dt.timezone(offset))  # type: ignore[arg-type]
        return local.replace(tzinfo=fixed, fold=0)

    def _from(self, moment: int) -> Iterator[tuple[int, int]]:
        """Every open piece from the UTC day of ``moment`` on; gives up after ten years."""
        first = moment // _DAY
        for day in range(first, first + _MAX_DAYS):
            yield from self._pieces(day)
        raise _nothing_open()

    def _pieces(self, day: int) -> tuple[tuple[int, int], ...]:
        """The open time in the UTC day ``day`` (days since 1970), as merged sorted spans."""
        found = self._days.get(day)
        if found is not None:
            return found
        low, high = day * _DAY, (day + 1) * _DAY
        utc_date = _EPOCH_DATE + dt.timedelta(days=day)
        spans: list[tuple[int, int]] = []
        for shift in range(-2, 2):  # local dates whose shifts can reach this UTC day
            for start, end in self._date_spans(utc_date + dt.timedelta(days=shift)):
                if start < high and end > low:
                    spans.append((max(start, low), min(end, high)))
        if self._closed_spans and spans:
            spans = _subtract(spans, self._closed_spans, low, high)
        merged = _merge(spans)
        if len(self._days) >= _CACHE:
            self._days.clear()
        self._days[day] = merged
        return merged

    def _date_spans(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        """The UTC spans of the shifts that start on the local date ``day``."""
        found = self._dates.get(day)
        if found is not None:
            return found
        shifts = self._shifts[day.weekday()]
        spans: list[tuple[int, int]] = []
        if shifts and day not in self._closed_days and not self._is_holiday(day):
            midnight = (day - _EPOCH_DATE).days * _DAY  # naive local midnight, read as UTC
            segments = self._segments(midnight - 15 * _HOUR, midnight + 2 * _DAY + 13 * _HOUR)
            for start, end in shifts:
                wall_start, wall_end = midnight + start, midnight + end
                for low, high, offset in segments:
                    begin = max(wall_start - offset, low)
                    stop = min(wall_end - offset, high)
                    if begin < stop:
                        spans.append((begin, stop))
        result = tuple(sorted(spans))
        if len(self._dates) >= _CACHE:
            self._dates.clear()
        self._dates[day] = result
        return result

    def _is_holiday(self, day: dt.date) -> bool:
        return self._calendar is not None and day in self._calendar

    def _offset(self, moment: int) -> int:
        local = (_EPOCH + dt.timedelta(microseconds=moment)).astimezone(self._zone)
        offset = local.utcoffset()
        assert offset is not None  # noqa: S101 - a ZoneInfo always has one
        return offset // _US

    def _segments(self, low: int, high: int) -> list[tuple[int, int, int]]:
        """``(start, end, offset)`` runs of constant UTC offset covering ``[low, high)``."""
        segments: list[tuple[int, int, int]] = []
        begin, offset = low, self._offset(low)
        probe = low
        while probe < high:
            step = min(probe + _SAMPLE, high)
            later = self._offset(step)
            while later != offset:  # a transition in (probe, step]: find it exactly
                lo, hi = probe, step
                while hi - lo > 1:
                    middle = (lo + hi) // 2
                    if self._offset(middle) == offset:
                        lo = middle
                    else:
                        hi = middle
                segments.append((begin, hi, offset))
                begin, offset, probe = hi, self._offset(hi), hi
            probe = step
        segments.append((begin, high, offset))
        return segments


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def _subtract(
    spans: list[tuple[int, int]], closed: tuple[tuple[int, int], ...], low: int, high: int
) -> list[tuple[int, int]]:
    """``spans`` less the closure spans that meet ``[low, high)``."""
    relevant = [(s, e) for s, e in closed if s < high and e > low]
    for cut_start, cut_end in relevant:
        kept: list[tuple[int, int]] = []
        for start, end in spans:
            if cut_end <= start or cut_start >= end:
                kept.append((start, end))
                continue
            if start < cut_start:
                kept.append((start, cut_start))
            if cut_end < end:
                kept.append((cut_end, end))
        spans = kept
    return spans


def _nothing_open() -> RuleViolation:
    return RuleViolation("the schedule has no open time within ten years", field="business_hours")


def around_the_clock(time_zone: str = "UTC") -> BusinessHours:
    """Business hours that never close (no holidays): SLAs counted around the clock."""
    return BusinessHours(
        time_zone=time_zone, weekly={day: [("00:00", "24:00")] for day in WEEKDAYS}
    )
