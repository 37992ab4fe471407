"""crm.surveys and crm.care on SQLite and PostgreSQL: answers stored, asked through crm.messages.

An answer about a case takes the case's channel, team and tier; a second answer about the same
case replaces the first; asking keeps consent (a channel the customer withdrew is passed over)
and contact hours (at night the invitation is planned for the morning, nothing is sent);
erasing unlinks the answers and keeps the scores.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.errors import InvalidFormat, InvalidInput, NotFound
from globalcrm.messages import Message
from globalcrm.privacy import Purpose

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)  # Thursday, 12:00 in Vilnius
NIGHT = dt.datetime(2026, 12, 3, 22, 0, tzinfo=dt.UTC)  # midnight in Vilnius


class Outbox:
    """A channel adapter that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> str:
        self.sent.append(message)
        return f"provider-{len(self.sent)}"


def _service_purpose(crm: gc.CRM) -> None:
    crm.privacy.add_purpose(Purpose(
        key="service", version=1, name="Service messages", dpv_purpose="dpv:ServiceProvision",
        legal_basis={"eu-gdpr": "contract"}, kantara_category=1,
    ))


def _jonas(crm: gc.CRM, **changes: Any) -> gc.Customer:
    values: dict[str, Any] = dict(
        name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"),
        country="LT", language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=["Jonas.Petraitis@example.lt"], gender="male", formality="formal",
        contact_hours=gc.ContactHours(start="09:00", end="18:00", weekdays=(1, 2, 3, 4, 5)),
    )
    values.update(changes)
    return crm.customers.add(gc.Customer(**values), now=NOW - dt.timedelta(days=1))


def test_an_answer_about_a_case_takes_its_channel_team_and_tier(crm: gc.CRM) -> None:
    jonas = _jonas(crm)
    case = crm.service.open_case(jonas, channel="whatsapp", body="Sveiki", tier="gold",
                                 now=NOW - dt.timedelta(hours=3))
    answer = crm.surveys.record(jonas, kind="csat", score=4, case=case, comment="Greitai",
                                answered_at=NOW - dt.timedelta(hours=1), now=NOW)
    assert (answer.channel, answer.tier, answer.language, answer.case_id) == (
        "whatsapp", "gold", "lt", case.id
    )
    assert answer.satisfied and not answer.negative
    assert "Greitai" not in repr(answer)
    changed = crm.surveys.record(jonas, kind="csat", score=2, case=case.id, now=NOW)
    assert changed.id == answer.id
    stored = crm.surveys.answers(jonas)
    assert [(a.id, a.score, a.comment) for a in stored] == [(answer.id, 2, None)]
    other = crm.surveys.record(jonas, kind="nps", score=9, channel="email", now=NOW)
    assert {a.id for a in crm.surveys.answers(jonas)} == {answer.id, other.id}


def test_bad_answers_change_nothing(crm: gc.CRM) -> None:
    jonas = _jonas(crm)
    ona = _jonas(crm, name=gc.PersonName(given="Ona", surname="Jonaitė", locale="lt"),
                 gender="female")
    case = crm.service.open_case(ona, channel="email", body="Sveiki", now=NOW)
    with pytest.raises(InvalidInput) as caught:
        crm.surveys.record(jonas, kind="nps", score=11, channel="email", now=NOW)
    assert caught.value.field == "score"
    with pytest.raises(InvalidInput) as caught:
        crm.surveys.record(jonas, kind="csat", score=5, case=case, now=NOW)
    assert caught.value.field == "case"
    with pytest.raises(InvalidInput) as caught:
        crm.surveys.record(jonas, kind="ces", score=5, now=NOW)  # no channel, nothing rated
    assert caught.value.field == "channel"
    with pytest.raises((InvalidInput, InvalidFormat)):
        crm.surveys.record(jonas, kind="mood", score=5, channel="email", now=NOW)
    with pytest.raises(NotFound):
        crm.surveys.record(jonas, kind="csat", score=5, case="01JAAAAAAAAAAAAAAAAAAAAAAA",
                           now=NOW)
    assert crm.surveys.answers(jonas) == []


def test_asking_keeps_consent_and_contact_hours(crm: gc.CRM) -> None:
    _service_purpose(crm)
    jonas = _jonas(crm)
    outbox = Outbox()
    night = crm.surveys.ask(jonas, purpose="service", adapter=outbox, brand="Acme",
                            survey_url="https://acme.example/s/1", now=NIGHT)
    assert night.status == "deferred" and outbox.sent == []
    assert night.plan.send_at == dt.datetime(2026, 12, 4, 7, 0, tzinfo=dt.UTC)  # 09:00 local
    day = crm.surveys.ask(jonas, purpose="service", adapter=outbox, brand="Acme",
                          survey_url="https://acme.example/s/1", now=NOW)
    assert day.status == "sent" and day.plan.channel == "email"
    [message] = outbox.sent
    assert message.template == "survey_invitation"
    assert "https://acme.example/s/1" in message.text
    question = crm.surveys.question("nps", jonas, brand="Acme")
    assert question.locale == "lt" and "Acme" in question.text


def test_a_customer_with_no_usable_channel_is_told_nothing(crm: gc.CRM) -> None:
    _service_purpose(crm)
    jonas = _jonas(crm, emails=[])
    outbox = Outbox()
    notice = crm.care.notify(jonas, event="order_delayed", purpose="service", adapter=outbox,
                             now=NOW, order="A-1", expected=dt.date(2026, 12, 9), brand="Acme")
    assert notice.status == "unreachable" and outbox.sent == []
    assert ("email", "no contact point on this channel") in notice.plan.skipped


def test_a_delayed_order_goes_on_the_preferred_usable_channel(crm: gc.CRM) -> None:
    _service_purpose(crm)
    jonas = _jonas(crm, phones=["8 612 34567"], preferred_channels=["sms", "email"])
    outbox = Outbox()
    notice = crm.care.notify(jonas, event="order_delayed", purpose="service", adapter=outbox,
                             now=NOW, order="A-1", expected=dt.date(2026, 12, 9), brand="Acme")
    assert notice.status == "sent" and notice.plan.channel == "sms"
    assert "A-1" in outbox.sent[0].text


def test_erasure_unlinks_the_answers_and_keeps_the_scores(crm: gc.CRM, backend: Any) -> None:
    jonas = _jonas(crm)
    crm.surveys.record(jonas, kind="nps", score=3, channel="email", comment="Lėtai", now=NOW)
    crm.privacy.erase(jonas, now=NOW)  # the registry nulls the links and the comment
    [kept] = crm.surveys.all()
    assert (kept.customer_id, kept.comment, kept.score, kept.kind) == (None, None, 3, "nps")
    assert crm.privacy.scan(["Lėtai"]) == []


def test_deleting_the_customer_unlinks_their_answers(crm: gc.CRM) -> None:
    jonas = _jonas(crm)
    ona = _jonas(crm, name=gc.PersonName(given="Ona", surname="Jonaitė", locale="lt"),
                 gender="female")
    crm.surveys.record(jonas, kind="csat", score=1, channel="email", comment="Blogai", now=NOW)
    crm.surveys.record(ona, kind="csat", score=5, channel="email", comment="Gerai", now=NOW)
    crm.customers.delete(jonas)
    kept = {(a.customer_id, a.comment, a.score) for a in crm.surveys.all()}
    assert kept == {(None, None, 1), (ona.id, "Gerai", 5)}
    assert crm.metrics.report("csat", now=NOW + dt.timedelta(minutes=1)).rows[0].get(
        "csat").count == 2
