"""Subject keys and sealing: personal values encrypted under each customer's own key.

Every personal value the ledger and the audit log keep (evidence such as an IP address or a TC
string, a contact point, a collection point) is sealed with AES-256-GCM (NIST SP 800-38D, through
``cryptography``) under the customer's own data key, a :class:`SubjectKey`, and bound to the
record it belongs to (the additional authenticated data). Hashes are computed over the
ciphertext, so destroying the key (crypto-shredding) erases the values while every hash, and so
every chain, stays valid; reading a value sealed under a destroyed key gives :data:`ERASED`.
Subject keys are stored wrapped under the application's key-encryption key
(:mod:`globalcrm.privacy.key_wrapping`), never in clear.

```pycon
>>> key = SubjectKey.generate("s-1", key_id="k-1")
>>> key
SubjectKey(subject_ref='s-1', key_id='k-1', live=True)
>>> sealed = seal_evidence({"ip": "203.0.113.9"}, key, aad="e-1")
>>> open_evidence(sealed, key, aad="e-1")
{'ip': '203.0.113.9'}
>>> key.destroy(dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
>>> open_evidence(sealed, key, aad="e-1")
'erased'

```
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, InvalidSignature, RuleViolation
from globalcrm.identifiers import new_id
from globalcrm.privacy import _converters as _c
from globalcrm.privacy import tcf as _tcf

__all__ = [
    "ERASED",
    "KEY_BYTES",
    "MAX_EVIDENCE_BYTES",
    "SealedEvidence",
    "SubjectKey",
    "keyed_digest",
    "open_evidence",
    "seal_evidence",
    "tcf_evidence",
]

ERASED = "erased"
"""What a sealed value reads as once the subject's key has been destroyed."""
KEY_BYTES = 32
"""Subject keys are AES-256 keys."""
MAX_EVIDENCE_BYTES = 64_000
_NONCE = 12


def _subject_ref(value: object) -> str:
    return _checks.text(value, field="subject_ref", max_length=_c.MAX_REF)


def _key_id(value: object) -> str:
    return _checks.text(value, field="key_id", max_length=_c.MAX_REF)


def _key_bytes(value: object) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, bytes) or len(value) != KEY_BYTES:
        raise InvalidFormat("expected a 32-byte key", field="key")
    return value


def _destroyed_at(value: object) -> dt.datetime | None:
    return _c.optional_time(value, field="destroyed_at")


@attrs.define(slots=False, eq=False, repr=False)
class SubjectKey:
    """A customer's own AES-256 data key; ``key`` becomes ``None`` once destroyed (shredded).

    The key bytes appear in no ``repr`` and no ``str``: the representation names the key and
    says whether it is live.
    """

    subject_ref: str = attrs.field(converter=_subject_ref)
    key_id: str = attrs.field(converter=_key_id)
    key: bytes | None = attrs.field(default=None, converter=_key_bytes)
    destroyed_at: dt.datetime | None = attrs.field(default=None, converter=_destroyed_at)

    @classmethod
    def generate(cls, subject_ref: str, *, key_id: str | None = None) -> SubjectKey:
        """A new random 256-bit key for ``subject_ref``."""
        return cls(subject_ref, key_id or new_id(), AESGCM.generate_key(bit_length=256))

    @property
    def live(self) -> bool:
        """Whether the key still exists (it has not been destroyed)."""
        return self.key is not None

    def destroy(self, at: dt.datetime) -> None:
        """Crypto-shred: forget the key; values sealed under it are unreadable from now on."""
        self.destroyed_at = _checks.aware_utc(at, field="at")
        self.key = None

    def __repr__(self) -> str:
        return (
            f"SubjectKey(subject_ref={self.subject_ref!r}, key_id={self.key_id!r}, "
            f"live={self.live})"
        )

    __str__ = __repr__


def _blob(value: object) -> bytes:
    if not isinstance(value, bytes) or len(value) < _NONCE + 16:
        raise InvalidFormat("expected a nonce and ciphertext", field="blob")
    return value


