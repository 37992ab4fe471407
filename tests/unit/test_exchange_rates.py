"""Exchange rates: the table, ECB and CSV import, conversion and the localized disclosure.

The ECB samples below follow the structure of the ECB's published files (``gesmes:Envelope``,
``Cube time``, ``Cube currency rate``); the numbers are from the ECB's 2024-06-27/28 fixings.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from decimal import Decimal
from pathlib import Path

import babel
import babel.dates
import babel.numbers
import pytest

from globalcrm.errors import InvalidFormat, InvalidInput, NotFound, RuleViolation
from globalcrm.exchange_rates import (
    ECB,
    Conversion,
    CsvRateImporter,
    EcbXmlImporter,
    ExchangeRate,
    RateImporter,
    RateTable,
    convert,
    disclosure_text,
    read_ecb_xml,
    read_rates_csv,
)
from globalcrm.money import format_money, money

ECB_DAILY = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time='2024-06-28'>
\t\t\t<Cube currency='USD' rate='1.0705'/>
\t\t\t<Cube currency='JPY' rate='171.94'/>
\t\t\t<Cube currency='CZK' rate='25.025'/>
\t\t\t<Cube currency='DKK' rate='7.4575'/>
\t\t\t<Cube currency='GBP' rate='0.84638'/>
\t\t\t<Cube currency='CHF' rate='0.9634'/>
\t\t\t<Cube currency='BRL' rate='5.8915'/>
\t\t\t<Cube currency='ILS' rate='4.0200'/>
\t\t\t<Cube currency='INR' rate='89.2495'/>
\t\t\t<Cube currency='KRW' rate='1474.86'/>
\t\t\t<Cube currency='CNY' rate='7.7748'/>
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>
"""

ECB_HISTORY = b"""<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
\t<gesmes:subject>Reference rates</gesmes:subject>
\t<gesmes:Sender>
\t\t<gesmes:name>European Central Bank</gesmes:name>
\t</gesmes:Sender>
\t<Cube>
\t\t<Cube time="2024-06-28">
\t\t\t<Cube currency="USD" rate="1.0705"/>
\t\t\t<Cube currency="JPY" rate="171.94"/>
\t\t</Cube>
\t\t<Cube time="2024-06-27">
\t\t\t<Cube currency="USD" rate="1.0691"/>
\t\t\t<Cube currency="JPY" rate="171.54"/>
\t\t</Cube>
\t\t<Cube time="2015-02-12">
\t\t\t<Cube currency="USD" rate="1.1328"/>
\t\t\t<Cube currency="HRK" rate="7.7230"/>
\t\t</Cube>
\t</Cube>
</gesmes:Envelope>
"""

FRIDAY = dt.datetime(2024, 6, 28, 16, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
MONDAY = dt.datetime(2024, 7, 1, 9, 0, tzinfo=dt.UTC)


def ecb_table() -> RateTable:
    table = RateTable()
    table.extend(read_ecb_xml(io.BytesIO(ECB_DAILY)))
    return table


# --- ECB and CSV import ---------------------------------------------------------------------------


def test_ecb_daily_file() -> None:
    rates = read_ecb_xml(io.BytesIO(ECB_DAILY))
    assert len(rates) == 11
    usd = rates[0]
    assert (usd.base, usd.quote, usd.rate, usd.source) == ("EUR", "USD", Decimal("1.0705"), ECB)
    assert usd.as_of == FRIDAY.astimezone(dt.UTC)
    assert str(rates[4].rate) == "0.84638"  # published digits are kept exactly


def test_ecb_historical_file_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "eurofxref-hist.xml"
    path.write_bytes(ECB_HISTORY)
    rates = EcbXmlImporter().read(path)
    assert len(rates) == 6
    table = RateTable()
    table.extend(rates)
    thursday = dt.datetime(2024, 6, 27, 18, 0, tzinfo=dt.UTC)
    assert table.rate("EUR", "USD", at=thursday).rate == Decimal("1.0691")
    assert table.rate("EUR", "USD", at=MONDAY).rate == Decimal("1.0705")
    # Withdrawn currencies in old files are kept (HRK left in 2023).
    assert any(rate.quote == "HRK" for rate in rates)
    assert isinstance(EcbXmlImporter(), RateImporter)
    assert isinstance(CsvRateImporter(source="bank"), RateImporter)


def test_ecb_file_from_text_stream() -> None:
    assert len(read_ecb_xml(io.StringIO(ECB_DAILY.decode()))) == 11


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<not xml",
        b"<root/>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        ECB_DAILY.replace(b"rate='1.0705'", b"rate='1,0705'"),
        ECB_DAILY.replace(b"currency='USD'", b"currency='XQQ'"),
        ECB_DAILY.replace(b"time='2024-06-28'", b"time='28.06.2024'"),
        ECB_DAILY.replace(b"rate='1.0705'", b"rate='-1'"),
    ],
)
def test_ecb_junk_is_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        read_ecb_xml(io.BytesIO(data))


