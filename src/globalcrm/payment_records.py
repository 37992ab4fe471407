"""Payment records: what a customer paid, how, and every step of the payment's life.

A :class:`Payment` moves through a status machine; every step is a :class:`PaymentEvent` with
its time, the time it was recorded and its source, and the machine refuses an illegal step with
``RuleViolation``. Refunds, partial or full, can never add up to more than was paid.

```text
created ─► pending ─► authorised ─► succeeded ─► partially_refunded ─► refunded
   │          │            │            │  ▲              │                │
   └──────────┴────────────┴─► failed   │  └── dispute won ┴─► disputed ◄───┘
                               expired  │                        │
                               cancelled└────────────────────────┴─► charged_back (dispute lost)
```

Sources: the statuses are those payment providers report and agree on (Stripe's PaymentIntent,
Refund and Dispute objects, https://docs.stripe.com/payments/paymentintents/lifecycle; Adyen's
payment lifecycle, https://docs.adyen.com/online-payments/payment-result-codes); a step may skip
ahead (a Pix or a wallet payment goes from ``created`` straight to ``succeeded``).
A payment keeps the provider's token or a masked form of the instrument (``visa •••• 4242``),
never a card number, a card verification code or a secret: see
:mod:`globalcrm.payment_instruments` (PCI DSS v4.0 requirement 3).

```pycon
>>> import datetime as dt
>>> from globalcrm.money import money
>>> at = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
>>> p = Payment(customer_id="01KAQ3V4J5ZC6Y3W8N0R2T4V6X", method="pix",
...             amount=money("149.90", "BRL"), created_at=at)
>>> p.move("succeeded", at=at, source="pix_settlement", now=at).to_status
'succeeded'
>>> p.refund(money("49.90", "BRL"), at=at, now=at).to_status
'partially_refunded'
>>> p.refundable
Money('100.00', 'BRL')
>>> p.refund(money("100.01", "BRL"), at=at, now=at)
Traceback (most recent call last):
globalcrm.errors.RuleViolation: amount: the refund is more than the 100.00 BRL left to refund

```
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

import attrs
from moneyed import Money

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput, RuleViolation
from globalcrm.identifiers import check_id, new_id, remembered_id
from globalcrm.money import checked_money, minor_units, moneyed_currency
from globalcrm.payment_instruments import MAX_REFERENCE, check_metadata, instrument_reference
from globalcrm.payment_notifications import our_number, pix_txid
from globalcrm.payments import catalog

__all__ = [
    "EVENT_KINDS",
    "REFUNDABLE",
    "SOURCES",
    "STATUSES",
    "TERMINAL",
    "TRANSITIONS",
    "Payment",
    "PaymentEvent",
    "PaymentStep",
    "canonical_reference",
    "latest_event_time",
    "replay",
]

STATUSES: Final = (
    "created",
    "pending",
    "authorised",
    "succeeded",
    "failed",
    "expired",
    "cancelled",
    "partially_refunded",
    "refunded",
    "disputed",
    "charged_back",
)
"""Every status a payment can be in.

