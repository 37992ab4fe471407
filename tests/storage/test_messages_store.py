"""crm.messages on SQLite and PostgreSQL: render from the store, send in one transaction.

Every refusal or failure before the commit (no consent, a veto, a failing plugin, a failing
channel adapter) leaves nothing recorded and nothing sent; a failing observer after the commit
leaves the message recorded, and says so.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.demo_data import ECB_SAMPLE
from globalcrm.errors import PluginError, RuleViolation
from globalcrm.interactions import Interaction
from globalcrm.message_delivery import MessageDraft
from globalcrm.messages import Message, MessageTemplate
from globalcrm.money import money
from globalcrm.plugins import hookimpl
from globalcrm.privacy import Purpose, publish_notice

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)  # Thursday, 12:00 in Vilnius
NIGHT = dt.datetime(2026, 12, 3, 22, 0, tzinfo=dt.UTC)  # midnight in Vilnius
FRIDAY_AFTER_THE_RATES = dt.datetime(2026, 11, 20, 16, 0, tzinfo=dt.UTC)  # ECB_SAMPLE's day
WELCOME_VALUES: dict[str, Any] = {"brand": "Acme"}


@pytest.fixture(autouse=True)
def _no_plugins_left(crm: gc.CRM) -> Iterator[None]:
    """The PostgreSQL store is shared between tests: take this test's plugins away after it."""
    yield
    for name in crm.plugins.names():
        crm.plugins.unregister(name)


