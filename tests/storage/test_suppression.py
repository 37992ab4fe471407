"""After erasure (privacy.md scenario 32), on SQLite and PostgreSQL: a new grant is refused, a
withdrawal or an unsubscribe is accepted and lands on the suppression list, and a later add or
import of the address is flagged; nothing personal about the erased customer is written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

import globalcrm as gc
from globalcrm.errors import InvalidInput, RuleViolation
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.storage import tables

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(days=3)
OTHER = "jonas.work@example.lt"


def _setup(crm: gc.CRM) -> tuple[gc.Customer, str]:
    crm.privacy.add_purpose(Purpose(
        key="newsletter", version=1, name="Newsletter", dpv_purpose="dpv:DirectMarketing",
        legal_basis={"eu-gdpr": "consent"}, channels=("email", "sms"), direct_marketing=True,
        categories=frozenset({"direct_marketing"}), kantara_category=6))
    notice = crm.privacy.add_notice(publish_notice(
        "newsletter", 1, language="lt", title="Naujienlaiškis", body="Sutinku.",
        effective_from=T0 - dt.timedelta(days=10)))
    jonas = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Jonas", locale="lt"), country="LT", language="lt",
        time_zone="Europe/Vilnius", currency="EUR",
        emails=[gc.EmailAddress(address="jonas@example.lt")]), now=T0)
    crm.privacy.record(jonas, purpose="newsletter", channel="email", state="given", now=T0,
                       notice_id=notice.id, contact_point_ref="jonas@example.lt",
                       evidence={"ip": "203.0.113.5"})
    crm.privacy.erase(jonas, now=T0 + dt.timedelta(days=1))
    return jonas, notice.id


def _add(crm: gc.CRM, email: str) -> gc.Customer:
    return crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Kitas", locale="lt"), country="LT", language="lt",
        time_zone="Europe/Vilnius", currency="EUR", emails=[gc.EmailAddress(address=email)]),
        now=LATER)


def _live_keys(crm: gc.CRM, subject: str) -> int:
    k = tables.subject_keys.c
    with crm._engine.connect() as connection:
        return int(connection.execute(
            select(func.count()).where(k.subject_ref == subject, k.destroyed_at.is_(None))
        ).scalar_one())


def test_after_erasure_a_grant_is_refused_and_a_withdrawal_is_suppressed(crm: gc.CRM) -> None:
    jonas, notice = _setup(crm)
    with pytest.raises(RuleViolation) as caught:
        crm.privacy.record(jonas.id, purpose="newsletter", channel="email", state="given",
                           now=LATER, notice_id=notice)
    assert caught.value.field == "state"
    ledger = len(crm.privacy.history(jonas.id))
    event = crm.privacy.record(
        jonas.id, purpose="newsletter", channel="email", state="withdrawn", now=LATER,
        contact_point_ref=OTHER, evidence={"ip": "203.0.113.9"},
        collection_method="unsubscribe_link",
    )
    assert (event.state, event.contact_point_ref, event.evidence) == ("withdrawn", None, None)
    assert event.collection_method == "unsubscribe_link"
    assert len(crm.privacy.history(jonas.id)) == ledger + 1
    assert _live_keys(crm, jonas.id) == 0  # nothing sealed again for them
    assert crm.privacy.erase(jonas.id, now=LATER).repeated  # still fully erased
    assert crm.privacy.scan([OTHER, "203.0.113.9"]) == []  # only its digest is kept
    for email in (OTHER.upper(), "jonas@example.lt"):  # the new address and the erased one
        with pytest.raises(RuleViolation) as refused:
            _add(crm, email)
        assert refused.value.field == "emails[0]"
    report = crm.customers.import_rows([{
        "given": "Kitas", "country": "LT", "language": "lt", "time_zone": "Europe/Vilnius",
        "currency": "EUR", "emails": OTHER}])
    assert [error.code for error in report.errors] == ["suppressed"]
    # an objection by an international number is suppressed too; an opaque reference is dropped
    crm.privacy.record(jonas.id, purpose="newsletter", channel="sms", state="objected",
                       now=LATER, contact_point_ref="+370 612 34567")
    crm.privacy.record(jonas.id, purpose="newsletter", channel="sms", state="withdrawn",
                       now=LATER, contact_point_ref="cp-17")
    with pytest.raises(RuleViolation):
        crm.customers.add(gc.Customer(
            name=gc.PersonName(given="Kitas", locale="lt"), country="LT", language="lt",
            time_zone="Europe/Vilnius", currency="EUR",
            phones=[gc.PhoneNumber.parse("+37061234567")]), now=LATER)
    assert crm.privacy.scan(["cp-17"]) == []
    assert crm.privacy.verify().ok


def test_suppress_puts_an_address_on_the_list_unless_a_stored_customer_has_it(
    crm: gc.CRM,
) -> None:
    _setup(crm)
    assert crm.privacy.suppress(email="Ona@Example.LT", now=LATER) == 1
    assert crm.privacy.suppress(email="ona@example.lt", now=LATER) == 0  # already there
    assert crm.privacy.suppress(phone="8 612 34568", region="LT", now=LATER) == 1
    with pytest.raises(RuleViolation):
        _add(crm, "ona@example.lt")
    petras = _add(crm, "petras@example.lt")
    with pytest.raises(RuleViolation) as live:
        crm.privacy.suppress(email="PETRAS@example.lt", now=LATER)
    assert live.value.field == "email" and "crm.privacy.record" in str(live.value)
    for bad, field in ((dict(), "email"), (dict(email="not an address"), "email.address"),
                       (dict(phone="12"), "phone")):
        with pytest.raises(InvalidInput) as caught:
            crm.privacy.suppress(**bad)
        assert str(caught.value.field).startswith(field)
    assert crm.customers.get(petras.id).emails[0].address == "petras@example.lt"
    assert crm.privacy.scan(["ona@example.lt", "Ona@Example.LT", "+37061234568"]) == []
    actions = [entry.action for entry in crm.privacy.audit_entries()]
    assert actions.count("suppression.added") == 3
    assert crm.privacy.verify().ok
