"""Purchases: what a customer bought, where and for how much, with refunds and cancellations.

A :class:`Purchase` is charged in one currency (``amount``, a py-moneyed ``Money`` in whole minor
units of ISO 4217 / CLDR ``digits``), on one channel of :data:`globalcrm.interactions.CHANNELS`,
and carries its line items (product, category, quantity, unit price and product attributes such
as ``halal``, ``kosher``, ``vegan`` or an allergen of EU Regulation 1169/2011 Annex II).

Its status is ``completed`` or ``cancelled`` when recorded; refunds move it to
``partially_refunded`` and, once the whole amount is back, ``refunded``. A cancelled purchase
never counts; a refunded one counts nothing. Refunds and cancellations are checked here, in
memory (:func:`refund`, :func:`cancel`); the store applies them under a row lock.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from globalcrm import _checks
from globalcrm import money as _money
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.identifiers import check_id, new_id
from globalcrm.interactions import CHANNELS
from globalcrm.money import Money

__all__ = [
    "COUNTED",
    "MAX_MINOR",
    "STATUSES",
    "LineItem",
    "Purchase",
    "Refund",
    "cancel",
    "check_new",
    "from_minor",
    "line_item",
    "purchase_from_row",
    "refund",
    "to_minor",
]

STATUSES: Final = ("completed", "partially_refunded", "refunded", "cancelled")
"""A purchase's states: recorded as ``completed`` or ``cancelled``; refunds move it on."""
COUNTED: Final = ("completed", "partially_refunded")
"""The states in which a purchase counts in segments (a refunded purchase was given back)."""
MAX_MINOR: Final = 10**15
"""Amounts are below 10**15 minor units (ten trillion euros): a converted total then fits the
store's 64-bit integers with room to spare."""
_QUANTITY_CONTEXT: Final = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN)


@functools.lru_cache(maxsize=512)
def _digits(code: str) -> int:
    """A checked currency code's minor digits (CLDR), remembered: it is asked for every amount."""
    return _money.minor_units(code)


def to_minor(value: object, *, field: str = "amount") -> int:
    """A ``Money``'s amount in whole minor units (``12.30 EUR`` is 1230); refuses fractions.

    ```pycon
    >>> to_minor(Money("12.30", "EUR")), to_minor(Money("500", "JPY"))
    (1230, 500)

    ```
    """
    number, code = _money.checked_money(value, field)
    scaled = number.scaleb(_digits(code))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"{code} has {_digits(code)} decimals; a charged amount is in whole "
            "minor units",
            field=field,
        )
    if abs(scaled) >= MAX_MINOR:
        raise InvalidInput("the amount is too large", field=field)
    return int(scaled)


def from_minor(minor: int, currency: str) -> Money:
    """The ``Money`` of ``minor`` minor units of ``currency`` (the inverse of :func:`to_minor`)."""
    return Money(Decimal(minor).scaleb(-_digits(currency)), _money.moneyed_currency(currency))


def _non_negative(value: object, field: str) -> Money:
    """``value`` if it is a ``Money`` of whole minor units, not negative (checked once)."""
    if not isinstance(value, Money):
        raise InvalidFormat(f"expected Money, got {type(value).__name__}", field=field)
    if to_minor(value, field=field) < 0:
        raise InvalidInput("must not be negative", field=field)
    return value


def _minor_of(value: Money) -> int:
    """The minor units of a ``Money`` already checked by :func:`_non_negative`."""
    code = str(value.currency.code)
    return int(value.amount.scaleb(_digits(code)))


# --------------------------------------------------------------------------- line items


def _product(value: object) -> str:
    return _checks.text(value, field="product", max_length=200)


def _category(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="category")


def _quantity(value: object) -> Decimal:
    if isinstance(value, bool | float):
        raise InvalidFormat("expected a whole or decimal number such as 2 or '0.250'",
                            field="quantity")
    if isinstance(value, int):
        value = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > 32:
            raise InvalidFormat("expected a number such as '0.250'", field="quantity")
        try:
            value = Decimal(text)
        except decimal.InvalidOperation:
            raise InvalidFormat("expected a number such as '0.250'", field="quantity") from None
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidFormat("expected a finite number", field="quantity")
    if value <= 0:
        raise InvalidInput("a quantity is greater than zero", field="quantity")
    exponent = value.as_tuple().exponent
    if value >= 10**9 or (isinstance(exponent, int) and exponent < -6):
        raise InvalidInput("expected below 10**9 with at most 6 decimals", field="quantity")
    return value


