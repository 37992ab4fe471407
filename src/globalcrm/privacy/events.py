"""Consent events: the entries of the append-only consent ledger, and their vocabulary.

One event records who (subject, guardian, agent, staff) did what (gave, refused, withdrew,
renewed, objected ...) for which purpose version, on which channel or contact point, after
seeing which notice version (and its SHA-256), how, when, for how long and with what age
assurance: the event fields of ISO/IEC TS 27560:2023 (as tabulated by the W3C DPVCG guide,
https://w3id.org/dpv/guides/consent-27560) with DPV 2.3 consent states and types.

A :class:`ConsentEvent` is frozen: corrections are new events, and the ledger builds the stored
entry (``seq``, ``recorded_at``, the hashes) as a new object (``attrs.evolve``). Its personal
values (contact point, collection point, actor reference, guardian verification) are sealed
under the subject's key before it is stored (:meth:`ConsentEvent.sealed`), so destroying the key
erases them while the hashed bytes stay the same.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, InvalidSignature
from globalcrm.identifiers import new_id
from globalcrm.privacy import _converters as _c
from globalcrm.privacy import regimes as _regimes
from globalcrm.privacy.audit_log import ACTOR_KINDS, canonical_json
from globalcrm.privacy.evidence import (
    ERASED,
    SealedEvidence,
    SubjectKey,
    keyed_digest,
    open_evidence,
    seal_evidence,
)
from globalcrm.privacy.purposes import CONSENT_TYPES

__all__ = [
    "AGE_ASSURANCE",
    "ASKING",
    "COLLECTION_METHODS",
    "CONSENT_TYPES",
    "DPV_CONSENT_STATUS",
    "GRANTS",
    "HASH_SCHEMES",
    "PERSONAL_FIELDS",
    "STATES",
    "ConsentEvent",
    "event_like",
]

STATES = (
    "requested",
    "given",
    "renewed",
    "refused",
    "withdrawn",
    "expired",
    "invalidated",
    "revoked",
    "objected",
)
"""Event states (DPV consent statuses, plus ``objected`` for an objection or an opt-out)."""
GRANTS = frozenset({"given", "renewed"})
ASKING = frozenset({"requested", "given", "renewed"})
"""States that ask for processing: the rules check them (withdrawals are always accepted)."""
DPV_CONSENT_STATUS = {
    "requested": "ConsentRequested",
    "given": "ConsentGiven",
    "renewed": "RenewedConsentGiven",
    "refused": "ConsentRefused",
    "withdrawn": "ConsentWithdrawn",
    "expired": "ConsentExpired",
    "invalidated": "ConsentInvalidated",
    "revoked": "ConsentRevoked",
    "objected": "ConsentRefused",
}
"""Our states as DPV 2.3 ``ConsentStatus`` terms (an objection is a refusal of the processing)."""
AGE_ASSURANCE = ("verified", "self_declared", "guardian_verified", "unknown")
COLLECTION_METHODS = (
    "web_form",
    "in_app",
    "in_person",
    "phone",
    "paper",
    "email_reply",
    "import",
    "api",
    "doi_confirmation",
    "gpc",
    "tcf",
    "unsubscribe_link",
)
PERSONAL_FIELDS = ("contact_point_ref", "collection_point", "actor_ref", "guardian_verification")
"""The event's personal values: sealed under the subject's key in the stored entry."""
HASH_SCHEMES = (1, 2)
"""1: entries written before schema ``p1`` (read and verified as they were); 2: current."""


def _subject_ref(value: object) -> str:
    return _checks.text(value, field="subject_ref", max_length=_c.MAX_REF)


def _purpose_key(value: object) -> str:
    return _c.slug(value, field="purpose_key")


def _purpose_version(value: object) -> int:
    return _c.whole(value, field="purpose_version")


def _channel(value: object) -> str:
    return _c.slug(value, field="channel")


def _state(value: object) -> str:
    return _checks.choice(value, STATES, field="state", what="consent state")


def _consent_type(value: object) -> str:
    return _checks.choice(value, CONSENT_TYPES, field="consent_type", what="consent type")


def _occurred_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="occurred_at")


def _event_id(value: object) -> str:
    return _checks.text(value, field="event_id", max_length=_c.MAX_REF)


def _contact_point_ref(value: object) -> str | None:
    return _c.optional_text(value, field="contact_point_ref")


def _legal_basis(value: object) -> str:
    return _c.slug(value, field="legal_basis")


def _regime_list(value: object) -> tuple[str, ...]:
    if value == () and type(value) is tuple:
        return ()
    items = _checks.sequence(value, field="regimes")
    return tuple(_regimes.regime_code(item, field=f"regimes[{i}]") for i, item in enumerate(items))


def _notice_version_id(value: object) -> str | None:
    return _c.optional_text(value, field="notice_version_id")


def _notice_sha256(value: object) -> str | None:
    return _c.optional_text(value, field="notice_sha256")


_known_language = _checks.remembered(_checks.language)


def _language(value: object) -> str | None:
    return None if value is None else _known_language(value, field="language")


def _collection_method(value: object) -> str:
    return _checks.choice(value, COLLECTION_METHODS, field="collection_method", what="method")


def _collection_point(value: object) -> str | None:
    return _c.optional_text(value, field="collection_point")


def _actor_kind(value: object) -> str:
    return _checks.choice(value, ACTOR_KINDS, field="actor_kind", what="actor kind")


def _actor_ref(value: object) -> str | None:
    return _c.optional_text(value, field="actor_ref")


def _guardian_verification(value: object) -> str | None:
    return _c.optional_text(value, field="guardian_verification")


def _age_assurance(value: object) -> str:
    return _checks.choice(value, AGE_ASSURANCE, field="age_assurance", what="assurance")


def _valid_from(value: object) -> dt.datetime | None:
    return _c.optional_time(value, field="valid_from")


def _valid_until(value: object) -> dt.datetime | None:
    return _c.optional_time(value, field="valid_until")


def _confirmed_at(value: object) -> dt.datetime | None:
    return _c.optional_time(value, field="confirmed_at")


def _doi_challenge_id(value: object) -> str | None:
    return _c.optional_text(value, field="doi_challenge_id")


def _idempotency_key(value: object) -> str | None:
    return _c.optional_text(value, field="idempotency_key")


def _bundled_with(value: object) -> tuple[str, ...]:
    return _c.slugs(value, field="bundled_with")


def _evidence(value: object) -> SealedEvidence | None:
    if value is not None and not isinstance(value, SealedEvidence):
        raise InvalidFormat("expected SealedEvidence", field="evidence")
    return value


def _personal(value: object) -> SealedEvidence | None:
    if value is not None and not isinstance(value, SealedEvidence):
        raise InvalidFormat("expected SealedEvidence", field="personal")
    return value


def _sealed_fields(value: object) -> tuple[str, ...]:
    if value == () and type(value) is tuple:
        return ()
    items = _checks.sequence(value, field="sealed_fields")
    return tuple(
        _checks.choice(item, PERSONAL_FIELDS, field=f"sealed_fields[{i}]", what="personal field")
        for i, item in enumerate(items)
    )


def _hash_scheme(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in HASH_SCHEMES:
        raise InvalidFormat("expected hash scheme 1 or 2", field="hash_scheme")
    return value


def _recorded_at(value: object) -> dt.datetime | None:
    return _c.optional_time(value, field="recorded_at")


def _seq(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidFormat("expected a non-negative integer", field="seq")
    return value


def _hash(value: object) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, bytes) or len(value) != 32:
        raise InvalidFormat("expected a 32-byte SHA-256 hash", field="hash")
    return value


@attrs.frozen(slots=False)  # 34 fields: a dict is filled faster than slots are set
class ConsentEvent:
    """One immutable entry of the consent ledger (append-only: corrections are new events).

    ``occurred_at`` is when the subject acted; ``seq`` the gapless arrival number the ledger
    assigns. ``bundled_with`` lists the other purposes asked for in the same action (refused where
    a regime demands separate consent). ``evidence`` is ciphertext under the subject's key. In a
    stored entry the personal values are sealed too: ``personal`` holds them and
    ``sealed_fields`` names them, and ``contact_point_ref`` is a keyed digest (``hmac:...``).
    """

    subject_ref: str = attrs.field(converter=_subject_ref)
    purpose_key: str = attrs.field(converter=_purpose_key)
    purpose_version: int = attrs.field(converter=_purpose_version)
    channel: str = attrs.field(converter=_channel)
    state: str = attrs.field(converter=_state)
    consent_type: str = attrs.field(converter=_consent_type)
    occurred_at: dt.datetime = attrs.field(converter=_occurred_at)
    event_id: str = attrs.field(factory=new_id, converter=_event_id)
    contact_point_ref: str | None = attrs.field(default=None, converter=_contact_point_ref)
    legal_basis: str = attrs.field(default="consent", converter=_legal_basis)
    regimes: tuple[str, ...] = attrs.field(default=(), converter=_regime_list)
    notice_version_id: str | None = attrs.field(default=None, converter=_notice_version_id)
    notice_sha256: str | None = attrs.field(default=None, converter=_notice_sha256)
    language: str | None = attrs.field(default=None, converter=_language)
    collection_method: str = attrs.field(default="web_form", converter=_collection_method)
    collection_point: str | None = attrs.field(default=None, converter=_collection_point)
    actor_kind: str = attrs.field(default="subject", converter=_actor_kind)
    actor_ref: str | None = attrs.field(default=None, converter=_actor_ref)
    guardian_verification: str | None = attrs.field(
        default=None, converter=_guardian_verification
    )
    age_assurance: str = attrs.field(default="self_declared", converter=_age_assurance)
    valid_from: dt.datetime | None = attrs.field(default=None, converter=_valid_from)
    valid_until: dt.datetime | None = attrs.field(default=None, converter=_valid_until)
    confirmed_at: dt.datetime | None = attrs.field(default=None, converter=_confirmed_at)
    doi_challenge_id: str | None = attrs.field(default=None, converter=_doi_challenge_id)
    idempotency_key: str | None = attrs.field(default=None, converter=_idempotency_key)
    bundled_with: tuple[str, ...] = attrs.field(default=(), converter=_bundled_with)
    evidence: SealedEvidence | None = attrs.field(default=None, converter=_evidence)
    personal: SealedEvidence | None = attrs.field(default=None, converter=_personal)
    sealed_fields: tuple[str, ...] = attrs.field(default=(), converter=_sealed_fields)
    hash_scheme: int = attrs.field(default=2, converter=_hash_scheme)
    recorded_at: dt.datetime | None = attrs.field(default=None, converter=_recorded_at)
    seq: int | None = attrs.field(default=None, converter=_seq)
    prev_hash: bytes | None = attrs.field(default=None, converter=_hash, repr=False)
    entry_hash: bytes | None = attrs.field(default=None, converter=_hash, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.valid_until is not None and self.valid_until <= (
            self.valid_from or self.occurred_at
        ):
            raise InvalidInput(
                "valid_until must be after the start of validity", field="valid_until"
            )

    @property
    def dpv_status(self) -> str:
        """The DPV 2.3 ``ConsentStatus`` term of this event's state."""
        return DPV_CONSENT_STATUS[self.state]

    @property
    def is_sealed(self) -> bool:
        """Whether this is the stored form, its personal values sealed."""
        return self.personal is not None or bool(self.sealed_fields)

    def content(self) -> dict[str, Any]:
        """The event's facts, JSON-ready (no ``seq``, ``recorded_at``, hashes or scheme).

        What the hash chain covers (inside the entry) and what idempotency compares.
        """
        data = {a.name: getattr(self, a.name) for a in attrs.fields(ConsentEvent)}
        for name in ("seq", "recorded_at", "prev_hash", "entry_hash", "hash_scheme"):
            data.pop(name)
        data["evidence"] = None if self.evidence is None else self.evidence.as_text()
        data["personal"] = None if self.personal is None else self.personal.as_text()
        data["regimes"] = list(self.regimes)
        data["bundled_with"] = list(self.bundled_with)
        data["sealed_fields"] = list(self.sealed_fields)
        if self.hash_scheme == 1:  # the fields an entry of scheme 1 held, and only those
            for name in ("personal", "sealed_fields"):
                data.pop(name)
        return data

    def canonical_bytes(self) -> bytes:
        """The canonical JSON of :meth:`content` (``audit_log.canonical_json``)."""
        return canonical_json(self.content())

    def sort_key(self) -> tuple[dt.datetime, int, str]:
        """The ledger order: event time, then arrival, then id."""
        return (self.occurred_at, self.seq if self.seq is not None else 0, self.event_id)

    def personal_values(self) -> dict[str, str]:
        """The personal values this event carries in clear (empty for a stored entry)."""
        if self.is_sealed:
            return {}
        return {
            name: value
            for name in PERSONAL_FIELDS
            if isinstance(value := getattr(self, name), str)
        }

    def sealed(self, key: SubjectKey, *, tenant: str) -> ConsentEvent:
        """The stored form: personal values sealed under ``key``, the contact point a digest.

        An event without personal values is returned as it is (no key is needed for it).
        """
        values = self.personal_values()
        if not values:
            return self
        personal = seal_evidence(values, key, aad=_personal_aad(tenant, self.event_id))
        point = self.contact_point_ref
        return attrs.evolve(
            self,
            contact_point_ref=None
            if point is None
            else keyed_digest(key, point, purpose="contact_point"),
            collection_point=None,
            actor_ref=None,
            guardian_verification=None,
            personal=personal,
            sealed_fields=tuple(name for name in PERSONAL_FIELDS if name in values),
        )

    def opened(self, key: SubjectKey | None, *, tenant: str) -> ConsentEvent:
        """The event with its personal values in clear again, or :data:`ERASED` without a key.

        The hashes still describe the stored form. Raises ``InvalidSignature`` when the sealed
        values do not authenticate (they were altered, or belong to another event).
        """
        if not self.is_sealed:
            return self
        values: dict[str, Any] = {}
        if key is not None and self.personal is not None:
            opened = open_evidence(self.personal, key, aad=_personal_aad(tenant, self.event_id))
            if opened != ERASED:
                if not isinstance(opened, dict) or set(opened) != set(self.sealed_fields):
                    raise InvalidSignature("the sealed values do not match", field="personal")
                values = opened
        if not values:
            values = dict.fromkeys(self.sealed_fields, ERASED)
        return attrs.evolve(
            self,
            personal=None,
            sealed_fields=(),
            **{name: values.get(name) for name in PERSONAL_FIELDS},
        )


def _personal_aad(tenant: str, event_id: str) -> str:
    return f"consent-personal|{tenant}|{event_id}"


def event_like(
    template: ConsentEvent, *, subject_ref: object, occurred_at: object, event_id: object
) -> ConsentEvent:
    """An event equal to ``template`` but for its subject, time and id: what the constructor makes.

    For the bulk import, where thousands of events share every other value: the template was
    made by the constructor, so those values are checked already; the three given here go
    through their own checks, and the check across fields runs again. A property test
    compares the result with the constructor's.
    """
    if type(template) is not ConsentEvent:
        raise InvalidFormat("expected a ConsentEvent", field="template")
    event: ConsentEvent = object.__new__(ConsentEvent)
    values = event.__dict__
    values.update(template.__dict__)
    values["subject_ref"] = _subject_ref(subject_ref)
    values["occurred_at"] = _occurred_at(occurred_at)
    values["event_id"] = _event_id(event_id)
    event.__attrs_post_init__()
    return event
