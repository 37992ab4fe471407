"""Cases: one customer matter kept as one thread across channels, with status and assignment.

A case grows out of a conversation id (``Interaction.conversation``): every interaction with the
case's ``conversation`` belongs to it, whatever the channel, so a customer who starts on live
chat and continues by e-mail does not repeat themselves. The case records its history as events
(status changes, channel switches, assignments, priority changes, the first response), from
which the SLA clock's pauses are read. Statuses and their transitions follow the common helpdesk
model (Zendesk, Freshdesk, Dynamics): ``open``, ``pending_customer``, ``pending_internal``,
``resolved``, ``closed`` (final) and ``reopened``. Time is an argument of every change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.identifiers import check_id, new_id
from globalcrm.interactions import CHANNELS

__all__ = [
    "ACTIVE_STATUSES",
    "EVENT_KINDS",
    "PAUSED_STATUSES",
    "PRIORITIES",
    "STATUSES",
    "TRANSITIONS",
    "Case",
    "CaseEvent",
]

STATUSES = ("open", "pending_customer", "pending_internal", "resolved", "closed", "reopened")
"""A case's statuses; ``closed`` is final (a follow-up opens a new case on the same thread)."""
PRIORITIES = ("low", "normal", "high", "urgent")
ACTIVE_STATUSES = ("open", "pending_customer", "pending_internal", "reopened")
"""Statuses of a case that is not yet resolved."""
PAUSED_STATUSES = ("pending_customer", "resolved", "closed")
"""While a case is in one of these, its SLA clock stands still (waiting on the customer)."""
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("pending_customer", "pending_internal", "resolved"),
    "pending_customer": ("open", "pending_internal", "resolved"),
    "pending_internal": ("open", "pending_customer", "resolved"),
    "resolved": ("reopened", "closed"),
    "reopened": ("pending_customer", "pending_internal", "resolved"),
    "closed": (),
}
"""Which status may follow which."""
EVENT_KINDS = ("opened", "status", "channel", "team", "agent", "priority", "first_response")


def _at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="at")


def _kind(value: object) -> str:
    return _checks.choice(value, EVENT_KINDS, field="kind", what="case event")


def _value(value: object) -> str | None:
    return _checks.optional_text(value, field="value", max_length=200)


@attrs.frozen(kw_only=True)
class CaseEvent:
    """One change of a case: ``kind`` (status, channel, team, agent...) and its new ``value``."""

    at: dt.datetime = attrs.field(converter=_at)
    kind: str = attrs.field(converter=_kind)
    value: str | None = attrs.field(default=None, converter=_value, repr=_checks.masked)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is :meth:`from_json`."""
        return {"at": self.at.isoformat(), "kind": self.kind, "value": self.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseEvent:
        """Rebuild an event from :meth:`to_json`'s dict."""
        return cls(at=dt.datetime.fromisoformat(data["at"]), kind=data["kind"], value=data["value"])


# --------------------------------------------------------------------------- field converters


def _customer_id(value: object) -> str:
    return check_id(value, field="customer_id")


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


def _status(value: object) -> str:
    return _checks.choice(value, STATUSES, field="status", what="case status")


def _priority(value: object) -> str:
    return _checks.choice(value, PRIORITIES, field="priority", what="priority")


def _team(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="team")


def _agent(value: object) -> str | None:
    return _checks.optional_text(value, field="agent", max_length=200)


def _tags(value: object) -> tuple[str, ...]:
    return _checks.codes(value, field="tags")


def _language(value: object) -> str | None:
    return None if value is None else _checks.language(value)


def _subject(value: object) -> str | None:
    return _checks.optional_text(value, field="subject", max_length=1000)


def _purpose(value: object) -> str | None:
    return _checks.optional_text(value, field="purpose", max_length=64)


def _conversation(value: object) -> str | None:
    return _checks.optional_text(value, field="conversation", max_length=200)


def _policy(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="sla_policy")


def _tier(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="tier")


def _opened_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="opened_at")


def _optional_time(value: object, field: str) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field=field)


def _first_response_at(value: object) -> dt.datetime | None:
    return _optional_time(value, "first_response_at")


def _resolved_at(value: object) -> dt.datetime | None:
    return _optional_time(value, "resolved_at")


