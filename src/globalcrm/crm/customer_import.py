"""Bulk import of customers: rows checked in chunks, in worker processes when asked, then stored.

Checking a row (email-validator, phonenumbers, names, codes) costs far more than writing it, and
rows are independent, so ``workers=N`` checks chunks of rows in N processes while this one
writes. Chunks come back in order; the report is the same whatever the number of workers.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import gc
import itertools
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sqlalchemy.orm import Session

from globalcrm import _checks
from globalcrm.crm._context import Context
from globalcrm.crm.privacy import record_audit
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
from globalcrm.storage.unit_of_work import storage_errors, translate_storage_error

__all__ = ["check_chunk", "import_rows", "worker_count"]

ProgressCallback = Callable[[int], None]
Checked = tuple[int, str, bulk.CustomerRow, list[bulk.KeyRow], bool]
"""A row that passed its checks: its number, the customer id, its table row, its keys, and
whether the id came from the file (a new id cannot be stored already: it is not looked up)."""

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
    first: int, rows: list[Any], tenant: str, stamp: dt.datetime, dialect: str
) -> list[Checked | RowError]:
    """Check ``rows`` (numbered from ``first``) and encode the good ones for ``dialect``.

    Runs in a worker process for big imports, so it takes and returns only plain values.
    """
    results: list[Checked | RowError] = []
    with _collector_paused():
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
            results.append((number, values["id"], encoded[0], keys, given_id))
    return results


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Run without the cyclic garbage collector, which would run over the held rows again and again.

    That was about a tenth of the check. The little cyclic garbage an import makes is collected
    as usual once the collector runs again.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def import_rows(
    context: Context,
    rows: Iterable[Mapping[str, Any]],
    *,
    atomic: bool,
    now: object,
    workers: object,
    on_progress: ProgressCallback | None,
) -> ImportReport:
    """``crm.customers.import_rows``: see there."""
    source: object = rows
    if isinstance(source, str | bytes | Mapping) or not isinstance(source, Iterable):
        raise InvalidFormat("expected an iterable of rows", field="rows")
    if on_progress is not None and not callable(on_progress):
        raise InvalidFormat("expected a function taking the number of rows read",
                            field="on_progress")
    _checks.flag(atomic, field="atomic")
    processes = worker_count(workers)
    stamp = context.now(now)
    with _collector_paused():
        return _import(context, rows, atomic, stamp, processes, on_progress)


def _import(
    context: Context,
    rows: Iterable[Mapping[str, Any]],
    atomic: bool,
    stamp: dt.datetime,
    processes: int,
    on_progress: ProgressCallback | None,
) -> ImportReport:
    tenant = context.tenant
    dialect = bulk.dialect_key(context.engine.dialect)
    report = ImportReport()
    seen: set[str] = set()
    batch: list[Checked] = []
    for result in _checked(rows, tenant, stamp, dialect, processes):
        if isinstance(result, RowError):
            report.rows = result.row
            report.errors.append(result)
            continue
        report.rows = result[0]
        if result[1] in seen:
            report.errors.append(
                RowError(result[0], "id", "the same id appears twice in the file", "conflict")
            )
            continue
        seen.add(result[1])
        batch.append(result)
        if not atomic and len(batch) >= _BATCH:
            _store(context, batch, report, atomic=False)
            batch = []
            if on_progress is not None:
                on_progress(report.rows)
        elif atomic and on_progress is not None and result[0] % _BATCH == 0:
            on_progress(result[0])
    if atomic and report.errors:
        report.committed = False
    else:
        _store(context, batch, report, atomic=atomic)
    if on_progress is not None:
        on_progress(report.rows)
    report.errors.sort(key=lambda error: error.row)
    return report


def _store(context: Context, batch: list[Checked], report: ImportReport, *, atomic: bool) -> None:
    """Write one batch in one transaction; rows the store refuses are row errors.

    A row whose id the tenant already has, or whose values the database refuses (a concurrent
    writer stored the same id first, a check or trigger of the database), is reported as a row
    error: in an atomic import it rolls everything back, otherwise the other rows are kept. A
    failure that is not about rows (the connection, the disk, the schema) stops the import: see
    :func:`_stopped`.
    """
    if not batch:
        return
    url = context.engine.url
    try:
        with context.work() as uow, storage_errors(url):
            assert uow.session is not None  # noqa: S101
            stored = _write(uow.session, context.tenant, batch, report, atomic=atomic)
            if stored is None:
                return
            details: dict[str, Any] = {"count": len(stored)}
            if atomic:
                details["atomic"] = True
            first = stored[0][1] if stored else "empty"
            record_audit(uow, context, "customers.imported", "import", first, None, details)
    except (Conflict, StorageError) as error:
        whole = (
            "the import is atomic" if atomic
            else "the import is part of the caller's transaction" if context.in_transaction
            else None
        )
        raise _stopped(error, batch[0][0], report, one_transaction=whole) from None
    report.imported += len(stored)
    report.ids.extend(checked[1] for checked in stored)


def _write(
    session: Session, tenant: str, batch: list[Checked], report: ImportReport, *, atomic: bool
) -> list[Checked] | None:
    """Store the rows the database takes; ``None`` when an atomic import must store none."""
    connection = session.connection()
    taken = bulk.existing_ids(connection, tenant, [checked[1] for checked in batch if checked[4]])
    if taken:
        for number, customer_id, _, _, _ in batch:
            if customer_id in taken:
                report.errors.append(RowError(number, "id", _ID_TAKEN, "conflict"))
        if atomic:
            report.committed = False
            return None
        batch = [checked for checked in batch if checked[1] not in taken]
    refused = bulk.write_each(
        session, [checked[2] for checked in batch], [checked[3] for checked in batch],
        keep=not atomic,
    )
    if not refused:
        return batch
    for index, error in refused:
        report.errors.append(_refused_row(batch[index][0], error))
    if atomic:
        report.committed = False
        return None
    left_out = {index for index, _ in refused}
    return [checked for index, checked in enumerate(batch) if index not in left_out]


_ID_TAKEN = "a customer with this id is already stored"


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
    rows: Iterable[Any], tenant: str, stamp: dt.datetime, dialect: str, processes: int
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
            yield from check_chunk(start, chunk, tenant, stamp, dialect)
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
                                                      dialect)))
            if len(pending) >= max(_AHEAD, 2 * processes):
                yield from _result(*pending.popleft(), tenant, stamp, dialect)
        while pending:
            yield from _result(*pending.popleft(), tenant, stamp, dialect)


def _result(
    start: int,
    chunk: list[Any],
    future: Future[list[Checked | RowError]],
    tenant: str,
    stamp: dt.datetime,
    dialect: str,
) -> list[Checked | RowError]:
    """A worker's results; a chunk that cannot cross to a process is checked here instead."""
    try:
        return future.result()
    except (pickle.PicklingError, TypeError, AttributeError):
        return check_chunk(start, chunk, tenant, stamp, dialect)
    except BrokenProcessPool as error:
        raise ConfigurationError("a worker process checking rows stopped unexpectedly") from error


def _start_method() -> Any:
    """``fork`` where it is safe (POSIX, no other thread running), else ``spawn``."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
