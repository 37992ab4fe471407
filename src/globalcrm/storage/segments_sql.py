"""A segment rule as one SQL condition over ``customers``, every value a bound parameter.

The same rules as :mod:`globalcrm.segments` evaluates in memory, written for SQLite and
PostgreSQL; ``tests/property/test_segments_sql.py`` proves the two agree on random rule trees
and random data. A rule made of hostile strings is just data: nothing of a rule is spliced into
the SQL text (field names are looked up in a fixed table, values are bound).

Every leaf is two-valued (``COALESCE(..., false)`` where SQL would say unknown), so ``NOT``
negates exactly as Python's ``not`` does. Counts of interactions and purchases are correlated
subqueries on the ``(tenant, customer_id, occurred_at)`` indexes (``EXISTS`` where the count
only has to reach one); totals convert each amount with integer arithmetic that reproduces
:func:`globalcrm.segments.convert_minor` exactly (see :func:`converted`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Float,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    text,
    true,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from globalcrm.errors import InvalidRule
from globalcrm.loyalty import DEFAULT_PROGRAM
from globalcrm.privacy.consent import Purpose
from globalcrm.purchases import COUNTED
from globalcrm.segments import (
    FACTOR_DECIMALS,
    AllOf,
    AnyOf,
    ConsentRule,
    FieldRule,
    InteractionRule,
    Not,
    PurchaseRule,
    Rule,
    window_start,
)
from globalcrm.storage import consent_sql, tables

__all__ = [
    "SqlInputs",
    "condition",
    "consent_condition",
    "converted",
    "currencies_in_use",
    "tier_expression",
]

_C = tables.customers.c
_SPLIT = 10**6
_SCALE = 10**FACTOR_DECIMALS


@attrs.frozen(kw_only=True)
class SqlInputs:
    """What compiling a rule needs besides the rule: where, when, and facts read beforehand.

    ``purposes`` holds the newest active version of each purpose a consent rule names;
    ``factors`` the conversion factor of each ``(source, target)`` currency pair a total needs
    (:func:`globalcrm.segments.conversion_factor`).
    """

    tenant: str
    now: dt.datetime
    dialect: str
    purposes: Mapping[str, Purpose] = attrs.field(factory=dict)
    factors: Mapping[tuple[str, str], Decimal] = attrs.field(factory=dict)


def condition(rule: Rule, inputs: SqlInputs) -> ColumnElement[bool]:
    """The rule as a condition on a ``customers`` row (the outer query adds the tenant)."""
    if isinstance(rule, AllOf):
        return and_(true(), *(condition(part, inputs) for part in rule.rules))
    if isinstance(rule, AnyOf):
        return or_(false(), *(condition(part, inputs) for part in rule.rules))
    if isinstance(rule, Not):
        return not_(condition(rule.rule, inputs))
    if isinstance(rule, FieldRule):
        return _field(rule, inputs)
    if isinstance(rule, InteractionRule):
        return _interactions(rule, inputs)
    if isinstance(rule, PurchaseRule):
        return _purchases(rule, inputs)
    if isinstance(rule, ConsentRule):
        return consent_condition(inputs.tenant, inputs.purposes[rule.purpose], rule.channel,
                                 inputs.now)
    raise InvalidRule(  # pragma: no cover - every Rule is handled above
        f"a rule of kind {type(rule).__name__} has no SQL form", field="rule"
    )


# --------------------------------------------------------------------------- reused and marked


def tier_expression() -> ColumnElement[Any]:
    """THE customer's loyalty tier in SQL: the tier code of their account in the default program.

    A scalar subquery on ``loyalty_accounts`` (one row per customer and program, by its unique
    key); NULL for a customer who is not a member or has no tier, for whom every ``tier``
    comparison is false, in SQL as in memory (``Facts.tiers``).
    """
    accounts = tables.loyalty_accounts.c
    customers = tables.customers.c
    return (
        select(accounts.tier)
        .where(
            accounts.tenant == customers.tenant,
            accounts.customer_id == customers.id,
            accounts.program == DEFAULT_PROGRAM,
        )
        .scalar_subquery()
    )


def consent_condition(
    tenant: str, purpose: Purpose, channel: str, at: dt.datetime
) -> ColumnElement[bool]:
    """``can_contact`` as SQL: the customer is in ``crm.privacy``'s audience query (reused)."""
    audience = consent_sql.audience_query(tenant, purpose, channel, at)
    return _C.id.in_(audience.order_by(None).correlate(None))


