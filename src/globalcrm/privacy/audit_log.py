"""A tamper-evident audit log: a hash chain for the write path, RFC 6962 Merkle trees for proofs.

Who did what to whose data is recorded as an :class:`AuditEntry`. Personal values never appear in
clear: an entry carries only opaque references and *sealed* values (AES-GCM ciphertext under the
subject's key, or an HMAC-SHA-256 commitment under a tenant secret), so destroying the subject's
key (crypto-shredding) leaves every hash, and therefore :func:`verify_chain`, intact.

Each entry's canonical bytes (:meth:`AuditEntry.canonical_bytes`: JSON, sorted keys, NFC text,
microsecond UTC timestamps, no insignificant whitespace, cf. RFC 8785) are

* chained: ``entry_hash = SHA-256(prev_hash || canonical_bytes)`` with a gapless ``seq``, so an
  edit, a deleted row or a swap shows up at the first bad ``seq``;
* the leaves of an RFC 6962 Merkle tree (Certificate Transparency,
  https://www.rfc-editor.org/rfc/rfc6962#section-2.1; verification algorithms from RFC 9162
  §2.1.3-2.1.4), so a :class:`Checkpoint` (tree size + root) published outside the database
  detects truncation and rewriting, and a receipt can carry a compact inclusion proof.

```pycon
>>> root = merkle_root([b"a", b"b", b"c"])
>>> proof = inclusion_proof([b"a", b"b", b"c"], 2)
>>> verify_inclusion(leaf_hash(b"c"), 2, 3, proof, root)
True
>>> verify_inclusion(leaf_hash(b"x"), 2, 3, proof, root)
False

```
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, InvalidLength, NotFound
from globalcrm.identifiers import new_id

__all__ = [
    "ACTOR_KINDS",
    "EMPTY_ROOT",
    "GENESIS_HASH",
    "AuditEntry",
    "AuditLog",
    "Checkpoint",
    "canonical_json",
    "chain_hash",
    "commit",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "node_hash",
    "verify_chain",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The RFC 6962 root of the empty tree: SHA-256 of nothing."""
GENESIS_HASH = bytes(HASH_SIZE)
"""``prev_hash`` of the first entry of a chain (32 zero bytes)."""
ACTOR_KINDS = ("subject", "guardian", "authorised_agent", "staff", "system")
MAX_ENTRY_BYTES = 1_000_000


# --- RFC 6962 hashing ------------------------------------------------------------------------


def _bytes(value: object, *, field: str) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise InvalidFormat(f"expected bytes, got {type(value).__name__}", field=field)
    return bytes(value)


def leaf_hash(entry: bytes) -> bytes:
    """Return the RFC 6962 leaf hash ``SHA-256(0x00 || entry)``.

    ```pycon
    >>> leaf_hash(b"").hex()[:16]
    '6e340b9cffb37a98'

    ```
    """
    return hashlib.sha256(b"\x00" + _bytes(entry, field="entry")).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(
        b"\x01" + _bytes(left, field="left") + _bytes(right, field="right")
    ).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _entries(entries: object) -> list[bytes]:
    if isinstance(entries, bytes | bytearray | str) or not isinstance(entries, Sequence):
        raise InvalidFormat("expected a sequence of bytes entries", field="entries")
    return [_bytes(entry, field=f"entries[{i}]") for i, entry in enumerate(entries)]


def _root(leaves: Sequence[bytes]) -> bytes:
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return node_hash(_root(leaves[:k]), _root(leaves[k:]))


def merkle_root(entries: Sequence[bytes]) -> bytes:
    """Return the RFC 6962 Merkle Tree Hash over the entries' bytes (``SHA-256("")`` if empty).

    ```pycon
    >>> merkle_root([]).hex()[:16]
    'e3b0c44298fc1c14'

    ```
    """
    data = _entries(entries)
    if not data:
        return EMPTY_ROOT
    return _root([leaf_hash(entry) for entry in data])


def _path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_path(index, leaves[:k]), _root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), _root(leaves[:k])]


