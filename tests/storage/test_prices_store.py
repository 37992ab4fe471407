"""Exchange rates and price books in the store (SQLite and PostgreSQL) agree with memory."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

import globalcrm as gc
from globalcrm import exchange_rates as rates
from globalcrm.demo import demo_price_book
from globalcrm.demo_data import ECB_SAMPLE, PRODUCT, UZS_SAMPLE, sample_customers
from globalcrm.prices import PriceBounds, price_for

AT = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)


def _import(crm: gc.CRM) -> None:
    assert crm.exchange_rates.import_ecb(io.BytesIO(ECB_SAMPLE.encode())) == 7
    assert crm.exchange_rates.import_csv(io.StringIO(UZS_SAMPLE)) == 1


def test_importing_twice_stores_each_rate_once(crm: gc.CRM) -> None:
    _import(crm)
    assert crm.exchange_rates.import_ecb(io.BytesIO(ECB_SAMPLE.encode())) == 0
    table = crm.exchange_rates.table(at=AT)
    assert len(table) == 8
    assert table.rate("EUR", "USD", at=AT).rate == Decimal("1.1592")


def test_stored_conversion_equals_the_in_memory_one(crm: gc.CRM) -> None:
    _import(crm)
    memory = rates.RateTable()
    memory.extend(rates.read_ecb_xml(io.BytesIO(ECB_SAMPLE.encode())))
    amount = Money(Decimal("1234.56"), "USD")
    stored = crm.exchange_rates.convert(amount, "JPY", at=AT, locale="ja")
    direct = rates.convert(amount, "JPY", at=AT, table=memory, locale="ja")
    assert stored.converted == direct.converted
    assert stored.disclosure == direct.disclosure
    assert stored.text == direct.text and "ECB" in stored.text


def test_stale_rates_are_refused_not_used(crm: gc.CRM) -> None:
    _import(crm)
    later = AT + dt.timedelta(days=30)
    with pytest.raises(gc.RuleViolation):
        crm.exchange_rates.convert(Money(Decimal(10), "EUR"), "USD", at=later)
    before = AT - dt.timedelta(days=30)
    with pytest.raises(gc.NotFound):
        crm.exchange_rates.convert(Money(Decimal(10), "EUR"), "USD", at=before)


def test_a_bad_rate_stores_nothing(crm: gc.CRM) -> None:
    good = rates.ExchangeRate(base="EUR", quote="USD", rate=Decimal("1.1"), source="X", as_of=AT)
    with pytest.raises(gc.InvalidInput):
        crm.exchange_rates.add([good, "not a rate"])  # type: ignore[list-item]
    with pytest.raises(gc.NotFound):
        crm.exchange_rates.table(at=AT).rate("EUR", "USD", at=AT)


def test_price_book_round_trips_and_versions(crm: gc.CRM) -> None:
    book = demo_price_book()
    book.add_bounds(
        PriceBounds(
            product=PRODUCT,
            market="US",
            minimum=Money(Decimal(20), "USD"),
            maximum=Money(Decimal(40), "USD"),
        )
    )
    assert crm.prices.save_book(book) == 1
    loaded = crm.prices.book()
    assert loaded.base_currency == "EUR"
    assert loaded.markets == book.markets
    assert loaded.entries == book.entries
    assert loaded.bounds == book.bounds
    assert crm.prices.save_book(book) == 2
    with pytest.raises(gc.NotFound):
        crm.prices.book("other")
    assert crm.for_tenant("acme").prices.save_book(book) == 1  # books are per tenant


def test_price_for_customer_uses_their_market_and_language(crm: gc.CRM) -> None:
    _import(crm)
    crm.prices.save_book(demo_price_book())
    people = {c.country: crm.customers.add(c) for c in sample_customers()}
    japan = crm.prices.for_customer(PRODUCT, people["JP"], at=AT)
    assert (japan.origin, japan.amount) == ("list", Money(Decimal(3300), "JPY"))
    brazil = crm.prices.for_customer(PRODUCT, people["BR"].id, at=AT)
    assert brazil.amount.currency.code == "BRL" and brazil.origin == "converted"
    assert brazil.text.startswith("R$") and brazil.disclosure_text is not None
    assert "ECB" in brazil.disclosure_text and "6,1873" in brazil.disclosure_text
    memory = rates.RateTable()
    memory.extend(rates.read_ecb_xml(io.BytesIO(ECB_SAMPLE.encode())))
    expected = price_for(
        PRODUCT, market="BR", book=demo_price_book(), table=memory, at=AT, locale="pt-BR"
    )
    assert brazil == expected
    lithuania = crm.prices.for_customer(PRODUCT, people["LT"], at=AT)
    assert lithuania.text == "28,90\xa0€"
    stranger = gc.Customer(
        name=gc.PersonName(given="Ola"),
        country="NO",
        language="nb",
        time_zone="Europe/Oslo",
        currency="NOK",
    )
    with pytest.raises(gc.NotFound) as caught:
        crm.prices.for_customer(PRODUCT, stranger, at=AT)
    assert caught.value.field == "customer.country"


_COUNTER = [0]
positive_rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(100000), places=4)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    usd=positive_rates,
    jpy=positive_rates,
    amount=st.decimals(min_value=0, max_value=10**9, places=2),
)
def test_sql_and_memory_tables_agree_on_any_rates(
    crm: gc.CRM, usd: Decimal, jpy: Decimal, amount: Decimal
) -> None:
    _COUNTER[0] += 1  # every example publishes later than the one before: its rates are newest
    stamp = AT - dt.timedelta(hours=1) + dt.timedelta(milliseconds=_COUNTER[0])
    published = [
        rates.ExchangeRate(base="EUR", quote="USD", rate=usd, source="P", as_of=stamp),
        rates.ExchangeRate(base="EUR", quote="JPY", rate=jpy, source="P", as_of=stamp),
    ]
    crm.exchange_rates.add(published)
    memory = rates.RateTable()
    memory.extend(published)
    stored_table = crm.exchange_rates.table(at=AT)
    money = Money(amount, "USD")
    assert (
        rates.convert(money, "JPY", at=AT, table=stored_table).converted
        == rates.convert(money, "JPY", at=AT, table=memory).converted
    )
