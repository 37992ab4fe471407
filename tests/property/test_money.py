"""Properties of money, conversion and price endings (hypothesis)."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm.exchange_rates import ECB, ExchangeRate, RateTable, convert
from globalcrm.money import (
    ACCOUNTING,
    DISPLAY,
    ROUNDING_MODES,
    minor_units,
    money,
    round_cash,
    round_money,
)
from globalcrm.prices import PriceEnding

AT = dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)
CURRENCIES = ["EUR", "USD", "JPY", "KWD", "CLF", "CHF", "DKK", "GBP", "BHD", "KRW"]

amounts = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False,
    allow_infinity=False,
)
positive_amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("1e9"), places=2, allow_nan=False,
    allow_infinity=False,
)
rates = st.decimals(
    min_value=Decimal("0.0001"), max_value=Decimal("10000"), places=6, allow_nan=False,
    allow_infinity=False,
).filter(lambda r: r > 0)
currencies = st.sampled_from(CURRENCIES)


def table_with(pairs: dict[str, Decimal]) -> RateTable:
    table = RateTable()
    for quote, rate in pairs.items():
        table.add(ExchangeRate(base="EUR", quote=quote, rate=rate, source=ECB, as_of=AT))
    return table


@given(amount=amounts, currency=currencies, mode=st.sampled_from(sorted(ROUNDING_MODES)))
def test_rounding_is_idempotent(amount: Decimal, currency: str, mode: str) -> None:
    once = round_money(money(amount, currency), rounding=mode)
    assert round_money(once, rounding=mode) == once
    assert round_money(once, rounding=DISPLAY) == once
    cash = round_cash(money(amount, currency))
    assert round_cash(cash) == cash


@given(amount=amounts, currency=currencies)
def test_rounding_moves_at_most_half_a_minor_unit(amount: Decimal, currency: str) -> None:
    half = Decimal(1).scaleb(-minor_units(currency)) / 2
    for mode in (ACCOUNTING, DISPLAY):
        rounded = round_money(money(amount, currency), rounding=mode)
        assert abs(rounded.amount - amount) <= half


@given(amount=amounts, currency=currencies)
def test_money_keeps_every_digit(amount: Decimal, currency: str) -> None:
    assert money(amount, currency).amount == amount
    assert money(str(amount), currency).amount == amount


@settings(max_examples=200)
@given(
    amount=positive_amounts,
    source=currencies,
    target=currencies,
    rate_a=rates,
    rate_b=rates,
)
def test_round_trip_stays_within_the_rounding_bound(
    amount: Decimal, source: str, target: str, rate_a: Decimal, rate_b: Decimal
) -> None:
    if source == target:
        return
    pairs = {code: rate for code, rate in ((source, rate_a), (target, rate_b)) if code != "EUR"}
    table = table_with(pairs)
    start = round_money(money(amount, source))
    there = convert(start, target, at=AT, table=table)
    back = convert(there.converted, source, at=AT, table=table)
    rate = there.disclosure.rate
    # Rounding in the target (half its minor unit), carried back at 1/rate, plus the last rounding.
    bound = (
        Decimal(1).scaleb(-minor_units(target)) / 2 / rate
        + Decimal(1).scaleb(-minor_units(source)) / 2
        + Decimal("1e-18")
    )
    assert abs(back.converted.amount - start.amount) <= bound
    # The unrounded value is kept exactly (no silent loss): amount times rate, 28 digits.
    with decimal.localcontext(prec=60):
        exact = start.amount * rate
    assert abs(there.exact - exact) <= abs(exact) * Decimal("1e-26")


@given(a=currencies, b=currencies, c=currencies, r1=rates, r2=rates, r3=rates)
def test_cross_rates_are_consistent(
    a: str, b: str, c: str, r1: Decimal, r2: Decimal, r3: Decimal
) -> None:
    codes = {a, b, c}
    if len(codes) < 3:
        return
    pairs = {code: rate for code, rate in zip((a, b, c), (r1, r2, r3), strict=True)}
    pairs.pop("EUR", None)
    table = table_with(pairs)
    ab = table.rate(a, b, at=AT).rate
    bc = table.rate(b, c, at=AT).rate
    ac = table.rate(a, c, at=AT).rate
    ba = table.rate(b, a, at=AT).rate
    assert abs(ab * bc - ac) <= ac * Decimal("1e-24")
    assert abs(ab * ba - 1) <= Decimal("1e-24")


@given(
    value=st.decimals(min_value=Decimal(0), max_value=Decimal("1e7"), places=4),
    step=st.sampled_from([Decimal(1), Decimal(10), Decimal(100), Decimal("0.05")]),
    ending_fraction=st.sampled_from([Decimal(0), Decimal("0.5"), Decimal("0.8")]),
    direction=st.sampled_from(["nearest", "up", "down"]),
)
def test_price_endings_are_idempotent_and_well_formed(
    value: Decimal, step: Decimal, ending_fraction: Decimal, direction: str
) -> None:
    ending = (step * ending_fraction).quantize(Decimal("0.01"))
    if ending % Decimal("0.05") and step == Decimal("0.05"):
        return
    rule = PriceEnding(step=step, ending=ending, direction=direction)
    result = rule.apply(value, "EUR")
    assert result > 0
    assert (result - ending) % step == 0
    assert rule.apply(result, "EUR") == result
    if direction == "nearest" and value > step + ending:
        assert abs(result - value) <= step / 2