def _unit_price(value: object) -> Money:
    if not isinstance(value, Money):
        raise InvalidFormat(f"expected Money, got {type(value).__name__}", field="unit_price")
    number, code = _money.checked_money(value, "unit_price")
    if number < 0:
        raise InvalidInput("must not be negative", field="unit_price")
    return Money(number, _money.moneyed_currency(code))


def _attributes(value: object) -> tuple[str, ...]:
    return _checks.codes(value, field="attributes")


@attrs.frozen(kw_only=True)
class LineItem:
    """One line of a purchase: ``quantity`` of ``product`` at ``unit_price``.

    ``attributes`` are codes about the product (``halal``, ``kosher``, ``vegan``, ``gluten_free``,
    allergens such as ``peanuts``); ``total`` is quantity times unit price rounded half-even to
    the currency's minor units (:data:`globalcrm.money.ACCOUNTING`).
    """

    product: str = attrs.field(converter=_product)
    quantity: Decimal = attrs.field(converter=_quantity)
    unit_price: Money = attrs.field(converter=_unit_price)
    category: str | None = attrs.field(default=None, converter=_category)
    attributes: tuple[str, ...] = attrs.field(default=(), converter=_attributes)
    total_minor: int = attrs.field(init=False, repr=False, eq=False)
    """Quantity times unit price in whole minor units (half-even), worked out once."""

    def __attrs_post_init__(self) -> None:
        exact = _QUANTITY_CONTEXT.multiply(self.quantity, self.unit_price.amount)
        scaled = exact.scaleb(_digits(self.currency))
        if abs(scaled) >= MAX_MINOR:
            raise InvalidInput("the line's total is too large", field="quantity")
        total = int(scaled.to_integral_value(rounding=_money.ACCOUNTING))
        object.__setattr__(self, "total_minor", total)

    @property
    def currency(self) -> str:
        """The unit price's currency code."""
        return str(self.unit_price.currency.code)

    @property
    def total(self) -> Money:
        """Quantity times unit price, rounded half-even to minor units."""
        return from_minor(self.total_minor, self.currency)

    def to_json(self) -> dict[str, Any]:
        """The line as JSON-safe values (decimals as text)."""
        return {
            "product": self.product,
            "quantity": str(self.quantity),
            "unit_price": str(self.unit_price.amount),
            "category": self.category,
            "attributes": list(self.attributes),
        }


def line_item(value: object, currency: str) -> LineItem:
    """A :class:`LineItem` from itself or from a mapping whose ``unit_price`` is in ``currency``.

    In a mapping the unit price may be given as a plain decimal (``"2.40"``): it is in the
    purchase's currency.
    """
    if isinstance(value, LineItem):
        return value
    if not isinstance(value, Mapping):
        raise InvalidFormat(f"expected a LineItem, got {type(value).__name__}")
    data = dict(value)
    price = data.get("unit_price")
    if price is not None and not isinstance(price, Money):
        data["unit_price"] = _money.money(price, currency, allow_withdrawn=True,
                                          field="unit_price")
    return _checks.from_mapping(LineItem, data)


# --------------------------------------------------------------------------- purchases


def _customer_id(value: object) -> str | None:
    """The buyer's id; ``None`` once the customer was erased (the sale is kept, not the link)."""
    return None if value is None else check_id(value, field="customer_id")


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


def _occurred_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="occurred_at")


def _recorded_at(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="recorded_at")


def _amount(value: object) -> Money:
    return _non_negative(value, "amount")


def _status(value: object) -> str:
    return _checks.choice(value, STATUSES, field="status", what="status")


def _key(value: object) -> str | None:
    return _checks.optional_text(value, field="idempotency_key", max_length=200)


def _tenant(value: object) -> str:
    return _checks.tenant(value)


def _id(value: object) -> str:
    return check_id(value)


def _items(value: object) -> tuple[Any, ...]:
    return () if value == () else tuple(_checks.sequence(value, field="items"))