def _index(value: object, *, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFormat("expected an integer", field=field)
    return value


def inclusion_proof(entries: Sequence[bytes], leaf_index: int) -> list[bytes]:
    """Return the audit path (RFC 6962 §2.1.1) proving entry ``leaf_index`` (0-based).

    Raises:
        NotFound: ``leaf_index`` is outside the tree.
    """
    data = _entries(entries)
    index = _index(leaf_index, field="leaf_index")
    if not 0 <= index < len(data):
        raise NotFound("no entry at that index", field="leaf_index")
    return _path(index, [leaf_hash(entry) for entry in data])


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), _root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _root(leaves[:k])]


def consistency_proof(entries: Sequence[bytes], size1: int) -> list[bytes]:
    """Return the RFC 6962 §2.1.2 proof that the first ``size1`` entries are a prefix.

    Raises:
        InvalidInput: ``size1`` is negative or larger than the tree.
    """
    data = _entries(entries)
    m = _index(size1, field="size1")
    if not 0 <= m <= len(data):
        raise InvalidInput("size1 must be between 0 and the tree size", field="size1")
    if m == 0 or m == len(data):
        return []
    return _subproof(m, [leaf_hash(entry) for entry in data], True)


def _hash_list(values: object) -> list[bytes] | None:
    if isinstance(values, bytes | bytearray | str) or not isinstance(values, Sequence):
        return None
    result = []
    for value in values:
        if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
            return None
        result.append(bytes(value))
    return result


def _size(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _digest(value: object) -> bytes | None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        return None
    return bytes(value)


def verify_inclusion(
    leaf_hash: bytes, leaf_index: int, tree_size: int, audit_path: Sequence[bytes], root_hash: bytes
) -> bool:
    """Check an RFC 6962 inclusion proof (RFC 9162 §2.1.3.2); malformed input gives ``False``."""
    leaf, index, size = _digest(leaf_hash), _size(leaf_index), _size(tree_size)
    path, root = _hash_list(audit_path), _digest(root_hash)
    if leaf is None or index is None or size is None or path is None or root is None:
        return False
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> bool:
    """Check an RFC 6962 consistency proof (RFC 9162 §2.1.4.2); malformed input gives ``False``.

    As in transparency-dev/merkle, equal sizes need equal roots and an empty proof, and the empty
    tree (``size1 == 0``) is consistent with any tree given an empty proof.
    """
    m, n = _size(size1), _size(size2)
    first, second, path = _digest(root1), _digest(root2), _hash_list(proof)
    if m is None or n is None or first is None or second is None or path is None:
        return False
    if m > n:
        return False
    if m == n:
        return not path and hmac.compare_digest(first, second)
    if m == 0:
        return not path
    if not path:
        return False
    if m & (m - 1) == 0:
        path = [first, *path]
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, first) and hmac.compare_digest(sr, second)


# --- canonical bytes and commitments ---------------------------------------------------------


def _canonical(value: object, depth: int = 0) -> Any:
    if depth > 32:
        raise InvalidFormat("nested too deeply for canonical JSON")
    kind = type(value)
    if kind is str:  # NFC leaves ASCII as it is: most text skips the normalisation
        text: str = value  # type: ignore[assignment]
        return text if text.isascii() else unicodedata.normalize("NFC", text)
    if kind is dict:
        return _canonical_mapping(value, depth)  # type: ignore[arg-type]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise InvalidFormat("integer too large for canonical JSON")
        return value
    if isinstance(value, dt.datetime):
        return _timestamp(_checks.aware_utc(value, field="timestamp"))
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return _canonical_mapping(value, depth)
    if isinstance(value, list | tuple):
        return [_canonical(v, depth + 1) for v in value]
    if isinstance(value, float):
        raise InvalidFormat("floats are not allowed in canonical JSON; use text or integers")
    raise InvalidFormat(f"{type(value).__name__} cannot be written as canonical JSON")


