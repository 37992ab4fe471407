"""``crm.payments``: the methods to offer a customer, and a trustworthy record of every payment.

Each method is one transaction (or joins ``crm.transaction()``). A payment's row is locked while
it changes (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises
writers), so refunds made at the same time can never add up to more than was paid. A call made
again with the same ``idempotency_key`` returns the first call's result; the same key with
different content is a ``Conflict``. Gateway calls (:mod:`globalcrm.payment_gateways`) run
outside any transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from moneyed import Money

from globalcrm import _checks
from globalcrm.crm import _payment_providers as _providers
from globalcrm.crm._context import Context, collector_paused, customer_id_of
from globalcrm.crm._payment_providers import AppliedUpdate
from globalcrm.crm.privacy import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import (
    Conflict,
    GlobalCRMError,
    InvalidFormat,
    NotFound,
    RuleViolation,
)
from globalcrm.identifiers import check_id, new_id
from globalcrm.pagination import Page, check_limit, decode_cursor, encode_cursor
from globalcrm.payment_gateways import (
    RESULT_STATUSES,
    GatewayResult,
    PaymentGateway,
    RefundRequest,
)
from globalcrm.payment_notifications import (
    ProviderUpdate,
    alipay_update,
    boleto_settlement,
    pix_settlement,
    wechat_pay_update,
)
from globalcrm.payment_records import (
    STATUSES,
    TRANSITIONS,
    Payment,
    PaymentEvent,
    canonical_reference,
    latest_event_time,
)
from globalcrm.payments import catalog
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["AppliedUpdate", "Payments"]

PREFERRED_ATTRIBUTE = "preferred_payment_methods"
"""The customer attribute that lists the methods a customer said they prefer (catalog keys)."""


Take = Callable[[Payment, dt.datetime, dt.datetime], PaymentEvent]
"""One step on a locked payment: given it, the event's time and now, return the event."""


def _payment_id(payment: object) -> str:
    if isinstance(payment, Payment):
        return payment.id
    return check_id(payment, field="payment")


