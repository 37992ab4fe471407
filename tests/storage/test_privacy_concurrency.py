"""One idempotency key from six processes at once: one event, the same answer on both databases.

The documented behaviour (``crm.privacy.record``): a retried call with the same idempotency key
returns the event first recorded under it. Real processes, not threads: each opens its own
engine, as six web workers would.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from typing import Any

import globalcrm as gc
from tests.storage.test_privacy_integrity import notice_id  # noqa: F401  (the fixture)
from tests.storage.test_privacy_store import T0, person

WORKERS = 6


def _record(url: str, customer: str, notice: str, barrier: Any, results: Any) -> None:
    crm = gc.open(url)
    try:
        barrier.wait(timeout=60)
        event = crm.privacy.record(
            customer,
            purpose="newsletter",
            channel="email",
            state="given",
            now=T0,
            notice_id=notice,
            idempotency_key="signup-form-1",
        )
        results.put(("ok", event.event_id))
    except gc.GlobalCRMError as error:
        results.put((type(error).__name__, str(error)))
    finally:
        crm.close()


def test_the_same_idempotency_key_from_six_processes_gives_one_event(
    crm: gc.CRM,
    notice_id: str,  # noqa: F811
) -> None:
    ona = person(crm)
    url = crm._engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    processes = [
        context.Process(target=_record, args=(url, ona.id, notice_id, barrier, results))
        for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert [kind for kind, _ in answers] == ["ok"] * WORKERS, answers
    assert len({event_id for _, event_id in answers}) == 1
    history = crm.privacy.history(ona)
    assert [e.event_id for e in history] == [answers[0][1]]
    assert crm.privacy.verify_ledger() is None
    assert crm.privacy.can_contact(
        ona, purpose="newsletter", channel="email", at=T0 + dt.timedelta(hours=1)
    ).allowed
