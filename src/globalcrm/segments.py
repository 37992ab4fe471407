"""Segments: a typed rule language over customers, their interactions, purchases and consent.

A rule is built in Python (:func:`field`, :func:`interactions`, :func:`purchases`,
:func:`consent`, combined with ``&``, ``|`` and ``~``) or read from its JSON form
(:func:`parse`), which round-trips (``parse(rule.to_json()) == rule``) and is checked on load:
an unknown field, a wrong type or a bad operator raises :class:`~globalcrm.errors.InvalidRule`
naming the JSON path (``all[2].value``). ``rule.matches(customer, facts, now=...)`` evaluates it in
memory; :mod:`globalcrm.storage.segments_sql` compiles the same rule into one SQL statement, and
``tests/property/test_segments_sql.py`` proves the two agree.

Every predicate is true or false, never unknown: a missing value fails ``eq``, ``in``, the
comparisons, ``contains`` and ``exists``; ``ne`` and ``not_in`` are their negations, so a
customer without a tier is ``ne "gold"``. Durations (``within``) are ISO 8601 (``P30D``,
``PT12H``, ``P3M``) read by isodate; a window runs from ``now`` less the duration (calendar
months in UTC) to ``now``, both included.

Totals (``"measure": "total"``) convert each amount on its own into ``currency`` at the rate in
force at ``now`` (the newest stored rate, its inverse or the cross rate through EUR, as
:class:`globalcrm.exchange_rates.RateTable` finds it): the factor per minor unit,
``rate * 10**(target digits - source digits)``, is taken to 12 decimals (half-even), each
converted amount is rounded half up to a whole minor unit, and the rounded amounts are added.
The total is then compared exactly with ``value``. The store does the same in 64-bit integers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs
import isodate

from globalcrm import _checks
from globalcrm import money as _money
from globalcrm.customers import Customer
from globalcrm.errors import GlobalCRMError, InvalidInput, InvalidRule, NotFound
from globalcrm.exchange_rates import RateTable
from globalcrm.interactions import CHANNELS, DIRECTIONS, Interaction
from globalcrm.privacy.consent import ConsentEvent, Purpose, can_contact
from globalcrm.purchases import Purchase

__all__ = [
    "COUNT_OPS",
    "FACTOR_DECIMALS",
    "FIELDS",
    "OPS",
    "AllOf",
    "AnyOf",
    "ConsentRule",
    "Facts",
    "FieldRule",
    "InteractionRule",
    "Not",
    "PurchaseRule",
    "Rule",
    "consent",
    "conversion_factor",
    "convert_minor",
    "field",
    "interactions",
    "parse",
    "purchases",
    "window_start",
]

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
_KIND_OPS: Final = {"text": _TEXT_OPS, "list": _LIST_OPS, "time": _TIME_OPS, "json": OPS}
FACTOR_DECIMALS: Final = 12
"""Decimals of a conversion factor per minor unit (see the module docstring)."""
_EXACT: Final = decimal.Context(
    prec=80, rounding=decimal.ROUND_HALF_EVEN, traps=[decimal.InvalidOperation]
)
_MAX_DEPTH: Final = 32
_MAX_NODES: Final = 1000
_FIELD_SHAPE: Final = re.compile(r"[a-z][a-z0-9_.]{0,63}")
"""A field name shaped like a code may be echoed in an error; anything else may be personal."""


# --------------------------------------------------------------------------- errors


@contextlib.contextmanager
def _at(path: str) -> Iterator[None]:
    """Errors inside become ``InvalidRule`` with ``path`` prefixed to their field."""
    try:
        yield
    except InvalidRule as error:
        error.at(field=path)
        raise
    except InvalidInput as error:
        raise _rule_error(error).at(field=path) from None


def _rule_error(error: GlobalCRMError) -> InvalidRule:
    translated = InvalidRule(error.message, field=error.field, position=error.position)
    return translated


def _join(prefix: str, name: str) -> str:
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
    if within is None:
        return None
    try:
        start = now - isodate.parse_duration(within)
    except (OverflowError, ValueError):
        return None  # reaches before year 1: the window holds everything
    return _checks.aware_utc(start, field="within")


def _scalar(value: object, *, field: str) -> Any:
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


def _values(value: object, check: Any, *, field: str) -> tuple[Any, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise InvalidRule("expected a list of values", field=field)
    if len(value) > 1000:
        raise InvalidRule("at most 1000 values", field=field)
    checked: dict[Any, None] = {}
    for index, item in enumerate(value):
        with _at(f"{field}[{index}]"):
            checked.setdefault(_typed_key(check(item)), None)
    return tuple(item for _, item in checked)


def _typed_key(value: Any) -> tuple[str, Any]:
    """Dedup key that keeps ``1``, ``1.0`` and ``True`` apart as JSON keeps them apart."""
    return (type(value).__name__, value)


def _text_value(name: str, value: object) -> Any:
    if name == "country":
        return _checks.country(value, field="")
    if name == "language":
        return _checks.language(value, field="")
    if name == "time_zone":
        return _checks.time_zone(value, field="")
    if name == "formality":
        return _checks.choice(value, ("formal", "informal"), field="", what="formality")
    return _checks.code(value, field="")


def _time_value(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return _checks.aware_utc(value, field="")
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidRule("expected an ISO 8601 time with an offset")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRule("expected an ISO 8601 time with an offset") from None
    return _checks.aware_utc(parsed, field="")


def _field_name(value: object) -> tuple[str, str]:
    """``(name, kind)`` of a field: a customer field, or ``attributes.<key>``."""
    if not isinstance(value, str):
        raise InvalidRule(f"expected a field name, got {type(value).__name__}", field="field")
    if value in FIELDS:
        return value, FIELDS[value]
    prefix, dot, key = value.partition(".")
    if prefix == "attributes" and dot:
        _checks.code(key, field="field")
        if key != value.partition(".")[2]:
            raise InvalidRule("an attribute key is a snake_case code", field="field")
        return value, "json"
    shown = f" {value!r}" if _FIELD_SHAPE.fullmatch(value) else ""
    raise InvalidRule(
        f"unknown field{shown} (expected one of {', '.join(FIELDS)} or attributes.<key>)",
        field="field",
    )


# --------------------------------------------------------------------------- facts


@attrs.frozen(kw_only=True)
class Facts:
    """What a rule may look at besides the customer row, for evaluation in memory.

    Interactions, purchases and consent events may be everybody's: each rule takes those of the
    customer it tests. ``purposes`` are the purposes consent rules name (the newest active
    version of each key); ``rates`` convert totals; ``tier`` is the customer's loyalty tier.
    """

    interactions: Sequence[Interaction] = ()
    purchases: Sequence[Purchase] = ()
    consent_events: Sequence[ConsentEvent] = ()
    purposes: Mapping[str, Purpose] = attrs.field(factory=dict)
    rates: RateTable | None = None
    tier: str | None = None


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


def _compare(left: Any, op: str, right: Any) -> bool:
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


def _json_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return None
    return "array" if isinstance(value, list) else "object"


def _json_equal(left: Any, right: Any) -> bool:
    kind = _json_kind(right)
    return _json_kind(left) == kind and (float(left) == float(right) if kind == "number"
                                         else bool(left == right))


# --------------------------------------------------------------------------- rules


class Rule:
    """A segment rule: combine with ``&``, ``|`` and ``~``; ``to_json()``; ``matches(...)``."""

    def __and__(self, other: Rule) -> AllOf:
        _rule(other, "other")
        return AllOf(rules=(*_parts(self, AllOf), *_parts(other, AllOf)))

    def __or__(self, other: Rule) -> AnyOf:
        _rule(other, "other")
        return AnyOf(rules=(*_parts(self, AnyOf), *_parts(other, AnyOf)))

    def __invert__(self) -> Rule:
        return self.rule if isinstance(self, Not) else Not(rule=self)

    def to_json(self) -> dict[str, Any]:
        """The rule's JSON form (what :func:`parse` reads back)."""
        raise NotImplementedError

    def matches(self, customer: Customer, facts: Facts | None = None, *, now: dt.datetime) -> bool:
        """Whether ``customer`` is in the segment at ``now``, given ``facts``."""
        if not isinstance(customer, Customer):
            raise InvalidInput("expected a Customer", field="customer")
        if facts is not None and not isinstance(facts, Facts):
            raise InvalidInput("expected Facts", field="facts")
        instant = _checks.aware_utc(now, field="now")
        return self._match(customer, facts or Facts(), instant)

    def _match(self, customer: Customer, facts: Facts, now: dt.datetime) -> bool:
        raise NotImplementedError

    def walk(self) -> Iterator[Rule]:
        """This rule and every rule inside it, depth first."""
        yield self

    def __str__(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)


