"""Canonical JSON written fast is the canonical JSON: the same bytes, or the same refusal."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
import zoneinfo
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm import _checks
from globalcrm.errors import GlobalCRMError, InvalidFormat
from globalcrm.privacy.audit_log import canonical_json
from globalcrm.privacy.events import ConsentEvent
from globalcrm.privacy.ledger import entry_document
from globalcrm.privacy.projection import advance


def _reference(value: object, depth: int = 0) -> Any:
    """The canonical form as ``audit_log`` wrote it before it was made faster (the oracle)."""
    if depth > 32:
        raise InvalidFormat("nested too deeply for canonical JSON")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise InvalidFormat("integer too large for canonical JSON")
        return value
    if isinstance(value, dt.datetime):
        moment = _checks.aware_utc(value, field="timestamp").astimezone(dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise InvalidFormat("canonical JSON keys must be text")
        return {_reference(k): _reference(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reference(v, depth + 1) for v in value]
    if isinstance(value, float):
        raise InvalidFormat("floats are not allowed in canonical JSON; use text or integers")
    raise InvalidFormat(f"{type(value).__name__} cannot be written as canonical JSON")


def _reference_json(value: object) -> bytes:
    return json.dumps(
        _reference(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


_ZONES = [dt.UTC, zoneinfo.ZoneInfo("Europe/Vilnius"), dt.timezone(dt.timedelta(hours=-7)), None]
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12) | st.sampled_from(
    ["given", "e\u0301", "\u00e9", 'quote"and\\slash', "line\nbreak", "Ω", "\x00"]
)
_LEAVES = (
    _TEXT
    | st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.builds(
        lambda moment, zone: moment.replace(tzinfo=zone),
        st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
        st.sampled_from(_ZONES),
    )
    | st.binary(max_size=4)
    | st.floats(allow_nan=False, width=16)
)
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4)
    | st.lists(inner, max_size=3).map(tuple)
    | st.dictionaries(_TEXT, inner, max_size=5),
    max_leaves=25,
)


def _outcome(make: Any, value: object) -> tuple[str, object]:
    try:
        return ("ok", make(value))
    except (GlobalCRMError, UnicodeError) as error:
        return (type(error).__name__, str(error))


@settings(max_examples=400)
@given(_VALUES)
def test_canonical_json_agrees_with_the_reference(value: object) -> None:
    assert _outcome(canonical_json, value) == _outcome(_reference_json, value)


@given(st.dictionaries(st.sampled_from(["a", "b", "é", "e\u0301"]), _LEAVES, max_size=4))
def test_keys_are_normalised_and_sorted_alike(value: dict[str, Any]) -> None:
    assert _outcome(canonical_json, value) == _outcome(_reference_json, value)


def test_nesting_deeper_than_the_limit_is_refused_alike() -> None:
    deep: Any = "leaf"
    for _ in range(40):
        deep = {"k": [deep]}
    assert _outcome(canonical_json, deep) == _outcome(_reference_json, deep)
    assert _outcome(canonical_json, deep)[0] == "InvalidFormat"


_REF = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=8).filter(
    lambda text: text.strip() == text
)
_UTC_TIMES = st.datetimes(
    min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)
).map(lambda moment: moment.replace(tzinfo=dt.UTC))


@st.composite
def _events(draw: st.DrawFn) -> ConsentEvent:
    occurred = draw(_UTC_TIMES)
    return ConsentEvent(
        subject_ref=draw(_REF | st.just("01KAQ3V4J5ZC6Y3W8N0R2T4V6X")),
        purpose_key=draw(st.sampled_from(["offers", "news.letter", "a:b"])),
        purpose_version=draw(st.integers(1, 1_000_000)),
        channel=draw(st.sampled_from(["email", "sms", "whatsapp"])),
        state=draw(st.sampled_from(["given", "withdrawn", "objected", "renewed"])),
        consent_type=draw(st.sampled_from(["implied", "expressed", "explicit"])),
        occurred_at=occurred,
        event_id=draw(_REF),
        contact_point_ref=draw(st.none() | _REF),
        collection_point=draw(st.none() | _REF),
        actor_ref=draw(st.none() | _REF),
        regimes=draw(st.lists(st.sampled_from(["eu-gdpr", "br-lgpd"]), max_size=2)),
        language=draw(st.none() | st.sampled_from(["lt", "pt-BR", "ja"])),
        valid_until=draw(st.none() | st.just(occurred + dt.timedelta(days=400))),
        confirmed_at=draw(st.none() | _UTC_TIMES),
        idempotency_key=draw(st.none() | _REF),
    )


@settings(max_examples=300)
@given(_events(), st.integers(0, 2**60), _UTC_TIMES, st.booleans())
def test_ledger_entries_are_the_canonical_json_of_what_they_hold(
    event: ConsentEvent, seq: int, recorded: dt.datetime, with_after: bool
) -> None:
    after = advance(None, event) if with_after else None
    expected = {
        "scheme": 2,
        "tenant": "default",
        "seq": seq,
        "recorded_at": recorded,
        "event": event.content(),
        "after": None if after is None else after.content(),
    }
    written = _outcome(
        lambda e: entry_document(e, tenant="default", after=after, seq=seq, recorded_at=recorded),
        event,
    )
    assert written == _outcome(_reference_json, expected)
