"""Junk into every public function of payment records, instruments, notifications, gateways and
``crm.payments``: only GlobalCRMError subclasses come out, and none of them repeats the junk.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from moneyed import Money

import globalcrm as gc
from globalcrm import payment_instruments, payment_notifications
from globalcrm.errors import GlobalCRMError
from globalcrm.money import money
from globalcrm.payment_gateways import GatewayResult
from globalcrm.payment_records import Payment, PaymentStep, replay
from tests import provider_messages as messages

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
SECRET = "4111 1111 1111 1111"
JUNK: list[Any] = [
    None, b"bytes", 12, 1.5, True, [], {}, (), "x" * 100_000, "\x00\x1b", "", " ", "\ud800",
    "🙂" * 50, SECRET, {"cvv": "123"}, [SECRET], Decimal("NaN"), Money("NaN", "EUR"),
    Money("1", "EUR"), Money("-5", "BRL"), Money("1.001", "JPY"), float("inf"),
    dt.datetime(2026, 1, 1), dt.date(2026, 1, 1), object(),
]


def _call(function: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Call with junk: a library error may come out, never another, never with the card in it.

    The payments.alipay and payments.wechat_pay modules chain a dependency's error as the cause
    of some of theirs (a UnicodeError, say); the readers here pass those through, so the chain
    is checked for the card number, not for being empty.
    """
    try:
        function(*args, **kwargs)
    except GlobalCRMError as error:
        text = "".join(traceback.format_exception(error))
        assert "1111 1111" not in text and "4111111111111111" not in text, text[-300:]


def _own(function: Callable[..., object], *args: object, **kwargs: object) -> None:
    """Like :func:`_call`, for code of this issue: no foreign error is chained as the cause."""
    caught: GlobalCRMError | None = None
    try:
        function(*args, **kwargs)
    except GlobalCRMError as error:
        caught = error
    if caught is not None:
        text = "".join(traceback.format_exception(caught))
        assert "1111 1111" not in text and "4111111111111111" not in text, text[-300:]
        assert caught.__cause__ is None or isinstance(caught.__cause__, GlobalCRMError)


@pytest.mark.parametrize("junk", JUNK, ids=lambda v: repr(v)[:24])
def test_domain_functions_only_raise_library_errors(junk: object) -> None:
    base: dict[str, Any] = {
        "customer_id": "01KAQ3V4J5ZC6Y3W8N0R2T4V6X", "method": "pix",
        "amount": money("10", "BRL"), "created_at": T0,
    }
    for field in (*base, "purchase_id", "provider", "provider_reference", "instrument",
                  "metadata", "idempotency_key", "status", "tenant", "id"):
        _own(Payment, **{**base, field: junk})
    payment = Payment(**base)
    payment.opening_event(now=T0)
    _own(payment.move, junk, at=T0, now=T0)
    _own(payment.move, "succeeded", at=junk, now=T0)
    _own(payment.move, "pending", at=T0, now=T0, source=junk)
    _own(payment.move, "pending", at=T0, now=T0, reason=junk)
    _own(payment.move, "pending", at=T0, now=T0, provider_event_id=junk)
    _own(payment.move, "pending", at=T0, now=T0, amount=junk)
    _own(payment.refund, junk, at=T0, now=T0)
    _own(payment.reverse_refund, junk, at=T0, now=T0)
    _own(payment.close_dispute, won=junk, at=T0, now=T0)
    _own(payment.refer_to, junk)
    _own(setattr, payment, "instrument", junk)
    _own(setattr, payment, "metadata", junk)
    for field in ("payment_id", "at", "status", "refund", "source", "reason",
                  "provider_event_id"):
        _own(PaymentStep, **{"payment_id": payment.id, "at": T0, "status": "pending",
                              field: junk})
    _own(replay, [junk], amount=Decimal(1))
    _own(payment_instruments.instrument_reference, junk)
    _own(payment_instruments.check_metadata, junk)
    _own(payment_instruments.check_metadata, {"x": junk})
    for field in ("status", "provider_reference", "instrument", "reason", "occurred_at",
                  "provider_event_id"):
        _own(GatewayResult, **{"status": "succeeded", field: junk})


