"""Exchange rates with their source and as-of time, conversion, and an honest disclosure.

A rate says ``1 base = rate quote`` as published by ``source`` at ``as_of``. A :class:`RateTable`
holds effective-dated rates in memory (the store maps the same records to a table), finds the
newest rate not after a given time, derives inverse and cross rates through a pivot currency, and
refuses rates older than its ``max_age`` instead of using them silently.

:func:`convert` returns the converted amount with a :class:`Disclosure` (rate, source, as-of,
markup) and a sentence in the customer's language, numbers and direction, such as
``≈ 1 234,56 € (1 USD = 0,9213 EUR, ECB, 2026-11-20)``.

Sources read:

- The European Central Bank's euro foreign exchange reference rates
  (https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/):
  the daily file ``eurofxref-daily.xml`` and the historical ``eurofxref-hist.xml`` /
  ``eurofxref-hist-90d.xml`` (a ``gesmes:Envelope`` whose ``Cube`` elements carry ``time``, then
  ``currency`` and ``rate``). The ECB publishes around 16:00 CET; a day's rates are dated 16:00
  Europe/Berlin time.
- A simple CSV with the columns ``base,quote,rate,as_of`` and optionally ``source``.

Other sources plug in through the :class:`RateImporter` protocol.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import decimal
import functools
import io
import os
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Final, Protocol, runtime_checkable
from xml.etree.ElementTree import Element, ParseError

import attrs
import babel.dates
import babel.numbers
import defusedxml.ElementTree
from defusedxml import DefusedXmlException

from globalcrm import money as _money
from globalcrm.errors import (
    GlobalCRMError,
    InvalidFormat,
    InvalidInput,
    InvalidLength,
    NotFound,
    RuleViolation,
    translate_errors,
)
from globalcrm.locale.text import FSI, LRI, PDI
from globalcrm.money import ACCOUNTING, Money

__all__ = [
    "ECB",
    "Conversion",
    "CsvRateImporter",
    "Disclosure",
    "EcbXmlImporter",
    "ExchangeRate",
    "RateImporter",
    "RateTable",
    "convert",
    "disclosure_text",
    "read_ecb_xml",
    "read_rates_csv",
]

ECB: Final = "ECB"
"""The source name given to rates read from the ECB's reference-rate files."""
_ECB_NS: Final = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
_ECB_ZONE: Final = "Europe/Berlin"
_MAX_FILE: Final = 64 * 1024 * 1024
_CONTEXT: Final = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_SOURCE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._+/:()-]{0,63}")


def _currency(value: object, field: str) -> str:
    return _money.validate_currency(value, allow_withdrawn=True, field=field)


def _base(value: object) -> str:
    return _currency(value, "base")


def _quote(value: object) -> str:
    return _currency(value, "quote")


def _pivot(value: object) -> str:
    return _currency(value, "pivot")


def _rate(value: object) -> Decimal:
    if isinstance(value, float):
        raise InvalidFormat(
            "floats are not accepted for rates: pass a Decimal or text", field="rate"
        )
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40 or not re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", text):
            raise InvalidFormat("expected a positive decimal rate such as '0.9213'", field="rate")
        value = Decimal(text)
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidFormat("expected a positive Decimal rate", field="rate")
    if value <= 0:
        raise InvalidInput("a rate must be greater than zero", field="rate")
    if value.adjusted() > 15 or value.adjusted() < -15:
        raise InvalidInput("the rate is out of range", field="rate")
    return value


def _source(value: object) -> str:
    if not isinstance(value, str) or not _SOURCE.fullmatch(value.strip()):
        raise InvalidFormat(
            "expected a short source name such as 'ECB' (letters, digits, . _ + / : ( ) -)",
            field="source",
        )
    return value.strip()


def _as_of(value: object) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InvalidFormat("expected a timezone-aware datetime", field="as_of")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidFormat("the datetime has no time zone; pass an aware datetime", field="as_of")
    return value.astimezone(dt.UTC)


def _derivation(value: object) -> str:
    if not isinstance(value, str) or len(value) > 20:
        raise InvalidFormat("expected 'direct', 'inverse' or 'cross:<pivot>'", field="derivation")
    return value


