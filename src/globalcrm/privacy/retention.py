"""Retention: how long each kind of record is kept after the event that starts its clock.

A :class:`RetentionPolicy` names what it covers (a ``scope`` the store knows), the event that
starts the clock (``trigger``), an ISO 8601 duration, what happens when it runs out (``action``)
and the ground for it (storage limitation, GDPR Art. 5(1)(e); minimum periods such as tax law or
the CCPA's 24 months of request records). Only combinations the store can act on are accepted
(:data:`COMBINATIONS`): a policy that could only be stored and skipped is refused when made.
Durations are added in the controller's zone on the wall clock, calendar-wise (a year after 29
February is 28 February), so a boundary is exact across summer-time changes: three years after
01:30 on the night clocks go back is 01:30 three years later, local time. A :class:`LegalHold`
stops every policy for its subject until released. :func:`decide` is the sweep's whole decision
(who is told first, who is acted on, who waits, who is held), so a dry run and the real run
decide alike.

```pycon
>>> import datetime as dt
>>> policy = RetentionPolicy(name="dormant_customers", scope="customer",
...                          trigger="last_interaction", duration="P3Y", action="erase",
...                          cite="GDPR Art. 5(1)(e)", time_zone="Europe/Vilnius")
>>> last = dt.datetime(2022, 10, 30, 0, 30, tzinfo=dt.UTC)   # 03:30 in Vilnius, EEST
>>> policy.expires_at(last)
datetime.datetime(2025, 10, 30, 1, 30, tzinfo=datetime.timezone.utc)
>>> RetentionPolicy(name="old_logs", scope="audit", trigger="created", duration="P6Y",
...                 action="delete", cite="GDPR Art. 5(1)(e)")
Traceback (most recent call last):
globalcrm.errors.InvalidInput: action: a policy of scope 'audit' can only review ...

```
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import TypeVar

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput

__all__ = [
    "ACTIONS",
    "COMBINATIONS",
    "SCOPES",
    "TRIGGERS",
    "WITHDRAWALS",
    "Clock",
    "Decision",
    "LegalHold",
    "Notice",
    "PolicyOutcome",
    "RetentionNotice",
    "RetentionPolicy",
    "SweepReport",
    "decide",
    "due_subjects",
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
"""Events that start a retention clock (``account_closed`` is refused: the store records none)."""

ACTIONS = ("delete", "anonymise", "erase", "shred", "review")
"""``delete`` rows, ``anonymise`` their personal values, ``erase`` the whole subject (as
``crm.privacy.erase``), ``shred`` the subject's sealed evidence (destroy the key), or only list
them for a person to ``review``."""

COMBINATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "customer": (
        ("created", "last_interaction", "last_purchase", "consent_withdrawn"),
        ("erase", "shred", "review"),
    ),
    "interactions": (("created", "last_interaction"), ("delete", "anonymise", "review")),
    "consent_evidence": (("consent_withdrawn",), ("shred", "review")),
    "requests": (("request_completed",), ("delete", "anonymise", "review")),
    "audit": (("created",), ("review",)),
}
"""Per scope, the triggers whose instant the store reads and the actions it can take.

A customer is erased as a whole (the registry deletes what identifies them and keeps what a
law needs without the link) or their key shredded; interactions and closed requests are deleted
or their personal values emptied; consent evidence is sealed under the subject's key, so it is
shredded by destroying the key, and only once no consent of theirs is in force; the audit log is
hash-chained, so its entries are only listed for review.
"""

WITHDRAWALS = frozenset({"withdrawn", "revoked", "objected"})
"""Consent states that end a consent on the subject's (or a revoker's) word: ``consent_withdrawn``
starts at the newest of them, once no consent of the subject asks to process any more."""

_WHY = {
    "customer": "a whole customer is erased as the registry says (what a law keeps loses the "
    "link), or their key is shredded",
    "consent_evidence": "evidence is sealed under the subject's key, so it is shredded by "
    "destroying that key",
    "audit": "deleting or changing an entry would break the hash chain",
}
_PER_SUBJECT = frozenset(
    {
        ("customer", trigger)
        for trigger in COMBINATIONS["customer"][0]
    }
    | {("consent_evidence", "consent_withdrawn"), ("interactions", "last_interaction")}
)
"""(scope, trigger) pairs whose clock is the subject's own (one per customer): these may notify."""

_DURATION = re.compile(
    r"P(?!$)(?:(?P<years>\d{1,3})Y)?(?:(?P<months>\d{1,4})M)?(?:(?P<weeks>\d{1,4})W)?"
    r"(?:(?P<days>\d{1,5})D)?(?:T(?!$)(?:(?P<hours>\d{1,6})H)?(?:(?P<minutes>\d{1,7})M)?)?"
)


