"""What the consent ledger and the audit log share as hash chains: heads, links, checkpoints.

Both chains are gapless sequences where each entry's hash covers the previous entry's hash, so
an edited, deleted or swapped entry breaks the chain at the first bad position. A chain alone
cannot see its newest entries deleted; the **head** (the next ``seq`` and the last hash, kept in
its own row and advanced by every append) can, unless it is rolled back too. A
:class:`StoreCheckpoint` saved outside the database (a file, a ticket, an e-mail to the DPO)
pins both chains at a size and hash, so even a tail deleted together with its head is caught:
the model of Certificate Transparency's signed tree heads (RFC 6962 §3.5), without the
signature (the checkpoint's trust is where it is kept).

```pycon
>>> first, second = Link(0, GENESIS_HASH, b"a" * 32, True), Link(1, b"a" * 32, b"b" * 32, True)
>>> first_bad_link([first, second], head=ChainHead(2, b"b" * 32))
>>> first_bad_link([first], head=ChainHead(2, b"b" * 32))          # the newest entry deleted
1
>>> first_bad_link([first], head=ChainHead(1, b"a" * 32), pinned=ChainHead(2, b"b" * 32))
1

```
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat
from globalcrm.privacy.audit_log import GENESIS_HASH, HASH_SIZE, Checkpoint

__all__ = [
    "CHECKPOINT_FORMAT",
    "GENESIS_HASH",
    "ChainHead",
    "ChainReport",
    "Link",
    "StoreCheckpoint",
    "StoreVerification",
    "first_bad_link",
]

CHECKPOINT_FORMAT = "globalcrm-checkpoint/1"


def _size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidFormat("expected a non-negative integer", field="size")
    return value


def _hash(value: object) -> bytes:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise InvalidFormat("expected a 32-byte SHA-256 hash", field="hash")
    return value


@attrs.frozen
class ChainHead:
    """A chain's size (the next ``seq``) and the hash of its last entry (genesis when empty)."""

    size: int = attrs.field(converter=_size)
    last_hash: bytes = attrs.field(converter=_hash)


@attrs.frozen
class Link:
    """One stored entry as verification sees it: its position, its two hashes, and ``valid``.

    ``valid`` says whether the entry's own bytes hash to ``entry_hash`` and its columns agree.
    """

    seq: int
    prev_hash: bytes
    entry_hash: bytes
    valid: bool


def first_bad_link(
    links: Sequence[Link], *, head: ChainHead | None = None, pinned: ChainHead | None = None
) -> int | None:
    """The first position where the chain is broken, or ``None``.

    In order: every link's ``seq`` is its position, its ``prev_hash`` the previous link's
    ``entry_hash`` (genesis first) and its own hash valid; then the chain ends where ``head``
    says (fewer links: the first missing position; more: the first one past the head; same
    size, other last hash: the last position); then the first ``pinned.size`` links end in
    ``pinned.last_hash`` (a checkpoint: fewer links give the first missing position, another
    hash the checkpoint's last position).
    """
    items: object = links
    if not isinstance(items, list | tuple) or not all(isinstance(link, Link) for link in items):
        raise InvalidFormat("expected a list of Link values", field="links")
    for name, value in (("head", head), ("pinned", pinned)):
        if value is not None and not isinstance(value, ChainHead):
            raise InvalidFormat("expected a ChainHead", field=name)
    previous = GENESIS_HASH
    for index, link in enumerate(links):
        if link.seq != index or link.prev_hash != previous or not link.valid:
            return index
        previous = link.entry_hash
    count = len(links)
    if head is not None:
        if head.size > count:
            return count
        if head.size < count:
            return head.size
        if head.last_hash != previous:
            return max(count - 1, 0)
    if pinned is not None:
        if pinned.size > count:
            return count
        if pinned.size and links[pinned.size - 1].entry_hash != pinned.last_hash:
            return pinned.size - 1
    return None


@attrs.frozen
class ChainReport:
    """What verifying one chain found: its size, the first bad position and why (no data)."""

    chain: str
    size: int
    first_bad: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the chain verified."""
        return self.first_bad is None

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "ok": self.ok,
            "size": self.size,
            "first_bad": self.first_bad,
            "problem": self.problem,
        }


@attrs.frozen
class StoreVerification:
    """The consent ledger (with its projection) and the audit log, verified together."""

    consent: ChainReport
    audit: ChainReport
    checkpoint_used: bool = False

    @property
    def ok(self) -> bool:
        """Whether both chains verified."""
        return self.consent.ok and self.audit.ok

    def to_json(self) -> dict[str, Any]:
        """The verification as JSON-ready data (what ``globalcrm audit verify`` prints)."""
        return {
            "ok": self.ok,
            "checkpoint": self.checkpoint_used,
            "consent": self.consent.to_json(),
            "audit": self.audit.to_json(),
        }


def _hex(value: object, *, field: str) -> bytes:
    text = _checks.text(value, field=field, max_length=64)
    try:
        return _hash(bytes.fromhex(text))
    except (ValueError, binascii.Error, InvalidFormat) as error:
        raise InvalidFormat("expected 64 hex digits", field=field) from error


def _part(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    part = data.get(name)
    if not isinstance(part, Mapping):
        raise InvalidFormat("expected an object", field=name)
    return part


@attrs.frozen
class StoreCheckpoint:
    """Both chains pinned at a moment: keep it outside the database to detect rewriting.

    ``consent`` and ``audit_head`` are the chains' sizes and last hashes; ``audit`` the audit
    log's RFC 6962 tree size and root (for inclusion and consistency proofs).
    """

    tenant: str
    consent: ChainHead
    audit_head: ChainHead
    audit: Checkpoint

    def to_json(self) -> dict[str, Any]:
        """The checkpoint as JSON-ready data (what ``globalcrm audit checkpoint`` writes)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "tenant": self.tenant,
            "consent": {"size": self.consent.size, "last_hash": self.consent.last_hash.hex()},
            "audit": {
                "size": self.audit_head.size,
                "last_hash": self.audit_head.last_hash.hex(),
                "root_hash": self.audit.root_hash.hex(),
            },
        }

    @classmethod
    def from_json(cls, data: object) -> StoreCheckpoint:
        """Read :meth:`to_json`'s form back.

        Raises:
            InvalidFormat: not a checkpoint of this format (``field`` names the part).
        """
        if not isinstance(data, Mapping) or data.get("format") != CHECKPOINT_FORMAT:
            raise InvalidFormat(f"not a {CHECKPOINT_FORMAT} document", field="format")
        consent, audit = _part(data, "consent"), _part(data, "audit")
        audit_size = _size(audit.get("size"))
        return cls(
            tenant=_checks.tenant(data.get("tenant")),
            consent=ChainHead(
                _size(consent.get("size")), _hex(consent.get("last_hash"), field="consent")
            ),
            audit_head=ChainHead(audit_size, _hex(audit.get("last_hash"), field="audit")),
            audit=Checkpoint(audit_size, _hex(audit.get("root_hash"), field="audit.root_hash")),
        )
