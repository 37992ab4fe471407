"""Money: currency validation, minor units, rounding, cash rounding and CLDR formatting.

Expected strings come from babel (CLDR) at test time, never typed from memory.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import babel
import babel.numbers
import pytest
from babel.core import get_global

from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput, RuleViolation
from globalcrm.money import (
    ACCOUNTING,
    DISPLAY,
    Money,
    add,
    babel_locale,
    cash_increment,
    currency_info,
    format_money,
    minor_units,
    money,
    narrow_symbol,
    round_cash,
    round_money,
    validate_currency,
)

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ["en", "lt", "lv", "fi", "he", "uz", "ja", "zh", "ko", "pt-BR", "pt", "de", "nl", "hi",
           "ar", "fr", "de-CH", "en-IN", "fa", "th", "sr-Latn", "zh-Hant"]
CURRENCIES = ["EUR", "USD", "JPY", "ILS", "UZS", "BRL", "KWD", "BHD", "CLF", "CHF", "INR", "KRW"]
AMOUNTS = ["0", "1", "-1", "1234.5", "1234.56", "-1234.56", "12345", "1000000.10", "0.01"]


# --- currencies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "digits"), [("JPY", 0), ("EUR", 2), ("KWD", 3), ("BHD", 3), ("CLF", 4), ("USD", 2)]
)
def test_minor_units_follow_cldr(code: str, digits: int) -> None:
    assert minor_units(code) == digits
    assert minor_units(code) == babel.numbers.get_currency_precision(code)


def test_minor_units_of_every_current_code_match_babel() -> None:
    import pycountry

    for currency in pycountry.currencies:
        code = str(currency.alpha_3)
        assert minor_units(code) == babel.numbers.get_currency_precision(code), code


def test_cash_increments_come_from_cldr_fractions() -> None:
    fractions = get_global("currency_fractions")
    for code in ("CHF", "DKK", "CAD", "SEK", "JPY", "EUR", "CZK"):
        _digits, _rounding, cash_digits, cash_rounding = fractions.get(code, fractions["DEFAULT"])
        expected = Decimal(max(cash_rounding, 1)).scaleb(-cash_digits)
        assert cash_increment(code) == expected
    assert cash_increment("CHF") == Decimal("0.05")
    assert cash_increment("DKK") == Decimal("0.50")


def test_current_and_withdrawn_currencies() -> None:
    assert validate_currency(" usd ") == "USD"
    assert currency_info("EUR").current
    assert currency_info("EUR").numeric == "978"
    info = currency_info("HRK")
    assert not info.current
    # The withdrawal date is CLDR's end of the last territory's use of the code.
    ends = [
        dt.date(*end)
        for usages in get_global("territory_currencies").values()
        for code, _start, end, _tender in usages
        if code == "HRK" and end
    ]
    assert info.withdrawn_on == max(ends)
    with pytest.raises(InvalidComponent, match="withdrawn on 2023-01-14") as caught:
        validate_currency("HRK")
    assert caught.value.field == "currency"
    assert validate_currency("LTL", allow_withdrawn=True) == "LTL"
    assert money("10", "LTL", allow_withdrawn=True).currency.code == "LTL"


@pytest.mark.parametrize("code", ["XQQ", "ABC", "ZZZ"])
def test_unknown_currency_is_invalid_component(code: str) -> None:
    with pytest.raises(InvalidComponent):
        validate_currency(code)


@pytest.mark.parametrize("code", ["EU", "EURO", "€", "E1R", "", None, 978, b"EUR"])
def test_malformed_currency_is_invalid_format(code: object) -> None:
    with pytest.raises(InvalidFormat):
        validate_currency(code)


def test_codes_missing_from_py_moneyed_still_work() -> None:
    # py-moneyed's hand-written table lags ISO 4217; we build the currency without registering it.
    import moneyed

    amount = money("10", "XCG")
    assert amount.currency.code == "XCG"
    assert "XCG" not in moneyed.CURRENCIES or moneyed.CURRENCIES["XCG"] == amount.currency


# --- amounts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1.5, 0.1, float("nan"), float("inf"), 1e300])
def test_floats_are_refused_with_a_clear_error(value: float) -> None:
    with pytest.raises(InvalidFormat, match="floats are not accepted") as caught:
        money(value, "EUR")
    assert caught.value.field == "amount"


def test_money_from_float_built_elsewhere_is_still_checked() -> None:
    # Money(1.5, ...) from py-moneyed stores Decimal('1.5'); NaN is refused on use.
    with pytest.raises(InvalidFormat):
        round_money(Money(Decimal("NaN"), "EUR"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("19.90", Decimal("19.90")), (5, Decimal(5)), (Decimal("-0"), Decimal(0)),
     (" 3.5 ", Decimal("3.5")), (".5", Decimal("0.5"))],
)
def test_money_accepts_decimal_int_and_plain_text(value: object, expected: Decimal) -> None:
    result = money(value, "EUR")
    assert result.amount == expected
    assert isinstance(result.amount, Decimal)
    assert not result.amount.is_signed()


@pytest.mark.parametrize(
    "value", ["1,5", "1e3", "abc", "", "--1", "1.2.3", "NaN", "Infinity", True, [], None]
)
def test_money_refuses_other_text(value: object) -> None:
    with pytest.raises(InvalidFormat):
        money(value, "EUR")


def test_money_refuses_silent_precision_loss_and_huge_amounts() -> None:
    with pytest.raises(InvalidInput, match="decimal places"):
        money("1.0000000000001", "EUR")
    assert money("1.100000000000000", "EUR").amount == Decimal("1.1")  # zeros are not precision
    with pytest.raises(InvalidInput, match="too large"):
        money(10**18, "EUR")
    with pytest.raises(InvalidInput, match="too large"):
        money(Decimal("1E+30"), "EUR")


# --- rounding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "accounting", "display"),
    [
        ("2.5", "JPY", "2", "3"),
        ("3.5", "JPY", "4", "4"),
        ("1.005", "EUR", "1.00", "1.01"),
        ("1.015", "EUR", "1.02", "1.02"),
        ("-1.005", "EUR", "-1.00", "-1.01"),
        ("1.0005", "KWD", "1.000", "1.001"),
        ("1.00005", "CLF", "1.0000", "1.0001"),
    ],
)
def test_rounding_modes(amount: str, currency: str, accounting: str, display: str) -> None:
    assert round_money(money(amount, currency)).amount == Decimal(accounting)
    assert round_money(money(amount, currency), rounding=ACCOUNTING).amount == Decimal(accounting)
    assert round_money(money(amount, currency), rounding=DISPLAY).amount == Decimal(display)
    assert str(round_money(money(amount, currency)).amount) == accounting


def test_unknown_rounding_mode() -> None:
    with pytest.raises(InvalidComponent):
        round_money(money("1", "EUR"), rounding="ROUND_SIDEWAYS")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("10.02", "CHF", "10.00"), ("10.03", "CHF", "10.05"), ("10.074", "CHF", "10.05"),
     ("10.25", "DKK", "10.50"), ("10.24", "DKK", "10.00"), ("10.004", "EUR", "10.00"),
     ("99.5", "JPY", "100")],
)
def test_cash_rounding(amount: str, currency: str, expected: str) -> None:
    result = round_cash(money(amount, currency))
    assert str(result.amount) == expected
    assert result.currency.code == currency


def test_add_refuses_mixed_currencies() -> None:
    assert add(money("0.1", "EUR"), money("0.2", "EUR")).amount == Decimal("0.3")
    with pytest.raises(RuleViolation):
        add(money("1", "EUR"), money("1", "USD"))
    with pytest.raises(InvalidInput):
        add()


# --- formatting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("currency", CURRENCIES)
def test_defaults_equal_babel_format_currency(locale: str, currency: str) -> None:
    digits = babel.numbers.get_currency_precision(currency)
    for text in AMOUNTS:
        amount = money(text, currency)
        # Only amounts that need no rounding must match babel exactly.
        exponent = amount.amount.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > digits:
            continue
        expected = babel.numbers.format_currency(
            amount.amount, currency, locale=locale.replace("-", "_")
        )
        assert format_money(amount, locale=locale) == expected


@pytest.mark.parametrize("locale", LOCALES)
def test_accounting_and_name_equal_babel(locale: str) -> None:
    tag = locale.replace("-", "_")
    for text in ("-1234.56", "1234.56", "1"):
        amount = money(text, "EUR")
        assert format_money(amount, locale=locale, style="accounting") == (
            babel.numbers.format_currency(
                amount.amount, "EUR", locale=tag, format_type="accounting"
            )
        )
        assert format_money(amount, locale=locale, currency_display="name") == (
            babel.numbers.format_currency(amount.amount, "EUR", locale=tag, format_type="name")
        )


def test_examples_from_the_issue_match_babel() -> None:
    cases = [
        ("lt", "1234.56", "EUR"), ("he", "1234.56", "ILS"), ("uz", "12345", "UZS"),
        ("ja", "1234.56", "JPY"), ("pt-BR", "1234.56", "BRL"),
    ]
    for locale, text, currency in cases:
        amount = round_money(money(text, currency), rounding=DISPLAY)
        expected = babel.numbers.format_currency(
            amount.amount, currency, locale=locale.replace("-", "_")
        )
        assert format_money(money(text, currency), locale=locale) == expected
    # Spot-check the CLDR shapes the issue describes, computed from babel's own symbols.
    lt = babel.Locale.parse("lt")
    assert format_money(money("1234.56", "EUR"), locale="lt").endswith(
        lt.currency_symbols["EUR"]
    )
    assert format_money(money("1234.56", "JPY"), locale="ja").endswith("1,235")


def test_display_rounding_is_half_up() -> None:
    # babel rounds half-even; ours rounds half-up for display, as documented.
    assert format_money(money("0.125", "EUR"), locale="en") == babel.numbers.format_currency(
        Decimal("0.13"), "EUR", locale="en"
    )
    assert format_money(money("2.5", "JPY"), locale="ja") == babel.numbers.format_currency(
        Decimal("3"), "JPY", locale="ja"
    )


def test_code_display_puts_the_iso_code_with_cldr_spacing() -> None:
    for locale in LOCALES:
        symbol_text = format_money(money("1234.5", "USD"), locale=locale)
        code_text = format_money(money("1234.5", "USD"), locale=locale, currency_display="code")
        assert "USD" in code_text
        symbol = babel.numbers.get_currency_symbol("USD", locale.replace("-", "_"))
        assert code_text.replace("USD", "").replace("\xa0", "") == (
            symbol_text.replace(symbol, "").replace("\xa0", "")
        )
        # the code never touches a digit (CLDR currencySpacing)
        index = code_text.index("USD")
        neighbours = code_text[max(index - 1, 0)] + code_text[index + 3 : index + 4]
        assert not any(char.isdigit() for char in neighbours), (locale, code_text)


def _cldr_narrow() -> dict[str, dict[str, str]]:
    path = ROOT / "src/globalcrm/locale/data/currency_symbols.json"
    data: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))["narrow"]
    return data


def test_narrow_symbols_come_from_the_generated_cldr_data() -> None:
    root = _cldr_narrow()["root"]
    en = babel.Locale.parse("en")
    # CAD is "CA$" in English but "$" narrow (root), per CLDR.
    assert narrow_symbol("CAD", en) == root["CAD"]
    text = format_money(money("1234.5", "CAD"), locale="en", currency_display="narrow")
    standard = format_money(money("1234.5", "CAD"), locale="en")
    assert text == standard.replace(en.currency_symbols["CAD"], root["CAD"])
    assert text != standard
    # No narrow form: the locale's standard symbol stands in.
    uz = babel.Locale.parse("uz")
    if "UZS" not in root and "UZS" not in _cldr_narrow().get("uz", {}):
        assert narrow_symbol("UZS", uz) == uz.currency_symbols["UZS"]


def test_narrow_symbol_data_is_reproducible() -> None:
    tools = ROOT / "tools"
    if not (tools / "node_modules" / "cldr-numbers-full").is_dir():
        pytest.skip("run `npm install --prefix tools` to check the generated data")
    spec = importlib.util.spec_from_file_location(
        "build_currency_symbols", tools / "build_currency_symbols.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = json.dumps(module.build(), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    assert (ROOT / "src/globalcrm/locale/data/currency_symbols.json").read_text(
        encoding="utf-8"
    ) == expected


def test_isolated_text_wraps_in_first_strong_isolates() -> None:
    text = format_money(money("1234.56", "ILS"), locale="he", isolated=True)
    assert text.startswith("\u2068")
    assert text.endswith("\u2069")
    assert text[1:-1] == format_money(money("1234.56", "ILS"), locale="he")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"locale": "zz-QQ"}, InvalidComponent),
        ({"locale": "en", "style": "fancy"}, InvalidComponent),
        ({"locale": "en", "currency_display": "emoji"}, InvalidComponent),
        ({"locale": None}, InvalidFormat),
        ({"locale": "en\x00"}, InvalidFormat),
        ({"locale": "en", "isolated": "yes"}, InvalidFormat),
    ],
)
def test_format_money_refuses_bad_options(kwargs: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        format_money(money("1", "EUR"), **kwargs)


def test_babel_locale_accepts_both_separators() -> None:
    assert str(babel_locale("pt-BR")) == "pt_BR"
    assert str(babel_locale("pt_BR")) == "pt_BR"


def test_modules_import_nothing_from_storage() -> None:
    # The domain never imports the store (import-linter checks it too).
    for name in ("money.py", "exchange_rates.py", "prices.py"):
        source = (ROOT / "src/globalcrm" / name).read_text(encoding="utf-8")
        for forbidden in ("sqlalchemy", "alembic", "globalcrm.storage", "globalcrm.crm"):
            assert forbidden not in source, (name, forbidden)


def test_every_cldr_locale_matches_babel_for_amounts_needing_no_rounding() -> None:
    from babel.localedata import locale_identifiers

    checked = 0
    for locale in locale_identifiers():
        for text, currency in (("-1234.56", "EUR"), ("1234567", "JPY"), ("0.005", "KWD")):
            amount = money(text, currency)
            for style in ("standard", "accounting"):
                expected = babel.numbers.format_currency(
                    amount.amount, currency, locale=locale, format_type=style
                )
                assert format_money(amount, locale=locale, style=style) == expected, locale
                checked += 1
    assert checked > 4000
