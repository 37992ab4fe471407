"""Consent as an append-only ledger: purposes, events, the current-state projection, double opt-in.

Models follow ISO/IEC TS 27560:2023 (consent record: who, which purpose, which notice, how, when,
state), W3C DPV 2.3 (consent states and types, purpose codes: https://w3id.org/dpv) and the
Salesforce consent objects (consent per purpose x channel or contact point, double opt-in as its
own timestamp). Everything here is in memory; the storage layer persists the same objects.

* A :class:`Purpose` is versioned and immutable once active; superseding it with
  ``material_change=True`` makes earlier consents "renewal required".
* A :class:`ConsentEvent` is never changed or deleted. The current state is :func:`fold` of the
  ledger, ordered by ``(occurred_at, seq)``: an older event that arrives late (offline capture, an
  import) cannot override a newer one. :class:`Projection` maintains the same state incrementally.
* :func:`can_contact` answers with a :class:`Decision`: allowed, why, which event and rule.
* Evidence (IP, user agent, the raw TC string ...) is sealed with AES-256-GCM under the customer's
  own key (:class:`SubjectKey`); destroying that key crypto-shreds it while hashes stay valid.
* Double opt-in and unsubscribe links use single-use tokens stored only as SHA-256 hashes.

```pycon
>>> import datetime as dt
>>> t0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
>>> news = Purpose("newsletter", 1, name="Newsletter", dpv_purpose="DirectMarketing",
...                legal_basis={"eu-gdpr": "consent"}, channels=("email",))
>>> news.activate()
>>> given = ConsentEvent(subject_ref="s-1", purpose_key="newsletter", purpose_version=1,
...                      channel="email", state="given", consent_type="expressed",
...                      occurred_at=t0, event_id="e-1")
>>> can_contact([given], news, "email", t0 + dt.timedelta(days=1))
Decision(allowed=True, reason='consent given', event_id='e-1', rule='consent')
>>> withdrawn = ConsentEvent(subject_ref="s-1", purpose_key="newsletter", purpose_version=1,
...                          channel="email", state="withdrawn", consent_type="expressed",
...                          occurred_at=t0 + dt.timedelta(days=2), event_id="e-2")
>>> can_contact([given, withdrawn], news, "email", t0 + dt.timedelta(days=3)).rule
'state_withdrawn'

```
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import functools
import hashlib
import hmac
import importlib.resources
import json
import os
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from globalcrm import _checks
from globalcrm.errors import (
    Conflict,
    InvalidFormat,
    InvalidInput,
    InvalidSignature,
    NotFound,
    RuleViolation,
)
from globalcrm.privacy import _fields
from globalcrm.privacy import regimes as _regimes
from globalcrm.privacy import tcf as _tcf
from globalcrm.privacy.audit_log import ACTOR_KINDS, GENESIS_HASH, canonical_json
from globalcrm.privacy.notices import NoticeVersion

__all__ = [
    "AGE_ASSURANCE",
    "CATEGORIES",
    "COLLECTION_METHODS",
    "CONSENT_TYPES",
    "DPV_CONSENT_STATUS",
    "ERASED",
    "GRANTS",
    "STATES",
    "ConsentEvent",
    "ConsentLedger",
    "ConsentStatus",
    "Decision",
    "Projection",
    "Purpose",
    "SealedEvidence",
    "Subject",
    "SubjectKey",
    "TokenChallenge",
    "add_duration",
    "can_contact",
    "check_event",
    "dpv_purposes",
    "fold",
    "issue_token",
    "open_evidence",
    "redeem_token",
    "seal_evidence",
    "status",
    "tcf_evidence",
    "verify_ledger",
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
_ASKING = frozenset({"requested", "given", "renewed"})
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
CONSENT_TYPES = ("implied", "expressed", "explicit")
"""Weakest first: DPV ``ImpliedConsent`` < ``ExpressedConsent`` < ``ExplicitlyExpressedConsent``."""
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
CATEGORIES = (
    "special_category",
    "automated_decision",
    "cross_border_transfer",
    "third_party_provision",
    "public_disclosure",
    "unique_identifier",
    "high_risk_profiling",
    "direct_marketing",
)
"""Processing categories a purpose may declare; some need explicit or separate consent."""
PURPOSE_STATUSES = ("draft", "active", "retired")
ERASED = "erased"
"""What :func:`open_evidence` returns once the subject's key has been destroyed."""
MAX_EVIDENCE_BYTES = 64_000


# --- small validators ------------------------------------------------------------------------


def _slug(value: object, *, field: str) -> str:
    text = _checks.text(value, field=field, max_length=100)
    if not all(c.isascii() and (c.isalnum() or c in "-_.:") for c in text):
        raise InvalidFormat("use letters, digits, '-', '_', '.' or ':'", field=field)
    return text


def _opt_text(value: object, field: str) -> str | None:
    return None if value is None else _checks.text(value, field=field, max_length=200)


def _opt_time(value: object, field: str) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field=field)


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise InvalidFormat("expected a whole number from 1", field=field)
    return value


def _channels(value: object) -> tuple[str, ...]:
    items = _checks.sequence(value, field="channels")
    return tuple(_slug(item, field=f"channels[{i}]") for i, item in enumerate(items))


def _categories(value: object) -> frozenset[str]:
    items = _checks.sequence(
        sorted(value, key=str) if isinstance(value, set | frozenset) else value, field="categories"
    )
    return frozenset(
        _checks.choice(item, CATEGORIES, field=f"categories[{i}]", what="category")
        for i, item in enumerate(items)
    )


