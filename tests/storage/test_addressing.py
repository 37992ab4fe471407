"""crm.customers.display_name / salutation_for / closing_for: names and address per culture."""

from __future__ import annotations

import pytest

import globalcrm as gc
from globalcrm.demo_data import sample_customers


@pytest.fixture
def people(crm: gc.CRM) -> dict[str, gc.Customer]:
    return {c.country: crm.customers.add(c) for c in sample_customers()}


def test_display_name_picks_the_script_the_reader_reads(
    crm: gc.CRM, people: dict[str, gc.Customer]
) -> None:
    japan = people["JP"]
    assert crm.customers.display_name(japan) == "山田太郎"
    assert crm.customers.display_name(japan.id, reader_locale="en") == "Yamada Tarō"
    uzbek = people["UZ"]
    assert crm.customers.display_name(uzbek, reader_locale="ru") == "Дилноза Рашидова"
    assert crm.customers.display_name(people["IL"], reader_locale="de") == "Noa Cohen"


@pytest.mark.parametrize(
    ("country", "formal", "informal"),
    [
        ("LT", "Gerbiamasis pone Petraiti,", "Sveiki, Jonai,"),
        ("JP", "山田太郎様", "山田さん"),
        ("DE", "Sehr geehrter Herr Dr. Müller,", "Lieber Jürgen,"),
        ("CN", "尊敬的王先生：", "亲爱的小明："),
    ],
)
def test_salutation_in_the_customers_language(
    crm: gc.CRM, people: dict[str, gc.Customer], country: str, formal: str, informal: str
) -> None:
    assert crm.customers.salutation_for(people[country], formality="formal") == formal
    assert crm.customers.salutation_for(people[country].id, formality="informal") == informal


def test_salutation_never_misgenders(crm: gc.CRM, people: dict[str, gc.Customer]) -> None:
    noa = people["IL"]  # stated non-binary
    greeting = crm.customers.salutation_for(noa)
    assert "כהן" in greeting
    for gendered in ("גברת", "מר ", "היקרה", "היקר "):
        assert gendered not in greeting
    emily = people["US"]  # gender "unspecified"
    text = crm.customers.salutation_for(emily)
    assert "Ms" not in text and "Mr" not in text and "Mrs" not in text


def test_customer_preference_decides_the_register(
    crm: gc.CRM, people: dict[str, gc.Customer]
) -> None:
    aino = people["FI"]  # prefers informal
    assert crm.customers.salutation_for(aino) == "Hei Aino,"
    assert crm.customers.closing_for(people["DE"]) == "Mit freundlichen Grüßen"


def test_bad_arguments_are_invalid_input(crm: gc.CRM, people: dict[str, gc.Customer]) -> None:
    with pytest.raises(gc.InvalidInput):
        crm.customers.display_name(people["LT"], reader_locale="xx")
    with pytest.raises(gc.InvalidInput):
        crm.customers.display_name(people["LT"], formality="casual")
    with pytest.raises(gc.InvalidInput):
        crm.customers.salutation_for(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("letter", "Gerbiamasis pone Petraiti!"),
        ("email", "Gerbiamasis pone Petraiti,"),
        ("whatsapp", "Gerbiamasis pone Petraiti,"),
        ("live_chat", "Gerbiamasis pone Petraiti,"),
        ("phone", "pone Petraiti"),
    ],
)
def test_a_customer_is_greeted_on_any_interaction_channel(
    crm: gc.CRM, people: dict[str, gc.Customer], channel: str, expected: str
) -> None:
    got = crm.customers.salutation_for(people["LT"], channel=channel, formality="formal")
    assert got == expected
