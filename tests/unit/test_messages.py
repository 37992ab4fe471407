"""globalcrm.messages: CLDR fallback, the sandbox, strict variables, locale filters, bidi safety."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput, NotFound, RuleViolation
from globalcrm.exchange_rates import ExchangeRate, RateTable
from globalcrm.locale.text import FSI, PDI
from globalcrm.message_filters import LOWER_AFTER_COMMA
from globalcrm.messages import (
    MessageTemplate,
    fallback_chain,
    load_templates,
    render,
    shipped_template,
)
from globalcrm.money import money
from globalcrm.plugins import Plugins, hookimpl

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


def person(
    language: str,
    *,
    given: str = "Jonas",
    surname: str = "Petraitis",
    country: str = "LT",
    zone: str = "Europe/Vilnius",
    currency: str = "EUR",
    **fields: Any,
) -> gc.Customer:
    return gc.Customer(
        name=gc.PersonName(given=given, surname=surname, locale=language),
        country=country,
        language=language,
        time_zone=zone,
        currency=currency,
        **fields,
    )


def one(text: str, *, html: str | None = None, lang: str = "en") -> MessageTemplate:
    body: dict[str, Any] = {"subject": "s", "text": text}
    if html is not None:
        body["html"] = html
    return MessageTemplate.from_mapping("probe", {lang: body}, default=lang)


# --------------------------------------------------------------------------- locale fallback


@pytest.mark.parametrize(
    ("locale", "chain"),
    [
        ("pt-BR", ("pt-BR", "pt")),
        ("pt-PT", ("pt-PT", "pt")),
        ("zh-Hant-HK", ("zh-Hant-HK", "zh-Hant")),  # zh-Hant's parent is root, not zh
        ("zh-TW", ("zh-Hant-TW", "zh-Hant")),
        ("zh-Hans", ("zh",)),  # the likely script is the language itself
        ("zh-CN", ("zh-Hans-CN", "zh")),
        ("es-MX", ("es-MX", "es-419", "es")),  # CLDR parentLocales
        ("en-AU", ("en-AU", "en-001", "en")),
        ("uz-Cyrl", ("uz-Cyrl",)),  # a non-likely script inherits from root
        ("uz-Latn", ("uz",)),
        ("iw", ("he",)),  # the deprecated code is replaced
    ],
)
def test_fallback_chain_follows_cldr_parent_locales(locale: str, chain: tuple[str, ...]) -> None:
    assert fallback_chain(locale) == chain


def test_a_variant_is_chosen_by_the_chain_then_the_default() -> None:
    template = MessageTemplate.from_mapping(
        "t",
        {
            "en": {"text": "en"},
            "pt": {"text": "pt"},
            "zh-Hans": {"text": "hans"},
            "zh-Hant": {"text": "hant"},
            "es-419": {"text": "latam"},
        },
    )
    assert template.variant_for("pt-BR") == (template.variants["pt"], True)
    assert template.variant_for("zh")[0].locale == "zh-Hans"
    assert template.variant_for("zh-Hant-HK")[0].locale == "zh-Hant"
    assert template.variant_for("es-MX")[0].locale == "es-419"
    assert template.variant_for("es-ES") == (template.variants["en"], False)
    assert template.variant_for("uz-Cyrl")[1] is False
    assert template.locales == ("en", "es-419", "pt", "zh-Hans", "zh-Hant")


def test_a_fallback_message_is_written_in_the_default_language() -> None:
    template = MessageTemplate.from_mapping(
        "t", {"en": {"text": "{{ when|date }}"}, "pt": {"text": "{{ when|date }}"}}
    )
    customer = person("ko", given="민준", surname="김", country="KR", zone="Asia/Seoul")
    message = render(
        template, customer, channel="email", now=NOW, values={"when": dt.date(2026, 12, 10)}
    )
    assert (message.locale, message.variant, message.fallback) == ("en", "en", True)
    assert message.text == "December 10, 2026"
    brazil = person(
        "pt-BR",
        given="Ana",
        surname="Souza",
        country="BR",
        zone="America/Sao_Paulo",
        currency="BRL",
    )
    message = render(
        template, brazil, channel="email", now=NOW, values={"when": dt.date(2026, 12, 10)}
    )
    assert (message.locale, message.variant, message.fallback) == ("pt-BR", "pt", False)
    assert message.text == "10 de dezembro de 2026"


def test_a_language_babel_has_no_data_for_gets_the_default() -> None:
    guatemala = person(
        "kek",
        given="Ixchel",
        surname="Caal",
        country="GT",
        zone="America/Guatemala",
        currency="GTQ",
    )
    message = render("welcome", guatemala, channel="email", now=NOW, values={"brand": "Acme"})
    assert (message.locale, message.fallback) == ("en", True)
    with pytest.raises(InvalidComponent):
        one("x").variant_for("xx-junk")


def test_templates_check_their_variants() -> None:
    with pytest.raises(InvalidInput, match="default language"):
        MessageTemplate.from_mapping("t", {"de": {"text": "x"}})
    with pytest.raises(InvalidInput, match="same locale"):
        MessageTemplate.from_mapping(
            "t", {"en": {"text": "x"}, "uz": {"text": "a"}, "uz-Latn": {"text": "b"}}
        )
    with pytest.raises(InvalidFormat, match="line 2") as caught:
        MessageTemplate.from_mapping("t", {"en": {"text": "ok\n{{ broken"}})
    assert caught.value.field == "variants.en.text"
    with pytest.raises(InvalidComponent):
        MessageTemplate.from_mapping("t", {"en": {"text": "x", "body": "y"}})
    with pytest.raises(InvalidFormat, match="required"):
        MessageTemplate.from_mapping("t", {"en": {"subject": "x"}})
    with pytest.raises(InvalidFormat):
        MessageTemplate.from_mapping("not/a code", {"en": {"text": "x"}})


# ----------------------------------------------------------------- strictness and the sandbox


def test_a_missing_variable_fails_naming_it_never_an_empty_name() -> None:
    template = one("Dear {{ salutation }} your order {{ order_number }} shipped")
    with pytest.raises(InvalidInput) as caught:
        render(template, person("en"), channel="email", now=NOW)
    assert caught.value.field == "values.order_number"
    assert "order_number" in str(caught.value)


def test_a_none_value_is_refused_rather_than_printed() -> None:
    with pytest.raises(InvalidInput, match="None"):
        render(
            one("Order {{ order }}"), person("en"), channel="email", now=NOW, values={"order": None}
        )


def test_optional_values_are_tested_with_is_defined() -> None:
    template = one("{% if voucher is defined %}{{ voucher|money }}{% else %}none{% endif %}")
    assert render(template, person("en"), channel="sms", now=NOW).text == "none"
    text = render(
        template, person("en"), channel="sms", now=NOW, values={"voucher": money("5", "EUR")}
    ).text
    assert text == "€5.00"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ order.__init__.__globals__ }}",
        "{{ order._secret }}",
    ],
)
def test_the_sandbox_refuses_private_attributes(source: str) -> None:
    class Order:
        _secret = "hidden"

    with pytest.raises(InvalidInput) as caught:
        render(one(source), person("en"), channel="email", now=NOW, values={"order": Order()})
    assert "hidden" not in str(caught.value)


def test_the_sandbox_keeps_given_values_unchanged() -> None:
    items = ["a"]
    with pytest.raises(InvalidInput):
        render(
            one("{{ items.append('b') }}"),
            person("en"),
            channel="email",
            now=NOW,
            values={"items": items},
        )
    assert items == ["a"]


def test_html_is_autoescaped_text_is_not() -> None:
    template = one("{{ note }}", html="<p>{{ note }}</p>")
    message = render(
        template, person("en"), channel="email", now=NOW, values={"note": "<b>Tom & Jerry</b>"}
    )
    assert message.text == "<b>Tom & Jerry</b>"
    assert message.html == "<p>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</p>"


def test_values_the_library_sets_cannot_be_given() -> None:
    with pytest.raises(InvalidInput) as caught:
        render(
            one("{{ salutation }}"),
            person("en"),
            channel="email",
            now=NOW,
            values={"salutation": "Yo"},
        )
    assert caught.value.field == "values.salutation"
    with pytest.raises(InvalidFormat):
        render(one("x"), person("en"), channel="email", now=NOW, values={"not a name": 1})


def test_channel_and_time_are_checked() -> None:
    with pytest.raises(InvalidComponent):
        render(one("x"), person("en"), channel="pigeon", now=NOW)
    with pytest.raises(InvalidFormat):
        render(one("x"), person("en"), channel="email", now=dt.datetime(2026, 1, 1))
    with pytest.raises(NotFound):
        render("no_such_template", person("en"), channel="email", now=NOW)


# --------------------------------------------------------------------------- forms of address


def test_salutation_closing_and_names_follow_the_customer() -> None:
    template = one(
        "{{ salutation }}|{{ name }}|{{ full_name }}|{{ given_name }}|{{ formal }}|{{ closing }}",
        lang="lt",
    )
    jonas = person("lt", gender="male", formality="formal")
    text = render(template, jonas, channel="letter", now=NOW).text
    assert (
        text == "Gerbiamasis pone Petraiti!|Jonas Petraitis|Jonas Petraitis|Jonas|True|Pagarbiai,"
    )
    text = render(template, jonas, channel="email", formality="informal", now=NOW).text
    assert text.split("|")[0] == "Sveiki, Jonai,"
    assert text.split("|")[4] == "False"


def test_the_informal_wording_is_used_for_an_informal_register() -> None:
    template = MessageTemplate.from_mapping(
        "t", {"de": {"text": "Sie", "informal": {"text": "du"}}}, default="de"
    )
    jurgen = person("de", given="Jürgen", surname="Müller", country="DE", zone="Europe/Berlin")
    assert render(template, jurgen, channel="email", now=NOW).text == "Sie"
    assert render(template, jurgen, channel="email", now=NOW, formality="informal").text == "du"
    jurgen.formality = "informal"  # type: ignore[assignment]  # the converter reads codes
    assert render(template, jurgen, channel="email", now=NOW).text == "du"
    assert render(template, jurgen, channel="letter", now=NOW, formality="formal").text == "Sie"


@pytest.mark.parametrize(
    ("language", "lower"), [("de", True), ("fi", True), ("lt", True), ("fr", False), ("en", False)]
)
def test_the_word_after_a_comma_salutation_follows_the_language(language: str, lower: bool) -> None:
    template = one("{{ salutation }}\n{{ 'Danke'|after_salutation }}", lang=language)
    text = render(template, person(language, gender="female"), channel="email", now=NOW).text
    opening, word = text.split("\n")
    if lower and opening.endswith(","):
        assert word == "danke"
    else:
        assert word == "Danke"
    assert (language in LOWER_AFTER_COMMA) is lower


def test_plugins_answer_the_greeting_and_the_salutation() -> None:
    class Season:
        @hookimpl
        def globalcrm_greeting(self, locale: str, now: dt.datetime) -> str | None:
            return "Hyvää joulua" if locale == "fi" and now.month == 12 else None

    plugins = Plugins(entry_points=False)
    plugins.register(Season())
    aino = person(
        "fi",
        given="Aino",
        surname="Mäkinen",
        country="FI",
        zone="Europe/Helsinki",
        formality="informal",
    )
    template = one("{{ salutation }}", lang="fi")
    assert render(template, aino, channel="email", now=NOW, plugins=plugins).text == (
        "Hyvää joulua Aino,"
    )
    assert render(template, aino, channel="email", now=NOW).text == "Hei Aino,"

    class House:
        @hookimpl
        def globalcrm_salutation(self, customer: gc.Customer) -> str:
            return "Moikka!"

    plugins.register(House())
    assert render(template, aino, channel="email", now=NOW, plugins=plugins).text == "Moikka!"


def test_plugins_contribute_values_under_the_callers() -> None:
    class Brand:
        @hookimpl
        def globalcrm_message_values(self, template: str) -> dict[str, str]:
            return {"brand": "Acme", "sender": f"{template} team"}

    plugins = Plugins(entry_points=False)
    plugins.register(Brand())
    template = one("{{ brand }} / {{ sender }}")
    assert (
        render(template, person("en"), channel="email", now=NOW, plugins=plugins).text
        == "Acme / probe team"
    )
    assert (
        render(
            template,
            person("en"),
            channel="email",
            now=NOW,
            plugins=plugins,
            values={"brand": "Beta"},
        ).text
        == "Beta / probe team"
    )


# --------------------------------------------------------------------------- filters


def test_dates_and_times_are_shown_in_the_customers_zone() -> None:
    late = dt.datetime(2026, 12, 10, 20, 30, tzinfo=dt.UTC)  # already the 11th in Tokyo
    template = one(
        "{{ t|date }} / {{ t|time }} / {{ t|datetime }} / {{ t|datetime('short') }}", lang="ja"
    )
    taro = person(
        "ja", given="太郎", surname="山田", country="JP", zone="Asia/Tokyo", currency="JPY"
    )
    assert render(template, taro, channel="email", now=NOW, values={"t": late}).text == (
        "2026年12月11日 / 5:30 / 2026年12月11日 5:30 / 2026/12/11 5:30"
    )
    with pytest.raises(InvalidFormat, match="zone"):
        render(template, taro, channel="email", now=NOW, values={"t": dt.datetime(2026, 1, 1)})


def test_plural_forms_follow_cldr_rules() -> None:
    template = one(
        "{{ n|plural(one='# minutę', few='# minutes', many='# minutės', other='# minučių') }}",
        lang="lt",
    )
    shown = {
        n: render(template, person("lt"), channel="sms", now=NOW, values={"n": n}).text
        for n in (1, 2, 5, 10, 11, 21, 22, 100, 1001)
    }
    assert shown == {
        1: "1 minutę",
        2: "2 minutes",
        5: "5 minutes",
        10: "10 minučių",
        11: "11 minučių",
        21: "21 minutę",
        22: "22 minutes",
        100: "100 minučių",
        1001: "1\xa0001 minutę",
    }
    with pytest.raises(InvalidInput, match="other"):
        render(one("{{ 1|plural(one='x') }}"), person("en"), channel="sms", now=NOW)
    with pytest.raises(InvalidComponent):
        render(one("{{ 1|plural(single='x', other='y') }}"), person("en"), channel="sms", now=NOW)


def test_a_missing_plural_category_falls_back_to_other() -> None:
    template = one("{{ n|plural(one='# day', other='# days') }}", lang="he")
    noa = person("he", given="נועה", surname="כהן", country="IL", zone="Asia/Jerusalem")
    assert (
        render(template, noa, channel="sms", now=NOW, values={"n": 2}).text == f"{FSI}2 days{PDI}"
    )


def test_lists_numbers_percentages_and_durations_are_written_in_the_locale() -> None:
    template = one(
        "{{ items|listing }}; {{ items|listing('or') }}; {{ x|number }}; {{ p|percent }}; "
        "{{ d|duration }}",
        lang="fi",
    )
    aino = person("fi", given="Aino", surname="Mäkinen", country="FI", zone="Europe/Helsinki")
    text = render(
        template,
        aino,
        channel="email",
        now=NOW,
        values={
            "items": ["kahvi", "tee", "mehu"],
            "x": Decimal("1234.5"),
            "p": Decimal("0.25"),
            "d": dt.timedelta(hours=48),
        },
    ).text
    assert text == "kahvi, tee ja mehu; kahvi, tee tai mehu; 1\xa0234,5; 25\xa0%; 2 päivää"


def test_html_lists_escape_each_item() -> None:
    template = one("x", html="{{ items|listing }}")
    message = render(
        template, person("en"), channel="email", now=NOW, values={"items": ["<a>", "b & c"]}
    )
    assert message.html == "&lt;a&gt; and b &amp; c"


def test_money_in_the_customers_currency_is_formatted_in_their_locale() -> None:
    template = one("{{ price|money }}", lang="lt")
    assert (
        render(
            template, person("lt"), channel="sms", now=NOW, values={"price": money("1234.5", "EUR")}
        ).text
        == "1\xa0234,50\xa0€"
    )


def test_money_in_another_currency_is_converted_with_the_rate_disclosed() -> None:
    table = RateTable()
    table.add(
        ExchangeRate(
            base="EUR",
            quote="USD",
            rate="1.1592",
            source="ECB",
            as_of=dt.datetime(2026, 12, 2, 15, tzinfo=dt.UTC),
        )
    )
    template = one("{{ price|money }} | {{ price|money(convert=False) }}", lang="lt")
    text = render(
        template,
        person("lt"),
        channel="sms",
        now=NOW,
        rates=table,
        values={"price": money("12", "USD")},
    ).text
    assert text.startswith("12,00\xa0USD ≈ 10,35\xa0€ (1 USD = ")
    assert "ECB" in text and text.endswith("| 12,00\xa0USD")
    called: list[int] = []

    def provider() -> RateTable:
        called.append(1)
        return table

    render(
        one("{{ a|money }} {{ a|money }}"),
        person("lt"),
        channel="sms",
        now=NOW,
        rates=provider,
        values={"a": money("1", "USD")},
    )
    assert called == [1]  # read once per rendering
    render(
        one("{{ a|money }}"),
        person("lt"),
        channel="sms",
        now=NOW,
        rates=provider,
        values={"a": money("1", "EUR")},
    )
    assert called == [1]  # not read at all when nothing is converted
    with pytest.raises(RuleViolation):
        render(
            one("{{ a|money }}"),
            person("lt"),
            channel="sms",
            now=NOW,
            values={"a": money("1", "USD")},
        )
    with pytest.raises(InvalidFormat, match="Money"):
        render(
            one("{{ a|money }}"), person("lt"), channel="sms", now=NOW, values={"a": Decimal("1")}
        )


# --------------------------------------------------------------------------- bidi


def test_a_latin_value_in_hebrew_text_is_isolated() -> None:
    template = one("ההזמנה {{ order }} של {{ brand }} נשלחה", lang="he")
    noa = person(
        "he", given="נועה", surname="כהן", country="IL", zone="Asia/Jerusalem", currency="ILS"
    )
    text = render(
        template, noa, channel="sms", now=NOW, values={"order": "A-12", "brand": "Acme"}
    ).text
    assert text == f"ההזמנה {FSI}A-12{PDI} של {FSI}Acme{PDI} נשלחה"


def test_a_hebrew_name_in_english_text_is_isolated_latin_values_are_not() -> None:
    template = one("Dear {{ given_name }}, order {{ order }}")
    noa = person("en", given="נועה", surname="כהן", country="IL", zone="Asia/Jerusalem")
    text = render(template, noa, channel="sms", now=NOW, values={"order": "A-12"}).text
    assert text == f"Dear {FSI}נועה{PDI}, order A-12"


def test_a_latin_name_in_a_hebrew_salutation_is_isolated_once() -> None:
    template = one("{{ salutation }} {{ full_name }}", lang="he")
    noa = person("he", given="Noa", surname="Cohen", country="IL", zone="Asia/Jerusalem")
    text = render(template, noa, channel="email", now=NOW).text
    assert f"{FSI}Noa Cohen{PDI}" in text
    assert f"{FSI}{FSI}" not in text


# --------------------------------------------------------------------------- files


def test_templates_load_from_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "receipt"
    folder.mkdir()
    (folder / "en.toml").write_text('subject = "Receipt"\ntext = "Paid {{ total|money }}"\n')
    (folder / "de.toml").write_text(
        'source = "house style"\nsubject = "Beleg"\ntext = "Bezahlt: {{ total|money }}"\n'
        '[informal]\ntext = "Du hast {{ total|money }} bezahlt"\n'
    )
    templates = load_templates(tmp_path)
    assert list(templates) == ["receipt"]
    receipt = templates["receipt"]
    assert receipt.variants["de"].source == "house style"
    jurgen = person("de", given="Jürgen", surname="Müller", country="DE", zone="Europe/Berlin")
    assert (
        render(
            receipt, jurgen, channel="email", now=NOW, values={"total": money("9.5", "EUR")}
        ).text
        == "Bezahlt: 9,50\xa0€"
    )
    (folder / "fr.toml").write_text("text = [broken")
    with pytest.raises(InvalidFormat) as caught:
        load_templates(tmp_path)
    assert caught.value.field == "receipt/fr.toml"
    with pytest.raises(NotFound):
        load_templates(tmp_path / "nowhere")


def test_the_shipped_templates_are_compiled_once() -> None:
    assert shipped_template("welcome") is shipped_template("welcome")
    with pytest.raises(NotFound):
        shipped_template("../etc")


def test_a_message_repr_shows_no_text() -> None:
    message = render(
        one("Hello {{ full_name }}"), person("en", given="Zygmunta"), channel="email", now=NOW
    )
    assert "Zygmunta" in message.text
    assert "Zygmunta" not in repr(message)