@attrs.frozen
class ExchangeRate:
    """``1 base = rate quote``, published by ``source`` at ``as_of`` (UTC).

    ``derivation`` is ``"direct"`` for a published rate, ``"inverse"`` or ``"cross:EUR"`` for a
    rate a :class:`RateTable` derived; only direct rates are stored.
    """

    base: str = attrs.field(converter=_base)
    quote: str = attrs.field(converter=_quote)
    rate: Decimal = attrs.field(converter=_rate)
    source: str = attrs.field(converter=_source)
    as_of: dt.datetime = attrs.field(converter=_as_of)
    derivation: str = attrs.field(default="direct", converter=_derivation)

    def __attrs_post_init__(self) -> None:
        if self.base == self.quote:
            raise InvalidInput("base and quote must differ", field="quote")

    def inverse(self) -> ExchangeRate:
        """Return ``1 quote = 1/rate base`` (28 significant digits, half-even)."""
        return ExchangeRate(
            base=self.quote,
            quote=self.base,
            rate=_CONTEXT.divide(Decimal(1), self.rate),
            source=self.source,
            as_of=self.as_of,
            derivation="inverse",
        )


def _age(span: dt.timedelta) -> str:
    """``4 days``, ``36 hours``, ``90 minutes``: a maximum age as people say it."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


def _key(rate: ExchangeRate) -> dt.datetime:
    return rate.as_of


@attrs.define(slots=False, eq=False)
class RateTable:
    """Effective-dated rates in memory, with inverse and cross rates through ``pivot``.

    ``max_age`` is how old the newest rate may be at the time of use: the ECB publishes on TARGET
    business days only, so the default of four days covers a long weekend; older rates raise
    :class:`~globalcrm.errors.RuleViolation`.
    """

    pivot: str = attrs.field(default="EUR", converter=_pivot)
    max_age: dt.timedelta = attrs.field(default=dt.timedelta(days=4))
    _rates: dict[tuple[str, str], list[ExchangeRate]] = attrs.field(factory=dict, init=False)

    @max_age.validator
    def _check_max_age(self, _attribute: object, value: object) -> None:
        if not isinstance(value, dt.timedelta) or value <= dt.timedelta(0):
            raise InvalidFormat("expected a positive timedelta", field="max_age")

    def add(self, rate: ExchangeRate) -> None:
        """Add one published rate; a second rate for the same pair, source and time replaces it."""
        if not isinstance(rate, ExchangeRate):
            raise InvalidFormat(
                f"expected an ExchangeRate, got {type(rate).__name__}", field="rate"
            )
        if rate.derivation != "direct":
            raise InvalidInput("only published (direct) rates can be added", field="derivation")
        series = self._rates.setdefault((rate.base, rate.quote), [])
        index = bisect.bisect_left(series, rate.as_of, key=_key)
        while index < len(series) and series[index].as_of == rate.as_of:
            if series[index].source == rate.source:
                series[index] = rate
                return
            index += 1
        series.insert(index, rate)

    def extend(self, rates: Iterable[ExchangeRate]) -> int:
        """Add many rates; return how many were given."""
        if not isinstance(rates, list | tuple | Iterator):
            raise InvalidFormat("expected an iterable of ExchangeRate", field="rates")
        count = 0
        for index, rate in enumerate(rates):
            try:
                self.add(rate)
            except GlobalCRMError as error:
                raise error.at(field=f"rates[{index}]") from None
            count += 1
        return count

    def __iter__(self) -> Iterator[ExchangeRate]:
        """Every stored rate, by pair then time (what the store persists)."""
        for pair in sorted(self._rates):
            yield from self._rates[pair]

    def __len__(self) -> int:
        return sum(len(series) for series in self._rates.values())

    def _latest(self, base: str, quote: str, at: dt.datetime) -> ExchangeRate | None:
        series = self._rates.get((base, quote))
        if not series:
            return None
        index = bisect.bisect_right(series, at, key=_key)
        return series[index - 1] if index else None

    def _leg(self, base: str, quote: str, at: dt.datetime) -> ExchangeRate | None:
        direct = self._latest(base, quote, at)
        reverse = self._latest(quote, base, at)
        if direct is not None and (reverse is None or direct.as_of >= reverse.as_of):
            return direct
        return reverse.inverse() if reverse is not None else None

    def _fresh(self, rate: ExchangeRate, at: dt.datetime) -> ExchangeRate:
        if at - rate.as_of > self.max_age:
            raise RuleViolation(
                f"the newest {rate.base}/{rate.quote} rate is from "
                f"{rate.as_of.date().isoformat()}, older than the allowed {_age(self.max_age)}",
                field="at",
            )
        return rate

    def rate(self, base: object, quote: object, *, at: object) -> ExchangeRate:
        """Return the rate for ``1 base = ? quote`` in force at ``at``.

        Tries the published pair, then its inverse, then a cross rate through the pivot (whose
        as-of is the older leg's). No rate: :class:`NotFound`; too old: :class:`RuleViolation`.
        """
        base_code = _currency(base, "base")
        quote_code = _currency(quote, "quote")
        when = _money_aware(at)
        if base_code == quote_code:
            raise InvalidInput("base and quote must differ", field="quote")
        leg = self._leg(base_code, quote_code, when)
        if leg is not None:
            return self._fresh(leg, when)
        if self.pivot not in (base_code, quote_code):
            first = self._leg(base_code, self.pivot, when)
            second = self._leg(self.pivot, quote_code, when)
            if first is not None and second is not None:
                self._fresh(first, when)
                self._fresh(second, when)
                sources = first.source if first.source == second.source else (
                    f"{first.source}+{second.source}"
                )
                return ExchangeRate(
                    base=base_code,
                    quote=quote_code,
                    rate=_CONTEXT.multiply(first.rate, second.rate),
                    source=sources[:64],
                    as_of=min(first.as_of, second.as_of),
                    derivation=f"cross:{self.pivot}",
                )
        day = when.date().isoformat()
        raise NotFound(f"no {base_code}/{quote_code} rate on or before {day}", field="quote")


def _money_aware(value: object) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise InvalidFormat("expected a timezone-aware datetime", field="at")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidFormat("the datetime has no time zone; pass an aware datetime", field="at")
    return value.astimezone(dt.UTC)


# --- importers ----------------------------------------------------------------------------------


@runtime_checkable
class RateImporter(Protocol):
    """Anything that reads published rates from a file: the ECB XML and CSV readers, or yours."""

    def read(self, file: str | os.PathLike[str] | IO[bytes] | IO[str]) -> list[ExchangeRate]:
        """Return the rates in ``file`` (a path or an open file)."""
        ...


def _read_bytes(file: object) -> bytes:
    if isinstance(file, str | os.PathLike):
        path = os.fspath(file)
        if not isinstance(path, str) or not path or "\x00" in path or len(path) > 4096:
            raise InvalidFormat("expected a file path or an open file", field="file")
        with translate_errors(
            (OSError, UnicodeError), NotFound, "the rates file cannot be read", field="file"
        ), open(path, "rb") as handle:
            data = handle.read(_MAX_FILE + 1)
    elif hasattr(file, "read"):
        with translate_errors(
            (OSError, ValueError), InvalidInput, "the rates file cannot be read", field="file"
        ):
            data = file.read(_MAX_FILE + 1)
        if isinstance(data, str):
            with translate_errors(
                UnicodeError, InvalidFormat, "the file holds text that is not Unicode", field="file"
            ):
                data = data.encode("utf-8")
        if not isinstance(data, bytes):
            raise InvalidFormat("the file did not return bytes or text", field="file")
    else:
        raise InvalidFormat("expected a file path or an open file", field="file")
    if len(data) > _MAX_FILE:
        raise InvalidLength(f"the rates file is larger than {_MAX_FILE} bytes", field="file")
    return data


def _ecb_as_of(text: str, field: str) -> dt.datetime:
    with translate_errors(
        ValueError, InvalidFormat, "expected a date such as 2026-11-20", field=field
    ):
        day = dt.date.fromisoformat(text)
    local = dt.datetime.combine(day, dt.time(16, 0), tzinfo=zoneinfo.ZoneInfo(_ECB_ZONE))
    return local.astimezone(dt.UTC)


def read_ecb_xml(file: str | os.PathLike[str] | IO[bytes] | IO[str]) -> list[ExchangeRate]:
    """Read the ECB's daily or historical reference-rate XML (EUR based), safely (defusedxml).

    Rates are dated 16:00 Europe/Berlin on the day given by each ``Cube time``.
    """
    data = _read_bytes(file)
    with translate_errors(
        (ParseError, DefusedXmlException, ValueError),
        InvalidFormat,
        "not a well-formed, safe XML document",
        field="file",
    ):
        root = defusedxml.ElementTree.fromstring(data, forbid_dtd=True)
    if not isinstance(root, Element) or not root.tag.endswith("Envelope"):
        raise InvalidFormat("not an ECB reference-rate file (no gesmes:Envelope)", field="file")
    rates: list[ExchangeRate] = []
    days = [cube for cube in root.iter(f"{_ECB_NS}Cube") if "time" in cube.attrib]
    if not days:
        raise InvalidFormat("the file has no dated Cube elements", field="file")
    for day_index, day in enumerate(days):
        field = f"Cube[{day_index}]"
        as_of = _ecb_as_of(day.attrib["time"], f"{field}.time")
        for index, cube in enumerate(day.findall(f"{_ECB_NS}Cube")):
            try:
                rates.append(
                    ExchangeRate(
                        base="EUR",
                        quote=cube.attrib.get("currency"),
                        rate=cube.attrib.get("rate"),
                        source=ECB,
                        as_of=as_of,
                    )
                )
            except GlobalCRMError as error:
                raise error.at(field=f"{field}.Cube[{index}]") from None
    return rates


def read_rates_csv(
    file: str | os.PathLike[str] | IO[bytes] | IO[str], *, source: str | None = None
) -> list[ExchangeRate]:
    """Read a CSV with a header ``base,quote,rate,as_of`` (and ``source`` unless given here).

    ``as_of`` is ISO 8601: a date (midnight UTC) or a datetime with an offset. Errors carry the
    1-based data row.
    """
    default_source = None if source is None else _source(source)
    data = _read_bytes(file)
    with translate_errors(UnicodeDecodeError, InvalidFormat, "the CSV is not UTF-8", field="file"):
        text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    with translate_errors(csv.Error, InvalidFormat, "the CSV does not parse", field="file"):
        header = reader.fieldnames or []
        missing = {"base", "quote", "rate", "as_of"} - {h.strip() for h in header}
        if default_source is None and "source" not in {h.strip() for h in header}:
            missing.add("source")
        if missing:
            raise InvalidFormat(f"missing columns: {', '.join(sorted(missing))}", field="file")
        rates = []
        for row_number, row in enumerate(reader, start=1):
            clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
            try:
                rates.append(
                    ExchangeRate(
                        base=clean.get("base"),
                        quote=clean.get("quote"),
                        rate=clean.get("rate"),
                        source=default_source or clean.get("source"),
                        as_of=_csv_time(clean.get("as_of", "")),
                    )
                )
            except GlobalCRMError as error:
                raise error.at(row=row_number) from None
    return rates


def _csv_time(text: str) -> dt.datetime:
    if len(text) > 40:
        raise InvalidFormat("expected an ISO 8601 date or datetime", field="as_of")
    with translate_errors(
        ValueError, InvalidFormat, "expected an ISO 8601 date or datetime", field="as_of"
    ):
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0), tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise InvalidFormat("the datetime has no offset; add one such as +00:00", field="as_of")
    return value


@attrs.frozen
class EcbXmlImporter:
    """:class:`RateImporter` for the ECB's reference-rate XML files."""

    def read(self, file: str | os.PathLike[str] | IO[bytes] | IO[str]) -> list[ExchangeRate]:
        """Return the rates in an ECB daily or historical file."""
        return read_ecb_xml(file)


@attrs.frozen
class CsvRateImporter:
    """:class:`RateImporter` for CSV files; ``source`` names them when the file has no column."""

    source: str | None = None

    def read(self, file: str | os.PathLike[str] | IO[bytes] | IO[str]) -> list[ExchangeRate]:
        """Return the rates in a CSV file."""
        return read_rates_csv(file, source=self.source)


# --- conversion and disclosure ------------------------------------------------------------------


@attrs.frozen
class Disclosure:
    """What the customer is told about a conversion: which rate, from whom, how old, what markup."""

    base: str
    quote: str
    rate: Decimal
    """The reference (mid) rate, ``1 base = rate quote``."""
    effective_rate: Decimal
    """The rate actually applied: ``rate * (1 + markup)``."""
    markup: Decimal
    """The fraction added to the reference rate (``0.02`` = 2 %)."""
    source: str
    as_of: dt.datetime
    derivation: str


@attrs.frozen
class Conversion:
    """A converted amount, its unrounded value, its disclosure and the sentence to show."""

    original: Money
    converted: Money
    exact: Decimal
    """The converted amount before rounding to the target's minor units."""
    disclosure: Disclosure
    locale: str
    """The customer's locale, in which :attr:`text` is written."""

    @functools.cached_property
    def text(self) -> str:
        """The disclosure sentence, written on first use (bulk conversions skip the cost)."""
        return disclosure_text(self.converted, self.disclosure, locale=self.locale)


# {amount} {pair} ("1 USD = 0.92132 EUR") {source} {date}, and {mid_rate} {markup} in the second.
_TEMPLATES: Final[dict[str, tuple[str, str]]] = {
    "en": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + {markup} markup, {date})",
    ),
    "lt": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + {markup} antkainis, {date})",
    ),
    "lv": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + {markup} uzcenojums, {date})",
    ),
    "fi": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + {markup} marginaali, {date})",
    ),
    "de": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + {markup} Aufschlag, {date})",
    ),
    "nl": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + {markup} opslag, {date})",
    ),
    "pt": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + spread de {markup}, {date})",
    ),
    "uz": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + {markup} ustama, {date})",
    ),
    "hi": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + {markup} मार्कअप, {date})",
    ),
    "he": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + תוספת של {markup}, {date})",
    ),
    "ja": (
        "≈ {amount}（{pair}、{source}、{date}）",
        "≈ {amount}（{pair}：{source} {mid_rate} + 上乗せ{markup}、{date}）",
    ),
    "zh": (
        "≈ {amount}（{pair}，{source}，{date}）",
        "≈ {amount}（{pair}：{source} {mid_rate} + 加价{markup}，{date}）",
    ),
    "ko": (
        "≈ {amount} ({pair}, {source}, {date})",
        "≈ {amount} ({pair}: {source} {mid_rate} + 가산율 {markup}, {date})",
    ),
}
"""Disclosure sentences per language (plain, with markup); other languages use English."""


