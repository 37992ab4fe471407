"""The canonical JSON of a scheme-2 ledger entry, written the fast way: the same bytes.

:func:`~globalcrm.privacy.audit_log.canonical_json` makes a canonical copy of every value (NFC
text, UTC times) and then sorts and encodes; for a consent ledger entry, some sixty values,
that was most of what recording an event cost. Most of an entry's values are codes that repeat
from one event to the next (purpose, channel, state, consent type, notice, language...), so
the JSON of an event is written from a *template* per set of codes, made once with the C
encoder: only the event's own values (its id, subject, times, sealed values) are encoded for
each entry. The result is canonical JSON when it is plain ASCII (NFC leaves ASCII as it is) and
every value was of a kind written here (text, ``None``, a UTC time, sealed values, integers the
constructors checked); otherwise :func:`entry_bytes` returns ``None`` and the caller takes the
long way. A property test compares the two on generated events.
"""

from __future__ import annotations

import datetime as dt
import json
import operator
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from globalcrm.errors import InvalidFormat
from globalcrm.privacy.events import ConsentEvent
from globalcrm.privacy.evidence import SealedEvidence
from globalcrm.privacy.projection import ConsentStatus

__all__ = ["entry_bytes"]

_NOT_CONTENT = frozenset({"seq", "recorded_at", "prev_hash", "entry_hash", "hash_scheme"})
"""What ``ConsentEvent.content`` leaves out (the ledger's own values)."""
_EVENT_OWN = frozenset({
    "actor_ref", "collection_point", "confirmed_at", "contact_point_ref", "doi_challenge_id",
    "event_id", "evidence", "guardian_verification", "idempotency_key", "occurred_at",
    "personal", "subject_ref", "valid_from", "valid_until",
})
"""An event's own values: encoded for every entry. The others are codes, kept in templates."""
_STATE_OWN = frozenset({
    "confirmed_at", "contact_point_ref", "event_id", "occurred_at", "valid_from", "valid_until"
})
_LIMIT = 2**53
_MAX_TEMPLATES = 10_000

_encode_text: Callable[[str], str] = json.encoder.encode_basestring


def _refuse(value: object) -> object:
    """The encoder's ``default``: a value of another kind is the long way's (caught below)."""
    raise InvalidFormat(f"not written here: {type(value).__name__}")


_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE: Callable[[Any, int], Sequence[str]] | None = (
    None
    if _make_encoder is None
    else _make_encoder(None, _refuse, _encode_text, None, ":", ",", True, False, False)
)


def _json(value: object) -> str:
    """A code's JSON (sorted keys, no NaN): what canonical JSON writes for it when it is ASCII."""
    if _C_ENCODE is None:  # pragma: no cover - CPython has the C encoder
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False,
                          ensure_ascii=False, default=_refuse)
    return "".join(_C_ENCODE(value, 0))


class _Shape:
    """How the JSON object of one record type is written: its keys sorted, codes in templates."""

    def __init__(self, names: Sequence[str], own: frozenset[str]) -> None:
        self.names = tuple(sorted(names))
        self.values = operator.attrgetter(*self.names)
        self.own = tuple(i for i, name in enumerate(self.names) if name in own)
        codes = tuple(i for i, name in enumerate(self.names) if name not in own)
        self.codes = operator.itemgetter(*codes)
        self.templates: dict[tuple[Any, ...], tuple[str, ...]] = {}

    def template(self, values: Sequence[Any]) -> tuple[str, ...] | None:
        """The object's JSON around its own values (len(own) + 1 parts), or ``None``."""
        key = self.codes(values)
        found = self.templates.get(key)
        if found is not None:
            return found
        parts: list[str] = []
        current = "{"
        for index, name in enumerate(self.names):
            current += ("," if index else "") + _encode_text(name) + ":"
            if index in self.own:
                parts.append(current)
                current = ""
                continue
            value = values[index]
            if type(value) is int and not -_LIMIT <= value <= _LIMIT:
                return None
            if type(value) not in (str, int, bool, tuple, type(None)):
                return None  # a float, a time, another kind: the long way decides
            try:
                current += _json(value)
            except (TypeError, ValueError):
                return None
        parts.append(current + "}")
        made = tuple(parts)
        if len(self.templates) >= _MAX_TEMPLATES:
            self.templates.clear()
        self.templates[key] = made
        return made

    def write(self, record: object) -> str | None:
        """The record's JSON object, or ``None`` when a value is of a kind not written here."""
        values = self.values(record)
        parts = self.template(values)
        if parts is None:
            return None
        pieces = [parts[0]]
        for position, index in enumerate(self.own, start=1):
            value = values[index]
            if value is None:
                pieces.append("null")
            elif type(value) is str:
                pieces.append(_encode_text(value))
            else:
                own = _own(value)
                if own is None:
                    return None
                pieces.append(own)
            pieces.append(parts[position])
        return "".join(pieces)


_LAST_TIMES: dict[dt.datetime, str] = {}


def _time(moment: dt.datetime) -> str | None:
    """A UTC time as canonical JSON writes it (quoted), or ``None`` for another zone."""
    text = _LAST_TIMES.get(moment)
    if text is not None:
        return text
    if moment.tzinfo is not dt.UTC or moment.year < 1000:
        return None
    if len(_LAST_TIMES) > 16:  # an entry repeats its instants, an import its stamp
        _LAST_TIMES.clear()
    text = _LAST_TIMES[moment] = '"' + moment.isoformat(timespec="microseconds")[:-6] + 'Z"'
    return text


def _own(value: object) -> str | None:
    kind = type(value)
    if kind is str:
        return _encode_text(value)  # type: ignore[arg-type]
    if value is None:
        return "null"
    if kind is dt.datetime:
        return _time(value)  # type: ignore[arg-type]
    if isinstance(value, SealedEvidence):
        return _encode_text(value.as_text())
    return None


_EVENT = _Shape(
    [a.name for a in attrs.fields(ConsentEvent) if a.name not in _NOT_CONTENT], _EVENT_OWN
)
_STATE = _Shape([a.name for a in attrs.fields(ConsentStatus)], _STATE_OWN)


def entry_bytes(
    event: ConsentEvent,
    tenant: str,
    seq: object,
    recorded_at: object,
    after: ConsentStatus | None,
) -> bytes | None:
    """``canonical_json`` of the scheme-2 entry, or ``None`` when only the long way can tell.

    The entry is ``{"after", "event", "recorded_at", "scheme": 2, "seq", "tenant"}`` as
    :func:`globalcrm.privacy.ledger.entry_document` defines it.
    """
    if event.hash_scheme != 2 or type(seq) is not int or not 0 <= seq <= _LIMIT:
        return None
    if type(recorded_at) is not dt.datetime or type(event) is not ConsentEvent:
        return None
    stamp = _time(recorded_at)
    body = _EVENT.write(event)
    if stamp is None or body is None or type(tenant) is not str:
        return None
    if after is None:
        state: str | None = "null"
    else:
        state = _STATE.write(after) if type(after) is ConsentStatus else None
    if state is None:
        return None
    text = (
        f'{{"after":{state},"event":{body},"recorded_at":{stamp},"scheme":2,'
        f'"seq":{seq},"tenant":{_encode_text(tenant)}}}'
    )
    return text.encode("ascii") if text.isascii() else None
