"""Sample customers from thirteen countries, with native-script names and real-shaped contacts.

Used by ``globalcrm demo`` and the docs. Phone numbers and addresses are well-formed examples,
not real people's.
"""

from __future__ import annotations

import datetime as dt

from globalcrm.addresses import PostalAddress
from globalcrm.contact_points import ContactHours, MessagingHandle
from globalcrm.customers import Customer
from globalcrm.locale.person_names import PersonName

__all__ = ["CONVERSATIONS", "sample_customers"]


def sample_customers() -> list[Customer]:
    """One customer from each of LT, LV, FI, IL, UZ, JP, CN, KR, BR, IN, NL, DE and US."""
    weekdays = ContactHours(start="09:00", end="18:00", weekdays=(1, 2, 3, 4, 5))
    return [
        Customer(
            name=PersonName(given="Jonas", surname="Petraitis", locale="lt"),
            country="LT",
            language="lt",
            time_zone="Europe/Vilnius",
            currency="EUR",
            emails=["Jonas.Petraitis@Example.lt"],
            phones=["8 612 34567"],
            addresses=[
                PostalAddress(
                    country="LT",
                    street_address="Gedimino pr. 9",
                    city="Vilnius",
                    postal_code="LT-01103",
                )
            ],
            handles=[MessagingHandle(service="whatsapp", handle="+37061234567")],
            preferred_channels=["whatsapp", "email"],
            contact_hours=weekdays,
            gender="male",
            formality="formal",
            tags=["vip"],
        ),
        Customer(
            name=PersonName(given="Līga", surname="Bērziņa", locale="lv"),
            country="LV",
            language="lv",
            time_zone="Europe/Riga",
            currency="EUR",
            emails=["liga.berzina@example.lv"],
            phones=["21234567"],
            addresses=[
                PostalAddress(
                    country="LV",
                    street_address="Brīvības iela 55",
                    city="Rīga",
                    postal_code="LV-1010",
                )
            ],
            preferred_channels=["email", "sms"],
            gender="female",
            dietary_needs=["vegetarian"],
        ),
        Customer(
            name=PersonName(given="Aino", surname="Mäkinen", locale="fi"),
            country="FI",
            language="fi",
            time_zone="Europe/Helsinki",
            currency="EUR",
            emails=["aino.makinen@example.fi"],
            phones=["040 1234567"],
            addresses=[
                PostalAddress(
                    country="FI",
                    street_address="Mannerheimintie 1 A",
                    city="Helsinki",
                    postal_code="00100",
                )
            ],
            preferred_channels=["email"],
            formality="informal",
            gender="female",
        ),
        Customer(
            name=PersonName(given="נועה", surname="כהן", locale="he"),
            other_names=[PersonName(given="Noa", surname="Cohen", locale="en")],
            country="IL",
            language="he",
            time_zone="Asia/Jerusalem",
            currency="ILS",
            emails=["noa.cohen@example.co.il"],
            phones=["052-234-5678"],
            addresses=[
                PostalAddress(
                    country="IL",
                    street_address="רחוב הרצל 1",
                    city="תל אביב-יפו",
                    postal_code="6100000",
                    # unpointed Hebrew has no reliable transliteration: keep the customer's own
                    latin={"street_address": "1 Herzl St", "city": "Tel Aviv-Yafo"},
                )
            ],
            preferred_channels=["whatsapp"],
            gender="non_binary",
            pronouns="they/them",
            dietary_needs=["kosher"],
            contact_hours=ContactHours(start="09:00", end="17:00", weekdays=(7, 1, 2, 3, 4)),
        ),
        Customer(
            name=PersonName(given="Dilnoza", surname="Rashidova", locale="uz-Latn"),
            other_names=[PersonName(given="Дилноза", surname="Рашидова", locale="uz-Cyrl")],
            country="UZ",
            language="uz",
            time_zone="Asia/Tashkent",
            currency="UZS",
            emails=["dilnoza.rashidova@example.uz"],
            phones=["90 123 45 67"],
            addresses=[
                PostalAddress(
                    country="UZ",
                    street_address="Amir Temur koʻchasi 1",
                    city="Toshkent",
                    postal_code="100000",
                )
            ],
            handles=[MessagingHandle(service="telegram", handle="@dilnoza_r")],
            preferred_channels=["telegram", "phone"],
            gender="female",
            dietary_needs=["halal"],
        ),
        Customer(
            name=PersonName(
                given="太郎",
                surname="山田",
                locale="ja",
                reading=PersonName(given="たろう", surname="やまだ", locale="ja"),
            ),
            other_names=[PersonName(given="Tarō", surname="Yamada", locale="ja-Latn")],
            country="JP",
            language="ja",
            time_zone="Asia/Tokyo",
            currency="JPY",
            emails=["taro.yamada@example.jp"],
            phones=["090-1234-5678"],
            addresses=[
                PostalAddress(
                    country="JP",
                    country_area="東京都",
                    street_address="千代田区丸の内1丁目1-1",
                    postal_code="100-0005",
                    # ICU has no Japanese reading of kanji (it would give Chinese pinyin)
                    latin={"street_address": "1-1 Marunouchi 1-chome, Chiyoda-ku"},
                )
            ],
            handles=[MessagingHandle(service="line", handle="yamada.taro")],
            preferred_channels=["line", "email"],
            formality="formal",
            gender="male",
        ),
        Customer(
            name=PersonName(given="小明", surname="王", locale="zh"),
            other_names=[PersonName(given="Xiaoming", surname="Wang", locale="zh-Latn")],
            country="CN",
            language="zh",
            time_zone="Asia/Shanghai",
            currency="CNY",
            emails=["wang.xiaoming@example.cn"],
            phones=["138 0013 8000"],
            addresses=[
                PostalAddress(
                    country="CN",
                    country_area="北京市",
                    city="东城区",
                    street_address="王府井大街1号",
                    postal_code="100006",
                )
            ],
            handles=[MessagingHandle(service="wechat", handle="wxid_wangxm")],
            preferred_channels=["wechat"],
            gender="male",
        ),
        Customer(
            name=PersonName(given="민준", surname="김", locale="ko"),
            country="KR",
            language="ko",
            time_zone="Asia/Seoul",
            currency="KRW",
            emails=["minjun.kim@example.kr"],
            phones=["010-1234-5678"],
            addresses=[
                PostalAddress(
                    country="KR",
                    country_area="서울특별시",
                    city="중구",
                    street_address="세종대로 110",
                    postal_code="04524",
                    # the official English address (ICU's letter-by-letter gives "Sejongdaelo")
                    latin={"street_address": "110 Sejong-daero"},
                )
            ],
            handles=[MessagingHandle(service="kakaotalk", handle="minjun.kim")],
            preferred_channels=["kakaotalk"],
            gender="male",
        ),
        Customer(
            name=PersonName(given="Ana", given2="Beatriz", surname="Souza", locale="pt-BR"),
            country="BR",
            language="pt-BR",
            time_zone="America/Sao_Paulo",
            currency="BRL",
            emails=["ana.souza@example.com.br"],
            phones=["(11) 91234-5678"],
            addresses=[
                PostalAddress(
                    country="BR",
                    street_address="Av. Paulista, 1578",
                    city_area="Bela Vista",
                    city="São Paulo",
                    country_area="SP",
                    postal_code="01310-200",
                )
            ],
            handles=[MessagingHandle(service="whatsapp", handle="+5511912345678")],
            preferred_channels=["whatsapp"],
            formality="informal",
            gender="female",
        ),
        Customer(
            name=PersonName(given="Priya", surname="Sharma", locale="en-IN"),
            other_names=[PersonName(given="प्रिया", surname="शर्मा", locale="hi")],
            country="IN",
            language="hi",
            time_zone="Asia/Kolkata",
            currency="INR",
            emails=["priya.sharma@example.in"],
            phones=["98765 43210"],
            addresses=[
                PostalAddress(
                    country="IN",
                    street_address="12 MG Road",
                    city="Bengaluru",
                    country_area="Karnataka",
                    postal_code="560001",
                )
            ],
            preferred_channels=["whatsapp", "sms"],
            gender="female",
            dietary_needs=["hindu_vegetarian"],
            allergens=["peanuts"],
        ),
        Customer(
            name=PersonName(given="Sanne", surname_prefix="de", surname_core="Vries", locale="nl"),
            country="NL",
            language="nl",
            time_zone="Europe/Amsterdam",
            currency="EUR",
            emails=["sanne.devries@example.nl"],
            phones=["06 12345678"],
            addresses=[
                PostalAddress(
                    country="NL", street_address="Damrak 1", city="Amsterdam", postal_code="1012 LG"
                )
            ],
            preferred_channels=["email"],
            gender="female",
            accessibility_needs=["large_print"],
        ),
        Customer(
            name=PersonName(given="Jürgen", surname="Müller", title="Dr.", locale="de"),
            country="DE",
            language="de",
            time_zone="Europe/Berlin",
            currency="EUR",
            emails=["juergen.mueller@example.de"],
            phones=["01512 3456789"],
            addresses=[
                PostalAddress(
                    country="DE",
                    street_address="Unter den Linden 77",
                    city="Berlin",
                    postal_code="10117",
                )
            ],
            preferred_channels=["email", "phone"],
            formality="formal",
            gender="male",
        ),
        Customer(
            name=PersonName(given="Emily", surname="Johnson", locale="en-US"),
            country="US",
            language="en-US",
            time_zone="America/Los_Angeles",
            currency="USD",
            emails=["emily.johnson@example.com"],
            phones=["(650) 253-0000"],
            addresses=[
                PostalAddress(
                    country="US",
                    street_address="1600 Amphitheatre Parkway",
                    city="Mountain View",
                    country_area="CA",
                    postal_code="94043",
                )
            ],
            preferred_channels=["email", "sms"],
            gender="unspecified",
        ),
    ]


