"""Data-subject requests: what was asked, under which regimes, and every step until the answer.

A request is an aggregate whose history is append-only (:class:`RequestEvent`): it is opened
with the instant and channel it was received on, identity is verified, the clock may be paused
while the controller waits for the requester (identity, clarification: UK GDPR Art. 12A's
"stop the clock", ICO guidance), extended once with notice sent before the original due date
(GDPR Art. 12(3), CCPA §1798.130(a)(2)(A), PIPEDA s.8(4), PAIA s.57), and closed by completion
or by a rejection that cites its ground. Its due date is the earliest of the regimes' deadlines
(:mod:`globalcrm.privacy.deadlines`), moved by the whole days the clock stood still, except under
the CCPA, whose 45 days run from receipt whatever verification takes (11 CCR §7021(b)).

Each step keeps its facts (codes, instants, citations) in ``detail`` and any free text (why the
period was extended, what the answer said) in ``note``: the facts are the controller's record of
how the request was answered, the free text may name people and is erased with them.

```pycon
>>> import datetime as dt
>>> from globalcrm.privacy.deadlines import LegalCalendar
>>> vilnius = LegalCalendar(time_zone="Europe/Vilnius", country="LT")
>>> request = DataSubjectRequest.open(
...     right="access", regimes=["eu-gdpr"], received_at=dt.datetime(2025, 9, 3, 9, tzinfo=dt.UTC),
...     channel="email", calendar=vilnius, customer_id="01KAQ3V4J5ZC6Y3W8N0R2T4V6X",
...     identity_verified=True)
>>> request.deadline().due_date
datetime.date(2025, 10, 3)
>>> paused = request.pause(at=dt.datetime(2025, 9, 5, 9, tzinfo=dt.UTC), reason="identity")
>>> resumed = paused.resume(at=dt.datetime(2025, 9, 10, 9, tzinfo=dt.UTC))
>>> resumed.deadline().due_date, resumed.status
(datetime.date(2025, 10, 8), 'in_progress')

```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.identifiers import check_id, new_id
from globalcrm.interactions import CHANNELS
from globalcrm.privacy import regimes as _regimes
from globalcrm.privacy.deadlines import (
    Deadline,
    LegalCalendar,
    LegalCalendars,
    earliest,
    response_deadline,
)

__all__ = [
    "EVENT_KINDS",
    "REJECTION_GROUNDS",
    "RIGHTS",
    "STATUSES",
    "DataSubjectRequest",
    "DueRequest",
    "RequestEvent",
]

RIGHTS = (
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "opt_out_sale_share",
    "opt_out_marketing",
    "limit_sensitive",
    "withdraw_consent",
    "automated_decision",
    "notify_recipients",
    "nominate",
    "complain",
    "acknowledge",
)
"""Rights a request may invoke: every right of the regime data, CCPA's limit on sensitive data,
and ``acknowledge`` (the CCPA's confirmation of receipt, which has a period of its own)."""

STATUSES = ("received", "in_progress", "paused", "completed", "rejected")
"""``received`` until identity is verified (or the request needs none), ``paused`` while the
clock stands still, ``completed`` or ``rejected`` when closed."""

EVENT_KINDS = (
    "opened",
    "identity_verified",
    "paused",
    "resumed",
    "extended",
    "completed",
    "rejected",
)

REJECTION_GROUNDS = (
    "identity_not_verified",
    "manifestly_unfounded",
    "excessive",
    "legal_obligation",
    "legal_claims",
    "freedom_of_expression",
    "public_interest",
    "rights_of_others",
    "not_applicable",
    "other",
)
"""Grounds a rejection cites (GDPR Arts. 12(5), 17(3), 15(4); CCPA §1798.105(d); the regime's
own exemptions under ``other`` with the citation in the note)."""

_CLOSED = frozenset({"completed", "rejected"})


def _kind(value: object) -> str:
    return _checks.choice(value, EVENT_KINDS, field="kind", what="request event")


def _at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="at")


