"""CLDR person-name formatting (UTS #35 Part 8): the spec's examples and the rules around them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from globalcrm import PersonName
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput
from globalcrm.locale import cldr_locales, data_sources, format_person_name, name_order
from globalcrm.locale import name_formatting as names_module

ROOT = Path(__file__).resolve().parents[2]


def fmt(fields: dict[str, str], locale: str, **options: Any) -> str:
    return format_person_name(fields, locale=locale, **options)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("locale", ["xx", "qqq", "zz-Latn"])
def test_unknown_locale_is_an_invalid_component(locale: str) -> None:
    with pytest.raises(InvalidComponent) as caught:
        fmt({"given": "Jonas"}, locale)
    assert caught.value.field == "locale"


@pytest.mark.parametrize("locale", ["", "e", "en--US", "en US", "x" * 40, "12"])
def test_malformed_locale_is_an_invalid_format(locale: str) -> None:
    with pytest.raises(InvalidFormat) as caught:
        fmt({"given": "Jonas"}, locale)
    assert caught.value.field == "locale"


@pytest.mark.parametrize(
    ("option", "value"),
    [("length", "huge"), ("usage", "shouting"), ("formality", "casual"), ("order", "lastFirst")],
)
def test_unknown_option_value_names_the_option(option: str, value: str) -> None:
    with pytest.raises(InvalidComponent) as caught:
        fmt({"given": "Jonas"}, "lt", **{option: value})
    assert caught.value.field == option
    assert value in str(caught.value)


@pytest.mark.parametrize("option", ["length", "usage", "formality", "order"])
def test_option_of_the_wrong_type_is_an_invalid_format(option: str) -> None:
    with pytest.raises(InvalidFormat) as caught:
        fmt({"given": "Jonas"}, "lt", **{option: 3})
    assert caught.value.field == option


def test_name_of_the_wrong_type() -> None:
    with pytest.raises(InvalidFormat) as caught:
        format_person_name("Jonas Petraitis", locale="lt")  # type: ignore[arg-type]
    assert caught.value.field == "name"


def test_mapping_with_an_unknown_field_names_it_without_echoing_the_value() -> None:
    with pytest.raises(InvalidInput) as caught:
        fmt({"given": "Jonas", "nickname": "Joniukas"}, "lt")
    assert caught.value.field is not None and caught.value.field.startswith("name")
    assert "Joniukas" not in str(caught.value)


def test_error_messages_do_not_echo_personal_data() -> None:
    with pytest.raises(InvalidComponent) as caught:
        fmt({"given": "Jonas"}, "lt", length="Petraitis-secret-value-too-long")
    assert "Petraitis" not in str(caught.value)


# --------------------------------------------------------------------------- the spec's examples


def test_person_name_object_and_mapping_format_alike() -> None:
    name = PersonName(given="Käthe", surname_prefix="von", surname_core="Müller", locale="de")
    mapping = {"given": "Käthe", "surname-prefix": "von", "surname-core": "Müller", "locale": "de"}
    for order in ("givenFirst", "surnameFirst", "sorting"):
        assert format_person_name(name, locale="de", order=order) == fmt(mapping, "de", order=order)


def test_empty_fields_drop_their_literals() -> None:
    # "{given} {given2-initial} {surname} {generation}, {credentials}" without the last two
    assert fmt({"given": "Mary Sue", "given2": "Hamish", "surname": "Watson", "locale": "en"},
               "en", length="medium") == "Mary Sue H. Watson"
    assert fmt({"title": "Mr.", "given": "Bertram Wilberforce", "given2": "Henry Robert",
                "surname": "Wooster", "generation": "Jr", "credentials": "MP", "locale": "en"},
               "en", length="medium") == "Bertram Wilberforce H.R. Wooster Jr, MP"


def test_missing_surname_reads_the_given_name_where_only_initials_would_show() -> None:
    zendaya = {"given": "Zendaya", "locale": "en"}
    assert fmt(zendaya, "en", length="short", order="givenFirst") == "Zendaya"
    assert fmt(zendaya, "en", usage="monogram", length="medium") == "Z"
    assert fmt(zendaya, "en", order="sorting", length="short") == "Zendaya"


def test_prefix_and_core_in_sorting_and_monogram() -> None:
    paul = {"title": "Dr.", "given": "Paul", "given2": "Vinzent", "surname-prefix": "von",
            "surname-core": "Fischer", "locale": "de"}
    assert fmt(paul, "de", order="sorting", length="long") == "Fischer, Paul Vinzent von"
    assert fmt(paul, "de", usage="monogram", length="long") == "PVV"


def test_initials_keep_case_and_follow_the_locale_patterns() -> None:
    assert fmt({"given": "Neele", "surname-prefix": "von", "surname-core": "Brühl",
                "locale": "en"}, "en", length="short", formality="informal") == "Neele v.B."
    marie = {"given": "Marie-Agnès", "given2": "Suzanne", "surname": "Gilot", "locale": "fr"}
    assert fmt(marie, "fr", length="short") == "M.-A. S. Gilot"  # fr keeps the hyphen (-retain)


def test_native_and_foreign_space_replacement_in_japanese() -> None:
    assert fmt({"given": "太郎", "surname": "山田", "locale": "ja"}, "ja") == "山田太郎"
    foreign = {"given": "アルベルト", "surname": "アインシュタイン", "locale": "de"}
    assert fmt(foreign, "ja") == "アルベルト・アインシュタイン"


def test_a_name_in_another_script_is_formatted_with_its_own_locale() -> None:
    # spec, "Switch the formatting locale": Latin name under a Japanese or Chinese formatter
    einstein = {"given": "Albert", "surname": "Einstein", "locale": "de-CH"}
    assert fmt(einstein, "ja") == "Albert Einstein"
    assert fmt(einstein, "zh") == "Albert Einstein"
    # Han name under a German formatter, with and without a name locale
    assert fmt({"given": "駿", "surname": "宮崎", "locale": "ja"}, "de") == "宮崎駿"
    assert fmt({"given": "駿", "surname": "宮崎"}, "de") == "宮崎駿"


def test_name_order_comes_from_the_formatting_locale_data() -> None:
    assert fmt({"given": "Shinzo", "surname": "Abe", "locale": "ja"}, "en") == "Abe Shinzo"
    einstein = {"given": "Albert", "surname": "Einstein", "locale": "de"}
    assert fmt(einstein, "en") == "Albert Einstein"
    assert fmt({"given": "Shinzo", "surname": "Abe", "locale": "ja"}, "en",
               order="givenFirst") == "Shinzo Abe"


def test_locale_fallback_chain() -> None:
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("pt-BR")) == "pt"
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("zh-TW")) == "zh-Hant"
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("en-AU")) == "en-AU"
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("en-VU")) == "en-VU"
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("sr-Latn-XK")) == "sr-Latn-XK"
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("uz-Cyrl-UZ")) == "uz-Cyrl"
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("de-AT-1996")) == "de-AT"
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("root")) == "und"
    assert cldr_locales.data_locale(*cldr_locales.parse_locale("haw-US")) == "haw"


def test_sorting_with_a_monogram_uses_the_name_order() -> None:
    name = {"given": "Irene", "surname": "Adler", "locale": "en"}
    assert fmt(name, "en", order="sorting", usage="monogram", length="long") == "IA"
    assert fmt(name, "en", order="sorting", usage="addressing") == fmt(name, "en", order="sorting")


def test_surname_only_name_never_formats_to_nothing() -> None:
    assert fmt({"surname": "Smith", "locale": "en"}, "en", usage="addressing",
               formality="informal") == "Smith"


def test_all_caps_follow_the_formatting_language() -> None:
    name = {"given": "iskender", "surname": "ılgaz", "locale": "tr"}
    assert fmt(name, "tr", usage="monogram", length="long") == "İI"
    assert fmt(name, "en", usage="monogram", length="long") == "II"


# --------------------------------------------------------------------------- name order


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("ja", "surnameFirst"), ("hu", "surnameFirst"), ("zh-Hant-TW", "surnameFirst"),
     ("ko-KR", "surnameFirst"), ("lt", "givenFirst"), ("en-US", "givenFirst"),
     ("uz-Cyrl", "givenFirst"), ("vi", "surnameFirst")],
)
def test_default_name_order(locale: str, expected: str) -> None:
    assert name_order(locale) == expected


def test_name_order_seen_from_a_formatting_locale() -> None:
    assert name_order("hu") == "surnameFirst"
    assert name_order("hu", formatting_locale="en") == "givenFirst"  # en lists only ja ko vi yue zh
    assert name_order("hu", formatting_locale="ja") == "surnameFirst"


def test_name_order_validates_its_arguments() -> None:
    with pytest.raises(InvalidComponent) as caught:
        name_order("xx")
    assert caught.value.field == "locale"
    with pytest.raises(InvalidFormat) as format_error:
        name_order("lt", formatting_locale=7)  # type: ignore[arg-type]
    assert format_error.value.field == "formatting_locale"


# --------------------------------------------------------------------------- data


def test_data_sources_name_the_pinned_package() -> None:
    source = data_sources()["person_names"]
    lock = json.loads((ROOT / "tools" / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/cldr-person-names-full"]
    assert source["package"] == "cldr-person-names-full"
    assert source["version"] == locked["version"] == "48.2.0"
    assert source["integrity"] == locked["integrity"]
    assert source["cldr_version"] == "48"
    assert source["licence"] == "Unicode-3.0"
    assert source["generator"] == "tools/build_person_names.py"


def test_bodies_are_stored_once() -> None:
    data = json.loads(
        (ROOT / "src/globalcrm/locale/data/person_names.json").read_text(encoding="utf-8")
    )
    assert len(data["locales"]) == 766
    assert len(data["bodies"]) == 148
    assert len({json.dumps(b, sort_keys=True) for b in data["bodies"]}) == 148
    assert set(data["locales"].values()) == set(range(148))


@pytest.mark.skipif(
    not (ROOT / "tools/node_modules/cldr-person-names-full").is_dir(),
    reason="run `npm install --prefix tools` to check the rebuild",
)
def test_the_data_file_rebuilds_byte_for_byte() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_person_names",
                                                  ROOT / "tools/build_person_names.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = json.dumps(module.build(), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    committed = (ROOT / "src/globalcrm/locale/data/person_names.json").read_text(encoding="utf-8")
    assert text == committed


def test_lithuanian_upper_case_drops_only_the_soft_dot() -> None:
    _upper = names_module._upper
    # SpecialCasing.txt: U+0307 after a soft-dotted i/j (an ogonek may stand between) goes.
    assert _upper("i\u0307", "lt") == "I"
    assert _upper("i\u0328\u0307", "lt") == "Į"
    assert _upper("İ", "lt") == "İ"  # a capital I with its dot keeps it
    name = PersonName(given="İlona", surname="Jonaitė", locale="lt")
    assert format_person_name(name, locale="lt", usage="monogram", length="long")[0] == "İ"
