"""Bulk import of a consent history: many events, in time order, as ``record`` would store them.

Every row is typed (:mod:`globalcrm.privacy.consent_rows`) and checked by the same rules as
``crm.privacy.record`` (:func:`globalcrm.crm.consent_records.checked_event`: the customer, the
purpose version, the notice in force, the consent type, a guardian below the age of consent);
a row that fails is reported with its number, column and reason, as the customer import does.
The good rows are then taken in time order (``occurred_at``, then row number) and appended to
the ledger in batches, each one transaction holding the ledger's head lock:

* personal values and evidence are sealed under each customer's own key (hash scheme 2);
* for customers without earlier ledger entries, the entries, their hashes and the state after
  each one are made in memory (one projection step per event, as ``record`` takes it) and
  written with one ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) per table;
* events of customers who already have entries go through ``record``'s own append, which
  replays a key when an imported event is older than what the ledger holds;
* one audit entry per batch names how many events it stored and their positions in the ledger.

A row whose idempotency key is already recorded with the same facts is not stored again (the
first event's id is reported); other facts under a key already used are a row error.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.crm._context import Context, collector_paused
from globalcrm.crm.audit import record_audit
from globalcrm.crm.consent_records import checked_event, opened
from globalcrm.errors import GlobalCRMError, InvalidFormat, NotFound
from globalcrm.import_export import ImportReport, RowError
from globalcrm.privacy.chains import ChainHead
from globalcrm.privacy.consent_rows import ConsentRow, consent_row
from globalcrm.privacy.events import ConsentEvent
from globalcrm.privacy.evidence import SubjectKey, seal_evidence
from globalcrm.privacy.ledger import entry_document, entry_hash, same_event
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.privacy.projection import ConsentStatus, StatusKey, advance, status_key
from globalcrm.privacy.purposes import Purpose
from globalcrm.storage import consent_bulk
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["import_events"]

ProgressCallback = Callable[[int], None]
BATCH_SIZE = 20_000
"""Events stored per transaction by default: fewer commits (each one a WAL write on SQLite)
against how long the ledger's head is locked for other writers (about a second)."""
"""Events stored per transaction when valid rows are kept (``atomic=False``)."""
_ENTRY_HASH = consent_bulk.LEDGER_COLUMNS.index("entry_hash")


@attrs.frozen
class _Staged:
    """A checked event waiting to be stored (``sealed``: it has values to seal under a key)."""

    row: int
    event: ConsentEvent
    evidence: dict[str, Any] | None
    sealed: bool


def import_events(
    context: Context,
    rows: Iterable[Mapping[str, Any]],
    *,
    atomic: bool,
    now: object,
    on_progress: ProgressCallback | None,
    batch_size: object = BATCH_SIZE,
) -> ImportReport:
    """``crm.privacy.import_events``: see there."""
    source: object = rows
    if isinstance(source, str | bytes | Mapping) or not isinstance(source, Iterable):
        raise InvalidFormat("expected an iterable of rows", field="rows")
    if on_progress is not None and not callable(on_progress):
        raise InvalidFormat("expected a function taking the number of rows done",
                            field="on_progress")
    _checks.flag(atomic, field="atomic")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidFormat("expected a whole number of events, at least 1", field="batch_size")
    stamp = context.now(now)
    with collector_paused():
        return _imported(context, rows, atomic=atomic, stamp=stamp, on_progress=on_progress,
                         batch_size=batch_size)


def _imported(
    context: Context,
    rows: Iterable[Mapping[str, Any]],
    *,
    atomic: bool,
    stamp: dt.datetime,
    on_progress: ProgressCallback | None,
    batch_size: int,
) -> ImportReport:
    """Type, check and store the rows (the collector paused by the caller)."""
    report = ImportReport()
    typed: list[tuple[int, ConsentRow]] = []
    for number, row in enumerate(rows, start=1):
        report.rows = number
        try:
            typed.append((number, consent_row(row)))
        except GlobalCRMError as error:
            report.errors.append(_row_error(number, error))
    typed.sort(key=lambda item: (item[1].occurred_at, item[0]))
    staged = _checked(context, typed, stamp, report)
    if atomic and report.errors:
        report.committed = False
    else:
        writer = _Writer(context, stamp, report)
        size = len(staged) if atomic else batch_size
        done = 0
        for start in range(0, len(staged), max(size, 1)):
            writer.write(staged[start : start + size])
            done += len(staged[start : start + size])
            if on_progress is not None:
                on_progress(done)
    if on_progress is not None:
        on_progress(report.rows)
    report.errors.sort(key=lambda error: error.row)
    return report


