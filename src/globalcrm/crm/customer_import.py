"""Bulk import of customers: rows checked in chunks, in worker processes when asked, then stored.

Checking a row (email-validator, phonenumbers, names, codes) costs far more than writing it, and
rows are independent, so ``workers=N`` checks chunks of rows in N processes while this one
writes. Chunks come back in order; the report is the same whatever the number of workers.
"""

from __future__ import annotations

import collections
import datetime as dt
import gc
import itertools
import multiprocessing
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, NamedTuple

from sqlalchemy.orm import Session
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from globalcrm import _checks
from globalcrm.crm._context import Context, collector_paused
from globalcrm.crm.erasure import suppressed_keys
from globalcrm.crm.privacy import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import (
    ConfigurationError,
    Conflict,
    GlobalCRMError,
    InvalidFormat,
    StorageError,
)
from globalcrm.import_export import (
    ImportReport,
    RowError,
    checked_row,
    contacts_checked_ahead,
    row_errors,
)
from globalcrm.storage import bulk
from globalcrm.storage import failures as storage_failures
from globalcrm.storage.unit_of_work import UnitOfWork, storage_errors, translate_storage_error

__all__ = ["check_chunk", "import_rows", "worker_count"]

ProgressCallback = Callable[[int], None]
class Checked(NamedTuple):
    """A row that passed its checks, encoded for the store."""

    number: int
    """The row's 1-based number."""
    id: str
    """The customer id: the file's, or a new one."""
    row: bulk.CustomerRow
    keys: list[bulk.KeyRow]
    given_id: bool
    """Whether the id came from the file (a new id cannot be stored already: not looked up)."""
    kept: tuple[dict[str, Any], frozenset[str]] | None
    """When matching rows may update customers: the checked fields, and those the row gave."""

MATCHES = ("id", "email", "phone", "external_id")
"""What an import may match rows to stored customers (and to each other) by."""
ON_MATCH = ("error", "skip", "update")
"""What a row that matches does: a row error, left out, or an update of the matched customer."""
_KEY_KIND = {"email": "email", "phone": "phone", "external_id": "external"}
_NAME_COLUMNS = frozenset({"given", "surname", "name_locale", "name_details", "name"})
_NOT_UPDATED = frozenset({"id", "created_at", "updated_at"})

_BATCH = 2000
"""Rows stored per transaction when valid rows are kept (``atomic=False``)."""
_CHUNK = 500
"""Rows checked per task in a worker process."""
_AHEAD = 2 * _BATCH // _CHUNK
"""Chunks in flight: two batches, so the workers go on checking while this process writes one
(with one batch ahead they waited for it: the cores were busy 1.82 of 2, now 1.94)."""


