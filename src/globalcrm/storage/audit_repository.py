"""The audit log in SQL: append under the chain's head lock, read back, verify.

Verification works on the rows as stored: a row whose values cannot even be read as an
:class:`~globalcrm.privacy.audit_log.AuditEntry` (an unknown ``actor_kind``, a float in the
payload) is reported at its position instead of raising, and the chain's end is compared with
its head, so the newest entries deleted are caught.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from globalcrm.errors import GlobalCRMError, StorageError
from globalcrm.privacy.audit_log import AuditEntry, canonical_json, chain_hash
from globalcrm.privacy.chains import ChainHead, Link
from globalcrm.storage import bulk, tables
from globalcrm.storage.chain_heads import ChainHeads

__all__ = ["AuditRepository"]

_COLUMNS = [column.name for column in tables.audit_entries.columns]
assert _COLUMNS[0] == "tenant"  # noqa: S101 - the rows below put the tenant first
_FIELDS = operator.attrgetter(*_COLUMNS[1:])
"""An entry's values for every column after ``tenant``: its fields of the same names."""


def _content(row: Any) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "id": row.id,
        "tenant": row.tenant,
        "occurred_at": row.occurred_at,
        "actor_kind": row.actor_kind,
        "actor_ref": row.actor_ref,
        "action": row.action,
        "entity_type": row.entity_type,
        "entity_ref": row.entity_ref,
        "subject_ref": row.subject_ref,
        "payload": row.payload,
        "sealed": row.sealed,
    }


def _entry(row: Any) -> AuditEntry:
    try:
        return AuditEntry(
            **_content(row), prev_hash=bytes(row.prev_hash), entry_hash=bytes(row.entry_hash)
        )
    except (GlobalCRMError, TypeError, ValueError):
        # no chained cause: a value that did not check may be personal
        message = f"audit_entries row seq {row.seq} cannot be read: it was altered"
        raise StorageError(message) from None


class AuditRepository:
    """The append-only, hash-chained audit log of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant
        self._heads = ChainHeads(session, tenant)

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Chain and insert an audit entry; returns the stored entry (``seq`` and hashes set)."""
        return self.append_many([entry])[0]

    def append_many(self, entries: Sequence[AuditEntry]) -> list[AuditEntry]:
        """Chain and insert entries in their order: one head lock, one insert, one head move.

        Returns the stored entries (``seq`` and hashes set).
        """
        if not entries:
            return []
        head = self._heads.lock("audit")
        size, last = head.size, head.last_hash
        stored = []
        for entry in entries:
            chained = entry.chained(size, last)
            stored.append(chained)
            size, last = size + 1, chained.entry_hash
        # the rows in the table's column order: the entries' own fields, the tenant this log's
        rows = [(self._tenant, *_FIELDS(entry)) for entry in stored]
        if len(rows) == 1:
            self._session.execute(
                insert(tables.audit_entries).values(dict(zip(_COLUMNS, rows[0], strict=True)))
            )
        else:  # the driver's executemany (SQLite) or COPY (PostgreSQL), without the ORM
            bulk.insert_rows(self._session.connection(), tables.audit_entries, rows)
        self._heads.advance("audit", ChainHead(size, last))
        return stored

    def _rows(self) -> Iterator[Any]:
        a = tables.audit_entries.c
        query = select(tables.audit_entries).where(a.tenant == self._tenant).order_by(a.seq)
        yield from self._session.execute(query)

    def entries(self) -> list[AuditEntry]:
        """The tenant's audit log in ``seq`` order, as stored (hashes are not checked here).

        Raises:
            StorageError: a row's values cannot be read as an entry (the message names its seq).
        """
        return [_entry(row) for row in self._rows()]

    def hold(self) -> ChainHead:
        """Share-lock the head for a consistent read (see ``ConsentRepository.hold``)."""
        h = tables.ledger_heads.c
        row = self._session.execute(
            select(h.next_seq, h.last_hash)
            .where(h.tenant == self._tenant, h.ledger == "audit")
            .with_for_update(read=True)
        ).first()
        return self._heads.read("audit") if row is None else ChainHead(row[0], bytes(row[1]))

    def links(self) -> Iterator[tuple[Link, bytes | None]]:
        """Every row as a chain link, with its canonical bytes (``None`` if they cannot be made).

        A row is valid when its values make canonical bytes that hash, after its
        ``prev_hash``, to its ``entry_hash``, and read as an entry.
        """
        for row in self._rows():
            prev, digest = bytes(row.prev_hash), bytes(row.entry_hash)
            try:
                leaf: bytes | None = canonical_json(_content(row))
                _entry(row)
            except (GlobalCRMError, TypeError, ValueError):
                leaf = None
            valid = leaf is not None and chain_hash(prev, leaf) == digest
            yield Link(int(row.seq), prev, digest, valid), leaf