def combinations_text() -> str:
    """The accepted (scope, trigger, action) combinations, for error messages and the docs."""
    return "; ".join(
        f"{scope}: {'|'.join(triggers)} -> {'|'.join(actions)}"
        for scope, (triggers, actions) in COMBINATIONS.items()
    )


def _either(options: tuple[str, ...], *, quoted: bool = True) -> str:
    shown = [repr(option) if quoted else option for option in options]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]


def _duration(value: object) -> str:
    if not isinstance(value, str) or not _DURATION.fullmatch(value.strip()):
        raise InvalidFormat(
            "expected an ISO 8601 duration such as 'P3Y' or 'P18M'", field="duration"
        )
    return value.strip()


def _parts(duration: str) -> dict[str, int]:
    match = _DURATION.fullmatch(duration)
    assert match is not None  # noqa: S101 - checked by _duration
    return {key: int(value or 0) for key, value in match.groupdict().items()}


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
    if value is None:
        return None
    if not isinstance(value, str) or not _DURATION.fullmatch(value.strip()):
        raise InvalidFormat(
            "expected an ISO 8601 duration such as 'PT48H' or 'P7D'", field="pre_notice"
        )
    chosen = value.strip()
    part = _parts(chosen)
    if part["years"] or part["months"]:
        raise InvalidInput("a pre-notice is given in weeks, days or hours", field="pre_notice")
    return chosen


def add_wall_clock(instant: dt.datetime, duration: str, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """``instant`` plus ``duration`` on the wall clock of ``zone`` (calendar-wise), in UTC.

    Years and months keep the day of the month (clamped to the month's end); weeks, days, hours
    and minutes are added to the local wall time. A wall time that does not exist (the hour
    skipped in spring) is taken as the instant it would have been (``fold=0``).
    """
    part = _parts(_duration(duration))
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
    Rules: 48 hours before erasing an inactive account); the act then waits until that period
    has passed after the notice was actually recorded. Only combinations in
    :data:`COMBINATIONS` are accepted, and a pre-notice only where the clock is the subject's
    own and the action does something.
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
        listed = f"; the combinations are {combinations_text()}"
        if self.trigger == "account_closed":
            raise InvalidInput(
                "the store records no closing of an account: start the clock at "
                "last_interaction or last_purchase, or erase the customer when the account "
                "closes",
                field="trigger",
            )
        triggers, actions = COMBINATIONS[self.scope]
        if self.trigger not in triggers:
            raise InvalidInput(
                f"a policy of scope {self.scope!r} starts its clock at {_either(triggers)}"
                + listed,
                field="trigger",
            )
        if self.action not in actions:
            only = "can only" if len(actions) == 1 else "can"
            why = f" ({_WHY[self.scope]})" if self.scope in _WHY else ""
            raise InvalidInput(
                f"a policy of scope {self.scope!r} {only} {_either(actions, quoted=False)}"
                f"{why}{listed}",
                field="action",
            )
        if self.pre_notice is not None:
            if self.action == "review":
                raise InvalidInput(
                    "a pre-notice announces an act, and 'review' only lists", field="pre_notice"
                )
            if not self.subject_clock:
                raise InvalidInput(
                    "a pre-notice is sent where the clock is the subject's own: scope customer, "
                    "consent_evidence, or interactions with trigger last_interaction",
                    field="pre_notice",
                )

    @property
    def subject_clock(self) -> bool:
        """Whether the clock is the subject's own (one per customer), not one per record."""
        return (self.scope, self.trigger) in _PER_SUBJECT

    @property
    def notice_period(self) -> dt.timedelta | None:
        """The pre-notice as a period (``None`` without one)."""
        if self.pre_notice is None:
            return None
        part = _parts(self.pre_notice)
        return dt.timedelta(
            weeks=part["weeks"], days=part["days"], hours=part["hours"], minutes=part["minutes"]
        )

    def expires_at(self, trigger_at: dt.datetime) -> dt.datetime:
        """The instant the period that started at ``trigger_at`` ends."""
        return add_wall_clock(trigger_at, self.duration, zoneinfo.ZoneInfo(self.time_zone))

    def is_due(self, trigger_at: dt.datetime, now: dt.datetime) -> bool:
        """Whether the period that started at ``trigger_at`` has ended at ``now`` (inclusive)."""
        return self.expires_at(trigger_at) <= _checks.aware_utc(now, field="now")

    def notice_at(self, trigger_at: dt.datetime) -> dt.datetime | None:
        """When the subject is to be told before the end (``None`` without a pre-notice)."""
        ahead = self.notice_period
        return None if ahead is None else self.expires_at(trigger_at) - ahead

    def candidates_before(self, now: dt.datetime) -> dt.datetime:
        """A trigger instant at or after which no record can be due at ``now`` (for a query).

        Calendar arithmetic is not invertible (31 January plus a month is 28 February), so the
        store selects records triggered before this bound, a few days wide of the exact one,
        and :meth:`is_due` decides each: a dry run and the real run decide alike. With a
        pre-notice the bound covers the subjects to be told too.
        """
        moment = _checks.aware_utc(now, field="now")
        part = _parts(self.duration)
        shortest = dt.timedelta(
            days=365 * part["years"] + 28 * part["months"] + 7 * part["weeks"] + part["days"],
            hours=part["hours"],
            minutes=part["minutes"],
        )
        try:
            return moment + (self.notice_period or dt.timedelta()) - shortest + dt.timedelta(
                days=4
            )
        except OverflowError:
            return dt.datetime.max.replace(tzinfo=dt.UTC)


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
    reason: str = attrs.field(converter=_reason, repr=_checks.masked)
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