def worker_count(value: object) -> int:
    """``workers`` checked: a positive number of processes, or 0 for one per available core."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidFormat("expected 0 (one per core) or a positive integer", field="workers")
    if value == 0:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1
        ))
    return min(value, 64)


def check_chunk(
    first: int,
    rows: list[Any],
    tenant: str,
    stamp: dt.datetime,
    dialect: str,
    keep_values: bool = False,
) -> list[Checked | RowError]:
    """Check ``rows`` (numbered from ``first``) and encode the good ones for ``dialect``.

    Runs in a worker process for big imports, so it takes and returns only plain values.
    ``keep_values`` keeps each row's checked fields too, for rows that may update a customer.
    """
    results: list[Checked | RowError] = []
    with collector_paused():
        prepared = contacts_checked_ahead(rows)
        for number, row, ready in zip(itertools.count(first), rows, prepared):
            try:
                values, given_id = checked_row(ready, tenant=tenant)
            except GlobalCRMError as error:
                # the row again, for every problem it has: only bad rows pay for it
                problems = row_errors(row, tenant=tenant) or [error]
                results.extend(
                    RowError(number, problem.field, problem.message, problem.code)
                    for problem in problems
                )
                continue
            if values["created_at"] is None:
                values["created_at"] = stamp
            if values["updated_at"] is None:
                values["updated_at"] = stamp
            encoded, keys = bulk.encode_customers([values], dialect)
            kept = (values, _given_fields(row)) if keep_values else None
            results.append(Checked(number, values["id"], encoded[0], keys, given_id, kept))
    return results


def _given_fields(row: Mapping[Any, Any]) -> frozenset[str]:
    """The customer fields a row gives a value for (what an update changes)."""
    fields: set[str] = set()
    for key, value in row.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        column = str(key).strip().lower()
        fields.add("name" if column in _NAME_COLUMNS else column)
    return frozenset(fields - _NOT_UPDATED)


def import_rows(
    context: Context,
    rows: Iterable[Mapping[str, Any]],
    *,
    atomic: bool,
    now: object,
    workers: object,
    on_progress: ProgressCallback | None,
    match: object = None,
    on_match: object = "error",
) -> ImportReport:
    """``crm.customers.import_rows``: see there."""
    source: object = rows
    if isinstance(source, str | bytes | Mapping) or not isinstance(source, Iterable):
        raise InvalidFormat("expected an iterable of rows", field="rows")
    if on_progress is not None and not callable(on_progress):
        raise InvalidFormat("expected a function taking the number of rows read",
                            field="on_progress")
    _checks.flag(atomic, field="atomic")
    policy = _policy(match, on_match)
    processes = worker_count(workers)
    stamp = context.now(now)
    with collector_paused():
        return _import(context, rows, atomic, stamp, processes, on_progress, policy)


class _Policy:
    """An import's match policy: the key it matches by and what a matching row does."""

    __slots__ = ("match", "on_match")

    def __init__(self, match: str | None, on_match: str) -> None:
        self.match = match
        self.on_match = on_match

    def keys(self, checked: Checked) -> list[tuple[str, str]]:
        """The row's match keys: ``("id", id)`` or ``(kind, key)`` search keys."""
        if self.match is None:
            return []
        if self.match == "id":
            return [("id", checked.id)] if checked.given_id else []
        kind = _KEY_KIND[self.match]
        return [(kind, key) for _, key_kind, key, _ in checked.keys if key_kind == kind]


def _policy(match: object, on_match: object) -> _Policy:
    chosen = None if match is None else _checks.choice(
        match, MATCHES, field="match", what="match key"
    )
    action = _checks.choice(on_match, ON_MATCH, field="on_match", what="match action")
    return _Policy(chosen, action)


def _import(
    context: Context,
    rows: Iterable[Mapping[str, Any]],
    atomic: bool,
    stamp: dt.datetime,
    processes: int,
    on_progress: ProgressCallback | None,
    policy: _Policy,
) -> ImportReport:
    report = ImportReport()
    ahead = _write_ahead(context, atomic, processes)
    with _Writer(context, report, policy, on_progress, ahead=ahead) as writer:
        _read(context, rows, atomic, stamp, processes, on_progress, policy, writer)
    report.errors.sort(key=lambda error: error.row)
    return report


def _read(
    context: Context,
    rows: Iterable[Mapping[str, Any]],
    atomic: bool,
    stamp: dt.datetime,
    processes: int,
    on_progress: ProgressCallback | None,
    policy: _Policy,
    writer: _Writer,
) -> None:
    """Check the rows in order and hand each full batch to ``writer``; the last one at the end."""
    tenant = context.tenant
    dialect = bulk.dialect_key(context.engine.dialect)
    report = writer.front
    seen: set[str] = set()
    in_file: dict[tuple[str, str], tuple[int, str]] = {}
    """Match keys of the rows read so far: the first row with each, and its customer id."""
    batch: list[_Pending] = []
    keep_values = policy.on_match == "update"
    for result in _checked(rows, tenant, stamp, dialect, processes, keep_values):
        if isinstance(result, RowError):
            report.rows = result.row
            report.errors.append(result)
            continue
        report.rows = result.number
        if result.id in seen and policy.match != "id":
            report.errors.append(
                RowError(result.number, "id", "the same id appears twice in the file", "conflict")
            )
            continue
        pending = _Pending(result)
        keys = policy.keys(result) if policy.match is not None else ()
        earlier = next((in_file[key] for key in keys if key in in_file), None) if keys else None
        if earlier is not None:
            if policy.on_match == "error":
                report.errors.append(RowError(
                    result.number, _field_of(policy.match), f"matches row {earlier[0]} of the file "
                    f"(same {_what(policy.match)})", "duplicate",
                ))
                continue
            if policy.on_match == "skip":
                report.skipped += 1
                continue
            pending.target = earlier[1]  # update the customer the earlier row stored
        else:
            seen.add(result.id)
            for key in keys:
                in_file[key] = (result.number, result.id)
        batch.append(pending)
        if not atomic and len(batch) >= _BATCH:
            writer.store(batch)
            report = writer.front
            batch = []
        elif atomic and on_progress is not None and result.number % _BATCH == 0:
            on_progress(result.number)
    # an atomic import with errors still looks its rows up, to report every match; stores none
    writer.store(batch, atomic=atomic, last=True)


