"""Postal addresses: one script per form, the Latin form, the customer's own Latin version."""

from __future__ import annotations

from typing import Any

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.locale import transforms

FOREIGN_LETTER = regex.compile(r"[\p{L}--\p{Latin}--\p{Common}--\p{Inherited}]", regex.V1)


def tokyo(**changes: Any) -> gc.PostalAddress:
    values: dict[str, Any] = {
        "country": "JP",
        "country_area": "東京都",
        "street_address": "千代田区丸の内1丁目1-1",
        "postal_code": "100-0005",
    }
    values.update(changes)
    return gc.PostalAddress(**values)


def herzl(**changes: Any) -> gc.PostalAddress:
    values: dict[str, Any] = {
        "country": "IL",
        "street_address": "רחוב הרצל 1",
        "city": "תל אביב-יפו",
        "postal_code": "6100000",
    }
    values.update(changes)
    return gc.PostalAddress(**values)


# --------------------------------------------------------------------------- one script per form


def test_an_address_typed_in_latin_keeps_latin_subdivision_names() -> None:
    address = gc.PostalAddress(
        country="JP",
        country_area="tokyo",
        street_address="1-1 Marunouchi 1-chome, Chiyoda-ku",
        postal_code="100-0005",
    )
    assert address.country_area == "Tokyo"
    assert "〒" not in address.format()  # laid out in Japan's Latin format
    assert address.format() == address.format(latin=True)
    assert address.format().splitlines() == [
        "1-1 Marunouchi 1-chome, Chiyoda-ku, TOKYO",
        "100-0005",
        "JAPAN",
    ]


def test_a_kanji_address_with_a_latin_prefecture_gets_the_kanji_name() -> None:
    assert tokyo(country_area="Tokyo").country_area == "東京都"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {
                "country": "KR",
                "country_area": "Seoul",
                "city": "jung-gu",
                "street_address": "110 Sejong-daero",
                "postal_code": "04524",
            },
            ("Seoul", "Jung-gu"),
        ),
        (
            {
                "country": "CN",
                "country_area": "Beijing Shi",
                "city": "Dongcheng Qu",
                "street_address": "1 Wangfujing Dajie",
                "postal_code": "100006",
            },
            ("Beijing Shi", "Dongcheng Qu"),
        ),
        (
            {
                "country": "CN",
                "country_area": "北京市",
                "city": "东城区",
                "street_address": "王府井大街1号",
                "postal_code": "100006",
            },
            ("北京市", "东城区"),
        ),
    ],
)
def test_subdivisions_follow_the_script_of_the_address(
    values: dict[str, Any], expected: tuple[str, str]
) -> None:
    address = gc.PostalAddress(**values)
    assert (address.country_area, address.city) == expected


def test_a_local_name_whose_key_is_latin_is_kept_as_written() -> None:
    address = gc.PostalAddress(country="HK", country_area="九龍", street_address="彌敦道 1號")
    assert address.country_area == "九龍"
    assert "KOWLOON" in address.format(latin=True)


def test_latin_keys_stay_as_they_are_in_the_latin_form() -> None:
    address = gc.PostalAddress(
        country="US",
        street_address="1600 Amphitheatre Parkway",
        city="Mountain View",
        country_area="CA",
        postal_code="94043",
    )
    assert address.format(latin=True) == address.format()
    assert "CA 94043" in address.format(latin=True)


# --------------------------------------------------------------------------- transliteration


@pytest.mark.parametrize(
    ("values", "lines"),
    [
        (
            {
                "country": "CN",
                "country_area": "北京市",
                "city": "东城区",
                "street_address": "王府井大街1号",
                "postal_code": "100006",
            },
            ["Wangfujing Dajie 1 Hao", "Dongcheng Qu", "BEIJING SHI, 100006", "CHINA"],
        ),
        (
            {
                "country": "KR",
                "country_area": "서울특별시",
                "city": "중구",
                "street_address": "세종대로 110",
                "postal_code": "04524",
            },
            ["Sejongdaelo 110", "Jung-gu", "Seoul", "04524", "SOUTH KOREA"],
        ),
        (
            {
                "country": "UZ",
                "street_address": "Амир Темур кўчаси 1",
                "city": "Тошкент",
                "postal_code": "100000",
            },
            ["Amir Temur ko'chasi 1", "100000 TOSHKENT", "UZBEKISTAN"],
        ),
        (
            {
                "country": "RU",
                "street_address": "ул. Тверская, д. 7",
                "city": "Москва",
                "country_area": "Москва",
                "postal_code": "125009",
            },
            ["UL. TVERSKAYA, D. 7", "MOSKVA", "Moskva", "125009", "RUSSIAN FEDERATION"],
        ),
        (
            {
                "country": "GR",
                "street_address": "Σταδίου 10",
                "city": "Αθήνα",
                "postal_code": "105 64",
            },
            ["Stadhiou 10", "105 64 ATHINA", "GREECE"],
        ),
        (
            {
                "country": "IN",
                "street_address": "१२ एमजी रोड",
                "city": "बेंगलुरु",
                "country_area": "कर्नाटक",
                "postal_code": "560001",
            },
            ["12 Emaji Roda", "BENGALURU 560001", "Karnataka", "INDIA"],
        ),
    ],
)
def test_the_latin_form_uses_latin_names_and_icu(values: dict[str, Any], lines: list[str]) -> None:
    address = gc.PostalAddress(**values)
    assert address.format(latin=True).splitlines() == lines
    assert address.needs_latin_version is False