def _regime_list(value: object) -> tuple[str, ...]:
    items = _checks.sequence(value, field="regimes")
    return tuple(_regimes.regime_code(item, field=f"regimes[{i}]") for i, item in enumerate(items))


def _legal_basis(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of regime to lawful basis", field="legal_basis")
    result = {}
    for key, basis in value.items():
        code = _regimes.regime_code(key, field="legal_basis")
        field = f"legal_basis[{code!r}]"
        if not isinstance(basis, str) or basis not in _regimes.regime(code).lawful_bases:
            raise InvalidFormat(f"not a lawful basis under {code}", field=field)
        result[code] = basis
    return result


_DURATION = re.compile(
    r"P(?:(?P<y>\d{1,4})Y)?(?:(?P<mo>\d{1,5})M)?(?:(?P<w>\d{1,5})W)?(?:(?P<d>\d{1,6})D)?"
    r"(?:T(?:(?P<h>\d{1,7})H)?(?:(?P<mi>\d{1,9})M)?(?:(?P<s>\d{1,10})S)?)?"
)


def _duration(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value in ("P", "PT") or value.endswith("T"):
        raise InvalidFormat("expected an ISO 8601 duration such as 'P2Y'", field="duration")
    if not _DURATION.fullmatch(value):
        raise InvalidFormat("expected an ISO 8601 duration such as 'P2Y'", field="duration")
    return value


def add_duration(instant: dt.datetime, duration: str) -> dt.datetime:
    """Add an ISO 8601 duration in UTC, calendar-wise for years and months (day clamped).

    ```pycon
    >>> add_duration(dt.datetime(2024, 2, 29, tzinfo=dt.UTC), "P1Y").date()
    datetime.date(2025, 2, 28)

    ```
    """
    start = _checks.aware_utc(instant, field="instant")
    text = _duration(duration)
    match = _DURATION.fullmatch(text or "")
    if match is None:
        raise InvalidFormat("expected an ISO 8601 duration such as 'P2Y'", field="duration")
    part = {k: int(v or 0) for k, v in match.groupdict().items()}
    months = start.month - 1 + part["mo"] + 12 * part["y"]
    year, month = start.year + months // 12, months % 12 + 1
    if year > 9999:
        raise InvalidInput("the duration goes past the year 9999", field="duration")
    day = min(start.day, calendar.monthrange(year, month)[1])
    try:
        return start.replace(year=year, month=month, day=day) + dt.timedelta(
            weeks=part["w"], days=part["d"], hours=part["h"], minutes=part["mi"], seconds=part["s"]
        )
    except OverflowError as error:
        raise InvalidInput("the duration is too long", field="duration") from error


@functools.cache
def dpv_purposes() -> Mapping[str, Mapping[str, Any]]:
    """DPV 2.3 purpose concepts by term (``DirectMarketing`` ...), from package data."""
    resource = importlib.resources.files("globalcrm.privacy").joinpath("data/dpv_purposes.json")
    data: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    result: dict[str, Mapping[str, Any]] = data["purposes"]
    return result


def _dpv(value: object) -> str:
    term = _checks.text(value, field="dpv_purpose", max_length=200)
    term = term.removeprefix("https://w3id.org/dpv#").removeprefix("dpv:")
    if term not in dpv_purposes():
        raise InvalidFormat("not a DPV 2.3 purpose term", field="dpv_purpose")
    return term


def _kantara(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 16:
        raise InvalidFormat(
            "expected a Kantara purpose category from 1 to 16", field="kantara_category"
        )
    return value


# --- purposes --------------------------------------------------------------------------------

_MUTABLE_WHEN_ACTIVE = frozenset({"status"})


def _guard(instance: Any, attribute: Any, value: Any) -> Any:
    if instance.__dict__.get("status", "draft") != "draft" and attribute.name not in (
        _MUTABLE_WHEN_ACTIVE
    ):
        raise RuleViolation(
            "an active purpose is immutable; supersede it with a new version", field=attribute.name
        )
    return value


@attrs.define(slots=False, eq=False, on_setattr=_guard)
class Purpose:
    """One version of a processing purpose; immutable once active (supersede to change it).

    ``legal_basis`` maps regime to lawful basis (``{"eu-gdpr": "consent"}``); ``renewal_from`` is
    the oldest version whose consents are still valid (raised by a material change).
    """

    key: str
    version: int
    name: str
    dpv_purpose: str
    legal_basis: dict[str, str] = attrs.field(factory=dict)
    channels: tuple[str, ...] = ()
    description: str | None = None
    status: str = "draft"
    consent_type_required: str = "expressed"
    categories: frozenset[str] = attrs.field(factory=frozenset)
    direct_marketing: bool = False
    sells_or_shares: bool = False
    requires_double_opt_in: bool = False
    requires_age_assurance: bool = False
    consent_validity: str | None = None
    kantara_category: int | None = None
    renewal_from: int = 1
    material_change: bool = False
    supersedes: int | None = None
    withdrawal_method: str | None = None

    def __attrs_post_init__(self) -> None:
        _fields.apply(self, _PURPOSE_CHECKS)

    @property
    def requires_consent(self) -> bool:
        """Whether consent is the lawful basis (under any regime, or when none is declared)."""
        return not self.legal_basis or "consent" in self.legal_basis.values()

    def activate(self) -> None:
        """Make this draft version the active one; from now on it cannot change."""
        if self.status != "draft":
            raise RuleViolation("only a draft purpose can be activated", field="status")
        self.status = "active"

    def retire(self) -> None:
        """Retire this version: no new consents to it (withdrawals are still recorded)."""
        if self.status == "retired":
            raise RuleViolation("the purpose is already retired", field="status")
        self.status = "retired"

    def supersede(self, *, material_change: bool, **changes: Any) -> Purpose:
        """A new draft version with ``changes``; a material change raises ``renewal_from``."""
        if "key" in changes or "version" in changes:
            raise InvalidInput("a new version keeps the key and numbers itself", field="key")
        fields = {a.name: getattr(self, a.name) for a in attrs.fields(Purpose)}
        fields.update(changes)
        version = self.version + 1
        flag = _checks.flag(material_change, field="material_change")
        fields.update(
            version=version,
            status="draft",
            supersedes=self.version,
            material_change=flag,
            renewal_from=version if flag else self.renewal_from,
        )
        return Purpose(**fields)


_PURPOSE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "key": lambda v: _slug(v, field="key"),
    "version": lambda v: _whole(v, "version"),
    "name": lambda v: _checks.text(v, field="name", max_length=200),
    "dpv_purpose": _dpv,
    "legal_basis": _legal_basis,
    "channels": _channels,
    "description": lambda v: _checks.optional_text(v, field="description"),
    "status": lambda v: _checks.choice(v, PURPOSE_STATUSES, field="status", what="purpose status"),
    "consent_type_required": lambda v: _checks.choice(
        v, CONSENT_TYPES, field="consent_type_required", what="type"
    ),
    "categories": _categories,
    "direct_marketing": lambda v: _checks.flag(v, field="direct_marketing"),
    "sells_or_shares": lambda v: _checks.flag(v, field="sells_or_shares"),
    "requires_double_opt_in": lambda v: _checks.flag(v, field="double_opt_in"),
    "requires_age_assurance": lambda v: _checks.flag(v, field="requires_age_assurance"),
    "consent_validity": _duration,
    "kantara_category": _kantara,
    "renewal_from": lambda v: _whole(v, "renewal_from"),
    "material_change": lambda v: _checks.flag(v, field="material_change"),
    "withdrawal_method": lambda v: _checks.optional_text(v, field="withdrawal_method"),
}


# --- subjects, keys and evidence -------------------------------------------------------------


@attrs.frozen
class Subject:
    """What the consent rules need about a customer: where they live and how old they are."""

    subject_ref: str
    country: str
    zone: str
    birth_date: dt.date | None = None
    erased: bool = False

    def __attrs_post_init__(self) -> None:
        _fields.apply(self, _SUBJECT_CHECKS)
        if self.birth_date is not None and (
            not isinstance(self.birth_date, dt.date) or isinstance(self.birth_date, dt.datetime)
        ):
            raise InvalidFormat("expected a date", field="birth_date")


_SUBJECT_CHECKS: dict[str, Callable[[Any], Any]] = {
    "subject_ref": lambda v: _checks.text(v, field="subject_ref", max_length=200),
    "country": lambda v: _checks.country(v),
    "zone": lambda v: _checks.time_zone(v, field="zone"),
}


@attrs.define(slots=False, eq=False)
class SubjectKey:
    """A customer's own AES-256 data key; ``key`` becomes ``None`` once destroyed (shredded)."""

    subject_ref: str
    key_id: str
    key: bytes | None = None
    destroyed_at: dt.datetime | None = None

    def __attrs_post_init__(self) -> None:
        _fields.apply(self, _SUBJECTKEY_CHECKS)

    @classmethod
    def generate(cls, subject_ref: str, *, key_id: str | None = None) -> SubjectKey:
        """A new random 256-bit key for ``subject_ref``."""
        return cls(subject_ref, key_id or str(uuid.uuid4()), AESGCM.generate_key(bit_length=256))

    def destroy(self, at: dt.datetime) -> None:
        """Crypto-shred: forget the key; evidence sealed under it is unreadable from now on."""
        self.destroyed_at = _checks.aware_utc(at, field="at")
        self.key = None


_SUBJECTKEY_CHECKS: dict[str, Callable[[Any], Any]] = {
    "subject_ref": lambda v: _checks.text(v, field="subject_ref", max_length=200),
    "key_id": lambda v: _checks.text(v, field="key_id", max_length=200),
    "destroyed_at": lambda v: _opt_time(v, "destroyed_at"),
}


@attrs.frozen
class SealedEvidence:
    """Evidence encrypted with AES-256-GCM: ``blob`` is the 12-byte nonce then ciphertext+tag."""

    key_id: str
    blob: bytes

    def as_text(self) -> str:
        """``aesgcm:<key_id>:<base64>``, the form audit entries and exports carry."""
        return f"aesgcm:{self.key_id}:{base64.b64encode(self.blob).decode('ascii')}"


def seal_evidence(
    evidence: Mapping[str, Any], key: SubjectKey, *, aad: str, nonce: bytes | None = None
) -> SealedEvidence:
    """Encrypt a JSON evidence object under the subject's key, bound to ``aad`` (the event id)."""
    if not isinstance(key, SubjectKey):
        raise InvalidFormat("expected a SubjectKey", field="key")
    if key.key is None:
        raise RuleViolation("the subject's key has been destroyed", field="key")
    if not isinstance(evidence, Mapping):
        raise InvalidFormat("expected a JSON object", field="evidence")
    safe = _checks.json_safe(evidence, field="evidence")
    _checks.json_size(safe, field="evidence", max_bytes=MAX_EVIDENCE_BYTES)
    bound = _checks.text(aad, field="aad", max_length=200)
    iv = os.urandom(12) if nonce is None else nonce
    if not isinstance(iv, bytes) or len(iv) != 12:
        raise InvalidFormat("expected a 12-byte nonce", field="nonce")
    plain = json.dumps(safe, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    sealed = AESGCM(key.key).encrypt(iv, plain, bound.encode())
    return SealedEvidence(key.key_id, iv + sealed)


def open_evidence(sealed: SealedEvidence, key: SubjectKey, *, aad: str) -> Any:
    """Decrypt evidence; returns :data:`ERASED` once the key is destroyed (never raises for that).

    Raises:
        InvalidSignature: the ciphertext, the key or ``aad`` do not match (tampering).
    """
    if not isinstance(sealed, SealedEvidence) or not isinstance(key, SubjectKey):
        raise InvalidFormat("expected SealedEvidence and a SubjectKey", field="sealed")
    if key.key_id != sealed.key_id:
        raise InvalidInput("the evidence was sealed under another key", field="key")
    if key.key is None:
        return ERASED
    bound = _checks.text(aad, field="aad", max_length=200)
    try:
        plain = AESGCM(key.key).decrypt(sealed.blob[:12], sealed.blob[12:], bound.encode())
    except (InvalidTag, ValueError) as error:
        raise InvalidSignature("the evidence does not authenticate", field="evidence") from error
    return json.loads(plain)


def tcf_evidence(tc_string: str) -> dict[str, Any]:
    """Evidence for a captured IAB TC string: the raw string (kept as is) and what it says.

    The string is decoded first, so a malformed one is refused (``InvalidFormat``).
    """
    decoded = _tcf.decode(tc_string)
    return {
        "tc_string": tc_string.strip(),
        "tcf_created": decoded.created.isoformat(),
        "tcf_last_updated": decoded.last_updated.isoformat(),
        "tcf_cmp_id": decoded.cmp_id,
        "tcf_policy_version": decoded.tcf_policy_version,
        "tcf_purposes_consent": list(decoded.purposes_consent),
    }


# --- events ----------------------------------------------------------------------------------


def _bundled(value: object) -> tuple[str, ...]:
    items = _checks.sequence(value, field="bundled_with")
    return tuple(_slug(item, field=f"bundled_with[{i}]") for i, item in enumerate(items))


def _sealed_or_none(value: object) -> SealedEvidence | None:
    if value is not None and not isinstance(value, SealedEvidence):
        raise InvalidFormat("expected SealedEvidence", field="evidence")
    return value


@attrs.define(slots=False, eq=False)
class ConsentEvent:
    """One immutable entry of the consent ledger (append-only: corrections are new events).

    ``occurred_at`` is when the subject acted; ``seq`` the gapless arrival number the ledger
    assigns. ``bundled_with`` lists the other purposes asked for in the same action (refused where
    a regime demands separate consent). ``evidence`` is ciphertext under the subject's key.
    """

    subject_ref: str
    purpose_key: str
    purpose_version: int
    channel: str
    state: str
    consent_type: str
    occurred_at: dt.datetime
    event_id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    contact_point_ref: str | None = None
    legal_basis: str = "consent"
    regimes: tuple[str, ...] = ()
    notice_version_id: str | None = None
    notice_sha256: str | None = None
    language: str | None = None
    collection_method: str = "web_form"
    collection_point: str | None = None
    actor_kind: str = "subject"
    actor_ref: str | None = None
    guardian_verification: str | None = None
    age_assurance: str = "self_declared"
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    confirmed_at: dt.datetime | None = None
    doi_challenge_id: str | None = None
    idempotency_key: str | None = None
    bundled_with: tuple[str, ...] = ()
    evidence: SealedEvidence | None = None
    recorded_at: dt.datetime | None = None
    seq: int | None = None
    prev_hash: bytes | None = None
    entry_hash: bytes | None = None

    def __attrs_post_init__(self) -> None:
        _fields.apply(self, _CONSENTEVENT_CHECKS)
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

    def content(self) -> dict[str, Any]:
        """The event's facts for hashing and idempotency (no ``seq`` or ``recorded_at``)."""
        data = {a.name: getattr(self, a.name) for a in attrs.fields(ConsentEvent)}
        for name in ("seq", "recorded_at", "prev_hash", "entry_hash"):
            data.pop(name)
        data["evidence"] = None if self.evidence is None else self.evidence.as_text()
        data["regimes"] = list(self.regimes)
        data["bundled_with"] = list(self.bundled_with)
        return data

    def canonical_bytes(self) -> bytes:
        """Canonical JSON of :meth:`content`, for the ledger's hash chain and audit commitments."""
        return canonical_json(self.content())

    def chained_hash(self) -> bytes:
        """``SHA-256(prev_hash || seq || canonical_bytes)``, the value ``entry_hash`` must hold."""
        head = (self.prev_hash or GENESIS_HASH) + str(self.seq).encode("ascii") + b"\n"
        return hashlib.sha256(head + self.canonical_bytes()).digest()

    def sort_key(self) -> tuple[dt.datetime, int, str]:
        """The ledger order: event time, then arrival, then id."""
        return (self.occurred_at, self.seq if self.seq is not None else 0, self.event_id)


_CONSENTEVENT_CHECKS: dict[str, Callable[[Any], Any]] = {
    "subject_ref": lambda v: _checks.text(v, field="subject_ref", max_length=200),
    "purpose_key": lambda v: _slug(v, field="purpose_key"),
    "purpose_version": lambda v: _whole(v, "purpose_version"),
    "channel": lambda v: _slug(v, field="channel"),
    "state": lambda v: _checks.choice(v, STATES, field="state", what="consent state"),
    "consent_type": lambda v: _checks.choice(v, CONSENT_TYPES, field="consent_type", what="type"),
    "occurred_at": lambda v: _checks.aware_utc(v, field="occurred_at"),
    "event_id": lambda v: _checks.text(v, field="event_id", max_length=200),
    "contact_point_ref": lambda v: _opt_text(v, "contact_point_ref"),
    "legal_basis": lambda v: _slug(v, field="legal_basis"),
    "regimes": _regime_list,
    "notice_version_id": lambda v: _opt_text(v, "notice_version_id"),
    "notice_sha256": lambda v: _opt_text(v, "notice_sha256"),
    "language": lambda v: None if v is None else _checks.language(v),
    "collection_method": lambda v: _checks.choice(
        v, COLLECTION_METHODS, field="collection_method", what="method"
    ),
    "collection_point": lambda v: _opt_text(v, "collection_point"),
    "actor_kind": lambda v: _checks.choice(v, ACTOR_KINDS, field="actor_kind", what="actor kind"),
    "actor_ref": lambda v: _opt_text(v, "actor_ref"),
    "guardian_verification": lambda v: _opt_text(v, "guardian_verification"),
    "age_assurance": lambda v: _checks.choice(
        v, AGE_ASSURANCE, field="age_assurance", what="assurance"
    ),
    "valid_from": lambda v: _opt_time(v, "valid_from"),
    "valid_until": lambda v: _opt_time(v, "valid_until"),
    "confirmed_at": lambda v: _opt_time(v, "confirmed_at"),
    "doi_challenge_id": lambda v: _opt_text(v, "doi_challenge_id"),
    "idempotency_key": lambda v: _opt_text(v, "idempotency_key"),
    "bundled_with": _bundled,
    "evidence": _sealed_or_none,
    "recorded_at": lambda v: _opt_time(v, "recorded_at"),
}


# --- projection ------------------------------------------------------------------------------


@attrs.frozen
class ConsentStatus:
    """The current consent for one purpose x channel (x contact point): the fold of its events."""

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


StatusKey = tuple[str, str, str | None]


def _key(event: ConsentEvent) -> StatusKey:
    return (event.purpose_key, event.channel, event.contact_point_ref)


def _step(previous: ConsentStatus | None, event: ConsentEvent) -> ConsentStatus | None:
    """Apply one event; an objection is lifted only by an explicit grant (GDPR Art. 21(3))."""
    objection = previous is not None and previous.objection
    if objection and event.state in _ASKING and event.consent_type != "explicit":
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


def advance(previous: ConsentStatus | None, event: ConsentEvent) -> ConsentStatus | None:
    """The state after ``event``, given the state before it: one step of :func:`fold`.

    Only valid when ``event`` sorts after every event already folded into ``previous``.
    """
    if not isinstance(event, ConsentEvent):
        raise InvalidFormat("expected a ConsentEvent", field="event")
    return _step(previous, event)


def _events(events: object) -> list[ConsentEvent]:
    if isinstance(events, str | bytes) or not isinstance(events, Iterable):
        raise InvalidFormat("expected a sequence of consent events", field="events")
    result = list(events)
    for i, event in enumerate(result):
        if not isinstance(event, ConsentEvent):
            raise InvalidFormat("expected a ConsentEvent", field=f"events[{i}]")
    return result


def fold(
    events: Iterable[ConsentEvent], *, at: dt.datetime | None = None
) -> dict[StatusKey, ConsentStatus]:
    """The state per (purpose, channel, contact point): events ordered by ``(occurred_at, seq)``.

    With ``at``, only events that occurred at or before ``at`` count.
    """
    rows = _events(events)
    limit = None if at is None else _checks.aware_utc(at, field="at")
    states: dict[StatusKey, ConsentStatus] = {}
    for event in sorted(rows, key=ConsentEvent.sort_key):
        if limit is not None and event.occurred_at > limit:
            continue
        result = _step(states.get(_key(event)), event)
        if result is not None:
            states[_key(event)] = result
    return states


class Projection:
    """The incrementally maintained current state; always equal to :func:`fold` of its events.

    A new event newer than the key's last one is applied in O(1); a late-arriving older event
    refolds that key's history, so it can never override a newer event.
    """

    def __init__(self) -> None:
        self.states: dict[StatusKey, ConsentStatus] = {}
        self._history: dict[StatusKey, list[ConsentEvent]] = {}
        self._last: dict[StatusKey, tuple[dt.datetime, int, str]] = {}

    def apply(self, event: ConsentEvent) -> ConsentStatus | None:
        """Take one event into account and return the key's new state."""
        if not isinstance(event, ConsentEvent):
            raise InvalidFormat("expected a ConsentEvent", field="event")
        key = _key(event)
        history = self._history.setdefault(key, [])
        history.append(event)
        last = self._last.get(key)
        if last is None or event.sort_key() > last:
            result = _step(self.states.get(key), event)
            self._last[key] = event.sort_key()
        else:
            result = fold(history).get(key)
        if result is not None:
            self.states[key] = result
        return self.states.get(key)


# --- rules -----------------------------------------------------------------------------------


def _rank(consent_type: str) -> int:
    return CONSENT_TYPES.index(consent_type)


def _required_type(purpose: Purpose, regime_codes: Sequence[str]) -> tuple[str, str | None]:
    required, cite = purpose.consent_type_required, None
    for code in regime_codes:
        regime = _regimes.regime(code)
        explicit = regime.rule("explicit_consent_for")
        if explicit is not None and purpose.categories & set(explicit.value):
            return "explicit", f"{code}: {explicit.cite}"
        minimum = regime.rule("minimum_consent_type")
        if minimum is not None and _rank(minimum.value) > _rank(required):
            required, cite = minimum.value, f"{code}: {minimum.cite}"
    return required, cite


def _age_threshold(
    subject: Subject, purpose: Purpose, regime_codes: Sequence[str]
) -> tuple[int | None, str | None, str]:
    """(age below which a guardian consents, citation, regime) for this subject and purpose."""
    candidates = [
        c for c in regime_codes if subject.country in _regimes.regime(c).rules["countries"].value
    ] or list(_regimes.regimes_for_country(subject.country))
    best: tuple[int | None, str | None, str] = (None, None, "")
    for code in candidates or []:
        rule = _regimes.age_of_consent(subject.country, code)
        if rule.age is not None and (best[0] is None or rule.age > best[0]):
            best = (rule.age, rule.cite, code)
    return best


def check_event(
    event: ConsentEvent,
    *,
    purpose: Purpose,
    now: dt.datetime,
    notice: NoticeVersion | None = None,
    subject: Subject | None = None,
    max_skew: dt.timedelta = dt.timedelta(minutes=5),
    unknown_age: str = "record",
) -> None:
    """Refuse an event the rules do not allow; nothing is recorded when this raises.

    Withdrawals, refusals and objections are always accepted (even for a retired purpose or an
    erased subject); grants need an active purpose, the notice in force, a strong enough consent
    type, separate consent where the regime demands it and, for a minor, a guardian.
    ``unknown_age`` is ``"record"`` (keep it, marked ``age_assurance="unknown"``) or ``"reject"``.

    Raises:
        InvalidInput: a malformed or inconsistent event (``field`` names the part).
        RuleViolation: the event is well formed but the rules refuse it.
    """
    if not isinstance(event, ConsentEvent):
        raise InvalidFormat("expected a ConsentEvent", field="event")
    if not isinstance(purpose, Purpose):
        raise InvalidFormat("expected a Purpose", field="purpose")
    current = _checks.aware_utc(now, field="now")
    if not isinstance(max_skew, dt.timedelta):
        raise InvalidFormat("expected a timedelta", field="max_skew")
    policy = _checks.choice(unknown_age, ("record", "reject"), field="unknown_age", what="policy")
    if event.occurred_at > current + max_skew:
        raise InvalidInput("occurred_at is in the future", field="occurred_at")
    if event.purpose_key != purpose.key or event.purpose_version != purpose.version:
        raise InvalidInput("the event is for another purpose version", field="purpose_version")
    if event.state not in _ASKING:
        return
    if subject is not None and subject.erased:
        raise RuleViolation(
            "the subject has been erased; only withdrawals are accepted", field="subject_ref"
        )
    if purpose.status != "active":
        raise RuleViolation(f"the purpose version is {purpose.status}", field="purpose_version")
    if purpose.channels and event.channel not in purpose.channels:
        raise InvalidInput("the purpose is not offered on this channel", field="channel")
    if event.state in GRANTS:
        _check_notice(event, notice)
    codes = event.regimes or tuple(purpose.legal_basis)
    required, cite = _required_type(purpose, codes)
    if _rank(event.consent_type) < _rank(required):
        raise RuleViolation(
            f"{required} consent is required" + (f" ({cite})" if cite else ""),
            field="consent_type",
        )
    if event.bundled_with:
        for code in codes:
            rule = _regimes.regime(code).rule("separate_consent_for")
            if rule is not None and purpose.categories & set(rule.value):
                raise RuleViolation(
                    f"separate consent is required ({code}: {rule.cite})", field="bundled_with"
                )
    if subject is not None:
        _check_age(event, purpose, subject, codes, policy)


def _check_notice(event: ConsentEvent, notice: NoticeVersion | None) -> None:
    if notice is None:
        raise InvalidInput("a consent must name the notice shown", field="notice_version_id")
    if not isinstance(notice, NoticeVersion):
        raise InvalidFormat("expected a NoticeVersion", field="notice")
    if event.notice_version_id != notice.id or event.notice_sha256 != notice.content_sha256:
        raise InvalidInput("the event does not match the notice version", field="notice_version_id")
    if not notice.is_effective(event.occurred_at):
        raise RuleViolation(
            "the notice version was not in force at occurred_at", field="notice_version_id"
        )
    if event.language is not None and event.language != notice.language:
        raise InvalidInput("the event language differs from the notice language", field="language")


def _check_age(
    event: ConsentEvent, purpose: Purpose, subject: Subject, codes: Sequence[str], policy: str
) -> None:
    age, cite, code = _age_threshold(subject, purpose, codes)
    ccpa_sale = purpose.sells_or_shares and "us-ca-ccpa" in (code, *codes)
    if age is None:
        return
    if subject.birth_date is None:
        if policy == "reject":
            raise RuleViolation(
                "the subject's age is unknown and the regime sets an age", field="age_assurance"
            )
        if event.age_assurance != "unknown":
            raise InvalidInput(
                "record an unknown age as age_assurance='unknown'", field="age_assurance"
            )
        return
    years = _regimes.age_on(subject.birth_date, event.occurred_at, subject.zone)
    if years < age and (event.actor_kind != "guardian" or not event.guardian_verification):
        raise RuleViolation(
            f"under {age}: a guardian must consent, with verification ({code}: {cite})",
            field="actor_kind",
        )
    if ccpa_sale and years < 16 and event.state == "requested":
        raise RuleViolation(
            "under 16 the sale or sharing needs an opt-in (§1798.120(c))", field="state"
        )


@attrs.frozen
class Decision:
    """The answer of :func:`can_contact`: allowed or not, why, which event and which rule."""

    allowed: bool
    reason: str
    event_id: str | None
    rule: str


def status(
    events: Iterable[ConsentEvent],
    purpose: Purpose,
    channel: str,
    at: dt.datetime,
    *,
    contact_point_ref: str | None = None,
) -> ConsentStatus | None:
    """The folded state for ``purpose`` on ``channel`` as of ``at`` (``None`` if never asked)."""
    if not isinstance(purpose, Purpose):
        raise InvalidFormat("expected a Purpose", field="purpose")
    name = _slug(channel, field="channel")
    point = _opt_text(contact_point_ref, "contact_point_ref")
    rows = [e for e in _events(events) if e.purpose_key == purpose.key]
    states = fold(rows, at=at)
    if point is not None and (purpose.key, name, point) in states:
        return states[(purpose.key, name, point)]
    return states.get((purpose.key, name, None))


def can_contact(
    events: Iterable[ConsentEvent],
    purpose: Purpose,
    channel: str,
    at: dt.datetime,
    *,
    contact_point_ref: str | None = None,
    subject: Subject | None = None,
) -> Decision:
    """May we process for ``purpose`` over ``channel`` at ``at``? With the reason and the rule.

    A contact-point-level state, when present, wins over the channel-level state. Without
    consent as lawful basis (legitimate interests, CCPA notice and opt-out) contact is allowed
    until an objection or opt-out, except for minors where an opt-in is required.
    """
    instant = _checks.aware_utc(at, field="at")
    if subject is not None and not isinstance(subject, Subject):
        raise InvalidFormat("expected a Subject", field="subject")
    current = status(events, purpose, channel, instant, contact_point_ref=contact_point_ref)
    event_id = current.event_id if current is not None else None
    if purpose.status == "draft":
        return Decision(False, "the purpose is not active", None, "purpose_inactive")
    if purpose.channels and channel not in purpose.channels:
        return Decision(False, "the purpose is not offered on this channel", None, "channel")
    if current is not None and current.objection:
        return Decision(False, "the subject objected", event_id, "objection")
    if not purpose.requires_consent and not minor_sale(purpose, subject, instant):
        if current is not None and current.state in ("withdrawn", "refused", "revoked"):
            return Decision(False, f"consent {current.state}", event_id, f"state_{current.state}")
        return Decision(True, "no consent needed for this lawful basis", event_id, "lawful_basis")
    if current is None:
        return Decision(False, "no consent recorded", None, "no_consent")
    if current.state not in GRANTS:
        return Decision(False, f"consent {current.state}", event_id, f"state_{current.state}")
    if current.valid_until is not None and instant >= current.valid_until:
        return Decision(False, "consent expired", event_id, "expired")
    if instant < current.valid_from:
        return Decision(False, "consent not yet valid", event_id, "not_yet_valid")
    if current.purpose_version < purpose.renewal_from:
        return Decision(
            False, "the purpose changed materially; renewal required", event_id, "renewal_required"
        )
    if purpose.requires_double_opt_in and current.confirmed_at is None:
        return Decision(False, "double opt-in not confirmed", event_id, "double_opt_in_pending")
    if purpose.requires_age_assurance and current.age_assurance == "unknown":
        return Decision(False, "the subject's age is unknown", event_id, "age_unknown")
    return Decision(True, "consent given", event_id, "consent")


def minor_sale(purpose: Purpose, subject: Subject | None, at: dt.datetime) -> bool:
    """Whether selling or sharing for ``purpose`` needs the minor's opt-in (CCPA under 16)."""
    if not purpose.sells_or_shares or subject is None or subject.birth_date is None:
        return False
    rule = _regimes.regime("us-ca-ccpa").rule("sale_share_opt_in_age")
    limit = int(rule.value) if rule is not None else 16
    return _regimes.age_on(subject.birth_date, at, subject.zone) < limit


# --- the in-memory ledger --------------------------------------------------------------------


class ConsentLedger:
    """An append-only ledger for one tenant, with idempotency and the live projection."""

    def __init__(self) -> None:
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

        Raises:
            Conflict: the idempotency key was used for a different event.
        """
        check_event(
            event, purpose=purpose, now=now, notice=notice, subject=subject, unknown_age=unknown_age
        )
        if event.idempotency_key is not None:
            first = self._by_key.get(event.idempotency_key)
            if first is not None:
                mine, theirs = event.content(), first.content()
                mine.pop("event_id")
                theirs.pop("event_id")
                if mine != theirs:
                    raise Conflict(
                        "the idempotency key was used for another event", field="idempotency_key"
                    )
                return first
        event.seq = len(self.events)
        event.recorded_at = _checks.aware_utc(now, field="now")
        event.prev_hash = self.events[-1].entry_hash if self.events else GENESIS_HASH
        event.entry_hash = event.chained_hash()
        self.events.append(event)
        if event.idempotency_key is not None:
            self._by_key[event.idempotency_key] = event
        self.projection.apply(event)
        return event

    def verify(self) -> int | None:
        """The index of the first tampered, missing or reordered event, or ``None``."""
        return verify_ledger(self.events)

    def history(self, subject_ref: str) -> list[ConsentEvent]:
        """Every event of one subject, in ledger order."""
        return sorted(
            (e for e in self.events if e.subject_ref == subject_ref), key=ConsentEvent.sort_key
        )


def verify_ledger(events: Sequence[ConsentEvent]) -> int | None:
    """Check the ledger's hash chain in ``seq`` order; return the first bad index or ``None``."""
    rows = _events(events)
    previous = GENESIS_HASH
    for index, event in enumerate(rows):
        if event.seq != index or event.prev_hash != previous or event.entry_hash is None:
            return index
        if not hmac.compare_digest(event.entry_hash, event.chained_hash()):
            return index
        previous = event.entry_hash
    return None


# --- tokens for double opt-in and unsubscribe links ------------------------------------------

TOKEN_KINDS = ("confirm", "unsubscribe")
TOKEN_STATUSES = ("pending", "used", "expired", "superseded")


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a link token is stored; the token itself never is."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@attrs.define(slots=False, eq=False)
class TokenChallenge:
    """A single-use link token; only its SHA-256 is stored, never the token itself."""

    kind: str
    subject_ref: str
    purpose_key: str
    channel: str
    token_sha256: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    contact_point_ref: str | None = None
    id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    status: str = "pending"
    used_at: dt.datetime | None = None

    def __attrs_post_init__(self) -> None:
        _fields.apply(self, _TOKENCHALLENGE_CHECKS)


_TOKENCHALLENGE_CHECKS: dict[str, Callable[[Any], Any]] = {
    "kind": lambda v: _checks.choice(v, TOKEN_KINDS, field="kind", what="token kind"),
    "subject_ref": lambda v: _checks.text(v, field="subject_ref", max_length=200),
    "purpose_key": lambda v: _slug(v, field="purpose_key"),
    "channel": lambda v: _slug(v, field="channel"),
    "token_sha256": lambda v: _checks.text(v, field="token_sha256", max_length=200),
    "issued_at": lambda v: _checks.aware_utc(v, field="issued_at"),
    "expires_at": lambda v: _checks.aware_utc(v, field="expires_at"),
    "contact_point_ref": lambda v: _opt_text(v, "contact_point_ref"),
    "status": lambda v: _checks.choice(v, TOKEN_STATUSES, field="status", what="s"),
}


def _challenges(value: object) -> list[TokenChallenge]:
    if not isinstance(value, list):
        raise InvalidFormat("expected the list of challenges", field="challenges")
    for i, item in enumerate(value):
        if not isinstance(item, TokenChallenge):
            raise InvalidFormat("expected a TokenChallenge", field=f"challenges[{i}]")
    return value


def issue_token(
    challenges: list[TokenChallenge],
    kind: str,
    *,
    subject_ref: str,
    purpose_key: str,
    channel: str,
    now: dt.datetime,
    ttl: dt.timedelta = dt.timedelta(hours=48),
    contact_point_ref: str | None = None,
    token: str | None = None,
) -> tuple[TokenChallenge, str]:
    """Issue a new token (appended to ``challenges``) and return it with the plain token to send.

    Pending tokens of the same kind for the same subject, purpose and channel are superseded,
    so an older link can never be used once a newer one was sent.
    """
    rows = _challenges(challenges)
    issued = _checks.aware_utc(now, field="now")
    if not isinstance(ttl, dt.timedelta) or ttl <= dt.timedelta(0):
        raise InvalidFormat("expected a positive timedelta", field="ttl")
    plain = secrets.token_urlsafe(32) if token is None else _checks.text(token, field="token")
    challenge = TokenChallenge(
        kind=kind,
        subject_ref=subject_ref,
        purpose_key=purpose_key,
        channel=channel,
        token_sha256=token_hash(plain),
        issued_at=issued,
        expires_at=issued + ttl,
        contact_point_ref=contact_point_ref,
    )
    for old in rows:
        if old.status == "pending" and (
            old.kind,
            old.subject_ref,
            old.purpose_key,
            old.channel,
        ) == (challenge.kind, challenge.subject_ref, challenge.purpose_key, challenge.channel):
            old.status = "superseded"
    rows.append(challenge)
    return challenge, plain


def redeem_token(
    challenges: list[TokenChallenge],
    token: str,
    *,
    now: dt.datetime,
    events: Iterable[ConsentEvent] = (),
) -> TokenChallenge:
    """Use a token once; the caller then records the confirmation or the withdrawal event.

    A *confirm* token is stale after a later withdrawal, refusal or objection (a stale link must
    not opt someone back in); an *unsubscribe* token is stale after a later grant (re-subscribing
    rotates it).

    Raises:
        NotFound: no such token.
        RuleViolation: the token was used, superseded, expired or is stale.
    """
    rows = _challenges(challenges)
    plain = _checks.text(token, field="token", max_length=500)
    current = _checks.aware_utc(now, field="now")
    digest = token_hash(plain)
    found = next((c for c in rows if hmac.compare_digest(c.token_sha256, digest)), None)
    if found is None:
        raise NotFound("no such token", field="token")
    if found.status != "pending":
        raise RuleViolation(f"the token is {found.status}", field="token")
    if current >= found.expires_at:
        found.status = "expired"
        raise RuleViolation("the token has expired", field="token")
    stale_states = ("withdrawn", "refused", "objected") if found.kind == "confirm" else GRANTS
    for event in _events(events):
        if (
            event.subject_ref == found.subject_ref
            and event.purpose_key == found.purpose_key
            and event.channel == found.channel
            and event.state in stale_states
            and event.occurred_at > found.issued_at
        ):
            found.status = "superseded"
            raise RuleViolation(
                "the token is stale: the subject acted after it was issued", field="token"
            )
    found.status = "used"
    found.used_at = current
    return found