def _row_error(number: int, error: GlobalCRMError) -> RowError:
    return RowError(number, error.field, error.message, error.code)


def _checked(
    context: Context, typed: list[tuple[int, ConsentRow]], stamp: dt.datetime, report: ImportReport
) -> list[_Staged]:
    """Each typed row as an event checked by the rules, in the order given (errors reported)."""
    staged: list[_Staged] = []
    purposes: dict[tuple[str, int | None], Purpose | GlobalCRMError] = {}
    notices: dict[str, NoticeVersion | GlobalCRMError] = {}
    templates: dict[tuple[Any, ...], ConsentEvent] = {}
    with context.work(write=False) as uow:
        assert uow.session is not None  # noqa: S101
        people = consent_bulk.subjects(
            uow.session, context.tenant, (row.customer_id for _, row in typed)
        )
        for number, row in typed:
            try:
                subject = people.get(row.customer_id)
                if subject is None:
                    raise NotFound("no such customer", field="customer_id")
                purpose = _cached(
                    purposes,
                    (row.purpose, row.purpose_version),
                    functools.partial(uow.purposes.get, row.purpose, row.purpose_version),
                )
                notice = None if row.notice_id is None else _cached(
                    notices, row.notice_id, functools.partial(uow.notices.get, row.notice_id)
                )
                event = checked_event(
                    subject,
                    purpose,
                    notice,
                    channel=row.channel,
                    state=row.state,
                    occurred_at=row.occurred_at,
                    now=stamp,
                    details=row.fields,
                    default_method="import",
                    templates=templates,
                )
            except GlobalCRMError as error:
                report.errors.append(_row_error(number, error))
                continue
            sealed = row.evidence is not None or bool(event.personal_values())
            staged.append(_Staged(number, event, row.evidence, sealed))
    return staged


def _cached(cache: dict[Any, Any], key: Any, load: Callable[[], Any]) -> Any:
    """``load()`` once per key; a failure is remembered too and raised for every row."""
    if key not in cache:
        try:
            cache[key] = load()
        except GlobalCRMError as error:
            cache[key] = error
    found = cache[key]
    if isinstance(found, GlobalCRMError):
        raise found
    return found