def _canonical_mapping(value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
    """A mapping's canonical form; text, ``None`` and UTC times are done in the loop.

    The same result as :func:`_canonical` on every item (a ledger entry has some sixty values:
    a call for each was most of the time its canonical bytes took).
    """
    if not all(isinstance(key, str) for key in value):
        raise InvalidFormat("canonical JSON keys must be text")
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = key if key.isascii() else unicodedata.normalize("NFC", key)
        kind = type(item)
        if kind is str:
            result[name] = item if item.isascii() else unicodedata.normalize("NFC", item)
        elif item is None:
            result[name] = None
        elif kind is dt.datetime and item.tzinfo is dt.UTC and item.year >= 1000:
            result[name] = (
                f"{item.year:04d}-{item.month:02d}-{item.day:02d}T{item.hour:02d}:"
                f"{item.minute:02d}:{item.second:02d}.{item.microsecond:06d}Z"
            )
        else:
            result[name] = _canonical(item, depth + 1)
    return result


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: object) -> bytes:
    """Return the canonical UTF-8 JSON of ``value``: sorted keys, NFC, no spaces, µs UTC times.

    ```pycon
    >>> canonical_json({"b": 1, "a": dt.datetime(2026, 1, 2, tzinfo=dt.UTC)})
    b'{"a":"2026-01-02T00:00:00.000000Z","b":1}'

    ```
    """
    return json.dumps(
        _canonical(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def commit(secret: bytes, value: str) -> str:
    """Return a keyed commitment ``hex(HMAC-SHA-256(secret, NFC(value)))`` to a personal value.

    The commitment proves later that a known value was the one recorded, without storing it.

    ```pycon
    >>> commit(b"k" * 32, "ada@example.com")[:12]
    '1c46a892e933'

    ```
    """
    key = _bytes(secret, field="secret")
    if len(key) < 16:
        raise InvalidLength("the secret must be at least 16 bytes", field="secret")
    text = _checks.text(value, field="value", allow_empty=True, max_length=100_000)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


# --- entries and the chain -------------------------------------------------------------------


def _sealed(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of field name to sealed value", field="sealed")
    result = {}
    for key, item in value.items():
        name = _checks.text(key, field="sealed", max_length=100)
        sealed = _checks.text(item, field=f"sealed.{name}", max_length=100_000)
        if not sealed.startswith(("aesgcm:", "hmac:", "erased")):
            raise InvalidFormat(
                "personal values must be sealed ('aesgcm:...' or 'hmac:...')",
                field=f"sealed.{name}",
            )
        result[name] = sealed
    return result


def _payload(value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a JSON object", field="payload")
    safe = _checks.json_safe(value, field="payload")
    _checks.json_size(safe, field="payload")
    if any(isinstance(v, float) for v in _walk(safe)):
        raise InvalidFormat("floats are not allowed; use text or integers", field="payload")
    return dict(safe)


def _walk(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [x for v in value.values() for x in _walk(v)]
    if isinstance(value, list):
        return [x for v in value for x in _walk(v)]
    return [value]


def _ref(value: object, *, field: str) -> str:
    return _checks.text(value, field=field, max_length=200)


def _seq(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidFormat("expected a non-negative integer", field="seq")
    return value


def _id(value: object) -> str:
    return _ref(value, field="id")


def _occurred_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="occurred_at")


def _actor_kind(value: object) -> str:
    return _checks.choice(value, ACTOR_KINDS, field="actor_kind", what="actor kind")


def _actor_ref(value: object) -> str:
    return _ref(value, field="actor_ref")


def _action(value: object) -> str:
    return _ref(value, field="action")


def _entity_type(value: object) -> str:
    return _ref(value, field="entity_type")


def _entity_ref(value: object) -> str:
    return _ref(value, field="entity_ref")


def _subject_ref(value: object) -> str | None:
    return None if value is None else _ref(value, field="subject_ref")


def _tenant(value: object) -> str:
    return _ref(value, field="tenant")


def _hash(value: object) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise InvalidFormat("expected a 32-byte SHA-256 hash", field="hash")
    return value


def chain_hash(prev_hash: bytes, entry: bytes) -> bytes:
    """``SHA-256(prev_hash || entry)``: the ``entry_hash`` of an entry whose bytes are ``entry``."""
    previous = _bytes(prev_hash, field="prev_hash")
    return hashlib.sha256(previous + _bytes(entry, field="entry")).digest()


@attrs.frozen(eq=False)
class AuditEntry:
    """One append-only audit row: who (``actor_*``) did what (``action``) to whose data.

    ``subject_ref`` and ``entity_ref`` are opaque, pseudonymous references (no foreign key, so
    the row outlives an erased account); ``payload`` holds non-personal facts; ``sealed`` holds
    personal values only as ``aesgcm:<base64>`` ciphertext or ``hmac:<hex>`` commitments. Entries
    are frozen: the log builds the chained entry as a new object (``attrs.evolve``).
    """

    seq: int = attrs.field(converter=_seq)
    id: str = attrs.field(converter=_id)
    occurred_at: dt.datetime = attrs.field(converter=_occurred_at)
    actor_kind: str = attrs.field(converter=_actor_kind)
    actor_ref: str = attrs.field(converter=_actor_ref)
    action: str = attrs.field(converter=_action)
    entity_type: str = attrs.field(converter=_entity_type)
    entity_ref: str = attrs.field(converter=_entity_ref)
    subject_ref: str | None = attrs.field(default=None, converter=_subject_ref)
    tenant: str = attrs.field(default="default", converter=_tenant)
    payload: dict[str, Any] = attrs.field(factory=dict, converter=_payload)
    sealed: dict[str, str] = attrs.field(factory=dict, converter=_sealed)
    prev_hash: bytes = attrs.field(default=GENESIS_HASH, converter=_hash, repr=False)
    entry_hash: bytes = attrs.field(default=GENESIS_HASH, converter=_hash, repr=False)

    def content(self) -> dict[str, Any]:
        """The hashed fields as a JSON-ready mapping (everything but the two hashes)."""
        return {
            "seq": self.seq,
            "id": self.id,
            "tenant": self.tenant,
            "occurred_at": self.occurred_at,
            "actor_kind": self.actor_kind,
            "actor_ref": self.actor_ref,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_ref": self.entity_ref,
            "subject_ref": self.subject_ref,
            "payload": self.payload,
            "sealed": self.sealed,
        }

    def canonical_bytes(self) -> bytes:
        """The canonical bytes of :meth:`content`: the Merkle leaf and the chained input."""
        return canonical_json(self.content())

    def compute_hash(self) -> bytes:
        """``SHA-256(prev_hash || canonical_bytes)``, the value ``entry_hash`` must hold."""
        return chain_hash(self.prev_hash, self.canonical_bytes())

    def chained(self, seq: int, prev_hash: bytes) -> AuditEntry:
        """A new entry: this one placed at ``seq`` after ``prev_hash``, with its ``entry_hash``.

        Every other field was checked when this entry was made, so the new one is a copy with
        the three set, not made and checked again (``attrs.evolve`` would check the payload a
        second time: most of a bulk append's time).
        """
        number, previous = _seq(seq), _hash(prev_hash)
        content = self.content()
        content["seq"] = number
        placed = copy.copy(self)
        object.__setattr__(placed, "seq", number)
        object.__setattr__(placed, "prev_hash", previous)
        object.__setattr__(placed, "entry_hash", chain_hash(previous, canonical_json(content)))
        return placed


@attrs.frozen
class Checkpoint:
    """A tree size and its RFC 6962 root: publish it outside the database to pin history."""

    tree_size: int
    root_hash: bytes


def _entry_list(entries: object) -> list[AuditEntry]:
    if isinstance(entries, str | bytes) or not isinstance(entries, Sequence):
        raise InvalidFormat("expected a sequence of audit entries", field="entries")
    for i, entry in enumerate(entries):
        if not isinstance(entry, AuditEntry):
            raise InvalidFormat("expected an AuditEntry", field=f"entries[{i}]")
    return list(entries)


def verify_chain(
    entries: Sequence[AuditEntry], *, checkpoint: Checkpoint | None = None
) -> int | None:
    """Return the index of the first tampered entry, or ``None`` if the chain verifies.

    Checks, in order, for every entry: its ``seq`` equals its position (a deleted or swapped row
    breaks this), its ``prev_hash`` is the previous ``entry_hash`` (genesis for the first), and its
    ``entry_hash`` matches the recomputed hash (an edited row breaks this). With ``checkpoint``,
    a chain shorter than the checkpoint reports the first missing index (truncation), and a
    chain whose first ``tree_size`` entries no longer have the checkpoint's root (history
    rewritten with recomputed hashes) reports 0, since the root cannot say which entry changed.
    """
    rows = _entry_list(entries)
    previous = GENESIS_HASH
    for index, entry in enumerate(rows):
        if entry.seq != index or entry.prev_hash != previous:
            return index
        if not hmac.compare_digest(entry.entry_hash, entry.compute_hash()):
            return index
        previous = entry.entry_hash
    if checkpoint is not None:
        if not isinstance(checkpoint, Checkpoint):
            raise InvalidFormat("expected a Checkpoint", field="checkpoint")
        if len(rows) < checkpoint.tree_size:
            return len(rows)
        leaves = [entry.canonical_bytes() for entry in rows[: checkpoint.tree_size]]
        if merkle_root(leaves) != checkpoint.root_hash:
            return 0 if checkpoint.tree_size else None
    return None


class AuditLog:
    """An in-memory append-only audit log; the storage layer persists the same entries.

    ```pycon
    >>> log = AuditLog()
    >>> at = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
    >>> entry = log.append(at, actor_kind="staff", actor_ref="u-7", action="consent.recorded",
    ...                    entity_type="consent_event", entity_ref="e-1", subject_ref="s-1",
    ...                    entry_id="a-1")
    >>> verify_chain(log.entries)
    >>> log.entries[0] = attrs.evolve(entry, payload={"edited": True})   # a database edit
    >>> verify_chain(log.entries)
    0

    ```
    """

    def __init__(self, entries: Sequence[AuditEntry] = ()) -> None:
        self.entries: list[AuditEntry] = _entry_list(entries)

    def append(
        self,
        occurred_at: dt.datetime,
        *,
        actor_kind: str,
        actor_ref: str,
        action: str,
        entity_type: str,
        entity_ref: str,
        subject_ref: str | None = None,
        payload: Mapping[str, Any] | None = None,
        sealed: Mapping[str, str] | None = None,
        tenant: str = "default",
        entry_id: str | None = None,
    ) -> AuditEntry:
        """Append an entry (next ``seq``, chained to the last ``entry_hash``) and return it."""
        previous = self.entries[-1].entry_hash if self.entries else GENESIS_HASH
        entry = AuditEntry(
            seq=len(self.entries),
            id=entry_id if entry_id is not None else new_id(),
            occurred_at=occurred_at,
            actor_kind=actor_kind,
            actor_ref=actor_ref,
            action=action,
            entity_type=entity_type,
            entity_ref=entity_ref,
            subject_ref=subject_ref,
            tenant=tenant,
            payload=dict(payload or {}),
            sealed=dict(sealed or {}),
        ).chained(len(self.entries), previous)
        self.entries.append(entry)
        return entry

    def leaves(self) -> list[bytes]:
        """The canonical bytes of every entry, in ``seq`` order (the Merkle leaves)."""
        return [entry.canonical_bytes() for entry in self.entries]

    def checkpoint(self) -> Checkpoint:
        """The current tree size and RFC 6962 root."""
        return Checkpoint(len(self.entries), merkle_root(self.leaves()))

    def prove_inclusion(self, seq: int, *, tree_size: int | None = None) -> list[bytes]:
        """The audit path of entry ``seq`` in the tree of the first ``tree_size`` entries."""
        size = len(self.entries) if tree_size is None else _index(tree_size, field="tree_size")
        if not 0 <= size <= len(self.entries):
            raise NotFound("no checkpoint of that size", field="tree_size")
        return inclusion_proof(self.leaves()[:size], seq)

    def prove_consistency(self, size1: int, *, size2: int | None = None) -> list[bytes]:
        """The proof that the tree of ``size1`` entries is a prefix of the tree of ``size2``."""
        size = len(self.entries) if size2 is None else _index(size2, field="size2")
        if not 0 <= size <= len(self.entries):
            raise NotFound("no checkpoint of that size", field="size2")
        return consistency_proof(self.leaves()[:size], size1)

    def verify(self, *, checkpoint: Checkpoint | None = None) -> int | None:
        """:func:`verify_chain` over this log's entries."""
        return verify_chain(self.entries, checkpoint=checkpoint)
