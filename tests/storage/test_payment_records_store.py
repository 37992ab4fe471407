"""crm.payments on SQLite and PostgreSQL: records, idempotency, refunds, provider updates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

import globalcrm as gc
from globalcrm.errors import InvalidSignature
from globalcrm.money import money
from globalcrm.payment_gateways import GatewayRequest, GatewayResult, RefundRequest
from globalcrm.payment_notifications import pix_webhook
from globalcrm.payment_records import PaymentStep, replay
from globalcrm.storage import tables
from tests import provider_messages as messages

NOW = dt.datetime(2026, 12, 3, 8, 0, 30, tzinfo=dt.UTC)
E2E = "E18236120202612031200s0123456789"


def _customer(crm: gc.CRM, country: str = "BR", **extra: Any) -> gc.Customer:
    places = {
        "BR": ("pt-BR", "America/Sao_Paulo", "BRL"),
        "CN": ("zh-Hans", "Asia/Shanghai", "CNY"),
        "NL": ("nl", "Europe/Amsterdam", "EUR"),
        "IN": ("hi", "Asia/Kolkata", "INR"),
    }
    language, zone, currency = places[country]
    return crm.customers.add(
        gc.Customer(name=gc.PersonName(given="Ana", surname="Silva", locale=language),
                    country=country, language=language, time_zone=zone, currency=currency,
                    **extra),
        now=NOW,
    )


def _counts(crm: gc.CRM) -> tuple[int, int, int]:
    with crm._engine.connect() as connection:
        return (
            connection.execute(select(func.count()).select_from(tables.payments)).scalar_one(),
            connection.execute(
                select(func.count()).select_from(tables.payment_events)
            ).scalar_one(),
            connection.execute(
                select(func.count()).select_from(tables.audit_entries)
            ).scalar_one(),
        )


def test_methods_for_a_customer_follow_country_currency_and_stated_preferences(
    crm: gc.CRM,
) -> None:
    brazil = _customer(crm, "BR")
    keys = [m.key for m in crm.payments.methods_for(brazil)]
    assert keys[0] == "pix" and "boleto" in keys and "ideal" not in keys
    fan = _customer(crm, "BR", attributes={"preferred_payment_methods": ["boleto", "ideal"]})
    stored = [m.key for m in crm.payments.methods_for(fan.id, money("100", "BRL"))]
    assert stored[0] == "boleto" and "ideal" not in stored  # not used in Brazil: left out
    dutch = _customer(crm, "NL")
    assert next(m.key for m in crm.payments.methods_for(dutch)) == "ideal"
    odd = _customer(crm, "NL", attributes={"preferred_payment_methods": ["ideal", "cheque"]})
    with pytest.raises(gc.InvalidInput) as unknown:
        crm.payments.methods_for(odd)
    assert unknown.value.field == "attributes.preferred_payment_methods[1]"
    with pytest.raises(gc.NotFound):
        crm.payments.methods_for("01KAQ3V4J5ZC6Y3W8N0R2T4V6X")


def test_a_payment_is_stored_with_its_history_and_listed(crm: gc.CRM) -> None:
    ana = _customer(crm)
    payment = crm.payments.record(
        ana, method="pix", amount=money("149.90", "BRL"), provider_reference="PEDIDO88",
        purchase_id="01KAQ3V4J5ZC6Y3W8N0R2T4V6Y", metadata={"order": "88"},
        instrument="pix copia e cola", now=NOW,
    )
    assert crm.payments.get(payment.id).__dict__ == payment.__dict__
    assert crm.payments.find(method="pix", provider_reference="PEDIDO88").id == payment.id
    [opening] = crm.payments.history(payment)
    assert (opening.seq, opening.from_status, opening.to_status) == (1, None, "created")
    at_till = crm.payments.record(ana.id, method="visa", amount=money("20", "BRL"),
                                  status="succeeded", instrument="visa •••• 4242", now=NOW)
    assert at_till.paid_at == NOW and [e.to_status for e in crm.payments.history(at_till)] == [
        "created", "succeeded"
    ]
    page = crm.payments.list(customer=ana, limit=1)
    assert [p.id for p in page] == [at_till.id] and page.next_cursor is not None
    assert [p.id for p in crm.payments.list(after=page.next_cursor)] == [payment.id]
    assert [p.id for p in crm.payments.list(status="succeeded")] == [at_till.id]
    assert [p.id for p in crm.payments.list(method="pix")] == [payment.id]
    assert crm.for_tenant("other").payments.list().items == []
    with pytest.raises(gc.NotFound):
        crm.for_tenant("other").payments.get(payment.id)


def test_a_retried_record_returns_the_first_payment(crm: gc.CRM) -> None:
    ana = _customer(crm)
    first = crm.payments.record(ana, method="boleto", amount=money("10", "BRL"),
                                idempotency_key="checkout-77", provider_reference="000123")
    again = crm.payments.record(ana, method="boleto", amount=money("10", "BRL"),
                                idempotency_key="checkout-77", provider_reference="000123")
    assert again.id == first.id and _counts(crm)[:2] == (1, 1)
    with pytest.raises(gc.Conflict, match="another payment") as reused:
        crm.payments.record(ana, method="boleto", amount=money("11", "BRL"),
                            idempotency_key="checkout-77")
    assert reused.value.field == "idempotency_key"
    with pytest.raises(gc.Conflict, match="provider reference"):
        crm.payments.record(ana, method="boleto", amount=money("10", "BRL"),
                            provider_reference="0001-23")  # the same nosso número
    assert _counts(crm)[:2] == (1, 1)


def test_refused_records_leave_the_store_as_it_was(crm: gc.CRM) -> None:
    ana = _customer(crm)
    before = _counts(crm)
    with pytest.raises(gc.NotFound):
        crm.payments.record("01KAQ3V4J5ZC6Y3W8N0R2T4V6X", method="pix",
                            amount=money("1", "BRL"))
    with pytest.raises(gc.InvalidInput, match="full card number"):
        crm.payments.record(ana, method="visa", amount=money("1", "BRL"),
                            instrument="4111 1111 1111 1111")
    with pytest.raises(gc.InvalidInput, match="never stored"):
        crm.payments.record(ana, method="visa", amount=money("1", "BRL"),
                            metadata={"card": {"cvc": "123"}})
    with pytest.raises(gc.InvalidInput, match="BRL"):
        crm.payments.record(ana, method="pix", amount=money("1", "EUR"))
    with pytest.raises(gc.InvalidInput):
        crm.payments.record(ana, method="pix", amount=money("1", "BRL"), status="refunded")
    assert _counts(crm) == before


def test_refunds_add_up_to_at_most_what_was_paid_and_retries_count_once(crm: gc.CRM) -> None:
    ana = _customer(crm)
    payment = crm.payments.record(ana, method="pix", amount=money("100.00", "BRL"),
                                  status="succeeded")
    crm.payments.refund(payment, money("30.00", "BRL"), idempotency_key="rf-1",
                        reason="requested_by_customer")
    again = crm.payments.refund(payment.id, money("30.00", "BRL"), idempotency_key="rf-1")
    assert (again.status, again.refunded) == ("partially_refunded", Decimal("30.00"))
    with pytest.raises(gc.Conflict):
        crm.payments.refund(payment, money("31.00", "BRL"), idempotency_key="rf-1")
    before = _counts(crm)
    with pytest.raises(gc.RuleViolation, match=r"70\.00 BRL left"):
        crm.payments.refund(payment, money("70.01", "BRL"))
    assert _counts(crm) == before
    done = crm.payments.refund(payment, money("70.00", "BRL"))
    assert (done.status, done.refunded, done.refundable) == (
        "refunded", Decimal("70.00") + Decimal("30.00"), money("0", "BRL")
    )
    events = crm.payments.history(payment)
    assert replay(events, amount=Decimal(100)) == ("refunded", Decimal("100.00"))
    assert [e.kind for e in events] == ["status", "status", "refund", "refund"]


def test_steps_disputes_and_their_idempotency(crm: gc.CRM) -> None:
    ana = _customer(crm)
    payment = crm.payments.record(ana, method="mastercard", amount=money("50", "BRL"))
    crm.payments.move(payment, "authorised", idempotency_key="auth-1")
    crm.payments.move(payment, "authorised", idempotency_key="auth-1")  # a retry
    with pytest.raises(gc.Conflict):
        crm.payments.move(payment, "succeeded", idempotency_key="auth-1")
    with pytest.raises(gc.RuleViolation, match="'authorised' cannot become 'pending'"):
        crm.payments.move(payment, "pending")
    crm.payments.move(payment, "succeeded", source="gateway")
    crm.payments.open_dispute(payment, reason="fraudulent")
    with pytest.raises(gc.RuleViolation):
        crm.payments.refund(payment, money("1", "BRL"))
    lost = crm.payments.close_dispute(payment, won=False)
    assert lost.status == "charged_back" and lost.version == 5
    assert [(e.kind, e.source) for e in crm.payments.history(payment)][-2:] == [
        ("dispute_opened", "application"), ("dispute_lost", "application")
    ]


def test_the_real_alipay_notification_moves_its_payment(crm: gc.CRM) -> None:
    record = messages.real_alipay_notification()
    buyer = _customer(crm, "CN")
    payment = crm.payments.record(
        buyer, method="alipay", amount=money("0.10", "CNY"),
        provider_reference="20190815155618536-564-57",
        occurred_at=dt.datetime(2019, 8, 15, 7, 56, 22, tzinfo=dt.UTC),
    )
    tampered = {**record["params"], "trade_status": "TRADE_CLOSED"}
    before = _counts(crm)
    with pytest.raises(InvalidSignature):
        crm.payments.apply_alipay(tampered, public_key_pem=record["alipay_public_key_pem"])
    assert _counts(crm) == before and crm.payments.get(payment).status == "created"
    applied = crm.payments.apply_alipay(record["params"],
                                        public_key_pem=record["alipay_public_key_pem"],
                                        app_id="2019073166072302")
    assert applied.changed and applied.payment.status == "succeeded"
    [event] = applied.events
    assert (event.source, event.provider_event_id) == (
        "alipay_notification", "2019081500222155624068450559358070"
    )
    assert event.occurred_at == dt.datetime(2019, 8, 15, 7, 56, 24, tzinfo=dt.UTC)
    again = crm.payments.apply_alipay(record["params"],
                                      public_key_pem=record["alipay_public_key_pem"])
    assert not again.changed and len(crm.payments.history(payment)) == 2


def test_alipay_refund_notifications_record_what_was_not_recorded_yet(crm: gc.CRM) -> None:
    key = messages.public_key_pem()
    buyer = _customer(crm, "CN")
    payment = crm.payments.record(buyer, method="alipay", amount=money("88.88", "CNY"),
                                  provider_reference="ORDER-1042")

    def notify(notify_id: str, **fields: str) -> Any:
        params = messages.alipay_notification(out_trade_no="ORDER-1042", total_amount="88.88",
                                              notify_id=notify_id, **fields)
        return crm.payments.apply_alipay(params, public_key_pem=key, now=NOW)

    assert notify("n1", trade_status="WAIT_BUYER_PAY").payment.status == "pending"
    assert notify("n2", trade_status="TRADE_SUCCESS").payment.status == "succeeded"
    assert not notify("n3", trade_status="WAIT_BUYER_PAY").changed  # late and stale: ignored
    crm.payments.refund(payment, money("8.88", "CNY"))  # the shop refunded through the API
    partly = notify("n4", trade_status="TRADE_SUCCESS", refund_fee="20.00", out_biz_no="R2")
    assert partly.payment.refunded == Decimal("20.00")  # 8.88 known, 11.12 news
    assert partly.events[0].amount == money("11.12", "CNY")
    closed = notify("n5", trade_status="TRADE_CLOSED", refund_fee="88.88")
    assert (closed.payment.status, closed.payment.refunded) == ("refunded", Decimal("88.88"))


def test_an_amount_that_differs_is_refused_and_a_closed_payment_paid_is_flagged(
    crm: gc.CRM,
) -> None:
    key = messages.public_key_pem()
    buyer = _customer(crm, "CN")
    crm.payments.record(buyer, method="alipay", amount=money("88.88", "CNY"),
                        provider_reference="ORDER-1")
    cheap = messages.alipay_notification(out_trade_no="ORDER-1", total_amount="0.01",
                                         notify_id="n1", trade_status="TRADE_SUCCESS")
    with pytest.raises(gc.RuleViolation, match=r"0\.01 CNY paid"):
        crm.payments.apply_alipay(cheap, public_key_pem=key)
    expired = crm.payments.record(buyer, method="alipay", amount=money("5", "CNY"),
                                  provider_reference="ORDER-2", status="expired")
    late = messages.alipay_notification(out_trade_no="ORDER-2", total_amount="5.00",
                                        notify_id="n2", trade_status="TRADE_SUCCESS")
    with pytest.raises(gc.RuleViolation, match="settle it by hand"):
        crm.payments.apply_alipay(late, public_key_pem=key)
    assert crm.payments.get(expired).status == "expired"
    unknown = messages.alipay_notification(out_trade_no="ORDER-3", total_amount="5.00",
                                           notify_id="n3", trade_status="TRADE_SUCCESS")
    with pytest.raises(gc.NotFound):
        crm.payments.apply_alipay(unknown, public_key_pem=key)


def test_wechat_pay_payment_and_refund_notifications(crm: gc.CRM) -> None:
    buyer = _customer(crm, "CN")
    payment = crm.payments.record(buyer, method="wechat_pay", amount=money("100.00", "CNY"),
                                  provider_reference="ORDER-7", now=NOW)

    def deliver(resource: dict[str, Any], event_type: str, event_id: str) -> Any:
        headers, body = messages.wechat_pay_notification(resource, event_type=event_type,
                                                         now=NOW, event_id=event_id)
        return crm.payments.apply_wechat_pay(
            headers, body, platform_certificate_pem=messages.platform_certificate_pem(),
            api_v3_key=messages.API_V3_KEY, mchid="1230000109", now=NOW,
        )

    paid = deliver(messages.wechat_transaction("ORDER-7", total=10000), "TRANSACTION.SUCCESS",
                   "EV-1")
    assert paid.payment.status == "succeeded"
    crm.payments.refund(payment, money("20.00", "CNY"), idempotency_key="RF-1")
    known = deliver(messages.wechat_refund("ORDER-7", refund=2000, out_refund_no="RF-1"),
                    "REFUND.SUCCESS", "EV-2")
    assert not known.changed  # the shop's own refund, confirmed: not counted twice
    news = deliver(messages.wechat_refund("ORDER-7", refund=500, out_refund_no="RF-2"),
                   "REFUND.SUCCESS", "EV-3")
    assert news.payment.refunded == Decimal("25.00")
    assert not deliver(messages.wechat_refund("ORDER-7", refund=500, out_refund_no="RF-2"),
                       "REFUND.SUCCESS", "EV-3").changed
    headers, body = messages.wechat_pay_notification(
        messages.wechat_transaction("ORDER-7", total=10000), event_type="TRANSACTION.SUCCESS",
        now=NOW, event_id="EV-4",
    )
    before = _counts(crm)
    with pytest.raises(InvalidSignature):
        crm.payments.apply_wechat_pay(
            headers, body.replace("EV-4", "EV-5"),
            platform_certificate_pem=messages.platform_certificate_pem(),
            api_v3_key=messages.API_V3_KEY, now=NOW,
        )
    assert _counts(crm) == before


def test_pix_and_boleto_settlements_find_their_payment_by_reference(crm: gc.CRM) -> None:
    ana = _customer(crm)
    pix = crm.payments.record(ana, method="pix", amount=money("110.00", "BRL"),
                              provider_reference="7978c0c97ea847e78e8849634473c1f1",
                              occurred_at=dt.datetime(2020, 9, 9, 20, 0, tzinfo=dt.UTC))
    slip = crm.payments.record(ana, method="boleto", amount=money("150.00", "BRL"),
                               provider_reference="123.456.789-0", status="pending")
    body = {"pix": [{"endToEndId": E2E, "txid": "7978c0c97ea847e78e8849634473c1f1",
                     "valor": "110.00", "horario": "2020-09-09T20:15:00.358Z",
                     "devolucoes": [{"id": "D1", "rtrId": "D12345678202009091000abcde123456",
                                     "valor": "10.00", "status": "DEVOLVIDO",
                                     "horario": {"liquidacao": "2020-09-10T10:00:00Z"}}]}]}
    results = [crm.payments.apply(update) for update in pix_webhook(body)]
    assert [r.changed for r in results] == [True, True]
    stored = crm.payments.get(pix)
    assert (stored.status, stored.refunded) == ("partially_refunded", Decimal("10.00"))
    assert stored.paid_at == dt.datetime(2020, 9, 9, 20, 15, 0, 358000, tzinfo=dt.UTC)
    again = crm.payments.settle_pix(txid="7978c0c97ea847e78e8849634473c1f1",
                                    amount=money("110.00", "BRL"), paid_at=NOW, end_to_end_id=E2E)
    assert not again.changed
    with pytest.raises(gc.RuleViolation):  # a boleto paid short
        crm.payments.settle_boleto(our_number="1234567890", amount=money("149.99", "BRL"),
                                   paid_at=NOW)
    assert crm.payments.find(method="boleto", provider_reference="1234567890").id == slip.id
    assert crm.payments.find(method="boleto", provider_reference="123.456.789-0").id == slip.id
    late = crm.payments.settle_boleto(our_number="123 456 789 0", amount=money("152.30", "BRL"),
                                      paid_at=NOW)  # paid late, with interest
    assert late.payment.id == slip.id and late.payment.status == "succeeded"
    assert late.events[0].amount == money("152.30", "BRL")


class Provider:
    """A stand-in for the application's adapter to its payment provider (no network)."""

    provider = "acme_pay"

    def __init__(self, *, submit: str = "authorised", refund: str = "succeeded") -> None:
        self.answers = {"submit": submit, "refund": refund}
        self.requests: list[Any] = []

    def submit(self, request: GatewayRequest) -> GatewayResult:
        self.requests.append(request)
        return GatewayResult(status=self.answers["submit"], provider_reference="ch_1",
                             instrument="visa •••• 4242")

    def capture(self, request: GatewayRequest) -> GatewayResult:
        self.requests.append(request)
        return GatewayResult(status="succeeded")

    def refund(self, request: RefundRequest) -> GatewayResult:
        self.requests.append(request)
        if self.answers["refund"] == "raise":
            raise ConnectionError("the provider could not be reached")
        if self.answers["refund"] == "junk":
            return "ok"  # type: ignore[return-value]
        return GatewayResult(status=self.answers["refund"], reason="insufficient_balance")


