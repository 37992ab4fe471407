"""Price books: per-market list prices, converted prices with price endings, tax display.

A :class:`PriceBook` holds a base (net) price per product in the book's base currency and,
optionally, list prices per market that override conversion. :func:`price_for` picks the list
price in force, or converts the base price (:func:`globalcrm.exchange_rates.convert`, with the
market's disclosed markup), adds tax when the market shows tax-inclusive prices (the application
supplies the rate), applies the market's price ending (``.99``, ``,90``, whole yen...), checks the
minimum and maximum set for the product, and returns a :class:`Quote` with the amount, its text in
the customer's locale and the conversion disclosure.

Everything here is in memory; the store persists :class:`Market`, :class:`PriceEntry` and
:class:`PriceBounds` rows and hands a filled :class:`PriceBook` to :func:`price_for`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from decimal import Decimal
from typing import Final, Literal

import attrs

from globalcrm import exchange_rates as _rates
from globalcrm import money as _money
from globalcrm.errors import InvalidFormat, InvalidInput, NotFound, RuleViolation
from globalcrm.money import ACCOUNTING, DISPLAY, Money

__all__ = [
    "ENDING_90",
    "ENDING_99",
    "WHOLE_UNITS",
    "Market",
    "PriceBook",
    "PriceBounds",
    "PriceEnding",
    "PriceEntry",
    "Quote",
    "price_for",
]

_CONTEXT: Final = decimal.Context(
    prec=40,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_CODE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

Direction = Literal["nearest", "up", "down"]
TaxDisplay = Literal["inclusive", "exclusive"]


def _identifier(value: object, field: str) -> str:
    if not isinstance(value, str) or not _CODE.fullmatch(value.strip()):
        raise InvalidFormat(
            "expected a short code (letters, digits, . _ : -, at most 64 characters)", field=field
        )
    return value.strip()


def _decimal(value: object, field: str, *, minimum: Decimal, maximum: Decimal | None) -> Decimal:
    if isinstance(value, float):
        raise InvalidFormat("floats are not accepted: pass a Decimal", field=field)
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if isinstance(value, str) and re.fullmatch(r"\d{1,18}(?:\.\d{1,12})?", value.strip()):
        value = Decimal(value.strip())
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidFormat("expected a Decimal", field=field)
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise InvalidInput(f"must be at least {minimum}{upper}", field=field)
    if value.adjusted() >= _money.MAX_INTEGER_DIGITS or (
        value and value.adjusted() < -_money.MAX_FRACTION_DIGITS
    ):
        raise InvalidInput("out of range", field=field)
    return value


def _step(value: object) -> Decimal:
    number = _decimal(value, "step", minimum=Decimal(0), maximum=None)
    if not number:
        raise InvalidInput("the step must be greater than zero", field="step")
    return number


def _ending(value: object) -> Decimal:
    return _decimal(value, "ending", minimum=Decimal(0), maximum=None)


def _direction(value: object) -> str:
    if value not in ("nearest", "up", "down"):
        raise InvalidFormat("expected 'nearest', 'up' or 'down'", field="direction")
    return str(value)


@attrs.frozen
class PriceEnding:
    """A market's price convention: prices are ``k * step + ending`` for a whole ``k``.

    ``PriceEnding(step=Decimal(1), ending=Decimal("0.99"))`` gives 11.99, 12.99...;
    ``ending=Decimal("0.90")`` gives the ``19,90 €`` style; ``step=Decimal(1)`` with no ending gives
    whole yen; ``step=Decimal(100), ending=Decimal(80)`` gives ``1,180``. ``direction`` chooses
    ``k``: the nearest (ties up), or always up or down (never below one step's ending).

    ```pycon
    >>> ENDING_99.apply(Decimal("11.37"), "EUR")
    Decimal('10.99')
    >>> PriceEnding(step=Decimal(1), ending=Decimal("0.99"), direction="up").apply(
    ...     Decimal("11.37"), "EUR")
    Decimal('11.99')

    ```
    """

    step: Decimal = attrs.field(default=Decimal(1), converter=_step)
    ending: Decimal = attrs.field(default=Decimal(0), converter=_ending)
    direction: str = attrs.field(default="nearest", converter=_direction)

    def __attrs_post_init__(self) -> None:
        if self.ending >= self.step:
            raise InvalidInput("the ending must be smaller than the step", field="ending")

    def apply(self, amount: Decimal, currency: str) -> Decimal:
        """Return ``amount`` moved to this ending, in ``currency``'s minor units."""
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise InvalidFormat("expected a finite Decimal", field="amount")
        if amount.adjusted() >= _money.MAX_INTEGER_DIGITS:
            raise InvalidInput("the amount is too large", field="amount")
        digits = _money.minor_units(currency)
        quantum = Decimal(1).scaleb(-digits)
        for name, value in (("step", self.step), ("ending", self.ending)):
            if value != value.quantize(quantum, rounding=decimal.ROUND_DOWN, context=_CONTEXT):
                raise RuleViolation(
                    f"the price {name} has more decimals than {currency} uses", field=name
                )
        mode = {
            "nearest": decimal.ROUND_HALF_UP,
            "up": decimal.ROUND_CEILING,
            "down": decimal.ROUND_FLOOR,
        }[self.direction]
        steps = _CONTEXT.divide(amount - self.ending, self.step).quantize(
            Decimal(1), rounding=mode, context=_CONTEXT
        )
        if steps < 0:
            steps = Decimal(0)
        result = steps * self.step + self.ending
        if result <= 0:
            result = self.step + self.ending if self.ending == 0 else self.ending
        return result.quantize(quantum, context=_CONTEXT)


ENDING_99: Final = PriceEnding(step=Decimal(1), ending=Decimal("0.99"))
"""Prices end in .99 (nearest)."""
ENDING_90: Final = PriceEnding(step=Decimal(1), ending=Decimal("0.90"))
"""Prices end in ,90 (nearest)."""
WHOLE_UNITS: Final = PriceEnding(step=Decimal(1))
"""Whole units (nearest): yen, won, forint at the shelf."""


def _tax_display(value: object) -> str:
    if value not in ("inclusive", "exclusive"):
        raise InvalidFormat("expected 'inclusive' or 'exclusive'", field="tax_display")
    return str(value)


def _tax_rate(value: object) -> Decimal:
    return _decimal(value, "tax_rate", minimum=Decimal(0), maximum=Decimal(1))


def _markup(value: object) -> Decimal:
    number = _decimal(value, "markup", minimum=Decimal(0), maximum=Decimal(1))
    if number == 1:
        raise InvalidInput("must be below 1 (100 %)", field="markup")
    return number


def _optional_ending(value: object) -> PriceEnding | None:
    if value is None or isinstance(value, PriceEnding):
        return value
    raise InvalidFormat("expected a PriceEnding or None", field="ending")


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidFormat("expected true or false", field=field)
    return value


def _aware_or_none(value: object, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidFormat("expected a timezone-aware datetime", field=field)
    return value.astimezone(dt.UTC)


def _money_value(value: object, field: str) -> Money:
    number, code = _money.checked_money(value, field)
    return Money(number, _money.moneyed_currency(code))


def _code_field(value: object) -> str:
    return _identifier(value, "code")


def _product_field(value: object) -> str:
    return _identifier(value, "product")


def _market_field(value: object) -> str:
    return _identifier(value, "market")


def _optional_market(value: object) -> str | None:
    return None if value is None else _identifier(value, "market")


def _name_field(value: object) -> str:
    return _identifier(value, "name")


def _currency_field(value: object) -> str:
    return _money.validate_currency(value)


def _amount_field(value: object) -> Money:
    return _money_value(value, "amount")


def _minimum_field(value: object) -> Money | None:
    return None if value is None else _money_value(value, "minimum")


def _maximum_field(value: object) -> Money | None:
    return None if value is None else _money_value(value, "maximum")


def _valid_from(value: object) -> dt.datetime | None:
    return _aware_or_none(value, "valid_from")


def _valid_until(value: object) -> dt.datetime | None:
    return _aware_or_none(value, "valid_until")


def _cash_rounding_flag(value: object) -> bool:
    return _flag(value, "cash_rounding")


def _tax_included_flag(value: object) -> bool:
    return _flag(value, "tax_included")


@attrs.frozen
class Market:
    """Where a price is shown: its currency, locale, tax display, tax rate, ending and FX markup.

    ``tax_rate`` is a fraction (``Decimal("0.21")``) supplied by the application; ``tax_display``
    says whether the market expects prices with tax (most of the world) or without (US, CA
    shelves). ``markup`` is the fraction added to the reference rate when a price is converted,
    and is disclosed. ``cash_rounding`` rounds converted prices to CLDR's cash increment (CHF 0.05).
    """

    code: str = attrs.field(converter=_code_field)
    currency: str = attrs.field(converter=_currency_field)
    locale: str = attrs.field()
    tax_display: str = attrs.field(default="inclusive", converter=_tax_display)
    tax_rate: Decimal = attrs.field(default=Decimal(0), converter=_tax_rate)
    ending: PriceEnding | None = attrs.field(default=None, converter=_optional_ending)
    markup: Decimal = attrs.field(default=Decimal(0), converter=_markup)
    cash_rounding: bool = attrs.field(default=False, converter=_cash_rounding_flag)

    @locale.validator
    def _check_locale(self, _attribute: object, value: object) -> None:
        _money.babel_locale(value)


@attrs.frozen
class PriceEntry:
    """A price for ``product``: a market's list price, or (``market=None``) the base net price.

    Base prices are net (tax-exclusive) in the book's base currency; list prices say whether they
    include tax. ``valid_from`` (inclusive) and ``valid_until`` (exclusive) bound when it applies.
    """

    product: str = attrs.field(converter=_product_field)
    amount: Money = attrs.field(converter=_amount_field)
    market: str | None = attrs.field(default=None, converter=_optional_market)
    tax_included: bool = attrs.field(default=False, converter=_tax_included_flag)
    valid_from: dt.datetime | None = attrs.field(default=None, converter=_valid_from)
    valid_until: dt.datetime | None = attrs.field(default=None, converter=_valid_until)

    def __attrs_post_init__(self) -> None:
        if self.market is None and self.tax_included:
            raise InvalidInput("base prices are net: set tax_included=False", field="tax_included")
        if self.amount.amount < 0:
            raise InvalidInput("a price cannot be negative", field="amount")
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise InvalidInput("valid_until must be after valid_from", field="valid_until")

    def applies_at(self, at: dt.datetime) -> bool:
        """True if this entry is in force at ``at``."""
        return (self.valid_from is None or self.valid_from <= at) and (
            self.valid_until is None or at < self.valid_until
        )


@attrs.frozen
class PriceBounds:
    """The lowest and highest price ``product`` may be shown at in ``market`` (market currency)."""

    product: str = attrs.field(converter=_product_field)
    market: str = attrs.field(converter=_market_field)
    minimum: Money | None = attrs.field(default=None, converter=_minimum_field)
    maximum: Money | None = attrs.field(default=None, converter=_maximum_field)

    def __attrs_post_init__(self) -> None:
        if self.minimum is not None and self.maximum is not None:
            if self.minimum.currency != self.maximum.currency:
                raise InvalidInput("minimum and maximum must share a currency", field="maximum")
            if self.maximum.amount < self.minimum.amount:
                raise InvalidInput("the maximum is below the minimum", field="maximum")


@attrs.define(slots=False, eq=False)
class PriceBook:
    """Markets, base and list prices, and bounds: everything :func:`price_for` reads."""

    name: str = attrs.field(converter=_name_field)
    base_currency: str = attrs.field(converter=_currency_field)
    markets: dict[str, Market] = attrs.field(factory=dict, init=False)
    entries: list[PriceEntry] = attrs.field(factory=list, init=False)
    bounds: dict[tuple[str, str], PriceBounds] = attrs.field(factory=dict, init=False)

    def add_market(self, market: Market) -> None:
        """Add or replace a market."""
        if not isinstance(market, Market):
            raise InvalidFormat("expected a Market", field="market")
        self.markets[market.code] = market

    def add_entry(self, entry: PriceEntry) -> None:
        """Add a base or list price; base prices must be in the book's base currency."""
        if not isinstance(entry, PriceEntry):
            raise InvalidFormat("expected a PriceEntry", field="entry")
        if entry.market is None and entry.amount.currency.code != self.base_currency:
            raise InvalidInput(
                f"base prices must be in {self.base_currency}", field="amount.currency"
            )
        self.entries.append(entry)

    def add_bounds(self, bounds: PriceBounds) -> None:
        """Add or replace the bounds of one product in one market."""
        if not isinstance(bounds, PriceBounds):
            raise InvalidFormat("expected PriceBounds", field="bounds")
        self.bounds[(bounds.product, bounds.market)] = bounds

    def entry_for(self, product: str, market: str | None, at: dt.datetime) -> PriceEntry | None:
        """The entry in force at ``at``; among several, the one that started last."""
        found = [
            entry
            for entry in self.entries
            if entry.product == product and entry.market == market and entry.applies_at(at)
        ]
        if not found:
            return None
        oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
        return max(found, key=lambda entry: entry.valid_from or oldest)


@attrs.frozen
class Quote:
    """The price to show one customer: amount, text, tax split and, if converted, the disclosure."""

    product: str
    market: str
    amount: Money
    """What the customer sees: with tax if ``tax_included``, else without."""
    net: Money
    tax: Money
    tax_included: bool
    text: str
    """``amount`` written in the customer's locale."""
    origin: Literal["list", "converted", "base"]
    """``list``: the market's list price; ``converted``: the base price converted; ``base``: the
    base price used as is (same currency)."""
    disclosure: _rates.Disclosure | None
    disclosure_text: str | None
    """The conversion sentence (``≈ ... (1 USD = ... EUR, ECB, date)``) for converted prices."""


def _quantize(number: Decimal, currency: str, rounding: str) -> Decimal:
    return number.quantize(
        Decimal(1).scaleb(-_money.minor_units(currency)), rounding=rounding, context=_CONTEXT
    )


def _market(value: object, book: PriceBook) -> Market:
    if isinstance(value, Market):
        return value
    code = _identifier(value, "market")
    found = book.markets.get(code)
    if found is None:
        raise NotFound(f"no market {code!r} in this price book", field="market")
    return found


def price_for(
    product: object,
    *,
    market: object,
    book: object,
    table: object,
    at: object,
    locale: object = None,
) -> Quote:
    """Return the price of ``product`` for a customer in ``market`` at time ``at``.

    ``market`` is a :class:`Market` or the code of one in ``book``; ``locale`` (the customer's
    language, BCP 47) overrides the market's for the text. A list price in force wins; otherwise
    the base price is converted through ``table``. Out of bounds: :class:`RuleViolation`.
    """
    if not isinstance(book, PriceBook):
        raise InvalidFormat(f"expected a PriceBook, got {type(book).__name__}", field="book")
    if not isinstance(table, _rates.RateTable):
        raise InvalidFormat(f"expected a RateTable, got {type(table).__name__}", field="table")
    product_code = _identifier(product, "product")
    chosen = _market(market, book)
    when = _aware_or_none(at, "at")
    if when is None:
        raise InvalidFormat("expected a timezone-aware datetime", field="at")
    text_locale = chosen.locale if locale is None else locale
    _money.babel_locale(text_locale)
    currency = chosen.currency
    one = Decimal(1)
    tax_factor = one + chosen.tax_rate
    disclosure: _rates.Disclosure | None = None
    origin: Literal["list", "converted", "base"]

    listed = book.entry_for(product_code, chosen.code, when)
    if listed is not None:
        origin = "list"
        if listed.amount.currency.code != currency:
            raise RuleViolation(
                f"the list price is not in the market's currency {currency}", field="amount"
            )
        if listed.tax_included:
            gross = listed.amount.amount
            net = _quantize(_CONTEXT.divide(gross, tax_factor), currency, ACCOUNTING)
        else:
            net = listed.amount.amount
            gross = net + _quantize(net * chosen.tax_rate, currency, ACCOUNTING)
        shown = gross if chosen.tax_display == "inclusive" else net
    else:
        origin = "converted"
        base = book.entry_for(product_code, None, when)
        if base is None:
            raise NotFound("no price for this product at that time", field="product")
        if base.amount.currency.code == currency:
            origin = "base"
            exact = base.amount.amount
            if chosen.markup:
                raise RuleViolation("a markup needs a conversion", field="markup")
        else:
            conversion = _rates.convert(
                base.amount, currency, at=when, table=table, markup=chosen.markup,
                locale=text_locale,
            )
            exact = conversion.exact
            disclosure = conversion.disclosure
        target = exact * tax_factor if chosen.tax_display == "inclusive" else exact
        if chosen.ending is not None:
            shown = chosen.ending.apply(target, currency)
        elif chosen.cash_rounding:
            shown = _money.round_to_increment(
                target, _money.cash_increment(currency), rounding=DISPLAY
            )
        else:
            shown = _quantize(target, currency, DISPLAY)
        if chosen.tax_display == "inclusive":
            gross = shown
            net = _quantize(_CONTEXT.divide(gross, tax_factor), currency, ACCOUNTING)
        else:
            net = shown
            gross = net + _quantize(net * chosen.tax_rate, currency, ACCOUNTING)

    unit = _money.moneyed_currency(currency)
    shown_money = Money(shown, unit)
    limits = book.bounds.get((product_code, chosen.code))
    if limits is not None:
        for limit, below in ((limits.minimum, True), (limits.maximum, False)):
            if limit is None:
                continue
            if limit.currency.code != currency:
                raise RuleViolation(
                    f"the price bounds are not in the market's currency {currency}", field="bounds"
                )
            if (shown < limit.amount) if below else (shown > limit.amount):
                word = "below the minimum" if below else "above the maximum"
                raise RuleViolation(
                    f"the price for market {chosen.code!r} would be {word} set for this product",
                    field="price",
                )
    text = _money.format_money(shown_money, locale=text_locale)
    sentence = (
        None
        if disclosure is None
        else _rates.disclosure_text(shown_money, disclosure, locale=text_locale)
    )
    return Quote(
        product=product_code,
        market=chosen.code,
        amount=shown_money,
        net=Money(net, unit),
        tax=Money(gross - net, unit),
        tax_included=chosen.tax_display == "inclusive",
        text=text,
        origin=origin,
        disclosure=disclosure,
        disclosure_text=sentence,
    )
