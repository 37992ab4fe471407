"""Hypothesis strategies for the domain: names in many scripts, contact points, customers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import phonenumbers
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm.customers import ACCESSIBILITY_NEEDS, ALLERGENS, DIETARY_NEEDS

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
any_name_text = (
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
REAL_NAME_PARTS = [
    "Jonas",
    "Pētersons",
    "Mäkinen",
    "נועה",  # Hebrew: right to left
    "محمد",  # Arabic: right to left, joined
    "O\u02bblmas",  # Uzbek Latin with the modifier-letter apostrophe
    "Ngu\u0301yê\u0303n",  # Vietnamese with combining marks (NFC composes them)
    "Ва\u0301ся",  # Cyrillic with a combining acute, which does not compose
    "𠮷野",  # an astral (supplementary-plane) CJK ideograph
    "𝔄𝔫𝔫𝔞",  # astral mathematical letters
    "山田",
    "ヤマダ",
    "김",
    "Ó Súilleabháin",
    "Nguyễn Thị",
    "de la Cruz",
]
name_text = st.sampled_from(REAL_NAME_PARTS) | any_name_text

locales = st.sampled_from(
    ["lt", "lv", "fi", "he", "uz-Latn", "uz-Cyrl", "ja", "zh", "ko", "en", "pt-BR", "ar", "und"]
)


@st.composite
def person_names(draw: st.DrawFn, *, with_reading: bool = True) -> gc.PersonName:
    """A name in any script, with any CLDR field (``surname_prefix``/``surname_core`` too)."""
    given = draw(st.none() | name_text)
    split = draw(st.booleans())
    prefix = core = None
    if split:  # "van" + "Dijk": the surname is derived from its parts
        prefix = draw(st.none() | st.sampled_from(["van", "von", "de", "da", "bin", "ibn"]))
        core = draw(name_text)
        surname = None
    else:
        surname = draw(name_text) if given is None else draw(st.none() | name_text)
    optional = st.none() | name_text
    reading = None
    if with_reading and draw(st.integers(0, 3)) == 0:
        reading = draw(person_names(with_reading=False))
    return gc.PersonName(
        given=given,
        surname=surname,
        surname_prefix=prefix,
        surname_core=core,
        title=draw(st.none() | st.sampled_from(["Dr.", "Prof.", "Ponas", "様", "השופטת"])),
        given_informal=draw(optional),
        given2=draw(optional),
        surname2=draw(optional),
        generation=draw(st.none() | st.sampled_from(["Jr.", "III", "Sr."])),
        credentials=draw(st.none() | st.sampled_from(["PhD", "MD", "FRCS", "dr. med."])),
        locale=draw(locales),
        reading=reading,
    )


def phone_for(region: str, kind: int) -> str | None:
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return None
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)


PHONE_TYPES = [
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.VOIP,
]
PHONES: dict[str, list[str]] = {
    region: [n for kind in PHONE_TYPES if (n := phone_for(region, kind)) is not None]
    for region in REGIONS
}
"""Example numbers of every type phonenumbers knows, in each region's national format."""


@st.composite
def phone_inputs(draw: st.DrawFn, region: str) -> object:
    """A phone as a caller gives it: national text in the customer's region, international text
    from any region, a mapping with flags and a label, or a ``PhoneNumber``."""
    own = draw(st.booleans())
    home = region if own else draw(st.sampled_from(REGIONS))
    national = draw(st.sampled_from(PHONES[home]))
    text = national if own else gc.PhoneNumber.parse(national, region=home).international()
    shape = draw(st.sampled_from(["text", "mapping", "object"]))
    if shape == "text":
        return text
    verified, label = draw(st.booleans()), draw(labels)
    if shape == "mapping":
        return {"number": text, "verified": verified, "label": label}
    return attrs.evolve(gc.PhoneNumber.parse(text, region=home), verified=verified, label=label)


emails = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.from_regex(r"[a-zA-Z][a-zA-Z0-9._+-]{0,20}[a-zA-Z0-9]", fullmatch=True).filter(
        lambda s: ".." not in s
    ),
    st.sampled_from(
        ["example.lt", "example.com", "münchen.de", "пример.рф", "例え.jp", "example.co.il"]
    ),
)
labels = st.none() | st.sampled_from(["home", "work", "darbas", "עבודה", "自宅"])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | name_text,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), children, max_size=3)
    ),
    max_leaves=8,
)