@attrs.frozen(kw_only=True)
class Purchase:
    """One purchase by a customer: when, on which channel, for how much, and what.

    ``refunded`` is how much has been given back (in the purchase's currency); ``net`` is what
    remains. Line items are in the purchase's currency; they need not add up to ``amount``
    (shipping, discounts and taxes differ by shop). The repr shows ids and codes only.

    ```pycon
    >>> import datetime as dt
    >>> p = Purchase(customer_id="01KAQ3V4J5ZC6Y3W8N0R2T4V6X", channel="web_form",
    ...              occurred_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC),
    ...              amount=Money("12.40", "EUR"),
    ...              items=[{"product": "sencha-100g", "category": "tea", "quantity": 2,
    ...                      "unit_price": "6.20", "attributes": ["vegan"]}])
    >>> p.status, p.items[0].total, p.net
    ('completed', Money('12.40', 'EUR'), Money('12.40', 'EUR'))

    ```
    """

    customer_id: str | None = attrs.field(converter=_customer_id)
    channel: str = attrs.field(converter=_channel)
    occurred_at: dt.datetime = attrs.field(converter=_occurred_at)
    amount: Money = attrs.field(converter=_amount)
    items: tuple[LineItem, ...] = attrs.field(default=(), converter=_items, repr=False)
    status: str = attrs.field(default="completed", converter=_status)
    refunded: Money | None = attrs.field(default=None, repr=False)
    idempotency_key: str | None = attrs.field(default=None, converter=_key, repr=False)
    tenant: str = attrs.field(default="default", converter=_tenant)
    id: str = attrs.field(factory=new_id, converter=_id)
    recorded_at: dt.datetime | None = attrs.field(
        default=None, converter=_recorded_at, repr=False
    )
    amount_minor: int = attrs.field(init=False, repr=False, eq=False)
    """The amount charged, in minor units (worked out once)."""
    refunded_minor: int = attrs.field(init=False, repr=False, eq=False)
    """How much was given back, in minor units."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "amount_minor", _minor_of(self.amount))
        code = self.currency
        items = _checks.each(self.items, "items", lambda item: line_item(item, code))
        for index, item in enumerate(items):
            if item.currency != code:
                raise InvalidInput(
                    f"a line is priced in {item.currency}, the purchase in {code}",
                    field=f"items[{index}].unit_price",
                )
        object.__setattr__(self, "items", items)
        refunded = from_minor(0, code) if self.refunded is None else _non_negative(
            self.refunded, "refunded"
        )
        if str(refunded.currency.code) != code:
            raise InvalidInput("a refund is in the purchase's currency", field="refunded")
        refunded_minor = _minor_of(refunded)
        if refunded_minor > self.amount_minor:
            raise InvalidInput("more refunded than was paid", field="refunded")
        object.__setattr__(self, "refunded", refunded)
        object.__setattr__(self, "refunded_minor", refunded_minor)

    @property
    def currency(self) -> str:
        """The currency the purchase was charged in."""
        return str(self.amount.currency.code)

    @property
    def net(self) -> Money:
        """What the customer paid and kept: the amount less refunds."""
        return from_minor(self.amount_minor - self.refunded_minor, self.currency)

    @property
    def counts(self) -> bool:
        """Whether the purchase counts in segments: not cancelled, not wholly refunded."""
        return self.status in COUNTED

    def content(self) -> dict[str, Any]:
        """What the caller asked to record (for idempotent retries): no ids or timestamps."""
        return {
            "customer_id": self.customer_id,
            "channel": self.channel,
            "occurred_at": self.occurred_at.isoformat(),
            "amount": str(self.amount.amount),
            "currency": self.currency,
            "status": self.status,
            "items": [item.to_json() for item in self.items],
        }


def _reason(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="reason")


def _purchase_id(value: object) -> str:
    return check_id(value, field="purchase_id")


def _positive(value: object) -> Money:
    result = _non_negative(value, "amount")
    if not result.amount:
        raise InvalidInput("a refund is greater than zero", field="amount")
    return result


@attrs.frozen(kw_only=True)
class Refund:
    """Money given back on a purchase; ``reason`` is a code such as ``damaged`` or ``returned``."""

    purchase_id: str = attrs.field(converter=_purchase_id)
    amount: Money = attrs.field(converter=_positive)
    occurred_at: dt.datetime = attrs.field(converter=_occurred_at)
    reason: str | None = attrs.field(default=None, converter=_reason)
    idempotency_key: str | None = attrs.field(default=None, converter=_key, repr=False)
    tenant: str = attrs.field(default="default", converter=_tenant)
    id: str = attrs.field(factory=new_id, converter=_id)

    @property
    def amount_minor(self) -> int:
        """The amount given back, in minor units."""
        return to_minor(self.amount)


def refund(
    purchase: Purchase,
    amount: Money | None = None,
    *,
    occurred_at: dt.datetime,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[Purchase, Refund]:
    """Give back ``amount`` (the whole net amount if ``None``); the purchase after it, and it.

    A cancelled purchase cannot be refunded, nor more than its net amount.
    """
    if not isinstance(purchase, Purchase):
        raise InvalidFormat("expected a Purchase", field="purchase")
    if purchase.status == "cancelled":
        raise RuleViolation("a cancelled purchase cannot be refunded", field="purchase")
    given = purchase.net if amount is None else amount
    made = Refund(
        purchase_id=purchase.id,
        amount=given,
        occurred_at=occurred_at,
        reason=reason,
        idempotency_key=idempotency_key,
        tenant=purchase.tenant,
    )
    if str(made.amount.currency.code) != purchase.currency:
        raise InvalidInput(
            f"the refund is in {made.amount.currency.code}, the purchase in {purchase.currency}",
            field="amount",
        )
    if made.occurred_at < purchase.occurred_at:
        raise InvalidInput("a refund cannot come before its purchase", field="occurred_at")
    refunded = purchase.refunded_minor + made.amount_minor
    if refunded > purchase.amount_minor:
        raise RuleViolation("more than the purchase's remaining amount", field="amount")
    status = "refunded" if refunded == purchase.amount_minor else "partially_refunded"
    after = attrs.evolve(purchase, refunded=from_minor(refunded, purchase.currency), status=status)
    return after, made


def cancel(purchase: Purchase) -> Purchase:
    """The purchase cancelled; one with refunds is refunded instead (its money moved already)."""
    if not isinstance(purchase, Purchase):
        raise InvalidFormat("expected a Purchase", field="purchase")
    if purchase.status == "cancelled":
        return purchase
    if purchase.refunded_minor:
        raise RuleViolation(
            "a purchase with refunds cannot be cancelled; refund the rest", field="purchase"
        )
    return attrs.evolve(purchase, status="cancelled")


def purchase_from_row(row: Mapping[str, Any], *, tenant: str) -> Purchase:
    """A :class:`Purchase` from an import row: text cells read (amount, currency, items as JSON).

    Columns: ``customer_id, occurred_at`` (ISO 8601 with an offset), ``channel, amount,
    currency``, and optionally ``items`` (a JSON list of lines), ``status``, ``refunded``,
    ``idempotency_key``, ``id``.
    """
    if not isinstance(row, Mapping):
        raise InvalidFormat(f"expected a mapping of columns, got {type(row).__name__}")
    known = {"customer_id", "occurred_at", "channel", "amount", "currency", "items", "status",
             "refunded", "idempotency_key", "id"}
    for index, key in enumerate(row):
        if key not in known:
            raise _checks.unknown_key(key, index, what="column")
    data = dict(row)
    for required in ("customer_id", "occurred_at", "channel", "amount", "currency"):
        if data.get(required) in (None, ""):
            raise InvalidFormat("is required", field=required)
    currency = _money.validate_currency(data["currency"], allow_withdrawn=True)
    occurred = data["occurred_at"]
    if isinstance(occurred, str):
        try:
            occurred = dt.datetime.fromisoformat(occurred.strip())
        except ValueError:
            raise InvalidFormat(
                "expected an ISO 8601 time with an offset", field="occurred_at"
            ) from None
    items = data.get("items") or ()
    if isinstance(items, str):
        import json

        try:
            items = json.loads(items)
        except (ValueError, RecursionError):
            raise InvalidFormat("expected a JSON list of lines", field="items") from None
    values: dict[str, Any] = {
        "customer_id": data["customer_id"],
        "occurred_at": occurred,
        "channel": data["channel"],
        "amount": _money.money(data["amount"], currency, allow_withdrawn=True),
        "items": items,
        "tenant": tenant,
    }
    if data.get("status") not in (None, ""):
        values["status"] = data["status"]
    if data.get("refunded") not in (None, ""):
        values["refunded"] = _money.money(data["refunded"], currency, allow_withdrawn=True,
                                          field="refunded")
    if data.get("idempotency_key") not in (None, ""):
        values["idempotency_key"] = data["idempotency_key"]
    if data.get("id") not in (None, ""):
        values["id"] = data["id"]
    purchase = Purchase(**values)
    _check_status(purchase)
    return purchase


def _check_status(purchase: Purchase) -> None:
    """The status agrees with the refunds: what an imported history says must add up."""
    refunded, amount = purchase.refunded_minor, purchase.amount_minor
    expected = {
        "completed": refunded == 0,
        "cancelled": refunded == 0,
        "partially_refunded": 0 < refunded < amount,
        "refunded": refunded == amount,
    }[purchase.status]
    if not expected:
        raise InvalidInput(
            "the status does not agree with the refunded amount", field="status"
        )


def check_new(purchase: Purchase) -> Purchase:
    """A purchase as recorded by ``crm.purchases.record``: ``completed`` or ``cancelled``."""
    if purchase.status not in ("completed", "cancelled") or purchase.refunded_minor:
        raise InvalidInput(
            "a new purchase is completed or cancelled; refunds are recorded with refund()",
            field="status",
        )
    return purchase