def _write_ahead(context: Context, atomic: bool, processes: int) -> bool:
    """Whether batches are written by a thread while the next is checked (see :class:`_Writer`).

    Only for an import that commits batch by batch in its own transactions, in one process
    (worker processes are started by ``fork`` only while no other thread runs), on a database
    every thread reaches through its own connection (not SQLite in memory).
    """
    if atomic or context.in_transaction or processes > 1:
        return False
    return not isinstance(context.engine.pool, SingletonThreadPool | StaticPool)


class _Writer:
    """Stores an import's batches in order: in this thread, or in a second one of this process.

    The database does much of a write without holding Python's lock (SQLite's B-trees and
    commit, PostgreSQL's round trips), so a thread storing batch *k* while this one checks
    batch *k + 1* overlaps the two. At most one batch is in the thread at a time and they are
    stored in order. What the reader finds (row errors, skips, rows read) goes to
    :attr:`front` and joins the report only once the batch before it is stored, so the report
    of a failed batch is the same as without the thread: it counts what earlier batches stored
    and the errors of the rows read until then. ``on_progress`` hears of a batch once it is
    stored, with the number of rows read up to its end, as without the thread.
    """

    def __init__(
        self,
        context: Context,
        report: ImportReport,
        policy: _Policy,
        on_progress: ProgressCallback | None,
        *,
        ahead: bool,
    ) -> None:
        self._context = context
        self._report = report
        self._policy = policy
        self._on_progress = on_progress
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="globalcrm-import") if ahead else None
        self._running: tuple[Future[None], int] | None = None
        self.front = ImportReport() if ahead else report
        """Where the reader notes its findings (the report itself without a thread)."""

    def __enter__(self) -> _Writer:
        if self._pool is not None:
            _quick_switching(True)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            try:
                self._pool.shutdown(wait=True)  # a failed reader still waits for its batch
            finally:
                _quick_switching(False)

    def store(self, batch: list[_Pending], *, atomic: bool = False, last: bool = False) -> None:
        """Store ``batch`` after the one before it; the ``last`` one is waited for."""
        if self._pool is not None:
            self._wait()
            self._merge()
        rows_read = self._report.rows
        if self._pool is None or last:
            _store(self._context, batch, self._report, atomic=atomic, policy=self._policy)
            self._progress(rows_read)
            return
        future = self._pool.submit(
            _store, self._context, batch, self._report, atomic=atomic, policy=self._policy
        )
        self._running = (future, rows_read)

    def _wait(self) -> None:
        """Wait for the batch in the thread; its failure is raised here, as ``_store`` made it."""
        if self._running is None:
            return
        (future, rows_read), self._running = self._running, None
        future.result()
        self._progress(rows_read)

    def _progress(self, rows_read: int) -> None:
        if self._on_progress is not None:
            self._on_progress(rows_read)

    def _merge(self) -> None:
        """The reader's findings since the last hand-over join the report."""
        found, report = self.front, self._report
        report.rows = max(report.rows, found.rows)
        report.errors.extend(found.errors)
        report.skipped += found.skipped
        self.front = ImportReport()