def test_a_gateway_takes_the_payment_and_its_answer_is_recorded(crm: gc.CRM) -> None:
    ana = _customer(crm)
    payment = crm.payments.record(ana, method="visa", amount=money("60", "BRL"))
    gateway = Provider()
    submitted = crm.payments.submit(payment, gateway)
    assert (submitted.status, submitted.provider, submitted.provider_reference) == (
        "authorised", "acme_pay", "ch_1"
    )
    assert submitted.instrument == "visa •••• 4242"
    assert gateway.requests[0].idempotency_key == f"{payment.id}:submit"
    captured = crm.payments.capture(payment, gateway)
    assert captured.status == "succeeded"
    with pytest.raises(gc.RuleViolation):
        crm.payments.submit(payment, gateway)  # already paid
    refunded = crm.payments.refund(payment, money("10", "BRL"), gateway=gateway,
                                   idempotency_key="rf-9")
    assert refunded.refunded == Decimal(10)
    assert gateway.requests[-1].idempotency_key == "rf-9"
    assert [e.source for e in crm.payments.history(payment)][-1] == "gateway"


@pytest.mark.parametrize("answer", ["failed", "raise", "junk"])
def test_a_refund_the_gateway_does_not_carry_out_is_recorded_as_reversed(
    crm: gc.CRM, answer: str
) -> None:
    ana = _customer(crm)
    payment = crm.payments.record(ana, method="visa", amount=money("60", "BRL"),
                                  status="succeeded")
    with pytest.raises(gc.GlobalCRMError) as failed:
        crm.payments.refund(payment, money("10", "BRL"), gateway=Provider(refund=answer),
                            idempotency_key="rf-1")
    expected = {"failed": gc.RuleViolation, "raise": gc.PluginError, "junk": gc.InvalidInput}
    assert type(failed.value) is expected[answer]
    assert failed.value.__cause__ is None
    stored = crm.payments.get(payment)
    assert (stored.status, stored.refunded) == ("succeeded", Decimal(0))
    assert [e.kind for e in crm.payments.history(payment)][-2:] == ["refund", "refund_reversed"]
    with pytest.raises(gc.Conflict, match="new key"):
        crm.payments.refund(payment, money("10", "BRL"), gateway=Provider(),
                            idempotency_key="rf-1")
    with pytest.raises(gc.RuleViolation, match=r"inside crm\.transaction"), crm.transaction() as tx:
        tx.payments.refund(payment, money("1", "BRL"), gateway=Provider())


