"""Hypothesis strategies for the domain: names in many scripts, contact points, customers."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from hypothesis import strategies as st

import globalcrm as gc

REGIONS = ["LT", "LV", "FI", "IL", "UZ", "JP", "CN", "KR", "BR", "IN", "NL", "DE", "US"]
ZONES = {
    "LT": "Europe/Vilnius",
    "LV": "Europe/Riga",
    "FI": "Europe/Helsinki",
    "IL": "Asia/Jerusalem",
    "UZ": "Asia/Tashkent",
    "JP": "Asia/Tokyo",
    "CN": "Asia/Shanghai",
    "KR": "Asia/Seoul",
    "BR": "America/Sao_Paulo",
    "IN": "Asia/Kolkata",
    "NL": "Europe/Amsterdam",
    "DE": "Europe/Berlin",
    "US": "America/New_York",
}
LANGUAGES = {
    "LT": "lt",
    "LV": "lv",
    "FI": "fi",
    "IL": "he",
    "UZ": "uz-Latn",
    "JP": "ja",
    "CN": "zh-Hans",
    "KR": "ko",
    "BR": "pt-BR",
    "IN": "hi",
    "NL": "nl",
    "DE": "de",
    "US": "en-US",
}
CURRENCIES = {
    "LT": "EUR",
    "LV": "EUR",
    "FI": "EUR",
    "IL": "ILS",
    "UZ": "UZS",
    "JP": "JPY",
    "CN": "CNY",
    "KR": "KRW",
    "BR": "BRL",
    "IN": "INR",
    "NL": "EUR",
    "DE": "EUR",
    "US": "USD",
}

# Any printable text: letters and marks of every script (RTL, combining marks, astral planes).
name_text = (
    st.text(
        alphabet=st.characters(
            categories=["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Nd", "Pd", "Zs"],
            exclude_characters="\u2028\u2029",
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(lambda s: s != "" and not s[0].isspace())
)

locales = st.sampled_from(
    ["lt", "lv", "fi", "he", "uz-Latn", "uz-Cyrl", "ja", "zh", "ko", "en", "pt-BR", "ar", "und"]
)


@st.composite
def person_names(draw: st.DrawFn) -> gc.PersonName:
    given = draw(st.none() | name_text)
    surname = draw(name_text) if given is None else draw(st.none() | name_text)
    return gc.PersonName(
        given=given,
        surname=surname,
        title=draw(st.none() | st.sampled_from(["Dr.", "Prof.", "Ponas", "様"])),
        given2=draw(st.none() | name_text),
        locale=draw(locales),
    )


def phone_for(region: str, kind: int) -> str | None:
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return None
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


emails = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.from_regex(r"[a-zA-Z][a-zA-Z0-9._+-]{0,20}[a-zA-Z0-9]", fullmatch=True).filter(
        lambda s: ".." not in s
    ),
    st.sampled_from(
        ["example.lt", "example.com", "münchen.de", "пример.рф", "例え.jp", "example.co.il"]
    ),
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | name_text,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), children, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def customers(draw: st.DrawFn) -> gc.Customer:
    region = draw(st.sampled_from(REGIONS))
    phones = []
    for kind in draw(
        st.lists(
            st.sampled_from(
                [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
            ),
            max_size=2,
            unique=True,
        )
    ):
        number = phone_for(region, kind)
        if number is not None:
            phones.append(number)
    return gc.Customer(
        name=draw(person_names()),
        other_names=draw(st.lists(person_names(), max_size=2)),
        country=region,
        language=LANGUAGES[region],
        time_zone=ZONES[region],
        currency=CURRENCIES[region],
        emails=draw(st.lists(emails, max_size=2, unique_by=lambda s: str(s).casefold())),
        phones=phones,
        preferred_channels=draw(
            st.lists(st.sampled_from(["email", "whatsapp", "line", "sms"]), unique=True, max_size=3)
        ),
        formality=draw(st.none() | st.sampled_from(["formal", "informal"])),
        gender=draw(st.none() | st.sampled_from(["female", "male", "non_binary", "unspecified"])),
        tags=draw(
            st.lists(
                st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), max_size=3, unique=True
            )
        ),
        attributes=draw(
            st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), json_values, max_size=3)
        ),
    )


aware_datetimes = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [
            dt.UTC,
            dt.timezone(dt.timedelta(hours=9)),
            dt.timezone(dt.timedelta(hours=-3, minutes=-30)),
        ]
    ),
)
