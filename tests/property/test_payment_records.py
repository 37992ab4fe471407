"""Properties of the payment ledger: whatever is asked, in any order, the books stay right.

Random sequences of steps, refunds (with amounts near and past what is left), reversals and
disputes are applied to a payment in memory and through ``crm.payments`` on a store; refused
steps change nothing, the refunded total never leaves [0, amount], the events replay to the
state, and the store ends exactly where memory does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm.errors import GlobalCRMError, RuleViolation
from globalcrm.money import money
from globalcrm.payment_records import STATUSES, Payment, PaymentEvent, replay

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
CUSTOMER = "01KAQ3V4J5ZC6Y3W8N0R2T4V6X"

cents = st.integers(min_value=1, max_value=12_000).map(lambda n: Decimal(n).scaleb(-2))
operations = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.sampled_from(STATUSES)),
        st.tuples(st.just("refund"), cents),
        st.tuples(st.just("reverse"), cents),
        st.tuples(st.just("dispute"), st.none()),
        st.tuples(st.just("close"), st.booleans()),
    ),
    max_size=25,
)


def _apply(payment: Payment, operation: tuple[str, Any]) -> PaymentEvent:
    kind, value = operation
    if kind == "move":
        return payment.move(value, at=T0, now=T0)
    if kind == "refund":
        return payment.refund(money(value, "EUR"), at=T0, now=T0)
    if kind == "reverse":
        return payment.reverse_refund(money(value, "EUR"), at=T0, now=T0)
    if kind == "dispute":
        return payment.open_dispute(at=T0, now=T0)
    return payment.close_dispute(won=value, at=T0, now=T0)


@given(amount=cents, steps=operations)
def test_any_sequence_keeps_the_refunds_within_the_amount(
    amount: Decimal, steps: list[tuple[str, Any]]
) -> None:
    payment = Payment(customer_id=CUSTOMER, method="sepa_debit", amount=money(amount, "EUR"),
                      created_at=T0)
    events = [payment.opening_event(now=T0)]
    for step in steps:
        before = (payment.status, payment.refunded, payment.version, payment.paid_at)
        try:
            events.append(_apply(payment, step))
        except (RuleViolation, gc.InvalidInput):
            assert (payment.status, payment.refunded, payment.version, payment.paid_at) == before
        assert 0 <= payment.refunded <= amount
        refundable = payment.refundable.amount
        if payment.status in ("succeeded", "partially_refunded"):
            assert refundable == amount - payment.refunded
        else:
            assert refundable == 0
        if payment.status == "refunded":
            assert payment.refunded == amount
    assert replay(events, amount=amount) == (payment.status, payment.refunded)
    assert [e.seq for e in events] == list(range(1, payment.version + 1))


def _store_apply(crm: gc.CRM, payment: Payment, operation: tuple[str, Any]) -> None:
    kind, value = operation
    if kind == "move":
        crm.payments.move(payment, value, now=T0)
    elif kind == "refund":
        crm.payments.refund(payment, money(value, "EUR"), now=T0)
    elif kind == "reverse":
        crm.payments.reverse_refund(payment, money(value, "EUR"), now=T0)
    elif kind == "dispute":
        crm.payments.open_dispute(payment, now=T0)
    else:
        crm.payments.close_dispute(payment, won=value, now=T0)


@settings(max_examples=25)
@given(amount=cents, steps=operations)
def test_the_store_ends_where_memory_does(amount: Decimal, steps: list[tuple[str, Any]]) -> None:
    crm = gc.open("sqlite://")
    try:
        customer = crm.customers.add(
            gc.Customer(name=gc.PersonName(given="Aino", locale="fi"), country="FI",
                        language="fi", time_zone="Europe/Helsinki", currency="EUR"),
            now=T0,
        )
        stored = crm.payments.record(customer, method="sepa_debit", amount=money(amount, "EUR"),
                                     now=T0)
        memory = Payment(customer_id=customer.id, method="sepa_debit",
                         amount=money(amount, "EUR"), created_at=T0, id=stored.id)
        events = [memory.opening_event(now=T0)]
        for step in steps:
            try:
                events.append(_apply(memory, step))
                accepted = True
            except GlobalCRMError:
                accepted = False
            try:
                _store_apply(crm, stored, step)
                assert accepted, step
            except GlobalCRMError:
                assert not accepted, step
        final = crm.payments.get(stored)
        assert (final.status, final.refunded, final.version, final.paid_at) == (
            memory.status, memory.refunded, memory.version, memory.paid_at
        )
        history = crm.payments.history(stored)
        assert [(e.seq, e.kind, e.from_status, e.to_status, e.amount) for e in history] == [
            (e.seq, e.kind, e.from_status, e.to_status, e.amount) for e in events
        ]
        assert replay(history, amount=amount) == (memory.status, memory.refunded)
    finally:
        crm.close()