def test_hebrew_is_transliterated_but_flagged_as_a_guess() -> None:
    address = herzl()
    assert address.format(latin=True).splitlines() == [
        "Rhwv Hrzl 1",
        "TL 'VYV-YFW 6100000",
        "ISRAEL",
    ]
    assert address.needs_latin_version is True


def test_kanji_are_never_read_as_chinese_pinyin() -> None:
    address = tokyo()
    latin = address.format(latin=True)
    assert latin.splitlines() == ["千代田区丸の内1丁目1-1, TOKYO", "100-0005", "JAPAN"]
    assert "wan" not in latin.lower()
    assert address.needs_latin_version is True


def test_kana_alone_is_romanised() -> None:
    address = tokyo(street_address="1-1-1 Marunouchi", company_name="コーヒー・ヒルズ")
    assert address.format(latin=True).splitlines()[:2] == ["Kohi Hiruzu", "1-1-1 Marunouchi, TOKYO"]


def test_latin_text_inside_a_native_field_is_kept() -> None:
    address = gc.PostalAddress(
        country="CN",
        country_area="北京市",
        city="朝阳区",
        street_address="望京SOHO Tower B, 1号",
        postal_code="100102",
    )
    street = address.format(latin=True).splitlines()[0]
    assert "SOHO Tower B" in street and street.isascii()


def test_cased_scripts_keep_their_case_and_house_letters_stay_attached() -> None:
    address = gc.PostalAddress(
        country="UZ", street_address="кўчаси 5А", city="Toshkent", postal_code="100000"
    )
    assert address.format(latin=True).splitlines()[0] == "ko'chasi 5A"


def test_without_icu_the_text_stays_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transforms, "icu", lambda: None)
    address = gc.PostalAddress(
        country="KR",
        country_area="서울특별시",
        city="중구",
        street_address="세종대로 110",
        postal_code="04524",
    )
    assert address.format(latin=True).splitlines()[:3] == ["세종대로 110", "Jung-gu", "Seoul"]
    assert address.needs_latin_version is True


HOMES: dict[str, dict[str, Any]] = {
    "RU": {"city": "Москва", "country_area": "Москва", "postal_code": "125009"},
    "IL": {"city": "תל אביב-יפו"},
    "KR": {"country_area": "서울특별시", "city": "중구", "postal_code": "04524"},
    "CN": {"country_area": "北京市", "city": "东城区", "postal_code": "100006"},
    "GR": {"city": "Αθήνα", "postal_code": "105 64"},
    "IN": {"city": "बेंगलुरु", "country_area": "कर्नाटक", "postal_code": "560001"},
    "JP": {"country_area": "東京都", "postal_code": "100-0005"},
    "FI": {"city": "Helsinki", "postal_code": "00100"},
}
SCRIPTS = st.sampled_from(
    [
        ("RU", (0x0410, 0x044F)),
        ("IL", (0x05D0, 0x05EA)),
        ("KR", (0xAC00, 0xD7A3)),
        ("CN", (0x4E00, 0x9FFF)),
        ("GR", (0x0391, 0x03C9)),
        ("IN", (0x0905, 0x0939)),
        ("JP", (0x3041, 0x30FA)),
    ]
)


@settings(max_examples=80, deadline=None)
@given(data=st.data(), script=SCRIPTS, abroad=st.booleans())
def test_the_latin_form_is_latin_or_says_it_is_not(
    data: st.DataObject, script: tuple[str, tuple[int, int]], abroad: bool
) -> None:
    home, (low, high) = script
    letters = st.characters(min_codepoint=low, max_codepoint=high, categories=("Lo", "Lu", "Ll"))
    street = data.draw(st.text(st.one_of(letters, st.sampled_from(" 1-,")), min_size=1))
    if not street.strip():
        street = "1"
    country = "FI" if abroad else home  # text in a script foreign to the country, too
    address = gc.PostalAddress(country=country, street_address=street, **HOMES[country])
    latin = address.format(latin=True)
    assert address.needs_latin_version or not FOREIGN_LETTER.search(latin), (country, street)
    assert gc.PostalAddress(**address.to_json()) == address


# --------------------------------------------------------------------------- the customer's own


def test_the_customers_latin_version_is_preferred() -> None:
    address = tokyo(latin={"street_address": "1-1 Marunouchi 1-chome, Chiyoda-ku"})
    assert address.latin is not None
    assert address.latin.country_area == "Tokyo"  # taken from Google's data
    assert address.latin.postal_code == "100-0005"  # taken from the address
    assert address.format(latin=True).splitlines() == [
        "1-1 Marunouchi 1-chome, Chiyoda-ku, TOKYO",
        "100-0005",
        "JAPAN",
    ]
    assert address.needs_latin_version is False
    assert address.format().startswith("〒100-0005\n東京都")