# --------------------------------------------------------------------------- fields

_COLUMNS: Mapping[str, Any] = {
    "country": _C.country,
    "language": _C.language,
    "time_zone": _C.time_zone,
    "formality": _C.formality,
    "tags": _C.tags,
    "dietary_needs": _C.dietary_needs,
    "created_at": _C.created_at,
}


def _two_valued(expression: ColumnElement[bool]) -> ColumnElement[bool]:
    return func.coalesce(expression, false(), type_=Boolean)


def _compare(left: Any, op: str, right: Any) -> ColumnElement[bool]:
    result: ColumnElement[bool]
    if op == "eq":
        result = left == right
    elif op == "lt":
        result = left < right
    elif op == "le":
        result = left <= right
    elif op == "gt":
        result = left > right
    elif op == "ge":
        result = left >= right
    else:
        result = left != right
    return result


def _field(rule: FieldRule, inputs: SqlInputs) -> ColumnElement[bool]:
    op = rule.op
    if op in ("ne", "not_in"):
        positive = FieldRule(rule.field, "eq" if op == "ne" else "in", rule.value)
        return not_(_field(positive, inputs))
    kind = rule.kind
    if kind == "json":
        return _two_valued(_json_value(rule, inputs.dialect))
    if kind == "list":
        return _list(_COLUMNS[rule.field], op, rule.value, inputs.dialect)
    column = tier_expression() if rule.field == "tier" else _COLUMNS[rule.field]
    if op == "exists":
        return _two_valued(column.is_not(None))
    if op == "in":
        values = list(rule.value)
        return _two_valued(column.in_(values)) if values else false()
    return _two_valued(_compare(column, op, literal(rule.value, column.type)))


def _list(column: Any, op: str, value: Any, dialect: str) -> ColumnElement[bool]:
    """``contains`` / ``in`` (any of) / ``exists`` (not empty) on a JSON array of codes."""
    if op == "exists":
        length = func.jsonb_array_length if dialect == "postgresql" else func.json_array_length
        return _two_valued(length(column) > 0)
    values = [value] if op == "contains" else list(value)
    if not values:
        return false()
    if dialect == "postgresql":
        document = type_coerce(column, postgresql.JSONB)
        return _two_valued(
            or_(*(document.op("@>", return_type=Boolean)(_jsonb([item])) for item in values))
        )
    each = func.json_each(column).table_valued("value").alias("each_code")
    return exists(select(literal(1)).select_from(each).where(each.c.value.in_(values)))


def _jsonb(document: Any) -> ColumnElement[Any]:
    return cast(literal(json.dumps(document, ensure_ascii=False), Text), postgresql.JSONB)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "string"


def _json_value(rule: FieldRule, dialect: str) -> ColumnElement[bool]:
    """A test of ``attributes.<key>``: type-strict, as :meth:`FieldRule._match_json` is."""
    key = rule.field.partition(".")[2]
    if dialect == "postgresql":
        return _json_postgresql(key, rule.op, rule.value)
    return _json_sqlite(key, rule.op, rule.value)