def _markup(value: object) -> Decimal:
    if isinstance(value, float):
        raise InvalidFormat("floats are not accepted for a markup: pass a Decimal", field="markup")
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidFormat("expected a Decimal fraction such as Decimal('0.02')", field="markup")
    if value < 0 or value >= 1:
        raise InvalidInput("the markup must be at least 0 and below 1 (100 %)", field="markup")
    return value


def _display_rate(rate: Decimal) -> Decimal:
    """Five significant digits (the ECB's own precision), trailing zeros dropped."""
    rounded = _CONTEXT.create_decimal(rate).quantize(
        Decimal(1).scaleb(rate.adjusted() - 4), rounding=decimal.ROUND_HALF_EVEN
    )
    normal = rounded.normalize(_CONTEXT)
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def disclosure_text(amount: object, disclosure: object, *, locale: object) -> str:
    """Write the disclosure sentence for ``amount`` (the converted price) in ``locale``.

    For example ``≈ 1 137,42 € (1 USD = 0,92132 EUR, ECB, 2026-11-20)`` in Lithuanian; with a
    markup the applied rate comes first and the reference rate and markup follow. Languages
    without a template get the English sentence with the locale's own number and date formats.
    """
    if not isinstance(disclosure, Disclosure):
        raise InvalidFormat("expected a Disclosure", field="disclosure")
    number_value, code = _money.checked_money(amount, "amount")
    converted = Money(number_value, _money.moneyed_currency(code))
    babel_locale = _money.babel_locale(locale)
    template, rtl = _sentence_template(disclosure, str(babel_locale))
    number = _money.format_money(converted, locale=str(locale))
    return template.replace("{amount}", f"{FSI}{number}{PDI}" if rtl else number, 1)


