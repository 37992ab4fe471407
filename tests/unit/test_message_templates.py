"""The shipped templates: every one in twelve languages, for a customer of that culture.

Each rendering is checked for its form of address: the salutation the customer's culture uses
(the same as ``crm.customers.salutation_for``), the register (T-V pronouns, keigo, 您), gender
neutrality where the customer stated none, and the mechanics (no leftover markup, no ``None``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest

import globalcrm as gc
from globalcrm.demo_data import sample_customers
from globalcrm.locale import strip_isolates
from globalcrm.messages import SHIPPED_TEMPLATES, Message, render, shipped_template
from globalcrm.money import money

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
LANGUAGES = ("lt", "lv", "fi", "he", "uz", "en", "de", "fr", "es", "pt-BR", "ja", "zh-Hans")


def _customers() -> dict[str, gc.Customer]:
    by_language = {c.language: c for c in sample_customers()}
    return {
        "lt": by_language["lt"],
        "lv": by_language["lv"],
        "fi": by_language["fi"],
        "he": by_language["he"],
        "uz": by_language["uz"],
        "en": by_language["en-US"],
        "de": by_language["de"],
        "pt-BR": by_language["pt-BR"],
        "ja": by_language["ja"],
        "zh-Hans": by_language["zh"],
        "fr": gc.Customer(
            name=gc.PersonName(given="Camille", surname="Dubois", locale="fr"),
            country="FR",
            language="fr",
            time_zone="Europe/Paris",
            currency="EUR",
            gender="female",
        ),
        "es": gc.Customer(
            name=gc.PersonName(given="Carlos", surname="López", title="Sr.", locale="es"),
            country="ES",
            language="es",
            time_zone="Europe/Madrid",
            currency="EUR",
            gender="male",
        ),
    }


def values_for(customer: gc.Customer) -> dict[str, object]:
    return {
        "brand": "Acme",
        "order": "A-1042",
        "expected": dt.date(2026, 12, 10),
        "voucher": money("10", customer.currency),
        "survey_url": "https://example.com/s/1",
        "minutes": 3,
        "tier": "Gold",
        "benefits": ["free delivery", "early access"],
        "confirm_url": "https://example.com/c/abc",
        "expires": NOW + dt.timedelta(hours=48),
    }


@pytest.fixture(scope="module")
def crm() -> Iterator[gc.CRM]:
    store = gc.open("sqlite://")
    yield store
    store.close()


@pytest.fixture(scope="module")
def customers(crm: gc.CRM) -> dict[str, gc.Customer]:
    """Built once the domain is mapped (an entity made before the mapping cannot be used)."""
    return _customers()


def _render(
    customers: dict[str, gc.Customer], template: str, language: str, **options: object
) -> Message:
    customer = customers[language]
    return render(template, customer, now=NOW, values=values_for(customer), **options)  # type: ignore[arg-type]


# Words that give the register away, per language (case-sensitive where capitals matter).
FORMAL = {
    "de": r"\b(Sie|Ihnen|Ihre?[mnrs]?)\b",
    "fr": r"\b(vous|votre|vos)\b",
    "es": r"\b(usted|su|sus|le)\b",
    "lt": r"\bJ(ūs|ūsų|ums)\b|\b\w+(ite|ote|ėte)\b",
    "lv": r"\bJ(ūs|ūsu|ums)\b",
    "fi": r"\w+(nne|tte|kaa)\b",
}
INFORMAL = {
    "de": r"\b([dD]u|[dD]ich|[dD]ir|[dD]ein\w*)\b",
    "fr": r"(\btu\b|\bte\b|\bton\b|\bta\b|\btes\b|t’)",
    "es": r"\b(tú|tu|tus|te|contigo)\b",
    "lt": r"\b([Tt]u|[Tt]au|[Tt]avo|[Tt]ave|esi|turi|nori|galėtum|pasirinkai|pasiekei)\b",
    "lv": r"\bT(u|ev|evi|av\w*)\b",
    "fi": r"\b([Oo]let|saat|valitsit|voit|[Kk]ertoisitko|[Vv]ahvista|sinua|sinulla|tilauksesi)\b",
}


@pytest.mark.parametrize("template", SHIPPED_TEMPLATES)
def test_every_template_has_every_language_with_its_source(template: str) -> None:
    shipped = shipped_template(template)
    assert set(shipped.locales) == set(LANGUAGES)
    for variant in shipped.variants.values():
        assert variant.source and len(variant.source) > 40, (template, variant.locale)
        assert variant.formal.subject
        if variant.locale in FORMAL:
            assert variant.informal is not None, (template, variant.locale)


@pytest.mark.parametrize("template", SHIPPED_TEMPLATES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_template_addresses_a_customer_of_that_culture(
    customers: dict[str, gc.Customer], crm: gc.CRM, template: str, language: str
) -> None:
    customer = customers[language]
    message = _render(customers, template, language, channel="email")
    assert message.variant == language and not message.fallback
    expected = crm.customers.salutation_for(customer, channel="email")
    lines = message.text.split("\n")
    assert lines[0] == expected
    assert lines[1] == ""
    assert strip_isolates(lines[-1]) == "Acme"
    assert lines[-2] == crm.customers.closing_for(customer, channel="email")
    assert message.subject and "{" not in message.subject
    for junk in ("{{", "{%", "}}", "None", "#", "  ", " ,", " .", "..", "\n\n\n"):
        assert junk not in message.text, (junk, message.text)
    assert message.direction == ("rtl" if language == "he" else "ltr")


def body(text: str) -> str:
    """The text without the salutation and the closing lines (which hold the names)."""
    return "\n".join(text.split("\n")[1:-2])


@pytest.mark.parametrize("template", SHIPPED_TEMPLATES)
@pytest.mark.parametrize("language", sorted(FORMAL))
def test_the_register_shows_in_the_pronouns(
    customers: dict[str, gc.Customer], template: str, language: str
) -> None:
    formal = _render(customers, template, language, channel="email", formality="formal").text
    informal = _render(customers, template, language, channel="email", formality="informal").text
    assert re.search(FORMAL[language], body(formal)), formal
    assert not re.search(INFORMAL[language], body(formal)), formal
    assert re.search(INFORMAL[language], body(informal)), informal
    assert not re.search(FORMAL[language], body(informal)), informal


@pytest.mark.parametrize("template", SHIPPED_TEMPLATES)
def test_languages_without_t_v_keep_their_one_register(
    customers: dict[str, gc.Customer], template: str
) -> None:
    assert "您" in _render(customers, template, "zh-Hans", channel="email").text
    assert "你" not in _render(customers, template, "zh-Hans", channel="email").text
    japanese = _render(customers, template, "ja", channel="email").text
    assert japanese.startswith("山田太郎様") and re.search("(ます|ございます|ません)。", japanese)
    uzbek = _render(customers, template, "uz", channel="email").text
    assert not re.search(r"\b(sen|sening|senga)\b", uzbek)
    brazil = _render(customers, template, "pt-BR", channel="email").text
    assert not re.search(r"\b(tu|teu|tua|contigo)\b", brazil)


@pytest.mark.parametrize("template", SHIPPED_TEMPLATES)
def test_hebrew_speaks_to_a_customer_of_no_stated_gender_without_gendered_forms(
    customers: dict[str, gc.Customer],
    template: str,
) -> None:
    noa = customers["he"]
    assert noa.gender == "non_binary"
    text = _render(customers, template, "he", channel="email").text
    assert text.startswith("נועה כהן שלום רב,")
    for gendered in ("אתה", "אַתְּ", "/ה", ".ה", "יקר ", "יקרה"):
        assert gendered not in text
    # every Latin value sits in isolates inside the right-to-left text
    assert "\u2068Acme\u2069" in text


def test_the_first_word_follows_the_salutations_punctuation(
    customers: dict[str, gc.Customer],
) -> None:
    email = _render(customers, "welcome", "lt", channel="email").text.split("\n")
    letter = _render(customers, "welcome", "lt", channel="letter").text.split("\n")
    assert email[0].endswith(",") and email[2].startswith("dėkojame")
    assert letter[0].endswith("!") and letter[2].startswith("Dėkojame")
    german = _render(customers, "welcome", "de", channel="email").text.split("\n")
    assert german[0] == "Sehr geehrter Herr Dr. Müller," and german[2].startswith("vielen Dank")
    french = _render(customers, "welcome", "fr", channel="email").text.split("\n")
    assert french[2].startswith("Nous vous remercions")


@pytest.mark.parametrize("language", LANGUAGES)
def test_survey_durations_take_the_plural_form_of_every_count(
    customers: dict[str, gc.Customer], language: str
) -> None:
    customer = customers[language]
    for minutes in [*range(0, 32), 100, 101, 102, 105, 111, 121]:
        text = render(
            "survey_invitation",
            customer,
            channel="email",
            now=NOW,
            values={**values_for(customer), "minutes": minutes},
        ).text
        in_words = language == "he" and minutes in (1, 2)  # דקה אחת, שתי דקות
        assert (in_words or str(minutes) in text) and "#" not in text


def test_lithuanian_counts_agree_with_the_noun(customers: dict[str, gc.Customer]) -> None:
    def said(minutes: int) -> str:
        text = render(
            "survey_invitation",
            customers["lt"],
            channel="email",
            now=NOW,
            values={**values_for(customers["lt"]), "minutes": minutes},
        ).text
        found = re.search(r"užtruks (\d+ \w+)", text)
        assert found is not None
        return found.group(1)

    assert [said(n) for n in (1, 2, 9, 10, 11, 21)] == [
        "1 minutę",
        "2 minutes",
        "9 minutes",
        "10 minučių",
        "11 minučių",
        "21 minutę",
    ]


def test_the_voucher_line_appears_only_when_given(customers: dict[str, gc.Customer]) -> None:
    customer = customers["de"]
    values = values_for(customer)
    with_voucher = render("order_delayed", customer, channel="email", now=NOW, values=values)
    del values["voucher"]
    without = render("order_delayed", customer, channel="email", now=NOW, values=values)
    assert "Gutschein über 10,00\xa0€" in with_voucher.text
    assert "Gutschein" not in without.text and "\n\n\n" not in without.text


def test_a_missing_value_of_a_shipped_template_is_named(customers: dict[str, gc.Customer]) -> None:
    customer = customers["fi"]
    values = values_for(customer)
    del values["confirm_url"]
    with pytest.raises(gc.InvalidInput) as caught:
        render("double_opt_in", customer, channel="email", now=NOW, values=values)
    assert caught.value.field == "values.confirm_url"


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "letter", "line", "wechat", "phone"])
def test_every_channel_gets_its_own_salutation(
    customers: dict[str, gc.Customer], crm: gc.CRM, channel: str
) -> None:
    for language in LANGUAGES:
        customer = customers[language]
        message = _render(customers, "welcome", language, channel=channel)
        assert message.text.split("\n")[0] == crm.customers.salutation_for(
            customer, channel=channel
        )
