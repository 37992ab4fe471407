"""Refunds made at once from threads and processes never add up to more than was paid.

Each worker opens its own CRM on the same database and refunds a little at a time until the
payment is used up; afterwards the refunds add up to exactly what was paid, the stored total
equals the events, and every refusal was ``RuleViolation`` (no lost race, no deadlock). The
same runs for a record retried at once under one idempotency key: one payment comes of it.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import multiprocessing
from decimal import Decimal
from pathlib import Path

import pytest

import globalcrm as gc
from globalcrm.money import money
from globalcrm.payment_records import replay
from tests.storage.conftest import PG_URL

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
PAID = Decimal("20.00")
EACH = "1.50"
TRIES = 8


def _refund(url: str, payment_id: str, worker: int) -> tuple[int, int, list[str]]:
    """Refund ``EACH`` up to ``TRIES`` times; return successes, refusals and other errors."""
    crm = gc.open(url, migrate_schema=False)
    done = refused = 0
    other: list[str] = []
    try:
        for attempt in range(TRIES):
            try:
                crm.payments.refund(payment_id, money(EACH, "EUR"), now=T0,
                                    idempotency_key=f"w{worker}-{attempt}")
                done += 1
            except gc.RuleViolation:
                refused += 1
            except gc.GlobalCRMError as error:
                other.append(f"{type(error).__name__}: {error}")
    finally:
        crm.close()
    return done, refused, other


def _record(url: str, customer_id: str, worker: int) -> str:
    crm = gc.open(url, migrate_schema=False)
    try:
        return crm.payments.record(customer_id, method="ideal", amount=money("25", "EUR"),
                                   idempotency_key="checkout-1", now=T0).id
    finally:
        crm.close()


def _url(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        assert PG_URL is not None
        return PG_URL
    return f"sqlite:///{tmp_path / 'crm.db'}"


def _setup(crm: gc.CRM) -> tuple[str, str]:
    customer = crm.customers.add(
        gc.Customer(name=gc.PersonName(given="Sanne", surname="de Vries", locale="nl"),
                    country="NL", language="nl", time_zone="Europe/Amsterdam", currency="EUR"),
        now=T0,
    )
    payment = crm.payments.record(customer, method="ideal", amount=money(PAID, "EUR"),
                                  status="succeeded", now=T0)
    return customer.id, payment.id


def _check(crm: gc.CRM, payment_id: str, results: list[tuple[int, int, list[str]]]) -> None:
    done = sum(r[0] for r in results)
    assert [error for r in results for error in r[2]] == []
    assert done == int(PAID // Decimal(EACH))  # every refund that fitted was made, no more
    assert sum(r[1] for r in results) == len(results) * TRIES - done
    stored = crm.payments.get(payment_id)
    assert stored.refunded == done * Decimal(EACH) <= PAID
    events = crm.payments.history(payment_id)
    assert replay(events, amount=PAID) == (stored.status, stored.refunded)
    assert sum(1 for e in events if e.kind == "refund") == done
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


@pytest.mark.slow
def test_threads_refunding_at_once_never_refund_more_than_was_paid(
    crm: gc.CRM, backend: str, tmp_path: Path
) -> None:
    _, payment_id = _setup(crm)
    url = _url(backend, tmp_path)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_refund, [url] * 8, [payment_id] * 8, range(8)))
    _check(crm, payment_id, results)


@pytest.mark.slow
def test_processes_refunding_at_once_never_refund_more_than_was_paid(
    crm: gc.CRM, backend: str, tmp_path: Path
) -> None:
    _, payment_id = _setup(crm)
    url = _url(backend, tmp_path)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        results = list(pool.map(_refund, [url] * 4, [payment_id] * 4, range(4)))
    _check(crm, payment_id, results)


@pytest.mark.slow
def test_a_record_retried_at_once_from_threads_is_stored_once(
    crm: gc.CRM, backend: str, tmp_path: Path
) -> None:
    customer_id, _ = _setup(crm)
    url = _url(backend, tmp_path)
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        ids = list(pool.map(_record, [url] * 6, [customer_id] * 6, range(6)))
    assert len(set(ids)) == 1
    assert [p.id for p in crm.payments.list(status="created")] == ids[:1]