def _closed_at(value: object) -> dt.datetime | None:
    return _optional_time(value, "closed_at")


def _first_response_due(value: object) -> dt.datetime | None:
    return _optional_time(value, "first_response_due")


def _resolution_due(value: object) -> dt.datetime | None:
    return _optional_time(value, "resolution_due")


def _updated_at(value: object) -> dt.datetime | None:
    return _optional_time(value, "updated_at")


def _events(value: object) -> tuple[CaseEvent, ...]:
    def one(item: object) -> CaseEvent:
        if isinstance(item, CaseEvent):
            return item
        raise InvalidFormat(f"expected a CaseEvent, got {type(item).__name__}")

    return _checks.each(value, "events", one)


def _tenant(value: object) -> str:
    return _checks.tenant(value)


def _id(value: object) -> str:
    return check_id(value)


def _version(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidFormat("expected a non-negative integer", field="version")
    return value


def _fixed(instance: object, attribute: attrs.Attribute[Any], value: object) -> Any:
    raise InvalidInput(f"the {attribute.name} of a case cannot be changed", field=attribute.name)


@attrs.define(
    slots=False,
    eq=False,
    kw_only=True,
    on_setattr=[attrs.setters.convert, attrs.setters.validate],
)
class Case:
    """A customer's matter: status, priority, team and agent, the thread's conversation id.

    Change it through its methods (each takes the moment of the change and records an event);
    ``crm.service`` stores it and keeps the SLA deadlines. The repr shows ids and codes only.

    ```pycon
    >>> import datetime as dt
    >>> t = dt.datetime(2026, 12, 23, 13, 0, tzinfo=dt.UTC)
    >>> case = Case.open("01KAQ3V4J5ZC6Y3W8N0R2T4V6X", channel="live_chat", now=t)
    >>> case.switch_channel("email", now=t + dt.timedelta(minutes=20))
    >>> case.change_status("pending_customer", now=t + dt.timedelta(minutes=30))
    >>> case.channels, case.status
    (('live_chat', 'email'), 'pending_customer')
    >>> case.change_status("closed", now=t + dt.timedelta(hours=1))
    Traceback (most recent call last):
    globalcrm.errors.RuleViolation: status: a pending_customer case cannot become closed ...

    ```
    """

    customer_id: str = attrs.field(converter=_customer_id, on_setattr=_fixed)
    channel: str = attrs.field(converter=_channel)
    opened_at: dt.datetime = attrs.field(converter=_opened_at, on_setattr=_fixed)
    status: str = attrs.field(default="open", converter=_status)
    priority: str = attrs.field(default="normal", converter=_priority)
    team: str | None = attrs.field(default=None, converter=_team)
    agent: str | None = attrs.field(default=None, converter=_agent, repr=_checks.masked)
    tags: tuple[str, ...] = attrs.field(default=(), converter=_tags)
    language: str | None = attrs.field(default=None, converter=_language)
    subject: str | None = attrs.field(default=None, converter=_subject, repr=_checks.masked)
    purpose: str | None = attrs.field(default=None, converter=_purpose)
    tier: str | None = attrs.field(default=None, converter=_tier)
    """The customer's loyalty tier for SLA targets; set by the caller until loyalty exists."""
    conversation: str | None = attrs.field(default=None, converter=_conversation)
    sla_policy: str | None = attrs.field(default=None, converter=_policy)
    first_response_at: dt.datetime | None = attrs.field(
        default=None, converter=_first_response_at, repr=False
    )
    resolved_at: dt.datetime | None = attrs.field(
        default=None, converter=_resolved_at, repr=False
    )
    closed_at: dt.datetime | None = attrs.field(
        default=None, converter=_closed_at, repr=False
    )
    first_response_due: dt.datetime | None = attrs.field(
        default=None, converter=_first_response_due, repr=False
    )
    resolution_due: dt.datetime | None = attrs.field(
        default=None, converter=_resolution_due, repr=False
    )
    events: tuple[CaseEvent, ...] = attrs.field(default=(), converter=_events, repr=False)
    tenant: str = attrs.field(default="default", converter=_tenant, on_setattr=_fixed)
    id: str = attrs.field(factory=new_id, converter=_id, on_setattr=_fixed)
    updated_at: dt.datetime | None = attrs.field(
        default=None, converter=_updated_at, repr=False
    )
    version: int = attrs.field(default=0, converter=_version, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.conversation is None:
            self.conversation = f"case-{self.id}"
        if not self.events:
            self.events = (CaseEvent(at=self.opened_at, kind="opened", value=self.channel),)

    @classmethod
    def open(cls, customer_id: str, *, channel: str, now: dt.datetime, **fields: Any) -> Case:
        """A new open case of ``customer_id``, first contact on ``channel`` at ``now``."""
        return cls(customer_id=customer_id, channel=channel, opened_at=now, **fields)

    # ----------------------------------------------------------------- changes

    def _record(self, kind: str, value: str | None, now: object) -> None:
        moment = _checks.aware_utc(now, field="now")
        if self.events and moment < self.events[-1].at:
            raise InvalidInput("is before the case's last change", field="now")
        self.events = (*self.events, CaseEvent(at=moment, kind=kind, value=value))
        self.updated_at = moment

    def change_status(self, status: str, *, now: dt.datetime) -> None:
        """Move the case to ``status`` if the transition is allowed; resolved/closed are dated."""
        new = _status(status)
        if new == self.status:
            return
        allowed = TRANSITIONS[self.status]
        if new not in allowed:
            options = ", ".join(allowed[:-1]) + f" or {allowed[-1]}" if allowed else "nothing"
            article = "an" if self.status[0] in "aeiou" else "a"
            raise RuleViolation(
                f"{article} {self.status} case cannot become {new} (it can become {options})",
                field="status",
            )
        self._record("status", new, now)
        self.status = new
        if new == "resolved":
            self.resolved_at = self.events[-1].at
        elif new == "closed":
            self.closed_at = self.events[-1].at
        elif new == "reopened":
            self.resolved_at = None

    def switch_channel(self, channel: str, *, now: dt.datetime) -> None:
        """Record that the thread continues on ``channel`` (nothing if it already is there)."""
        new = _channel(channel)
        if new != self.channel:
            self._record("channel", new, now)
            self.channel = new

    def assign(
        self, *, team: str | None = None, agent: str | None = None, now: dt.datetime
    ) -> None:
        """Hand the case to ``team`` and/or ``agent`` (``None`` leaves that one as it is)."""
        new_team, new_agent = _team(team), _agent(agent)
        if new_team is not None and new_team != self.team:
            self._record("team", new_team, now)
            self.team = new_team
            if new_agent is None:
                self.agent = None  # another team: its own agents take it
        if new_agent is not None and new_agent != self.agent:
            self._record("agent", new_agent, now)
            self.agent = new_agent

    def set_priority(self, priority: str, *, now: dt.datetime) -> None:
        """Change the priority (the SLA targets follow it)."""
        new = _priority(priority)
        if new != self.priority:
            self._record("priority", new, now)
            self.priority = new

    def responded(self, *, now: dt.datetime) -> None:
        """Record the first response to the customer (later ones change nothing)."""
        if self.first_response_at is None:
            self._record("first_response", None, now)
            self.first_response_at = self.events[-1].at

    # ----------------------------------------------------------------- reading the history

    @property
    def channels(self) -> tuple[str, ...]:
        """Every channel the thread has used, in the order it moved to them."""
        seen: dict[str, None] = {}
        for event in self.events:
            if event.kind in ("opened", "channel") and event.value:
                seen.setdefault(event.value, None)
        return tuple(seen)

    @property
    def is_active(self) -> bool:
        """Whether the case is not yet resolved or closed."""
        return self.status in ACTIVE_STATUSES

    def pauses(self) -> list[tuple[dt.datetime, dt.datetime | None]]:
        """The periods the SLA clock stood still (status in ``PAUSED_STATUSES``); open last."""
        periods: list[tuple[dt.datetime, dt.datetime | None]] = []
        since: dt.datetime | None = None
        for event in self.events:
            if event.kind != "status":
                continue
            paused = event.value in PAUSED_STATUSES
            if paused and since is None:
                since = event.at
            elif not paused and since is not None:
                periods.append((since, event.at))
                since = None
        if since is not None:
            periods.append((since, None))
        return periods