CONVERSATIONS: list[tuple[str, str, list[tuple[str, str, str, int]]]] = [
    # (customer country, conversation id, [(channel, direction, body, minutes after start)])
    (
        "LT",
        "order-1042",
        [
            ("whatsapp", "inbound", "Sveiki! Kada atvyks mano užsakymas?", 0),
            ("email", "outbound", "Laba diena, Jonai, jūsų užsakymas išsiųstas.", 12),
            ("phone", "inbound", "Skambutis dėl pristatymo laiko.", 95),
        ],
    ),
    (
        "JP",
        "inquiry-7",
        [
            ("line", "inbound", "注文の配送状況を教えてください。", 0),
            ("email", "outbound", "山田様、ご注文は発送済みです。", 30),
        ],
    ),
    (
        "IL",
        "support-311",
        [
            ("whatsapp", "inbound", "שלום, יש בעיה בהזמנה שלי.", 0),
            ("live_chat", "outbound", "שלום נועה, נבדוק מיד.", 3),
        ],
    ),
    (
        "BR",
        "pedido-88",
        [
            ("whatsapp", "inbound", "Oi! Posso pagar com Pix?", 0),
            ("whatsapp", "outbound", "Pode sim, Ana! Enviamos o QR Code.", 2),
        ],
    ),
]
"""Cross-channel threads for the demo, by the customer's country."""