# --------------------------------------------------------------------------- the decision


def _record(value: object) -> str:
    return _checks.text(value, field="record", max_length=200)


def _optional_subject(value: object) -> str | None:
    return None if value is None else _subject(value)


def _started(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="started")


@attrs.frozen(kw_only=True)
class Clock:
    """One retention clock: the ``record`` it covers, whose it is, and when it started.

    For a policy whose clock is the subject's own, ``record`` is the subject's id.
    """

    record: str = attrs.field(converter=_record)
    started: dt.datetime = attrs.field(converter=_started)
    subject: str | None = attrs.field(default=None, converter=_optional_subject)


@attrs.frozen(kw_only=True)
class Notice:
    """A pre-erasure notice to send: who, and the instant from which the act may happen."""

    subject: str
    due_at: dt.datetime


def _policy_name(value: object) -> str:
    return _checks.code(value, field="policy")


def _noticed_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="noticed_at")


def _due_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="due_at")


@attrs.frozen(kw_only=True)
class RetentionNotice:
    """A pre-erasure notice as recorded: under which policy, to whom, when, and due when."""

    policy: str = attrs.field(converter=_policy_name)
    subject_ref: str = attrs.field(converter=_subject)
    noticed_at: dt.datetime = attrs.field(converter=_noticed_at)
    due_at: dt.datetime = attrs.field(converter=_due_at)


@attrs.frozen(kw_only=True)
class Decision:
    """What a policy does at an instant: act, notify first, wait out a notice, or hold."""

    act: tuple[Clock, ...]
    notify: tuple[Notice, ...]
    waiting: tuple[str, ...]
    held: tuple[str, ...]


_T = TypeVar("_T")


