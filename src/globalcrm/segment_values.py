"""The values a segment rule holds, each checked, and the arithmetic rules share.

Field names and their operators, JSON scalars, ISO 8601 durations (read by isodate) and the
windows they open before ``now``, counts and amounts, and the conversion of amounts between
currencies that :mod:`globalcrm.segments` and :mod:`globalcrm.storage.segments_sql` both follow.
Every check raises :class:`~globalcrm.errors.InvalidRule` naming the field it checked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import math
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Final

import isodate

from globalcrm import _checks
from globalcrm import money as _money
from globalcrm.errors import GlobalCRMError, InvalidInput, InvalidRule, NotFound
from globalcrm.exchange_rates import RateTable
from globalcrm.interactions import CHANNELS, DIRECTIONS

OPS: Final = ("eq", "ne", "in", "not_in", "lt", "le", "gt", "ge", "exists", "contains")
"""Every operator of a field rule."""
COUNT_OPS: Final = ("eq", "ne", "lt", "le", "gt", "ge")
"""Operators comparing a count or a total."""
_TEXT_OPS: Final = ("eq", "ne", "in", "not_in", "exists")
_LIST_OPS: Final = ("contains", "in", "not_in", "exists")
_TIME_OPS: Final = ("eq", "ne", "lt", "le", "gt", "ge", "exists")

FIELDS: Final = {
    "country": "text",
    "language": "text",
    "time_zone": "text",
    "formality": "text",
    "tier": "text",
    "tags": "list",
    "dietary_needs": "list",
    "created_at": "time",
}
"""Customer fields a rule can test, and their kind; ``attributes.<key>`` tests a JSON value.

``tier`` is the customer's loyalty tier (a code such as ``gold``), a fact given to the rule."""
KIND_OPS: Final = {"text": _TEXT_OPS, "list": _LIST_OPS, "time": _TIME_OPS, "json": OPS}
FACTOR_DECIMALS: Final = 12
"""Decimals of a conversion factor per minor unit (see the module docstring)."""
_EXACT: Final = decimal.Context(
    prec=80, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation]
)
MAX_DEPTH: Final = 32
MAX_NODES: Final = 1000
_FIELD_SHAPE: Final = re.compile(r"[a-z][a-z0-9_.]{0,63}")
"""A field name shaped like a code may be echoed in an error; anything else may be personal."""


# --------------------------------------------------------------------------- errors


@contextlib.contextmanager
def at_path(path: str) -> Iterator[None]:
    """Errors inside become ``InvalidRule`` with ``path`` prefixed to their field."""
    try:
        yield
    except InvalidRule as error:
        error.at(field=path)
        raise
    except InvalidInput as error:
        raise rule_error(error).at(field=path) from None


def rule_error(error: GlobalCRMError) -> InvalidRule:
    """The ``InvalidRule`` for an input error raised while checking a rule."""
    translated = InvalidRule(error.message, field=error.field, position=error.position)
    return translated


def join_path(prefix: str, name: str) -> str:
    """``prefix.name``, or ``name`` at the top."""
    return f"{prefix}.{name}" if prefix else name


# --------------------------------------------------------------------------- value checks


def _duration(value: object) -> str:
    """An ISO 8601 duration, positive, as given (``P30D``)."""
    if not isinstance(value, str) or not 2 <= len(value.strip()) <= 64:
        raise InvalidRule("expected an ISO 8601 duration such as 'P30D'", field="within")
    text = value.strip()
    try:
        parsed = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError, ArithmeticError):
        raise InvalidRule(
            "expected an ISO 8601 duration such as 'P30D'", field="within"
        ) from None
    probe = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    try:
        positive = probe + parsed > probe
    except (OverflowError, ValueError):
        positive = True  # longer than the calendar: every event falls inside
    if text.startswith("-") or not positive:
        raise InvalidRule("a duration is greater than zero", field="within")
    return text


def window_start(now: dt.datetime, within: str | None) -> dt.datetime | None:
    """The first instant of the window ``within`` before ``now`` (``None``: no lower bound)."""
    instant = _checks.aware_utc(now, field="now")
    if within is None:
        return None
    duration = isodate.parse_duration(_duration(within))
    try:
        start = instant - duration
    except (OverflowError, ValueError):
        return None  # reaches before year 1: the window holds everything
    return _checks.aware_utc(start, field="within")


