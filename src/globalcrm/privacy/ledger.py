r"""The consent ledger's entries and hash chain, and the ledger kept in memory.

An entry is the canonical JSON (:func:`~globalcrm.privacy.audit_log.canonical_json`) of
everything stored about an event, so that every stored column is either these bytes or a copy of
a value in them that verification compares:

* **hash scheme 2** (current): ``{"scheme": 2, "tenant", "seq", "recorded_at", "event": the
  event's facts (personal values sealed), "after": the state of the event's key once the event
  was taken in}``; ``entry_hash = SHA-256("globalcrm consent entry v2" || 0x00 || prev_hash ||
  entry)``. Recording the state *after* each event lets anyone check the projection (and
  ``audience``) against the one immutable entry a projection row names.
* **hash scheme 1** (entries written before schema ``p1``, verified as written):
  ``entry_hash = SHA-256(prev_hash || str(seq) || "\n" || the event's facts)``; its columns
  (subject, purpose, channel ...) are compared with the hashed facts, its ``recorded_at`` is
  not covered.

```pycon
>>> import datetime as dt
>>> from globalcrm.privacy.purposes import Purpose
>>> news = Purpose("newsletter", 1, name="News", dpv_purpose="DirectMarketing")
>>> news.activate()
>>> ledger = ConsentLedger()
>>> t0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
>>> event = ConsentEvent(subject_ref="s-1", purpose_key="newsletter", purpose_version=1,
...                      channel="email", state="withdrawn", consent_type="expressed",
...                      occurred_at=t0, event_id="e-1")
>>> stored = ledger.record(event, purpose=news, now=t0)
>>> stored.seq, ledger.verify()
(0, None)

```
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import Conflict, GlobalCRMError, InvalidFormat
from globalcrm.privacy.audit_log import GENESIS_HASH, canonical_json
from globalcrm.privacy.entry_bytes import entry_bytes
from globalcrm.privacy.events import ConsentEvent
from globalcrm.privacy.evidence import SealedEvidence
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.privacy.projection import ConsentStatus, Projection, events_list
from globalcrm.privacy.purposes import Purpose
from globalcrm.privacy.rules import Subject, check_event

__all__ = [
    "ConsentLedger",
    "LedgerEntry",
    "entry_document",
    "entry_hash",
    "parse_entry",
    "same_event",
    "verify_ledger",
]

_V2 = b"globalcrm consent entry v2\x00"
_TIMES = ("occurred_at", "valid_from", "valid_until", "confirmed_at")
_STATE_TIMES = ("occurred_at", "valid_from", "valid_until", "confirmed_at")


def entry_document(
    event: ConsentEvent,
    *,
    tenant: str,
    after: ConsentStatus | None,
    seq: int | None = None,
    recorded_at: dt.datetime | None = None,
) -> bytes:
    """The hashed bytes of a scheme-2 entry.

    ``event`` carries its ``seq`` and ``recorded_at``, or they are given (a bulk import makes
    the entry's bytes without making the stored event first).
    """
    if not isinstance(event, ConsentEvent):
        raise InvalidFormat("expected a ConsentEvent", field="event")
    if after is not None and not isinstance(after, ConsentStatus):
        raise InvalidFormat("expected a ConsentStatus", field="after")
    name = _checks.tenant(tenant)
    number = event.seq if seq is None else seq
    stamp = event.recorded_at if recorded_at is None else recorded_at
    fast = entry_bytes(event, name, number, stamp, after)
    if fast is not None:
        return fast
    return canonical_json(
        {
            "scheme": 2,
            "tenant": name,
            "seq": number,
            "recorded_at": stamp,
            "event": event.content(),
            "after": None if after is None else after.content(),
        }
    )


def entry_hash(prev_hash: bytes, document: bytes, *, scheme: int, seq: int) -> bytes:
    """The ``entry_hash`` an entry of ``scheme`` must hold, from its hashed bytes."""
    if scheme == 1:
        return hashlib.sha256(prev_hash + str(seq).encode("ascii") + b"\n" + document).digest()
    return hashlib.sha256(_V2 + prev_hash + document).digest()


def _time(text: object) -> dt.datetime | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidFormat("expected a timestamp", field="document")
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise InvalidFormat("expected a timestamp", field="document") from None


@attrs.frozen
class LedgerEntry:
    """A stored entry read back: the event (stored form), the state after it, and the tenant.

    ``tenant`` and ``after`` are ``None`` for a scheme-1 entry, which did not record them.
    """

    event: ConsentEvent
    after: ConsentStatus | None
    tenant: str | None


def _event(data: Mapping[str, Any], **stored: Any) -> ConsentEvent:
    fields = dict(data)
    for name in _TIMES:
        fields[name] = _time(fields.get(name))
    fields["regimes"] = tuple(fields.get("regimes") or ())
    fields["bundled_with"] = tuple(fields.get("bundled_with") or ())
    fields["sealed_fields"] = tuple(fields.get("sealed_fields") or ())
    for name in ("evidence", "personal"):
        text = fields.get(name)
        fields[name] = None if text is None else SealedEvidence.from_text(text, field=name)
    return ConsentEvent(**fields, **stored)


def _state(data: object) -> ConsentStatus | None:
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise InvalidFormat("expected the state after the event", field="after")
    fields = dict(data)
    for name in _STATE_TIMES:
        fields[name] = _time(fields.get(name))
    return ConsentStatus(**fields)


def parse_entry(
    document: str | bytes,
    *,
    scheme: int,
    seq: int,
    recorded_at: dt.datetime,
    prev_hash: bytes,
    entry_hash: bytes,
) -> LedgerEntry:
    """Read a stored entry (``document`` and the row's own values) back into a :class:`LedgerEntry`.

    Raises:
        InvalidFormat: the document is not an entry of ``scheme`` (corrupt, or altered).
    """
    try:
        data = json.loads(document)
        if not isinstance(data, dict):
            raise InvalidFormat("expected a JSON object", field="document")
        row = {"seq": seq, "prev_hash": prev_hash, "entry_hash": entry_hash}
        if scheme == 1:
            event = _event(data, hash_scheme=1, recorded_at=recorded_at, **row)
            return LedgerEntry(event, None, None)
        if data.get("scheme") != 2 or not isinstance(data.get("event"), dict):
            raise InvalidFormat("not a scheme-2 ledger entry", field="document")
        event = _event(data["event"], hash_scheme=2, recorded_at=_time(data["recorded_at"]), **row)
        tenant = data.get("tenant")
        if data.get("seq") != seq or not isinstance(tenant, str):
            raise InvalidFormat("the entry names another position or no tenant", field="seq")
        return LedgerEntry(event, _state(data.get("after")), tenant)
    except GlobalCRMError:
        raise
    except (ValueError, TypeError, KeyError):
        # no chained cause: the parser's error holds the document, which may be personal
        raise InvalidFormat("the ledger entry cannot be read", field="document") from None


def _expected_hash(
    event: ConsentEvent, previous: bytes, *, tenant: str, after: ConsentStatus
) -> bytes:
    seq = event.seq if event.seq is not None else -1
    if event.hash_scheme == 1:
        return entry_hash(previous, event.canonical_bytes(), scheme=1, seq=seq)
    document = entry_document(event, tenant=tenant, after=after)
    return entry_hash(previous, document, scheme=2, seq=seq)


def verify_ledger(events: Sequence[ConsentEvent], *, tenant: str = "default") -> int | None:
    """Check a ledger's hash chain in ``seq`` order; return the first bad index or ``None``.

    The state after each event is replayed (it is part of what a scheme-2 entry hashes), so an
    entry whose recorded state is not the replay of the ledger before it fails here too.
    """
    rows = events_list(events)
    projection = Projection()
    previous = GENESIS_HASH
    for index, event in enumerate(rows):
        if event.seq != index or event.prev_hash != previous or event.entry_hash is None:
            return index
        after = projection.apply(event)
        expected = _expected_hash(event, previous, tenant=tenant, after=after)
        if not hmac.compare_digest(event.entry_hash, expected):
            return index
        previous = event.entry_hash
    return None


def same_event(mine: ConsentEvent, theirs: ConsentEvent) -> bool:
    """Whether two events record the same facts (ids, evidence and the ledger's own values aside).

    What a repeated idempotency key is compared on: a retry with the same facts gets the first
    event back, other facts under the same key are a ``Conflict``.
    """
    if not isinstance(mine, ConsentEvent) or not isinstance(theirs, ConsentEvent):
        raise InvalidFormat("expected two ConsentEvents", field="event")
    left, right = mine.content(), theirs.content()
    for data in (left, right):
        for volatile in ("event_id", "evidence", "personal", "sealed_fields"):
            data.pop(volatile, None)
    return left == right


class ConsentLedger:
    """An append-only ledger for one tenant, in memory, with idempotency and the live projection.

    The storage layer keeps the same entries (hash scheme 2) in the database.
    """

    def __init__(self, *, tenant: str = "default") -> None:
        self.tenant = _checks.tenant(tenant)
        self.events: list[ConsentEvent] = []
        self.projection = Projection()
        self._by_key: dict[str, ConsentEvent] = {}

    def record(
        self,
        event: ConsentEvent,
        *,
        purpose: Purpose,
        now: dt.datetime,
        notice: NoticeVersion | None = None,
        subject: Subject | None = None,
        unknown_age: str = "record",
    ) -> ConsentEvent:
        """Check and append ``event``; a repeated ``idempotency_key`` returns the first event.

        Returns the stored entry: a new object with ``seq``, ``recorded_at`` and the hashes.

        Raises:
            Conflict: the idempotency key was used for a different event.
        """
        check_event(
            event, purpose=purpose, now=now, notice=notice, subject=subject, unknown_age=unknown_age
        )
        if event.idempotency_key is not None:
            first = self._by_key.get(event.idempotency_key)
            if first is not None:
                if not same_event(event, first):
                    raise Conflict(
                        "the idempotency key was used for another event", field="idempotency_key"
                    )
                return first
        previous = self.events[-1].entry_hash if self.events else GENESIS_HASH
        staged = attrs.evolve(
            event,
            seq=len(self.events),
            recorded_at=_checks.aware_utc(now, field="now"),
            prev_hash=previous,
            hash_scheme=2,
        )
        after = self.projection.apply(staged)
        stored = attrs.evolve(
            staged,
            entry_hash=_expected_hash(
                staged, previous or GENESIS_HASH, tenant=self.tenant, after=after
            ),
        )
        self.events.append(stored)
        if stored.idempotency_key is not None:
            self._by_key[stored.idempotency_key] = stored
        return stored

    def verify(self) -> int | None:
        """The index of the first tampered, missing or reordered event, or ``None``."""
        return verify_ledger(self.events, tenant=self.tenant)

    def history(self, subject_ref: str) -> list[ConsentEvent]:
        """Every event of one subject, in ledger order."""
        return sorted(
            (e for e in self.events if e.subject_ref == subject_ref), key=ConsentEvent.sort_key
        )
