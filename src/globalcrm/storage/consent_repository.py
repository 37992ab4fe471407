"""The consent ledger and its projection in SQL: append, read back checked, verify.

Every ledger row is read through :func:`read_entry`, which recomputes the row's hash from its
``document`` and compares every column with the document, so a row altered, moved to another
subject or unreadable raises :class:`~globalcrm.errors.StorageError` naming the table and
``seq`` rather than being believed. An append locks the chain's head first (see
:mod:`globalcrm.storage.chain_heads`); the idempotency check and the subject key happen under
that lock, so six processes sending the same idempotency key get the same first event back on
both databases.

The projection (``consent_states``) is an index over the ledger: each row names the newest
entry of its key, whose ``after_*`` columns record the same state. The state after an event is
taken one step from that row when the row agrees with its entry and the event is the newest of
its key; otherwise it is replayed from the key's entries, so neither a late event nor an altered
projection row ever decides it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from sqlalchemy import and_, delete, func, insert, literal, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from globalcrm.errors import GlobalCRMError, NotFound, StorageError
from globalcrm.privacy.chains import ChainHead, Link
from globalcrm.privacy.events import ConsentEvent
from globalcrm.privacy.ledger import LedgerEntry, entry_document, entry_hash, parse_entry
from globalcrm.privacy.projection import (
    ConsentStatus,
    Projection,
    StatusKey,
    advance,
    replay,
    status_key,
)
from globalcrm.storage import tables
from globalcrm.storage.chain_heads import ChainHeads

__all__ = ["ConsentRepository", "read_entry"]

_STATE_KEYS = ("tenant", "subject_ref", "purpose_key", "channel", "contact_point_ref")
"""The primary key of a projection row."""
NO_POINT = ""
"""``contact_point_ref`` of a channel-level event or state (the column is part of keys)."""
_AFTER = (
    ("after_state", "state"),
    ("after_objection", "objection"),
    ("after_valid_from", "valid_from"),
    ("after_valid_until", "valid_until"),
    ("after_confirmed_at", "confirmed_at"),
    ("after_purpose_version", "purpose_version"),
    ("after_age_assurance", "age_assurance"),
)
"""The ``after_*`` columns of a ledger row and the state fields they copy."""


def _corrupt(seq: object, problem: str) -> StorageError:
    return StorageError(f"consent_events row seq {seq}: {problem}")


def _row_problem(row: Any, entry: LedgerEntry, tenant: str) -> str | None:
    """Why the row's columns disagree with its hashed document, or ``None``."""
    event = entry.event
    copies = (
        ("event_id", event.event_id),
        ("subject_ref", event.subject_ref),
        ("purpose_key", event.purpose_key),
        ("channel", event.channel),
        ("contact_point_ref", event.contact_point_ref or NO_POINT),
        ("occurred_at", event.occurred_at),
        ("idempotency_key", event.idempotency_key),
    )
    for column, value in copies:
        if getattr(row, column) != value:
            return f"its {column} column differs from the hashed entry"
    if entry.tenant is not None and (entry.tenant != tenant or row.tenant != tenant):
        return "the hashed entry belongs to another tenant"
    if event.hash_scheme == 2:
        if row.recorded_at != event.recorded_at:
            return "its recorded_at column differs from the hashed entry"
        after = entry.after
        for column, name in _AFTER:
            if getattr(row, column) != (None if after is None else getattr(after, name)):
                return f"its {column} column differs from the hashed entry"
    return None


def read_entry(row: Any, tenant: str) -> LedgerEntry:
    """A ledger row read back and checked: its hash and every column against its document.

    Raises:
        StorageError: the row was altered or cannot be read (the message names its ``seq``).
    """
    scheme = row.hash_scheme
    if scheme not in (1, 2):
        raise _corrupt(row.seq, "unknown hash scheme")
    document = row.document
    if not isinstance(document, str):
        raise _corrupt(row.seq, "the entry is not text")
    try:
        entry = parse_entry(
            document,
            scheme=scheme,
            seq=row.seq,
            recorded_at=row.recorded_at,
            prev_hash=bytes(row.prev_hash),
            entry_hash=bytes(row.entry_hash),
        )
    except GlobalCRMError as error:
        raise _corrupt(row.seq, "the entry cannot be read: it was altered") from error
    expected = entry_hash(
        bytes(row.prev_hash), document.encode("utf-8"), scheme=scheme, seq=row.seq
    )
    if expected != bytes(row.entry_hash):
        raise _corrupt(row.seq, "the entry does not match its hash: it was altered")
    problem = _row_problem(row, entry, tenant)
    if problem is not None:
        raise _corrupt(row.seq, problem)
    return entry


