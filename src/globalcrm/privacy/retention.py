"""Retention: how long each kind of record is kept after the event that starts its clock.

A :class:`RetentionPolicy` names what it covers (a ``scope`` the store knows), the event that
starts the clock (``trigger``), an ISO 8601 duration, what happens when it runs out (``action``)
and the ground for it (storage limitation, GDPR Art. 5(1)(e); minimum periods such as tax law or
the CCPA's 24 months of request records). Durations are added in the controller's zone on the
wall clock, calendar-wise (a year after 29 February is 28 February), so a boundary is exact
across summer-time changes: three years after 01:30 on the night clocks go back is 01:30 three
years later, local time. A :class:`LegalHold` stops every policy for its subject until released.

```pycon
>>> import datetime as dt
>>> policy = RetentionPolicy(name="dormant_customers", scope="customer",
...                          trigger="last_interaction", duration="P3Y", action="erase",
...                          cite="GDPR Art. 5(1)(e)", time_zone="Europe/Vilnius")
>>> last = dt.datetime(2022, 10, 30, 0, 30, tzinfo=dt.UTC)   # 03:30 in Vilnius, EEST
>>> policy.expires_at(last)
datetime.datetime(2025, 10, 30, 1, 30, tzinfo=datetime.timezone.utc)

```
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput

__all__ = [
    "ACTIONS",
    "SCOPES",
    "TRIGGERS",
    "LegalHold",
    "RetentionPolicy",
    "held",
]

SCOPES = ("customer", "interactions", "consent_evidence", "requests", "audit")
"""What a policy can cover: a whole customer, their interactions, the evidence sealed in their
consent events, closed data-subject requests, audit entries."""

TRIGGERS = (
    "created",
    "last_interaction",
    "last_purchase",
    "account_closed",
    "consent_withdrawn",
    "request_completed",
)
"""Events that start a retention clock."""

ACTIONS = ("delete", "anonymise", "erase", "shred", "review")
"""``delete`` rows, ``anonymise`` their personal values, ``erase`` the whole subject (as
``crm.privacy.erase``), ``shred`` the subject's sealed evidence (destroy the key), or only list
them for a person to ``review``."""

_DURATION = re.compile(
    r"P(?!$)(?:(?P<years>\d{1,3})Y)?(?:(?P<months>\d{1,4})M)?(?:(?P<weeks>\d{1,4})W)?"
    r"(?:(?P<days>\d{1,5})D)?(?:T(?!$)(?:(?P<hours>\d{1,6})H)?(?:(?P<minutes>\d{1,7})M)?)?"
)


def _duration(value: object) -> str:
    if not isinstance(value, str) or not _DURATION.fullmatch(value.strip()):
        raise InvalidFormat(
            "expected an ISO 8601 duration such as 'P3Y' or 'P18M'", field="duration"
        )
    return value.strip()


def _name(value: object) -> str:
    return _checks.code(value, field="name")


def _scope(value: object) -> str:
    return _checks.choice(value, SCOPES, field="scope", what="retention scope")


def _trigger(value: object) -> str:
    return _checks.choice(value, TRIGGERS, field="trigger", what="retention trigger")


def _action(value: object) -> str:
    return _checks.choice(value, ACTIONS, field="action", what="retention action")


def _cite(value: object) -> str:
    return _checks.text(value, field="cite", max_length=300)


def _time_zone(value: object) -> str:
    return _checks.time_zone(value)


def _notice(value: object) -> str | None:
    return None if value is None else _duration(value)


def add_wall_clock(instant: dt.datetime, duration: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """``instant`` plus ``duration`` on the wall clock of ``zone`` (calendar-wise), in UTC.

    Years and months keep the day of the month (clamped to the month's end); weeks, days, hours
    and minutes are added to the local wall time. A wall time that does not exist (the hour
    skipped in spring) is taken as the instant it would have been (``fold=0``).
    """
    match = _DURATION.fullmatch(_duration(duration))
    assert match is not None  # noqa: S101 - checked by _duration
    part = {key: int(value or 0) for key, value in match.groupdict().items()}
    local = _checks.aware_utc(instant, field="instant").astimezone(zone)
    index = local.month - 1 + part["months"] + 12 * part["years"]
    year, month = local.year + index // 12, index % 12 + 1
    if not 1 <= year <= 9999:
        raise InvalidInput("the period runs past the year 9999", field="duration")
    day = min(local.day, _calendar.monthrange(year, month)[1])
    wall = local.replace(tzinfo=None, year=year, month=month, day=day)
    try:
        wall += dt.timedelta(
            weeks=part["weeks"], days=part["days"], hours=part["hours"], minutes=part["minutes"]
        )
    except OverflowError:
        raise InvalidInput("the period runs past the year 9999", field="duration") from None
    return wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


@attrs.frozen(kw_only=True)
class RetentionPolicy:
    """How long records of a ``scope`` are kept after their ``trigger``, and what happens then.

    ``pre_notice`` is a period before the end in which the subject is told first (India's DPDP
    Rules: 48 hours before erasing an inactive account).
    """

    name: str = attrs.field(converter=_name)
    scope: str = attrs.field(converter=_scope)
    trigger: str = attrs.field(converter=_trigger)
    duration: str = attrs.field(converter=_duration)
    action: str = attrs.field(converter=_action)
    cite: str = attrs.field(converter=_cite)
    time_zone: str = attrs.field(default="UTC", converter=_time_zone)
    pre_notice: str | None = attrs.field(default=None, converter=_notice)

    def __attrs_post_init__(self) -> None:
        if self.action == "erase" and self.scope != "customer":
            raise InvalidInput("only a customer can be erased as a whole", field="action")
        if self.action == "shred" and self.scope not in ("customer", "consent_evidence"):
            raise InvalidInput("shredding destroys a subject's key", field="action")

    def expires_at(self, trigger_at: dt.datetime) -> dt.datetime:
        """The instant the period that started at ``trigger_at`` ends."""
        return add_wall_clock(trigger_at, self.duration, zoneinfo.ZoneInfo(self.time_zone))

    def is_due(self, trigger_at: dt.datetime, now: dt.datetime) -> bool:
        """Whether the period that started at ``trigger_at`` has ended at ``now`` (inclusive)."""
        return self.expires_at(trigger_at) <= _checks.aware_utc(now, field="now")

    def notice_at(self, trigger_at: dt.datetime) -> dt.datetime | None:
        """When the subject is to be told before the end (``None`` without a pre-notice)."""
        if self.pre_notice is None:
            return None
        match = _DURATION.fullmatch(self.pre_notice)
        assert match is not None  # noqa: S101
        part = {key: int(value or 0) for key, value in match.groupdict().items()}
        if part["years"] or part["months"]:
            raise InvalidInput("a pre-notice is given in weeks, days or hours", field="pre_notice")
        ahead = dt.timedelta(
            weeks=part["weeks"], days=part["days"], hours=part["hours"], minutes=part["minutes"]
        )
        return self.expires_at(trigger_at) - ahead

    def candidates_before(self, now: dt.datetime) -> dt.datetime:
        """A trigger instant at or after which no record can be due at ``now`` (for a query).

        Calendar arithmetic is not invertible (31 January plus a month is 28 February), so the
        store selects records triggered before this bound, a few days wide of the exact one,
        and :meth:`is_due` decides each: a dry run and the real run decide alike.
        """
        moment = _checks.aware_utc(now, field="now")
        match = _DURATION.fullmatch(self.duration)
        assert match is not None  # noqa: S101
        part = {key: int(value or 0) for key, value in match.groupdict().items()}
        shortest = dt.timedelta(
            days=365 * part["years"] + 28 * part["months"] + 7 * part["weeks"] + part["days"],
            hours=part["hours"],
            minutes=part["minutes"],
        )
        try:
            return moment - shortest + dt.timedelta(days=4)
        except OverflowError:
            return moment


def _subject(value: object) -> str:
    return _checks.text(value, field="subject_ref", max_length=200)


def _reason(value: object) -> str:
    return _checks.text(value, field="reason", max_length=500)


def _placed(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="placed_at")


def _released(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="released_at")


@attrs.frozen(kw_only=True)
class LegalHold:
    """Keep everything about a subject (litigation, an investigation) until released."""

    subject_ref: str = attrs.field(converter=_subject)
    reason: str = attrs.field(converter=_reason)
    cite: str = attrs.field(converter=_cite)
    placed_at: dt.datetime = attrs.field(converter=_placed)
    released_at: dt.datetime | None = attrs.field(default=None, converter=_released)

    def active(self, at: dt.datetime) -> bool:
        """Whether the hold applies at ``at``."""
        moment = _checks.aware_utc(at, field="at")
        return self.placed_at <= moment and (self.released_at is None or moment < self.released_at)


def held(subject_ref: str, holds: Iterable[LegalHold], at: dt.datetime) -> list[LegalHold]:
    """The holds on ``subject_ref`` that apply at ``at``."""
    return [hold for hold in holds if hold.subject_ref == subject_ref and hold.active(at)]


# --------------------------------------------------------------------------- sweep results

__all__ += ["PolicyOutcome", "SweepReport", "due_subjects"]


def due_subjects(
    policy: RetentionPolicy,
    triggers: Iterable[tuple[str, dt.datetime]],
    now: dt.datetime,
    holds: Iterable[LegalHold] = (),
) -> tuple[list[str], list[str]]:
    """(due, held): the subjects whose period ended at ``now``, and those of them on hold.

    ``triggers`` pairs each subject with the instant its clock started; the decision is
    :meth:`RetentionPolicy.is_due`, so a dry run and the real run decide alike.
    """
    moment = _checks.aware_utc(now, field="now")
    active = {hold.subject_ref for hold in holds if hold.active(moment)}
    due = sorted(subject for subject, start in triggers if policy.is_due(start, moment))
    return [s for s in due if s not in active], [s for s in due if s in active]


@attrs.frozen(kw_only=True)
class PolicyOutcome:
    """What one policy found due (``subjects``), kept for a hold (``held``) and ``acted`` on."""

    policy: str
    action: str
    subjects: tuple[str, ...]
    held: tuple[str, ...]
    acted: int
    skipped: str | None = None

    def to_json(self) -> dict[str, object]:
        """A JSON object."""
        return {
            "policy": self.policy,
            "action": self.action,
            "due": len(self.subjects),
            "held": len(self.held),
            "acted": self.acted,
            "skipped": self.skipped,
            "subjects": list(self.subjects),
        }


@attrs.frozen(kw_only=True)
class SweepReport:
    """A retention sweep: per policy what was due and done (``dry_run``: nothing was done)."""

    at: dt.datetime
    dry_run: bool
    outcomes: tuple[PolicyOutcome, ...]

    @property
    def due(self) -> int:
        """How many subjects the policies found due (a subject may be due under two)."""
        return sum(len(outcome.subjects) for outcome in self.outcomes)

    def to_json(self) -> dict[str, object]:
        """A JSON object."""
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "due": self.due,
            "policies": [outcome.to_json() for outcome in self.outcomes],
        }
