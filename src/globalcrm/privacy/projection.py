"""The current consent state: a replay of the ledger, and the projection kept up to date with it.

The state per (purpose, channel, contact point) is :func:`replay` of the ledger's events ordered
by ``(occurred_at, seq)``, so an older event that arrives late (an offline capture, an import)
never overrides a newer one. An objection (GDPR Art. 21(3), POPIA s.11(3)(b)) is lifted only by
an explicit grant. :class:`Projection` keeps the same state incrementally, one step per new
event, replaying a key's history when an event arrives late; a property test checks the two
always agree.

``fold`` is the earlier name of :func:`replay`; it stays as a deprecated alias (the name also
means text folding in :mod:`globalcrm.locale.folding`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat
from globalcrm.privacy.events import ASKING, GRANTS, ConsentEvent

__all__ = ["ConsentStatus", "Projection", "StatusKey", "advance", "fold", "replay", "status_key"]


@attrs.frozen
class ConsentStatus:
    """The current consent for one purpose x channel (x contact point): the replay of its events.

    ``event_id`` names the event that decided the state (the newest one, or the objection an
    implied grant could not lift).
    """

    purpose_key: str
    channel: str
    contact_point_ref: str | None
    state: str
    event_id: str
    occurred_at: dt.datetime
    purpose_version: int
    consent_type: str
    valid_from: dt.datetime
    valid_until: dt.datetime | None
    confirmed_at: dt.datetime | None
    objection: bool
    actor_kind: str
    age_assurance: str

    def content(self) -> dict[str, Any]:
        """The state as a JSON-ready mapping (what a ledger entry records as its ``after``)."""
        return {a.name: getattr(self, a.name) for a in attrs.fields(ConsentStatus)}


StatusKey = tuple[str, str, str | None]


def status_key(event: ConsentEvent) -> StatusKey:
    """The (purpose, channel, contact point) an event's state is kept under."""
    return (event.purpose_key, event.channel, event.contact_point_ref)


def _step(previous: ConsentStatus | None, event: ConsentEvent) -> ConsentStatus:
    """Apply one event; an objection is lifted only by an explicit grant (GDPR Art. 21(3))."""
    objection = previous is not None and previous.objection
    if (
        previous is not None
        and objection
        and event.state in ASKING
        and event.consent_type != "explicit"
    ):
        return previous
    if event.state == "objected":
        objection = True
    elif event.state in GRANTS:
        objection = False
    confirmed = event.confirmed_at
    if (
        confirmed is None
        and previous is not None
        and previous.state in GRANTS
        and event.state == "renewed"
    ):
        confirmed = previous.confirmed_at
    return ConsentStatus(
        purpose_key=event.purpose_key,
        channel=event.channel,
        contact_point_ref=event.contact_point_ref,
        state=event.state,
        event_id=event.event_id,
        occurred_at=event.occurred_at,
        purpose_version=event.purpose_version,
        consent_type=event.consent_type,
        valid_from=event.valid_from or event.occurred_at,
        valid_until=event.valid_until,
        confirmed_at=confirmed,
        objection=objection,
        actor_kind=event.actor_kind,
        age_assurance=event.age_assurance,
    )


def advance(previous: ConsentStatus | None, event: ConsentEvent) -> ConsentStatus:
    """The state after ``event``, given the state before it: one step of :func:`replay`.

    Only valid when ``event`` sorts after every event already replayed into ``previous``.
    """
    if not isinstance(event, ConsentEvent):
        raise InvalidFormat("expected a ConsentEvent", field="event")
    if previous is not None and not isinstance(previous, ConsentStatus):
        raise InvalidFormat("expected a ConsentStatus", field="previous")
    return _step(previous, event)


def events_list(events: object) -> list[ConsentEvent]:
    """``events`` as a list, each checked to be a :class:`ConsentEvent`."""
    if isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise InvalidFormat("expected a sequence of consent events", field="events")
    result = list(events)
    for i, event in enumerate(result):
        if not isinstance(event, ConsentEvent):
            raise InvalidFormat("expected a ConsentEvent", field=f"events[{i}]")
    return result


def replay(
    events: Iterable[ConsentEvent], *, at: dt.datetime | None = None
) -> dict[StatusKey, ConsentStatus]:
    """The state per (purpose, channel, contact point): events ordered by ``(occurred_at, seq)``.

    With ``at``, only events that occurred at or before ``at`` count.
    """
    rows = events_list(events)
    limit = None if at is None else _checks.aware_utc(at, field="at")
    states: dict[StatusKey, ConsentStatus] = {}
    for event in sorted(rows, key=ConsentEvent.sort_key):
        if limit is not None and event.occurred_at > limit:
            continue
        key = status_key(event)
        states[key] = _step(states.get(key), event)
    return states


fold = replay
"""Deprecated alias of :func:`replay` (kept importable; it emits no warning)."""


class Projection:
    """The incrementally maintained current state; always equal to :func:`replay` of its events.

    A new event newer than the key's last one is applied in O(1); a late-arriving older event
    replays that key's history, so it can never override a newer event.
    """

    def __init__(self) -> None:
        self.states: dict[StatusKey, ConsentStatus] = {}
        self._history: dict[StatusKey, list[ConsentEvent]] = {}
        self._last: dict[StatusKey, tuple[dt.datetime, int, str]] = {}

    def apply(self, event: ConsentEvent) -> ConsentStatus:
        """Take one event into account and return the key's new state."""
        if not isinstance(event, ConsentEvent):
            raise InvalidFormat("expected a ConsentEvent", field="event")
        key = status_key(event)
        history = self._history.setdefault(key, [])
        history.append(event)
        last = self._last.get(key)
        if last is None or event.sort_key() > last:
            result = _step(self.states.get(key), event)
            self._last[key] = event.sort_key()
        else:
            result = replay(history)[key]
        self.states[key] = result
        return result
