"""The heads of the two append-only chains (``consent``, ``audit``): one row each per tenant.

An append locks its chain's head row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` serialises writers), so concurrent writers never lose an entry or fork the
chain, and verification compares each chain's end with its head, which catches the newest
entries deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from globalcrm.privacy.chains import GENESIS_HASH, ChainHead
from globalcrm.storage import tables

__all__ = ["ChainHeads"]


class ChainHeads:
    """Read, lock and advance a tenant's chain heads."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def _query(self, ledger: str) -> Select[Any]:
        h = tables.ledger_heads.c
        return select(h.next_seq, h.last_hash).where(h.tenant == self._tenant, h.ledger == ledger)

    def read(self, ledger: str) -> ChainHead:
        """The head as stored (an empty chain before the first append)."""
        row = self._session.execute(self._query(ledger)).first()
        if row is None:
            return ChainHead(0, GENESIS_HASH)
        return ChainHead(int(row.next_seq), bytes(row.last_hash))

    def lock(self, ledger: str) -> ChainHead:
        """Lock the head for an append and return it (made on the chain's first append)."""
        query = self._query(ledger).with_for_update()
        row = self._session.execute(query).first()
        if row is None:
            try:  # the chain's first append; a concurrent first append may win the insert
                with self._session.begin_nested():
                    self._session.execute(
                        insert(tables.ledger_heads).values(
                            tenant=self._tenant, ledger=ledger, next_seq=0, last_hash=GENESIS_HASH
                        )
                    )
            except IntegrityError:
                # the other writer made the head row: lock it like any later append does
                self._session.expire_all()
            row = self._session.execute(query).one()
        return ChainHead(int(row.next_seq), bytes(row.last_hash))

    def advance(self, ledger: str, head: ChainHead) -> None:
        """Store the head after an append (the lock is held until the transaction ends)."""
        h = tables.ledger_heads.c
        self._session.execute(
            update(tables.ledger_heads)
            .where(h.tenant == self._tenant, h.ledger == ledger)
            .values(next_seq=head.size, last_hash=head.last_hash)
        )
