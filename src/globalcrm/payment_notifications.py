"""Provider notifications and bank settlements, verified and read as updates of one payment.

An Alipay or WeChat Pay notification is verified with :mod:`globalcrm.payments.alipay` or
:mod:`globalcrm.payments.wechat_pay` before anything is read from it (``InvalidSignature``
otherwise); a Pix or Boleto settlement comes from the bank over mutual TLS or in a return file
and names its payment by the Pix ``txid`` or the Boleto "nosso número" (our number). Each
becomes a :class:`ProviderUpdate`; ``crm.payments.apply`` finds the payment by its
``provider_reference`` and moves it.

Specs:

- Alipay asynchronous notification (https://opendocs.alipay.com/open/203/105286; English:
  https://global.alipay.com/docs/ac/app/async): ``trade_status`` ``WAIT_BUYER_PAY`` (pending),
  ``TRADE_SUCCESS`` and ``TRADE_FINISHED`` (paid; the second once refunds are no longer
  possible), ``TRADE_CLOSED`` (closed unpaid, or fully refunded: then ``refund_fee`` is set).
  ``refund_fee`` is the trade's refunded total so far. Times are Beijing time (UTC+8).
- WeChat Pay API v3 payment and refund notifications
  (https://pay.weixin.qq.com/doc/v3/merchant/4012791861,
  https://pay.weixin.qq.com/doc/v3/merchant/4012791865): ``event_type`` ``TRANSACTION.*`` with
  ``trade_state`` (``SUCCESS``, ``NOTPAY``, ``USERPAYING``, ``CLOSED``, ``REVOKED``,
  ``PAYERROR``, ``REFUND``), ``REFUND.*`` with ``refund_status``; amounts in fen.
- Pix: the Banco Central do Brasil API Pix webhook (https://bacen.github.io/pix-api/, "Webhook":
  ``pix`` items with ``endToEndId``, ``txid``, ``valor``, ``horario`` and ``devolucoes``); the
  ``txid`` of a charge is 26-35 letters and digits (1-25 in a static BR Code); the end-to-end
  id is ``E`` + the payer's ISPB (8 digits) + ``yyyyMMddHHmm`` + 11 letters or digits
  (Manual de Padrões para Iniciação do Pix).
- Boleto: the bank's return of a paid slip (CNAB 240/400 "retorno", occurrence "liquidação")
  names it by its nosso número, a number the bank or the company assigns (FEBRABAN layout).

```pycon
>>> import datetime as dt
>>> from globalcrm.money import money
>>> update = pix_settlement(txid="PEDIDO88", amount=money("149.90", "BRL"),
...     paid_at=dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC),
...     end_to_end_id="E18236120202612031200s0123456789")
>>> update.method, update.reference, update.status, update.paid
('pix', 'PEDIDO88', 'succeeded', Money('149.90', 'BRL'))
>>> our_number("123.456.789-0")
'1234567890'

```
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

import attrs
from moneyed import Money

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidSignature, translate_errors
from globalcrm.money import minor_units, money, moneyed_currency
from globalcrm.payments import alipay, wechat_pay

__all__ = [
    "ProviderUpdate",
    "alipay_update",
    "boleto_settlement",
    "our_number",
    "pix_settlement",
    "pix_txid",
    "pix_webhook",
    "wechat_pay_update",
]

_BEIJING: Final = zoneinfo.ZoneInfo("Asia/Shanghai")
_TXID = re.compile(r"[A-Za-z0-9]{1,35}")
_END_TO_END = re.compile(r"E[0-9]{8}[0-9]{12}[A-Za-z0-9]{11}")
_OUR_NUMBER = re.compile(r"[0-9A-Z]{1,25}")
_PROVIDER_ID = re.compile(r"[\x21-\x7e]{1,200}")
_MAX_PIX_ITEMS = 1000

_ALIPAY_STATUS: Final = {
    "WAIT_BUYER_PAY": "pending",
    "TRADE_SUCCESS": "succeeded",
    "TRADE_FINISHED": "succeeded",
    "TRADE_CLOSED": "expired",
}
_WECHAT_STATUS: Final = {
    "SUCCESS": "succeeded",
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "CLOSED": "expired",
    "REVOKED": "cancelled",
    "PAYERROR": "failed",
    "REFUND": None,  # a refund is under way: its own REFUND.* notification moves the payment
}


@attrs.frozen(kw_only=True)
class ProviderUpdate:
    """What a verified provider message or bank settlement says happened to one payment."""

    method: str
    """The catalog key of the payment's method: ``alipay``, ``wechat_pay``, ``pix``, ``boleto``."""
    reference: str
    """The payment's ``provider_reference``: ``out_trade_no``, the txid, the nosso número."""
    source: str
    """Where it came from (a value of ``payment_records.SOURCES``)."""
    event_id: str
    """The message's own id (Alipay ``notify_id``, WeChat Pay notification id, Pix end-to-end
    id): a message delivered twice is applied once."""
    status: str | None = None
    """The status it reports, ``None`` when it moves nothing (a refund under way)."""
    paid: Money | None = None
    """What it says was paid, checked against the payment's amount."""
    refunded_total: Money | None = None
    """The refunded total so far (Alipay ``refund_fee``)."""
    refund: Money | None = None
    """One refund it reports as done (WeChat Pay, a Pix devolução)."""
    refund_id: str | None = None
    """The refund's id (``out_refund_no``, the devolução id)."""
    occurred_at: dt.datetime | None = None
    """When it happened, as the provider says."""
    provider_payment_id: str | None = None
    """The provider's id of the payment (Alipay ``trade_no``, WeChat Pay ``transaction_id``)."""