@functools.lru_cache(maxsize=1024)
def _sentence_template(disclosure: Disclosure, tag: str) -> tuple[str, bool]:
    """The sentence with everything but the amount filled in (one rate serves many amounts)."""
    babel_locale = _money.babel_locale(tag)
    templates = _TEMPLATES.get(babel_locale.language, _TEMPLATES["en"])
    rtl = babel_locale.character_order == "right-to-left"

    def piece(text: str) -> str:
        return f"{FSI}{text}{PDI}" if rtl else text

    rate_text = babel.numbers.format_decimal(
        _display_rate(disclosure.effective_rate), locale=babel_locale, decimal_quantization=False
    )
    pair = f"1 {disclosure.base} = {rate_text} {disclosure.quote}"
    values = {
        "amount": "{amount}",
        # The equation reads left to right in every script: an LTR isolate keeps it whole.
        "pair": f"{LRI}{pair}{PDI}" if rtl else pair,
        "mid_rate": piece(
            babel.numbers.format_decimal(
                _display_rate(disclosure.rate), locale=babel_locale, decimal_quantization=False
            )
        ),
        "markup": piece(
            babel.numbers.format_percent(
                disclosure.markup, locale=babel_locale, decimal_quantization=False
            )
        ),
        "source": piece(disclosure.source),
        "date": piece(
            babel.dates.format_date(disclosure.as_of.date(), format="medium", locale=babel_locale)
        ),
    }
    template = templates[1] if disclosure.markup else templates[0]
    return template.format(**values), rtl