class _Pending:
    """A checked row on its way to the store: created, or an update of ``target``."""

    __slots__ = ("checked", "target")

    def __init__(self, checked: Checked) -> None:
        self.checked = checked
        self.target: str | None = None


def _field_of(match: str | None) -> str | None:
    return {"email": "emails", "phone": "phones", "external_id": "external_ids", "id": "id"}.get(
        match or ""
    )


def _what(match: str | None) -> str:
    return {"email": "e-mail address", "phone": "phone number", "external_id": "external id",
            "id": "id"}.get(match or "", "key")


def _store(
    context: Context, batch: list[_Pending], report: ImportReport, *, atomic: bool,
    policy: _Policy,
) -> None:
    """Write one batch in one transaction; rows the store refuses are row errors.

    A row whose id the tenant already has, or whose values the database refuses (a concurrent
    writer stored the same id first, a check or trigger of the database), is reported as a row
    error: in an atomic import it rolls everything back, otherwise the other rows are kept. A
    failure that is not about rows (the connection, the disk, the schema) stops the import: see
    :func:`_stopped`.
    """
    if not batch:
        if atomic and report.errors:
            report.committed = False
        return
    url = context.engine.url
    counts = (report.imported, report.updated, report.skipped, len(report.ids))
    try:
        with context.work() as uow, storage_errors(url):
            batch = _unsuppressed(uow, context, batch, report)  # issue 16
            stored = _write(uow, context.tenant, batch, report, atomic=atomic, policy=policy)
            if stored is None:
                return
            details: dict[str, Any] = {"count": len(stored)}
            if report.updated > counts[1]:
                details["updated"] = report.updated - counts[1]
            if atomic:
                details["atomic"] = True
            first = stored[0] if stored else "empty"
            record_audit(uow, context, "customers.imported", "import", first, None, details)
    except (Conflict, StorageError) as error:
        report.imported, report.updated, report.skipped = counts[:3]
        del report.ids[counts[3]:]
        whole = (
            "the import is atomic" if atomic
            else "the import is part of the caller's transaction" if context.in_transaction
            else None
        )
        raise _stopped(error, batch[0].checked.number, report, one_transaction=whole) from None


def _write(
    uow: Any, tenant: str, batch: list[_Pending], report: ImportReport, *, atomic: bool,
    policy: _Policy,
) -> list[str] | None:
    """Store the rows the database takes: their ids (``None``: an atomic import stores none)."""
    session: Session = uow.session
    connection = session.connection()
    skipped = report.skipped
    creates = _matched(connection, tenant, batch, report, policy)
    if atomic and report.errors:
        report.committed = False
        report.skipped = skipped
        return None
    refused = bulk.write_each(
        session, [p.checked.row for p in creates], [p.checked.keys for p in creates],
        keep=not atomic,
    )
    for index, error in refused:
        report.errors.append(_refused_row(creates[index].checked.number, error))
    if refused and atomic:
        report.committed = False
        return None
    left_out = {index for index, _ in refused}
    created = {p.checked.id for index, p in enumerate(creates) if index not in left_out}
    ids: list[str] = []
    for pending in batch:
        if pending.target is None:
            if pending.checked.id in created:
                ids.append(pending.checked.id)
            continue
        problem = _update(uow, pending)
        if problem is not None:
            report.errors.append(problem)
            if atomic:
                report.committed = False
                return None
            continue
        report.updated += 1
        ids.append(pending.target)
    report.imported += len(ids)
    report.ids.extend(ids)
    return ids


