"""Many workers redeeming from one balance at once never overspend (threads and processes).

Each worker opens its own CRM on the same database and redeems until the balance is short; the
ledger is checked afterwards: the redemptions add up to at most what was earned, the stored
balance equals the entries, and every refusal was ``RuleViolation`` (not a lost race).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import multiprocessing
from pathlib import Path

import pytest

import globalcrm as gc
from globalcrm.money import money
from tests.storage.conftest import PG_URL

T0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
EARNED = 1000
EACH = 30
TRIES = 12


def _redeem(url: str, account_id: str, worker: int) -> tuple[int, int, list[str]]:
    """Redeem ``EACH`` points ``TRIES`` times; return successes, refusals, other errors."""
    crm = gc.open(url, migrate_schema=False)
    done = short = 0
    other: list[str] = []
    try:
        for attempt in range(TRIES):
            try:
                crm.loyalty.redeem(account_id, points=EACH, now=T0,
                                   idempotency_key=f"w{worker}-{attempt}")
                done += 1
            except gc.RuleViolation:
                short += 1
            except gc.GlobalCRMError as error:
                other.append(type(error).__name__)
    finally:
        crm.close()
    return done, short, other


def _url(crm: gc.CRM, backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        assert PG_URL is not None
        return PG_URL
    return f"sqlite:///{tmp_path / 'crm.db'}"


def _setup(crm: gc.CRM) -> str:
    customer = crm.customers.add(
        gc.Customer(name=gc.PersonName(given="Jonas", locale="lt"), country="LT", language="lt",
                    time_zone="Europe/Vilnius", currency="EUR")
    )
    account = crm.loyalty.enroll(customer, now=T0)
    crm.loyalty.earn(account, amount=money(EARNED, "EUR"), channel="in_person", now=T0)
    return account.id


def _check(crm: gc.CRM, account_id: str, results: list[tuple[int, int, list[str]]]) -> None:
    done = sum(r[0] for r in results)
    assert [error for r in results for error in r[2]] == []
    assert done == EARNED // EACH  # every point that could be redeemed was, and no more
    assert sum(r[1] for r in results) == len(results) * TRIES - done
    assert crm.loyalty.balance(account_id, at=T0) == EARNED - done * EACH >= 0
    redeemed = [e for e in crm.loyalty.statement(account_id, limit=1000) if e.kind == "redeem"]
    assert len(redeemed) == done
    check = crm.loyalty.verify()
    assert check.ok, check.problems


@pytest.mark.slow
def test_threads_redeeming_at_once_never_overspend(
    crm: gc.CRM, backend: str, tmp_path: Path
) -> None:
    account_id = _setup(crm)
    url = _url(crm, backend, tmp_path)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_redeem, [url] * 8, [account_id] * 8, range(8)))
    _check(crm, account_id, results)


@pytest.mark.slow
def test_processes_redeeming_at_once_never_overspend(
    crm: gc.CRM, backend: str, tmp_path: Path
) -> None:
    account_id = _setup(crm)
    url = _url(crm, backend, tmp_path)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=4, mp_context=context) as pool:
        results = list(pool.map(_redeem, [url] * 4, [account_id] * 4, range(4)))
    _check(crm, account_id, results)