class Outbox:
    """A channel adapter that keeps what it was given (the application's e-mail/SMS sender)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.sent: list[Message] = []
        self.fail = fail

    def send(self, message: Message) -> str:
        if self.fail:
            raise ConnectionError("smtp.example.com refused Jonas.Petraitis@example.lt")
        self.sent.append(message)
        return f"provider-{len(self.sent)}"


def _purposes(crm: gc.CRM) -> None:
    crm.privacy.add_purpose(
        Purpose(
            key="service",
            version=1,
            name="Service messages",
            dpv_purpose="dpv:ServiceProvision",
            legal_basis={"eu-gdpr": "contract"},
            kantara_category=1,
        )
    )
    crm.privacy.add_purpose(
        Purpose(
            key="newsletter",
            version=1,
            name="Newsletter",
            dpv_purpose="dpv:DirectMarketing",
            legal_basis={"eu-gdpr": "consent"},
            channels=("email",),
            direct_marketing=True,
            categories=frozenset({"direct_marketing"}),
            kantara_category=6,
        )
    )


def _jonas(crm: gc.CRM, **changes: Any) -> gc.Customer:
    values: dict[str, Any] = dict(
        name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"),
        country="LT",
        language="lt",
        time_zone="Europe/Vilnius",
        currency="EUR",
        emails=["Jonas.Petraitis@example.lt"],
        phones=["8 612 34567"],
        gender="male",
        formality="formal",
        contact_hours=gc.ContactHours(start="09:00", end="18:00", weekdays=(1, 2, 3, 4, 5)),
    )
    values.update(changes)
    return crm.customers.add(gc.Customer(**values), now=NOW - dt.timedelta(days=1))


def _recorded(crm: gc.CRM, customer: gc.Customer) -> list[Interaction]:
    return list(crm.interactions.timeline(customer))


def test_render_reads_the_customer_from_the_store(crm: gc.CRM) -> None:
    jonas = _jonas(crm)
    message = crm.messages.render("welcome", jonas.id, channel="email", now=NOW, brand="Acme")
    assert message.text.startswith("Gerbiamasis pone Petraiti,\n\ndėkojame")
    assert message.customer_id == jonas.id
    assert crm.messages.templates() == list(gc.messages.SHIPPED_TEMPLATES)
    assert crm.messages.template("welcome").name == "welcome"


def test_render_converts_with_the_stored_rates(crm: gc.CRM) -> None:
    crm.exchange_rates.import_ecb(io.BytesIO(ECB_SAMPLE.encode()), now=NOW)
    jonas = _jonas(crm)
    template = MessageTemplate.from_mapping(
        "price", {"en": {"text": "{{ price|money }}"}, "lt": {"text": "{{ price|money }}"}}
    )
    text = crm.messages.render(
        template, jonas, channel="sms", now=FRIDAY_AFTER_THE_RATES, price=money("11.592", "USD")
    ).text
    assert text.startswith("11,59\xa0USD ≈ 10,00\xa0€ (1 USD = ")
    assert "ECB" in text


def test_send_records_the_outbound_interaction_with_the_providers_reference(
    crm: gc.CRM,
) -> None:
    _purposes(crm)
    jonas = _jonas(crm)
    outbox = Outbox()
    delivery = crm.messages.send(
        "welcome",
        jonas,
        channel="email",
        purpose="service",
        adapter=outbox,
        now=NOW,
        conversation="onboarding-1",
        **WELCOME_VALUES,
    )
    assert delivery.status == "sent" and delivery.reference == "provider-1"
    assert outbox.sent == [delivery.message]
    assert delivery.message is not None and delivery.message.to == "Jonas.Petraitis@example.lt"
    [stored] = _recorded(crm, jonas)
    assert (stored.channel, stored.direction, stored.language) == ("email", "outbound", "lt")
    assert stored.body == delivery.message.text and stored.subject == "Acme: sveiki atvykę!"
    assert stored.conversation == "onboarding-1"
    assert stored.metadata == {
        "template": "welcome",
        "purpose": "service",
        "reference": "provider-1",
    }
    sms = crm.messages.send(
        "welcome",
        jonas.id,
        channel="sms",
        purpose="service",
        adapter=outbox,
        now=NOW,
        **WELCOME_VALUES,
    )
    assert sms.message is not None and sms.message.to == "+37061234567"


def test_no_consent_is_a_rule_violation_and_nothing_is_sent(crm: gc.CRM) -> None:
    _purposes(crm)
    jonas = _jonas(crm)
    outbox = Outbox()
    with pytest.raises(RuleViolation, match="consent") as caught:
        crm.messages.send(
            "welcome",
            jonas,
            channel="email",
            purpose="newsletter",
            adapter=outbox,
            now=NOW,
            **WELCOME_VALUES,
        )
    assert caught.value.field == "purpose"
    assert outbox.sent == [] and _recorded(crm, jonas) == []
    notice = crm.privacy.add_notice(
        publish_notice(
            "newsletter",
            1,
            language="lt",
            title="Naujienlaiškis",
            body="Sutinku gauti naujienlaiškį.",
            effective_from=NOW - dt.timedelta(days=9),
        )
    )
    crm.privacy.record(
        jonas,
        purpose="newsletter",
        channel="email",
        state="given",
        now=NOW - dt.timedelta(hours=1),
        notice_id=notice.id,
    )
    assert (
        crm.messages.send(
            "welcome",
            jonas,
            channel="email",
            purpose="newsletter",
            adapter=outbox,
            now=NOW,
            **WELCOME_VALUES,
        ).status
        == "sent"
    )
    with pytest.raises(RuleViolation):  # the purpose is not offered on SMS
        crm.messages.send(
            "welcome",
            jonas,
            channel="sms",
            purpose="newsletter",
            adapter=outbox,
            now=NOW,
            **WELCOME_VALUES,
        )


def test_outside_contact_hours_the_message_waits_with_the_time_it_may_go(crm: gc.CRM) -> None:
    _purposes(crm)
    jonas = _jonas(crm)
    outbox = Outbox()
    delivery = crm.messages.send(
        "welcome",
        jonas,
        channel="email",
        purpose="service",
        adapter=outbox,
        now=NIGHT,
        **WELCOME_VALUES,
    )
    assert delivery.status == "deferred" and delivery.message is None
    assert delivery.not_before == dt.datetime(2026, 12, 4, 7, 0, tzinfo=dt.UTC)  # 09:00 Vilnius
    assert outbox.sent == [] and _recorded(crm, jonas) == []
    urgent = crm.messages.send(
        "double_opt_in",
        jonas,
        channel="email",
        purpose="service",
        adapter=outbox,
        now=NIGHT,
        respect_contact_hours=False,
        brand="Acme",
        confirm_url="https://example.com/c/1",
        expires=NIGHT + dt.timedelta(hours=48),
    )
    assert urgent.status == "sent" and len(_recorded(crm, jonas)) == 1


def test_a_customer_without_an_address_on_the_channel_gets_nothing(crm: gc.CRM) -> None:
    _purposes(crm)
    jonas = _jonas(crm, handles=[])
    with pytest.raises(RuleViolation, match="contact point"):
        crm.messages.send(
            "welcome",
            jonas,
            channel="telegram",
            purpose="service",
            adapter=Outbox(),
            now=NOW,
            **WELCOME_VALUES,
        )
    assert _recorded(crm, jonas) == []


def test_a_plugin_may_change_the_message_before_it_is_sent(crm: gc.CRM) -> None:
    class Footer:
        @hookimpl
        def globalcrm_before_message(self, draft: MessageDraft, purpose: str) -> None:
            draft.text += f"\n\n({purpose})"

    crm.plugins.register(Footer())
    _purposes(crm)
    jonas = _jonas(crm)
    outbox = Outbox()
    crm.messages.send(
        "welcome",
        jonas,
        channel="email",
        purpose="service",
        adapter=outbox,
        now=NOW,
        **WELCOME_VALUES,
    )
    assert outbox.sent[0].text.endswith("Acme\n\n(service)")
    assert _recorded(crm, jonas)[0].body.endswith("(service)")


def test_a_veto_stops_the_message_and_records_nothing(crm: gc.CRM) -> None:
    class QuietDecember:
        @hookimpl
        def globalcrm_before_message(self, draft: MessageDraft) -> None:
            draft.veto("quiet_period")

    crm.plugins.register(QuietDecember())
    _purposes(crm)
    jonas = _jonas(crm)
    outbox = Outbox()
    with pytest.raises(RuleViolation, match=r"QuietDecember.*quiet_period"):
        crm.messages.send(
            "welcome",
            jonas,
            channel="email",
            purpose="service",
            adapter=outbox,
            now=NOW,
            **WELCOME_VALUES,
        )
    assert outbox.sent == [] and _recorded(crm, jonas) == []


def test_a_failing_plugin_before_the_send_rolls_everything_back(crm: gc.CRM) -> None:
    class Broken:
        @hookimpl
        def globalcrm_before_message(self, draft: MessageDraft) -> None:
            raise ZeroDivisionError

    crm.plugins.register(Broken())
    _purposes(crm)
    jonas = _jonas(crm)
    outbox = Outbox()
    with pytest.raises(PluginError) as caught:
        crm.messages.send(
            "welcome",
            jonas,
            channel="email",
            purpose="service",
            adapter=outbox,
            now=NOW,
            **WELCOME_VALUES,
        )
    assert (caught.value.hook, caught.value.plugin) == ("globalcrm_before_message", "Broken")
    assert outbox.sent == [] and _recorded(crm, jonas) == []


def test_a_failing_adapter_records_nothing_and_leaks_nothing(crm: gc.CRM) -> None:
    _purposes(crm)
    jonas = _jonas(crm)
    with pytest.raises(PluginError) as caught:
        crm.messages.send(
            "welcome",
            jonas,
            channel="email",
            purpose="service",
            adapter=Outbox(fail=True),
            now=NOW,
            **WELCOME_VALUES,
        )
    assert caught.value.plugin == "Outbox" and caught.value.cause == "builtins.ConnectionError"
    assert "Jonas" not in str(caught.value) and caught.value.__cause__ is None
    assert _recorded(crm, jonas) == []


def test_after_message_runs_after_the_commit_and_its_failure_keeps_the_record(
    crm: gc.CRM,
) -> None:
    seen: list[tuple[str, str]] = []

    class Audit:
        @hookimpl
        def globalcrm_after_message(self, message: Message, interaction: Interaction) -> None:
            # the interaction is committed: another transaction can read it
            seen.append((message.template, crm.interactions.get(interaction.id).id))

    class Broken:
        @hookimpl
        def globalcrm_after_message(self) -> None:
            raise RuntimeError("down")

    crm.plugins.register(Audit())
    _purposes(crm)
    jonas = _jonas(crm)
    crm.messages.send(
        "welcome",
        jonas,
        channel="email",
        purpose="service",
        adapter=Outbox(),
        now=NOW,
        **WELCOME_VALUES,
    )
    assert [template for template, _ in seen] == ["welcome"]
    crm.plugins.register(Broken())
    outbox = Outbox()
    with pytest.raises(PluginError, match="committed") as caught:
        crm.messages.send(
            "welcome",
            jonas,
            channel="email",
            purpose="service",
            adapter=outbox,
            now=NOW,
            **WELCOME_VALUES,
        )
    assert caught.value.plugin == "Broken"
    assert len(outbox.sent) == 1 and len(_recorded(crm, jonas)) == 2
    assert len(seen) == 2  # the other observer still heard of it


def test_inside_a_transaction_after_message_waits_for_the_commit(crm: gc.CRM) -> None:
    seen: list[str] = []

    class Listener:
        @hookimpl
        def globalcrm_after_message(self, interaction: Interaction) -> None:
            seen.append(interaction.id)

    crm.plugins.register(Listener())
    _purposes(crm)
    jonas = _jonas(crm)
    with crm.transaction() as tx:
        tx.messages.send(
            "welcome",
            jonas,
            channel="email",
            purpose="service",
            adapter=Outbox(),
            now=NOW,
            **WELCOME_VALUES,
        )
        assert seen == []
    assert len(seen) == 1
    with pytest.raises(KeyError), crm.transaction() as tx:
        tx.messages.send(
            "welcome",
            jonas,
            channel="email",
            purpose="service",
            adapter=Outbox(),
            now=NOW,
            **WELCOME_VALUES,
        )
        raise KeyError("the application changed its mind")
    assert len(seen) == 1 and len(_recorded(crm, jonas)) == 1