ADDRESSES: list[dict[str, str]] = [
    dict(country="LT", street_address="Gedimino pr. 9", city="Vilnius", postal_code="LT-01103"),
    dict(country="FI", street_address="Mannerheimintie 1 A 5", city="Helsinki",
         postal_code="00100"),
    dict(country="LV", street_address="Brīvības iela 1", city="Rīga", postal_code="LV-1010"),
    dict(country="DE", street_address="Unter den Linden 77", city="Berlin", postal_code="10117",
         company_name="Hotel Adlon"),
    dict(country="IL", street_address="רחוב יפו 97", city="ירושלים", postal_code="9434001"),
    dict(country="JP", country_area="東京都", street_address="千代田区丸の内1-9-1",
         postal_code="100-0005"),
    dict(country="CN", country_area="北京市", city="东城区", street_address="景山前街4号",
         postal_code="100009"),
    dict(country="BR", country_area="SP", city="São Paulo", city_area="Bela Vista",
         street_address="Av. Paulista, 1578\nConjunto 12", postal_code="01310-200"),
    dict(country="US", country_area="CA", city="Mountain View",
         street_address="1600 Amphitheatre Pkwy", postal_code="94043"),
    dict(country="UZ", street_address="Amir Temur ko‘chasi 1", city="Toshkent",
         postal_code="100000"),
]
"""Real addresses that Google's address data accepts, in several scripts and formats."""


@st.composite
def addresses(draw: st.DrawFn) -> gc.PostalAddress:
    data: dict[str, Any] = dict(draw(st.sampled_from(ADDRESSES)))
    if draw(st.booleans()):
        data["name"] = draw(name_text)
    return gc.PostalAddress(**data, verified=draw(st.booleans()), label=draw(labels))


@st.composite
def handles(draw: st.DrawFn, region: str) -> gc.MessagingHandle:
    service = draw(st.sampled_from(["whatsapp", "viber", "telegram", "line", "wechat", "zalo"]))
    if service in ("whatsapp", "viber"):
        national = draw(st.sampled_from(PHONES[region]))
        return gc.MessagingHandle.parse(national, service=service, region=region)
    if service == "telegram":
        handle = draw(st.from_regex(r"@?[A-Za-z][A-Za-z0-9_]{4,20}", fullmatch=True))
    else:
        handle = draw(name_text | st.from_regex(r"[a-z][a-z0-9_.-]{3,20}", fullmatch=True))
    return gc.MessagingHandle(service=service, handle=handle, verified=draw(st.booleans()))


times = st.builds(
    dt.time,
    st.integers(0, 23),
    st.integers(0, 59),
    st.sampled_from([0, 0, 0, 30]),
)
contact_hours = st.tuples(times, times).filter(lambda pair: pair[0] != pair[1]).flatmap(
    lambda pair: st.builds(
        gc.ContactHours,
        start=st.just(pair[0]),
        end=st.just(pair[1]),
        weekdays=st.lists(st.integers(1, 7), min_size=1, max_size=7, unique=True).map(tuple),
    )
)
"""Windows in local time, overnight ones included; a few start or end on a second."""

codes = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)


def _one_primary(draw: st.DrawFn, points: list[Any]) -> list[Any]:
    """Mark at most one of ``points`` primary, as a customer may."""
    if not points or not draw(st.booleans()):
        return points
    index = draw(st.integers(0, len(points) - 1))
    point = points[index]
    if isinstance(point, str):
        return points  # plain text has no flags
    if isinstance(point, dict):
        points[index] = {**point, "primary": True}
    else:
        points[index] = attrs.evolve(point, primary=True)
    return points


@st.composite
def customers(draw: st.DrawFn) -> gc.Customer:
    region = draw(st.sampled_from(REGIONS))
    email_texts = draw(st.lists(emails, max_size=2, unique_by=lambda s: str(s).casefold()))
    email_points: list[Any] = [
        text
        if draw(st.booleans())
        else gc.EmailAddress(address=text, verified=draw(st.booleans()), label=draw(labels))
        for text in email_texts
    ]
    return gc.Customer(
        name=draw(person_names()),
        other_names=draw(st.lists(person_names(), max_size=2)),
        country=region,
        language=LANGUAGES[region],
        time_zone=ZONES[region],
        currency=CURRENCIES[region],
        emails=_one_primary(draw, email_points),
        phones=_one_primary(draw, draw(st.lists(phone_inputs(region), max_size=3))),
        addresses=_one_primary(draw, draw(st.lists(addresses(), max_size=2))),
        handles=draw(st.lists(handles(region), max_size=2)),
        preferred_channels=draw(
            st.lists(st.sampled_from(["email", "whatsapp", "line", "sms"]), unique=True, max_size=3)
        ),
        contact_hours=draw(st.none() | contact_hours),
        formality=draw(st.none() | st.sampled_from(["formal", "informal"])),
        gender=draw(st.none() | st.sampled_from(["female", "male", "non_binary", "unspecified"])),
        pronouns=draw(st.none() | st.sampled_from(["she/her", "they/them", "hen", "ze/zir"])),
        birth_date=draw(st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31))),
        dietary_needs=draw(
            st.lists(st.sampled_from(DIETARY_NEEDS) | codes, max_size=3, unique=True)
        ),
        allergens=draw(st.lists(st.sampled_from(ALLERGENS), max_size=3, unique=True)),
        accessibility_needs=draw(
            st.lists(
                st.sampled_from(ACCESSIBILITY_NEEDS) | codes, max_size=2, unique=True
            )
        ),
        tags=draw(st.lists(codes, max_size=3, unique=True)),
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