def test_the_latin_version_may_be_a_postal_address() -> None:
    latin = gc.PostalAddress(
        country="IL", street_address="1 Herzl St", city="Tel Aviv-Yafo", postal_code="6100000"
    )
    address = herzl(latin=latin)
    assert address.latin == latin
    assert address.format(latin=True).splitlines()[0] == "1 Herzl St"
    assert address == herzl(latin={"street_address": "1 Herzl St", "city": "Tel Aviv-Yafo"})


def test_json_round_trip_with_and_without_a_latin_version() -> None:
    with_latin = herzl(latin={"street_address": "1 Herzl St", "city": "Tel Aviv-Yafo"})
    data = with_latin.to_json()
    assert data["latin"] == {
        "street_address": "1 Herzl St",
        "city": "TEL AVIV-YAFO",
        "postal_code": "6100000",
    }
    assert gc.PostalAddress(**data) == with_latin
    assert gc.PostalAddress.from_json(data) == with_latin
    old: dict[str, Any] = {
        "country": "IL",
        "street_address": "רחוב הרצל 1",
        "city": "תל אביב-יפו",
        "postal_code": "6100000",
        "primary": True,
        "verified": False,
    }
    loaded = gc.PostalAddress(**old)
    assert loaded.latin is None and loaded.primary
    assert "latin" not in loaded.to_json()


@pytest.mark.parametrize(
    "address",
    [
        tokyo(),
        tokyo(latin={"street_address": "1-1 Marunouchi 1-chome, Chiyoda-ku"}),
        gc.PostalAddress(
            country="HK",
            country_area="九龍",
            street_address="彌敦道 1號",
            latin={"street_address": "1 Nathan Road"},
        ),
        gc.PostalAddress(
            country="JP",
            country_area="Tokyo",
            street_address="1-1 Marunouchi",
            postal_code="1000005",
        ),
    ],
)
def test_normalising_again_changes_nothing(address: gc.PostalAddress) -> None:
    assert gc.PostalAddress(**address.to_json()) == address


def _tokyo_customer(latin_street: str) -> gc.Customer:
    return gc.Customer(
        name=gc.PersonName(given="太郎", surname="山田", locale="ja"),
        country="JP",
        language="ja",
        time_zone="Asia/Tokyo",
        currency="JPY",
        addresses=[
            {
                "country_area": "東京都",
                "street_address": "千代田区丸の内1丁目1-1",
                "postal_code": "100-0005",
                "latin": {"street_address": latin_street},
            }
        ],
    )


def test_a_customer_carries_the_latin_version_through_mappings() -> None:
    assert _tokyo_customer("1-1 Marunouchi").addresses[0].latin is not None
    with pytest.raises(InvalidFormat) as caught:
        _tokyo_customer("丸の内")
    assert caught.value.field == "addresses[0].latin.street_address"


@pytest.mark.parametrize(
    ("latin", "error", "field"),
    [
        ({"street_address": "千代田区丸の内"}, InvalidFormat, "latin.street_address"),
        (
            {"street_address": "1-1 Marunouchi", "postal_code": "100-0006"},
            InvalidFormat,
            "latin.postal_code",
        ),
        (
            {
                "country": "KR",
                "country_area": "Seoul",
                "city": "Jung-gu",
                "street_address": "110 Sejong-daero",
                "postal_code": "04524",
            },
            InvalidFormat,
            "latin.country",
        ),
        ({"street_address": ""}, InvalidFormat, "latin.street_address"),
        (
            gc.PostalAddress(
                country="FI",
                street_address="Mannerheimintie 1",
                city="Helsinki",
                postal_code="00100",
            ),
            InvalidFormat,
            "latin.country",
        ),
        ({"street_address": "1-1 Marunouchi", "primary": True}, InvalidFormat, "latin.primary"),
        ({"street_address": "1-1 Marunouchi", "label": "home"}, InvalidFormat, "latin.label"),
        (
            {"street_address": "1-1 Marunouchi", "latin": {"street_address": "x"}},
            InvalidFormat,
            "latin.latin",
        ),
        (
            {"street_address": "1-1 Marunouchi", "country_area": "Atlantis"},
            InvalidFormat,
            "latin.country_area",
        ),
        ({"street": "1-1 Marunouchi"}, InvalidComponent, "latin.street"),
        ({1: "x"}, InvalidFormat, "latin"),
        ("1-1 Marunouchi", InvalidFormat, "latin"),
        (42, InvalidFormat, "latin"),
    ],
)
def test_a_bad_latin_version_names_its_field(
    latin: object, error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        tokyo(latin=latin)
    assert getattr(caught.value, "field", None) == field
    assert "Marunouchi" not in str(caught.value) and "丸の内" not in str(caught.value)
