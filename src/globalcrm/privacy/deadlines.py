"""When a data-subject request or a breach notification is due, per regime, in a legal calendar.

Periods and counting rules come from the versioned regime data (``privacy/data/regimes.json``,
every value with its citation); public holidays from the ``holidays`` package for the controller's
country or subdivision, its weekend included (Friday and Saturday in Israel). A request's receipt
instant is turned into a date in the controller's own zone, the regime's period is counted on
that date, and the due instant is the end of the due date there. The counting rules:

``same-date-next-month-roll-to-working-day``
    GDPR / UK GDPR (Regulation 1182/71 Art. 3; CJEU C-171/03 *Toeters*): due on the same date a
    month later (the month's last day if it has none), moved to the next working day if that is
    a weekend day or a public holiday. An extension counts from receipt as well (one plus two
    months).
``exclude-first-day-roll-to-business-day`` / ``exclude-first-day-roll-to-working-day``
    LGPD (Código Civil art. 132), the Swiss FADP (CO Arts. 77-78, Saturdays as holidays) and
    Korea's PIPA (Civil Act Arts. 157, 161): the day of receipt is not counted, the last day is;
    a last day on a weekend day or a public holiday moves to the next working day.
``exclude-first-day-roll-past-holiday``
    PIPEDA (Interpretation Act ss. 26-27): as above, but only Sundays and holidays move the last
    day (Saturday is not a holiday there).
``receipt-day-is-day-1``
    CCPA (11 CCR §7021(b)): the day of receipt is day 1, so 45 days end on receipt + 44; no move.
    ``ccpa_receipt_day=False`` takes the looser reading (receipt + 45).
``business-days``
    Periods counted in working days of the calendar (CCPA opt-outs: 15 business days).
``calendar-days`` / ``policy``
    Plain calendar days after receipt, no move (APPI's two weeks are a policy default, not law).

```pycon
>>> import datetime as dt
>>> vilnius = LegalCalendar(time_zone="Europe/Vilnius", country="LT")
>>> received = dt.datetime(2025, 10, 1, 9, 0, tzinfo=dt.UTC)
>>> response_deadline("eu-gdpr", received_at=received, calendar=vilnius).due_date
datetime.date(2025, 11, 3)
>>> response_deadline("eu-gdpr", received_at=received, calendar=vilnius, extended=True).due_date
datetime.date(2026, 1, 2)

```
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import holidays

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput, RuleViolation
from globalcrm.privacy import regimes as _regimes

__all__ = [
    "COUNTING_RULES",
    "BreachDeadline",
    "Deadline",
    "LegalCalendar",
    "LegalCalendars",
    "breach_deadlines",
    "earliest",
    "response_deadline",
]

COUNTING_RULES = (
    "same-date-next-month-roll-to-working-day",
    "exclude-first-day-roll-to-business-day",
    "exclude-first-day-roll-to-working-day",
    "exclude-first-day-roll-past-holiday",
    "receipt-day-is-day-1",
    "business-days",
    "calendar-days",
    "policy",
    "elapsed",
)
"""The ways a legal period is counted (see the module docstring)."""

_PERIOD = re.compile(r"P(?:(?P<months>\d{1,3})M)?(?:(?P<days>\d{1,4})D)?(?:T(?P<hours>\d{1,4})H)?")


def _subdivision(value: object) -> str | None:
    return _checks.optional_text(value, field="subdivision", max_length=10)


def _country(value: object) -> str | None:
    return None if value is None else _checks.country(value)


def _time_zone(value: object) -> str:
    return _checks.time_zone(value)


@functools.lru_cache(maxsize=128)
def _holiday_table(country: str, subdivision: str | None) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        raise InvalidComponent(
            f"the holidays package has no calendar for {country}", field="country"
        ) from None
    except (KeyError, ValueError):
        raise InvalidComponent(
            f"the holidays package knows no subdivision of that name in {country}",
            field="subdivision",
        ) from None


@attrs.frozen(kw_only=True)
class LegalCalendar:
    """The controller's legal calendar: its time zone, and its country's public holidays.

    ``saturday_is_holiday`` counts Saturdays as non-working even where the country's weekend
    does not (the Swiss rule); countries whose weekend is not Saturday-Sunday keep theirs.
    Without a country only the weekend (Saturday, Sunday) is non-working.
    """

    time_zone: str = attrs.field(converter=_time_zone)
    country: str | None = attrs.field(default=None, converter=_country)
    subdivision: str | None = attrs.field(default=None, converter=_subdivision)

    def __attrs_post_init__(self) -> None:
        if self.subdivision is not None:
            if self.country is None:
                raise InvalidInput("a subdivision needs its country", field="subdivision")
            _holiday_table(self.country, self.subdivision)
        elif self.country is not None:
            _holiday_table(self.country, None)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The calendar's zone."""
        return zoneinfo.ZoneInfo(self.time_zone)

    def to_json(self) -> dict[str, str | None]:
        """``{"time_zone", "country", "subdivision"}``: how the calendar is stored."""
        return {
            "time_zone": self.time_zone,
            "country": self.country,
            "subdivision": self.subdivision,
        }

    @classmethod
    def from_json(cls, data: object, *, field: str = "calendar") -> LegalCalendar:
        """The calendar :meth:`to_json` wrote.

        Raises:
            InvalidFormat: not such a mapping (``field`` names where it came from).
        """
        if not isinstance(data, Mapping) or set(data) - {"time_zone", "country", "subdivision"}:
            raise InvalidFormat("expected time_zone, country and subdivision", field=field)
        return cls(
            time_zone=data.get("time_zone"),
            country=data.get("country"),
            subdivision=data.get("subdivision"),
        )

    def weekend(self) -> frozenset[int]:
        """Weekday numbers (Monday 0) of the weekend in this country."""
        if self.country is None:
            return frozenset({5, 6})
        return frozenset(_holiday_table(self.country, self.subdivision).weekend)

    def is_holiday(self, day: dt.date) -> bool:
        """Whether ``day`` is a public holiday here (the weekend aside)."""
        if self.country is None:
            return False
        return day in _holiday_table(self.country, self.subdivision)

    def is_working_day(self, day: dt.date, *, saturday_is_holiday: bool = False) -> bool:
        """Not a weekend day and not a public holiday (``saturday_is_holiday``: nor a Saturday)."""
        if day.weekday() in self.weekend() or (saturday_is_holiday and day.weekday() == 5):
            return False
        return not self.is_holiday(day)

    def local_date(self, instant: dt.datetime) -> dt.date:
        """The date of ``instant`` in this calendar's zone."""
        return _checks.aware_utc(instant, field="instant").astimezone(self.zone).date()

    def end_of(self, day: dt.date) -> dt.datetime:
        """The last microsecond of ``day`` in this calendar's zone, in UTC."""
        following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=self.zone)
        return following.astimezone(dt.UTC) - dt.timedelta(microseconds=1)

    def next_working_day(self, day: dt.date, *, saturday_is_holiday: bool = False) -> dt.date:
        """``day`` if it is a working day, else the first working day after it."""
        for _ in range(60):
            if self.is_working_day(day, saturday_is_holiday=saturday_is_holiday):
                return day
            day += dt.timedelta(days=1)
        raise RuleViolation("no working day within 60 days in this calendar")  # pragma: no cover

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (``day`` itself not counted)."""
        while count > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day


def _controller_calendar(value: object) -> LegalCalendar | None:
    if value is not None and not isinstance(value, LegalCalendar):
        raise InvalidFormat("expected a LegalCalendar", field="controller")
    return value


def _regime_calendar_pairs(value: object) -> tuple[tuple[str, LegalCalendar], ...]:
    pairs = value.items() if isinstance(value, Mapping) else _checks.sequence(
        value, field="regimes"
    )
    found: dict[str, LegalCalendar] = {}
    for index, pair in enumerate(pairs):
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise InvalidFormat("expected (regime, calendar) pairs", field="regimes")
        code = _regimes.regime_code(pair[0], field=f"regimes[{index}]")
        if not isinstance(pair[1], LegalCalendar):
            raise InvalidFormat("expected a LegalCalendar", field=f"regimes[{index}]")
        found[code] = pair[1]
    return tuple(sorted(found.items()))


@attrs.frozen
class LegalCalendars:
    """A controller's legal calendar, and the calendars of regimes it counts elsewhere.

    ``controller`` is the calendar of the controller's establishment; ``regimes`` maps a regime
    code to the calendar its periods are counted in when that is another (Brazil's business
    days for LGPD, California's for the CCPA). ``None`` means none is configured yet.
    """

    controller: LegalCalendar | None = attrs.field(default=None, converter=_controller_calendar)
    regimes: tuple[tuple[str, LegalCalendar], ...] = attrs.field(
        default=(), converter=_regime_calendar_pairs
    )

    def for_regime(self, regime: str) -> LegalCalendar | None:
        """The calendar ``regime`` is counted in: its own, else the controller's (or ``None``)."""
        code = _regimes.regime_code(regime, field="regime")
        return dict(self.regimes).get(code, self.controller)


@attrs.frozen
class Deadline:
    """When a response is due: the date in the legal calendar and the instant it ends (UTC)."""

    regime: str
    right: str
    due_date: dt.date
    due_at: dt.datetime
    counting: str
    cite: str
    extended: bool = False
    paused_days: int = 0
    verified: bool = True
    """False where the regime data marks the counting rule as not yet checked in the law."""


def _parse_period(text: str) -> tuple[int, int, int]:
    match = _PERIOD.fullmatch(text)
    if match is None or text in ("P", "PT"):  # pragma: no cover - package data is checked
        raise InvalidFormat("not a period of months, days or hours", field="period")
    return int(match["months"] or 0), int(match["days"] or 0), int(match["hours"] or 0)


def _plus_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def _count(
    received: dt.date,
    period: str,
    counting: str,
    calendar: LegalCalendar,
    *,
    paused_days: int,
    ccpa_receipt_day: bool,
) -> dt.date:
    months, days, _hours = _parse_period(period)
    if counting == "business-days":
        return calendar.add_working_days(received, days + paused_days)
    if counting == "same-date-next-month-roll-to-working-day":
        end = _plus_months(received, months) + dt.timedelta(days=days + paused_days)
        return calendar.next_working_day(end)
    end = _plus_months(received, months) + dt.timedelta(days=days + paused_days)
    if counting == "receipt-day-is-day-1" and ccpa_receipt_day:
        return end - dt.timedelta(days=1)
    if counting == "exclude-first-day-roll-to-business-day":
        return calendar.next_working_day(end)
    if counting == "exclude-first-day-roll-to-working-day":
        return calendar.next_working_day(end, saturday_is_holiday=True)
    if counting == "exclude-first-day-roll-past-holiday":
        while end.weekday() == 6 or calendar.is_holiday(end):
            end += dt.timedelta(days=1)
        return end
    return end  # calendar-days, policy, receipt-day-is-day-1 (looser reading)


def _rule(regime: str, right: str) -> tuple[dict[str, Any], str, bool]:
    """The deadline rule for ``right`` under ``regime``: its value, citation, and verification.

    A right with a period of its own has a rule ``request_deadline.<right>`` (CCPA opt-outs);
    every other right takes the regime's ``request_deadline``.
    """
    found = _regimes.regime(regime)
    rule = found.rule(f"request_deadline.{right}") or found.rule("request_deadline")
    if rule is None or rule.value.get("period") is None:
        raise RuleViolation(
            f"{regime} sets no day count for this request: answer without undue delay",
            field="regime",
        )
    value: dict[str, Any] = rule.value
    return value, rule.cite, value.get("counting") is not None


def response_deadline(
    regime: str,
    *,
    received_at: dt.datetime,
    calendar: LegalCalendar,
    right: str = "access",
    extended: bool = False,
    paused_days: int = 0,
    ccpa_receipt_day: bool = True,
) -> Deadline:
    """When the response to a ``right`` request received at ``received_at`` is due.

    ``paused_days`` are whole days the clock stood still (awaiting identity or clarification);
    ``extended`` adds the regime's extension, counted from receipt. A regime that sets no day
    count (PIPL's "timely") raises ``RuleViolation``; a counting rule the data has not verified
    is applied as plain calendar days and the result says ``verified=False``.
    """
    code = _regimes.regime_code(regime, field="regime")
    right = _checks.code(right, field="right")
    if not isinstance(calendar, LegalCalendar):
        raise InvalidFormat("expected a LegalCalendar", field="calendar")
    _checks.flag(extended, field="extended")
    _checks.flag(ccpa_receipt_day, field="ccpa_receipt_day")
    if isinstance(paused_days, bool) or not isinstance(paused_days, int) or paused_days < 0:
        raise InvalidFormat("expected a whole number of days, 0 or more", field="paused_days")
    value, cite, verified = _rule(code, right)
    received = calendar.local_date(received_at)
    counting = value.get("counting") or "calendar-days"
    period = value["period"]
    if extended:
        extension = value.get("extension")
        if extension is None:
            raise RuleViolation(f"{code} allows no extension of this period", field="extended")
        months, days, _ = _parse_period(period)
        more_months, more_days, _ = _parse_period(extension)
        period = f"P{months + more_months}M{days + more_days}D"
    due = _count(
        received,
        period,
        counting,
        calendar,
        paused_days=paused_days,
        ccpa_receipt_day=ccpa_receipt_day,
    )
    return Deadline(
        regime=code,
        right=right,
        due_date=due,
        due_at=calendar.end_of(due),
        counting=counting,
        cite=cite,
        extended=extended,
        paused_days=paused_days,
        verified=verified,
    )


def earliest(deadlines: Iterable[Deadline]) -> Deadline:
    """The deadline that comes first (several regimes at once: the strictest applies)."""
    items = list(deadlines)
    if not items or not all(isinstance(item, Deadline) for item in items):
        raise InvalidFormat("expected one or more Deadline values", field="deadlines")
    return min(items, key=lambda item: (item.due_at, item.regime))


@attrs.frozen
class BreachDeadline:
    """When a breach must be notified to the authority under one regime."""

    regime: str
    due_at: dt.datetime
    counting: str
    cite: str
    note: str = ""


def breach_deadlines(
    aware_at: dt.datetime,
    *,
    regimes: Sequence[str],
    calendars: dict[str, LegalCalendar] | None = None,
    unlawful_purpose: bool = False,
) -> list[BreachDeadline]:
    """When each regime wants the authority told of a breach the controller became aware of.

    Windows in hours run in UTC from the instant of awareness (72 hours across a change of
    summer time is 72 hours); windows in business days use the regime's calendar from
    ``calendars`` (Brazil's for LGPD); regimes that set no count ("without undue delay") are
    left out. ``unlawful_purpose`` selects APPI's longer final-report window.
    """
    start = _checks.aware_utc(aware_at, field="aware_at")
    chosen = [_regimes.regime_code(code, field="regimes") for code in regimes]
    result: list[BreachDeadline] = []
    for code in chosen:
        rule = _regimes.regime(code).rule("breach_notification")
        if rule is None or rule.value.get("period") is None:
            continue
        value = rule.value
        counting = value["counting"]
        period = value.get("unlawful_purpose_period") if unlawful_purpose else None
        months, days, hours = _parse_period(period or value["period"])
        if counting == "elapsed":
            due = start + dt.timedelta(hours=hours, days=days)
        else:
            calendar = (calendars or {}).get(code)
            if calendar is None:
                raise InvalidInput(f"{code} counts in a calendar: pass one", field="calendars")
            day = calendar.local_date(start)
            if counting == "business-days":
                day = calendar.add_working_days(day, days)
            else:
                day = _plus_months(day, months) + dt.timedelta(days=days)
            due = calendar.end_of(day)
        result.append(BreachDeadline(code, due, counting, rule.cite, rule.note or ""))
    return sorted(result, key=lambda item: (item.due_at, item.regime))
