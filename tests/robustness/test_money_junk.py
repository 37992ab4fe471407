"""Junk into every public function of money, exchange_rates and prices: only GlobalCRMError out."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from globalcrm import exchange_rates, money, prices
from globalcrm.errors import GlobalCRMError

JUNK: list[Any] = [
    None, b"bytes", 12, 1.5, [], "x" * 100_000, "\x00\x1b", "", True, Decimal("NaN"),
    Decimal("-Infinity"), Decimal("1e999999"), {}, object(), "EUR", -1, 10**40,
    dt.datetime(2026, 1, 1), io.BytesIO(b"\x00\xff"),
]
AT = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)


def good_table() -> exchange_rates.RateTable:
    table = exchange_rates.RateTable()
    table.add(exchange_rates.ExchangeRate(
        base="EUR", quote="USD", rate="1.08", source="ECB", as_of=AT
    ))
    return table


def good_book() -> prices.PriceBook:
    book = prices.PriceBook(name="b", base_currency="EUR")
    book.add_market(prices.Market(code="US", currency="USD", locale="en"))
    book.add_entry(prices.PriceEntry(product="p", amount=money.money("10", "EUR")))
    return book


EUR = money.money("1.5", "EUR")
DISCLOSURE = exchange_rates.convert(EUR, "USD", at=AT, table=good_table()).disclosure

# (name, callable taking the junk value) — each argument position gets the junk in turn.
CALLS: list[tuple[str, Callable[[Any], object]]] = [
    ("money.amount", lambda j: money.money(j, "EUR")),
    ("money.currency", lambda j: money.money("1", j)),
    ("money.allow_withdrawn", lambda j: money.money("1", "EUR", allow_withdrawn=j)),
    ("validate_currency", lambda j: money.validate_currency(j)),
    ("currency_info", lambda j: money.currency_info(j)),
    ("minor_units", lambda j: money.minor_units(j)),
    ("cash_increment", lambda j: money.cash_increment(j)),
    ("round_money", lambda j: money.round_money(j)),
    ("round_money.rounding", lambda j: money.round_money(EUR, rounding=j)),
    ("round_cash", lambda j: money.round_cash(j)),
    ("round_cash.rounding", lambda j: money.round_cash(EUR, rounding=j)),
    ("round_to_increment", lambda j: money.round_to_increment(j, Decimal("0.05"))),
    ("round_to_increment.increment", lambda j: money.round_to_increment(Decimal(1), j)),
    ("add", lambda j: money.add(EUR, j)),
    ("format_money", lambda j: money.format_money(j, locale="en")),
    ("format_money.locale", lambda j: money.format_money(EUR, locale=j)),
    ("format_money.style", lambda j: money.format_money(EUR, locale="en", style=j)),
    ("format_money.display", lambda j: money.format_money(EUR, locale="en", currency_display=j)),
    ("format_money.isolated", lambda j: money.format_money(EUR, locale="en", isolated=j)),
    ("babel_locale", lambda j: money.babel_locale(j)),
    ("ExchangeRate.base", lambda j: exchange_rates.ExchangeRate(
        base=j, quote="USD", rate="1", source="ECB", as_of=AT)),
    ("ExchangeRate.rate", lambda j: exchange_rates.ExchangeRate(
        base="EUR", quote="USD", rate=j, source="ECB", as_of=AT)),
    ("ExchangeRate.source", lambda j: exchange_rates.ExchangeRate(
        base="EUR", quote="USD", rate="1", source=j, as_of=AT)),
    ("ExchangeRate.as_of", lambda j: exchange_rates.ExchangeRate(
        base="EUR", quote="USD", rate="1", source="ECB", as_of=j)),
    ("RateTable.pivot", lambda j: exchange_rates.RateTable(pivot=j)),
    ("RateTable.max_age", lambda j: exchange_rates.RateTable(max_age=j)),
    ("RateTable.add", lambda j: good_table().add(j)),
    ("RateTable.extend", lambda j: good_table().extend(j)),
    ("RateTable.rate.base", lambda j: good_table().rate(j, "USD", at=AT)),
    ("RateTable.rate.at", lambda j: good_table().rate("EUR", "USD", at=j)),
    ("read_ecb_xml", lambda j: exchange_rates.read_ecb_xml(j)),
    ("read_rates_csv", lambda j: exchange_rates.read_rates_csv(j)),
    ("read_rates_csv.source", lambda j: exchange_rates.read_rates_csv(
        io.StringIO("base,quote,rate,as_of\n"), source=j)),
    ("convert.amount", lambda j: exchange_rates.convert(j, "USD", at=AT, table=good_table())),
    ("convert.to", lambda j: exchange_rates.convert(EUR, j, at=AT, table=good_table())),
    ("convert.at", lambda j: exchange_rates.convert(EUR, "USD", at=j, table=good_table())),
    ("convert.table", lambda j: exchange_rates.convert(EUR, "USD", at=AT, table=j)),
    ("convert.markup", lambda j: exchange_rates.convert(
        EUR, "USD", at=AT, table=good_table(), markup=j)),
    ("convert.locale", lambda j: exchange_rates.convert(
        EUR, "USD", at=AT, table=good_table(), locale=j)),
    ("convert.rounding", lambda j: exchange_rates.convert(
        EUR, "USD", at=AT, table=good_table(), rounding=j)),
    ("disclosure_text.amount", lambda j: exchange_rates.disclosure_text(
        j, DISCLOSURE, locale="en")),
    ("disclosure_text.disclosure", lambda j: exchange_rates.disclosure_text(
        EUR, j, locale="en")),
    ("disclosure_text.locale", lambda j: exchange_rates.disclosure_text(
        EUR, DISCLOSURE, locale=j)),
    ("PriceEnding.step", lambda j: prices.PriceEnding(step=j)),
    ("PriceEnding.ending", lambda j: prices.PriceEnding(ending=j)),
    ("PriceEnding.direction", lambda j: prices.PriceEnding(direction=j)),
    ("PriceEnding.apply", lambda j: prices.ENDING_99.apply(j, "EUR")),
    ("PriceEnding.apply.currency", lambda j: prices.ENDING_99.apply(Decimal(1), j)),
    ("Market.code", lambda j: prices.Market(code=j, currency="EUR", locale="en")),
    ("Market.locale", lambda j: prices.Market(code="X", currency="EUR", locale=j)),
    ("Market.tax_rate", lambda j: prices.Market(
        code="X", currency="EUR", locale="en", tax_rate=j)),
    ("Market.tax_display", lambda j: prices.Market(
        code="X", currency="EUR", locale="en", tax_display=j)),
    ("Market.ending", lambda j: prices.Market(code="X", currency="EUR", locale="en", ending=j)),
    ("Market.markup", lambda j: prices.Market(code="X", currency="EUR", locale="en", markup=j)),
    ("Market.cash_rounding", lambda j: prices.Market(
        code="X", currency="EUR", locale="en", cash_rounding=j)),
    ("PriceEntry.product", lambda j: prices.PriceEntry(product=j, amount=EUR)),
    ("PriceEntry.amount", lambda j: prices.PriceEntry(product="p", amount=j)),
    ("PriceEntry.market", lambda j: prices.PriceEntry(product="p", amount=EUR, market=j)),
    ("PriceEntry.valid_from", lambda j: prices.PriceEntry(
        product="p", amount=EUR, valid_from=j)),
    ("PriceBounds.minimum", lambda j: prices.PriceBounds(product="p", market="US", minimum=j)),
    ("PriceBook.name", lambda j: prices.PriceBook(name=j, base_currency="EUR")),
    ("PriceBook.add_market", lambda j: good_book().add_market(j)),
    ("PriceBook.add_entry", lambda j: good_book().add_entry(j)),
    ("PriceBook.add_bounds", lambda j: good_book().add_bounds(j)),
    ("price_for.product", lambda j: prices.price_for(
        j, market="US", book=good_book(), table=good_table(), at=AT)),
    ("price_for.market", lambda j: prices.price_for(
        "p", market=j, book=good_book(), table=good_table(), at=AT)),
    ("price_for.book", lambda j: prices.price_for(
        "p", market="US", book=j, table=good_table(), at=AT)),
    ("price_for.table", lambda j: prices.price_for(
        "p", market="US", book=good_book(), table=j, at=AT)),
    ("price_for.at", lambda j: prices.price_for(
        "p", market="US", book=good_book(), table=good_table(), at=j)),
    ("price_for.locale", lambda j: prices.price_for(
        "p", market="US", book=good_book(), table=good_table(), at=AT, locale=j)),
]


@pytest.mark.parametrize(("name", "call"), CALLS, ids=[name for name, _ in CALLS])
def test_only_our_errors_come_out(name: str, call: Callable[[Any], object]) -> None:
    for junk in JUNK:
        if isinstance(junk, io.BytesIO):
            junk.seek(0)
        try:
            call(junk)
        except GlobalCRMError:
            continue
        except Exception as error:  # noqa: BLE001
            pytest.fail(f"{name}({type(junk).__name__}) raised {type(error).__name__}: {error}")


def test_the_good_paths_still_work() -> None:
    quote = prices.price_for("p", market="US", book=good_book(), table=good_table(), at=AT)
    assert quote.amount == money.money("10.80", "USD")