``created``: recorded, nothing asked of the payer yet; ``pending``: waiting for the payer or the
provider (a Boleto not paid yet, a redirect not come back); ``authorised``: the funds are held,
not captured; ``succeeded``: paid; ``failed``, ``expired`` (not paid in time, an authorisation
that lapsed), ``cancelled`` (voided before capture); ``partially_refunded``, ``refunded``;
``disputed`` (a chargeback is open); ``charged_back`` (a dispute lost: the money went back).
"""

TRANSITIONS: Final[Mapping[str, frozenset[str]]] = MappingProxyType({
    "created": frozenset({"pending", "authorised", "succeeded", "failed", "expired", "cancelled"}),
    "pending": frozenset({"authorised", "succeeded", "failed", "expired", "cancelled"}),
    "authorised": frozenset({"succeeded", "failed", "expired", "cancelled"}),
    "succeeded": frozenset({"partially_refunded", "refunded", "disputed"}),
    "partially_refunded": frozenset({"partially_refunded", "refunded", "disputed", "succeeded"}),
    "refunded": frozenset({"disputed", "partially_refunded", "succeeded"}),
    "disputed": frozenset({"succeeded", "partially_refunded", "refunded", "charged_back"}),
    "failed": frozenset(),
    "expired": frozenset(),
    "cancelled": frozenset(),
    "charged_back": frozenset(),
})
"""The steps the machine allows, from each status. Refunds, their reversal and disputes take
their own methods (:meth:`Payment.refund`, :meth:`Payment.reverse_refund`,
:meth:`Payment.open_dispute`, :meth:`Payment.close_dispute`); :meth:`Payment.move` takes the
steps to ``pending``, ``authorised``, ``succeeded``, ``failed``, ``expired`` and ``cancelled``."""

TERMINAL: Final = frozenset(s for s, after in TRANSITIONS.items() if not after)
"""Statuses with no way out: ``failed``, ``expired``, ``cancelled``, ``charged_back``."""

REFUNDABLE: Final = frozenset({"succeeded", "partially_refunded"})
"""Statuses in which a refund may be recorded (not while a dispute is open)."""

_MOVES: Final = frozenset({"pending", "authorised", "succeeded", "failed", "expired", "cancelled"})
_OPEN: Final = frozenset({"created", "pending", "authorised"})

EVENT_KINDS: Final = (
    "status",
    "refund",
    "refund_reversed",
    "dispute_opened",
    "dispute_won",
    "dispute_lost",
)
"""What an event records: a status step, a refund, a refund the provider failed to carry out
(the amount is refundable again), a dispute opened, won or lost."""

SOURCES: Final = (
    "application",
    "gateway",
    "alipay_notification",
    "wechat_pay_notification",
    "pix_settlement",
    "boleto_settlement",
    "import",
)
"""Where a step comes from: the application's own call, a gateway adapter's answer, a verified
provider notification, a bank settlement matched by its reference, or an import of history."""

# --------------------------------------------------------------------------- field checks


def _customer_id(value: object) -> str:
    return check_id(value, field="customer_id")


def _purchase_id(value: object) -> str | None:
    return None if value is None else check_id(value, field="purchase_id")


def _method(value: object) -> str:
    return catalog.method(value, field="method").key


def _amount(value: object) -> Money:
    number, code = checked_money(value, "amount")
    if number <= 0:
        raise InvalidInput("a payment is of more than zero", field="amount")
    _check_digits(number, code, "amount")
    return Money(number, moneyed_currency(code))


@functools.lru_cache(maxsize=256)
def _quantum(code: str) -> tuple[int, Decimal]:
    digits = minor_units(code)
    return digits, Decimal(1).scaleb(-digits)


def _check_digits(number: Decimal, code: str, field: str) -> None:
    digits, quantum = _quantum(code)
    if number != number.quantize(quantum):
        raise InvalidInput(
            f"{code} has {digits} decimal places; round the amount first", field=field
        )


def _provider(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="provider")


def _provider_reference(value: object) -> str | None:
    if value is None:
        return None
    return _checks.text(value, field="provider_reference", max_length=MAX_REFERENCE)


_SPACE = re.compile(r"\s")
_PLAIN_REFERENCE = re.compile(rf"[\x21-\x7e]{{1,{MAX_REFERENCE}}}")


def _reference(value: object, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and _PLAIN_REFERENCE.fullmatch(value):
        return value  # printable ASCII without spaces: canonical as it is (the common case)
    text = _checks.text(value, field=field, max_length=MAX_REFERENCE)
    if _SPACE.search(text):
        raise InvalidFormat("a reference has no spaces", field=field)
    return text


def _idempotency_key(value: object) -> str | None:
    return None if value is None else _checks.text(value, field="idempotency_key", max_length=200)


def _instrument(value: object) -> str | None:
    return instrument_reference(value)


def _metadata(value: object) -> dict[str, Any]:
    return check_metadata(value)


def _created_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="created_at")


def _tenant(value: object) -> str:
    return _checks.tenant(value)


def _id(value: object) -> str:
    return check_id(value)


def _fixed(instance: object, attribute: attrs.Attribute[Any], value: object) -> Any:
    raise InvalidInput(
        f"the {attribute.name} of a payment changes only through its methods",
        field=attribute.name,
    )


_SOURCE_SET: Final = frozenset(SOURCES)


def _source(value: object) -> str:
    if isinstance(value, str) and value in _SOURCE_SET:
        return value  # canonical already: the common case
    return _checks.choice(value, SOURCES, field="source", what="source")


def _reason(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="reason")


@attrs.frozen(slots=False)  # a bulk call makes 100,000: a dict is filled faster
class PaymentEvent:
    """One recorded step of a payment: what changed, when, and where the news came from.

    ``amount`` is the refund (or its reversal, or the amount a dispute took back) for those
    kinds, and for a status step the amount the provider reports was paid, when it says.
    """

    payment_id: str
    seq: int
    """1 for the payment's creation, then one more per step."""
    kind: str
    """One of :data:`EVENT_KINDS`."""
    from_status: str | None
    to_status: str
    amount: Money | None
    occurred_at: dt.datetime
    """When it happened (the provider's time where it gives one)."""
    recorded_at: dt.datetime
    """When it was written down."""
    source: str
    """One of :data:`SOURCES`."""
    provider_event_id: str | None = None
    """The provider's id of the notification, refund or settlement (Alipay ``notify_id``, a Pix
    end-to-end id...)."""
    idempotency_key: str | None = None
    reason: str | None = None
    """A code: ``requested_by_customer``, ``fraudulent``, ``insufficient_funds``..."""