@pytest.mark.parametrize("junk", JUNK, ids=lambda v: repr(v)[:24])
def test_notification_readers_only_raise_library_errors(junk: object) -> None:
    key = messages.public_key_pem()
    cert = messages.platform_certificate_pem()
    _call(payment_notifications.alipay_update, junk, public_key_pem=key)
    _call(payment_notifications.alipay_update, {"sign": "x"}, public_key_pem=junk)
    signed = messages.alipay_notification(out_trade_no="A", notify_id="n",
                                          trade_status="TRADE_SUCCESS")
    _call(payment_notifications.alipay_update, signed, public_key_pem=key, app_id=junk)
    _call(payment_notifications.wechat_pay_update, junk, "{}", platform_certificate_pem=cert,
          api_v3_key=messages.API_V3_KEY, now=T0)
    _call(payment_notifications.wechat_pay_update, {}, junk, platform_certificate_pem=cert,
          api_v3_key=messages.API_V3_KEY, now=T0)
    headers, body = messages.wechat_pay_notification(messages.wechat_transaction("A"),
                                                     event_type="TRANSACTION.SUCCESS", now=T0)
    _call(payment_notifications.wechat_pay_update, headers, body, platform_certificate_pem=cert,
          api_v3_key=junk, now=T0)
    _call(payment_notifications.wechat_pay_update, headers, body, platform_certificate_pem=cert,
          api_v3_key=messages.API_V3_KEY, now=junk)
    for field in ("txid", "amount", "paid_at", "end_to_end_id"):
        _call(payment_notifications.pix_settlement, **{
            "txid": "PEDIDO88", "amount": money("1", "BRL"), "paid_at": T0,
            "end_to_end_id": "E18236120202612031200s0123456789", field: junk,
        })
    for field in ("our_number", "amount", "paid_at", "event_id"):
        _call(payment_notifications.boleto_settlement, **{
            "our_number": "123", "amount": money("1", "BRL"), "paid_at": T0, field: junk,
        })
    _call(payment_notifications.pix_webhook, junk)
    _call(payment_notifications.pix_webhook, {"pix": [junk]})
    _call(payment_notifications.pix_webhook, {"pix": [{"txid": "A", "valor": junk}]})


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[gc.CRM, Payment]]:
    path: Path = tmp_path_factory.mktemp("junk") / "crm.db"
    crm = gc.open(f"sqlite:///{path}")
    customer = crm.customers.add(
        gc.Customer(name=gc.PersonName(given="Ana", locale="pt-BR"), country="BR",
                    language="pt-BR", time_zone="America/Sao_Paulo", currency="BRL"),
        now=T0,
    )
    payment = crm.payments.record(customer, method="pix", amount=money("10", "BRL"),
                                  status="succeeded", now=T0)
    yield crm, payment
    crm.close()


@pytest.mark.parametrize("junk", JUNK, ids=lambda v: repr(v)[:24])
def test_crm_payments_only_raise_library_errors(
    store: tuple[gc.CRM, Payment], junk: object
) -> None:
    crm, payment = store
    area = crm.payments
    good: dict[str, Any] = {"method": "pix", "amount": money("1", "BRL"), "now": T0}
    _own(area.record, junk, **good)
    for field in ("method", "amount", "status", "occurred_at", "purchase_id", "provider",
                  "provider_reference", "instrument", "metadata", "idempotency_key", "source",
                  "now"):
        _own(area.record, payment.customer_id, **{**good, field: junk})
    _own(area.methods_for, junk)
    _own(area.methods_for, payment.customer_id, junk)
    _own(area.get, junk)
    _own(area.history, junk)
    _own(area.find, method=junk, provider_reference="A")
    _own(area.find, method="pix", provider_reference=junk)
    for field in ("customer", "status", "method", "after", "limit"):
        _own(area.list, **{field: junk})
    _own(area.move, payment, junk)
    _own(area.move, payment, "pending", occurred_at=junk)
    _own(area.refund, payment, junk)
    _own(area.refund, payment, money("1", "BRL"), idempotency_key=junk, now=T0)
    _own(area.refund, payment, money("1", "BRL"), gateway=junk, now=T0)
    _own(area.reverse_refund, payment, junk)
    _own(area.open_dispute, payment, reason=junk)
    _own(area.close_dispute, payment, won=junk)
    _own(area.apply, junk)
    _own(area.apply_alipay, junk, public_key_pem=messages.public_key_pem())
    _own(area.apply_wechat_pay, junk, junk, platform_certificate_pem=junk, api_v3_key=junk)
    _own(area.settle_pix, txid=junk, amount=junk, paid_at=junk, end_to_end_id=junk)
    _own(area.settle_boleto, our_number=junk, amount=junk, paid_at=junk)
    _own(area.record_steps, junk)
    _own(area.record_steps, [junk])
    _own(area.submit, payment, junk)
    _own(area.capture, junk, junk)
    stored = area.get(payment)  # junk that happens to be a valid value may have moved it
    assert 0 <= stored.refunded <= stored.amount.amount
