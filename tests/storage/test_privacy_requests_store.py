"""Data-subject requests in the store (SQLite and PostgreSQL): deadlines, steps, lists, audit."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select, update

import globalcrm as gc
from globalcrm.privacy.deadlines import LegalCalendar
from globalcrm.storage import tables

VILNIUS = LegalCalendar(time_zone="Europe/Vilnius", country="LT")
LOS_ANGELES = LegalCalendar(time_zone="America/Los_Angeles", country="US", subdivision="CA")
SAO_PAULO = LegalCalendar(time_zone="America/Sao_Paulo", country="BR")
TORONTO = LegalCalendar(time_zone="America/Toronto", country="CA", subdivision="ON")
EMAIL = "jonas.petraitis@example.lt"


def _at(day: str, hour: int = 9, zone: Any = VILNIUS.zone) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=zone)


def _person(crm: gc.CRM, country: str = "LT") -> gc.Customer:
    zones = {"LT": "Europe/Vilnius", "CA": "America/Toronto", "US": "America/Los_Angeles"}
    return crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"),
            country=country,
            language="lt",
            time_zone=zones[country],
            currency="EUR",
            emails=[EMAIL],
        )
    )


def _counts(crm: gc.CRM) -> tuple[int, int, int]:
    with crm._engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(tables.privacy_requests)).scalar_one(),
            connection.execute(
                select(func.count()).select_from(tables.privacy_request_events)
            ).scalar_one(),
            connection.execute(select(func.count()).select_from(tables.audit_entries)).scalar_one(),
        )


def _stored_due(crm: gc.CRM, request_id: str) -> Any:
    with crm._engine.connect() as connection:
        r = tables.privacy_requests.c
        return connection.execute(select(r.due_at).where(r.id == request_id)).scalar_one()


def test_no_request_is_opened_without_a_legal_calendar(crm: gc.CRM) -> None:
    jonas = _person(crm)
    with pytest.raises(gc.RuleViolation, match="no legal calendar") as caught:
        crm.privacy.requests.open(jonas, right="access", channel="email")
    assert caught.value.field == "calendar" and _counts(crm)[0] == 0
    assert crm.privacy.requests.calendars().controller is None
    request = crm.privacy.requests.open(
        jonas, right="access", channel="email", calendar=VILNIUS, received_at=_at("2025-09-03")
    )
    assert request.calendar == VILNIUS and request.regimes == ("eu-gdpr",)
    crm.privacy.requests.set_calendar(VILNIUS)
    crm.privacy.requests.set_calendar(SAO_PAULO, regime="br-lgpd")
    configured = crm.privacy.requests.calendars()
    assert configured.controller == VILNIUS and configured.for_regime("br-lgpd") == SAO_PAULO
    assert configured.for_regime("eu-gdpr") == VILNIUS
    crm.privacy.requests.set_calendar(None, regime="br-lgpd")
    assert crm.privacy.requests.calendars().regimes == ()
    with pytest.raises(gc.InvalidInput):
        crm.privacy.requests.set_calendar(None)
    actions = [entry.action for entry in crm.privacy.audit_entries()]
    assert actions.count("legal_calendar.set") == 3


@pytest.mark.parametrize(
    ("received", "due", "extended"),
    [
        ("2025-09-03", "2025-10-03", None),
        ("2025-01-31", "2025-02-28", "2025-04-30"),
        ("2024-01-31", "2024-02-29", None),
        ("2025-04-01", "2025-05-02", None),  # 1 May is a public holiday
        ("2025-10-01", "2025-11-03", "2026-01-02"),  # All Saints' Day, a weekend, New Year
    ],
)
def test_gdpr_due_dates_in_the_vilnius_calendar(
    crm: gc.CRM, received: str, due: str, extended: str | None
) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    request = crm.privacy.requests.open(
        _person(crm), right="access", channel="email", received_at=_at(received),
        identity_verified=True,
    )
    stored = crm.privacy.requests.get(request.id)
    assert stored == request and stored.deadline().due_date == dt.date.fromisoformat(due)
    assert _stored_due(crm, request.id) == VILNIUS.end_of(dt.date.fromisoformat(due))
    if extended is not None:
        later = crm.privacy.requests.extend(
            request, reason="many systems to search", notice_sent_at=_at(received, 10),
            at=_at(received, 10),
        )
        assert later.deadline().due_date == dt.date.fromisoformat(extended)
        assert _stored_due(crm, request.id) == VILNIUS.end_of(dt.date.fromisoformat(extended))


def test_receipt_is_dated_in_each_regimes_calendar(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    crm.privacy.requests.set_calendar(LOS_ANGELES, regime="us-ca-ccpa")
    received = dt.datetime(2025, 3, 31, 23, 30, tzinfo=LOS_ANGELES.zone)  # 1 April in Vilnius
    request = crm.privacy.requests.open(
        _person(crm), right="access", channel="web_form", received_at=received,
        regimes=["us-ca-ccpa", "eu-gdpr"],
    )
    found = request.regime_deadlines()
    assert found["eu-gdpr"].due_date == dt.date(2025, 5, 2)
    assert found["us-ca-ccpa"].due_date == dt.date(2025, 5, 14)  # receipt day is day 1
    assert request.deadline().regime == "eu-gdpr"  # the earliest decides
    assert dict(crm.privacy.requests.get(request).regime_calendars) == {"us-ca-ccpa": LOS_ANGELES}


def test_other_regimes_count_in_their_own_way(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    crm.privacy.requests.set_calendar(SAO_PAULO, regime="br-lgpd")
    crm.privacy.requests.set_calendar(TORONTO, regime="ca-pipeda")
    opened = {
        code: crm.privacy.requests.open(
            right="access", channel="email", regimes=[code], requester=EMAIL,
            received_at=_at(day, 12, calendar.zone),
        )
        for code, day, calendar in (
            ("br-lgpd", "2025-04-04", SAO_PAULO),
            ("ca-pipeda", "2025-06-01", TORONTO),
        )
    }
    assert opened["br-lgpd"].deadline().due_date == dt.date(2025, 4, 22)  # Good Friday, Tiradentes
    assert opened["ca-pipeda"].deadline().due_date == dt.date(2025, 7, 2)  # Canada Day


def test_pauses_move_the_stored_due_date_and_refusals_change_nothing(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    requests = crm.privacy.requests
    request = requests.open(
        _person(crm), right="access", channel="email", received_at=_at("2025-09-03")
    )
    paused = requests.pause(request, reason="identity", at=_at("2025-09-05"))
    assert paused.status == "paused" and _stored_due(crm, request.id) is None
    resumed = requests.resume(request, at=_at("2025-09-10"))
    assert resumed.deadline().due_date == dt.date(2025, 10, 8)
    assert _stored_due(crm, request.id) == VILNIUS.end_of(dt.date(2025, 10, 8))
    requests.pause(request, reason="clarification", at=_at("2025-09-12"))
    twice = requests.resume(request, at=_at("2025-09-14"))
    assert twice.paused_days == 7 and twice.deadline().due_date == dt.date(2025, 10, 10)
    before = _counts(crm)
    with pytest.raises(gc.RuleViolation, match="overdue"):
        requests.pause(request, reason="identity", at=_at("2025-10-11"))
    with pytest.raises(gc.RuleViolation, match="after the original due date"):
        requests.extend(
            request, reason="late", notice_sent_at=_at("2025-10-11"), at=_at("2025-10-11")
        )
    with pytest.raises(gc.RuleViolation, match="not paused"):
        requests.resume(request, at=_at("2025-10-11"))
    assert _counts(crm) == before and requests.get(request) == twice


def test_the_ccpa_clock_runs_through_verification(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(LOS_ANGELES)
    received = _at("2025-03-31", 10, LOS_ANGELES.zone)
    request = crm.privacy.requests.open(
        right="access", channel="web_form", regimes=["us-ca-ccpa", "eu-gdpr"], requester=EMAIL,
        received_at=received,
    )
    crm.privacy.requests.pause(request, reason="identity", at=received + dt.timedelta(days=1))
    later = crm.privacy.requests.resume(request, at=received + dt.timedelta(days=6))
    found = later.regime_deadlines()
    assert found["us-ca-ccpa"].due_date == dt.date(2025, 5, 14)  # unmoved (11 CCR §7021(b))
    assert found["eu-gdpr"].due_date == dt.date(2025, 5, 5)  # 30 April, moved by five days
    assert later.deadline().regime == "eu-gdpr"


def test_overdue_and_due_soon_lists_page_through_one_query_each(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    crm.privacy.requests.set_calendar(TORONTO, regime="ca-pipeda")
    requests = crm.privacy.requests
    days = ["2025-09-01", "2025-09-02", "2025-09-03", "2025-09-04", "2025-09-05"]
    opened = [
        requests.open(right="erasure", channel="email", regimes=["eu-gdpr"], requester=EMAIL,
                      received_at=_at(day))
        for day in days
    ]
    pipeda = requests.open(
        right="access", channel="letter", regimes=["ca-pipeda"], requester=EMAIL,
        received_at=_at("2025-09-01", 12, TORONTO.zone),
    )
    requests.complete(opened[1], summary="erased", at=_at("2025-09-20"))
    requests.pause(opened[2], reason="identity", at=_at("2025-09-20"))
    at = _at("2025-10-15")
    pages, cursor = [], None
    while True:
        page = requests.overdue(at=at, after=cursor, limit=2)
        pages.append([item.id for item in page])
        cursor = page.next_cursor
        if cursor is None:
            break
    listed = [item for page in pages for item in page]
    # 1 October ends in Vilnius before it ends in Toronto
    assert listed == [opened[0].id, pipeda.id, opened[3].id, opened[4].id]
    assert [len(page) for page in pages] == [2, 2]
    first = requests.overdue(at=at, limit=10).items
    assert first[1].deemed_refused == ("ca-pipeda",) and first[0].deemed_refused == ()
    assert first[0].due_at == VILNIUS.end_of(dt.date(2025, 10, 1)) and first[0].overdue_at(at)
    assert first[1].due_at == TORONTO.end_of(dt.date(2025, 10, 1))
    # 4 and 5 October are a weekend: both are due on Monday the 6th, listed by id
    soon = requests.due_soon(at=_at("2025-10-05", 12), within=dt.timedelta(days=2)).items
    assert [item.id for item in soon] == [opened[3].id, opened[4].id]
    assert requests.due_soon(at=_at("2025-10-05", 12), within=dt.timedelta(days=1)).items == []
    assert requests.overdue(at=_at("2025-09-01")).items == []
    statements: list[str] = []
    from sqlalchemy import event

    def log(*args: Any) -> None:
        statements.append(args[2])

    event.listen(crm._engine, "before_cursor_execute", log)
    try:
        requests.overdue(at=at, limit=10)
    finally:
        event.remove(crm._engine, "before_cursor_execute", log)
    assert sum("privacy_requests" in s for s in statements) == 1
    with pytest.raises(gc.InvalidInput):
        requests.overdue(at=at, after="not a cursor")
    with pytest.raises(gc.InvalidInput):
        requests.due_soon(at=at, within=dt.timedelta(0))


def test_a_requester_is_linked_to_the_customer_they_proved_to_be(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    jonas = _person(crm)
    request = crm.privacy.requests.open(
        right="access", channel="email", regimes=["eu-gdpr"], requester=EMAIL,
        received_at=_at("2025-09-03"),
    )
    assert crm.privacy.requests.for_customer(jonas) == []
    with pytest.raises(gc.NotFound):
        crm.privacy.requests.verify(request, method="id_document", customer="01" + "A" * 24)
    verified = crm.privacy.requests.verify(
        request, method="id_document", customer=jonas, at=_at("2025-09-04")
    )
    assert verified.customer_id == jonas.id and verified.status == "in_progress"
    assert crm.privacy.requests.for_customer(jonas.id) == [verified]
    with crm._engine.connect() as connection:
        e = tables.privacy_request_events.c
        linked = connection.execute(
            select(e.customer_id).where(e.request_id == request.id)
        ).scalars().all()
    assert linked == [jonas.id, jonas.id]
    entries = [e for e in crm.privacy.audit_entries() if e.entity_ref == request.id]
    assert [e.action for e in entries] == ["request.opened", "request.identity_verified"]
    assert entries[-1].subject_ref == jonas.id


def test_steps_join_the_audit_log_without_personal_data(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    requests = crm.privacy.requests
    request = requests.open(
        right="erasure", channel="phone", regimes=["eu-gdpr"], requester=EMAIL,
        received_at=_at("2025-09-03"),
    )
    requests.extend(
        request, reason="Jonas Petraitis asked for 12 systems", notice_sent_at=_at("2025-09-04"),
        at=_at("2025-09-04"),
    )
    done = requests.reject(
        request, ground="manifestly_unfounded", cite="GDPR Art. 12(5)(b)", at=_at("2025-09-05")
    )
    assert [e.kind for e in requests.history(request.id)] == ["opened", "extended", "rejected"]
    assert done.events[1].note == "Jonas Petraitis asked for 12 systems"
    assert "Jonas" not in repr(done) and "jonas" not in repr(done.events[1])
    text = json.dumps([e.payload for e in crm.privacy.audit_entries()], default=str)
    assert "Petraitis" not in text and EMAIL not in text
    assert "manifestly_unfounded" in text and "GDPR Art. 12(5)(b)" in text
    assert crm.privacy.verify_audit() is None
    with pytest.raises(gc.RuleViolation, match="already rejected"):
        requests.complete(request, at=_at("2025-09-06"))


def test_a_step_against_a_changed_request_is_a_conflict(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    request = crm.privacy.requests.open(
        _person(crm), right="access", channel="email", received_at=_at("2025-09-03")
    )
    crm.privacy.requests.verify(request, method="login", at=_at("2025-09-04"))
    stale = request.complete(at=_at("2025-09-05"))
    with crm.transaction() as tx, tx._context.work() as uow, pytest.raises(gc.Conflict):
        uow.requests.save(request, stale)
    with pytest.raises(gc.NotFound):
        crm.privacy.requests.get("01" + "B" * 24)


def test_an_altered_request_row_is_not_believed(crm: gc.CRM) -> None:
    crm.privacy.requests.set_calendar(VILNIUS)
    request = crm.privacy.requests.open(
        _person(crm), right="access", channel="email", received_at=_at("2025-09-03")
    )
    with crm._engine.begin() as connection:
        connection.execute(
            update(tables.privacy_requests)
            .where(tables.privacy_requests.c.id == request.id)
            .values(version=5)
        )
    with pytest.raises(gc.StorageError, match="privacy_requests row") as caught:
        crm.privacy.requests.get(request)
    assert caught.value.__cause__ is None


def test_breach_clocks_use_the_configured_calendars(crm: gc.CRM) -> None:
    aware = dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    gdpr = crm.privacy.breach_deadlines(aware, regimes=["eu-gdpr", "in-dpdp", "kr-pipa"])
    assert {item.due_at for item in gdpr} == {dt.datetime(2025, 10, 28, 22, 30, tzinfo=dt.UTC)}
    with pytest.raises(gc.RuleViolation, match="br-lgpd counts its breach period"):
        crm.privacy.breach_deadlines(aware, regimes=["br-lgpd"])
    crm.privacy.requests.set_calendar(VILNIUS)
    crm.privacy.requests.set_calendar(SAO_PAULO, regime="br-lgpd")
    found = {
        item.regime: item
        for item in crm.privacy.breach_deadlines(
            aware, regimes=["br-lgpd", "us-ca-ccpa", "jp-appi"], unlawful_purpose=True
        )
    }
    # aware on Saturday 25 October in São Paulo: Mon 27, Tue 28, Wed 29 October
    assert found["br-lgpd"].due_at == SAO_PAULO.end_of(dt.date(2025, 10, 29))
    assert found["us-ca-ccpa"].due_at == VILNIUS.end_of(dt.date(2025, 11, 25))
    assert found["jp-appi"].due_at == VILNIUS.end_of(dt.date(2025, 12, 25))  # 60 days
    with pytest.raises(gc.InvalidInput):
        crm.privacy.breach_deadlines(aware, regimes=["mars-law"])