def _detail(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of JSON-safe values", field="detail")
    checked: dict[str, Any] = _checks.json_safe(value, field="detail")
    _checks.json_size(checked, field="detail", max_bytes=8_000)
    return checked


def _note(value: object) -> str | None:
    if value is None:
        return None
    text = _checks.text(value, field="note", max_length=2_000, allow_empty=True, multiline=True)
    return text or None


@attrs.frozen(kw_only=True)
class RequestEvent:
    """One step of a request's history (never changed or deleted)."""

    kind: str = attrs.field(converter=_kind)
    at: dt.datetime = attrs.field(converter=_at)
    detail: dict[str, Any] = attrs.field(factory=dict, converter=_detail, repr=_checks.masked)
    note: str | None = attrs.field(default=None, converter=_note, repr=_checks.masked)
    """Free text of the step (an extension's reason, a summary of the answer): may be personal."""


def _right(value: object) -> str:
    return _checks.choice(value, RIGHTS, field="right", what="right")


def _regime_codes(value: object) -> tuple[str, ...]:
    items = _checks.sequence(value, field="regimes")
    if not items:
        raise InvalidInput("a request is made under at least one regime", field="regimes")
    codes = [_regimes.regime_code(item, field=f"regimes[{i}]") for i, item in enumerate(items)]
    return tuple(dict.fromkeys(codes))


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


def _calendar(value: object) -> LegalCalendar:
    if not isinstance(value, LegalCalendar):
        raise InvalidFormat("expected a LegalCalendar", field="calendar")
    return value


def _regime_calendars(value: object) -> tuple[tuple[str, LegalCalendar], ...]:
    """A mapping (or pairs) of regime code to calendar, as sorted pairs."""
    return LegalCalendars(regimes=value).regimes


def _customer(value: object) -> str | None:
    return None if value is None else check_id(value, field="customer_id")


def _requester(value: object) -> str | None:
    return _checks.optional_text(value, field="requester", max_length=320)


def _status(value: object) -> str:
    return _checks.choice(value, STATUSES, field="status", what="request status")


def _event(value: object) -> RequestEvent:
    if not isinstance(value, RequestEvent):
        raise InvalidFormat("expected a RequestEvent")
    return value


def _events(value: object) -> tuple[RequestEvent, ...]:
    return _checks.each(value, "events", _event)


def _id(value: object) -> str:
    return check_id(value)


def _tenant(value: object) -> str:
    return _checks.tenant(value)


@attrs.frozen(kw_only=True)
class DataSubjectRequest:
    """A data subject's request (a customer, or a requester not yet identified) to use a right.

    Every change returns a new request with one more event; the stored history is the proof.
    ``requester`` is how an unidentified person can be reached (personal data: shown in no repr);
    a closed request may have neither once a retention policy anonymised it.
    """

    right: str = attrs.field(converter=_right)
    regimes: tuple[str, ...] = attrs.field(converter=_regime_codes)
    received_at: dt.datetime = attrs.field(converter=_at)
    channel: str = attrs.field(converter=_channel)
    calendar: LegalCalendar = attrs.field(converter=_calendar)
    regime_calendars: tuple[tuple[str, LegalCalendar], ...] = attrs.field(
        default=(), converter=_regime_calendars
    )
    """Calendars of single regimes where they differ from ``calendar`` (Brazil's for LGPD)."""
    customer_id: str | None = attrs.field(default=None, converter=_customer)
    requester: str | None = attrs.field(default=None, converter=_requester, repr=_checks.masked)
    status: str = attrs.field(default="received", converter=_status)
    events: tuple[RequestEvent, ...] = attrs.field(default=(), converter=_events, repr=False)
    tenant: str = attrs.field(default="default", converter=_tenant)
    id: str = attrs.field(factory=new_id, converter=_id)

    def __attrs_post_init__(self) -> None:
        # a closed request may have lost its requester to a retention policy (anonymised)
        if self.customer_id is None and self.requester is None and self.status not in _CLOSED:
            raise InvalidInput(
                "a request names a customer, or how to reach the requester", field="requester"
            )

    @classmethod
    def open(
        cls,
        *,
        right: str,
        regimes: Iterable[str],
        received_at: dt.datetime,
        channel: str,
        calendar: LegalCalendar,
        customer_id: str | None = None,
        requester: str | None = None,
        identity_verified: bool = False,
        tenant: str = "default",
        regime_calendars: Mapping[str, LegalCalendar] | None = None,
        id: str | None = None,  # noqa: A002 - the field's name
    ) -> DataSubjectRequest:
        """A new request received at ``received_at``.

        ``identity_verified=True`` when the requester is already authenticated (a customer
        logged in to their account); otherwise :meth:`verify_identity` records it later.
        ``regime_calendars`` count single regimes in calendars of their own.
        """
        _checks.flag(identity_verified, field="identity_verified")
        received = _at(received_at)
        events = [RequestEvent(kind="opened", at=received)]
        status = "received"
        if identity_verified:
            events.append(RequestEvent(kind="identity_verified", at=received))
            status = "in_progress"
        return cls(
            right=right,
            regimes=list(regimes) if not isinstance(regimes, str) else [regimes],
            received_at=received,
            channel=channel,
            calendar=calendar,
            customer_id=customer_id,
            requester=requester,
            status=status,
            events=tuple(events),
            tenant=tenant,
            regime_calendars=regime_calendars or {},
            id=new_id() if id is None else id,
        )

    # ----------------------------------------------------------------- derived state

    @property
    def paused_days(self) -> int:
        """Whole days the clock stood still: from each pause's date to its resumption's date."""
        total = 0
        started: dt.date | None = None
        for event in self.events:
            if event.kind == "paused":
                started = self.calendar.local_date(event.at)
            elif event.kind == "resumed" and started is not None:
                total += (self.calendar.local_date(event.at) - started).days
                started = None
        return total

    @property
    def extended(self) -> bool:
        """Whether the regimes' extension was taken (with notice in time)."""
        return any(event.kind == "extended" for event in self.events)

    @property
    def identity_verified(self) -> bool:
        """Whether the requester's identity was verified (at opening or later)."""
        return any(event.kind == "identity_verified" for event in self.events)

    @property
    def closed_at(self) -> dt.datetime | None:
        """When the request was completed or rejected (``None`` while open)."""
        last = self.events[-1] if self.events else None
        return last.at if last is not None and self.status in _CLOSED else None

    def calendar_for(self, regime: str) -> LegalCalendar:
        """The calendar ``regime`` is counted in: its own if configured, else the controller's."""
        return dict(self.regime_calendars).get(regime, self.calendar)

    def regime_deadlines(self, *, extended: bool | None = None) -> dict[str, Deadline]:
        """Each regime's deadline, with pauses and any extension; silent regimes left out.

        A regime without an extension keeps its plain deadline when the request is extended
        (the extension is taken under the regimes that allow one).
        """
        longer = self.extended if extended is None else extended
        paused = self.paused_days
        found: dict[str, Deadline] = {}
        for code in self.regimes:
            pauses = paused if _clock_stops(code, self.right) else 0
            for stretch in ((True, False) if longer else (False,)):
                try:
                    found[code] = response_deadline(
                        code,
                        received_at=self.received_at,
                        calendar=self.calendar_for(code),
                        right=self.right,
                        extended=stretch,
                        paused_days=pauses,
                    )
                    break
                except RuleViolation:
                    continue  # no count (or no extension) under this regime
        return found

    def deadline(self, *, extended: bool | None = None) -> Deadline:
        """The earliest due date of the request's regimes, with pauses and any extension."""
        found = self.regime_deadlines(extended=extended)
        if not found:
            raise RuleViolation(
                "none of the request's regimes sets a day count: answer without undue delay",
                field="regimes",
            )
        return earliest(found.values())

    def due(self) -> Deadline | None:
        """The deadline while the clock runs; ``None`` while paused, once closed, or uncounted."""
        if self.status in _CLOSED or self.status == "paused":
            return None
        found = self.regime_deadlines()
        return earliest(found.values()) if found else None

    def is_overdue(self, at: dt.datetime) -> bool:
        """Whether the request is open, its clock running, and past its due instant.

        A paused request is never overdue (its clock stands still), nor one whose regimes set
        no day count.
        """
        moment = _at(at)
        if self.status in _CLOSED or self.status == "paused":
            return False
        found = self.regime_deadlines()
        return bool(found) and moment > earliest(found.values()).due_at

    # ----------------------------------------------------------------- steps

    def _then(
        self, kind: str, at: object, status: str, note: str | None = None, **detail: Any
    ) -> DataSubjectRequest:
        if self.status in _CLOSED:
            raise RuleViolation(f"the request is already {self.status}", field="status")
        moment = _at(at)
        if self.events and moment < self.events[-1].at:
            raise InvalidInput("is before the request's last step", field="at")
        event = RequestEvent(kind=kind, at=moment, detail=detail, note=note)
        return attrs.evolve(self, status=status, events=(*self.events, event))

    def verify_identity(
        self, *, at: dt.datetime, method: str = "unspecified", customer_id: str | None = None
    ) -> DataSubjectRequest:
        """The requester's identity was verified (``method``: ``login``, ``id_document``...).

        ``customer_id`` links a request made by a requester not yet identified to the customer
        they proved to be; a request already about a customer cannot change to another.
        """
        if self.identity_verified:
            raise RuleViolation("identity is already verified", field="status")
        link = _customer(customer_id)
        if link is not None and self.customer_id is not None and link != self.customer_id:
            raise RuleViolation("the request is about another customer", field="customer_id")
        status = "paused" if self.status == "paused" else "in_progress"
        detail: dict[str, Any] = {"method": _checks.code(method, field="method")}
        if link is not None and self.customer_id is None:
            detail["customer_id"] = link
        verified = self._then("identity_verified", at, status, **detail)
        return verified if link is None else attrs.evolve(verified, customer_id=link)

    def pause(self, *, at: dt.datetime, reason: str) -> DataSubjectRequest:
        """Stop the clock while waiting for the requester; not after the due date."""
        if self.status == "paused":
            raise RuleViolation("the clock is already paused", field="status")
        moment = _at(at)
        if self.is_overdue(moment):
            raise RuleViolation("the request is overdue: its clock can no longer stop", field="at")
        return self._then("paused", moment, "paused", reason=_checks.code(reason, field="reason"))

    def resume(self, *, at: dt.datetime) -> DataSubjectRequest:
        """Start the clock again; the due date moves by the whole days it stood still."""
        if self.status != "paused":
            raise RuleViolation("the clock is not paused", field="status")
        return self._then("resumed", at, "in_progress" if self.identity_verified else "received")

    def extend(
        self, *, at: dt.datetime, notice_sent_at: dt.datetime, reason: str
    ) -> DataSubjectRequest:
        """Take the regimes' extension; the requester must have been told before the due date."""
        if self.extended:
            raise RuleViolation("the request was already extended", field="status")
        notice = _checks.aware_utc(notice_sent_at, field="notice_sent_at")
        if notice > self.deadline(extended=False).due_at:
            raise RuleViolation(
                "the extension's notice was sent after the original due date",
                field="notice_sent_at",
            )
        if not any(found.extended for found in self.regime_deadlines(extended=True).values()):
            raise RuleViolation("none of the request's regimes allows an extension", field="status")
        return self._then(
            "extended",
            at,
            self.status,
            note=_checks.text(reason, field="reason", max_length=500),
            notice_sent_at=notice.isoformat(),
        )

    def complete(self, *, at: dt.datetime, summary: str = "") -> DataSubjectRequest:
        """The request was answered (``summary``: what was done, kept as the step's note)."""
        text = _checks.text(summary, field="summary", max_length=2_000, allow_empty=True)
        return self._then("completed", at, "completed", note=text or None)

    def reject(self, *, at: dt.datetime, ground: str, cite: str) -> DataSubjectRequest:
        """Refuse the request, citing the ground and the article it rests on."""
        code = _checks.choice(ground, REJECTION_GROUNDS, field="ground", what="ground")
        citation = _checks.text(cite, field="cite", max_length=300)
        return self._then("rejected", at, "rejected", ground=code, cite=citation)

    def history(self) -> tuple[RequestEvent, ...]:
        """Every step, oldest first."""
        return self.events


def _clock_stops(regime: str, right: str) -> bool:
    """Whether a pause stops this regime's clock (the regime data says where it does not)."""
    found = _regimes.regime(regime)
    rule = found.rule(f"request_deadline.{right}") or found.rule("request_deadline")
    return rule is None or rule.value.get("clock_stops", True) is not False


def deemed_refusal(regime: str) -> str | None:
    """The citation under which an unanswered request counts as refused, if the regime has one."""
    rule = _regimes.regime(regime).rule("deemed_refusal")
    return None if rule is None or not rule.value else rule.cite


@attrs.frozen(kw_only=True)
class DueRequest:
    """An open request on the overdue or due-soon list: what it is and when each regime wants it.

    ``deemed_refused`` names the regimes under which the request already counts as refused
    (PIPEDA s.8(5), PAIA s.58: no answer in time is a refusal the requester may complain of).
    """

    id: str
    customer_id: str | None
    right: str
    regimes: tuple[str, ...]
    status: str
    received_at: dt.datetime
    due_at: dt.datetime
    due_regime: str
    deadlines: dict[str, dt.datetime] = attrs.field(factory=dict)
    deemed_refused: tuple[str, ...] = ()

    def overdue_at(self, at: dt.datetime) -> bool:
        """Whether the request is past its due instant at ``at``."""
        return _at(at) > self.due_at