def test_steps_in_bulk_are_checked_like_single_calls_and_stored_all_or_nothing(
    crm: gc.CRM,
) -> None:
    ana = _customer(crm)
    payments = [crm.payments.record(ana, method="pix", amount=money("10", "BRL"), now=NOW)
                for _ in range(3)]
    steps = [
        PaymentStep(payment_id=p.id, at=NOW, status=status)
        for p in payments
        for status in ("pending", "succeeded")
    ] + [PaymentStep(payment_id=payments[0].id, at=NOW, refund=money("4", "BRL"))]
    bad = [*steps, PaymentStep(payment_id=payments[1].id, at=NOW, status="pending")]
    before = _counts(crm)
    with pytest.raises(gc.RuleViolation) as refused:
        crm.payments.record_steps(bad, now=NOW)
    assert refused.value.field == "steps[7].status"
    assert _counts(crm) == before
    with pytest.raises(gc.InvalidInput, match=r"steps\[0\]"):
        crm.payments.record_steps(["pending"], now=NOW)
    assert crm.payments.record_steps(steps, now=NOW) == 7
    stored = [crm.payments.get(p) for p in payments]
    assert [(p.status, p.refunded, p.version) for p in stored] == [
        ("partially_refunded", Decimal(4), 4), ("succeeded", Decimal(0), 3),
        ("succeeded", Decimal(0), 3),
    ]
    for payment in stored:
        events = crm.payments.history(payment)
        assert replay(events, amount=Decimal(10)) == (payment.status, payment.refunded)