def _json_sqlite(key: str, op: str, value: Any) -> ColumnElement[bool]:
    path = literal(f"$.{key}", String)
    kind = func.json_type(_C.attributes, path)
    extracted = func.json_extract(_C.attributes, path)
    if op == "exists":
        return and_(kind.is_not(None), kind != "null")
    if op == "in":
        return or_(false(), *(_json_sqlite(key, "eq", item) for item in value))

    def typed(
        item: Any, actual: ColumnElement[Any], value_of: ColumnElement[Any]
    ) -> ColumnElement[bool]:
        sort = _json_kind(item)
        if sort == "boolean":
            return actual == ("true" if item else "false")
        if sort == "number":
            return and_(actual.in_(("integer", "real")), value_of == literal(float(item), Float))
        return and_(actual == "text", value_of == literal(item, String))

    if op == "eq":
        return typed(value, kind, extracted)
    if op == "contains":
        each = func.json_each(_C.attributes, path).table_valued("type", "value").alias("each_item")
        return and_(
            kind == "array",
            exists(select(literal(1)).select_from(each).where(typed(value, each.c.type,
                                                                   each.c.value))),
        )
    if _json_kind(value) == "number":
        return and_(kind.in_(("integer", "real")),
                    _compare(extracted, op, literal(float(value), Float)))
    return and_(kind == "text", _compare(extracted, op, literal(value, String)))


def _json_postgresql(key: str, op: str, value: Any) -> ColumnElement[bool]:
    document = type_coerce(_C.attributes, postgresql.JSONB)
    node = document.op("->", return_type=postgresql.JSONB)(literal(key, String))
    kind = func.jsonb_typeof(node)
    as_text = document.op("->>", return_type=Text)(literal(key, String))
    if op == "exists":
        return and_(kind.is_not(None), kind != "null")
    if op == "in":
        return or_(false(), *(_json_postgresql(key, "eq", item) for item in value))
    if op == "contains":
        return case((kind == "array", node.op("@>", return_type=Boolean)(_jsonb([value]))),
                    else_=false())
    sort = _json_kind(value)
    if sort == "boolean":
        return and_(kind == "boolean", as_text == ("true" if value else "false"))
    if sort == "number":
        number = cast(as_text, postgresql.DOUBLE_PRECISION)
        return case((kind == "number", _compare(number, op, literal(float(value), Float))),
                    else_=false())
    collated = as_text.collate("C")
    return case((kind == "string", _compare(collated, op, literal(value, String))),
                else_=false())


# --------------------------------------------------------------------------- counts and totals


def _counted(op: str, value: int, counting: Select[Any], exists_query: Select[Any]) -> Any:
    """``count op value``: ``EXISTS`` when it means "at least one", ``NOT EXISTS`` for "none"."""
    at_least_one = (op == "ge" and value == 1) or (op == "gt" and value == 0)
    none = (op in ("eq", "le") and value == 0) or (op == "lt" and value == 1)
    if at_least_one:
        return exists_query.exists()
    if none:
        return not_(exists_query.exists())
    if op == "lt" and value == 0:
        return false()
    if op == "ge" and value == 0:
        return true()
    return _compare(counting.scalar_subquery(), op, literal(value, BigInteger))


def _interactions(rule: InteractionRule, inputs: SqlInputs) -> ColumnElement[bool]:
    i = tables.interactions.alias("i")
    where = [
        i.c.tenant == inputs.tenant,
        i.c.customer_id == _C.id,
        i.c.occurred_at <= inputs.now,
    ]
    since = window_start(inputs.now, rule.within)
    if since is not None:
        where.append(i.c.occurred_at >= since)
    if rule.channel is not None:
        where.append(i.c.channel == rule.channel)
    if rule.direction is not None:
        where.append(i.c.direction == rule.direction)
    if rule.outcome is not None:
        where.append(i.c.outcome == rule.outcome)
    counting = select(func.count()).select_from(i).where(*where)
    probe = select(literal(1)).select_from(i).where(*where)
    result: ColumnElement[bool] = _counted(rule.op, rule.value, counting, probe)
    return result