@attrs.frozen
class SealedEvidence:
    """A value encrypted with AES-256-GCM: ``blob`` is the 12-byte nonce then ciphertext+tag."""

    key_id: str = attrs.field(converter=_key_id)
    blob: bytes = attrs.field(converter=_blob, repr=False)

    def as_text(self) -> str:
        """``aesgcm:<key_id>:<base64>``, the form documents, audit entries and exports carry."""
        return f"aesgcm:{self.key_id}:{base64.b64encode(self.blob).decode('ascii')}"

    @classmethod
    def from_text(cls, text: object, *, field: str = "sealed") -> SealedEvidence:
        """Read the :meth:`as_text` form back.

        Raises:
            InvalidFormat: not ``aesgcm:<key_id>:<base64>``.
        """
        if not isinstance(text, str) or not text.startswith("aesgcm:") or text.count(":") < 2:
            raise InvalidFormat("expected 'aesgcm:<key id>:<base64>'", field=field)
        _, key_id, blob = text.split(":", 2)
        try:
            data = base64.b64decode(blob, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidFormat("the sealed value is not base64", field=field) from error
        return cls(key_id, data)


def _live_key(key: object) -> bytes:
    if not isinstance(key, SubjectKey):
        raise InvalidFormat("expected a SubjectKey", field="key")
    if key.key is None:
        raise RuleViolation("the subject's key has been destroyed", field="key")
    return key.key


def seal_evidence(
    evidence: Mapping[str, Any], key: SubjectKey, *, aad: str, nonce: bytes | None = None
) -> SealedEvidence:
    """Encrypt a JSON object under the subject's key, bound to ``aad`` (the record it is for)."""
    secret = _live_key(key)
    if not isinstance(evidence, Mapping):
        raise InvalidFormat("expected a JSON object", field="evidence")
    safe = _checks.json_safe(evidence, field="evidence")
    _checks.json_size(safe, field="evidence", max_bytes=MAX_EVIDENCE_BYTES)
    bound = _checks.text(aad, field="aad", max_length=500)
    iv = os.urandom(_NONCE) if nonce is None else nonce
    if not isinstance(iv, bytes) or len(iv) != _NONCE:
        raise InvalidFormat("expected a 12-byte nonce", field="nonce")
    plain = json.dumps(safe, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    sealed = AESGCM(secret).encrypt(iv, plain, bound.encode())
    return SealedEvidence(key.key_id, iv + sealed)


def open_evidence(sealed: SealedEvidence, key: SubjectKey, *, aad: str) -> Any:
    """Decrypt a sealed value; returns :data:`ERASED` once the key is destroyed (never raises).

    Raises:
        InvalidSignature: the ciphertext, the key or ``aad`` do not match (tampering).
    """
    if not isinstance(sealed, SealedEvidence) or not isinstance(key, SubjectKey):
        raise InvalidFormat("expected SealedEvidence and a SubjectKey", field="sealed")
    if key.key_id != sealed.key_id:
        raise InvalidInput("the evidence was sealed under another key", field="key")
    if key.key is None:
        return ERASED
    bound = _checks.text(aad, field="aad", max_length=500)
    try:
        plain = AESGCM(key.key).decrypt(sealed.blob[:_NONCE], sealed.blob[_NONCE:], bound.encode())
        return json.loads(plain)
    except (InvalidTag, ValueError) as error:
        raise InvalidSignature("the evidence does not authenticate", field="evidence") from error


def keyed_digest(key: SubjectKey, value: str, *, purpose: str) -> str:
    """``hmac:<hex>``: a lookup digest of ``value`` under a key derived from the subject's key.

    Equal values give equal digests while the key lives, so a digest can stand in for a personal
    value in an index or a primary key; once the key is destroyed nobody can link the digest to
    a value again. ``purpose`` separates the uses (``"contact_point"``).
    """
    secret = _live_key(key)
    text = _checks.text(value, field="value", max_length=100_000)
    use = _c.slug(purpose, field="purpose")
    derived = hashlib.sha256(b"globalcrm digest key\x00" + use.encode() + b"\x00" + secret).digest()
    return "hmac:" + hmac.new(derived, text.encode("utf-8"), hashlib.sha256).hexdigest()


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