def _after_columns(after: ConsentStatus) -> dict[str, Any]:
    return {column: getattr(after, name) for column, name in _AFTER}


def _state_from_row(row: Any) -> ConsentStatus:
    return ConsentStatus(
        purpose_key=row.purpose_key,
        channel=row.channel,
        contact_point_ref=row.contact_point_ref or None,
        state=row.state,
        event_id=row.event_id,
        occurred_at=row.occurred_at,
        purpose_version=row.purpose_version,
        consent_type=row.consent_type,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        confirmed_at=row.confirmed_at,
        objection=row.objection,
        actor_kind=row.actor_kind,
        age_assurance=row.age_assurance,
    )


def _state_columns(state: ConsentStatus) -> dict[str, Any]:
    data = attrs.asdict(state)
    data["contact_point_ref"] = state.contact_point_ref or NO_POINT
    return data


class ConsentRepository:
    """The consent ledger (append-only, hash-chained) and its projection, for one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant
        self._heads = ChainHeads(session, tenant)

    # ------------------------------------------------------------------ appending

    def lock(self) -> ChainHead:
        """Lock the ledger's head for an append: call it before checking the idempotency key."""
        return self._heads.lock("consent")

    def by_idempotency_key(self, key: str) -> ConsentEvent | None:
        """The event recorded under an idempotency key, if any (stored form)."""
        e = tables.consent_events.c
        row = self._session.execute(
            select(tables.consent_events).where(e.tenant == self._tenant, e.idempotency_key == key)
        ).first()
        return None if row is None else read_entry(row, self._tenant).event

    def append(self, event: ConsentEvent, *, now: dt.datetime, head: ChainHead) -> ConsentEvent:
        """Chain and insert ``event`` (stored form) after ``head`` (from :meth:`lock`).

        Returns the stored entry (``seq``, ``recorded_at`` and hashes set: a new object), and
        brings the projection row of its key up to date.
        """
        staged = attrs.evolve(
            event, seq=head.size, recorded_at=now, prev_hash=head.last_hash, hash_scheme=2
        )
        after = self._state_after(staged)
        document = entry_document(staged, tenant=self._tenant, after=after)
        digest = entry_hash(head.last_hash, document, scheme=2, seq=head.size)
        stored = attrs.evolve(staged, entry_hash=digest)
        self._session.execute(
            insert(tables.consent_events).values(**self._ledger_row(stored, document, after))
        )
        self._replace_state(stored, after)
        self._heads.advance("consent", ChainHead(head.size + 1, digest))
        return stored

    def append_many(
        self,
        events: Sequence[ConsentEvent],
        *,
        now: dt.datetime,
        head: ChainHead,
        known: Mapping[str, Sequence[ConsentEvent]],
    ) -> tuple[list[ConsentEvent], ChainHead]:
        """Chain and insert ``events`` (stored form) after ``head``, as :meth:`append` does each.

        One insert of the entries, one upsert of their keys' projection rows, one move of the
        head. ``known`` holds every stored event of the events' subjects (from :meth:`events_of`,
        read after :meth:`lock`): the state after each event is taken from them in memory, as a
        replay of its key, so it is what :meth:`append` would store. Returns the stored entries
        and the new head.
        """
        projections: dict[str, Projection] = {}
        size, last = head.size, head.last_hash
        stored_events: list[ConsentEvent] = []
        rows: list[dict[str, Any]] = []
        states: dict[tuple[str, StatusKey], dict[str, Any]] = {}
        for event in events:
            projection = projections.get(event.subject_ref)
            if projection is None:
                projection = projections[event.subject_ref] = Projection()
                for earlier in sorted(known.get(event.subject_ref, ()), key=ConsentEvent.sort_key):
                    projection.apply(earlier)
            staged = attrs.evolve(
                event, seq=size, recorded_at=now, prev_hash=last, hash_scheme=2
            )
            after = projection.apply(staged)
            document = entry_document(staged, tenant=self._tenant, after=after)
            digest = entry_hash(last, document, scheme=2, seq=size)
            stored = attrs.evolve(staged, entry_hash=digest)
            stored_events.append(stored)
            rows.append(self._ledger_row(stored, document, after))
            states[(stored.subject_ref, status_key(stored))] = self._state_row(stored, after)
            size, last = size + 1, digest
        if rows:
            self._session.execute(insert(tables.consent_events), rows)
            self._upsert_states(list(states.values()))
            self._heads.advance("consent", ChainHead(size, last))
        return stored_events, ChainHead(size, last)

    def _ledger_row(
        self, stored: ConsentEvent, document: bytes, after: ConsentStatus
    ) -> dict[str, Any]:
        return {
            "tenant": self._tenant,
            "seq": stored.seq,
            "event_id": stored.event_id,
            "subject_ref": stored.subject_ref,
            "purpose_key": stored.purpose_key,
            "channel": stored.channel,
            "contact_point_ref": stored.contact_point_ref or NO_POINT,
            "occurred_at": stored.occurred_at,
            "idempotency_key": stored.idempotency_key,
            "document": document.decode("utf-8"),
            "recorded_at": stored.recorded_at,
            "prev_hash": stored.prev_hash,
            "entry_hash": stored.entry_hash,
            "hash_scheme": 2,
            **_after_columns(after),
        }

    def _state_row(self, stored: ConsentEvent, after: ConsentStatus) -> dict[str, Any]:
        return {
            "tenant": self._tenant,
            "subject_ref": stored.subject_ref,
            "event_seq": stored.seq,
            **_state_columns(after),
        }

    def _upsert_states(self, rows: list[dict[str, Any]]) -> None:
        """Insert or replace projection rows (one per key): one ``INSERT ... ON CONFLICT``."""
        s = tables.consent_states
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            statement: Any = postgresql_insert(s)
        elif dialect == "sqlite":
            statement = sqlite_insert(s)
        else:  # pragma: no cover - SQLite and PostgreSQL are the databases supported
            for row in rows:
                key = (row["purpose_key"], row["channel"], row["contact_point_ref"] or None)
                self._session.execute(delete(s).where(self._key_filter(s, row["subject_ref"], key)))
                self._session.execute(insert(s).values(**row))
            return
        changed = {
            column.name: statement.excluded[column.name]
            for column in s.columns
            if column.name not in _STATE_KEYS
        }
        self._session.execute(
            statement.on_conflict_do_update(index_elements=list(_STATE_KEYS), set_=changed), rows
        )

    def _key_filter(self, table: Any, subject_ref: str, key: StatusKey) -> Any:
        c = table.c
        return and_(
            c.tenant == self._tenant,
            c.subject_ref == subject_ref,
            c.purpose_key == key[0],
            c.channel == key[1],
            c.contact_point_ref == (key[2] or NO_POINT),
        )

    def _state_after(self, staged: ConsentEvent) -> ConsentStatus:
        """The key's state once ``staged`` is taken in: one step, or a replay of the key."""
        key = status_key(staged)
        e, s = tables.consent_events, tables.consent_states
        where = self._key_filter(e, staged.subject_ref, key)
        newest = self._session.execute(
            select(e).where(where).order_by(e.c.seq.desc()).limit(1)
        ).first()
        if newest is None:
            return advance(None, staged)
        latest = self._session.execute(select(func.max(e.c.occurred_at)).where(where)).scalar()
        row = self._session.execute(
            select(s).where(self._key_filter(s, staged.subject_ref, key))
        ).first()
        if row is not None and latest is not None and staged.occurred_at >= latest:
            current = _state_from_row(row)
            agrees = row.event_seq == newest.seq and all(
                getattr(newest, column) == getattr(current, name) for column, name in _AFTER
            )
            if agrees and read_entry(newest, self._tenant).after == current:
                return advance(current, staged)
        # a late event, or a projection row that does not agree with the ledger: replay the key
        events = [*self.events(subject_ref=staged.subject_ref, key=key), staged]
        return replay(events)[key]

    def _replace_state(self, stored: ConsentEvent, after: ConsentStatus) -> None:
        """Write the key's projection row: one upsert (it replaces a row of the key, if any)."""
        s = tables.consent_states
        values = self._state_row(stored, after)
        keys = list(_STATE_KEYS)
        changed = {name: value for name, value in values.items() if name not in keys}
        dialect = self._session.get_bind().dialect.name
        if dialect == "postgresql":
            statement: Any = postgresql_insert(s).values(**values)
        elif dialect == "sqlite":
            statement = sqlite_insert(s).values(**values)
        else:  # pragma: no cover - SQLite and PostgreSQL are the databases supported
            key_filter = self._key_filter(s, stored.subject_ref, status_key(stored))
            self._session.execute(delete(s).where(key_filter))
            self._session.execute(insert(s).values(**values))
            return
        self._session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))

    # ------------------------------------------------------------------ reading

    def events(
        self,
        *,
        subject_ref: str | None = None,
        purpose_key: str | None = None,
        key: StatusKey | None = None,
    ) -> list[ConsentEvent]:
        """Ledger events (all, one subject's, or one key's), stored form, in ``seq`` order.

        Raises:
            StorageError: a row was altered or cannot be read.
        """
        e = tables.consent_events
        if key is not None and subject_ref is not None:
            query = select(e).where(self._key_filter(e, subject_ref, key))
        else:
            query = select(e).where(e.c.tenant == self._tenant)
            if subject_ref is not None:
                query = query.where(e.c.subject_ref == subject_ref)
            if purpose_key is not None:
                query = query.where(e.c.purpose_key == purpose_key)
        if subject_ref is None:
            query = query.order_by(e.c.seq)  # the whole ledger: walk the primary key in order
        # for one subject, no ORDER BY: the planner then picks the subject index, not a scan
        # of the tenant's whole ledger in seq order; a subject's few events sort here
        rows = sorted(self._session.execute(query), key=lambda row: int(row.seq))
        return [read_entry(row, self._tenant).event for row in rows]

    def events_of(self, subject_refs: Iterable[str]) -> dict[str, list[ConsentEvent]]:
        """Every subject's ledger events (stored form, checked) in ``seq`` order.

        One query per 500 subjects; a subject without events has an empty list.

        Raises:
            StorageError: a row was altered or cannot be read.
        """
        wanted = sorted(set(subject_refs))
        e = tables.consent_events
        found: dict[str, list[tuple[int, ConsentEvent]]] = {ref: [] for ref in wanted}
        for start in range(0, len(wanted), 500):
            query = select(e).where(
                e.c.tenant == self._tenant, e.c.subject_ref.in_(wanted[start : start + 500])
            )
            for row in self._session.execute(query):
                event = read_entry(row, self._tenant).event
                found[event.subject_ref].append((int(row.seq), event))
        return {ref: [event for _, event in sorted(items, key=lambda item: item[0])]
                for ref, items in found.items()}

    def event(self, event_id: str) -> ConsentEvent:
        """One event by id (stored form)."""
        e = tables.consent_events.c
        row = self._session.execute(
            select(tables.consent_events).where(e.tenant == self._tenant, e.event_id == event_id)
        ).first()
        if row is None:
            raise NotFound("no such consent event", field="event_id")
        return read_entry(row, self._tenant).event

    def states(
        self, subject_ref: str, *, purpose_key: str | None = None
    ) -> list[tuple[ConsentStatus, int]]:
        """The projection rows of one subject, with the ledger entry each names."""
        s = tables.consent_states.c
        query = select(tables.consent_states).where(
            s.tenant == self._tenant, s.subject_ref == subject_ref
        )
        if purpose_key is not None:
            query = query.where(s.purpose_key == purpose_key)
        query = query.order_by(s.purpose_key, s.channel, s.contact_point_ref)
        return [(_state_from_row(row), int(row.event_seq)) for row in self._session.execute(query)]

    def hold(self) -> ChainHead:
        """Share-lock the head for a consistent read: no append commits until the read ends.

        Appends lock the head before they write anything, so reads made after this one see
        the ledger and its projection as of one moment (PostgreSQL reads each statement at its
        own snapshot otherwise; SQLite's read transaction is one snapshot already).
        """
        h = tables.ledger_heads.c
        row = self._session.execute(
            select(h.next_seq, h.last_hash)
            .where(h.tenant == self._tenant, h.ledger == "consent")
            .with_for_update(read=True)
        ).first()
        return self._heads.read("consent") if row is None else ChainHead(row[0], bytes(row[1]))

    def check_subject(
        self, subject_ref: str, purpose_key: str, events: Sequence[ConsentEvent]
    ) -> None:
        """Refuse to answer from a ledger whose end or projection disagrees for this subject.

        ``events`` are the subject's stored events for the purpose (read after :meth:`hold`).
        The ledger must end where its head says, and each projection row must be the replay of
        its key and name the key's newest entry.

        Raises:
            StorageError: they disagree (the ledger or the projection was altered).
        """
        self.check_end()
        replayed = replay(events)
        newest: dict[StatusKey, int] = {}
        for event in events:
            key = status_key(event)
            newest[key] = max(newest.get(key, -1), event.seq if event.seq is not None else -1)
        stored = {
            (state.purpose_key, state.channel, state.contact_point_ref): (state, seq)
            for state, seq in self.states(subject_ref, purpose_key=purpose_key)
        }
        for key in sorted(set(replayed) | set(stored), key=str):
            found = stored.get(key)
            if found is None or found != (replayed.get(key), newest.get(key)):
                seq = newest.get(key, found[1] if found else "?")
                raise StorageError(
                    f"consent_states disagrees with the ledger (entry seq {seq}): "
                    "the projection or the ledger was altered; run `globalcrm audit verify`"
                )

    def check_end(self) -> None:
        """Refuse a ledger that does not end where its head says (its newest entry deleted).

        Raises:
            StorageError: the last entry is missing, differs from the head, or has successors.
        """
        h, e = tables.ledger_heads, tables.consent_events
        rows = self._session.execute(
            select(h.c.next_seq, h.c.last_hash, e.c.seq, e.c.entry_hash)
            .select_from(h)
            .outerjoin(e, and_(e.c.tenant == h.c.tenant, e.c.seq >= h.c.next_seq - literal(1)))
            .where(h.c.tenant == self._tenant, h.c.ledger == "consent")
        ).all()
        if not rows:
            if self._session.execute(
                select(e.c.seq).where(e.c.tenant == self._tenant).limit(1)
            ).first():
                raise StorageError("consent_events has entries but the ledger has no head")
            return
        size, last = int(rows[0][0]), bytes(rows[0][1])
        found = [(row[2], row[3]) for row in rows if row[2] is not None]
        expected = [] if size == 0 else [(size - 1, last)]
        if [(int(seq), bytes(digest)) for seq, digest in found] != expected:
            raise StorageError(
                f"consent_events does not end where the ledger's head says (seq {size - 1}): "
                "the newest entries were deleted or added; run `globalcrm audit verify`"
            )

    # ------------------------------------------------------------------ verification

    def links(self) -> Iterator[tuple[Link, LedgerEntry | None]]:
        """Every row in ``seq`` order as a chain link, with its entry when the row reads clean."""
        e = tables.consent_events
        query = select(e).where(e.c.tenant == self._tenant).order_by(e.c.seq)
        for row in self._session.execute(query):
            try:
                entry: LedgerEntry | None = read_entry(row, self._tenant)
            except StorageError:
                entry = None
            link = Link(int(row.seq), bytes(row.prev_hash), bytes(row.entry_hash), bool(entry))
            yield link, entry

    def all_states(self) -> dict[tuple[str, StatusKey], tuple[ConsentStatus, int]]:
        """Every projection row of the tenant, by (subject, key)."""
        s = tables.consent_states.c
        query = select(tables.consent_states).where(s.tenant == self._tenant)
        result = {}
        for row in self._session.execute(query):
            state = _state_from_row(row)
            key = (state.purpose_key, state.channel, state.contact_point_ref)
            result[(str(row.subject_ref), key)] = (state, int(row.event_seq))
        return result
