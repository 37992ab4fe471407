"""Junk into erasure, export, suppression and retention: only GlobalCRMError may come out."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.errors import GlobalCRMError
from globalcrm.privacy import erasure, export_files, retention
from globalcrm.privacy.evidence import SubjectKey

JUNK: list[Any] = [
    None, b"bytes", 12, 1.5, [], "x" * 100_000, "\x00\x1b", "", {}, True,
    dt.datetime(2026, 1, 1), object(), ["x"], {"subject_ref": None},
]


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gc.CRM]:
    path: Path = tmp_path_factory.mktemp("junk") / "crm.db"
    store = gc.open(f"sqlite:///{path}")
    yield store
    store.close()


_POLICY = retention.RetentionPolicy(name="p", scope="customer", trigger="created",
                                    duration="P1Y", action="erase", cite="c", pre_notice="PT1H")


def _calls(crm: gc.CRM) -> list[Callable[[Any], object]]:
    p, r = crm.privacy, crm.privacy.retention
    return [
        lambda v: p.erase(v),
        lambda v: p.erase("01J0000000000000000000000Z", now=v),
        lambda v: p.erase("01J0000000000000000000000Z", request=v),
        p.erase_many,
        lambda v: p.erase_many([v]),
        lambda v: p.erase_many(["01J0000000000000000000000Z", v]),
        lambda v: p.erase_many(["01J0000000000000000000000Z"], now=v),
        lambda v: p.erase_many(["01J0000000000000000000000Z"], request=v),
        lambda v: p.export(v),
        lambda v: p.export_zip(v),
        p.scan,
        p.replay_erasures,
        lambda v: p.replay_erasures([v]),
        r.set_policy,
        r.remove_policy,
        lambda v: r.place_hold(v, reason="r", cite="c"),
        lambda v: r.place_hold("01J0000000000000000000000Z", reason=v, cite="c"),
        r.release_hold,
        r.holds,
        lambda v: r.sweep(now=v),
        lambda v: r.sweep(dry_run=v),
        lambda v: r.sweep(batch_size=v),
        lambda v: r.sweep(on_progress=v),
        lambda v: crm.customers.delete(v),
        erasure.ErasureReport.from_json,
        erasure.KeptData.from_json,
        lambda v: erasure.suppression_digest(v, "email", "x"),
        lambda v: erasure.suppression_digest(
            SubjectKey.generate("s"), v, "x"),
        export_files.to_zip,
        export_files.to_json_text,
        lambda v: retention.due_subjects(v, [], dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        lambda v: retention.due_subjects(_POLICY, v, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        lambda v: retention.decide(v, [], dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        lambda v: retention.decide(_POLICY, v, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        lambda v: retention.decide(_POLICY, [], v),
        lambda v: retention.decide(_POLICY, [], dt.datetime(2026, 1, 1, tzinfo=dt.UTC), holds=v),
        lambda v: retention.decide(_POLICY, [], dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                                   noticed=v),
        lambda v: retention.RetentionPolicy(name="p", scope="customer", trigger="created",
                                            duration="P1Y", action="erase", cite="c",
                                            pre_notice=v),
        lambda v: retention.Clock(record=v, started=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
        r.notices,
        lambda v: p.suppress(email=v),
        lambda v: p.suppress(phone=v),
        lambda v: p.suppress(phone="8 612 34567", region=v),
        lambda v: p.suppress(email="x@example.lt", now=v),
        lambda v: p.record("01J0000000000000000000000Z", purpose="p", channel="email",
                           state="withdrawn", contact_point_ref=v),
    ]


def test_only_global_crm_errors_come_out(crm: gc.CRM) -> None:
    raised = 0
    for call in _calls(crm):
        for value in JUNK:
            with contextlib.suppress(GlobalCRMError):
                call(value)
                continue
            raised += 1
    assert raised > 100  # junk is refused, not silently taken