def _matched(
    connection: Any, tenant: str, batch: list[_Pending], report: ImportReport, policy: _Policy
) -> list[_Pending]:
    """The rows to create; rows that match a stored customer become errors, skips or updates."""
    candidates = [p for p in batch if p.target is None]
    taken = bulk.existing_ids(
        connection, tenant, [p.checked.id for p in candidates if p.checked.given_id]
    )
    owners: dict[tuple[str, str], set[str]] = {}
    if policy.match is not None and policy.match != "id":
        wanted = [key for p in candidates for key in policy.keys(p.checked)]
        owners = bulk.key_owners(connection, tenant, wanted)
    creates: list[_Pending] = []
    for pending in candidates:
        number, customer_id = pending.checked.number, pending.checked.id
        if policy.match == "id":
            found = {customer_id} if customer_id in taken else set()
        else:
            if customer_id in taken:
                report.errors.append(RowError(number, "id", _ID_TAKEN, "conflict"))
                continue
            found = set().union(*(owners.get(k, set()) for k in policy.keys(pending.checked)))
        if not found:
            creates.append(pending)
        elif len(found) > 1:
            report.errors.append(RowError(
                number, _field_of(policy.match),
                f"matches {len(found)} stored customers (same {_what(policy.match)}): "
                f"{', '.join(sorted(found))}", "duplicate",
            ))
        elif policy.on_match == "error":
            report.errors.append(RowError(
                number, _field_of(policy.match),
                f"matches stored customer {next(iter(found))} (same {_what(policy.match)})",
                "duplicate" if policy.match != "id" else "conflict",
            ))
        elif policy.on_match == "skip":
            report.skipped += 1
        else:
            pending.target = next(iter(found))
    return creates


def _update(uow: Any, pending: _Pending) -> RowError | None:
    """Apply a row to the customer it matched: the fields the row gives, in a savepoint."""
    number, target, kept = pending.checked.number, pending.target, pending.checked.kept
    assert target is not None  # noqa: S101
    assert kept is not None  # noqa: S101
    values, given = kept
    session: Session = uow.session
    try:
        with session.begin_nested():
            current = uow.customers.get(target, for_update=True)
            for field in sorted(given & Customer.fields_changeable()):
                setattr(current, field, values[field])
            current.updated_at = values["updated_at"]
            uow.customers.flush()
            uow.customers.refresh_keys(current)
            session.flush()
    except GlobalCRMError as error:
        return RowError(number, error.field, error.message, error.code)
    except Exception as error:
        if not storage_failures.is_row_refusal(error):
            raise
        return _refused_row(number, error)
    uow.customers.detach(current)
    return None


_ID_TAKEN = "a customer with this id is already stored"


def _unsuppressed(
    uow: UnitOfWork, context: Context, batch: list[_Pending], report: ImportReport
) -> list[_Pending]:
    """The rows whose e-mail addresses and phone numbers no erased customer had (issue 16).

    The others are row errors: the suppression list says "do not contact" for them.
    """
    wanted = [(kind, key) for p in batch for _, kind, key, _ in p.checked[3]]
    hits = suppressed_keys(uow, context, wanted)
    if not hits:
        return batch
    kept = []
    for pending in batch:
        found = sorted({kind for _, kind, key, _ in pending.checked[3] if (kind, key) in hits})
        if found:
            report.errors.append(
                RowError(
                    pending.checked[0],
                    f"{found[0]}s",
                    "an erased customer had this contact point (do not contact)",
                    "suppressed",
                )
            )
        else:
            kept.append(pending)
    return kept


def _refused_row(number: int, error: BaseException) -> RowError:
    """The row error of a row the database refused: what it said, never the row's values."""
    problem = translate_storage_error(error)
    if isinstance(problem, Conflict) and problem.constraint == "pk_customers":
        return RowError(number, "id", _ID_TAKEN, "conflict")
    return RowError(number, None, f"the database refused the row: {problem.message}", problem.code)


def _stopped(
    error: Conflict | StorageError,
    first_row: int,
    report: ImportReport,
    *,
    one_transaction: str | None,
) -> Conflict | StorageError:
    """The error that stops an import: what failed, from which row, and what stays stored.

    ``report`` (also on the error as ``.report``) counts what earlier transactions committed;
    the failed batch and every row after it are not stored. An atomic import, or one inside the
    caller's ``crm.transaction()`` (which the error rolls back), keeps nothing: why is
    ``one_transaction``.
    """
    if one_transaction is not None:
        report.committed = False
        report.imported = 0
        report.ids.clear()
        kept = f"nothing was stored ({one_transaction})"
    elif report.imported:
        kept = (
            f"no row from row {first_row} on was stored; the {report.imported} customers "
            "imported from the rows before it stay stored"
        )
    else:
        kept = "nothing was stored"
    report.errors.sort(key=lambda problem: problem.row)
    stopped = type(error)(f"{error.message}: {kept}", field=error.field, row=first_row)
    stopped.sqlstate = error.sqlstate
    if isinstance(stopped, Conflict) and isinstance(error, Conflict):
        stopped.constraint = error.constraint
    stopped.report = report
    return stopped