class Payments:
    """The payments of one tenant, and the methods to offer its customers."""

    def __init__(self, context: Context) -> None:
        self._context = context

    # ----------------------------------------------------------------- methods to offer

    def methods_for(
        self, customer: Customer | str, amount: Money | None = None
    ) -> tuple[catalog.PaymentMethod, ...]:
        """The payment methods to offer ``customer``, most relevant first.

        :func:`globalcrm.payments.catalog.methods_for` with the customer's country and currency
        (the amount's currency when an ``amount`` is given), and the methods they said they
        prefer first: ``customer.attributes["preferred_payment_methods"]``, a list of catalog
        keys (an unknown key raises ``InvalidComponent`` naming its position).
        """
        stored = self._customer(customer)
        preferred = stored.attributes.get(PREFERRED_ATTRIBUTE, [])
        if not isinstance(preferred, list):
            raise InvalidFormat(
                "expected a list of payment method keys",
                field=f"attributes.{PREFERRED_ATTRIBUTE}",
            )
        with _checks.at(f"attributes.{PREFERRED_ATTRIBUTE}"):
            keys = [
                catalog.method(key, field=f"[{index}]").key for index, key in enumerate(preferred)
            ]
        if amount is None:
            return catalog.methods_for(stored.country, currency=stored.currency, preferred=keys)
        return catalog.methods_for(stored.country, amount=amount, preferred=keys)

    def _customer(self, customer: Customer | str) -> Customer:
        if isinstance(customer, Customer):
            return customer
        with self._context.work(write=False) as uow:
            return uow.customers.get(customer_id_of(customer))

    # ----------------------------------------------------------------- recording

    def record(
        self,
        customer: Customer | str,
        *,
        method: str,
        amount: Money,
        status: str = "created",
        occurred_at: dt.datetime | None = None,
        purchase_id: str | None = None,
        provider: str | None = None,
        provider_reference: str | None = None,
        instrument: str | None = None,
        metadata: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        source: str = "application",
        now: dt.datetime | None = None,
    ) -> Payment:
        """Record a payment of ``customer`` (a ``Customer`` or its id); returns it stored.

        ``method`` is a catalog key (``pix``, ``upi``, ``ideal``, ``visa``...), ``amount`` a
        positive ``Money`` in a currency the method is paid in, with no more decimals than the
        currency has. ``status`` may start it further on (a payment taken at a till is
        ``succeeded``). ``instrument`` is a token or masked form only: a full card number, a
        card verification code or a secret is refused (``InvalidInput``). Recording again with
        the same ``idempotency_key`` returns the first payment.
        """
        now = self._context.now(now)
        at = now if occurred_at is None else occurred_at
        payment = Payment(
            customer_id=customer_id_of(customer),
            method=method,
            amount=amount,
            created_at=_checks.event_time(at, field="occurred_at", now=now),
            purchase_id=purchase_id,
            provider=provider,
            provider_reference=provider_reference,
            instrument=instrument,
            metadata={} if metadata is None else metadata,
            idempotency_key=idempotency_key,
            tenant=self._context.tenant,
        )
        first = _checks.choice(status, STATUSES, field="status", what="payment status")
        events = [payment.opening_event(source=source, now=now)]
        if first != "created":
            events.append(payment.move(first, at=at, now=now, source=source))
        with self._context.work() as uow:
            if payment.idempotency_key is not None:
                stored = uow.payments.by_idempotency_key(payment.idempotency_key)
                if stored is not None:
                    return _providers.same_or_conflict(stored, payment)
            if not uow.customers.exists(payment.customer_id):
                raise NotFound("no customer with this id", field="customer_id")
            try:
                with uow.savepoint():
                    uow.payments.add(payment, events)
            except Conflict:
                if payment.idempotency_key is not None:
                    stored = uow.payments.by_idempotency_key(payment.idempotency_key)
                    if stored is not None:  # the same request, made at the same moment
                        return _providers.same_or_conflict(stored, payment)
                raise Conflict(
                    "a payment with this provider reference is already stored",
                    field="provider_reference",
                ) from None
            self._audit(uow, "payment.recorded", payment, {"status": payment.status})
        return payment

    def get(self, payment: Payment | str) -> Payment:
        """The payment with this id (or the stored state of this ``Payment``)."""
        payment_id = _payment_id(payment)
        with self._context.work(write=False) as uow:
            return uow.payments.get(payment_id)

    def find(self, *, method: str, provider_reference: str) -> Payment:
        """The payment a provider's reference names (a Pix txid, an ``out_trade_no``...)."""
        key = catalog.method(method, field="method").key
        reference = canonical_reference(key, provider_reference)
        with self._context.work(write=False) as uow:
            found = uow.payments.by_reference(key, reference)
        if found is None:
            raise NotFound("no payment with this provider reference", field="provider_reference")
        return found

    def history(self, payment: Payment | str) -> tuple[PaymentEvent, ...]:
        """Every event of the payment, oldest first: each step with its time and source."""
        payment_id = _payment_id(payment)
        with self._context.work(write=False) as uow:
            return tuple(uow.payments.events(uow.payments.get(payment_id)))

    def list(
        self,
        *,
        customer: Customer | str | None = None,
        status: str | None = None,
        method: str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Payment]:
        """Payments, newest first, a page at a time; filter by customer, status or method."""
        customer_id = None if customer is None else customer_id_of(customer)
        wanted = (
            None
            if status is None
            else _checks.choice(status, STATUSES, field="status", what="payment status")
        )
        key = None if method is None else catalog.method(method, field="method").key
        limit = check_limit(limit)
        before = None if after is None else check_id(decode_cursor(after, 1)[0], field="after")
        with self._context.work(write=False) as uow:
            items = uow.payments.page(
                customer_id=customer_id, status=wanted, method=key, before=before, limit=limit + 1
            )
        if len(items) > limit:
            return Page(items[:limit], encode_cursor(items[limit - 1].id))
        return Page(items, None)

    # ----------------------------------------------------------------- steps

    def move(
        self,
        payment: Payment | str,
        status: str,
        *,
        occurred_at: dt.datetime | None = None,
        source: str = "application",
        amount: Money | None = None,
        reason: str | None = None,
        provider_event_id: str | None = None,
        idempotency_key: str | None = None,
        now: dt.datetime | None = None,
    ) -> Payment:
        """Move a payment to ``status``; ``RuleViolation`` if the status machine refuses it.

        ``status`` is ``pending``, ``authorised``, ``succeeded``, ``failed``, ``expired`` or
        ``cancelled``; refunds and disputes have their own methods.
        """
        return self._step(
            payment,
            lambda p, at, now: p.move(
                status, at=at, now=now, source=source, amount=amount, reason=reason,
                provider_event_id=provider_event_id, idempotency_key=idempotency_key,
            ),
            action="payment.status_changed",
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
            same=lambda event: event.kind == "status" and event.to_status == status,
            now=now,
        )

    def refund(
        self,
        payment: Payment | str,
        amount: Money,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        occurred_at: dt.datetime | None = None,
        gateway: PaymentGateway | None = None,
        source: str = "application",
        now: dt.datetime | None = None,
    ) -> Payment:
        """Record a refund of ``amount``; it can never take the refunds beyond what was paid.

        A refund that would is ``RuleViolation``, as is a refund of a payment that has not
        succeeded or is disputed. With a ``gateway``, the refund is recorded first (so a refund
        made at the same moment cannot spend the same amount), then the gateway is asked; if it
        refuses or fails, the refund is recorded as reversed and the error raised.
        """
        if gateway is not None:
            return self._refund_through(payment, amount, gateway, reason, idempotency_key, now)
        return self._step(
            payment,
            lambda p, at, now: p.refund(
                amount, at=at, now=now, source=source, reason=reason,
                idempotency_key=idempotency_key,
            ),
            action="payment.refunded",
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
            same=lambda event: event.kind == "refund" and event.amount == amount,
            now=now,
        )

    def reverse_refund(
        self,
        payment: Payment | str,
        amount: Money,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        occurred_at: dt.datetime | None = None,
        source: str = "gateway",
        now: dt.datetime | None = None,
    ) -> Payment:
        """Record that a refund did not happen after all (the provider reports it failed)."""
        return self._step(
            payment,
            lambda p, at, now: p.reverse_refund(
                amount, at=at, now=now, source=source, reason=reason,
                idempotency_key=idempotency_key,
            ),
            action="payment.refund_reversed",
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
            same=lambda event: event.kind == "refund_reversed" and event.amount == amount,
            now=now,
        )

    def open_dispute(
        self,
        payment: Payment | str,
        *,
        reason: str | None = None,
        occurred_at: dt.datetime | None = None,
        source: str = "application",
        provider_event_id: str | None = None,
        idempotency_key: str | None = None,
        now: dt.datetime | None = None,
    ) -> Payment:
        """Record that the payer disputed the payment; no refund is recorded while it is open."""
        return self._step(
            payment,
            lambda p, at, now: p.open_dispute(
                at=at, now=now, source=source, reason=reason,
                provider_event_id=provider_event_id, idempotency_key=idempotency_key,
            ),
            action="payment.disputed",
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
            same=lambda event: event.kind == "dispute_opened",
            now=now,
        )

    def close_dispute(
        self,
        payment: Payment | str,
        *,
        won: bool,
        reason: str | None = None,
        occurred_at: dt.datetime | None = None,
        source: str = "application",
        provider_event_id: str | None = None,
        idempotency_key: str | None = None,
        now: dt.datetime | None = None,
    ) -> Payment:
        """Record the end of a dispute: ``won``, or lost (the payment is ``charged_back``)."""
        kind = "dispute_won" if won is True else "dispute_lost"
        return self._step(
            payment,
            lambda p, at, now: p.close_dispute(
                won=won, at=at, now=now, source=source, reason=reason,
                provider_event_id=provider_event_id, idempotency_key=idempotency_key,
            ),
            action="payment.dispute_closed",
            occurred_at=occurred_at,
            idempotency_key=idempotency_key,
            same=lambda event: event.kind == kind,
            now=now,
        )

    def _step(
        self,
        payment: Payment | str,
        take: Take,
        *,
        action: str,
        occurred_at: dt.datetime | None,
        idempotency_key: str | None,
        same: Callable[[PaymentEvent], bool],
        now: dt.datetime | None,
    ) -> Payment:
        """Lock the payment, return the first result of a retried key, else take one step."""
        payment_id = _payment_id(payment)
        stamp = self._context.now(now)
        at = stamp if occurred_at is None else occurred_at
        key = (
            None
            if idempotency_key is None
            else _checks.text(idempotency_key, field="idempotency_key", max_length=200)
        )
        with self._context.work() as uow:
            current = uow.payments.get(payment_id, for_update=True)
            if key is not None:
                done = uow.payments.event_by_key(key)
                if done is not None:
                    if done.payment_id != current.id or not same(done):
                        raise Conflict(
                            "the idempotency key was used for another step",
                            field="idempotency_key",
                        )
                    return current
            read = current.version
            event = take(current, at, stamp)
            uow.payments.save(current, [event], read_version=read)
            self._audit(uow, action, current, {"seq": event.seq, "status": event.to_status})
        return current

    # ----------------------------------------------------------------- gateways

    def submit(
        self, payment: Payment | str, gateway: PaymentGateway, *, now: dt.datetime | None = None
    ) -> Payment:
        """Ask ``gateway`` to take the payment, then record its answer.

        The payment must be ``created`` or ``pending``. The gateway is called outside any
        transaction with the idempotency key ``<payment id>:submit``; its answer (a status, the
        provider's reference, a masked instrument) is recorded in one transaction. A status the
        payment has already passed (a notification came first) is not recorded again.
        """
        current = self._before_gateway(payment, ("created", "pending"))
        request = _providers.request(current, "submit")
        result = _providers.call(gateway, "submit", request, RESULT_STATUSES)
        return self._after_gateway(current.id, gateway, result, now)

    def capture(
        self, payment: Payment | str, gateway: PaymentGateway, *, now: dt.datetime | None = None
    ) -> Payment:
        """Ask ``gateway`` to capture an ``authorised`` payment, then record its answer."""
        current = self._before_gateway(payment, ("authorised",))
        request = _providers.request(current, "capture")
        result = _providers.call(gateway, "capture", request, ("pending", "succeeded", "failed"))
        return self._after_gateway(current.id, gateway, result, now)

    def _before_gateway(self, payment: Payment | str, allowed: tuple[str, ...]) -> Payment:
        if self._context.in_transaction:
            raise RuleViolation(
                "a gateway is not called inside crm.transaction(): the call would hold its locks",
                field="gateway",
            )
        current = self.get(payment)
        if current.status not in allowed:
            raise RuleViolation(
                f"a payment that is '{current.status}' is not sent to a gateway for this",
                field="status",
            )
        return current

    def _after_gateway(
        self, payment_id: str, gateway: PaymentGateway, result: GatewayResult, now: object
    ) -> Payment:
        stamp = self._context.now(now)
        at = stamp if result.occurred_at is None else min(result.occurred_at, stamp)
        provider = _checks.code(getattr(gateway, "provider", None), field="gateway.provider")
        with self._context.work() as uow:
            current = uow.payments.get(payment_id, for_update=True)
            read = current.version
            if result.provider_reference is not None and current.provider_reference not in (
                None,
                result.provider_reference,
            ):
                raise Conflict(
                    "the gateway named another provider reference than the payment's",
                    field="result.provider_reference",
                )
            current.refer_to(result.provider_reference or current.provider_reference)
            current.provider = current.provider or provider
            if result.instrument is not None:
                current.instrument = result.instrument
            events = []
            if current.status in _providers.OPEN and result.status in TRANSITIONS[current.status]:
                events.append(
                    current.move(
                        result.status, at=at, now=stamp, source="gateway",
                        reason=result.reason, provider_event_id=result.provider_event_id,
                    )
                )
            uow.payments.save(current, events, read_version=read)
            self._audit(uow, "payment.gateway_answered", current, {"status": current.status})
        return current

    def _refund_through(
        self,
        payment: Payment | str,
        amount: Money,
        gateway: PaymentGateway,
        reason: str | None,
        idempotency_key: str | None,
        now: dt.datetime | None,
    ) -> Payment:
        current = self._before_gateway(payment, ("succeeded", "partially_refunded"))
        key = (
            f"{current.id}:refund:{new_id()}"
            if idempotency_key is None
            else _checks.text(idempotency_key, field="idempotency_key", max_length=180)
        )
        with self._context.work(write=False) as uow:
            if uow.payments.event_by_key(f"{key}:reversed") is not None:
                raise Conflict(
                    "the refund with this idempotency key was refused; ask again with a new key",
                    field="idempotency_key",
                )
        reserved = self.refund(
            current, amount, reason=reason, idempotency_key=key, source="gateway", now=now
        )
        request = RefundRequest(
            payment_id=reserved.id,
            provider_reference=reserved.provider_reference,
            amount=amount,
            reason=_providers.reason_code(reason),
            idempotency_key=key,
        )
        try:
            result = _providers.call(gateway, "refund", request, ("pending", "succeeded", "failed"))
        except GlobalCRMError:
            self._reverse(reserved, amount, key, "gateway_error", now)
            raise
        if result.status == "failed":
            self._reverse(reserved, amount, key, result.reason or "refused_by_provider", now)
            raise RuleViolation(
                f"{gateway.provider} refused the refund ({result.reason or 'no reason given'}); "
                "it is recorded as reversed",
                field="amount",
            )
        return reserved

    def _reverse(
        self, payment: Payment, amount: Money, key: str, reason: str, now: dt.datetime | None
    ) -> None:
        self.reverse_refund(
            payment, amount, reason=reason, idempotency_key=f"{key}:reversed", now=now
        )

    # ----------------------------------------------------------------- provider updates

    def apply(self, update: ProviderUpdate, *, now: dt.datetime | None = None) -> AppliedUpdate:
        """Apply a verified provider update to the payment its reference names.

        ``NotFound`` if no payment of that method has the reference. An update applied before
        (the same message id) or that reports what the payment already shows adds nothing; one
        that reports a step the payment has gone past (``pending`` after ``succeeded``) is
        ignored too. A payment reported ``succeeded`` that was closed here (``expired``,
        ``failed``, ``cancelled``) is ``RuleViolation``: the payer paid after all, settle it by
        hand. An amount that differs from the payment's is ``RuleViolation`` (a Boleto may be
        paid with interest, so more is accepted there).
        """
        if not isinstance(update, ProviderUpdate):
            raise InvalidFormat(
                f"expected a ProviderUpdate, got {type(update).__name__}", field="update"
            )
        stamp = self._context.now(now)
        at = stamp if update.occurred_at is None else min(update.occurred_at, stamp)
        with self._context.work() as uow:
            current = uow.payments.by_reference(update.method, update.reference, for_update=True)
            if current is None:
                raise NotFound(
                    f"no {update.method} payment with this provider reference", field="reference"
                )
            if uow.payments.has_provider_event(current.id, update.event_id):
                return AppliedUpdate(current, ())
            _providers.check_paid(current, update)
            read = current.version
            events = _providers.update_events(current, update, at, stamp, uow)
            if events:
                uow.payments.save(current, events, read_version=read)
                self._audit(
                    uow, "payment.provider_update", current,
                    {"source": update.source, "seqs": [e.seq for e in events]},
                )
        return AppliedUpdate(current, tuple(events))

    def apply_alipay(
        self,
        params: object,
        *,
        public_key_pem: object,
        app_id: object = None,
        now: dt.datetime | None = None,
    ) -> AppliedUpdate:
        """Verify an Alipay notification (``InvalidSignature``: nothing stored), then apply it."""
        return self.apply(alipay_update(params, public_key_pem=public_key_pem, app_id=app_id),
                          now=now)

    def apply_wechat_pay(
        self,
        headers: object,
        body: object,
        *,
        platform_certificate_pem: object,
        api_v3_key: object,
        mchid: object = None,
        now: dt.datetime | None = None,
    ) -> AppliedUpdate:
        """Verify and decrypt a WeChat Pay notification, then apply it.

        A signature that does not verify is ``InvalidSignature``, and nothing is stored.
        """
        stamp = self._context.now(now)
        update = wechat_pay_update(
            headers, body, platform_certificate_pem=platform_certificate_pem,
            api_v3_key=api_v3_key, now=stamp, mchid=mchid,
        )
        return self.apply(update, now=stamp)

    def settle_pix(
        self,
        *,
        txid: str,
        amount: Money,
        paid_at: dt.datetime,
        end_to_end_id: str,
        now: dt.datetime | None = None,
    ) -> AppliedUpdate:
        """A Pix was received for the charge ``txid``: the payment with that reference succeeds."""
        update = pix_settlement(
            txid=txid, amount=amount, paid_at=paid_at, end_to_end_id=end_to_end_id
        )
        return self.apply(update, now=now)

    def settle_boleto(
        self,
        *,
        our_number: str,
        amount: Money,
        paid_at: dt.datetime,
        event_id: str | None = None,
        now: dt.datetime | None = None,
    ) -> AppliedUpdate:
        """A Boleto was paid: the payment whose reference is its nosso número succeeds."""
        update = boleto_settlement(
            our_number=our_number, amount=amount, paid_at=paid_at, event_id=event_id
        )
        return self.apply(update, now=now)

    # ----------------------------------------------------------------- bulk

    def record_steps(
        self, steps: Iterable[object], *, now: dt.datetime | None = None
    ) -> int:
        """Record many steps of stored payments in one transaction; returns how many.

        The bulk path for an import of a provider's history or a settlement file: each
        :class:`~globalcrm.payment_records.PaymentStep` is checked against its payment's status
        as the single calls check it, the payments' rows are locked, the events written with
        ``executemany`` and each payment's row once. A step refused stops the call with its
        position (``steps[41]``) and nothing is stored. Python's cycle collector is paused for
        the call: it makes hundreds of thousands of short-lived objects and no cycles, and the
        collector's passes over them cost as much as the rest of the work.
        """
        stamp = self._context.now(now)
        if isinstance(steps, str | bytes) or not isinstance(steps, Iterable):
            raise InvalidFormat("expected a sequence of PaymentStep", field="steps")
        count = 0
        with collector_paused(), self._context.work() as uow:
            loaded: dict[str, Payment] = {}
            read: dict[str, int] = {}
            latest = latest_event_time(stamp)
            for start, chunk in _providers.chunks(steps):
                found = uow.payments.lock_states(
                    {s.payment_id for s in chunk}.difference(loaded)
                )
                loaded.update(found)
                read.update((pid, p.version) for pid, p in found.items())
                events: list[PaymentEvent] = []
                append, payment_of = events.append, loaded.get
                offset = 0
                try:
                    for offset, step in enumerate(chunk):  # noqa: B007 - names a failing step
                        current = payment_of(step.payment_id)
                        if current is None:
                            raise NotFound("no payment with this id", field="payment_id")
                        append(step._take(current, stamp, latest))
                except GlobalCRMError as error:
                    error.at(field=f"steps[{start + offset}]")
                    raise
                uow.payments.add_events_in_bulk(events)
                count += len(events)
            uow.payments.save_states([loaded[pid] for pid in read], read)
            if count:
                record_audit(
                    uow, self._context, "payment.steps_recorded", "payment", "bulk", None,
                    {"steps": count, "payments": len(read)},
                )
        return count

    # ----------------------------------------------------------------- audit

    def _audit(
        self, uow: UnitOfWork, action: str, payment: Payment, payload: dict[str, Any]
    ) -> None:
        record_audit(uow, self._context, action, "payment", payment.id, payment.customer_id,
                     payload)