class _Writer:
    """Appends checked events batch by batch, keeping in memory the state it wrote.

    Subjects whose whole ledger this import wrote are kept in memory (their keys' states and
    newest entries); that memory is trusted only while nobody else appended in between
    (the head is where this import left it).
    """

    def __init__(self, context: Context, stamp: dt.datetime, report: ImportReport) -> None:
        self._context = context
        self._stamp = stamp
        self._report = report
        self._known: dict[str, dict[StatusKey, tuple[ConsentStatus, int]]] = {}
        self._expected: ChainHead | None = None
        self._firsts: dict[str, ConsentEvent] = {}

    def write(self, batch: list[_Staged]) -> None:
        if not batch:
            return
        context = self._context
        tenant = context.tenant
        with context.work() as uow:
            session = uow.session
            assert session is not None  # noqa: S101
            head = uow.consent.lock()
            if self._expected is not None and head != self._expected:
                self._known.clear()  # another writer appended meanwhile: ask the store again
            wanted = {staged.event.subject_ref for staged in batch}
            unknown = wanted - self._known.keys()
            for subject_ref in unknown - consent_bulk.subjects_with_entries(
                session, tenant, unknown
            ):
                self._known[subject_ref] = {}
            taken = consent_bulk.events_by_idempotency_key(
                session,
                tenant,
                (s.event.idempotency_key for s in batch if s.event.idempotency_key is not None),
            )
            sealing = {s.event.subject_ref for s in batch if s.sealed}
            keys = uow.subject_keys.live_many(
                sealing, provider=context.key_provider, create=True
            )
            ledger_rows: list[tuple[Any, ...]] = []
            touched: set[str] = set()
            first_seq = size = head.size
            last = head.last_hash
            stored_ids: list[str] = []
            for staged in batch:
                event = staged.event
                if event.idempotency_key is not None and self._repeated(
                    uow, staged, taken.get(event.idempotency_key)
                ):
                    continue
                stored_form = event if not staged.sealed else self._sealed(
                    staged, keys[event.subject_ref]
                )
                known = self._known.get(event.subject_ref)
                if known is None:  # the subject has entries already: record's own append
                    stored = uow.consent.append(
                        stored_form, now=self._stamp, head=ChainHead(size, last)
                    )
                    assert stored.entry_hash is not None  # noqa: S101
                    last = stored.entry_hash
                else:
                    row = self._entry(stored_form, size, last, known)
                    ledger_rows.append(row)
                    last = row[_ENTRY_HASH]
                    touched.add(event.subject_ref)
                size += 1
                if event.idempotency_key is not None:
                    self._firsts[event.idempotency_key] = event
                stored_ids.append(event.event_id)
            head = ChainHead(size, last)
            state_rows = [
                (tenant, subject_ref, *_state_values(state), seq)
                for subject_ref in sorted(touched)
                for state, seq in self._known[subject_ref].values()
            ]
            consent_bulk.write_batch(
                session, tenant, ledger_rows, state_rows, replaced_subjects=touched, head=head
            )
            if stored_ids:
                record_audit(
                    uow, context, "consent.imported", "consent_import", stored_ids[0], None,
                    {"count": len(stored_ids), "first_seq": first_seq, "last_seq": head.size - 1},
                )
        self._expected = head
        self._report.imported += len(stored_ids)
        self._report.ids.extend(stored_ids)

    def _repeated(self, uow: UnitOfWork, staged: _Staged, stored: ConsentEvent | None) -> bool:
        """Whether the row's idempotency key was used already (reported: a repeat or an error)."""
        event = staged.event
        key = event.idempotency_key
        assert key is not None  # noqa: S101
        first = self._firsts.get(key)
        if first is None and stored is not None:
            first = opened(uow, self._context, [stored])[0]
        if first is None:
            return False
        if same_event(event, first):
            self._report.imported += 1
            self._report.ids.append(first.event_id)
        else:
            self._report.errors.append(RowError(
                staged.row, "idempotency_key",
                "the idempotency key was used for another event", "conflict",
            ))
        return True

    def _sealed(self, staged: _Staged, key: SubjectKey) -> ConsentEvent:
        """The stored form: evidence and personal values sealed under the subject's key."""
        event = staged.event
        if staged.evidence is not None:
            event = attrs.evolve(
                event, evidence=seal_evidence(staged.evidence, key, aad=event.event_id)
            )
        return event.sealed(key, tenant=self._context.tenant)

    def _entry(
        self,
        event: ConsentEvent,
        seq: int,
        previous: bytes,
        known: dict[StatusKey, tuple[ConsentStatus, int]],
    ) -> tuple[Any, ...]:
        """The ledger row of ``event`` at ``seq`` after the entry hashed ``previous``.

        The events come in time order, so the state after each is one projection step from
        the key's state so far, as ``record`` takes it.
        """
        key = status_key(event)
        before = known.get(key)
        after = advance(None if before is None else before[0], event)
        known[key] = (after, seq)
        document = entry_document(
            event, tenant=self._context.tenant, after=after, seq=seq, recorded_at=self._stamp
        )
        return (
            self._context.tenant,
            seq,
            event.event_id,
            event.subject_ref,
            event.purpose_key,
            event.channel,
            consent_bulk.no_point(event.contact_point_ref),
            event.occurred_at,
            event.idempotency_key,
            document.decode("ascii") if document.isascii() else document.decode("utf-8"),
            self._stamp,
            previous,
            entry_hash(previous, document, scheme=2, seq=seq),
            2,
            after.state,
            after.objection,
            after.valid_from,
            after.valid_until,
            after.confirmed_at,
            after.purpose_version,
            after.age_assurance,
        )


def _state_values(state: ConsentStatus) -> tuple[Any, ...]:
    """A projection row's values after tenant and subject, before ``event_seq``."""
    return (
        state.purpose_key,
        state.channel,
        consent_bulk.no_point(state.contact_point_ref),
        state.state,
        state.event_id,
        state.occurred_at,
        state.purpose_version,
        state.consent_type,
        state.valid_from,
        state.valid_until,
        state.confirmed_at,
        state.objection,
        state.actor_kind,
        state.age_assurance,
    )
