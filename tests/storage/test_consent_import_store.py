"""Bulk consent history import in the store (SQLite and PostgreSQL): as ``record`` stores it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import func, select

import globalcrm as gc
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.privacy.consent import replay
from globalcrm.storage import tables

T0 = dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _setup(crm: gc.CRM, people: int = 4) -> tuple[list[gc.Customer], str]:
    crm.privacy.add_purpose(
        Purpose(
            key="offers", version=1, name="Offers", dpv_purpose="dpv:DirectMarketing",
            legal_basis={"eu-gdpr": "consent"}, channels=("email", "sms"),
        )
    )
    notice = crm.privacy.add_notice(
        publish_notice("offers", 1, language="en", title="Offers", body="I agree.",
                       effective_from=T0 - dt.timedelta(days=1))
    )
    customers = [
        crm.customers.add(
            gc.Customer(
                name=gc.PersonName(given=f"Ona{i}", locale="lt"), country="LT", language="lt",
                time_zone="Europe/Vilnius", currency="EUR",
            )
        )
        for i in range(people)
    ]
    return customers, notice.id


def _row(person: gc.Customer, notice: str, day: int, state: str, **more: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "customer_id": person.id, "purpose": "offers", "channel": "email", "state": state,
        "occurred_at": (T0 + dt.timedelta(days=day)).isoformat(), "notice_id": notice,
    }
    row.update(more)
    return row


def _count(crm: gc.CRM, table: Any) -> int:
    with crm._engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_an_import_stores_what_record_stores_in_time_order(crm: gc.CRM) -> None:
    people, notice = _setup(crm)
    states = ["given", "withdrawn", "renewed", "objected", "given"]
    rows = [
        _row(people[i % 4], notice, 40 - 3 * i, states[i % 5], channel=("email", "sms")[i % 2])
        for i in range(14)
    ]
    report = crm.privacy.import_events(rows, now=NOW)
    assert report.ok and report.imported == 14 and len(set(report.ids)) == 14
    assert crm.privacy.verify().ok
    ledger = [e for p in people for e in crm.privacy.history(p)]
    by_seq = sorted(ledger, key=lambda e: e.seq or 0)
    assert [e.occurred_at for e in by_seq] == sorted(e.occurred_at for e in ledger)
    assert [e.event_id for e in by_seq] == report.ids
    assert all(e.collection_method == "import" and e.recorded_at == NOW for e in ledger)
    # the same events recorded one by one, in time order, by another tenant
    other = crm.for_tenant("by-hand")
    others, other_notice = _setup(other)
    index = {p.id: i for i, p in enumerate(people)}
    for event in by_seq:
        other.privacy.record(
            others[index[event.subject_ref]], purpose="offers", channel=event.channel,
            state=event.state, occurred_at=event.occurred_at, now=NOW, notice_id=other_notice,
            collection_method="import",
        )
    at = T0 + dt.timedelta(days=60)
    for mine, theirs in zip(people, others, strict=True):
        assert [(e.channel, e.state) for e in crm.privacy.history(mine)] == [
            (e.channel, e.state) for e in other.privacy.history(theirs)
        ]
        for channel in ("email", "sms"):
            assert (
                crm.privacy.can_contact(mine, purpose="offers", channel=channel, at=at).allowed
                == other.privacy.can_contact(
                    theirs, purpose="offers", channel=channel, at=at
                ).allowed
            )
    assert len(crm.privacy.audience(purpose="offers", channel="email", at=at)) == len(
        other.privacy.audience(purpose="offers", channel="email", at=at)
    )


def test_events_of_customers_with_a_ledger_take_records_path(crm: gc.CRM) -> None:
    people, notice = _setup(crm, 2)
    crm.privacy.record(people[0], purpose="offers", channel="email", state="withdrawn",
                       occurred_at=T0 + dt.timedelta(days=100), now=NOW, notice_id=notice)
    report = crm.privacy.import_events(
        [_row(people[0], notice, 10, "given"), _row(people[1], notice, 20, "given")], now=NOW
    )
    assert report.ok and report.imported == 2
    at = T0 + dt.timedelta(days=200)
    # the imported grant is older than the stored withdrawal: it does not override it
    assert not crm.privacy.can_contact(people[0], purpose="offers", channel="email", at=at).allowed
    assert crm.privacy.can_contact(people[1], purpose="offers", channel="email", at=at).allowed
    assert crm.privacy.verify().ok
    assert crm.privacy.audience(purpose="offers", channel="email", at=at) == [people[1].id]


def test_bad_rows_are_reported_and_atomic_imports_store_nothing(crm: gc.CRM) -> None:
    people, notice = _setup(crm, 2)
    minor = crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Ema", locale="lt"), country="DE", language="de",
            time_zone="Europe/Berlin", currency="EUR", birth_date=dt.date(2012, 5, 1),
        )
    )
    rows: list[dict[str, Any]] = [
        _row(people[0], notice, 1, "given"),
        _row(people[0], notice, 2, "given", customer_id="01" + "Z" * 24),
        _row(people[0], notice, 3, "given", purpose="unknown"),
        _row(people[0], notice, 4, "given", notice_id=""),
        _row(people[0], notice, 5, "given", occurred_at="yesterday"),
        _row(minor, notice, 6, "given"),
        _row(people[0], notice, -30, "given"),  # the notice was not yet in force
        _row(people[1], notice, 7, "withdrawn", evidence="{not json"),
        {"customer_id": people[0].id, "Ona Petraitytė": "x"},
        _row(people[1], notice, 8, "withdrawn", channel="fax"),
    ]
    before = (_count(crm, tables.consent_events), _count(crm, tables.audit_entries))
    atomic = crm.privacy.import_events(rows, atomic=True, now=NOW)
    assert not atomic.committed and atomic.imported == 0
    assert (_count(crm, tables.consent_events), _count(crm, tables.audit_entries)) == before
    expected = [
        (2, "customer_id"), (3, "purpose"), (4, "notice_version_id"), (5, "occurred_at"),
        (6, "actor_kind"), (7, "notice_version_id"), (8, "evidence"), (9, "[#1]"),
    ]
    assert [(e.row, e.field) for e in atomic.errors] == expected
    assert all("Ona" not in str(e) and "not json" not in str(e) for e in atomic.errors)
    kept = crm.privacy.import_events(rows, now=NOW)
    assert kept.committed and kept.imported == 2 and len(kept.errors) == len(expected)
    assert _count(crm, tables.consent_events) == 2 and crm.privacy.verify().ok


def test_idempotency_keys_make_an_import_safe_to_run_again(crm: gc.CRM) -> None:
    people, notice = _setup(crm, 2)
    rows = [
        _row(people[i % 2], notice, i, "given", idempotency_key=f"crm-old-{i}") for i in range(6)
    ]
    rows.append(_row(people[0], notice, 0, "given", idempotency_key="crm-old-0"))  # a repeat
    first = crm.privacy.import_events(rows, now=NOW)
    assert first.ok and first.imported == 7 and len(set(first.ids)) == 6
    assert first.ids.count(first.ids[0]) == 2  # the repeat is reported as the first event
    again = crm.privacy.import_events(rows[:6], now=NOW)
    assert again.ok and again.ids == list(dict.fromkeys(first.ids))
    assert _count(crm, tables.consent_events) == 6
    clash = crm.privacy.import_events(
        [
            _row(people[1], notice, 3, "withdrawn", idempotency_key="crm-old-3"),
            _row(people[1], notice, 30, "given", idempotency_key="crm-new"),
            _row(people[1], notice, 31, "given", idempotency_key="crm-new"),
        ],
        now=NOW,
    )
    assert [(e.row, e.field, e.code) for e in clash.errors] == [
        (1, "idempotency_key", "conflict"), (3, "idempotency_key", "conflict")
    ]
    assert clash.imported == 1
    assert _count(crm, tables.consent_events) == 7


def test_personal_values_and_evidence_are_sealed_under_each_customers_key(crm: gc.CRM) -> None:
    people, notice = _setup(crm, 2)
    report = crm.privacy.import_events(
        [
            _row(people[0], notice, 1, "given", contact_point_ref="ona@example.lt",
                 collection_point="https://shop.example/form", evidence='{"ip": "203.0.113.9"}'),
            _row(people[1], notice, 2, "given", evidence={"ip": "198.51.100.4"}),
        ],
        now=NOW,
    )
    assert report.ok
    with crm._engine.connect() as connection:
        documents = " ".join(
            connection.execute(select(tables.consent_events.c.document)).scalars()
        )
    assert "ona@example.lt" not in documents and "203.0.113.9" not in documents
    assert "shop.example" not in documents
    first = crm.privacy.history(people[0])[0]
    assert first.contact_point_ref == "ona@example.lt"
    assert first.collection_point == "https://shop.example/form"
    assert crm.privacy.evidence(report.ids[0]) == {"ip": "203.0.113.9"}
    assert crm.privacy.evidence(report.ids[1]) == {"ip": "198.51.100.4"}
    assert crm.privacy.can_contact(
        people[0], purpose="offers", channel="email", at=NOW, contact_point_ref="ona@example.lt"
    ).allowed


def test_batches_trust_their_memory_only_while_nobody_else_writes(crm: gc.CRM) -> None:
    people, notice = _setup(crm, 3)
    done: list[int] = []

    def meanwhile(count: int) -> None:
        done.append(count)
        if count == 3:  # another writer appends between the first and second batch
            crm.privacy.record(people[0], purpose="offers", channel="email", state="withdrawn",
                               occurred_at=T0 + dt.timedelta(days=50), now=NOW,
                               notice_id=notice)

    rows = [_row(people[i % 3], notice, i, "given") for i in range(9)]
    report = crm.privacy.import_events(rows, on_progress=meanwhile, now=NOW, batch_size=3)
    assert report.ok and done == [3, 6, 9, 9]
    assert crm.privacy.verify().ok
    at = T0 + dt.timedelta(days=60)
    assert not crm.privacy.can_contact(people[0], purpose="offers", channel="email",
                                       at=at).allowed
    assert crm.privacy.can_contact(people[1], purpose="offers", channel="email", at=at).allowed
    imported = [e for e in crm.privacy.audit_entries() if e.action == "consent.imported"]
    assert [e.payload["count"] for e in imported] == [3, 3, 3]
    events = [e for p in people for e in crm.privacy.history(p)]
    assert replay(events)  # the ledger reads back whole


def test_an_import_refuses_what_is_not_rows(crm: gc.CRM) -> None:
    for junk in ("customer_id,purpose", {"customer_id": "x"}, 42, None):
        with pytest.raises(gc.InvalidInput) as caught:
            crm.privacy.import_events(junk)  # type: ignore[arg-type]
        assert caught.value.field == "rows"
    with pytest.raises(gc.InvalidInput):
        crm.privacy.import_events([], on_progress="print")  # type: ignore[arg-type]
    report = crm.privacy.import_events([["not", "a", "mapping"]])  # type: ignore[list-item]
    assert [(e.row, e.field) for e in report.errors] == [(1, "row")]
    assert crm.privacy.import_events([]).ok


@pytest.mark.parametrize("size", [0, -5, True, 2.5, "100", None])
def test_a_batch_size_is_a_whole_number_of_events(crm: gc.CRM, size: object) -> None:
    people, notice = _setup(crm, 1)
    with pytest.raises(gc.InvalidInput) as refused:
        crm.privacy.import_events([_row(people[0], notice, 1, "given")], now=NOW,
                                  batch_size=size)  # type: ignore[arg-type]
    assert refused.value.field == "batch_size"
    assert _count(crm, tables.consent_events) == 0
