"""Amounts of money: ISO 4217 currencies, minor units, cash rounding and CLDR formatting.

An amount is a py-moneyed :class:`moneyed.Money` on :class:`decimal.Decimal`; floats are refused
everywhere on the money path, because ``0.1 + 0.2`` is not ``0.3``.

Sources:

- Currency codes: ISO 4217 (https://www.iso.org/iso-4217-currency-codes.html) as shipped by
  pycountry (the current list); codes that are no longer current but that CLDR still knows
  (``HRK``, ``LTL``, ``SLL``, ``ZWL``...) are *withdrawn*, with the date CLDR records as the end of
  their last legal use (CLDR ``supplementalData.xml`` ``<currencyData><region>``).
- Minor units and cash rounding: CLDR ``<fractions>`` (``digits``, ``cashDigits``,
  ``cashRounding``; https://unicode.org/reports/tr35/tr35-numbers.html#Supplemental_Currency_Data)
  as shipped by babel. CLDR follows ISO 4217's minor units except where practice differs (CLDR
  gives ``IQD`` and ``LBP`` 0 digits, ISO 4217 3 and 2): we follow CLDR, as every formatter does.
- Formatting: CLDR currency patterns through babel
  (https://unicode.org/reports/tr35/tr35-numbers.html#Currencies).

Rounding is always explicit: :data:`ACCOUNTING` (half-even, "banker's rounding", so that rounding
errors do not drift one way over many entries) is the default for amounts you store and add up;
:data:`DISPLAY` (half-up, what people expect on a price tag) is what :func:`format_money` uses when
an amount has more digits than its currency shows.

```pycon
>>> from decimal import Decimal
>>> price = money("1234.565", "EUR")
>>> round_money(price)
Money('1234.56', 'EUR')
>>> round_money(price, rounding=DISPLAY)
Money('1234.57', 'EUR')
>>> round_cash(money("10.02", "CHF"))
Money('10.00', 'CHF')
>>> minor_units("JPY"), minor_units("KWD"), minor_units("CLF")
(0, 3, 4)

```
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
from decimal import Decimal
from typing import Final, Literal

import attrs
import babel
import babel.numbers
import moneyed
import pycountry
from babel.core import get_global
from moneyed import Money

from globalcrm.errors import (
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    RuleViolation,
    translate_errors,
)
from globalcrm.locale import datasets
from globalcrm.locale.text import FSI, PDI

__all__ = [
    "ACCOUNTING",
    "DISPLAY",
    "ROUNDING_MODES",
    "CurrencyInfo",
    "Money",
    "add",
    "babel_locale",
    "cash_increment",
    "checked_money",
    "currency_info",
    "format_money",
    "minor_units",
    "money",
    "moneyed_currency",
    "narrow_symbol",
    "round_cash",
    "round_money",
    "round_to_increment",
    "rounding_mode",
    "validate_currency",
]

ACCOUNTING: Final = decimal.ROUND_HALF_EVEN
"""Half-even: the default for stored amounts, totals, conversions and taxes."""
DISPLAY: Final = decimal.ROUND_HALF_UP
"""Half-up: used when an amount with too many digits is shown to a person."""
ROUNDING_MODES: Final = frozenset(
    {
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_UP,
        decimal.ROUND_DOWN,
        decimal.ROUND_CEILING,
        decimal.ROUND_FLOOR,
    }
)
"""The rounding modes accepted wherever a ``rounding=`` keyword appears (decimal's constants)."""

MAX_INTEGER_DIGITS: Final = 18
"""Amounts of 10**18 or more are refused (more than any real price or balance)."""
MAX_FRACTION_DIGITS: Final = 12
"""More decimals than this are refused rather than silently rounded."""

_CONTEXT: Final = decimal.Context(
    prec=40,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_NUMBER_TEXT: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")

Style = Literal["standard", "accounting"]
CurrencyDisplay = Literal["symbol", "narrow", "code", "name"]


@attrs.frozen
class CurrencyInfo:
    """What ISO 4217 and CLDR say about one currency code."""

    code: str
    """The ISO 4217 alphabetic code, upper case."""
    name: str
    """The English name (ISO 4217 for current codes, CLDR for withdrawn ones)."""
    numeric: str | None
    """The ISO 4217 numeric code, where pycountry has it."""
    minor_units: int
    """Digits after the decimal separator (CLDR ``digits``)."""
    cash_digits: int
    """Digits for cash (CLDR ``cashDigits``)."""
    cash_rounding: int
    """Cash rounding increment in units of the last cash digit (CLDR ``cashRounding``; 0 = 1)."""
    withdrawn_on: dt.date | None
    """For a code no longer in ISO 4217's current list: when CLDR says its last use ended."""

    @property
    def current(self) -> bool:
        """True for a code in ISO 4217's current list."""
        return self.withdrawn_on is None and self.numeric is not None


@functools.cache
def _current_codes() -> frozenset[str]:
    return frozenset(str(c.alpha_3) for c in pycountry.currencies)


@functools.cache
def _withdrawal_dates() -> dict[str, dt.date]:
    """The latest end date per currency across CLDR's territory usages (no end = still used)."""
    latest: dict[str, dt.date | None] = {}
    for usages in get_global("territory_currencies").values():
        for code, _start, end, _tender in usages:
            ended = dt.date(*end) if end else None
            if code not in latest:
                latest[code] = ended
            else:
                previous = latest[code]
                latest[code] = None if previous is None or ended is None else max(previous, ended)
    return {code: ended for code, ended in latest.items() if ended is not None}


@functools.lru_cache(maxsize=1024)
def _info(code: str) -> CurrencyInfo | None:
    fractions = get_global("currency_fractions")
    digits, _rounding, cash_digits, cash_rounding = fractions.get(code, fractions["DEFAULT"])
    if code in _current_codes():
        record = pycountry.currencies.get(alpha_3=code)
        return CurrencyInfo(
            code=code,
            name=str(getattr(record, "name", code)),
            numeric=str(getattr(record, "numeric", "")) or None,
            minor_units=int(digits),
            cash_digits=int(cash_digits),
            cash_rounding=int(cash_rounding),
            withdrawn_on=None,
        )
    if not babel.numbers.is_currency(code):
        return None
    withdrawn = _withdrawal_dates().get(code)
    if withdrawn is None:
        # Known to CLDR, absent from ISO 4217's current list, with no recorded end: treat as
        # withdrawn on an unknown date (the earliest date stands for "long ago").
        withdrawn = dt.date.min
    return CurrencyInfo(
        code=code,
        name=str(babel.Locale("en").currencies.get(code, code)),
        numeric=None,
        minor_units=int(digits),
        cash_digits=int(cash_digits),
        cash_rounding=int(cash_rounding),
        withdrawn_on=withdrawn,
    )


def _code(value: object, field: str) -> str:
    if isinstance(value, moneyed.Currency):
        value = value.code
    if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isascii():
        raise InvalidFormat("expected an ISO 4217 currency code such as 'EUR'", field=field)
    code = value.strip().upper()
    if not code.isalpha():
        raise InvalidFormat("expected an ISO 4217 currency code such as 'EUR'", field=field)
    return code


def currency_info(code: object, *, field: str = "currency") -> CurrencyInfo:
    """Return what ISO 4217 and CLDR know about ``code``, current or withdrawn.

    ```pycon
    >>> currency_info("HRK").withdrawn_on
    datetime.date(2023, 1, 14)
    >>> currency_info("EUR").current
    True

    ```
    """
    checked = _code(code, field)
    info = _info(checked)
    if info is None:
        raise InvalidComponent(f"unknown currency code {checked!r}", field=field)
    return info


def validate_currency(
    code: object, *, allow_withdrawn: bool = False, field: str = "currency"
) -> str:
    """Return ``code`` upper-cased if ISO 4217 lists it as current.

    Withdrawn codes (``LTL``, ``HRK``...) are refused unless ``allow_withdrawn`` is set, which is
    for historical records; the error names the date the currency went out of use.

    ```pycon
    >>> validate_currency("eur")
    'EUR'
    >>> validate_currency("LTL")
    Traceback (most recent call last):
    globalcrm.errors.InvalidComponent: currency: currency 'LTL' was withdrawn on 2014-12-31

    ```
    """
    if type(code) is str and code in _current_codes():
        return code  # the common case: an upper-case current code
    info = currency_info(code, field=field)
    if not info.current and not allow_withdrawn:
        when = info.withdrawn_on
        date_text = "" if when is None or when == dt.date.min else f" on {when.isoformat()}"
        raise InvalidComponent(f"currency {info.code!r} was withdrawn{date_text}", field=field)
    return info.code


@functools.lru_cache(maxsize=1024)
def moneyed_currency(code: str) -> moneyed.Currency:
    """py-moneyed's ``Currency`` for a checked ISO 4217 code, current or withdrawn."""
    known = moneyed.CURRENCIES.get(code)
    if known is not None:
        return known
    info = _info(code)
    name = info.name if info else code
    numeric = info.numeric if info else None
    # py-moneyed's hand-written table lags ISO 4217 (XCG, ZWG...): build the object without
    # registering it globally.
    return moneyed.Currency(code=code, numeric=numeric, name=name)


def _amount(value: object, field: str) -> Decimal:
    """Return ``value`` as a finite Decimal within bounds; floats and bools are refused."""
    if isinstance(value, bool):
        raise InvalidFormat("expected an amount, got a boolean", field=field)
    if isinstance(value, float):
        raise InvalidFormat(
            "floats are not accepted for money: pass a Decimal or a string such as '12.30'",
            field=field,
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        if abs(value) >= 10**MAX_INTEGER_DIGITS:
            raise InvalidInput("the amount is too large", field=field)
        number = Decimal(value)
    elif isinstance(value, str):
        stripped = value.strip()
        if len(stripped) > 64 or not _NUMBER_TEXT.fullmatch(stripped):
            raise InvalidFormat(
                "expected a plain decimal number such as '1234.50'", field=field
            )
        number = Decimal(stripped)
    else:
        raise InvalidFormat(f"expected a Decimal amount, got {type(value).__name__}", field=field)
    if not number.is_finite():
        raise InvalidFormat("the amount is not a finite number", field=field)
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite  # noqa: S101
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise InvalidInput("the amount is too large", field=field)
    if number and exponent < -MAX_FRACTION_DIGITS:
        normalized = number.normalize(_CONTEXT)
        normal_exponent = normalized.as_tuple().exponent
        assert isinstance(normal_exponent, int)  # noqa: S101
        if normal_exponent < -MAX_FRACTION_DIGITS:
            raise InvalidInput(
                f"more than {MAX_FRACTION_DIGITS} decimal places; round explicitly first",
                field=field,
            )
        number = normalized
    if not number:
        number = abs(number)  # no negative zero
    return number


def money(
    amount: object, currency: object, *, allow_withdrawn: bool = False, field: str = "amount"
) -> Money:
    """Return a :class:`Money` after checking the amount (Decimal, int or plain text) and currency.

    Floats are refused with :class:`~globalcrm.errors.InvalidFormat`; so are NaN, infinities,
    amounts of 10**18 or more and more than 12 decimal places (never rounded silently).

    ```pycon
    >>> money("19.90", "eur")
    Money('19.90', 'EUR')
    >>> money(19.9, "EUR")
    Traceback (most recent call last):
    globalcrm.errors.InvalidFormat: amount: floats are not accepted for money: pass a Decimal or a string such as '12.30'

    ```
    """  # noqa: E501
    number = _amount(amount, field)
    code = validate_currency(currency, allow_withdrawn=allow_withdrawn, field="currency")
    return Money(number, moneyed_currency(code))


def checked_money(value: object, field: str = "amount") -> tuple[Decimal, str]:
    """The amount and currency code of a caller's :class:`Money`, both checked.

    A ``Money`` may have been built from anything (a float, NaN, an unknown code): every
    function that takes one checks it here first.
    """
    if not isinstance(value, Money):
        raise InvalidFormat(f"expected Money, got {type(value).__name__}", field=field)
    amount = _amount(value.amount, field)
    code = currency_info(getattr(value.currency, "code", None), field=f"{field}.currency").code
    return amount, code


def rounding_mode(rounding: object) -> str:
    """``rounding`` if it is one of decimal's ``ROUND_*`` modes (:data:`ROUNDING_MODES`)."""
    if not isinstance(rounding, str) or rounding not in ROUNDING_MODES:
        raise InvalidComponent(
            "unknown rounding mode (use one of decimal's ROUND_* constants)", field="rounding"
        )
    return rounding


def minor_units(currency: object) -> int:
    """Return the number of decimals ``currency`` uses (CLDR ``digits``: JPY 0, EUR 2, KWD 3).

    ```pycon
    >>> minor_units("EUR")
    2

    ```
    """
    return currency_info(currency).minor_units


def cash_increment(currency: object) -> Decimal:
    """Return the smallest cash amount CLDR records for ``currency`` (CHF 0.05, DKK 0.50, EUR 0.01).

    ```pycon
    >>> cash_increment("CHF"), cash_increment("DKK"), cash_increment("JPY")
    (Decimal('0.05'), Decimal('0.50'), Decimal('1'))

    ```
    """
    info = currency_info(currency)
    step = max(info.cash_rounding, 1)
    return Decimal(step).scaleb(-info.cash_digits)


def round_money(amount: object, *, rounding: str = ACCOUNTING) -> Money:
    """Round ``amount`` to its currency's minor units (half-even unless ``rounding`` says else).

    ```pycon
    >>> round_money(money("2.5", "JPY")), round_money(money("3.5", "JPY"))
    (Money('2', 'JPY'), Money('4', 'JPY'))

    ```
    """
    number, code = checked_money(amount, "amount")
    mode = rounding_mode(rounding)
    exponent = Decimal(1).scaleb(-minor_units(code))
    rounded = number.quantize(exponent, rounding=mode, context=_CONTEXT)
    return Money(rounded, moneyed_currency(code))


def round_to_increment(
    number: Decimal, increment: Decimal, *, rounding: str = ACCOUNTING
) -> Decimal:
    """Round ``number`` to a multiple of ``increment``, keeping ``increment``'s decimals.

    ```pycon
    >>> round_to_increment(Decimal("10.03"), Decimal("0.05"))
    Decimal('10.05')

    ```
    """
    if not isinstance(number, Decimal) or not number.is_finite():
        raise InvalidFormat("expected a finite Decimal", field="number")
    if not isinstance(increment, Decimal) or not increment.is_finite() or increment <= 0:
        raise InvalidFormat("expected a positive Decimal increment", field="increment")
    if number.adjusted() >= MAX_INTEGER_DIGITS or not (
        -MAX_FRACTION_DIGITS <= increment.adjusted() < MAX_INTEGER_DIGITS
    ):
        raise InvalidInput("out of range", field="number")
    mode = rounding_mode(rounding)
    steps = (number / increment).quantize(Decimal(1), rounding=mode, context=_CONTEXT)
    return (steps * increment).quantize(increment, context=_CONTEXT)


def round_cash(amount: object, *, rounding: str = DISPLAY) -> Money:
    """Round ``amount`` to what can be paid in cash where CLDR defines it (CHF 0.05, DKK 0.50).

    Half-up by default, as at a till; currencies without a cash rule round to their minor units.

    ```pycon
    >>> round_cash(money("10.03", "CHF")), round_cash(money("10.25", "DKK"))
    (Money('10.05', 'CHF'), Money('10.50', 'DKK'))

    ```
    """
    number, code = checked_money(amount, "amount")
    mode = rounding_mode(rounding)
    rounded = round_to_increment(number, cash_increment(code), rounding=mode)
    return Money(rounded, moneyed_currency(code))


def add(*amounts: object) -> Money:
    """Add amounts of one currency; mixing currencies is a :class:`RuleViolation`, not a TypeError.

    ```pycon
    >>> add(money("1.10", "EUR"), money("2.20", "EUR"))
    Money('3.30', 'EUR')

    ```
    """
    if not amounts:
        raise InvalidInput("nothing to add", field="amounts")
    total = Decimal(0)
    currency: str | None = None
    for index, item in enumerate(amounts):
        number, code = checked_money(item, f"amounts[{index}]")
        if currency is not None and code != currency:
            raise RuleViolation(f"cannot add {code} to {currency}; convert first", field="amounts")
        currency = code
        total = _CONTEXT.add(total, number)
    assert currency is not None  # noqa: S101
    return Money(_amount(total, "amounts"), moneyed_currency(currency))


# --- formatting ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _locale(tag: str) -> babel.Locale | None:
    try:
        return babel.Locale.parse(tag.replace("-", "_"))
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return None


def babel_locale(value: object, *, field: str = "locale") -> babel.Locale:
    """Return the cached babel Locale for a BCP 47 tag (``pt-BR`` or ``pt_BR``)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 35:
        raise InvalidFormat("expected a locale such as 'lt' or 'pt-BR'", field=field)
    tag = value.strip()
    if not all(part.isascii() and part.isalnum() for part in re.split(r"[-_]", tag)):
        raise InvalidFormat("expected a locale such as 'lt' or 'pt-BR'", field=field)
    result = _locale(tag)
    if result is None:
        raise InvalidComponent(f"locale {tag!r} is not known to CLDR", field=field)
    return result


def _with_code_spacing(pattern: str) -> str:
    """Put the ISO code in place of the symbol, with CLDR's currencySpacing next to digits.

    CLDR (TR35 "Currencies", ``currencySpacing``) inserts a no-break space between a currency
    sign that does not end in a symbol character and an adjacent digit; a code is letters, so the
    space is always due.
    """
    parts = []
    for sub in pattern.split(";"):
        sub = sub.replace("¤", "¤¤")
        sub = re.sub(r"¤¤(?=[#0-9,.])", "¤¤\u00a0", sub)
        sub = re.sub(r"(?<=[#0-9.])¤¤", "\u00a0¤¤", sub)
        parts.append(sub)
    return ";".join(parts)


@functools.lru_cache(maxsize=2048)
def _pattern(
    tag: str, style: str, display: str
) -> tuple[babel.Locale, babel.numbers.NumberPattern]:
    locale = babel_locale(tag)
    pattern = locale.currency_formats[style]
    if display == "code":
        pattern = babel.numbers.parse_pattern(_with_code_spacing(pattern.pattern))
    return locale, pattern


def format_money(
    amount: object,
    *,
    locale: object,
    style: object = "standard",
    currency_display: object = "symbol",
    isolated: object = False,
) -> str:
    r"""Write ``amount`` the way ``locale`` writes money (CLDR patterns through babel).

    ``style`` is ``"standard"`` or ``"accounting"`` (negative amounts in parentheses where the
    locale does so); ``currency_display`` is ``"symbol"``, ``"narrow"`` (the short symbol, ``$``
    rather than ``US$``), ``"code"`` (``EUR``) or ``"name"`` (``euros``). Amounts with more digits
    than the currency shows are rounded half-up (:data:`DISPLAY`); otherwise the text equals babel's
    ``format_currency`` with its defaults (babel itself rounds half-even). With ``"name"`` CLDR's
    plural unit pattern is used and ``style`` does not apply. ``isolated=True`` wraps the text in
    bidi isolates (FSI … PDI, UAX #9) for embedding in a sentence.

    ```pycon
    >>> format_money(money("1234.56", "EUR"), locale="lt") == "1\xa0234,56\xa0€"
    True
    >>> format_money(money("1234.5", "JPY"), locale="ja")
    '￥1,235'
    >>> format_money(money("-5", "USD"), locale="en", style="accounting")
    '($5.00)'
    >>> format_money(money("1234.5", "BRL"), locale="pt-BR", currency_display="code")
    'BRL\xa01.234,50'

    ```
    """
    if not isinstance(amount, Money):
        raise InvalidFormat(f"expected Money, got {type(amount).__name__}", field="amount")
    if style not in ("standard", "accounting"):
        raise InvalidComponent("style must be 'standard' or 'accounting'", field="style")
    if currency_display not in ("symbol", "narrow", "code", "name"):
        raise InvalidComponent(
            "currency_display must be 'symbol', 'narrow', 'code' or 'name'",
            field="currency_display",
        )
    if not isinstance(locale, str):
        raise InvalidFormat("expected a locale such as 'lt' or 'pt-BR'", field="locale")
    number = amount.amount
    code = getattr(amount.currency, "code", None)
    info = _info(code) if isinstance(code, str) and len(code) == 3 else None
    if info is None or not isinstance(number, Decimal) or not number.is_finite():
        number, code = checked_money(amount, "amount")
        info = _info(code)
    assert info is not None  # noqa: S101
    code = info.code
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise InvalidInput("the amount is too large", field="amount")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > info.minor_units:
        step = Decimal(1).scaleb(-info.minor_units)
        number = number.quantize(step, rounding=DISPLAY, context=_CONTEXT)
    if currency_display == "name":
        with translate_errors(
            (ValueError, KeyError, decimal.InvalidOperation),
            InvalidInput,
            "the amount cannot be formatted",
            field="amount",
        ):
            text = babel.numbers.format_currency(
                number, code, locale=babel_locale(locale), format_type="name"
            )
    else:
        if currency_display == "narrow":
            babel_obj, pattern = _narrow_pattern(locale, str(style), code)
        else:
            babel_obj, pattern = _pattern(locale, str(style), str(currency_display))
        text = pattern.apply(number, babel_obj, currency=code, currency_digits=True)
    if isolated is True:
        return f"{FSI}{text}{PDI}"
    if isolated is not False:
        raise InvalidFormat("expected true or false", field="isolated")
    return text


@functools.cache
def _narrow_symbols() -> dict[str, dict[str, str]]:
    """CLDR's narrow currency symbols: ``{"root": {...}, "<locale>": {overrides}}``."""
    return dict(datasets.load("currency_symbols")["narrow"])


def narrow_symbol(code: str, locale: babel.Locale) -> str:
    """Return CLDR's narrow symbol for ``code`` in ``locale`` (``$`` for CAD in en, not ``CA$``).

    Where CLDR has no narrow form, the locale's standard symbol stands in (CLDR's fallback).
    """
    table = _narrow_symbols()
    candidates = []
    if locale.script and locale.territory:
        candidates.append(f"{locale.language}-{locale.script}-{locale.territory}")
    if locale.territory:
        candidates.append(f"{locale.language}-{locale.territory}")
    if locale.script:
        candidates.append(f"{locale.language}-{locale.script}")
    candidates.append(locale.language)
    for candidate in candidates:
        found = table.get(candidate, {}).get(code)
        if found is not None:
            return found
    found = table.get("root", {}).get(code)
    if found is not None:
        return found
    return str(babel.numbers.get_currency_symbol(code, locale))


@functools.lru_cache(maxsize=4096)
def _narrow_pattern(
    tag: str, style: str, code: str
) -> tuple[babel.Locale, babel.numbers.NumberPattern]:
    """The locale's pattern with the narrow symbol written in as a quoted literal."""
    locale, pattern = _pattern(tag, style, "symbol")
    symbol = narrow_symbol(code, locale).replace("'", "''")
    return locale, babel.numbers.parse_pattern(pattern.pattern.replace("¤", f"'{symbol}'"))