def converted(amount: ColumnElement[int], factor: Decimal) -> ColumnElement[int]:
    """``amount`` (minor units, not negative) times ``factor``, rounded half up, in integers.

    With ``factor = q + r / 10**12`` and ``amount = h * 10**6 + l``, ``amount * factor`` is
    ``amount*q + h*r1 + (h*r0) // 10**6`` plus the fraction
    ``((h*r0) % 10**6 * 10**6 + l*r) / 10**12`` (``r = r1 * 10**6 + r0``): every product stays
    below 10**18 for amounts below 10**15, so 64-bit integers compute it exactly in SQLite and
    PostgreSQL, and ``+ 5 * 10**11`` before the last division rounds half up.
    """
    whole = int(factor)
    fraction = int((factor - whole) * _SCALE)
    if fraction == 0:
        return amount if whole == 1 else amount * _int(whole)
    r1, r0 = divmod(fraction, _SPLIT)
    high = amount // _int(_SPLIT)
    low = amount % _int(_SPLIT)
    carried = high * _int(r0)
    parts = [
        amount * _int(whole),
        high * _int(r1),
        carried // _int(_SPLIT),
        (carried % _int(_SPLIT) * _int(_SPLIT) + low * _int(fraction) + _int(_SCALE // 2))
        // _int(_SCALE),
    ]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _int(value: int) -> ColumnElement[int]:
    return cast(literal(value, BigInteger), BigInteger)


def _in_currency(
    amount: ColumnElement[int], currency: ColumnElement[str], target: str, inputs: SqlInputs
) -> ColumnElement[Any]:
    whens = [
        (currency == source, converted(amount, factor))
        for (source, goal), factor in sorted(inputs.factors.items())
        if goal == target
    ]
    if not whens:
        return cast(null(), BigInteger)
    return case(*whens, else_=cast(null(), BigInteger))


def _purchases(rule: PurchaseRule, inputs: SqlInputs) -> ColumnElement[bool]:
    p = tables.purchases.alias("p")
    where = [
        p.c.tenant == inputs.tenant,
        p.c.customer_id == _C.id,
        p.c.status.in_(COUNTED),
        p.c.occurred_at <= inputs.now,
    ]
    since = window_start(inputs.now, rule.within)
    if since is not None:
        where.append(p.c.occurred_at >= since)
    if rule.channel is not None:
        where.append(p.c.channel == rule.channel)
    line = tables.purchase_items.alias("li")
    line_where: list[ColumnElement[bool]] = [line.c.purchase_id == p.c.id]
    if rule.category is not None:
        line_where.append(line.c.category == rule.category)
    if rule.product is not None:
        line_where.append(line.c.product == rule.product)
    if rule.attribute is not None:
        line_where.append(_list(line.c.attributes, "contains", rule.attribute, inputs.dialect))
    if rule.measure == "count":
        if rule.filters_lines:
            where.append(exists(select(literal(1)).select_from(line).where(*line_where)))
        counting = select(func.count()).select_from(p).where(*where)
        probe = select(literal(1)).select_from(p).where(*where)
        result: ColumnElement[bool] = _counted(rule.op, rule.value_minor, counting, probe)
        return result
    assert rule.currency is not None  # noqa: S101 - a total has one
    if rule.filters_lines:
        amount: ColumnElement[int] = line.c.total_minor
        source: Any = p.join(line, and_(*line_where))
    else:
        amount = p.c.amount_minor - p.c.refunded_minor
        source = p
    total = func.coalesce(
        func.sum(_in_currency(amount, p.c.currency, rule.currency, inputs)),
        _int(0),
    )
    summing = select(total).select_from(source).where(*where)
    return _compare(summing.scalar_subquery(), rule.op, _int(rule.value_minor))


def currencies_in_use(session: Session, tenant: str) -> list[str]:
    """The currencies the tenant's purchases are in: one index seek per currency.

    A recursive query steps from one currency to the next on the ``(tenant, currency)`` index
    (a loose index scan), so it costs the number of currencies, not of purchases.
    """
    query = text(
        "WITH RECURSIVE seen(code) AS ("
        " SELECT MIN(currency) FROM purchases WHERE tenant = :tenant"
        " UNION ALL"
        " SELECT (SELECT MIN(currency) FROM purchases"
        "         WHERE tenant = :tenant AND currency > seen.code)"
        " FROM seen WHERE seen.code IS NOT NULL"
        ") SELECT code FROM seen WHERE code IS NOT NULL"
    )
    return [str(code) for code in session.scalars(query, {"tenant": tenant})]
