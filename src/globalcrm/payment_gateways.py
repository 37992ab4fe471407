"""The gateway adapter interface: how a payment provider plugs into ``crm.payments``.

globalcrm makes no network call. The application implements :class:`PaymentGateway` for its
provider (Stripe, Adyen, Antom, Mercado Pago, Razorpay...) with that provider's SDK, and passes
the object to ``crm.payments.submit``, ``capture`` or ``refund``. The library builds the
request, calls the adapter outside any database transaction, checks its answer and records the
step; a refund is recorded (and its amount reserved) before the adapter is asked, so that two
refunds at once can never add up to more than was paid, and a refund the provider refuses is
recorded as reversed. Each request carries an idempotency key that stays the same when a call
is retried, for the provider's own idempotency (Stripe ``Idempotency-Key``, Adyen
``idempotencyKey``). Plugin hooks (pluggy) will wrap the same interface.

```pycon
>>> class Approving:
...     provider = "demo"
...     def submit(self, request: GatewayRequest) -> GatewayResult:
...         return GatewayResult(status="succeeded", provider_reference="ch_" + request.payment_id)
...     def capture(self, request: GatewayRequest) -> GatewayResult:
...         return GatewayResult(status="succeeded")
...     def refund(self, request: RefundRequest) -> GatewayResult:
...         return GatewayResult(status="succeeded")
>>> isinstance(Approving(), PaymentGateway)
True

```
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

import attrs
from moneyed import Money

from globalcrm import _checks
from globalcrm.errors import InvalidInput
from globalcrm.payment_instruments import instrument_reference

__all__ = [
    "RESULT_STATUSES",
    "GatewayRequest",
    "GatewayResult",
    "PaymentGateway",
    "RefundRequest",
    "check_result",
]

RESULT_STATUSES = ("pending", "authorised", "succeeded", "failed")
"""What a gateway may answer: for ``submit`` any of them; ``capture`` and ``refund`` answer
``succeeded``, ``pending`` (accepted, to be confirmed) or ``failed``."""


@attrs.frozen(kw_only=True)
class GatewayRequest:
    """What the gateway is asked to submit or capture: one payment, as stored."""

    payment_id: str
    method: str
    """The catalog key (``card`` schemes are ``visa``, ``mastercard``...; ``pix``, ``ideal``...)."""
    amount: Money
    customer_id: str
    purchase_id: str | None
    instrument: str | None = attrs.field(repr=_checks.masked)
    """The provider's token for the instrument, if the application stored one."""
    provider_reference: str | None
    idempotency_key: str
    """The same for every retry of this step of this payment."""


@attrs.frozen(kw_only=True)
class RefundRequest:
    """What the gateway is asked to refund."""

    payment_id: str
    provider_reference: str | None
    amount: Money
    reason: str | None
    idempotency_key: str
    """The refund's own key: the caller's, or one made from the payment and the refund's step."""


def _status(value: object) -> str:
    return _checks.choice(value, RESULT_STATUSES, field="status", what="gateway status")


def _reference(value: object) -> str | None:
    return _checks.optional_text(value, field="provider_reference", max_length=200)


def _instrument(value: object) -> str | None:
    return instrument_reference(value)


def _reason(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="reason")


def _when(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="occurred_at")


def _event_id(value: object) -> str | None:
    return _checks.optional_text(value, field="provider_event_id", max_length=200)


@attrs.frozen(kw_only=True)
class GatewayResult:
    """The gateway's answer, checked as it is made: a status and what the provider returned.

    ``instrument`` may carry the masked card or the token the provider made (a full card number
    is refused here as everywhere); ``reason`` a decline or failure code.
    """

    status: str = attrs.field(converter=_status)
    provider_reference: str | None = attrs.field(default=None, converter=_reference)
    instrument: str | None = attrs.field(default=None, converter=_instrument, repr=_checks.masked)
    reason: str | None = attrs.field(default=None, converter=_reason)
    occurred_at: dt.datetime | None = attrs.field(default=None, converter=_when)
    provider_event_id: str | None = attrs.field(default=None, converter=_event_id)


@runtime_checkable
class PaymentGateway(Protocol):
    """What an application implements to connect a payment provider.

    Every method gets a request and returns a :class:`GatewayResult`; an exception it raises
    (other than a ``GlobalCRMError``) reaches the caller as ``PluginError`` naming the method
    and the ``provider``, with nothing recorded beyond what was recorded before the call.
    """

    provider: str
    """A code for the provider (``stripe``, ``adyen``...), stored with the payment."""

    def submit(self, request: GatewayRequest) -> GatewayResult:
        """Create and confirm the payment at the provider."""
        ...

    def capture(self, request: GatewayRequest) -> GatewayResult:
        """Capture an authorised payment."""
        ...

    def refund(self, request: RefundRequest) -> GatewayResult:
        """Refund ``request.amount`` of a paid payment."""
        ...


def check_result(value: object, *, allowed: tuple[str, ...]) -> GatewayResult:
    """``value`` if it is a :class:`GatewayResult` with one of the ``allowed`` statuses."""
    if not isinstance(value, GatewayResult):
        raise InvalidInput(
            f"the gateway returned {type(value).__name__}, not a GatewayResult", field="result"
        )
    if value.status not in allowed:
        raise InvalidInput(
            f"the gateway answered '{value.status}' where {', '.join(allowed)} was expected",
            field="result.status",
        )
    return value