# --------------------------------------------------------------------------- references


def pix_txid(value: object, *, field: str = "txid") -> str:
    """A Pix ``txid``: 1-35 letters and digits (26-35 for a charge made through the API Pix)."""
    if not isinstance(value, str) or not _TXID.fullmatch(value.strip()):
        raise InvalidFormat("a Pix txid is 1-35 letters and digits", field=field)
    return value.strip()


def our_number(value: object, *, field: str = "our_number") -> str:
    """A Boleto nosso número without its separators (``123.456.789-0`` is ``1234567890``)."""
    if not isinstance(value, str):
        raise InvalidFormat("expected the nosso número as text", field=field)
    compact = re.sub(r"[\s./-]", "", value).upper()
    if not _OUR_NUMBER.fullmatch(compact):
        raise InvalidFormat("a nosso número is 1-25 digits (letters for some banks)", field=field)
    return compact


_our_number = our_number  # ``boleto_settlement`` has a parameter of that name


def _provider_id(value: object, field: str) -> str:
    if not isinstance(value, str) or not _PROVIDER_ID.fullmatch(value):
        raise InvalidFormat("expected the provider's id: printable ASCII, no spaces", field=field)
    return value


def _optional_id(value: object, field: str) -> str | None:
    return None if value is None or value == "" else _provider_id(value, field)


# --------------------------------------------------------------------------- Alipay