def _checked(
    rows: Iterable[Any],
    tenant: str,
    stamp: dt.datetime,
    dialect: str,
    processes: int,
    keep_values: bool = False,
) -> Iterator[Checked | RowError]:
    """Every row's result, in order; chunks go to ``processes`` workers when there are several."""
    numbered = enumerate(rows, start=1)
    chunks = (
        (chunk[0][0], [row for _, row in chunk])
        for chunk in iter(lambda: list(itertools.islice(numbered, _CHUNK)), [])
    )
    first = next(chunks, None)
    if first is None:
        return
    second = next(chunks, None) if processes > 1 else None
    if second is None:
        # One chunk, or one process: no pool to start.
        for start, chunk in itertools.chain([first], chunks):
            yield from check_chunk(start, chunk, tenant, stamp, dialect, keep_values)
        return
    try:
        pool = ProcessPoolExecutor(processes, mp_context=_start_method(), initializer=gc.freeze)
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"could not start {processes} worker processes") from error
    with pool:
        pending: collections.deque[tuple[int, list[Any], Future[list[Checked | RowError]]]]
        pending = collections.deque()
        for start, chunk in itertools.chain([first, second], chunks):
            pending.append((start, chunk, pool.submit(check_chunk, start, chunk, tenant, stamp,
                                                      dialect, keep_values)))
            if len(pending) >= max(_AHEAD, 2 * processes):
                yield from _result(*pending.popleft(), tenant, stamp, dialect, keep_values)
        while pending:
            yield from _result(*pending.popleft(), tenant, stamp, dialect, keep_values)


def _result(
    start: int,
    chunk: list[Any],
    future: Future[list[Checked | RowError]],
    tenant: str,
    stamp: dt.datetime,
    dialect: str,
    keep_values: bool,
) -> list[Checked | RowError]:
    """A worker's results; a chunk that cannot cross to a process is checked here instead."""
    try:
        return future.result()
    except (pickle.PicklingError, TypeError, AttributeError):
        return check_chunk(start, chunk, tenant, stamp, dialect, keep_values)
    except BrokenProcessPool as error:
        raise ConfigurationError("a worker process checking rows stopped unexpectedly") from error


def _start_method() -> Any:
    """``fork`` where it is safe (POSIX, no other thread running), else ``spawn``."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


_SWITCH_INTERVAL = 0.0005
"""Seconds a thread may wait for Python's lock while an import writes in a thread (5 ms is
Python's default: the writing thread would wait that long each of the dozen times a batch the
database hands it back, and fall behind the reader)."""
_switching_lock = threading.Lock()
_switching: list[Any] = [0, 0.0, 0.0]
"""Imports writing in a thread now, the interval before the first of them, and the one it set."""


def _quick_switching(on: bool) -> None:
    """Shorten the interpreter's switch interval while any import writes in a thread.

    The interval is the process's: it is set to :data:`_SWITCH_INTERVAL` (never lengthened)
    when the first such import starts, and put back when the last one ends, unless somebody
    else changed it in between.
    """
    with _switching_lock:
        running, before, applied = _switching
        if on and not running:
            before = sys.getswitchinterval()
            if before > _SWITCH_INTERVAL:
                sys.setswitchinterval(_SWITCH_INTERVAL)
            applied = sys.getswitchinterval()
        running += 1 if on else -1
        if not running and before != applied and sys.getswitchinterval() == applied:
            sys.setswitchinterval(before)
        _switching[:] = [running, before, applied]