def test_payments_outlive_their_customer_and_erasure_keeps_only_the_tax_record(
    crm: gc.CRM,
) -> None:
    ana = _customer(crm)
    payment = crm.payments.record(ana, method="visa", amount=money("60", "BRL"),
                                  status="succeeded", instrument="visa •••• 4242",
                                  metadata={"gift_message": "Parabéns, Ana!"},
                                  idempotency_key="order-ana-1")
    crm.payments.refund(payment, money("5", "BRL"), idempotency_key="rf-ana")
    crm.customers.delete(ana)
    with crm.transaction() as tx, tx._context.work() as uow:
        assert uow.payments.erase_customer(ana.id) == 1
    kept = crm.payments.get(payment)
    assert (kept.instrument, kept.metadata, kept.idempotency_key) == (None, {}, None)
    assert (kept.amount, kept.status, kept.method, kept.paid_at, kept.customer_id) == (
        money("60", "BRL"), "partially_refunded", "visa", payment.paid_at, ana.id
    )
    assert [e.idempotency_key for e in crm.payments.history(payment)] == [None, None, None]


def test_every_payment_column_says_what_export_and_erasure_do() -> None:
    for table in (tables.payments, tables.payment_events):
        for column in table.columns:
            info = column.info
            assert info["pii"] in tables.PII_CLASSES, column
            assert isinstance(info["export"], bool), column
            assert info["erase"] in ("keep", "null", "anonymise"), column
            if info["erase"] == "keep":
                assert "2006/112/EC art. 247" in str(info["ground"]), column
    assert tables.payments.c.instrument.info["erase"] == "null"
    assert not tables.payments.c.customer_id.foreign_keys  # kept after the customer goes
    assert not tables.payments.c.purchase_id.foreign_keys  # purchases are stored elsewhere