@attrs.define(
    slots=False,
    eq=False,
    kw_only=True,
    on_setattr=[attrs.setters.convert, attrs.setters.validate],
)
class Payment:
    """A payment by a customer: method, amount, status, and how much of it was refunded.

    Build one with the customer, a catalog ``method`` key and a positive ``amount`` in the
    method's currency; then every change goes through :meth:`move`, :meth:`refund`,
    :meth:`reverse_refund`, :meth:`open_dispute` and :meth:`close_dispute`, which check the step
    and return the :class:`PaymentEvent` to record. The repr shows ids, codes and amounts, never
    the instrument or the metadata.
    """

    customer_id: str = attrs.field(converter=_customer_id, on_setattr=_fixed)
    method: str = attrs.field(converter=_method, on_setattr=_fixed)
    """A payment-method catalog key (:mod:`globalcrm.payments.catalog`)."""
    amount: Money = attrs.field(converter=_amount, on_setattr=_fixed)
    created_at: dt.datetime = attrs.field(converter=_created_at, on_setattr=_fixed)
    purchase_id: str | None = attrs.field(default=None, converter=_purchase_id)
    """The purchase it pays for (purchases are stored apart; no foreign key yet)."""
    provider: str | None = attrs.field(default=None, converter=_provider)
    """Who processes it (``stripe``, ``adyen``, ``alipay``...), a code."""
    provider_reference: str | None = attrs.field(
        default=None, converter=_provider_reference, on_setattr=_fixed
    )
    """What the provider's messages carry to find it: the Pix txid, the Boleto nosso número
    (kept without separators), the Alipay or WeChat Pay ``out_trade_no``, a gateway's payment
    id. Set it later with :meth:`refer_to`."""
    instrument: str | None = attrs.field(
        default=None, converter=_instrument, repr=_checks.masked
    )
    """A token or masked form of what was paid with (:func:`instrument_reference`)."""
    metadata: dict[str, Any] = attrs.field(
        factory=dict, converter=_metadata, repr=_checks.masked
    )
    idempotency_key: str | None = attrs.field(
        default=None, converter=_idempotency_key, on_setattr=_fixed, repr=False
    )
    status: str = attrs.field(default="created", on_setattr=_fixed)
    refunded: Decimal = attrs.field(default=Decimal(0), on_setattr=_fixed)
    """How much has been refunded, in the payment's currency (see :attr:`refunded_money`)."""
    paid_at: dt.datetime | None = attrs.field(default=None, on_setattr=_fixed)
    updated_at: dt.datetime | None = attrs.field(default=None, on_setattr=_fixed)
    version: int = attrs.field(default=0, on_setattr=_fixed)
    """How many events the payment has (its last event's ``seq``)."""
    tenant: str = attrs.field(default="default", converter=_tenant, on_setattr=_fixed)
    id: str = attrs.field(factory=new_id, converter=_id, on_setattr=_fixed)

    def __attrs_post_init__(self) -> None:
        code = self.amount.currency.code
        allowed = catalog.method(self.method).currencies
        if allowed and code not in allowed:
            raise InvalidComponent(
                f"{self.method} is paid in {', '.join(allowed)}, not {code}",
                field="amount.currency",
            )
        if self.status not in STATUSES:
            raise InvalidComponent("unknown payment status", field="status")
        if self.provider_reference is not None:
            object.__setattr__(
                self, "provider_reference", _by_method(self.method, self.provider_reference)
            )

    def refer_to(self, provider_reference: object) -> None:
        """Set the reference the provider's messages will carry (known after the gateway call)."""
        reference = _provider_reference(provider_reference)
        if reference is not None:
            reference = _by_method(self.method, reference)
        object.__setattr__(self, "provider_reference", reference)

    # ----------------------------------------------------------------- reading

    @property
    def currency(self) -> str:
        """The ISO 4217 code of the amount."""
        return str(self.amount.currency.code)

    @property
    def refunded_money(self) -> Money:
        """The refunded total as ``Money``."""
        return Money(self.refunded, self.amount.currency)

    @property
    def refundable(self) -> Money:
        """What may still be refunded (nothing unless it succeeded and no dispute is open)."""
        left = self.amount.amount - self.refunded if self.status in REFUNDABLE else Decimal(0)
        return Money(left, self.amount.currency)

    # ----------------------------------------------------------------- steps

    def opening_event(self, *, source: str = "application", now: dt.datetime) -> PaymentEvent:
        """The event that records the payment's creation (``seq`` 1); the payment is new."""
        if self.version:
            raise RuleViolation("the payment has been recorded already", field="id")
        return self._record("status", None, "created", None, _facts(self.created_at, now, source))

    def move(
        self,
        status: object,
        *,
        at: object,
        now: dt.datetime,
        source: object = "application",
        amount: object = None,
        reason: object = None,
        provider_event_id: object = None,
        idempotency_key: object = None,
    ) -> PaymentEvent:
        """Step to ``status`` if the machine allows it from the payment's status.

        ``status`` is ``pending``, ``authorised``, ``succeeded``, ``failed``, ``expired`` or
        ``cancelled``; only a payment not yet paid, failed or closed takes such a step.
        ``amount`` is what the provider says was paid (a Boleto paid late with its interest); it
        is recorded with the step, in the payment's currency.
        """
        target = _checks.choice(status, STATUSES, field="status", what="payment status")
        if target not in _MOVES:
            raise InvalidInput(
                f"'{target}' is reached through refund() or the dispute methods", field="status"
            )
        paid = None if amount is None else self._money(amount, "amount")
        facts = _facts(at, now, source, reason, provider_event_id, idempotency_key)
        return self._move(target, paid, facts)

    def _move(self, target: str, paid: Money | None, facts: _Facts) -> PaymentEvent:
        if self.status not in _OPEN:
            raise RuleViolation(
                f"a payment that is '{self.status}' cannot become '{target}'", field="status"
            )
        self._allowed(target)
        event = self._record("status", self.status, target, paid, facts)
        if target == "succeeded":
            object.__setattr__(self, "paid_at", event.occurred_at)
        return event

    def refund(
        self,
        amount: object,
        *,
        at: object,
        now: dt.datetime,
        source: object = "application",
        reason: object = None,
        provider_event_id: object = None,
        idempotency_key: object = None,
    ) -> PaymentEvent:
        """Record a refund of ``amount`` (``Money`` in the payment's currency).

        Only a succeeded or partially refunded payment is refunded, never beyond what is left:
        ``RuleViolation`` otherwise. The status becomes ``refunded`` when nothing is left.
        """
        value = self._money(amount, "amount")
        facts = _facts(at, now, source, reason, provider_event_id, idempotency_key)
        return self._refund(value, facts)

    def _refund(self, value: Money, facts: _Facts) -> PaymentEvent:
        if self.status not in REFUNDABLE:
            raise RuleViolation(
                f"a payment that is '{self.status}' cannot be refunded", field="status"
            )
        left = self.amount.amount - self.refunded
        if value.amount > left:
            raise RuleViolation(
                f"the refund is more than the {left} {self.currency} left to refund",
                field="amount",
            )
        target = "refunded" if value.amount == left else "partially_refunded"
        event = self._record("refund", self.status, target, value, facts)
        object.__setattr__(self, "refunded", self.refunded + value.amount)
        return event

    def reverse_refund(
        self,
        amount: object,
        *,
        at: object,
        now: dt.datetime,
        source: object = "gateway",
        reason: object = None,
        provider_event_id: object = None,
        idempotency_key: object = None,
    ) -> PaymentEvent:
        """Record that a refund the provider was asked for failed: ``amount`` is refundable again.

        ``refunded`` goes down by ``amount``; the status follows what is left refunded.
        """
        value = self._money(amount, "amount")
        facts = _facts(at, now, source, reason, provider_event_id, idempotency_key)
        if self.status not in ("partially_refunded", "refunded"):
            raise RuleViolation(
                f"a payment that is '{self.status}' has no refund to reverse", field="status"
            )
        if value.amount > self.refunded:
            raise RuleViolation("more than was refunded", field="amount")
        rest = self.refunded - value.amount
        target = "succeeded" if rest == 0 else "partially_refunded"
        event = self._record("refund_reversed", self.status, target, value, facts)
        object.__setattr__(self, "refunded", rest)
        return event

    def open_dispute(
        self,
        *,
        at: object,
        now: dt.datetime,
        source: object = "application",
        reason: object = None,
        provider_event_id: object = None,
        idempotency_key: object = None,
    ) -> PaymentEvent:
        """Record that the payer disputed the payment (a chargeback was opened)."""
        facts = _facts(at, now, source, reason, provider_event_id, idempotency_key)
        self._allowed("disputed")
        return self._record("dispute_opened", self.status, "disputed", None, facts)

    def close_dispute(
        self,
        *,
        won: object,
        at: object,
        now: dt.datetime,
        source: object = "application",
        reason: object = None,
        provider_event_id: object = None,
        idempotency_key: object = None,
    ) -> PaymentEvent:
        """Record the end of a dispute, ``won`` or lost.

        Won, the payment returns to the status its refunds give it; lost, what was not refunded
        went back to the payer (``charged_back``) and nothing is refundable any more.
        """
        outcome = _checks.flag(won, field="won")
        facts = _facts(at, now, source, reason, provider_event_id, idempotency_key)
        if self.status != "disputed":
            raise RuleViolation("the payment has no open dispute", field="status")
        if outcome:
            target = _settled(self.amount.amount, self.refunded)
            return self._record("dispute_won", self.status, target, None, facts)
        taken = Money(self.amount.amount - self.refunded, self.amount.currency)
        return self._record("dispute_lost", self.status, "charged_back", taken, facts)

    # ----------------------------------------------------------------- internals

    def _allowed(self, target: str) -> None:
        if target not in TRANSITIONS[self.status]:
            raise RuleViolation(
                f"a payment that is '{self.status}' cannot become '{target}'", field="status"
            )

    def _money(self, amount: object, field: str) -> Money:
        number, code = checked_money(amount, field)
        return self._own(number, code, field)

    def _own(self, number: Decimal, code: str, field: str) -> Money:
        """``number`` in ``code`` as an amount of this payment: its currency, positive, digits."""
        if code != self.currency:
            raise InvalidInput(
                f"the amount is in {code}; the payment is in {self.currency}",
                field=f"{field}.currency",
            )
        if number <= 0:
            raise InvalidInput("must be more than zero", field=field)
        _check_digits(number, code, field)
        return Money(number, self.amount.currency)

    def _record(
        self,
        kind: str,
        before: str | None,
        after: str,
        amount: Money | None,
        facts: _Facts,
    ) -> PaymentEvent:
        occurred, recorded, source, reason, event_id, key = facts
        seq = self.version + 1
        event = PaymentEvent(  # by position: a bulk call makes 100,000 of them
            self.id, seq, kind, before, after, amount, occurred, recorded, source, event_id, key,
            reason,
        )
        state = self.__dict__
        state["status"] = after
        state["version"] = seq
        state["updated_at"] = recorded
        return event