def convert(
    amount: object,
    to: object,
    *,
    at: object,
    table: object,
    markup: object = Decimal(0),
    locale: object = "en",
    rounding: str = ACCOUNTING,
) -> Conversion:
    """Convert ``amount`` into currency ``to`` at the rate in force at ``at``, and say how.

    The reference rate comes from ``table``; ``markup`` (a fraction, ``Decimal("0.02")`` for 2 %)
    is added to it against the customer; the result is rounded to ``to``'s minor units with
    ``rounding`` (half-even by default) and the unrounded value is kept in ``exact``. The sentence
    is written in ``locale``'s language (English where no template exists), with its number and
    date formats, and bidi isolates around embedded values in right-to-left languages.
    """
    number, code = _money.checked_money(amount, "amount")
    target = _currency(to, "to")
    when = _money_aware(at)
    if not isinstance(table, RateTable):
        raise InvalidFormat(f"expected a RateTable, got {type(table).__name__}", field="table")
    rate_markup = _markup(markup)
    mode = _money.rounding_mode(rounding)
    babel_locale = _money.babel_locale(locale)
    if target == code:
        raise InvalidInput("the amount is already in that currency", field="to")
    rate = table.rate(code, target, at=when)
    effective = _CONTEXT.multiply(rate.rate, _CONTEXT.add(Decimal(1), rate_markup))
    exact = _CONTEXT.multiply(number, effective)
    if exact.adjusted() >= _money.MAX_INTEGER_DIGITS:
        raise InvalidInput("the converted amount is too large", field="amount")
    step = Decimal(1).scaleb(-_money.minor_units(target))
    converted = Money(
        exact.quantize(step, rounding=mode, context=_CONTEXT), _money.moneyed_currency(target)
    )
    disclosure = Disclosure(
        base=code,
        quote=target,
        rate=rate.rate,
        effective_rate=effective,
        markup=rate_markup,
        source=rate.source,
        as_of=rate.as_of,
        derivation=rate.derivation,
    )
    original = Money(number, _money.moneyed_currency(code))
    return Conversion(
        original=original,
        converted=converted,
        exact=exact,
        disclosure=disclosure,
        locale=str(babel_locale),
    )
