"""Properties of messages: any customer gets a whole message, values never reorder the text
around them, plurals follow CLDR for every count, a deferred message waits just long enough."""

from __future__ import annotations

import datetime as dt
import unicodedata

import babel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm.locale import direction, strip_isolates
from globalcrm.locale.text import FSI, PDI
from globalcrm.message_delivery import next_contact_time
from globalcrm.messages import SHIPPED_TEMPLATES, MessageTemplate, render
from globalcrm.money import money
from tests.strategies import aware_datetimes, contact_hours, customers, name_text

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _values(customer: gc.Customer) -> dict[str, object]:
    return {
        "brand": "Acme",
        "order": "A-1",
        "expected": dt.date(2026, 12, 10),
        "voucher": money("5", customer.currency),
        "survey_url": "https://example.com/s",
        "minutes": 2,
        "tier": "Gold",
        "benefits": ["a", "b"],
        "confirm_url": "https://example.com/c",
        "expires": NOW,
    }


@SETTINGS
@given(
    customer=customers(),
    template=st.sampled_from(SHIPPED_TEMPLATES),
    channel=st.sampled_from(["email", "sms", "whatsapp", "letter", "phone"]),
)
def test_any_customer_gets_a_whole_message(
    customer: gc.Customer, template: str, channel: str
) -> None:
    message = render(template, customer, channel=channel, now=NOW, values=_values(customer))
    first = strip_isolates(message.text.split("\n")[0]).strip()
    assert first, message.locale  # a salutation is never empty
    assert "Acme" in strip_isolates(message.text)
    assert "None" not in message.text and "{{" not in message.text
    assert message.text == message.text.strip()


def _strong(text: str) -> set[str]:
    return {unicodedata.bidirectional(c) for c in text} & {"L", "R", "AL"}


@SETTINGS
@given(value=name_text, rtl=st.booleans())
def test_a_value_of_the_other_direction_is_always_isolated(value: str, rtl: bool) -> None:
    language = "he" if rtl else "en"
    template = MessageTemplate.from_mapping(
        "probe", {language: {"text": "א {{ v }} ב" if rtl else "a {{ v }} b"}}, default=language
    )
    customer = gc.Customer(
        name=gc.PersonName(given="Dana", locale="en"),
        country="IL",
        language=language,
        time_zone="Asia/Jerusalem",
        currency="ILS",
    )
    text = render(template, customer, channel="sms", now=NOW, values={"v": value}).text
    inner = text[2:-2]
    assert strip_isolates(text) == strip_isolates(
        ("א " if rtl else "a ") + value + (" ב" if rtl else " b")
    )
    # right to left, a value whose own direction (its first strong letter, UAX #9 P2) is not
    # right to left is isolated; left to right, any value with right-to-left letters is
    foreign = direction(value) != "rtl" if rtl else bool(_strong(value) & {"R", "AL"})
    if foreign:
        assert inner.startswith(FSI) and inner.endswith(PDI)
    if not rtl and not _strong(value) & {"R", "AL"}:
        assert inner == value  # a left-to-right value in left-to-right text is left alone


PLURAL_FORMS = {"one": "# minutę", "few": "# minutes", "many": "# minutės", "other": "# minučių"}


@settings(max_examples=200, deadline=None)
@given(count=st.integers(min_value=0, max_value=10**9))
def test_every_count_takes_the_form_of_its_cldr_category(count: int) -> None:
    template = MessageTemplate.from_mapping(
        "p",
        {
            "lt": {
                "text": "{{ n|plural(one='# minutę', few='# minutes', many='# minutės', "
                "other='# minučių') }}"
            }
        },
        default="lt",
    )
    customer = gc.Customer(
        name=gc.PersonName(given="Ona", locale="lt"),
        country="LT",
        language="lt",
        time_zone="Europe/Vilnius",
        currency="EUR",
    )
    text = render(template, customer, channel="sms", now=NOW, values={"n": count}).text
    category = babel.Locale("lt").plural_form(count)
    number = babel.numbers.format_decimal(count, locale="lt")
    assert text == PLURAL_FORMS[category].replace("#", number)


@settings(max_examples=150, deadline=None)
@given(
    hours=contact_hours,
    now=aware_datetimes,
    zone=st.sampled_from(
        [
            "Europe/Vilnius",
            "America/Sao_Paulo",
            "Asia/Tokyo",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
        ]
    ),
)
def test_a_deferred_message_waits_until_the_first_allowed_moment(
    hours: gc.ContactHours, now: dt.datetime, zone: str
) -> None:
    customer = gc.Customer(
        name=gc.PersonName(given="Ona", locale="lt"),
        country="LT",
        language="lt",
        time_zone=zone,
        currency="EUR",
        contact_hours=hours,
    )
    when = next_contact_time(customer, now)
    assert when >= now.astimezone(dt.UTC)
    assert customer.welcomes_contact(when)
    # no quarter hour between now and then was allowed
    step = now.astimezone(dt.UTC) + dt.timedelta(minutes=15)
    while step < when:
        assert not customer.welcomes_contact(step)
        step += dt.timedelta(minutes=15)