def test_ecb_error_names_the_cube() -> None:
    data = ECB_DAILY.replace(b"currency='JPY'", b"currency='J1Y'")
    with pytest.raises(InvalidFormat) as caught:
        read_ecb_xml(io.BytesIO(data))
    assert caught.value.field == "Cube[0].Cube[1].quote"


def test_ecb_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        read_ecb_xml(tmp_path / "missing.xml")


def test_csv_import() -> None:
    text = (
        "base,quote,rate,as_of,source\n"
        "USD,EUR,0.9213,2026-11-20,bank\n"
        "GBP,EUR,1.1812,2026-11-20T16:00:00+01:00,bank\n"
    )
    rates = read_rates_csv(io.StringIO(text))
    assert [(r.base, r.quote, r.rate) for r in rates] == [
        ("USD", "EUR", Decimal("0.9213")),
        ("GBP", "EUR", Decimal("1.1812")),
    ]
    assert rates[0].as_of == dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
    assert rates[1].as_of == dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
    named = CsvRateImporter(source="treasury").read(
        io.BytesIO(b"\xef\xbb\xbfbase,quote,rate,as_of\nUSD,EUR,0.92,2026-11-20\n")
    )
    assert named[0].source == "treasury"


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ("base,quote,rate,as_of,source\nUSD,EUR,abc,2026-11-20,bank\n", 1),
        ("base,quote,rate,as_of,source\nUSD,EUR,1,2026-11-20,bank\nUSD,EUR,0,2026-11-21,bank\n", 2),
        ("base,quote,rate,as_of,source\nUSD,EUR,1,2026-11-20T10:00,bank\n", 1),
        ("base,quote,rate,as_of,source\nUSD,USD,1,2026-11-20,bank\n", 1),
    ],
)
def test_csv_errors_carry_the_row(text: str, row: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_rates_csv(io.StringIO(text))
    assert caught.value.row == row


def test_csv_missing_columns() -> None:
    with pytest.raises(InvalidFormat, match="missing columns: source"):
        read_rates_csv(io.StringIO("base,quote,rate,as_of\nUSD,EUR,1,2026-11-20\n"))


# --- the table ------------------------------------------------------------------------------------


def test_direct_inverse_and_cross_rates() -> None:
    table = ecb_table()
    direct = table.rate("EUR", "USD", at=MONDAY)
    assert direct.rate == Decimal("1.0705")
    assert direct.derivation == "direct"
    inverse = table.rate("USD", "EUR", at=MONDAY)
    assert inverse.derivation == "inverse"
    assert inverse.rate * Decimal("1.0705") == pytest.approx(Decimal(1), abs=Decimal("1e-26"))
    cross = table.rate("USD", "JPY", at=MONDAY)
    assert cross.derivation == "cross:EUR"
    assert cross.source == ECB
    assert cross.rate.quantize(Decimal("0.0001")) == (
        Decimal("171.94") / Decimal("1.0705")
    ).quantize(Decimal("0.0001"))


def test_newest_rate_not_after_the_time_wins() -> None:
    table = RateTable()
    day1 = dt.datetime(2026, 11, 19, 15, tzinfo=dt.UTC)
    day2 = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
    table.add(ExchangeRate(base="EUR", quote="USD", rate="1.08", source=ECB, as_of=day2))
    table.add(ExchangeRate(base="EUR", quote="USD", rate="1.07", source=ECB, as_of=day1))
    assert table.rate("EUR", "USD", at=day2 - dt.timedelta(minutes=1)).rate == Decimal("1.07")
    assert table.rate("EUR", "USD", at=day2).rate == Decimal("1.08")
    # the same source and time replaces the earlier record
    table.add(ExchangeRate(base="EUR", quote="USD", rate="1.09", source=ECB, as_of=day2))
    assert table.rate("EUR", "USD", at=day2).rate == Decimal("1.09")
    assert len(table) == 2
    with pytest.raises(NotFound):
        table.rate("EUR", "USD", at=day1 - dt.timedelta(days=1))


def test_stale_rates_are_an_error() -> None:
    table = ecb_table()
    with pytest.raises(RuleViolation, match="older than the allowed 4 days"):
        table.rate("EUR", "USD", at=FRIDAY + dt.timedelta(days=5))
    lenient = RateTable(max_age=dt.timedelta(days=30))
    lenient.extend(read_ecb_xml(io.BytesIO(ECB_DAILY)))
    assert lenient.rate("EUR", "USD", at=FRIDAY + dt.timedelta(days=5)).rate == Decimal("1.0705")
    with pytest.raises(InvalidFormat):
        RateTable(max_age=dt.timedelta(0))


def test_no_route_is_not_found() -> None:
    table = ecb_table()
    with pytest.raises(NotFound):
        table.rate("USD", "UZS", at=MONDAY)


def test_rate_validation() -> None:
    with pytest.raises(InvalidFormat, match="floats"):
        ExchangeRate(base="EUR", quote="USD", rate=1.07, source=ECB, as_of=MONDAY)
    with pytest.raises(InvalidFormat):
        ExchangeRate(
            base="EUR", quote="USD", rate="1.07", source=ECB, as_of=dt.datetime(2026, 1, 1)
        )
    with pytest.raises(InvalidInput):
        ExchangeRate(base="EUR", quote="EUR", rate="1", source=ECB, as_of=MONDAY)
    with pytest.raises(InvalidFormat):
        ExchangeRate(base="EUR", quote="USD", rate="1", source="", as_of=MONDAY)


# --- conversion and disclosure --------------------------------------------------------------------


def test_convert_keeps_the_exact_value_and_discloses() -> None:
    result = convert(money("100", "USD"), "EUR", at=MONDAY, table=ecb_table())
    assert isinstance(result, Conversion)
    exact = Decimal(100) / Decimal("1.0705")
    assert result.exact.quantize(Decimal("1e-20")) == exact.quantize(Decimal("1e-20"))
    assert result.converted.amount == exact.quantize(Decimal("0.01"))
    assert result.disclosure.source == ECB
    assert result.disclosure.markup == 0
    assert result.disclosure.as_of == FRIDAY.astimezone(dt.UTC)


def test_markup_is_applied_against_the_customer_and_disclosed() -> None:
    plain = convert(money("100", "EUR"), "USD", at=MONDAY, table=ecb_table())
    marked = convert(
        money("100", "EUR"), "USD", at=MONDAY, table=ecb_table(), markup=Decimal("0.02")
    )
    assert plain.converted.amount == Decimal("107.05")
    assert marked.converted.amount == Decimal("109.19")
    assert marked.disclosure.effective_rate == Decimal("1.0705") * Decimal("1.02")
    percent = babel.numbers.format_percent(Decimal("0.02"), locale="en")
    assert f"+ {percent} markup" in marked.text
    with pytest.raises(InvalidFormat):
        convert(money("1", "EUR"), "USD", at=MONDAY, table=ecb_table(), markup=0.02)
    with pytest.raises(InvalidInput):
        convert(money("1", "EUR"), "USD", at=MONDAY, table=ecb_table(), markup=Decimal("-0.1"))


LANGUAGES = ["en", "lt", "lv", "fi", "he", "uz", "ja", "zh", "ko", "pt", "de", "nl", "hi"]


@pytest.mark.parametrize("locale", [*LANGUAGES, "pt-BR", "fr", "ar"])
def test_sentence_uses_the_locales_numbers_and_dates(locale: str) -> None:
    result = convert(money("1234.56", "EUR"), "USD", at=MONDAY, table=ecb_table(), locale=locale)
    tag = locale.replace("-", "_")
    amount = format_money(result.converted, locale=locale)
    rate = babel.numbers.format_decimal(Decimal("1.0705"), locale=tag, decimal_quantization=False)
    day = babel.dates.format_date(dt.date(2024, 6, 28), format="medium", locale=tag)
    text = result.text
    assert text.startswith("≈ ")
    assert amount in text
    assert f"1 EUR = {rate} USD" in text
    assert ECB in text
    assert day in text
    rtl = babel.Locale.parse(tag).character_order == "right-to-left"
    assert ("\u2068" in text) == rtl
    assert ("\u2066" in text) == rtl


def test_each_language_has_its_own_sentence() -> None:
    texts = {
        language: convert(
            money("10", "EUR"), "JPY", at=MONDAY, table=ecb_table(), locale=language,
            markup=Decimal("0.01"),
        ).text
        for language in LANGUAGES
    }
    english = texts["en"]
    for language in LANGUAGES:
        if language not in ("en", "ko", "hi"):
            # differs from English beyond numbers: its own word for markup
            assert "markup" not in texts[language], language
    assert "markup" in english
    assert "（" in texts["ja"]
    assert "（" in texts["zh"]


def test_unknown_language_falls_back_to_english_words() -> None:
    text = convert(
        money("10", "EUR"), "USD", at=MONDAY, table=ecb_table(), locale="sw",
        markup=Decimal("0.01"),
    ).text
    assert "markup" in text
    assert babel.dates.format_date(dt.date(2024, 6, 28), format="medium", locale="sw") in text


def test_disclosure_text_can_be_rendered_again() -> None:
    result = convert(money("10", "EUR"), "USD", at=MONDAY, table=ecb_table(), locale="lt")
    assert disclosure_text(result.converted, result.disclosure, locale="lt") == result.text
    with pytest.raises(InvalidFormat):
        disclosure_text(result.converted, "nope", locale="lt")


def test_convert_refuses_same_currency_and_bad_arguments() -> None:
    table = ecb_table()
    with pytest.raises(InvalidInput):
        convert(money("1", "EUR"), "EUR", at=MONDAY, table=table)
    with pytest.raises(InvalidFormat):
        convert(money("1", "EUR"), "USD", at=dt.datetime(2024, 7, 1), table=table)
    with pytest.raises(InvalidFormat):
        convert(money("1", "EUR"), "USD", at=MONDAY, table={})
    with pytest.raises(InvalidFormat):
        convert(Decimal(1), "USD", at=MONDAY, table=table)
