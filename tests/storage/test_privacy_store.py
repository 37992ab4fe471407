"""The consent ledger and audit log in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update

import globalcrm as gc
from globalcrm.privacy import Purpose, publish_notice, receipts
from globalcrm.privacy.consent import replay
from globalcrm.storage import tables

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
CONTROLLER = receipts.PiiController(
    pii_controller="GlobalCRM UAB",
    contact="Data Protection Officer",
    address={"streetAddress": "Gedimino pr. 9", "addressCountry": "LT"},
    email="dpo@example.lt",
    phone="+370 5 000 0000",
)


def newsletter(**changes: Any) -> Purpose:
    values: dict[str, Any] = dict(
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
    values.update(changes)
    return Purpose(**values)


def person(crm: gc.CRM, country: str = "LT", **changes: Any) -> gc.Customer:
    zones = {"LT": "Europe/Vilnius", "DE": "Europe/Berlin", "FI": "Europe/Helsinki"}
    values: dict[str, Any] = dict(
        name=gc.PersonName(given="Ona", locale="lt"),
        country=country,
        language="lt",
        time_zone=zones[country],
        currency="EUR",
    )
    values.update(changes)
    return crm.customers.add(gc.Customer(**values))


@pytest.fixture
def notice_id(crm: gc.CRM) -> str:
    crm.privacy.add_purpose(newsletter())
    notice = publish_notice(
        "newsletter",
        1,
        language="lt",
        title="Naujienlaiškis",
        body="Sutinku gauti naujienlaiškį.",
        effective_from=T0,
    )
    return crm.privacy.add_notice(notice).id


def test_grant_withdraw_and_reasons(crm: gc.CRM, notice_id: str) -> None:
    ona = person(crm)
    decision = crm.privacy.can_contact(ona, purpose="newsletter", channel="email", at=T0)
    assert (decision.allowed, decision.rule) == (False, "no_consent")
    given_event = crm.privacy.record(
        ona,
        purpose="newsletter",
        channel="email",
        state="given",
        now=T0,
        notice_id=notice_id,
        evidence={"form": "signup", "ip": "203.0.113.7"},
    )
    allowed = crm.privacy.can_contact(
        ona.id, purpose="newsletter", channel="email", at=T0 + dt.timedelta(hours=1)
    )
    assert (allowed.allowed, allowed.event_id, allowed.rule) == (
        True,
        given_event.event_id,
        "consent",
    )
    later = T0 + dt.timedelta(days=3)
    withdrawn = crm.privacy.record(
        ona, purpose="newsletter", channel="email", state="withdrawn", now=later
    )
    refused = crm.privacy.can_contact(ona, purpose="newsletter", channel="email", at=later)
    assert (refused.allowed, refused.event_id, refused.rule) == (
        False,
        withdrawn.event_id,
        "state_withdrawn",
    )
    history = crm.privacy.history(ona)
    assert [e.state for e in history] == ["given", "withdrawn"]
    assert history[0].notice_sha256 is not None and history[0].evidence is not None
    assert b"203.0.113.7" not in history[0].evidence.blob  # sealed, not stored in clear


def test_late_older_event_never_overrides_a_newer_one(crm: gc.CRM, notice_id: str) -> None:
    ona = person(crm)
    now = T0 + dt.timedelta(days=10)
    crm.privacy.record(
        ona,
        purpose="newsletter",
        channel="email",
        state="withdrawn",
        occurred_at=T0 + dt.timedelta(days=5),
        now=now,
    )
    crm.privacy.record(
        ona,
        purpose="newsletter",
        channel="email",
        state="given",
        occurred_at=T0 + dt.timedelta(days=1),
        now=now,
        notice_id=notice_id,
    )
    assert not crm.privacy.can_contact(ona, purpose="newsletter", channel="email", at=now).allowed
    assert crm.privacy.audience(purpose="newsletter", channel="email", at=now) == []


def test_idempotency_key_returns_the_first_event(crm: gc.CRM, notice_id: str) -> None:
    ona = person(crm)
    first = crm.privacy.record(
        ona,
        purpose="newsletter",
        channel="email",
        state="given",
        now=T0,
        notice_id=notice_id,
        idempotency_key="form-77",
    )
    again = crm.privacy.record(
        ona,
        purpose="newsletter",
        channel="email",
        state="given",
        now=T0,
        notice_id=notice_id,
        idempotency_key="form-77",
    )
    assert again.event_id == first.event_id
    assert len(crm.privacy.history(ona)) == 1
    with pytest.raises(gc.Conflict):
        crm.privacy.record(
            ona,
            purpose="newsletter",
            channel="sms",
            state="given",
            now=T0,
            notice_id=notice_id,
            idempotency_key="form-77",
        )


def test_double_opt_in_with_single_use_hashed_tokens(crm: gc.CRM, notice_id: str) -> None:
    crm.privacy.add_purpose(newsletter(key="offers", requires_double_opt_in=True))
    offers = publish_notice(
        "offers", 1, language="lt", title="Pasiūlymai", body="Sutinku.", effective_from=T0
    )
    crm.privacy.add_notice(offers)
    ona = person(crm)
    stale = crm.privacy.request_double_opt_in(ona, purpose="offers", channel="email", now=T0)
    token = crm.privacy.request_double_opt_in(ona, purpose="offers", channel="email", now=T0)
    crm.privacy.record(
        ona, purpose="offers", channel="email", state="given", now=T0, notice_id=offers.id
    )
    pending = crm.privacy.can_contact(ona, purpose="offers", channel="email", at=T0)
    assert pending.rule == "double_opt_in_pending"
    with crm._engine.connect() as connection:
        stored = set(connection.scalars(select(tables.opt_in_tokens.c.token_sha256)))
    assert token not in stored and len(stored) == 2  # only hashes are stored
    with pytest.raises(gc.RuleViolation, match="superseded"):
        crm.privacy.confirm_double_opt_in(stale, now=T0 + dt.timedelta(minutes=1))
    confirmed = crm.privacy.confirm_double_opt_in(token, now=T0 + dt.timedelta(minutes=2))
    assert confirmed.confirmed_at == T0 + dt.timedelta(minutes=2)
    assert crm.privacy.can_contact(
        ona, purpose="offers", channel="email", at=T0 + dt.timedelta(hours=1)
    ).allowed
    with pytest.raises(gc.RuleViolation, match="used"):
        crm.privacy.confirm_double_opt_in(token, now=T0 + dt.timedelta(minutes=3))
    with pytest.raises(gc.NotFound):
        crm.privacy.confirm_double_opt_in("no-such-token", now=T0)


def test_a_minor_needs_a_guardian(crm: gc.CRM, notice_id: str) -> None:
    lena = person(crm, "DE", birth_date=dt.date(2012, 3, 1))  # 14: Germany's age is 16
    with pytest.raises(gc.RuleViolation):
        crm.privacy.record(
            lena, purpose="newsletter", channel="email", state="given", now=T0, notice_id=notice_id
        )
    assert crm.privacy.history(lena) == []
    event = crm.privacy.record(
        lena,
        purpose="newsletter",
        channel="email",
        state="given",
        now=T0,
        notice_id=notice_id,
        actor_kind="guardian",
        actor_ref="parent-1",
        guardian_verification="id_document",
        age_assurance="guardian_verified",
    )
    assert event.actor_kind == "guardian"
    assert crm.privacy.can_contact(
        lena, purpose="newsletter", channel="email", at=T0 + dt.timedelta(hours=1)
    ).allowed


def test_concurrent_writers_never_lose_an_event(crm: gc.CRM, notice_id: str) -> None:
    people = [person(crm) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def write(customer: gc.Customer) -> None:
        barrier.wait()
        for n in range(5):
            for attempt in range(20):
                try:
                    crm.privacy.record(
                        customer,
                        purpose="newsletter",
                        channel="email",
                        state="given" if n % 2 == 0 else "withdrawn",
                        now=T0 + dt.timedelta(minutes=n),
                        notice_id=notice_id,
                    )
                    break
                except gc.Conflict as error:  # a lost race is reported; the writer retries
                    if attempt == 19:
                        errors.append(error)

    threads = [threading.Thread(target=write, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert crm.privacy.verify_ledger() is None
    seqs = [e.seq for p in people for e in crm.privacy.history(p) if e.seq is not None]
    assert sorted(seqs) == list(range(20))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["given", "withdrawn", "refused", "objected", "renewed"]),
            st.integers(0, 10_000),
            st.sampled_from(["email", "sms"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_projection_equals_the_replay_of_the_ledger(
    crm: gc.CRM, notice_id: str, steps: list[tuple[str, int, str]]
) -> None:
    ona = person(crm)
    now = T0 + dt.timedelta(days=30)
    for state, minutes, channel in steps:  # arrival order is not event-time order
        consent_type = "explicit" if state == "given" else "expressed"
        try:
            crm.privacy.record(
                ona,
                purpose="newsletter",
                channel=channel,
                state=state,
                occurred_at=T0 + dt.timedelta(minutes=minutes),
                now=now,
                notice_id=notice_id,
                consent_type=consent_type,
            )
        except gc.RuleViolation:
            continue
    events = crm.privacy.history(ona)
    expected = replay(events)
    from globalcrm.storage.unit_of_work import UnitOfWork

    with UnitOfWork(crm._engine, crm.tenant, write=False) as uow:
        stored = {
            (s.purpose_key, s.channel, s.contact_point_ref): s
            for s, _ in uow.consent.states(ona.id)
        }
    assert stored == expected
    for channel in ("email", "sms"):
        allowed = crm.privacy.can_contact(
            ona, purpose="newsletter", channel=channel, at=now
        ).allowed
        in_audience = ona.id in crm.privacy.audience(purpose="newsletter", channel=channel, at=now)
        assert allowed == in_audience


def _schema() -> dict[str, Any]:
    path = (
        Path(__file__).resolve().parents[3] / "shared/conformance/privacy/"
        "kantara-consent-receipt-v1.1/schema-draft6.jsonc"
    )
    result: dict[str, Any] = json.loads(re.sub(r"(?m)^\s*//.*$", "", path.read_text()))
    return result


def test_receipt_validates_against_the_kantara_schema(crm: gc.CRM, notice_id: str) -> None:
    ona = person(crm)
    crm.privacy.record(
        ona,
        purpose="newsletter",
        channel="email",
        state="given",
        now=T0,
        notice_id=notice_id,
        consent_type="explicit",
    )
    data = crm.privacy.receipt(
        ona,
        controller=CONTROLLER,
        jurisdiction="LT",
        policy_url="https://example.lt/privacy",
        service="Newsletter",
        pii_categories={"newsletter": ["2 - Contact"]},
        at=T0 + dt.timedelta(hours=1),
    )
    assert list(jsonschema.Draft4Validator(_schema()).iter_errors(data)) == []
    assert data["piiPrincipalId"] == ona.id


def _tamper(crm: gc.CRM, how: str) -> None:
    a = tables.audit_entries.c
    with crm._engine.begin() as connection:
        if how == "edit":
            connection.execute(
                update(tables.audit_entries).where(a.seq == 2).values(payload={"forged": True})
            )
        elif how == "delete":
            connection.execute(delete(tables.audit_entries).where(a.seq == 2))
        elif how == "swap":
            connection.execute(update(tables.audit_entries).where(a.seq == 2).values(seq=-1))
            connection.execute(update(tables.audit_entries).where(a.seq == 3).values(seq=2))
            connection.execute(update(tables.audit_entries).where(a.seq == -1).values(seq=3))
        elif how == "truncate":
            last = connection.execute(select(a.seq).order_by(a.seq.desc()).limit(1)).scalar()
            connection.execute(delete(tables.audit_entries).where(a.seq == last))


@pytest.mark.parametrize(
    ("how", "first_bad"), [("edit", 2), ("delete", 2), ("swap", 2), ("truncate", None)]
)
def test_audit_verify_reports_the_first_tampered_entry(
    crm: gc.CRM, notice_id: str, how: str, first_bad: int | None
) -> None:
    ona = person(crm)
    for n in range(3):
        crm.privacy.record(
            ona,
            purpose="newsletter",
            channel="email",
            state="given" if n % 2 == 0 else "withdrawn",
            now=T0 + dt.timedelta(minutes=n),
            notice_id=notice_id,
        )
    checkpoint = crm.privacy.checkpoint()
    assert crm.privacy.verify_audit(checkpoint=checkpoint) is None
    size = checkpoint.tree_size
    _tamper(crm, how)
    if how == "truncate":  # the chain's head knows where it ended, and so does the checkpoint
        assert crm.privacy.verify_audit() == size - 1
        assert crm.privacy.verify_audit(checkpoint=checkpoint) == size - 1
    else:
        assert crm.privacy.verify_audit() == first_bad


def test_ledger_tampering_is_detected(crm: gc.CRM, notice_id: str) -> None:
    ona = person(crm)
    for n in range(3):
        crm.privacy.record(
            ona,
            purpose="newsletter",
            channel="email",
            state="given" if n % 2 == 0 else "withdrawn",
            now=T0 + dt.timedelta(minutes=n),
            notice_id=notice_id,
        )
    e = tables.consent_events.c
    with crm._engine.begin() as connection:
        document = connection.execute(select(e.document).where(e.seq == 1)).scalar_one()
        forged = document.replace('"withdrawn"', '"given"')
        connection.execute(update(tables.consent_events).where(e.seq == 1).values(document=forged))
    assert crm.privacy.verify_ledger() == 1


def test_audience_is_one_query_equal_to_can_contact(crm: gc.CRM, notice_id: str) -> None:
    people = [person(crm) for _ in range(6)]
    states = ["given", "refused", None, "given", "objected", "withdrawn"]
    for customer, state in zip(people, states, strict=True):
        if state is not None:
            crm.privacy.record(
                customer,
                purpose="newsletter",
                channel="email",
                state=state,
                now=T0,
                notice_id=notice_id,
            )
    at = T0 + dt.timedelta(hours=1)
    audience = crm.privacy.audience(purpose="newsletter", channel="email", at=at)
    expected = sorted(
        p.id
        for p in people
        if crm.privacy.can_contact(p, purpose="newsletter", channel="email", at=at).allowed
    )
    assert audience == expected == sorted([people[0].id, people[3].id])
    with crm._engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM consent_states")).scalar() == 5