def _beijing(value: object, field: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    with translate_errors(
        (TypeError, ValueError), InvalidFormat, "expected 'yyyy-MM-dd HH:mm:ss'", field=field
    ):
        local = dt.datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - Beijing
    return local.replace(tzinfo=_BEIJING).astimezone(dt.UTC)


def alipay_update(
    params: object, *, public_key_pem: object, app_id: object = None
) -> ProviderUpdate:
    """Verify an Alipay notification's RSA2 signature, then read it as an update.

    ``params`` are the POSTed form parameters, URL-decoded. A signature that does not verify
    under the Alipay public key raises ``InvalidSignature`` before anything is read; a
    notification for another ``app_id`` than yours (when you give it) raises
    ``InvalidComponent``. Amounts are CNY (``total_amount``, ``refund_fee``).
    """
    if not alipay.verify_notification(params, public_key_pem=public_key_pem):
        raise InvalidSignature(
            "the notification's signature does not verify under this Alipay public key",
            field="params.sign",
        )
    assert isinstance(params, Mapping)  # noqa: S101 - verify_notification checked it
    values: dict[str, Any] = dict(params)
    if app_id is not None:
        expected = _checks.text(app_id, field="app_id", max_length=64)
        if values.get("app_id") != expected:
            raise InvalidComponent("the notification is for another app", field="params.app_id")
    state = values.get("trade_status")
    if state not in _ALIPAY_STATUS:
        raise InvalidComponent("unknown Alipay trade_status", field="params.trade_status")
    refund_fee = values.get("refund_fee") or None
    refunded = None if refund_fee is None else money(refund_fee, "CNY", field="params.refund_fee")
    status: str | None = _ALIPAY_STATUS[state]
    if refunded is not None and refunded.amount > 0:
        # The trade's refunded total: the refund steps come from it; a closed trade with a
        # refund was refunded in full, not left unpaid.
        status = "succeeded"
    total = values.get("total_amount") or None
    when = None
    for name in ("gmt_refund", "gmt_close", "gmt_payment", "notify_time"):
        if name == "gmt_refund" and refunded is None:
            continue
        when = when or _beijing(values.get(name), f"params.{name}")
    return ProviderUpdate(
        method="alipay",
        reference=_provider_id(values.get("out_trade_no"), "params.out_trade_no"),
        source="alipay_notification",
        event_id=_provider_id(values.get("notify_id"), "params.notify_id"),
        status=status,
        paid=None if total is None else money(total, "CNY", field="params.total_amount"),
        refunded_total=refunded,
        refund_id=_optional_id(values.get("out_biz_no"), "params.out_biz_no"),
        occurred_at=when,
        provider_payment_id=_optional_id(values.get("trade_no"), "params.trade_no"),
    )


# --------------------------------------------------------------------------- WeChat Pay


def _json_object(text: str | bytes, field: str) -> dict[str, Any]:
    with translate_errors(
        (ValueError, RecursionError), InvalidFormat, "not a JSON object", field=field
    ):
        document = json.loads(text)
    if not isinstance(document, dict):
        raise InvalidFormat("not a JSON object", field=field)
    return document


def _rfc3339(value: object, field: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidFormat("expected an RFC 3339 time", field=field)
    with translate_errors(ValueError, InvalidFormat, "expected an RFC 3339 time", field=field):
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return _checks.aware_utc(moment, field=field)


def _fen(value: object, currency: str, field: str) -> Money:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**15:
        raise InvalidFormat("expected a whole number of minor units", field=field)
    return Money(Decimal(value).scaleb(-minor_units(currency)), moneyed_currency(currency))


def _currency(amount: Mapping[str, Any], field: str) -> str:
    code = amount.get("currency", "CNY")
    return _checks.currency(code, field=f"{field}.currency")


def wechat_pay_update(
    headers: object,
    body: object,
    *,
    platform_certificate_pem: object,
    api_v3_key: object,
    now: object,
    mchid: object = None,
) -> ProviderUpdate:
    """Verify a WeChat Pay API v3 notification, decrypt its resource and read it as an update.

    The signature over timestamp, nonce and raw body must verify under the platform
    certificate (or WeChat Pay public key) and the timestamp be within 5 minutes of ``now``:
    ``InvalidSignature`` otherwise, before anything is read. A resource that does not decrypt
    under the APIv3 key is ``InvalidSignature`` too. Payment notifications (``TRANSACTION.*``)
    report a status; refund notifications (``REFUND.*``) a refund when it succeeded.
    """
    if not wechat_pay.verify_notification(
        headers, body, platform_certificate_pem=platform_certificate_pem, now=now
    ):
        raise InvalidSignature(
            "the notification's signature does not verify (or it is older than 5 minutes)",
            field="headers.Wechatpay-Signature",
        )
    assert isinstance(body, str | bytes)  # noqa: S101 - verify_notification checked it
    document = _json_object(body, "body")
    resource = _json_object(
        wechat_pay.decrypt_notification(body, api_v3_key=api_v3_key), "body.resource"
    )
    if mchid is not None:
        expected = _checks.text(mchid, field="mchid", max_length=32)
        if resource.get("mchid") not in (None, expected) or (
            "sp_mchid" in resource and resource.get("sp_mchid") != expected
        ):
            raise InvalidComponent("the notification is for another merchant", field="mchid")
    event_type = document.get("event_type")
    if not isinstance(event_type, str):
        raise InvalidFormat("the notification has no event_type", field="body.event_type")
    amount = resource.get("amount")
    if not isinstance(amount, dict):
        raise InvalidFormat("the resource has no amount", field="body.resource.amount")
    currency = _currency(amount, "body.resource.amount")
    update = ProviderUpdate(
        method="wechat_pay",
        reference=_provider_id(resource.get("out_trade_no"), "body.resource.out_trade_no"),
        source="wechat_pay_notification",
        event_id=_provider_id(document.get("id"), "body.id"),
        occurred_at=_rfc3339(resource.get("success_time"), "body.resource.success_time")
        or _rfc3339(document.get("create_time"), "body.create_time"),
        provider_payment_id=_optional_id(
            resource.get("transaction_id"), "body.resource.transaction_id"
        ),
    )
    if event_type.startswith("REFUND."):
        if resource.get("refund_status") != "SUCCESS":
            return update  # closed or abnormal: no money moved
        return attrs.evolve(
            update,
            refund=_fen(amount.get("refund"), currency, "body.resource.amount.refund"),
            refund_id=_optional_id(resource.get("out_refund_no"), "body.resource.out_refund_no"),
        )
    state = resource.get("trade_state")
    if state not in _WECHAT_STATUS:
        raise InvalidComponent("unknown WeChat Pay trade_state", field="body.resource.trade_state")
    return attrs.evolve(
        update,
        status=_WECHAT_STATUS[state],
        paid=_fen(amount.get("total"), currency, "body.resource.amount.total"),
    )


# --------------------------------------------------------------------------- Pix and Boleto


def pix_settlement(
    *, txid: object, amount: object, paid_at: object, end_to_end_id: object
) -> ProviderUpdate:
    """A Pix received: the charge's ``txid``, the amount (BRL ``Money``), when, its end-to-end id.

    The end-to-end id identifies the Pix: a settlement reported twice is applied once.
    """
    end_to_end = _end_to_end(end_to_end_id, "end_to_end_id")
    return ProviderUpdate(
        method="pix",
        reference=pix_txid(txid),
        source="pix_settlement",
        event_id=end_to_end,
        status="succeeded",
        paid=_brl(amount, "amount"),
        occurred_at=_checks.aware_utc(paid_at, field="paid_at"),
        provider_payment_id=end_to_end,
    )


def _end_to_end(value: object, field: str) -> str:
    if not isinstance(value, str) or not _END_TO_END.fullmatch(value.strip()):
        raise InvalidFormat(
            "a Pix end-to-end id is E, 8 digits of ISPB, 12 of date and time, 11 characters",
            field=field,
        )
    return value.strip()


def _brl(amount: object, field: str) -> Money:
    if not isinstance(amount, Money):
        raise InvalidFormat(f"expected Money, got {type(amount).__name__}", field=field)
    if amount.currency.code != "BRL":
        raise InvalidComponent("a Pix or Boleto is paid in BRL", field=f"{field}.currency")
    return money(amount.amount, "BRL", field=field)


def pix_webhook(body: object) -> tuple[ProviderUpdate, ...]:
    """Read the BCB API Pix webhook body (``{"pix": [...]}``) as one update per Pix.

    A Pix without a ``txid`` (paid to a key, not a charge) matches no payment and is left out.
    A devolução (refund) reported as ``DEVOLVIDO`` becomes an update of its own with
    ``refund`` set; the webhook is authenticated by mutual TLS, not signed.
    """
    if isinstance(body, bytes | str):
        if len(body) > 10_000_000:
            raise InvalidFormat("the body is too large", field="body")
        document: object = _json_object(body, "body")
    else:
        document = body
    if not isinstance(document, Mapping) or not isinstance(document.get("pix"), list):
        raise InvalidFormat("expected an object with a 'pix' list", field="body.pix")
    items = document["pix"]
    if len(items) > _MAX_PIX_ITEMS:
        raise InvalidFormat(f"more than {_MAX_PIX_ITEMS} items", field="body.pix")
    updates: list[ProviderUpdate] = []
    for index, item in enumerate(items):
        field = f"body.pix[{index}]"
        if not isinstance(item, Mapping):
            raise InvalidFormat("expected an object", field=field)
        if not item.get("txid"):
            continue
        paid = money(item.get("valor"), "BRL", field=f"{field}.valor")
        update = pix_settlement(
            txid=item.get("txid"),
            amount=paid,
            paid_at=_rfc3339(item.get("horario"), f"{field}.horario"),
            end_to_end_id=item.get("endToEndId"),
        )
        updates.append(update)
        returns = item.get("devolucoes", [])
        if not isinstance(returns, list):
            raise InvalidFormat("expected a list", field=f"{field}.devolucoes")
        for number, back in enumerate(returns):
            where = f"{field}.devolucoes[{number}]"
            if not isinstance(back, Mapping):
                raise InvalidFormat("expected an object", field=where)
            if back.get("status") != "DEVOLVIDO":
                continue
            times = back.get("horario")
            settled = times.get("liquidacao") if isinstance(times, Mapping) else None
            updates.append(
                attrs.evolve(
                    update,
                    event_id=_provider_id(back.get("rtrId") or back.get("id"), f"{where}.id"),
                    status=None,
                    paid=None,
                    refund=money(back.get("valor"), "BRL", field=f"{where}.valor"),
                    refund_id=_provider_id(back.get("id"), f"{where}.id"),
                    occurred_at=_rfc3339(settled, f"{where}.horario.liquidacao"),
                )
            )
    return tuple(updates)


def boleto_settlement(
    *, our_number: object, amount: object, paid_at: object, event_id: object = None
) -> ProviderUpdate:
    """A Boleto paid: its nosso número, the amount paid (BRL), when, and the return record's id.

    The amount paid may exceed the slip's (interest or a fine for paying late); it is checked
    against the payment by ``crm.payments.apply``. Without ``event_id`` the slip's number and
    the payment date identify the settlement (a slip is paid once).
    """
    number = _our_number(our_number)
    when = _checks.aware_utc(paid_at, field="paid_at")
    ident = (
        f"boleto:{number}:{when.date().isoformat()}"
        if event_id is None
        else _provider_id(event_id, "event_id")
    )
    return ProviderUpdate(
        method="boleto",
        reference=number,
        source="boleto_settlement",
        event_id=ident,
        status="succeeded",
        paid=_brl(amount, "amount"),
        occurred_at=when,
    )