def scalar(value: object, *, field: str) -> Any:
    """A JSON scalar (text, finite number, true or false) as a rule value."""
    if isinstance(value, bool) or value is None:
        if value is None:
            raise InvalidRule("expected a value (text, number, true or false)", field=field)
        return value
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise InvalidRule("integer too large to survive JSON", field=field)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRule("not a finite number", field=field)
        return value
    if isinstance(value, str):
        return _checks.text(value, field=field, max_length=1000, allow_empty=True)
    raise InvalidRule(
        f"expected text, a number, true or false, got {type(value).__name__}", field=field
    )


def value_list(value: object, check: Any, *, field: str) -> tuple[Any, ...]:
    """A list of values each checked by ``check``, duplicates dropped, order kept."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise InvalidRule("expected a list of values", field=field)
    if len(value) > 1000:
        raise InvalidRule("at most 1000 values", field=field)
    checked: dict[Any, None] = {}
    for index, item in enumerate(value):
        with at_path(f"{field}[{index}]"):
            checked.setdefault(_typed_key(check(item)), None)
    return tuple(item for _, item in checked)


def _typed_key(value: Any) -> tuple[str, Any]:
    """Dedup key that keeps ``1``, ``1.0`` and ``True`` apart as JSON keeps them apart."""
    return (type(value).__name__, value)


def text_value(name: str, value: object) -> Any:
    """A value of a text field, normalised as the customer field is (``lt`` is ``LT``)."""
    if name == "country":
        return _checks.country(value, field="")
    if name == "language":
        return _checks.language(value, field="")
    if name == "time_zone":
        return _checks.time_zone(value, field="")
    if name == "formality":
        return _checks.choice(value, ("formal", "informal"), field="", what="formality")
    return _checks.code(value, field="")


def time_value(value: object) -> dt.datetime:
    """An ISO 8601 time with an offset (or an aware datetime), in UTC."""
    if isinstance(value, dt.datetime):
        return _checks.aware_utc(value, field="")
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidRule("expected an ISO 8601 time with an offset")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRule("expected an ISO 8601 time with an offset") from None
    return _checks.aware_utc(parsed, field="")


def field_name(value: object) -> tuple[str, str]:
    """``(name, kind)`` of a field: a customer field, or ``attributes.<key>``."""
    if not isinstance(value, str):
        raise InvalidRule(f"expected a field name, got {type(value).__name__}", field="field")
    if value in FIELDS:
        return value, FIELDS[value]
    prefix, dot, key = value.partition(".")
    if prefix == "attributes" and dot:
        if _checks.code(key, field="field") != key:
            raise InvalidRule("an attribute key is a snake_case code", field="field")
        return value, "json"
    shown = f" {value!r}" if _FIELD_SHAPE.fullmatch(value) else ""
    raise InvalidRule(
        f"unknown field{shown} (expected one of {', '.join(FIELDS)} or attributes.<key>)",
        field="field",
    )



def conversion_factor(
    source: str, target: str, *, rates: RateTable | None, at: dt.datetime
) -> Decimal:
    """Target minor units per source minor unit at ``at``, to :data:`FACTOR_DECIMALS` decimals.

    ```pycon
    >>> from globalcrm.exchange_rates import ExchangeRate
    >>> table = RateTable()
    >>> table.add(ExchangeRate(base="EUR", quote="JPY", rate="161.23", source="ECB",
    ...                        as_of=dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)))
    >>> conversion_factor("EUR", "JPY", rates=table, at=dt.datetime(2026, 11, 21, tzinfo=dt.UTC))
    Decimal('1.612300000000')

    ```
    """
    if source == target:
        return Decimal(1)
    if rates is None:
        raise NotFound(f"no {source}/{target} rate: no rates were given", field="rates")
    rate = rates.rate(source, target, at=at).rate
    shift = _money.minor_units(target) - _money.minor_units(source)
    factor = _EXACT.multiply(rate, Decimal(1).scaleb(shift))
    return factor.quantize(Decimal(1).scaleb(-FACTOR_DECIMALS), context=_EXACT)


def convert_minor(amount: int, factor: Decimal) -> int:
    """``amount`` minor units times ``factor``, rounded half up to a whole minor unit."""
    exact = _EXACT.multiply(Decimal(amount), factor)
    return int(exact.to_integral_value(rounding=decimal.ROUND_HALF_UP, context=_EXACT))


def compare(left: Any, op: str, right: Any) -> bool:
    """``left op right`` for the comparison operators."""
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if op == "lt":
        return bool(left < right)
    if op == "le":
        return bool(left <= right)
    if op == "gt":
        return bool(left > right)
    return bool(left >= right)


def json_kind(value: Any) -> str | None:
    """The JSON type of a value: ``boolean``, ``number``, ``string``, ``array``..."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return None
    return "array" if isinstance(value, list) else "object"