def _items(values: object, kind: type[_T], field: str) -> list[_T]:
    """``values`` as a list of ``kind`` (any iterable but text and mappings)."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidFormat(f"expected a list of {kind.__name__}", field=field)
    found = list(values)
    for index, value in enumerate(found):
        if not isinstance(value, kind):
            raise InvalidFormat(f"expected a {kind.__name__}", field=f"{field}[{index}]")
    return found


def _noticed(value: object) -> dict[str, dt.datetime]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of subject to instant", field="noticed")
    return {
        _subject(subject): _checks.aware_utc(at, field=f"noticed[{index}]")
        for index, (subject, at) in enumerate(value.items())
    }


def decide(
    policy: RetentionPolicy,
    clocks: Iterable[Clock],
    now: dt.datetime,
    *,
    holds: Iterable[LegalHold] = (),
    noticed: Mapping[str, dt.datetime] | None = None,
) -> Decision:
    """What ``policy`` does at ``now`` with each clock: the sweep's one decision.

    Without a pre-notice a record is acted on once its period ended (inclusive). With one, the
    subject is first told when the notice instant (the end less the pre-notice) has passed and
    no notice was recorded since (``noticed``: the newest notice per subject); they are acted on
    once the period ended *and* the pre-notice has run from the notice actually recorded; in
    between they wait. A notice recorded before the current notice instant (the clock started
    again, the policy was lengthened) counts for nothing. Subjects under a hold in force are
    neither told nor acted on.
    """
    if not isinstance(policy, RetentionPolicy):
        raise InvalidFormat("expected a RetentionPolicy", field="policy")
    moment = _checks.aware_utc(now, field="now")
    active = {hold.subject_ref for hold in _items(holds, LegalHold, "holds") if hold.active(moment)}
    told = _noticed(noticed)
    ahead = policy.notice_period
    act: list[Clock] = []
    notify: dict[str, Notice] = {}
    waiting: set[str] = set()
    on_hold: set[str] = set()
    for clock in _items(clocks, Clock, "clocks"):
        end = policy.expires_at(clock.started)
        owner = clock.subject
        if ahead is None or owner is None:
            if end > moment:
                continue
            step = "act"
        else:
            notice_from = end - ahead
            if notice_from > moment:
                continue
            last = told.get(owner)
            if last is None or last < notice_from:
                step = "notify"
            elif max(end, last + ahead) <= moment:
                step = "act"
            else:
                step = "wait"
        if owner is not None and owner in active:
            on_hold.add(owner)
        elif step == "act":
            act.append(clock)
        elif step == "notify":
            assert owner is not None  # noqa: S101 - only owned clocks are told
            due_at = max(end, moment + (ahead or dt.timedelta()))
            notify[owner] = Notice(subject=owner, due_at=due_at)
        else:
            assert owner is not None  # noqa: S101
            waiting.add(owner)
    return Decision(
        act=tuple(sorted(act, key=lambda clock: clock.record)),
        notify=tuple(notify[subject] for subject in sorted(notify)),
        waiting=tuple(sorted(waiting)),
        held=tuple(sorted(on_hold)),
    )


def due_subjects(
    policy: RetentionPolicy,
    triggers: Iterable[tuple[str, dt.datetime]],
    now: dt.datetime,
    holds: Iterable[LegalHold] = (),
) -> tuple[list[str], list[str]]:
    """(due, held): the subjects whose period ended at ``now``, and those of them on hold.

    ``triggers`` pairs each subject with the instant its clock started; the decision is
    :func:`decide`'s without a pre-notice, so a dry run and the real run decide alike.
    """
    if not isinstance(policy, RetentionPolicy):
        raise InvalidFormat("expected a RetentionPolicy", field="policy")
    plain = attrs.evolve(policy, pre_notice=None)
    clocks = []
    for index, pair in enumerate(_items(triggers, tuple, "triggers")):
        if len(pair) != 2:
            raise InvalidFormat("expected (subject, instant) pairs", field=f"triggers[{index}]")
        with _checks.at(f"triggers[{index}]"):
            clocks.append(Clock(record=pair[0], started=pair[1], subject=pair[0]))
    decision = decide(plain, clocks, now, holds=holds)
    return [clock.record for clock in decision.act], list(decision.held)


# --------------------------------------------------------------------------- sweep results


@attrs.frozen(kw_only=True)
class PolicyOutcome:
    """What one policy did in a sweep (or, in a dry run, would do).

    ``subjects`` are acted on (their ``records`` rows, or the subjects themselves when the
    scope is a whole subject), ``noticed`` were told first and are acted on later, ``waiting``
    were told and their notice period still runs, ``held`` are under a legal hold. ``acted``
    counts what was done (0 in a dry run, where ``records`` says what would be).
    """

    policy: str
    action: str
    subjects: tuple[str, ...]
    held: tuple[str, ...]
    acted: int
    scope: str = "customer"
    records: int = 0
    noticed: tuple[str, ...] = ()
    waiting: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """A JSON object."""
        return {
            "policy": self.policy,
            "scope": self.scope,
            "action": self.action,
            "due": len(self.subjects),
            "records": self.records,
            "held": len(self.held),
            "noticed": len(self.noticed),
            "waiting": len(self.waiting),
            "acted": self.acted,
            "subjects": list(self.subjects),
            "noticed_subjects": list(self.noticed),
        }


@attrs.frozen(kw_only=True)
class SweepReport:
    """A retention sweep: per policy what was due, told and done (``dry_run``: nothing was)."""

    at: dt.datetime
    dry_run: bool
    outcomes: tuple[PolicyOutcome, ...]

    @property
    def due(self) -> int:
        """How many subjects the policies found due (a subject may be due under two)."""
        return sum(len(outcome.subjects) for outcome in self.outcomes)

    @property
    def noticed(self) -> int:
        """How many pre-erasure notices were sent (in a dry run: would be)."""
        return sum(len(outcome.noticed) for outcome in self.outcomes)

    @property
    def acted(self) -> int:
        """How many records were acted on (0 in a dry run)."""
        return sum(outcome.acted for outcome in self.outcomes)

    def to_json(self) -> dict[str, object]:
        """A JSON object."""
        return {
            "at": self.at.isoformat(),
            "dry_run": self.dry_run,
            "due": self.due,
            "noticed": self.noticed,
            "acted": self.acted,
            "policies": [outcome.to_json() for outcome in self.outcomes],
        }
