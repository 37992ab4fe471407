"""The payment status machine: every step allowed or refused as the table says, refunds capped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from globalcrm.errors import InvalidComponent, InvalidInput, RuleViolation
from globalcrm.money import money
from globalcrm.payment_records import (
    REFUNDABLE,
    STATUSES,
    TERMINAL,
    TRANSITIONS,
    Payment,
    PaymentEvent,
    PaymentStep,
    replay,
)

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
CUSTOMER = "01KAQ3V4J5ZC6Y3W8N0R2T4V6X"
MOVES = ("pending", "authorised", "succeeded", "failed", "expired", "cancelled")


def _payment(method: str = "pix", amount: str = "100.00", currency: str = "BRL") -> Payment:
    payment = Payment(
        customer_id=CUSTOMER, method=method, amount=money(amount, currency), created_at=T0
    )
    payment.opening_event(now=T0)
    return payment


def _at(status: str) -> tuple[Payment, list[PaymentEvent]]:
    """A payment brought to ``status`` by legal steps, with its events."""
    payment = Payment(customer_id=CUSTOMER, method="pix", amount=money("100", "BRL"),
                      created_at=T0)
    events = [payment.opening_event(now=T0)]
    paths = {
        "created": [],
        "pending": ["pending"],
        "authorised": ["authorised"],
        "succeeded": ["succeeded"],
        "failed": ["failed"],
        "expired": ["expired"],
        "cancelled": ["cancelled"],
        "partially_refunded": ["succeeded", "refund:40"],
        "refunded": ["succeeded", "refund:100"],
        "disputed": ["succeeded", "dispute"],
        "charged_back": ["succeeded", "dispute", "lost"],
    }
    for step in paths[status]:
        if step.startswith("refund:"):
            events.append(payment.refund(money(step[7:], "BRL"), at=T0, now=T0))
        elif step == "dispute":
            events.append(payment.open_dispute(at=T0, now=T0))
        elif step == "lost":
            events.append(payment.close_dispute(won=False, at=T0, now=T0))
        else:
            events.append(payment.move(step, at=T0, now=T0))
    assert payment.status == status
    return payment, events


@pytest.mark.parametrize("start", STATUSES)
@pytest.mark.parametrize("target", MOVES)
def test_move_takes_exactly_the_steps_the_table_allows(start: str, target: str) -> None:
    payment, _ = _at(start)
    allowed = start in ("created", "pending", "authorised") and target in TRANSITIONS[start]
    if allowed:
        event = payment.move(target, at=T0, now=T0, source="gateway")
        assert (event.from_status, event.to_status, event.source) == (start, target, "gateway")
        assert payment.status == target
    else:
        before = (payment.status, payment.version, payment.refunded)
        with pytest.raises(RuleViolation, match="cannot become") as refused:
            payment.move(target, at=T0, now=T0)
        assert refused.value.field == "status"
        assert (payment.status, payment.version, payment.refunded) == before


def test_terminal_statuses_have_no_way_out() -> None:
    assert {"failed", "expired", "cancelled", "charged_back"} == TERMINAL
    for status in TERMINAL:
        payment, _ = _at(status)
        with pytest.raises(RuleViolation):
            payment.refund(money("1", "BRL"), at=T0, now=T0)
        with pytest.raises(RuleViolation):
            payment.open_dispute(at=T0, now=T0)
        with pytest.raises(RuleViolation):
            payment.close_dispute(won=True, at=T0, now=T0)


def test_succeeded_sets_paid_at_and_each_event_counts_up() -> None:
    payment = _payment()
    pending = payment.move("pending", at=T0, now=T0)
    paid_at = T0 + dt.timedelta(minutes=3)
    paid = payment.move("succeeded", at=paid_at, now=paid_at, source="pix_settlement",
                        provider_event_id="E18236120202612031200s0123456789")
    assert (pending.seq, paid.seq, payment.version) == (2, 3, 3)
    assert payment.paid_at == paid_at
    assert paid.provider_event_id == "E18236120202612031200s0123456789"
    assert payment.updated_at == paid_at


def test_refunds_never_exceed_what_was_paid() -> None:
    payment = _payment(amount="100.00")
    with pytest.raises(RuleViolation, match="cannot be refunded"):
        payment.refund(money("1", "BRL"), at=T0, now=T0)  # not paid yet
    payment.move("succeeded", at=T0, now=T0)
    first = payment.refund(money("30.00", "BRL"), at=T0, now=T0, reason="requested_by_customer")
    assert (first.kind, first.to_status, first.reason) == (
        "refund", "partially_refunded", "requested_by_customer"
    )
    assert payment.refundable == money("70.00", "BRL")
    with pytest.raises(RuleViolation, match=r"more than the 70\.00 BRL left") as refused:
        payment.refund(money("70.01", "BRL"), at=T0, now=T0)
    assert refused.value.field == "amount"
    assert payment.refunded == Decimal("30.00") and payment.version == 3
    last = payment.refund(money("70", "BRL"), at=T0, now=T0)
    assert last.to_status == "refunded" and payment.refundable == money("0", "BRL")
    with pytest.raises(RuleViolation):
        payment.refund(money("0.01", "BRL"), at=T0, now=T0)


def test_refund_amounts_are_checked() -> None:
    payment = _payment()
    payment.move("succeeded", at=T0, now=T0)
    with pytest.raises(InvalidInput, match="the payment is in BRL") as other:
        payment.refund(money("1", "EUR"), at=T0, now=T0)
    assert other.value.field == "amount.currency"
    with pytest.raises(InvalidInput, match="more than zero"):
        payment.refund(money("0", "BRL"), at=T0, now=T0)
    with pytest.raises(InvalidInput, match="2 decimal places"):
        payment.refund(money("0.001", "BRL"), at=T0, now=T0)
    with pytest.raises(InvalidInput):
        payment.refund(12, at=T0, now=T0)
    assert payment.refunded == 0 and payment.version == 2


def test_a_reversed_refund_is_refundable_again() -> None:
    payment, _ = _at("refunded")
    event = payment.reverse_refund(money("40", "BRL"), at=T0, now=T0, reason="refused_by_provider")
    assert (event.kind, event.to_status) == ("refund_reversed", "partially_refunded")
    assert payment.refundable == money("40", "BRL")
    with pytest.raises(RuleViolation, match="more than was refunded"):
        payment.reverse_refund(money("60.01", "BRL"), at=T0, now=T0)
    payment.reverse_refund(money("60", "BRL"), at=T0, now=T0)
    assert payment.status == "succeeded" and payment.refunded == 0


def test_disputes_block_refunds_and_end_won_or_lost() -> None:
    payment, _ = _at("partially_refunded")
    payment.open_dispute(at=T0, now=T0, reason="fraudulent")
    assert payment.refundable == money("0", "BRL")
    with pytest.raises(RuleViolation, match="'disputed' cannot be refunded"):
        payment.refund(money("1", "BRL"), at=T0, now=T0)
    won = payment.close_dispute(won=True, at=T0, now=T0)
    assert won.to_status == "partially_refunded"  # back where it was
    payment.open_dispute(at=T0, now=T0)
    lost = payment.close_dispute(won=False, at=T0, now=T0)
    assert (lost.to_status, lost.amount) == ("charged_back", money("60", "BRL"))
    with pytest.raises(RuleViolation, match="no open dispute"):
        payment.close_dispute(won=True, at=T0, now=T0)
    with pytest.raises(InvalidInput):
        _at("disputed")[0].close_dispute(won="yes", at=T0, now=T0)


def test_refund_statuses_are_not_reached_by_move() -> None:
    payment, _ = _at("succeeded")
    for status in ("refunded", "partially_refunded", "disputed", "charged_back", "created"):
        with pytest.raises(InvalidInput, match="refund"):
            payment.move(status, at=T0, now=T0)
    with pytest.raises(InvalidComponent):
        payment.move("paid", at=T0, now=T0)


def test_events_are_checked_when_made() -> None:
    payment = _payment()
    with pytest.raises(InvalidInput, match="in the future"):
        payment.move("succeeded", at=T0 + dt.timedelta(minutes=6), now=T0)
    with pytest.raises(InvalidComponent):
        payment.move("succeeded", at=T0, now=T0, source="telepathy")
    with pytest.raises(InvalidInput):
        payment.move("succeeded", at=dt.datetime(2026, 12, 3, 9, 0), now=T0)
    with pytest.raises(InvalidInput):
        payment.move("succeeded", at=T0, now=T0, reason="not a code!")
    assert payment.status == "created" and payment.version == 1


@pytest.mark.parametrize("status", STATUSES)
def test_replay_of_the_events_gives_the_state(status: str) -> None:
    payment, events = _at(status)
    assert replay(events, amount=payment.amount.amount) == (payment.status, payment.refunded)


def test_replay_finds_a_tampered_history() -> None:
    payment, events = _at("refunded")
    with pytest.raises(RuleViolation, match="missing"):
        replay(events[:1] + events[2:], amount=payment.amount.amount)
    with pytest.raises(RuleViolation, match="refunds more"):
        replay(events, amount=Decimal("99"))
    with pytest.raises(RuleViolation, match="at least"):
        replay([], amount=Decimal(1))


def test_a_payment_is_checked_on_construction() -> None:
    with pytest.raises(InvalidComponent, match="pix is paid in BRL, not EUR") as currency:
        Payment(customer_id=CUSTOMER, method="pix", amount=money("1", "EUR"), created_at=T0)
    assert currency.value.field == "amount.currency"
    with pytest.raises(InvalidComponent, match="no payment method"):
        Payment(customer_id=CUSTOMER, method="cheque", amount=money("1", "EUR"), created_at=T0)
    with pytest.raises(InvalidInput, match="0 decimal places"):
        Payment(customer_id=CUSTOMER, method="paypay", amount=money("1.5", "JPY"), created_at=T0)
    with pytest.raises(InvalidInput, match="more than zero"):
        Payment(customer_id=CUSTOMER, method="visa", amount=money("0", "EUR"), created_at=T0)
    card = Payment(customer_id=CUSTOMER, method="visa", amount=money("1", "CHF"), created_at=T0)
    assert card.currency == "CHF" and card.status == "created"  # card schemes: any currency
    assert Payment(customer_id=CUSTOMER, method="ideal_wero", amount=money("5", "EUR"),
                   created_at=T0).method == "ideal"  # an older key finds the method


def test_state_changes_only_through_the_methods() -> None:
    payment = _payment()
    for field, value in (("status", "succeeded"), ("refunded", Decimal(5)), ("version", 9),
                         ("amount", money("1", "BRL")), ("id", "01KAQ3V4J5ZC6Y3W8N0R2T4V6Y"),
                         ("provider_reference", "X")):
        with pytest.raises(InvalidInput, match="only through its methods"):
            setattr(payment, field, value)
    payment.instrument = "pix key •••@example.com.br"
    with pytest.raises(InvalidInput):
        payment.instrument = "4111 1111 1111 1111"
    assert payment.instrument == "pix key •••@example.com.br"


def test_references_take_the_form_settlements_give_them() -> None:
    slip = Payment(customer_id=CUSTOMER, method="boleto", amount=money("10", "BRL"),
                   created_at=T0, provider_reference="123.456.789-0")
    assert slip.provider_reference == "1234567890"
    slip.refer_to("00099 88")
    assert slip.provider_reference == "0009988"
    with pytest.raises(InvalidInput, match="txid"):
        Payment(customer_id=CUSTOMER, method="pix", amount=money("10", "BRL"), created_at=T0,
                provider_reference="PEDIDO-88")
    with pytest.raises(InvalidInput, match="no spaces"):
        Payment(customer_id=CUSTOMER, method="alipay", amount=money("10", "CNY"),
                created_at=T0, provider_reference="a b")


def test_repr_shows_codes_and_amounts_never_the_instrument_or_metadata() -> None:
    payment = Payment(customer_id=CUSTOMER, method="visa", amount=money("10", "EUR"),
                      created_at=T0, instrument="visa •••• 4242",
                      metadata={"note": "Jonas Petraitis"}, idempotency_key="order-jonas")
    text = repr(payment)
    assert "4242" not in text and "Jonas" not in text and "order-jonas" not in text
    assert "'visa'" in text and "EUR" in text


def test_a_step_is_a_status_or_a_refund_and_applies_like_the_methods() -> None:
    payment = _payment()
    PaymentStep(payment_id=payment.id, at=T0, status="succeeded").apply(payment, now=T0)
    event = PaymentStep(payment_id=payment.id, at=T0, refund=money("10", "BRL"),
                        provider_event_id="R1").apply(payment, now=T0)
    assert (event.kind, event.source, payment.refunded) == ("refund", "import", Decimal(10))
    with pytest.raises(InvalidInput, match="either a status or a refund"):
        PaymentStep(payment_id=payment.id, at=T0)
    with pytest.raises(InvalidInput, match="either"):
        PaymentStep(payment_id=payment.id, at=T0, status="failed", refund=money("1", "BRL"))
    with pytest.raises(InvalidInput, match="not a step"):
        PaymentStep(payment_id=payment.id, at=T0, status="refunded")
    with pytest.raises(RuleViolation):
        PaymentStep(payment_id=payment.id, at=T0, status="pending").apply(payment, now=T0)


def test_only_refundable_statuses_refund() -> None:
    assert frozenset({"succeeded", "partially_refunded"}) == REFUNDABLE
    for status in STATUSES:
        payment, _ = _at(status)
        if status in REFUNDABLE:
            before = payment.refunded
            payment.refund(money("0.01", "BRL"), at=T0, now=T0)
            assert payment.refunded == before + Decimal("0.01")
        else:
            with pytest.raises(RuleViolation):
                payment.refund(money("0.01", "BRL"), at=T0, now=T0)
