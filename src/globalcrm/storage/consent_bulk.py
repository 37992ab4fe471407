"""The consent ledger written in bulk: what an import of a consent history reads and writes.

The entries themselves are made in memory by the import (:mod:`globalcrm.crm.consent_import`:
the same rules, the same hash scheme 2 and the same projection steps as a single ``record``);
this module reads what the import needs to know in a few queries per batch (the customers'
country, zone and birth date; which subjects already have ledger entries; which idempotency keys
are taken) and writes a batch's ledger rows and projection rows with one ``executemany``
(SQLite) or ``COPY`` (PostgreSQL) per table, then moves the ledger's head.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Boolean, Connection, Table, delete, select
from sqlalchemy.orm import Session

from globalcrm.errors import GlobalCRMError, StorageError
from globalcrm.privacy.chains import ChainHead
from globalcrm.privacy.events import ConsentEvent
from globalcrm.privacy.rules import Subject
from globalcrm.storage import bulk, tables
from globalcrm.storage.chain_heads import ChainHeads
from globalcrm.storage.column_types import UTCDateTime
from globalcrm.storage.consent_repository import NO_POINT, read_entry

__all__ = [
    "LEDGER_COLUMNS",
    "STATE_COLUMNS",
    "events_by_idempotency_key",
    "no_point",
    "subjects",
    "subjects_with_entries",
    "write_batch",
]

LEDGER_COLUMNS = tuple(column.name for column in tables.consent_events.columns)
"""The order of a ledger row's values (the table's column order)."""
STATE_COLUMNS = tuple(column.name for column in tables.consent_states.columns)
"""The order of a projection row's values (the table's column order)."""
_CHUNK = 500


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def subjects(session: Session, tenant: str, customer_ids: Iterable[str]) -> dict[str, Subject]:
    """What the consent rules need about each stored customer (country, zone, birth date)."""
    c = tables.customers.c
    found: dict[str, Subject] = {}
    for chunk in _chunks(customer_ids):
        query = select(c.id, c.country, c.time_zone, c.birth_date).where(
            c.tenant == tenant, c.id.in_(chunk)
        )
        for row in session.execute(query):
            try:
                found[row.id] = Subject(row.id, row.country, row.time_zone, row.birth_date)
            except GlobalCRMError:
                raise StorageError(f"customers row {row.id} cannot be read") from None
    return found


def subjects_with_entries(session: Session, tenant: str, subject_refs: Iterable[str]) -> set[str]:
    """Which of ``subject_refs`` already have entries in the tenant's ledger."""
    e = tables.consent_events.c
    found: set[str] = set()
    for chunk in _chunks(subject_refs):
        query = (
            select(e.subject_ref)
            .where(e.tenant == tenant, e.subject_ref.in_(chunk))
            .distinct()
        )
        found.update(session.scalars(query))
    return found


def events_by_idempotency_key(
    session: Session, tenant: str, keys: Iterable[str]
) -> dict[str, ConsentEvent]:
    """The stored events (stored form, checked) recorded under any of ``keys``."""
    e = tables.consent_events
    found: dict[str, ConsentEvent] = {}
    for chunk in _chunks(keys):
        query = select(e).where(e.c.tenant == tenant, e.c.idempotency_key.in_(chunk))
        for row in session.execute(query):
            event = read_entry(row, tenant).event
            if event.idempotency_key is not None:
                found[event.idempotency_key] = event
    return found


def write_batch(
    session: Session,
    tenant: str,
    ledger_rows: Sequence[Sequence[Any]],
    state_rows: Sequence[Sequence[Any]],
    *,
    replaced_subjects: Iterable[str],
    head: ChainHead,
) -> None:
    """Insert a batch's ledger rows, replace its subjects' projection rows, move the head.

    ``ledger_rows`` and ``state_rows`` are in :data:`LEDGER_COLUMNS` and :data:`STATE_COLUMNS`
    order; every projection row of ``replaced_subjects`` is deleted first (the import holds
    their whole state). The caller holds the ledger's head lock.
    """
    connection = session.connection()
    s = tables.consent_states.c
    for chunk in _chunks(replaced_subjects):
        session.execute(
            delete(tables.consent_states).where(s.tenant == tenant, s.subject_ref.in_(chunk))
        )
    texts: dict[dt.datetime, str] = {}  # a state's times are its event's: written once
    _insert(connection, tables.consent_events, ledger_rows, texts)
    _insert(connection, tables.consent_states, state_rows, texts)
    ChainHeads(session, tenant).advance("consent", head)


def _insert(
    connection: Connection,
    table: Table,
    rows: Sequence[Sequence[Any]],
    texts: dict[dt.datetime, str],
) -> None:
    """Insert rows given in the table's column order: ``COPY`` (PostgreSQL), else multi-row.

    The values are what the columns hold: aware UTC times, which PostgreSQL takes as they are;
    for SQLite they are written here as SQLAlchemy writes them (``YYYY-MM-DD HH:MM:SS.ffffff``,
    UTC without a zone) and flags as 0 or 1, once per distinct time of the batch (``texts``:
    an import's entries share their ``recorded_at``, and an event's time is its state's too).
    """
    if not rows:
        return
    if connection.dialect.name != "sqlite":
        bulk.insert_rows(connection, table, rows)
        return
    times = [i for i, c in enumerate(table.columns) if isinstance(c.type, UTCDateTime)]
    flags = [i for i, c in enumerate(table.columns) if isinstance(c.type, Boolean)]
    encoded = []
    for row in rows:
        values = list(row)
        for index in times:
            moment = values[index]
            if moment is not None:
                text = texts.get(moment)
                if text is None:
                    text = texts[moment] = _sqlite_time(moment)
                values[index] = text
        for index in flags:
            if values[index] is not None:
                values[index] = int(values[index])
        encoded.append(values)
    bulk.insert_tuples(connection, table.name, [column.name for column in table.columns], encoded)


def _sqlite_time(moment: dt.datetime) -> str:
    """What ``UTCDateTime`` stores on SQLite: the UTC time without zone, microseconds always."""
    utc = moment if moment.tzinfo is dt.UTC else moment.astimezone(dt.UTC)
    return utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def no_point(contact_point_ref: str | None) -> str:
    """The ``contact_point_ref`` column's value (``''`` for a channel-level event or state)."""
    return contact_point_ref or NO_POINT

