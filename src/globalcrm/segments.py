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

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Final

import attrs

from globalcrm import _checks
from globalcrm import money as _money
from globalcrm import segment_values as values
from globalcrm.customers import Customer
from globalcrm.errors import InvalidInput, InvalidRule, NotFound
from globalcrm.exchange_rates import RateTable
from globalcrm.interactions import Interaction
from globalcrm.privacy.consent import ConsentEvent, Purpose, can_contact
from globalcrm.purchases import Purchase
from globalcrm.segment_values import (
    COUNT_OPS,
    FACTOR_DECIMALS,
    FIELDS,
    OPS,
    conversion_factor,
    convert_minor,
    window_start,
)

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

# --------------------------------------------------------------------------- facts


@attrs.frozen(kw_only=True)
class Facts:
    """What a rule may look at besides the customer row, for evaluation in memory.

    Interactions, purchases and consent events may be everybody's: each rule takes those of the
    customer it tests. ``purposes`` are the purposes consent rules name (the newest active
    version of each key); ``rates`` convert totals; ``tiers`` are loyalty tier codes by customer
    id, in the default program (``tier``: the tier of a customer not in ``tiers``).
    """

    interactions: Sequence[Interaction] = ()
    purchases: Sequence[Purchase] = ()
    consent_events: Sequence[ConsentEvent] = ()
    purposes: Mapping[str, Purpose] = attrs.field(factory=dict)
    rates: RateTable | None = None
    tier: str | None = None
    tiers: Mapping[str, str | None] = attrs.field(factory=dict)



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
        name, kind = values.field_name(self.field)
        if not isinstance(self.op, str) or self.op not in values.KIND_OPS[kind]:
            raise InvalidRule(
                f"{name} takes the operators {', '.join(values.KIND_OPS[kind])}", field="op"
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
                return values.value_list(
                    value, lambda item: values.scalar(item, field=""), field="value"
                )
            checked = values.scalar(value, field="value")
            if op in ("lt", "le", "gt", "ge") and isinstance(checked, bool):
                raise InvalidRule("compare a number or a text, not true or false", field="value")
            return checked
        if kind == "time":
            with values.at_path("value"):
                return values.time_value(value)
        if kind == "list":
            if many:
                return values.value_list(
                    value, lambda item: _checks.code(item, field=""), field="value"
                )
            with values.at_path("value"):
                return _checks.code(value, field="")
        if many:
            return values.value_list(
                value, lambda item: values.text_value(name, item), field="value"
            )
        with values.at_path("value"):
            return values.text_value(name, value)

    @property
    def kind(self) -> str:
        """``text``, ``list``, ``time`` or ``json``."""
        return values.field_name(self.field)[1]

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
        actual: Any = (
            facts.tiers.get(customer.id, facts.tier) if self.field == "tier"
            else getattr(customer, self.field)
        )
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
        return values.compare(actual, op, self.value)

    def _match_json(self, actual: Any) -> bool:
        op, value = self.op, self.value
        if op == "ne":
            return not values.json_equal(actual, value)
        if op == "not_in":
            return not any(values.json_equal(actual, item) for item in value)
        if op == "exists":
            return actual is not None
        if op == "eq":
            return values.json_equal(actual, value)
        if op == "in":
            return any(values.json_equal(actual, item) for item in value)
        if op == "contains":
            return isinstance(actual, list) and any(
                values.json_equal(item, value) for item in actual
            )
        kind = values.json_kind(value)
        if values.json_kind(actual) != kind:
            return False
        if kind == "number":
            return values.compare(float(actual), op, float(value))
        return values.compare(actual, op, value)


@attrs.frozen(kw_only=True)
class InteractionRule(Rule):
    """How many interactions match: ``{"interactions": {...filters}, "op": "ge", "value": 1}``.

    Filters: ``channel``, ``direction``, ``outcome`` (each equal), ``within`` (a duration).
    """

    key: ClassVar[str] = "interactions"
    op: str = attrs.field(converter=values.count_op)
    value: int = attrs.field(converter=values.count_value)
    channel: str | None = attrs.field(default=None, converter=values.opt_channel)
    direction: str | None = attrs.field(default=None, converter=values.opt_direction)
    outcome: str | None = attrs.field(default=None, converter=values.opt_outcome)
    within: str | None = attrs.field(default=None, converter=values.opt_duration)

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
        return values.compare(self.count(customer, facts, now), self.op, self.value)


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
    op: str = attrs.field(converter=values.count_op)
    value: Decimal | int = attrs.field(converter=values.amount_value)
    measure: str = attrs.field(default="count", converter=values.measure)
    currency: str | None = attrs.field(default=None, converter=values.opt_currency)
    within: str | None = attrs.field(default=None, converter=values.opt_duration)
    channel: str | None = attrs.field(default=None, converter=values.opt_channel)
    category: str | None = attrs.field(default=None, converter=values.opt_category)
    product: str | None = attrs.field(default=None, converter=values.opt_product)
    attribute: str | None = attrs.field(default=None, converter=values.opt_attribute)

    def __attrs_post_init__(self) -> None:
        if self.measure == "count":
            if self.currency is not None:
                raise InvalidRule("a count takes no currency", field="currency")
            object.__setattr__(self, "value", values.count_value(self.value))
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
        return values.compare(self.measure_of(customer, facts, now), self.op, self.value_minor)


@attrs.frozen(kw_only=True)
class ConsentRule(Rule):
    """``can_contact`` allows ``purpose`` on ``channel`` at ``now``: ``{"consent": {...}}``.

    The channel-level rule of :func:`globalcrm.privacy.consent.can_contact`, as
    ``crm.privacy.audience`` runs it in SQL (the newest active version of the purpose).
    """

    key: ClassVar[str] = "consent"
    purpose: str = attrs.field(converter=values.purpose_key)
    channel: str = attrs.field(converter=values.consent_channel)

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
    if depth > values.MAX_DEPTH or counter[0] > values.MAX_NODES:
        raise InvalidRule(
            f"a rule is at most {values.MAX_DEPTH} levels deep and {values.MAX_NODES} rules large",
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
            raise values.rule_error(error).at(field=path or None)
    if shape in ("all", "any"):
        items = data[shape]
        if isinstance(items, str) or not isinstance(items, list | tuple):
            raise InvalidRule("expected a list of rules", field=values.join_path(path, shape))
        parsed = tuple(
            _parse(item, f"{values.join_path(path, shape)}[{index}]", depth + 1, counter)
            for index, item in enumerate(items)
        )
        return AllOf(rules=parsed) if shape == "all" else AnyOf(rules=parsed)
    if shape == "not":
        return Not(rule=_parse(data["not"], values.join_path(path, "not"), depth + 1, counter))
    with values.at_path(path):
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
            raise values.rule_error(error).at(field=where)
    return dict(value)