def _rule(value: object, field: str) -> Rule:
    if not isinstance(value, Rule):
        raise InvalidRule(f"expected a Rule, got {type(value).__name__}", field=field)
    return value


def _parts(rule: Rule, kind: type[AllOf] | type[AnyOf]) -> tuple[Rule, ...]:
    return rule.rules if isinstance(rule, kind) else (rule,)


def _rules(value: object) -> tuple[Rule, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise InvalidRule("expected a list of rules")
    return tuple(_rule(item, f"[{index}]") for index, item in enumerate(value))


@attrs.frozen
class AllOf(Rule):
    """Every rule holds (``{"all": [...]}``; an empty list holds for everyone)."""

    key: ClassVar[str] = "all"
    rules: tuple[Rule, ...] = attrs.field(converter=_rules)

    def to_json(self) -> dict[str, Any]:
        """``{"all": [...]}``."""
        return {self.key: [rule.to_json() for rule in self.rules]}

    def _match(self, customer: Customer, facts: Facts, now: dt.datetime) -> bool:
        return all(rule._match(customer, facts, now) for rule in self.rules)

    def walk(self) -> Iterator[Rule]:
        """This rule and every rule inside it."""
        yield self
        for rule in self.rules:
            yield from rule.walk()


@attrs.frozen
class AnyOf(Rule):
    """At least one rule holds (``{"any": [...]}``; an empty list holds for no one)."""

    key: ClassVar[str] = "any"
    rules: tuple[Rule, ...] = attrs.field(converter=_rules)

    def to_json(self) -> dict[str, Any]:
        """``{"any": [...]}``."""
        return {self.key: [rule.to_json() for rule in self.rules]}

    def _match(self, customer: Customer, facts: Facts, now: dt.datetime) -> bool:
        return any(rule._match(customer, facts, now) for rule in self.rules)

    def walk(self) -> Iterator[Rule]:
        """This rule and every rule inside it."""
        yield self
        for rule in self.rules:
            yield from rule.walk()


def _not_rule(value: object) -> Rule:
    return _rule(value, "not")


@attrs.frozen
class Not(Rule):
    """The rule does not hold (``{"not": RULE}``)."""

    rule: Rule = attrs.field(converter=_not_rule)

    def to_json(self) -> dict[str, Any]:
        """``{"not": RULE}``."""
        return {"not": self.rule.to_json()}

    def _match(self, customer: Customer, facts: Facts, now: dt.datetime) -> bool:
        return not self.rule._match(customer, facts, now)

    def walk(self) -> Iterator[Rule]:
        """This rule and the rule inside it."""
        yield self
        yield from self.rule.walk()


@attrs.frozen
class FieldRule(Rule):
    """A customer field compared with a value: ``{"field": "country", "op": "in", "value": [...]}``.

    ``value`` is normalised on construction (``"lt"`` becomes ``"LT"``); ``exists`` takes none.
    """

    field: str
    op: str
    value: Any = None

    def __attrs_post_init__(self) -> None:
        name, kind = _field_name(self.field)
        if not isinstance(self.op, str) or self.op not in _KIND_OPS[kind]:
            raise InvalidRule(
                f"{name} takes the operators {', '.join(_KIND_OPS[kind])}", field="op"
            )
        object.__setattr__(self, "value", self._checked_value(name, kind))

    def _checked_value(self, name: str, kind: str) -> Any:
        op, value = self.op, self.value
        if op == "exists":
            if value is not None:
                raise InvalidRule("exists takes no value", field="value")
            return None
        many = op in ("in", "not_in")
        if kind == "json":
            if many:
                return _values(value, lambda item: _scalar(item, field=""), field="value")
            checked = _scalar(value, field="value")
            if op in ("lt", "le", "gt", "ge") and isinstance(checked, bool):
                raise InvalidRule("compare a number or a text, not true or false", field="value")
            return checked
        if kind == "time":
            with _at("value"):
                return _time_value(value)
        if kind == "list":
            if many:
                return _values(value, lambda item: _checks.code(item, field=""), field="value")
            with _at("value"):
                return _checks.code(value, field="")
        if many:
            return _values(value, lambda item: _text_value(name, item), field="value")
        with _at("value"):
            return _text_value(name, value)

    @property
    def kind(self) -> str:
        """``text``, ``list``, ``time`` or ``json``."""
        return _field_name(self.field)[1]

    def to_json(self) -> dict[str, Any]:
        """``{"field": ..., "op": ..., "value": ...}``."""
        data: dict[str, Any] = {"field": self.field, "op": self.op}
        if self.op != "exists":
            value = self.value
            if isinstance(value, dt.datetime):
                value = value.isoformat()
            data["value"] = list(value) if isinstance(value, tuple) else value
        return data

    def _match(self, customer: Customer, facts: Facts, now: dt.datetime) -> bool:
        kind = self.kind
        if kind == "json":
            return self._match_json(customer.attributes.get(self.field.partition(".")[2]))
        actual: Any = facts.tier if self.field == "tier" else getattr(customer, self.field)
        op = self.op
        if op in ("ne", "not_in"):
            return not FieldRule(self.field, "eq" if op == "ne" else "in", self.value)._match(
                customer, facts, now
            )
        if kind == "list":
            if op == "exists":
                return bool(actual)
            if op == "contains":
                return self.value in actual
            return any(item in actual for item in self.value)
        if actual is None:
            return False
        if op == "exists":
            return True
        if op == "in":
            return actual in self.value
        return _compare(actual, op, self.value)

    def _match_json(self, actual: Any) -> bool:
        op, value = self.op, self.value
        if op == "ne":
            return not _json_equal(actual, value)
        if op == "not_in":
            return not any(_json_equal(actual, item) for item in value)
        if op == "exists":
            return actual is not None
        if op == "eq":
            return _json_equal(actual, value)
        if op == "in":
            return any(_json_equal(actual, item) for item in value)
        if op == "contains":
            return isinstance(actual, list) and any(_json_equal(item, value) for item in actual)
        kind = _json_kind(value)
        if _json_kind(actual) != kind:
            return False
        if kind == "number":
            return _compare(float(actual), op, float(value))
        return _compare(actual, op, value)


def _count_value(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise InvalidRule("expected a whole number from 0", field="value")
    return value


def _count_op(value: object) -> str:
    if not isinstance(value, str) or value not in COUNT_OPS:
        raise InvalidRule(f"expected one of {', '.join(COUNT_OPS)}", field="op")
    return value


def _opt_duration(value: object) -> str | None:
    return None if value is None else _duration(value)


def _opt_channel(value: object) -> str | None:
    if value is None:
        return None
    with _at("channel"):
        return _checks.choice(value, CHANNELS, field="", what="channel")


def _opt_direction(value: object) -> str | None:
    if value is None:
        return None
    with _at("direction"):
        return _checks.choice(value, DIRECTIONS, field="", what="direction")


def _opt_outcome(value: object) -> str | None:
    if value is None:
        return None
    with _at("outcome"):
        return _checks.text(value, field="", max_length=200)


@attrs.frozen(kw_only=True)
class InteractionRule(Rule):
    """How many interactions match: ``{"interactions": {...filters}, "op": "ge", "value": 1}``.

    Filters: ``channel``, ``direction``, ``outcome`` (each equal), ``within`` (a duration).
    """

    key: ClassVar[str] = "interactions"
    op: str = attrs.field(converter=_count_op)
    value: int = attrs.field(converter=_count_value)
    channel: str | None = attrs.field(default=None, converter=_opt_channel)
    direction: str | None = attrs.field(default=None, converter=_opt_direction)
    outcome: str | None = attrs.field(default=None, converter=_opt_outcome)
    within: str | None = attrs.field(default=None, converter=_opt_duration)

    def to_json(self) -> dict[str, Any]:
        """``{"interactions": {...}, "op": ..., "value": ...}``."""
        filters = {
            name: getattr(self, name)
            for name in ("channel", "direction", "outcome", "within")
            if getattr(self, name) is not None
        }
        return {self.key: filters, "op": self.op, "value": self.value}

    def count(self, customer: Customer, facts: Facts, now: dt.datetime) -> int:
        """How many of the customer's interactions match, up to ``now``."""
        since = window_start(now, self.within)
        return sum(
            1
            for item in facts.interactions
            if item.customer_id == customer.id
            and item.tenant == customer.tenant
            and item.occurred_at <= now
            and (since is None or item.occurred_at >= since)
            and (self.channel is None or item.channel == self.channel)
            and (self.direction is None or item.direction == self.direction)
            and (self.outcome is None or item.outcome == self.outcome)
        )

    def _match(self, customer: Customer, facts: Facts, now: dt.datetime) -> bool:
        return _compare(self.count(customer, facts, now), self.op, self.value)


def _measure(value: object) -> str:
    if value not in ("count", "total"):
        raise InvalidRule("expected count or total", field="measure")
    return str(value)


def _opt_category(value: object) -> str | None:
    if value is None:
        return None
    with _at("category"):
        return _checks.code(value, field="")


def _opt_attribute(value: object) -> str | None:
    if value is None:
        return None
    with _at("attribute"):
        return _checks.code(value, field="")


def _opt_product(value: object) -> str | None:
    if value is None:
        return None
    with _at("product"):
        return _checks.text(value, field="", max_length=200)


def _opt_currency(value: object) -> str | None:
    if value is None:
        return None
    with _at("currency"):
        return _money.validate_currency(value, allow_withdrawn=True, field="")


def _amount_value(value: object) -> Decimal | int:
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


@attrs.frozen(kw_only=True)
class PurchaseRule(Rule):
    """How many purchases, or how much spent: ``{"purchases": {...}, "measure": ..., ...}``.

    Filters: ``within``, ``channel``, and on line items ``category``, ``product`` and
    ``attribute`` (a product attribute such as ``halal``). Only purchases that count
    (:data:`globalcrm.purchases.COUNTED`) are seen. ``count`` counts purchases (with a line
    filter, those with a matching line); ``total`` adds their net amounts (with a line filter,
    the matching lines' totals) in ``currency``: see the module docstring for the conversion.
    """

    key: ClassVar[str] = "purchases"
    op: str = attrs.field(converter=_count_op)
    value: Decimal | int = attrs.field(converter=_amount_value)
    measure: str = attrs.field(default="count", converter=_measure)
    currency: str | None = attrs.field(default=None, converter=_opt_currency)
    within: str | None = attrs.field(default=None, converter=_opt_duration)
    channel: str | None = attrs.field(default=None, converter=_opt_channel)
    category: str | None = attrs.field(default=None, converter=_opt_category)
    product: str | None = attrs.field(default=None, converter=_opt_product)
    attribute: str | None = attrs.field(default=None, converter=_opt_attribute)

    def __attrs_post_init__(self) -> None:
        if self.measure == "count":
            if self.currency is not None:
                raise InvalidRule("a count takes no currency", field="currency")
            object.__setattr__(self, "value", _count_value(self.value))
            return
        if self.currency is None:
            raise InvalidRule("a total needs the currency to add up in", field="currency")
        value = Decimal(self.value)
        digits = _money.minor_units(self.currency)
        if value.scaleb(digits) != value.scaleb(digits).to_integral_value():
            raise InvalidRule(f"{self.currency} has {digits} decimals", field="value")
        if abs(value.scaleb(digits)) >= 2**62:
            raise InvalidRule("the amount is too large", field="value")
        object.__setattr__(self, "value", value)

    @property
    def value_minor(self) -> int:
        """A total's ``value`` in minor units of ``currency`` (a count's value as it is)."""
        if self.currency is None:
            return int(self.value)
        return int(Decimal(self.value).scaleb(_money.minor_units(self.currency)))

    @property
    def filters_lines(self) -> bool:
        """Whether the rule looks into line items."""
        return any(v is not None for v in (self.category, self.product, self.attribute))

    def to_json(self) -> dict[str, Any]:
        """``{"purchases": {...}, "measure": ..., "currency": ..., "op": ..., "value": ...}``."""
        filters = {
            name: getattr(self, name)
            for name in ("within", "channel", "category", "product", "attribute")
            if getattr(self, name) is not None
        }
        data: dict[str, Any] = {self.key: filters, "measure": self.measure}
        if self.currency is not None:
            data["currency"] = self.currency
            data["value"] = str(self.value)
        else:
            data["value"] = self.value
        data["op"] = self.op
        return data

    def line_matches(self, item: Any) -> bool:
        """Whether one line item passes the line filters."""
        return (
            (self.category is None or item.category == self.category)
            and (self.product is None or item.product == self.product)
            and (self.attribute is None or self.attribute in item.attributes)
        )

    def measure_of(self, customer: Customer, facts: Facts, now: dt.datetime) -> int:
        """The count, or the total in minor units of ``currency``, for the customer at ``now``."""
        since = window_start(now, self.within)
        factors: dict[str, Decimal] = {}
        result = 0
        for purchase in facts.purchases:
            if (
                purchase.customer_id != customer.id
                or purchase.tenant != customer.tenant
                or not purchase.counts
                or purchase.occurred_at > now
                or (since is not None and purchase.occurred_at < since)
                or (self.channel is not None and purchase.channel != self.channel)
            ):
                continue
            lines = [item for item in purchase.items if self.line_matches(item)]
            if self.filters_lines and not lines:
                continue
            if self.measure == "count":
                result += 1
                continue
            assert self.currency is not None  # noqa: S101 - checked on construction
            code = purchase.currency
            if code not in factors:
                factors[code] = conversion_factor(code, self.currency, rates=facts.rates, at=now)
            amounts = (
                [item.total_minor for item in lines]
                if self.filters_lines
                else [purchase.amount_minor - purchase.refunded_minor]
            )
            result += sum(convert_minor(amount, factors[code]) for amount in amounts)
        return result

    def _match(self, customer: Customer, facts: Facts, now: dt.datetime) -> bool:
        return _compare(self.measure_of(customer, facts, now), self.op, self.value_minor)


def _purpose_key(value: object) -> str:
    with _at("purpose"):
        return _checks.text(value, field="", max_length=64)


def _consent_channel(value: object) -> str:
    with _at("channel"):
        return _checks.text(value, field="", max_length=64)


@attrs.frozen(kw_only=True)
class ConsentRule(Rule):
    """``can_contact`` allows ``purpose`` on ``channel`` at ``now``: ``{"consent": {...}}``.

    The channel-level rule of :func:`globalcrm.privacy.consent.can_contact`, as
    ``crm.privacy.audience`` runs it in SQL (the newest active version of the purpose).
    """

    key: ClassVar[str] = "consent"
    purpose: str = attrs.field(converter=_purpose_key)
    channel: str = attrs.field(converter=_consent_channel)

    def to_json(self) -> dict[str, Any]:
        """``{"consent": {"purpose": ..., "channel": ...}}``."""
        return {self.key: {"purpose": self.purpose, "channel": self.channel}}

    def _match(self, customer: Customer, facts: Facts, now: dt.datetime) -> bool:
        purpose = facts.purposes.get(self.purpose)
        if purpose is None:
            raise NotFound("no such purpose among the facts' purposes", field="consent.purpose")
        events = [e for e in facts.consent_events if e.subject_ref == customer.id]
        return can_contact(events, purpose, self.channel, now).allowed


# --------------------------------------------------------------------------- builders


def field(name: str, op: str, value: Any = None) -> FieldRule:
    """A field rule: ``field("country", "in", ["LT", "LV"])``, ``field("tags", "contains", "vip")``.

    ```pycon
    >>> rule = field("country", "in", ["lt", "lv"]) & ~field("tags", "contains", "churned")
    >>> rule.to_json()
    {'all': [{'field': 'country', 'op': 'in', 'value': ['LT', 'LV']}, {'not': {'field': 'tags', 'op': 'contains', 'value': 'churned'}}]}

    ```
    """  # noqa: E501
    return FieldRule(name, op, value)


def interactions(
    op: str,
    value: int,
    *,
    channel: str | None = None,
    direction: str | None = None,
    outcome: str | None = None,
    within: str | None = None,
) -> InteractionRule:
    """A count of interactions: ``interactions("ge", 1, channel="whatsapp", within="P30D")``."""
    return InteractionRule(
        op=op, value=value, channel=channel, direction=direction, outcome=outcome, within=within
    )


def purchases(
    op: str,
    value: int | str | Decimal,
    *,
    measure: str = "count",
    currency: str | None = None,
    within: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    product: str | None = None,
    attribute: str | None = None,
) -> PurchaseRule:
    """A count of purchases or a total: ``purchases("ge", "100", measure="total", currency="EUR")``."""  # noqa: E501
    return PurchaseRule(
        op=op,
        value=value,
        measure=measure,
        currency=currency,
        within=within,
        channel=channel,
        category=category,
        product=product,
        attribute=attribute,
    )


def consent(purpose: str, channel: str) -> ConsentRule:
    """``can_contact`` allows the purpose on the channel: ``consent("marketing", "email")``."""
    return ConsentRule(purpose=purpose, channel=channel)


# --------------------------------------------------------------------------- JSON


def parse(data: object) -> Rule:
    """A rule from its JSON form (a mapping, or JSON text); ``InvalidRule`` names the path.

    ```pycon
    >>> parse({"all": [{"field": "country", "op": "in", "value": ["LT", "LV", "EE"]},
    ...                {"interactions": {"channel": "whatsapp", "direction": "inbound",
    ...                                  "within": "P30D"}, "op": "ge", "value": 1}]})
    AllOf(rules=(FieldRule(field='country', op='in', value=('LT', 'LV', 'EE')), InteractionRule(op='ge', value=1, channel='whatsapp', direction='inbound', outcome=None, within='P30D')))
    >>> parse({"all": [{"field": "country", "op": "eq", "value": "LT"},
    ...                {"field": "country", "op": "lt", "value": "LV"}]})
    Traceback (most recent call last):
    globalcrm.errors.InvalidRule: all[1].op: country takes the operators eq, ne, in, not_in, exists

    ```
    """  # noqa: E501
    if isinstance(data, str | bytes):
        if len(data) > 1_000_000:
            raise InvalidRule("the rule is larger than 1 MB")
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as error:
            position = getattr(error, "pos", None)
            raise InvalidRule("not valid JSON", position=position) from None
    counter = [0]
    return _parse(data, "", 0, counter)


_SHAPES: Final = {
    "all": frozenset({"all"}),
    "any": frozenset({"any"}),
    "not": frozenset({"not"}),
    "field": frozenset({"field", "op", "value"}),
    "interactions": frozenset({"interactions", "op", "value"}),
    "purchases": frozenset({"purchases", "measure", "currency", "op", "value"}),
    "consent": frozenset({"consent"}),
}


def _parse(data: object, path: str, depth: int, counter: list[int]) -> Rule:
    counter[0] += 1
    if depth > _MAX_DEPTH or counter[0] > _MAX_NODES:
        raise InvalidRule(
            f"a rule is at most {_MAX_DEPTH} levels deep and {_MAX_NODES} rules large",
            field=path or None,
        )
    if not isinstance(data, Mapping):
        raise InvalidRule(f"expected a rule object, got {type(data).__name__}", field=path or None)
    shape = next((key for key in _SHAPES if key in data), None)
    if shape is None:
        raise InvalidRule(
            "expected one of all, any, not, field, interactions, purchases, consent",
            field=path or None,
        )
    for index, key in enumerate(data):
        if not isinstance(key, str) or key not in _SHAPES[shape]:
            error = _checks.unknown_key(key, index, what="key")
            raise _rule_error(error).at(field=path or None)
    if shape in ("all", "any"):
        items = data[shape]
        if isinstance(items, str) or not isinstance(items, list | tuple):
            raise InvalidRule("expected a list of rules", field=_join(path, shape))
        parsed = tuple(
            _parse(item, f"{_join(path, shape)}[{index}]", depth + 1, counter)
            for index, item in enumerate(items)
        )
        return AllOf(rules=parsed) if shape == "all" else AnyOf(rules=parsed)
    if shape == "not":
        return Not(rule=_parse(data["not"], _join(path, "not"), depth + 1, counter))
    with _at(path):
        if shape == "field":
            return FieldRule(data["field"], str(data.get("op")), data.get("value"))
        if shape == "consent":
            filters = _filters(data["consent"], ("purpose", "channel"), "consent")
            for required in ("purpose", "channel"):
                if required not in filters:
                    raise InvalidRule("is required", field=f"consent.{required}")
            return ConsentRule(**filters)
        _required(data, ("op", "value"))
        names = ("channel", "direction", "outcome", "within") if shape == "interactions" else (
            "within", "channel", "category", "product", "attribute"
        )
        filters = _filters(data[shape], names, shape)
        try:
            if shape == "interactions":
                return InteractionRule(op=data["op"], value=data["value"], **filters)
            return PurchaseRule(
                op=data["op"],
                value=data["value"],
                measure=data.get("measure", "count"),
                currency=data.get("currency"),
                **filters,
            )
        except InvalidRule as error:
            if (error.field or "").split(".")[0].split("[")[0] in names:
                error.field = f"{shape}.{error.field}"
                error.args = (str(error),)
            raise


def _required(data: Mapping[str, Any], names: Sequence[str]) -> None:
    for name in names:
        if name not in data:
            raise InvalidRule("is required", field=name)


def _filters(value: object, names: Sequence[str], where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRule("expected an object of filters", field=where)
    for index, key in enumerate(value):
        if not isinstance(key, str) or key not in names:
            error = _checks.unknown_key(key, index, what="filter")
            raise _rule_error(error).at(field=where)
    return dict(value)