DEMO_START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
"""When the demo conversations start."""


# --------------------------------------------------------------------------- prices
# Sample figures for the demo, not market data: a reference-rate file in the ECB's format (the
# ECB publishes no UZS rate, so that one comes as CSV from a second source), and VAT rates an
# application would supply.

ECB_SAMPLE = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
    xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>
  <Cube>
    <Cube time="2026-11-20">
      <Cube currency="USD" rate="1.1592"/>
      <Cube currency="JPY" rate="180.62"/>
      <Cube currency="ILS" rate="3.8471"/>
      <Cube currency="CNY" rate="8.2417"/>
      <Cube currency="KRW" rate="1702.35"/>
      <Cube currency="BRL" rate="6.1873"/>
      <Cube currency="INR" rate="102.574"/>
    </Cube>
  </Cube>
</gesmes:Envelope>
"""
"""A daily reference-rate file in the ECB's eurofxref format (sample values)."""

UZS_SAMPLE = "base,quote,rate,as_of,source\nEUR,UZS,13987.52,2026-11-20,CBU\n"
"""The EUR/UZS rate as CSV from a second source (sample value)."""

PRODUCT = "travel-mug"
"""The product the demo prices for every customer."""

MARKETS: dict[str, tuple[str, str, str, str, str | None]] = {
    # country: (currency, locale, tax display, VAT rate, ending)
    "LT": ("EUR", "lt", "inclusive", "0.21", "90"),
    "LV": ("EUR", "lv", "inclusive", "0.21", "90"),
    "FI": ("EUR", "fi", "inclusive", "0.255", "90"),
    "NL": ("EUR", "nl", "inclusive", "0.21", "99"),
    "DE": ("EUR", "de", "inclusive", "0.19", "90"),
    "IL": ("ILS", "he", "inclusive", "0.18", "90"),
    "UZ": ("UZS", "uz", "inclusive", "0.12", "whole"),
    "JP": ("JPY", "ja", "inclusive", "0.10", "whole"),
    "CN": ("CNY", "zh", "inclusive", "0.13", "whole"),
    "KR": ("KRW", "ko", "inclusive", "0.10", "whole"),
    "BR": ("BRL", "pt-BR", "inclusive", "0", "90"),
    "IN": ("INR", "hi", "inclusive", "0.18", "whole"),
    "US": ("USD", "en-US", "exclusive", "0", "99"),
}
"""Demo markets keyed by country (sample VAT rates; an application supplies its own)."""


# --------------------------------------------------------------------------- consent
MARKETING_NOTICES = {
    "lt": ("Naujienlaiškis", "Sutinku gauti pasiūlymus el. paštu. Sutikimą galiu atšaukti."),
    "lv": ("Jaunumi", "Piekrītu saņemt piedāvājumus e-pastā. Piekrišanu varu atsaukt."),
    "de": ("Newsletter", "Ich willige ein, Angebote per E-Mail zu erhalten. Widerruf jederzeit."),
}
"""The marketing notice shown, per language (a sample text)."""