def json_equal(left: Any, right: Any) -> bool:
    """Equal as JSON values are: same JSON type, numbers compared as doubles."""
    kind = json_kind(right)
    return json_kind(left) == kind and (float(left) == float(right) if kind == "number"
                                         else bool(left == right))


def count_value(value: object) -> int:
    """A count to compare with: a whole number from 0."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise InvalidRule("expected a whole number from 0", field="value")
    return value


def count_op(value: object) -> str:
    """A comparison operator of a count or total."""
    if not isinstance(value, str) or value not in COUNT_OPS:
        raise InvalidRule(f"expected one of {', '.join(COUNT_OPS)}", field="op")
    return value


def opt_duration(value: object) -> str | None:
    """An optional ``within`` duration."""
    return None if value is None else _duration(value)


def opt_channel(value: object) -> str | None:
    """An optional channel of :data:`globalcrm.interactions.CHANNELS`."""
    if value is None:
        return None
    with at_path("channel"):
        return _checks.choice(value, CHANNELS, field="", what="channel")


def opt_direction(value: object) -> str | None:
    """An optional direction of :data:`globalcrm.interactions.DIRECTIONS`."""
    if value is None:
        return None
    with at_path("direction"):
        return _checks.choice(value, DIRECTIONS, field="", what="direction")


def opt_outcome(value: object) -> str | None:
    """An optional interaction outcome (text, as recorded)."""
    if value is None:
        return None
    with at_path("outcome"):
        return _checks.text(value, field="", max_length=200)


def measure(value: object) -> str:
    """``count`` or ``total``."""
    if value not in ("count", "total"):
        raise InvalidRule("expected count or total", field="measure")
    return str(value)


def opt_category(value: object) -> str | None:
    """An optional product category (a code)."""
    if value is None:
        return None
    with at_path("category"):
        return _checks.code(value, field="")


def opt_attribute(value: object) -> str | None:
    """An optional product attribute (a code such as ``halal``)."""
    if value is None:
        return None
    with at_path("attribute"):
        return _checks.code(value, field="")


def opt_product(value: object) -> str | None:
    """An optional product id."""
    if value is None:
        return None
    with at_path("product"):
        return _checks.text(value, field="", max_length=200)


def opt_currency(value: object) -> str | None:
    """An optional ISO 4217 currency code."""
    if value is None:
        return None
    with at_path("currency"):
        return _money.validate_currency(value, allow_withdrawn=True, field="")


def amount_value(value: object) -> Decimal | int:
    """A total to compare with: an int, a decimal text or a float read from JSON."""
    if isinstance(value, bool):
        raise InvalidRule("expected a number", field="value")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRule("expected a finite number", field="value")
        value = repr(value)
    if isinstance(value, Decimal):
        value = str(value)
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidRule("expected a number or a decimal text such as '100.50'", field="value")
    try:
        number = Decimal(value.strip())
    except decimal.InvalidOperation:
        raise InvalidRule("expected a decimal number such as '100.50'", field="value") from None
    if not number.is_finite():
        raise InvalidRule("expected a finite number", field="value")
    return number


def purpose_key(value: object) -> str:
    """The key of a processing purpose."""
    with at_path("purpose"):
        return _checks.text(value, field="", max_length=64)


def consent_channel(value: object) -> str:
    """The channel a consent rule asks about."""
    with at_path("channel"):
        return _checks.text(value, field="", max_length=64)


