"""The parts of ``crm.payments`` that talk to providers: gateway calls and provider updates.

Private to the service layer: :mod:`globalcrm.crm.payments` is the public area.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import cast

import attrs
from moneyed import Money

from globalcrm import _checks
from globalcrm.errors import Conflict, GlobalCRMError, InvalidFormat, PluginError, RuleViolation
from globalcrm.payment_gateways import GatewayRequest, GatewayResult, PaymentGateway, check_result
from globalcrm.payment_notifications import ProviderUpdate
from globalcrm.payment_records import TRANSITIONS, Payment, PaymentEvent, PaymentStep
from globalcrm.storage.unit_of_work import UnitOfWork

OPEN = ("created", "pending", "authorised")
CLOSED = ("failed", "expired", "cancelled")
BULK_CHUNK = 2000


@attrs.frozen
class AppliedUpdate:
    """What a provider update did: the payment as it is now and the events it added.

    ``events`` is empty when the update had been applied before (a notification delivered
    twice) or reports what the payment already shows.
    """

    payment: Payment
    events: tuple[PaymentEvent, ...]

    @property
    def changed(self) -> bool:
        """Whether the update added anything."""
        return bool(self.events)


def same_request(stored: Payment, wanted: Payment) -> bool:
    """Whether a payment recorded under an idempotency key is the one asked for again."""
    return (
        stored.customer_id == wanted.customer_id
        and stored.method == wanted.method
        and stored.amount == wanted.amount
        and stored.purchase_id == wanted.purchase_id
        and stored.provider_reference in (None, wanted.provider_reference)
    )


def reason_code(reason: str | None) -> str | None:
    """The reason sent to the gateway with a refund (checked as a code)."""
    return None if reason is None else _checks.code(reason, field="reason")


def same_or_conflict(stored: Payment, wanted: Payment) -> Payment:
    """The stored payment if it is the one asked for again, else ``Conflict``."""
    if not same_request(stored, wanted):
        raise Conflict("the idempotency key was used for another payment", field="idempotency_key")
    return stored


def request(payment: Payment, step: str) -> GatewayRequest:
    """The gateway request for ``step`` of the payment (its key stays the same on a retry)."""
    return GatewayRequest(
        payment_id=payment.id,
        method=payment.method,
        amount=payment.amount,
        customer_id=payment.customer_id,
        purchase_id=payment.purchase_id,
        instrument=payment.instrument,
        provider_reference=payment.provider_reference,
        idempotency_key=f"{payment.id}:{step}",
    )


def call(
    gateway: PaymentGateway, hook: str, request: object, allowed: tuple[str, ...]
) -> GatewayResult:
    """Call the gateway's ``hook``; its own failure becomes ``PluginError``, its answer checked."""
    provider = getattr(gateway, "provider", None)
    name = provider if isinstance(provider, str) else type(gateway).__name__
    method = getattr(gateway, hook, None)
    if not callable(method):
        raise PluginError(f"the gateway has no {hook}()", hook=hook, plugin=name[:64])
    with plugin_errors(hook, name[:64]):
        answer = method(request)
    return check_result(answer, allowed=allowed)


@contextmanager
def plugin_errors(hook: str, plugin: str) -> Iterator[None]:
    try:
        yield
    except GlobalCRMError:
        raise
    except Exception as error:  # noqa: BLE001 - the application's code: anything may come out
        failure = PluginError(f"the gateway's {hook}() failed", hook=hook, plugin=plugin)
        failure.cause = f"{type(error).__module__}.{type(error).__qualname__}"
        raise failure from None


def check_paid(payment: Payment, update: ProviderUpdate) -> None:
    """``RuleViolation`` if the update reports another amount than the payment's."""
    if update.paid is None:
        return
    if update.paid.currency.code != payment.currency:
        raise RuleViolation(
            f"the provider reports {update.paid.currency.code}; the payment is in "
            f"{payment.currency}",
            field="paid",
        )
    paid, expected = update.paid.amount, payment.amount.amount
    if paid == expected or (update.method == "boleto" and paid > expected):
        return
    raise RuleViolation(
        f"the provider reports {paid} {payment.currency} paid; the payment is of {expected}",
        field="paid",
    )


def update_events(
    payment: Payment, update: ProviderUpdate, at: dt.datetime, now: dt.datetime, uow: UnitOfWork
) -> list[PaymentEvent]:
    """The steps an update takes on ``payment`` (it may take none)."""
    events: list[PaymentEvent] = []
    status = update.status
    if status is not None and status != payment.status:
        if status == "succeeded" and payment.status in CLOSED:
            raise RuleViolation(
                f"the provider reports the payment paid, but it is '{payment.status}' here; "
                "settle it by hand (refund the payer or reopen the sale)",
                field="status",
            )
        if payment.status in OPEN and status in TRANSITIONS[payment.status]:
            paid = None if update.paid == payment.amount else update.paid
            events.append(
                payment.move(
                    status, at=at, now=now, source=update.source, amount=paid,
                    provider_event_id=update.event_id,
                )
            )
    refund: Money | None = None
    key: str | None = None
    if update.refunded_total is not None:
        more = update.refunded_total.amount - payment.refunded
        if more > 0:
            refund = Money(more, payment.amount.currency)
    elif update.refund is not None:
        known = None if update.refund_id is None else uow.payments.event_by_key(update.refund_id)
        if known is None:
            refund, key = update.refund, update.refund_id
        elif known.payment_id != payment.id:
            refund = update.refund  # another payment's key: record the refund without it
    if refund is not None:
        if payment.status in OPEN:  # a refund is news that the payment was made
            events.append(
                payment.move(
                    "succeeded", at=at, now=now, source=update.source,
                    provider_event_id=update.event_id,
                )
            )
        events.append(
            payment.refund(
                refund, at=at, now=now, source=update.source, provider_event_id=update.event_id,
                idempotency_key=key,
            )
        )
    return events


def chunks(steps: Iterable[object]) -> Iterator[tuple[int, list[PaymentStep]]]:
    """The steps in chunks, each with the position of its first step; non-steps refused."""
    iterator = iter(steps)
    start = 0
    while chunk := list(itertools.islice(iterator, BULK_CHUNK)):
        if not all(type(step) is PaymentStep for step in chunk):  # a subclass: checked below
            for offset, step in enumerate(chunk):
                if not isinstance(step, PaymentStep):
                    raise InvalidFormat(
                        f"expected a PaymentStep, got {type(step).__name__}",
                        field=f"steps[{start + offset}]",
                    )
        yield start, cast("list[PaymentStep]", chunk)
        start += len(chunk)