_Facts = tuple[dt.datetime, dt.datetime, str, "str | None", "str | None", "str | None"]
"""When it happened, when recorded, source, reason, provider event id, idempotency key."""


def _facts(
    at: object,
    now: object,
    source: object,
    reason: object = None,
    provider_event_id: object = None,
    idempotency_key: object = None,
) -> _Facts:
    """An event's facts, each checked: times aware (``at`` no later than ``now`` + the skew)."""
    recorded = _checks.aware_utc(now, field="now")
    return (
        _checks.event_time(at, field="at", now=recorded),
        recorded,
        _source(source),
        _reason(reason),
        _reference(provider_event_id, "provider_event_id"),
        _idempotency_key(idempotency_key),
    )


_LATEST_POSSIBLE: Final = dt.datetime.max.replace(tzinfo=dt.UTC)
_LAST_LATEST: tuple[object, dt.datetime] = (None, _LATEST_POSSIBLE)
"""The last ``now`` asked about and its answer, one tuple (threads replace it whole)."""


def latest_event_time(now: dt.datetime) -> dt.datetime:
    """The latest time an event recorded at ``now`` may have (a bulk call asks with one now)."""
    global _LAST_LATEST
    asked, latest = _LAST_LATEST
    if asked is not now:
        latest = (
            _LATEST_POSSIBLE
            if now > _LATEST_POSSIBLE - _checks.MAX_CLOCK_SKEW
            else now + _checks.MAX_CLOCK_SKEW
        )
        _LAST_LATEST = (now, latest)
    return latest


