"""Price books: list prices, conversion fallback with endings, tax display, bounds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import babel.numbers
import pytest

from globalcrm.errors import InvalidFormat, InvalidInput, NotFound, RuleViolation
from globalcrm.exchange_rates import ECB, ExchangeRate, RateTable
from globalcrm.money import format_money, money
from globalcrm.prices import (
    ENDING_90,
    ENDING_99,
    WHOLE_UNITS,
    Market,
    PriceBook,
    PriceBounds,
    PriceEnding,
    PriceEntry,
    Quote,
    price_for,
)

PUBLISHED = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
AT = PUBLISHED + dt.timedelta(hours=2)


def table() -> RateTable:
    rates = RateTable()
    for quote, rate in [("USD", "1.0854"), ("JPY", "171.94"), ("CHF", "0.9634"), ("BRL", "5.8915")]:
        rates.add(ExchangeRate(base="EUR", quote=quote, rate=rate, source=ECB, as_of=PUBLISHED))
    return rates


def book() -> PriceBook:
    prices = PriceBook(name="default", base_currency="EUR")
    prices.add_market(
        Market(code="JP", currency="JPY", locale="ja", tax_rate=Decimal("0.10"),
               ending=PriceEnding(step=Decimal(100), ending=Decimal(80)))
    )
    prices.add_market(
        Market(code="US", currency="USD", locale="en-US", tax_display="exclusive",
               tax_rate=Decimal("0.0725"), ending=ENDING_99, markup=Decimal("0.02"))
    )
    prices.add_market(
        Market(code="CH", currency="CHF", locale="de-CH", tax_rate=Decimal("0.081"),
               cash_rounding=True)
    )
    prices.add_market(
        Market(code="BR", currency="BRL", locale="pt-BR", tax_rate=Decimal("0.17"),
               ending=ENDING_90)
    )
    prices.add_market(
        Market(code="LT", currency="EUR", locale="lt", tax_rate=Decimal("0.21"), ending=ENDING_99)
    )
    prices.add_entry(PriceEntry(product="widget", amount=money("49.00", "EUR")))
    prices.add_entry(
        PriceEntry(product="widget", market="BR", amount=money("299.90", "BRL"), tax_included=True)
    )
    return prices


# --- endings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ending", "amount", "currency", "expected"),
    [
        (ENDING_99, "11.37", "EUR", "10.99"),
        (ENDING_99, "11.60", "EUR", "11.99"),
        (ENDING_99, "11.99", "EUR", "11.99"),
        (ENDING_99, "0.10", "EUR", "0.99"),
        (ENDING_90, "19.95", "EUR", "19.90"),
        (ENDING_90, "20.41", "EUR", "20.90"),
        (WHOLE_UNITS, "1234.5", "JPY", "1235"),
        (WHOLE_UNITS, "0.2", "JPY", "1"),
        (PriceEnding(step=Decimal(100), ending=Decimal(80)), "1137", "JPY", "1180"),
        (PriceEnding(step=Decimal(100), ending=Decimal(80)), "1129", "JPY", "1080"),
        (PriceEnding(step=Decimal(1), ending=Decimal("0.99"), direction="up"), "11.01", "EUR",
         "11.99"),
        (PriceEnding(step=Decimal(1), ending=Decimal("0.99"), direction="down"), "11.98", "EUR",
         "10.99"),
        (PriceEnding(step=Decimal("0.05")), "10.03", "CHF", "10.05"),
    ],
)
def test_price_endings(ending: PriceEnding, amount: str, currency: str, expected: str) -> None:
    result = ending.apply(Decimal(amount), currency)
    assert str(result) == expected
    assert ending.apply(result, currency) == result  # idempotent


def test_ending_needs_digits_the_currency_has() -> None:
    with pytest.raises(RuleViolation):
        ENDING_99.apply(Decimal("1234"), "JPY")
    with pytest.raises(InvalidInput):
        PriceEnding(step=Decimal(1), ending=Decimal(1))
    with pytest.raises(InvalidFormat):
        PriceEnding(step=1.0)
    with pytest.raises(InvalidFormat):
        PriceEnding(direction="sideways")


# --- price_for ------------------------------------------------------------------------------------


def test_list_price_overrides_conversion() -> None:
    quote = price_for("widget", market="BR", book=book(), table=table(), at=AT)
    assert isinstance(quote, Quote)
    assert quote.origin == "list"
    assert quote.amount == money("299.90", "BRL")
    assert quote.disclosure is None
    assert quote.disclosure_text is None
    assert quote.text == babel.numbers.format_currency(Decimal("299.90"), "BRL", locale="pt_BR")
    assert quote.net.amount + quote.tax.amount == quote.amount.amount
    assert quote.net.amount == (Decimal("299.90") / Decimal("1.17")).quantize(Decimal("0.01"))


def test_conversion_with_tax_inclusive_display_and_ending() -> None:
    quote = price_for("widget", market="JP", book=book(), table=table(), at=AT)
    assert quote.origin == "converted"
    gross = Decimal(49) * Decimal("171.94") * Decimal("1.10")  # 9267.566
    assert quote.amount == money("9280", "JPY")  # nearest 100k + 80
    assert abs(quote.amount.amount - gross) <= 50
    assert quote.tax_included
    assert quote.net.amount + quote.tax.amount == quote.amount.amount
    assert quote.disclosure is not None
    assert quote.disclosure.rate == Decimal("171.94")
    assert quote.disclosure_text is not None
    assert format_money(quote.amount, locale="ja") in quote.disclosure_text
    assert quote.text == babel.numbers.format_currency(Decimal(9280), "JPY", locale="ja")


def test_tax_exclusive_market_with_markup() -> None:
    quote = price_for("widget", market="US", book=book(), table=table(), at=AT)
    net = Decimal(49) * Decimal("1.0854") * Decimal("1.02")  # 54.248...
    assert quote.amount == money("53.99", "USD")
    assert abs(quote.amount.amount - net) < 1
    assert not quote.tax_included
    assert quote.net == quote.amount
    assert quote.tax.amount == (Decimal("53.99") * Decimal("0.0725")).quantize(Decimal("0.01"))
    assert quote.disclosure is not None
    assert quote.disclosure.markup == Decimal("0.02")


def test_cash_rounding_market() -> None:
    quote = price_for("widget", market="CH", book=book(), table=table(), at=AT)
    gross = Decimal(49) * Decimal("0.9634") * Decimal("1.081")
    assert quote.amount.amount % Decimal("0.05") == 0
    assert abs(quote.amount.amount - gross) <= Decimal("0.025")


def test_same_currency_uses_the_base_price() -> None:
    quote = price_for("widget", market="LT", book=book(), table=table(), at=AT)
    assert quote.origin == "base"
    assert quote.amount == money("58.99", "EUR")  # 49 * 1.21 = 59.29 -> nearest .99
    assert quote.disclosure is None


def test_customer_language_overrides_the_market_locale() -> None:
    quote = price_for("widget", market="LT", book=book(), table=table(), at=AT, locale="ru")
    assert quote.text == babel.numbers.format_currency(Decimal("58.99"), "EUR", locale="ru")


def test_validity_window_picks_the_list_price_in_force() -> None:
    prices = book()
    prices.add_entry(
        PriceEntry(product="widget", market="BR", amount=money("249.90", "BRL"), tax_included=True,
                   valid_from=AT - dt.timedelta(hours=1), valid_until=AT + dt.timedelta(days=1))
    )
    assert price_for("widget", market="BR", book=prices, table=table(), at=AT).amount == money(
        "249.90", "BRL"
    )
    later = AT + dt.timedelta(days=2)
    rates = RateTable(max_age=dt.timedelta(days=30))
    rates.extend(list(table()))
    assert price_for("widget", market="BR", book=prices, table=rates, at=later).amount == money(
        "299.90", "BRL"
    )


def test_bounds_are_checked() -> None:
    prices = book()
    prices.add_bounds(
        PriceBounds(product="widget", market="US", minimum=money("60", "USD"))
    )
    with pytest.raises(RuleViolation, match="below the minimum"):
        price_for("widget", market="US", book=prices, table=table(), at=AT)
    prices.add_bounds(
        PriceBounds(product="widget", market="US", maximum=money("50", "USD"))
    )
    with pytest.raises(RuleViolation, match="above the maximum"):
        price_for("widget", market="US", book=prices, table=table(), at=AT)
    prices.add_bounds(
        PriceBounds(product="widget", market="US", minimum=money("50", "USD"),
                    maximum=money("60", "USD"))
    )
    assert price_for("widget", market="US", book=prices, table=table(), at=AT).amount == money(
        "53.99", "USD"
    )
    with pytest.raises(InvalidInput):
        PriceBounds(product="w", market="US", minimum=money("5", "USD"), maximum=money("1", "USD"))


def test_missing_product_market_and_stale_rates() -> None:
    with pytest.raises(NotFound):
        price_for("gadget", market="JP", book=book(), table=table(), at=AT)
    with pytest.raises(NotFound):
        price_for("widget", market="XX", book=book(), table=table(), at=AT)
    with pytest.raises(RuleViolation):
        price_for("widget", market="JP", book=book(), table=table(), at=AT + dt.timedelta(days=9))


def test_entry_validation() -> None:
    with pytest.raises(InvalidInput):
        PriceEntry(product="w", amount=money("1", "EUR"), tax_included=True)
    with pytest.raises(InvalidInput):
        PriceEntry(product="w", amount=money("-1", "EUR"))
    with pytest.raises(InvalidFormat):
        PriceEntry(product="w", amount=Decimal(1))
    with pytest.raises(InvalidInput):
        book().add_entry(PriceEntry(product="w", amount=money("1", "USD")))
    with pytest.raises(InvalidFormat):
        Market(code="X", currency="EUR", locale="en", tax_rate=0.2)
    with pytest.raises(InvalidInput):
        Market(code="X", currency="EUR", locale="en", tax_rate=Decimal(2))
