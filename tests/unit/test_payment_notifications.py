"""Provider notifications are verified before they are read; settlements name their payment."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput, InvalidSignature
from globalcrm.money import money
from globalcrm.payment_notifications import (
    ProviderUpdate,
    alipay_update,
    boleto_settlement,
    our_number,
    pix_settlement,
    pix_txid,
    pix_webhook,
    wechat_pay_update,
)
from tests import provider_messages as messages

NOW = dt.datetime(2026, 12, 3, 8, 0, 30, tzinfo=dt.UTC)
E2E = "E18236120202612031200s0123456789"


def test_the_real_alipay_notification_reads_as_a_payment_of_its_trade() -> None:
    record = messages.real_alipay_notification()
    update = alipay_update(record["params"], public_key_pem=record["alipay_public_key_pem"],
                           app_id="2019073166072302")
    assert (update.method, update.reference, update.status) == (
        "alipay", "20190815155618536-564-57", "succeeded"
    )
    assert update.paid == money("0.10", "CNY")
    assert update.event_id == "2019081500222155624068450559358070"
    assert update.provider_payment_id == "2019081522001468450512505578"
    # gmt_payment 2019-08-15 15:56:24 is Beijing time
    assert update.occurred_at == dt.datetime(2019, 8, 15, 7, 56, 24, tzinfo=dt.UTC)


def test_an_alipay_notification_that_does_not_verify_is_refused_before_it_is_read() -> None:
    record = messages.real_alipay_notification()
    tampered = {**record["params"], "total_amount": "1000.10"}
    with pytest.raises(InvalidSignature) as refused:
        alipay_update(tampered, public_key_pem=record["alipay_public_key_pem"])
    assert refused.value.field == "params.sign"
    forged = messages.alipay_notification(out_trade_no="X", trade_status="TRADE_SUCCESS")
    with pytest.raises(InvalidSignature):  # signed, but not by Alipay's key
        alipay_update(forged, public_key_pem=record["alipay_public_key_pem"])
    with pytest.raises(InvalidComponent, match="another app"):
        alipay_update(record["params"], public_key_pem=record["alipay_public_key_pem"],
                      app_id="2021000000000001")


@pytest.mark.parametrize(
    ("fields", "status", "refunded"),
    [
        ({"trade_status": "WAIT_BUYER_PAY"}, "pending", None),
        ({"trade_status": "TRADE_SUCCESS", "gmt_payment": "2026-12-03 16:00:00"}, "succeeded",
         None),
        ({"trade_status": "TRADE_FINISHED"}, "succeeded", None),
        ({"trade_status": "TRADE_CLOSED", "gmt_close": "2026-12-03 18:00:00"}, "expired", None),
        ({"trade_status": "TRADE_SUCCESS", "refund_fee": "20.00", "out_biz_no": "R1",
          "gmt_refund": "2026-12-03 17:00:00"}, "succeeded", "20.00"),
        ({"trade_status": "TRADE_CLOSED", "refund_fee": "88.88"}, "succeeded", "88.88"),
    ],
)
def test_alipay_trade_statuses(fields: dict[str, str], status: str, refunded: str | None) -> None:
    params = messages.alipay_notification(
        out_trade_no="ORDER-1042", trade_no="2026120322001468450512505578",
        notify_id="n-1", total_amount="88.88", **fields,
    )
    update = alipay_update(params, public_key_pem=messages.public_key_pem())
    assert update.status == status
    assert update.refunded_total == (None if refunded is None else money(refunded, "CNY"))
    assert update.paid == money("88.88", "CNY")
    if "gmt_refund" in fields:
        assert update.occurred_at == dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
        assert update.refund_id == "R1"


def test_alipay_notifications_missing_what_they_need_are_refused() -> None:
    key = messages.public_key_pem()
    with pytest.raises(InvalidComponent, match="trade_status"):
        alipay_update(messages.alipay_notification(out_trade_no="A", notify_id="n",
                                                   trade_status="PAID"), public_key_pem=key)
    with pytest.raises(InvalidFormat, match="out_trade_no"):
        alipay_update(messages.alipay_notification(notify_id="n", trade_status="TRADE_SUCCESS"),
                      public_key_pem=key)
    with pytest.raises(InvalidFormat):
        alipay_update(messages.alipay_notification(out_trade_no="A", notify_id="n",
                                                   trade_status="TRADE_SUCCESS",
                                                   total_amount="1,00"), public_key_pem=key)
    with pytest.raises(InvalidFormat):
        alipay_update(messages.alipay_notification(out_trade_no="A", notify_id="n",
                                                   trade_status="TRADE_SUCCESS",
                                                   gmt_payment="yesterday"), public_key_pem=key)


def _wechat(resource: dict[str, Any], event_type: str = "TRANSACTION.SUCCESS") -> ProviderUpdate:
    headers, body = messages.wechat_pay_notification(resource, event_type=event_type, now=NOW)
    return wechat_pay_update(
        headers, body, platform_certificate_pem=messages.platform_certificate_pem(),
        api_v3_key=messages.API_V3_KEY, now=NOW, mchid="1230000109",
    )


@pytest.mark.parametrize(
    ("state", "status"),
    [("SUCCESS", "succeeded"), ("NOTPAY", "pending"), ("USERPAYING", "pending"),
     ("CLOSED", "expired"), ("REVOKED", "cancelled"), ("PAYERROR", "failed"), ("REFUND", None)],
)
def test_wechat_pay_trade_states(state: str, status: str | None) -> None:
    update = _wechat(messages.wechat_transaction("ORDER-7", state=state, total=12345))
    assert (update.method, update.reference, update.status) == (
        "wechat_pay", "ORDER-7", status
    )
    assert update.paid == money("123.45", "CNY")
    assert update.occurred_at == dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)


def test_wechat_pay_refund_notifications_report_a_refund_when_it_succeeded() -> None:
    done = _wechat(messages.wechat_refund("ORDER-7", refund=2000, out_refund_no="RF-1"),
                   "REFUND.SUCCESS")
    assert done.refund == money("20.00", "CNY")
    assert done.refund_id == "RF-1" and done.status is None
    abnormal = _wechat(messages.wechat_refund("ORDER-7", refund=2000, out_refund_no="RF-1",
                                              status="ABNORMAL"), "REFUND.ABNORMAL")
    assert abnormal.refund is None and abnormal.status is None


def test_wechat_pay_notifications_that_do_not_verify_are_refused() -> None:
    resource = messages.wechat_transaction("ORDER-7")
    headers, body = messages.wechat_pay_notification(resource, event_type="TRANSACTION.SUCCESS",
                                                     now=NOW)
    cert = messages.platform_certificate_pem()
    changed = body.replace('"EV-1"', '"EV-2"')
    with pytest.raises(InvalidSignature):
        wechat_pay_update(headers, changed, platform_certificate_pem=cert,
                          api_v3_key=messages.API_V3_KEY, now=NOW)
    with pytest.raises(InvalidSignature, match="5 minutes"):
        wechat_pay_update(headers, body, platform_certificate_pem=cert,
                          api_v3_key=messages.API_V3_KEY, now=NOW + dt.timedelta(minutes=6))
    with pytest.raises(InvalidSignature):  # signed, but the resource is not under this key
        wechat_pay_update(headers, body, platform_certificate_pem=cert,
                          api_v3_key="fedcba9876543210FEDCBA9876543210", now=NOW)
    with pytest.raises(InvalidComponent, match="another merchant"):
        wechat_pay_update(headers, body, platform_certificate_pem=cert,
                          api_v3_key=messages.API_V3_KEY, now=NOW, mchid="1900000109")


def test_pix_settlements_and_the_bcb_webhook() -> None:
    paid = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    update = pix_settlement(txid="PEDIDO88", amount=money("149.90", "BRL"), paid_at=paid,
                            end_to_end_id=E2E)
    assert (update.reference, update.status, update.event_id) == ("PEDIDO88", "succeeded", E2E)
    with pytest.raises(InvalidComponent, match="BRL"):
        pix_settlement(txid="PEDIDO88", amount=money("1", "EUR"), paid_at=paid, end_to_end_id=E2E)
    with pytest.raises(InvalidFormat, match="end-to-end"):
        pix_settlement(txid="PEDIDO88", amount=money("1", "BRL"), paid_at=paid,
                       end_to_end_id="E123")
    body = json.dumps({"pix": [
        {"endToEndId": E2E, "txid": "7978c0c97ea847e78e8849634473c1f1", "valor": "110.00",
         "horario": "2020-09-09T20:15:00.358Z", "infoPagador": "0123456789",
         "devolucoes": [
             {"id": "123ABC", "rtrId": "D12345678202009091000abcde123456", "valor": "10.00",
              "horario": {"solicitacao": "2020-09-09T20:15:00.358Z",
                          "liquidacao": "2020-09-09T20:15:01.000Z"}, "status": "DEVOLVIDO"},
             {"id": "124ABC", "rtrId": "D12345678202009091000abcde123457", "valor": "5.00",
              "horario": {"solicitacao": "2020-09-09T20:16:00.000Z"},
              "status": "EM_PROCESSAMENTO"},
         ]},
        {"endToEndId": "E12345678202009091221syhgfgufg", "valor": "1.00",
         "horario": "2020-09-09T20:15:00.358Z"},  # paid to a key, not a charge
    ]})
    updates = pix_webhook(body)
    assert [(u.reference, u.status, u.paid, u.refund) for u in updates] == [
        ("7978c0c97ea847e78e8849634473c1f1", "succeeded", money("110.00", "BRL"), None),
        ("7978c0c97ea847e78e8849634473c1f1", None, None, money("10.00", "BRL")),
    ]
    assert updates[1].event_id == "D12345678202009091000abcde123456"
    assert updates[1].occurred_at == dt.datetime(2020, 9, 9, 20, 15, 1, tzinfo=dt.UTC)
    for junk in ("[]", "{}", '{"pix": [1]}', '{"pix": [{"txid": "a", "valor": 1}]}', b"\xff"):
        with pytest.raises(InvalidInput):
            pix_webhook(junk)


def test_boleto_settlements_name_the_slip_by_its_our_number() -> None:
    paid = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)
    update = boleto_settlement(our_number="123.456.789-0", amount=money("152.30", "BRL"),
                               paid_at=paid)
    assert (update.reference, update.event_id) == ("1234567890", "boleto:1234567890:2026-12-03")
    assert boleto_settlement(our_number="7", amount=money("1", "BRL"), paid_at=paid,
                             event_id="CNAB-000123").event_id == "CNAB-000123"
    assert our_number(" 0001234-5 ") == "00012345"
    assert pix_txid(" PEDIDO88 ") == "PEDIDO88"
    for number in ("", "12#4", "9" * 26, 12):
        with pytest.raises(InvalidFormat):
            our_number(number)
    for txid in ("", "PEDIDO-88", "x" * 36, None):
        with pytest.raises(InvalidFormat):
            pix_txid(txid)