def _step_payment_id(value: object) -> str:
    if isinstance(value, str):  # a bulk file names each payment several times
        return remembered_id(value, "payment_id")
    return check_id(value, field="payment_id")


def _step_at(value: object) -> dt.datetime:
    if type(value) is dt.datetime and value.tzinfo is dt.UTC:
        return value
    return _checks.aware_utc(value, field="at")


def _step_status(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value in _MOVES:
        return value  # canonical already: the common case
    status = _checks.choice(value, STATUSES, field="status", what="payment status")
    if status not in _MOVES:
        raise InvalidInput(f"'{status}' is not a step a PaymentStep takes", field="status")
    return status


def _step_refund(value: object) -> Money | None:
    if value is None:
        return None
    if isinstance(value, Money) and isinstance(value.amount, Decimal):
        code = getattr(value.currency, "code", None)
        if isinstance(code, str) and value.amount.is_finite():
            return _refund_money(str(value.amount), code)  # amounts repeat in a file
    number, code = checked_money(value, "refund")
    return Money(number, moneyed_currency(code))


@functools.lru_cache(maxsize=4096)
def _refund_money(amount: str, code: str) -> Money:
    """A refund amount checked once per text and currency (its text keeps its decimals)."""
    number, checked = checked_money(Money(Decimal(amount), moneyed_currency(code)), "refund")
    return Money(number, moneyed_currency(checked))


def _step_event_id(value: object) -> str | None:
    return _reference(value, "provider_event_id")


@attrs.frozen(kw_only=True, slots=False, init=False)
class PaymentStep:
    """One step of a stored payment for the bulk path: a status to move to, or a refund.

    ``crm.payments.record_steps`` takes many at once (an import of a provider's history, a
    settlement file); each is checked as it is made, and again against its payment's status.
    """

    payment_id: str
    at: dt.datetime
    status: str | None = None
    refund: Money | None = None
    source: str = "import"
    reason: str | None = None
    provider_event_id: str | None = None

    def __init__(
        self,
        *,
        payment_id: object,
        at: object,
        status: object = None,
        refund: object = None,
        source: object = "import",
        reason: object = None,
        provider_event_id: object = None,
    ) -> None:
        """Check each field (a bulk file makes 100,000 steps: canonical values pass inline)."""
        fields = self.__dict__
        fields["payment_id"] = _step_payment_id(payment_id)
        fields["at"] = at if type(at) is dt.datetime and at.tzinfo is dt.UTC else _step_at(at)
        fields["status"] = (
            status if status is None or (type(status) is str and status in _MOVES)
            else _step_status(status)
        )
        fields["refund"] = None if refund is None else _step_refund(refund)
        fields["source"] = (
            source if type(source) is str and source in _SOURCE_SET else _source(source)
        )
        fields["reason"] = None if reason is None else _reason(reason)
        fields["provider_event_id"] = (
            None if provider_event_id is None else _step_event_id(provider_event_id)
        )
        if (fields["status"] is None) == (fields["refund"] is None):
            raise InvalidInput("a step is either a status or a refund", field="status")

    def apply(self, payment: Payment, *, now: dt.datetime) -> PaymentEvent:
        """Take the step on ``payment``; the event to record (``RuleViolation`` if refused).

        ``now`` is an aware UTC datetime. The step's fields were checked when it was made, so
        only what depends on the payment is checked here (its status, currency, what is left).
        """
        if not (type(now) is dt.datetime and now.tzinfo is dt.UTC):
            now = _checks.aware_utc(now, field="now")
        return self._take(payment, now, latest_event_time(now))

    def _take(self, payment: Payment, now: dt.datetime, latest: dt.datetime) -> PaymentEvent:
        """:meth:`apply` with ``now`` checked and its latest event time known (the bulk loop)."""
        if self.at > latest:
            raise InvalidInput(
                "is in the future: an event is recorded when it has happened", field="at"
            )
        facts = (self.at, now, self.source, self.reason, self.provider_event_id, None)
        if self.refund is not None:
            value = payment._own(self.refund.amount, self.refund.currency.code, "refund")
            return payment._refund(value, facts)
        assert self.status is not None  # noqa: S101 - a step is a status or a refund
        return payment._move(self.status, None, facts)


def canonical_reference(method: object, reference: object) -> str:
    """``reference`` as a payment of ``method`` keeps it (a nosso número without separators).

    ```pycon
    >>> canonical_reference("boleto", "123.456.789-0"), canonical_reference("alipay", "A-1")
    ('1234567890', 'A-1')

    ```
    """
    key = catalog.method(method, field="method").key
    text = _provider_reference(reference)
    if text is None:
        raise InvalidFormat("expected a provider reference", field="provider_reference")
    return _by_method(key, text)


def _by_method(method: str, reference: str) -> str:
    """The reference in the form the method's settlements give it (Pix txid, nosso número)."""
    if method == "pix":
        return pix_txid(reference, field="provider_reference")
    if method == "boleto":
        return our_number(reference, field="provider_reference")
    checked = _reference(reference, "provider_reference")
    assert checked is not None  # noqa: S101 - a reference in, a reference out
    return checked


def _settled(amount: Decimal, refunded: Decimal) -> str:
    """The status of a paid payment from what was refunded of it."""
    if refunded == 0:
        return "succeeded"
    return "refunded" if refunded >= amount else "partially_refunded"


def replay(events: Iterable[PaymentEvent], *, amount: Decimal) -> tuple[str, Decimal]:
    """The status and refunded total that a payment's events add up to, checked step by step.

    Used to check a stored payment against its history: a gap in ``seq``, a step the machine
    does not allow or refunds beyond ``amount`` (the payment's) raise ``RuleViolation``.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidFormat("expected the payment's amount as a finite Decimal", field="amount")
    if not isinstance(events, Iterable):
        raise InvalidFormat("expected the payment's events", field="events")
    status: str | None = None
    refunded = Decimal(0)
    expected = 1
    for event in events:
        if not isinstance(event, PaymentEvent):
            raise InvalidFormat(
                f"expected a PaymentEvent, got {type(event).__name__}",
                field=f"events[{expected - 1}]",
            )
        if event.seq != expected:
            raise RuleViolation(f"event {expected} is missing", field="seq")
        if event.from_status != status:
            raise RuleViolation(f"event {event.seq} does not follow its predecessor", field="seq")
        if status is not None and event.to_status not in TRANSITIONS[status]:
            raise RuleViolation(f"event {event.seq} is a step the machine refuses", field="seq")
        value = Decimal(0) if event.amount is None else event.amount.amount
        if event.kind == "refund":
            refunded += value
        elif event.kind == "refund_reversed":
            refunded -= value
        if not 0 <= refunded <= amount:
            raise RuleViolation(f"event {event.seq} refunds more than was paid", field="seq")
        status = event.to_status
        expected += 1
    if status is None:
        raise RuleViolation("a payment has at least its opening event", field="seq")
    return status, refunded
