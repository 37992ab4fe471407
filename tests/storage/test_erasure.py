"""Erasure and export in the store (SQLite and PostgreSQL): generated from the registry.

The scan reads every column of every table as stored and looks for each erased value and its
case forms: nothing may be left but what the registry keeps with a ground. ``erase_many`` (the
batch path the retention sweep uses, and ``erase`` is a batch of one) is held to the same scan,
atomicity, idempotence and hooks; ``tests/property/test_erasure.py`` proves it leaves every
table as erasing the same customers one by one does.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import event, select

import globalcrm as gc
from globalcrm.errors import GlobalCRMError, InvalidInput, NotFound, RuleViolation
from globalcrm.import_export import read_csv
from globalcrm.money import Money
from globalcrm.plugins import hookimpl
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.privacy.consent import replay
from globalcrm.privacy.erasure import ErasureReport
from globalcrm.storage import personal_data, tables
from globalcrm.storage.erasure_repository import ErasureRepository

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(days=30)

EMAIL = "Jonas.Petraitis@Example.LT"
PHONE = "+37061234567"
NATIONAL = "8 612 34567"
STREET = "Gedimino prospektas 9-15"
HANDLE = "jonas_petraitis_77"
BODY = "Prašau pakeisti pristatymo adresą į Gedimino prospektas"
SUBJECT = "Pristatymas Jonui"
GIVEN, SURNAME = "Jonas", "Petraitis"
CYRILLIC = "Йонас Петрайтис"
EVIDENCE_IP = "203.0.113.77"
CONTACT_POINT = "jonas.petraitis@example.lt"


def newsletter() -> Purpose:
    return Purpose(
        key="newsletter",
        version=1,
        name="Newsletter",
        dpv_purpose="dpv:DirectMarketing",
        legal_basis={"eu-gdpr": "consent"},
        channels=("email", "sms"),
        direct_marketing=True,
        categories=frozenset({"direct_marketing"}),
        kantara_category=6,
    )


def _jonas(crm: gc.CRM, **changes: Any) -> gc.Customer:
    values: dict[str, Any] = dict(
        name=gc.PersonName(given=GIVEN, surname=SURNAME, locale="lt"),
        other_names=[gc.PersonName(given="Йонас", surname="Петрайтис", locale="ru")],
        country="LT",
        language="lt",
        time_zone="Europe/Vilnius",
        currency="EUR",
        emails=[gc.EmailAddress(address=EMAIL)],
        phones=[gc.PhoneNumber.parse(PHONE)],
        addresses=[gc.PostalAddress(country="LT", city="Vilnius", street_address=STREET,
                                    postal_code="01103")],
        handles=[gc.MessagingHandle(service="telegram", handle=HANDLE)],
        attributes={"note": "Jonas prefers mornings"},
        created_at=T0 - dt.timedelta(days=400),
    )
    values.update(changes)
    return crm.customers.add(gc.Customer(**values), now=T0)


def _ona(crm: gc.CRM) -> gc.Customer:
    return crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Ona", surname="Kazlauskienė", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=[gc.EmailAddress(address="ona@example.lt")],
    ), now=T0)


def _history(crm: gc.CRM, jonas: gc.Customer, ona: gc.Customer) -> None:
    crm.privacy.add_purpose(newsletter())
    notice = publish_notice("newsletter", 1, language="lt", title="Naujienlaiškis",
                            body="Sutinku gauti naujienlaiškį.", effective_from=T0)
    crm.privacy.add_notice(notice)
    for who in (jonas, ona):
        crm.privacy.record(
            who, purpose="newsletter", channel="email", state="given", now=T0,
            notice_id=notice.id, evidence={"form": "signup", "ip": EVIDENCE_IP},
        )
        crm.privacy.record(
            who, purpose="newsletter", channel="email", state="given", now=T0,
            notice_id=notice.id,
            contact_point_ref=CONTACT_POINT if who is jonas else "ona@example.lt",
        )
    crm.interactions.record(jonas, channel="email", direction="inbound", body=BODY,
                            subject=SUBJECT, occurred_at=T0, conversation="c-1", agent="agent-7")
    crm.interactions.record(ona, channel="email", direction="inbound", body="Ačiū",
                            occurred_at=T0, conversation="c-1")
    crm.purchases.record(jonas, occurred_at=T0, channel="web_form", amount=Money("12.40", "EUR"),
                         items=[{"product": "sencha", "quantity": "2", "unit_price": "6.20"}],
                         now=T0)
    account = crm.loyalty.enroll(jonas, now=T0)  # tables the erasure does not name
    crm.loyalty.earn(account, amount=Money("12.40", "EUR"), channel="web_form", occurred_at=T0,
                     reference="order-1", now=T0)


def _every_table() -> list[Any]:
    return list(tables.metadata.sorted_tables)


def _values() -> list[str]:
    return [EMAIL, PHONE, "+370 612 34567", STREET, HANDLE, BODY, SUBJECT, GIVEN, SURNAME,
            "Йонас", "Петрайтис", EVIDENCE_IP, CONTACT_POINT, "Jonas prefers mornings"]


def test_erasure_leaves_no_personal_value_in_any_column_and_the_chains_verify(
    crm: gc.CRM,
) -> None:
    jonas, ona = _jonas(crm), _ona(crm)
    _history(crm, jonas, ona)
    assert set(crm.privacy.scan(_values())) >= {("customers", "name"), ("interactions", "body")}
    assert jonas.id in crm.privacy.audience(purpose="newsletter", channel="email", at=LATER)

    report = crm.privacy.erase(jonas, now=LATER, request="dsr-1")

    found = crm.privacy.scan(_values())
    assert found == []
    assert report.status == "erased" and report.request_ref == "dsr-1"
    assert report.changed["customers"] == 1 and report.changed["interactions"] == 1
    assert report.changed["loyalty_accounts"] == 1 and report.changed["loyalty_entries"] >= 1
    assert report.keys_destroyed == 1 and report.consents_ended == 2 and report.suppressed == 2
    kept = {item.table: item for item in report.kept}
    assert "tax law" in kept["purchase_items"].ground or "tax" in kept["purchases"].ground
    assert "consent_events" in kept and "audit_entries" in kept
    # searches find nothing; the audience never has the id again; the ledger still replays
    assert crm.customers.find_by_email(EMAIL) == []
    assert crm.customers.find_by_phone(NATIONAL, region="LT") == []
    assert crm.customers.search("petraitis").items == []
    audience = crm.privacy.audience(purpose="newsletter", channel="email", at=LATER)
    assert audience == [ona.id]
    assert crm.privacy.verify().ok
    assert crm.privacy.verify_ledger() is None and crm.privacy.verify_audit() is None
    events = crm.privacy.history(jonas.id)
    assert [e.state for e in events] == ["given", "given", "invalidated", "invalidated"]
    assert events[1].contact_point_ref == "erased"
    assert crm.privacy.evidence(events[0].event_id) == "erased"
    with crm._engine.connect() as connection:
        states = connection.execute(select(tables.consent_states.c.state).where(
            tables.consent_states.c.subject_ref == jonas.id)).scalars().all()
    assert list(states) == ["invalidated", "invalidated"]
    assert replay(events)  # the projection equals a replay (verify checked it in full)
    # Ona is untouched
    assert crm.customers.get(ona.id).emails[0].address == "ona@example.lt"
    assert crm.privacy.history(ona.id)[1].contact_point_ref == "ona@example.lt"


def test_erasure_is_idempotent_and_suppresses_the_address(crm: gc.CRM) -> None:
    jonas = _jonas(crm)
    first = crm.privacy.erase(jonas.id, now=LATER)
    again = crm.privacy.erase(jonas.id, now=LATER + dt.timedelta(days=1))
    assert again.repeated and again.erased_at == first.erased_at
    audit = crm.privacy.audit_entries()
    assert sum(entry.action == "subject.erased" for entry in audit) == 1
    with pytest.raises(RuleViolation) as caught:
        _jonas(crm, emails=[gc.EmailAddress(address=EMAIL.upper())], phones=[])
    assert caught.value.field == "emails[0]"
    with pytest.raises(RuleViolation) as caught:
        _jonas(crm, emails=[], phones=[gc.PhoneNumber.parse(NATIONAL, region="LT")])
    assert caught.value.field == "phones[0]"
    assert EMAIL not in str(caught.value) and PHONE not in str(caught.value)
    report = crm.customers.import_rows([
        {"given": "Jonas", "country": "LT", "language": "lt", "time_zone": "Europe/Vilnius",
         "currency": "EUR", "emails": EMAIL.lower()},
        {"given": "Rūta", "country": "LT", "language": "lt", "time_zone": "Europe/Vilnius",
         "currency": "EUR", "emails": "ruta@example.lt"},
    ], atomic=False)
    assert report.imported == 1
    assert [(e.row, e.code) for e in report.errors] == [(1, "suppressed")]
    [ruta] = crm.customers.find_by_email("ruta@example.lt")
    with pytest.raises(RuleViolation) as changed:  # nor by a change of address
        crm.customers.update(ruta, expected_version=ruta.version,
                             emails=["ruta@example.lt", EMAIL])
    assert changed.value.field == "emails[1]"
    assert crm.customers.get(ruta.id).version == ruta.version
    with pytest.raises(NotFound):
        crm.privacy.erase("01J0000000000000000000000Z", now=LATER)


def test_delete_is_erase(crm: gc.CRM) -> None:
    jonas, ona = _jonas(crm), _ona(crm)
    _history(crm, jonas, ona)
    crm.customers.delete(jonas.id, now=LATER)
    assert crm.privacy.scan(_values()) == []
    assert crm.privacy.audience(purpose="newsletter", channel="email", at=LATER) == [ona.id]
    assert [e.state for e in crm.privacy.history(jonas.id)][-1] == "invalidated"
    assert crm.privacy.verify().ok
    with pytest.raises(NotFound):
        crm.customers.get(jonas.id)


def test_a_legal_hold_turns_erasure_into_restriction(crm: gc.CRM) -> None:
    jonas, ona = _jonas(crm), _ona(crm)
    _history(crm, jonas, ona)
    hold = crm.privacy.retention.place_hold(
        jonas, reason="case 2026/17", cite="GDPR art. 17(3)(e)", now=T0
    )
    with pytest.raises(RuleViolation):
        crm.customers.delete(jonas.id, now=LATER)
    assert crm.customers.get(jonas.id).emails == jonas.emails
    report = crm.privacy.erase(jonas, now=LATER)
    assert report.status == "restricted" and report.partial
    assert report.holds == ("GDPR art. 17(3)(e)",)
    assert {"customers", "interactions"} <= {item.table for item in report.kept}
    assert crm.customers.get(jonas.id).emails == jonas.emails  # kept
    assert crm.privacy.audience(purpose="newsletter", channel="email", at=LATER) == [ona.id]
    crm.privacy.retention.release_hold(hold, now=LATER + dt.timedelta(days=1))
    done = crm.privacy.erase(jonas, now=LATER + dt.timedelta(days=2))
    assert done.status == "erased"
    assert crm.privacy.scan(_values()) == []


def test_an_injected_failure_rolls_everything_back(crm: gc.CRM, backend: str) -> None:
    jonas, ona = _jonas(crm), _ona(crm)
    _history(crm, jonas, ona)
    with crm._engine.connect() as connection:
        before = {t.name: connection.execute(select(t)).all() for t in _every_table()}

    class Boom(Exception):
        pass

    with pytest.raises(Boom), crm.transaction() as tx:
        tx.privacy.erase(jonas, now=LATER)
        raise Boom
    with crm._engine.connect() as connection:
        after = {t.name: connection.execute(select(t)).all() for t in _every_table()}
    assert after == before
    assert crm.privacy.history(jonas.id)[1].contact_point_ref == CONTACT_POINT  # key alive


def test_export_holds_everything_about_the_customer_and_nobody_else(crm: gc.CRM) -> None:
    jonas, ona = _jonas(crm), _ona(crm)
    _history(crm, jonas, ona)
    document = crm.privacy.export(jonas, now=LATER)
    text = json.dumps(document, ensure_ascii=False)
    stored_email = "Jonas.Petraitis@example.lt"  # the domain is case-folded
    for value in (stored_email, STREET, HANDLE, BODY, "Йонас", EVIDENCE_IP, CONTACT_POINT):
        assert value in text
    assert "ona@example.lt" not in text and "Ačiū" not in text and "agent-7" not in text
    assert "interactions.agent" in document["redacted"]
    assert document["consent_history"][0]["evidence"] == {"form": "signup", "ip": EVIDENCE_IP}
    assert {"customers", "interactions", "consent_events", "purchases", "purchase_items",
            "audit_entries", "loyalty_accounts", "loyalty_entries"} <= set(document["tables"])
    # every exported column of every table with rows is there
    for name, rows in document["tables"].items():
        table = tables.metadata.tables[name]
        wanted = {c.name for c in table.columns if c.info["export"]}
        assert set(rows[0]) == wanted, name
    # the ZIP: export.json, the customer as CSV that re-imports, a CSV per table
    archive = zipfile.ZipFile(io.BytesIO(crm.privacy.export_zip(jonas, now=LATER)))
    assert {"export.json", "customer.csv", "interactions.csv"} <= set(archive.namelist())
    rows = list(read_csv(io.StringIO(archive.read("customer.csv").decode("utf-8"))))
    crm.privacy.erase(jonas, now=LATER)
    crm.privacy.erase(ona, now=LATER)
    other = gc.open(str(crm._engine.url).replace("crm.db", "copy.db")) if "sqlite" in str(
        crm._engine.url) else None
    target = other or crm
    if other is None:  # PostgreSQL: the suppression list would refuse Jonas in the same store
        return
    report = target.customers.import_rows(rows)
    assert report.imported == 1, report.errors
    back = target.customers.get(report.ids[0])
    assert back.emails == jonas.emails and back.addresses[0].street_address == STREET
    imported = target.customers.import_rows([document["customer"]])
    assert imported.errors == [] or imported.errors[0].code == "conflict"
    other.close()


def test_replay_erasures_after_a_restore(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    crm = gc.open(f"sqlite:///{path}")
    jonas, ona = _jonas(crm), _ona(crm)
    _history(crm, jonas, ona)
    crm.close()
    shutil.copy(path, tmp_path / "backup.db")
    crm = gc.open(f"sqlite:///{path}")
    crm.privacy.erase(jonas, now=LATER)
    log = [report.to_json() for report in crm.privacy.erasures()]  # kept outside the database
    crm.close()
    shutil.copy(tmp_path / "backup.db", path)  # the restore
    crm = gc.open(f"sqlite:///{path}")
    assert crm.privacy.scan(_values()) != []
    again = crm.privacy.replay_erasures([ErasureReport.from_json(item) for item in log],
                                        now=LATER)
    assert again == [jonas.id]
    assert crm.privacy.scan(_values()) == []
    assert crm.privacy.replay_erasures(now=LATER) == []  # nothing left to do
    assert crm.privacy.verify().ok
    crm.close()


def test_only_global_crm_errors_come_out(crm: gc.CRM) -> None:
    for bad in (None, 5, "", "x" * 300):
        with pytest.raises(GlobalCRMError):
            crm.privacy.erase(bad, now=LATER)  # type: ignore[arg-type]
        with pytest.raises(GlobalCRMError):
            crm.privacy.export(bad)  # type: ignore[arg-type]
    with pytest.raises(GlobalCRMError):
        crm.privacy.scan("jonas")


def test_no_grant_is_recorded_for_an_erased_customer_only_an_ending(crm: gc.CRM) -> None:
    jonas, ona = _jonas(crm), _ona(crm)
    _history(crm, jonas, ona)
    crm.privacy.erase(jonas, now=LATER)
    for state in ("given", "renewed", "requested"):
        with pytest.raises(RuleViolation):
            crm.privacy.record(jonas.id, purpose="newsletter", channel="email", state=state,
                               now=LATER)
    # an unsubscribe after erasure is honoured (scenario 32: tests/storage/test_suppression.py)
    ended = crm.privacy.record(jonas.id, purpose="newsletter", channel="email",
                               state="withdrawn", now=LATER)
    assert ended.state == "withdrawn" and ended.subject_ref == jonas.id
    assert crm.privacy.verify().ok


# ----------------------------------------------------------------------------- erase_many


def _dump(crm: gc.CRM) -> dict[str, list[Any]]:
    with crm._engine.connect() as connection:
        return {t.name: sorted(map(repr, connection.execute(select(t)).all()))
                for t in _every_table()}


def _jonas_and_ona_with_history(crm: gc.CRM) -> tuple[gc.Customer, gc.Customer]:
    jonas, ona = _jonas(crm), _ona(crm)
    _history(crm, jonas, ona)
    return jonas, ona


def test_erase_many_leaves_no_personal_value_and_the_chains_verify(crm: gc.CRM) -> None:
    jonas, ona = _jonas_and_ona_with_history(crm)
    others = ["ona@example.lt", "Kazlauskien", "Ačiū"]  # the name as JSON escapes the ė
    assert set(crm.privacy.scan(others)) >= {("customers", "name"), ("interactions", "body")}

    reports = crm.privacy.erase_many([jonas, ona.id], now=LATER, request="dsr-2")

    assert crm.privacy.scan(_values() + others) == []
    assert [r.subject_ref for r in reports] == [jonas.id, ona.id]
    assert all(r.status == "erased" and r.request_ref == "dsr-2" for r in reports)
    first = reports[0]
    assert first.changed["customers"] == 1 and first.changed["interactions"] == 1
    assert first.changed["loyalty_accounts"] == 1 and first.changed["loyalty_entries"] >= 1
    assert first.keys_destroyed == 1 and first.consents_ended == 2 and first.suppressed == 2
    assert reports[1].consents_ended == 2 and reports[1].suppressed == 1
    assert crm.privacy.verify_audit() is None and crm.privacy.verify_ledger() is None
    assert crm.privacy.verify().ok
    assert crm.privacy.audience(purpose="newsletter", channel="email", at=LATER) == []
    assert [e.state for e in crm.privacy.history(jonas.id)][-2:] == ["invalidated"] * 2
    assert crm.privacy.evidence(crm.privacy.history(ona.id)[0].event_id) == "erased"
    audit = crm.privacy.audit_entries()
    erased = sorted(str(e.subject_ref) for e in audit if e.action == "subject.erased")
    assert erased == sorted([jonas.id, ona.id])
    assert {t.subject_ref: t for t in crm.privacy.erasures()} == {r.subject_ref: r for r in reports}


def test_erase_many_is_idempotent_and_names_a_customer_once(crm: gc.CRM) -> None:
    jonas, ona = _jonas_and_ona_with_history(crm)
    first = crm.privacy.erase_many([jonas, ona, jonas.id], now=LATER)
    assert [r.repeated for r in first] == [False, False, True]
    assert first[2] == attrs.evolve(first[0], repeated=True)
    before = _dump(crm)
    again = crm.privacy.erase_many([ona, jonas], now=LATER + dt.timedelta(days=1))
    assert [r.repeated for r in again] == [True, True]
    assert [r.erased_at for r in again] == [LATER, LATER]
    assert _dump(crm) == before  # nothing written: no event, tombstone or audit entry
    assert sum(e.action == "subject.erased" for e in crm.privacy.audit_entries()) == 2


def test_an_unknown_customer_refuses_the_whole_batch(crm: gc.CRM) -> None:
    jonas, ona = _jonas_and_ona_with_history(crm)
    unknown = "01J0000000000000000000000Z"
    before = _dump(crm)
    with pytest.raises(NotFound) as caught:
        crm.privacy.erase_many([jonas, ona, unknown], now=LATER)
    assert caught.value.field == "customers[2]"
    assert unknown not in str(caught.value) and jonas.id not in str(caught.value)
    assert _dump(crm) == before
    with pytest.raises(InvalidInput) as bad:
        crm.privacy.erase_many([jonas, 5], now=LATER)  # type: ignore[list-item]
    assert bad.value.field == "customers[1]"
    for junk in ("jonas", None, jonas):
        with pytest.raises(InvalidInput):
            crm.privacy.erase_many(junk, now=LATER)  # type: ignore[arg-type]
    assert crm.privacy.erase_many([], now=LATER) == []
    assert _dump(crm) == before


def test_a_hold_restricts_only_its_customer_in_a_batch(crm: gc.CRM) -> None:
    jonas, ona = _jonas_and_ona_with_history(crm)
    crm.privacy.retention.place_hold(ona, reason="byla 2026/3", cite="GDPR art. 17(3)(e)", now=T0)
    reports = crm.privacy.erase_many([ona, jonas], now=LATER)
    assert [r.status for r in reports] == ["restricted", "erased"]
    assert reports[0].holds == ("GDPR art. 17(3)(e)",) and reports[0].consents_ended == 2
    assert crm.customers.get(ona.id).emails[0].address == "ona@example.lt"  # kept
    assert crm.privacy.scan(_values()) == []
    assert crm.privacy.audience(purpose="newsletter", channel="email", at=LATER) == []
    assert crm.privacy.verify().ok


def test_an_injected_failure_mid_batch_rolls_everything_back(
    crm: gc.CRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    jonas, ona = _jonas_and_ona_with_history(crm)
    third = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Rūta", locale="lt"), country="LT", language="lt",
        time_zone="Europe/Vilnius", currency="EUR"), now=T0)
    before = _dump(crm)

    class Boom(Exception):
        pass

    saved: list[list[str]] = []
    real = ErasureRepository.save_tombstones

    def failing(self: ErasureRepository, reports: list[ErasureReport]) -> None:
        saved.append([r.subject_ref for r in reports])
        real(self, reports)
        if len(saved) == 2:  # the second batch: the first is written, this one half-way
            raise Boom

    monkeypatch.setattr(personal_data, "CHUNK", 1)  # one customer per batch
    monkeypatch.setattr(ErasureRepository, "save_tombstones", failing)
    with pytest.raises(Boom):
        crm.privacy.erase_many([jonas, ona, third], now=LATER)
    assert saved == [[jonas.id], [ona.id]]
    assert _dump(crm) == before  # rows, ledger, heads, tombstones, audit, keys
    assert crm.privacy.history(jonas.id)[1].contact_point_ref == CONTACT_POINT  # key alive
    assert crm.privacy.verify().ok
    monkeypatch.setattr(ErasureRepository, "save_tombstones", real)
    done = crm.privacy.erase_many([jonas, ona, third], now=LATER)  # chained over three batches
    assert [r.status for r in done] == ["erased"] * 3
    assert crm.privacy.verify().ok and crm.privacy.scan(_values()) == []


def test_erase_many_runs_as_many_statements_for_3_customers_as_for_12(crm: gc.CRM) -> None:
    """Set-based: the statements do not grow with the batch (a loop per customer would)."""
    counted: list[int] = []

    def erase(tenant: str, size: int) -> None:
        store = crm.for_tenant(tenant)
        store.privacy.add_purpose(newsletter())
        notice = publish_notice("newsletter", 1, language="lt", title="Naujienlaiškis",
                                body="Sutinku gauti naujienlaiškį.", effective_from=T0)
        store.privacy.add_notice(notice)
        people = []
        for i in range(size):
            person = store.customers.add(gc.Customer(
                name=gc.PersonName(given=f"Jonas{i}", locale="lt"), country="LT",
                language="lt", time_zone="Europe/Vilnius", currency="EUR",
                emails=[gc.EmailAddress(address=f"jonas{i}@example.lt")]), now=T0)
            store.interactions.record(person, channel="email", direction="inbound",
                                      body="Labas", occurred_at=T0)
            store.purchases.record(person, occurred_at=T0, channel="web_form",
                                   amount=Money("1.00", "EUR"), now=T0,
                                   items=[{"product": "sencha", "quantity": "1",
                                           "unit_price": "1.00"}])
            store.privacy.record(person, purpose="newsletter", channel="email", state="given",
                                 now=T0, notice_id=notice.id,
                                 contact_point_ref=f"jonas{i}@example.lt")
            people.append(person)
        statements = 0

        def count(*_: object) -> None:
            nonlocal statements
            statements += 1

        event.listen(crm._engine, "before_cursor_execute", count)
        try:
            reports = store.privacy.erase_many(people, now=LATER)
        finally:
            event.remove(crm._engine, "before_cursor_execute", count)
        assert [r.consents_ended for r in reports] == [1] * size
        counted.append(statements)

    erase("small", 3)
    erase("large", 12)
    assert counted[0] == counted[1], counted
    assert counted[0] < 60, counted


def test_erased_customers_are_heard_after_the_commit_only(crm: gc.CRM) -> None:
    jonas, ona = _jonas_and_ona_with_history(crm)
    heard: list[tuple[str, str]] = []

    class Observer:
        @hookimpl
        def globalcrm_customer_erased(self, subject_ref: str, tenant: str) -> None:
            heard.append((subject_ref, tenant))

    crm.plugins.register(Observer(), name="erasure-observer")
    crm.privacy.retention.place_hold(ona, reason="byla", cite="GDPR art. 17(3)(e)", now=T0)
    with pytest.raises(RuntimeError), crm.transaction() as tx:
        tx.privacy.erase_many([jonas, ona], now=LATER)
        assert heard == []
        raise RuntimeError
    assert heard == []  # rolled back: nothing heard
    crm.privacy.erase_many([jonas, ona], now=LATER)
    assert heard == [(jonas.id, "default")]  # the held customer was restricted, not erased


def test_rows_changed_since_they_were_counted_refuse_the_batch(crm: gc.CRM) -> None:
    """The statements must change exactly the rows counted (a concurrent write would not)."""
    jonas, ona = _jonas_and_ona_with_history(crm)
    before = _dump(crm)
    with pytest.raises(gc.Conflict) as caught, crm.transaction() as tx, \
            tx._context.work() as uow:
        assert uow.session is not None
        counts = personal_data.row_counts(uow.session, "default", [jonas.id, ona.id])
        assert counts[jonas.id]["interactions"] == 1 and counts[ona.id]["interactions"] == 1
        assert counts[jonas.id]["customer_keys"] >= 4  # names, e-mail, phone, handle
        counts[ona.id]["interactions"] = 2  # as if one were added after the count
        personal_data.erase_subjects(uow.session, "default", counts)
    assert caught.value.field == "customers" and ona.id not in str(caught.value)
    assert "interactions" in str(caught.value)
    assert _dump(crm) == before
