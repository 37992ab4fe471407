"""PromptPay: Thailand's QR payments (Thai QR Payment standard on the EMV merchant-presented QR).

Spec: Bank of Thailand / Thai Bankers' Association, "Thai QR Code Payment Standard" (EMVCo MPM
profile), https://www.bot.or.th/en/financial-innovation/digital-finance/digital-payment/promptpay.html,
on top of :mod:`globalcrm.payments.emv_qr`.

Rules checked: the EMV layer (TLV, ``00`` first, CRC last); ``01`` is ``11`` (static) or ``12``
(one-time) when present; exactly one PromptPay template: ``29`` credit transfer (AID
``A000000677010111``) with exactly one of ``01`` mobile (``0066`` + 9 digits), ``02`` national or
tax ID (13 digits) or ``03`` e-wallet ID (15 digits), or ``30`` bill payment (AID
``A000000677010112``) with ``01`` biller ID (15) and ``02`` reference 1; ``53`` = ``764``,
``58`` = ``TH``, ``54`` amount optional. PromptPay person-to-person payloads omit ``52``, ``59``
and ``60``; when present they are checked as EMV defines them.

```pycon
>>> payload = build(mobile="081-234-5678")
>>> payload
'00020101021129370016A000000677010111011300668123456785802TH53037646304...'
>>> parse(payload).proxy_type, parse(payload).proxy
('mobile', '0066812345678')

```
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs

from globalcrm.errors import InvalidChecksum, InvalidComponent, InvalidFormat
from globalcrm.payments import emv_qr

__all__ = [
    "AID_BILL_PAYMENT",
    "AID_CREDIT_TRANSFER",
    "PromptPayCode",
    "build",
    "compact",
    "format",
    "is_valid",
    "parse",
    "validate",
]

AID_CREDIT_TRANSFER = "A000000677010111"
"""Application ID of PromptPay credit transfer (template 29)."""
AID_BILL_PAYMENT = "A000000677010112"
"""Application ID of PromptPay bill payment (template 30)."""

_PROXIES = {
    "01": ("mobile", re.compile(r"0066[0-9]{9}")),
    "02": ("national_or_tax_id", re.compile(r"[0-9]{13}")),
    "03": ("ewallet_id", re.compile(r"[0-9]{15}")),
}
_BILLER_RE = re.compile(r"[0-9]{13}[0-9A-Za-z]{2}")
_REFERENCE_RE = re.compile(r"[0-9A-Za-z]{1,20}")


@attrs.frozen
class PromptPayCode:
    """A decoded PromptPay payload; ``template`` is ``29`` (credit transfer) or ``30`` (bill).

    ``proxy_type`` is ``mobile``, ``national_or_tax_id``, ``ewallet_id`` or ``biller_id``;
    ``reference_1``/``reference_2`` are set for bill payments only.
    """

    scheme: str
    point_of_initiation: str | None
    template: str
    aid: str
    proxy_type: str
    proxy: str
    reference_1: str | None
    reference_2: str | None
    currency: str
    country: str
    amount: Decimal | None
    mcc: str | None
    merchant_name: str | None
    merchant_city: str | None
    crc: str


def compact(text: object) -> str:
    """Return the payload without surrounding white space."""
    return emv_qr.compact(text)


def format(text: object) -> str:
    """Return the payload as it is encoded in the QR code (no spaces are added)."""
    return emv_qr.format(text)


def _decode(text: str) -> PromptPayCode:
    payload = emv_qr.parse(text)
    poi = emv_qr.check_point_of_initiation(payload)
    found = [obj for obj in payload.objects if obj.id in ("29", "30")]
    if not found:
        raise InvalidComponent("no PromptPay template (29 credit transfer or 30 bill payment)")
    if len(found) > 1:
        raise InvalidFormat(
            "a PromptPay payload carries one of templates 29 and 30", position=found[1].position
        )
    account = found[0]
    inner = emv_qr.template(account)
    aid = emv_qr.sub_value(inner, "00")
    expected_aid = AID_CREDIT_TRANSFER if account.id == "29" else AID_BILL_PAYMENT
    if aid is None or aid.value.upper() != expected_aid:
        raise InvalidComponent(
            f"template {account.id} must start with the AID {expected_aid}",
            position=account.value_position,
        )
    reference_1 = reference_2 = None
    if account.id == "29":
        present = [obj for obj in inner if obj.id in _PROXIES]
        if len(present) != 1:
            raise InvalidFormat(
                "template 29 must carry exactly one of a mobile (01), national/tax ID (02) "
                "or e-wallet ID (03)",
                position=account.position,
            )
        proxy_obj = present[0]
        proxy_type, pattern = _PROXIES[proxy_obj.id]
        if not pattern.fullmatch(proxy_obj.value):
            raise InvalidFormat(
                f"the {proxy_type.replace('_', ' ')} has the wrong form",
                position=proxy_obj.value_position,
            )
    else:
        proxy_type = "biller_id"
        proxy_obj_or_none = emv_qr.sub_value(inner, "01")
        if proxy_obj_or_none is None or not _BILLER_RE.fullmatch(proxy_obj_or_none.value):
            raise InvalidFormat(
                "template 30 must carry a 15-character biller ID (01)", position=account.position
            )
        proxy_obj = proxy_obj_or_none
        ref1 = emv_qr.sub_value(inner, "02")
        if ref1 is None or not _REFERENCE_RE.fullmatch(ref1.value):
            raise InvalidFormat(
                "template 30 must carry reference 1 (02): 1-20 letters and digits",
                position=account.position,
            )
        reference_1 = ref1.value
        ref2 = emv_qr.sub_value(inner, "03")
        if ref2 is not None:
            if not _REFERENCE_RE.fullmatch(ref2.value):
                raise InvalidFormat(
                    "reference 2 (03) must be 1-20 letters and digits",
                    position=ref2.value_position,
                )
            reference_2 = ref2.value
    currency = emv_qr.check_fixed(payload, "53", "transaction currency", "764")
    country = emv_qr.check_fixed(payload, "58", "country code", "TH")
    amount_obj = payload.get("54")
    amount = None if amount_obj is None else emv_qr.parse_amount(amount_obj)
    mcc = emv_qr.check_mcc(payload) if payload.get("52") is not None else None
    name = payload.get("59")
    city = payload.get("60")
    return PromptPayCode(
        scheme="promptpay",
        point_of_initiation=poi,
        template=account.id,
        aid=aid.value,
        proxy_type=proxy_type,
        proxy=proxy_obj.value,
        reference_1=reference_1,
        reference_2=reference_2,
        currency=currency,
        country=country,
        amount=amount,
        mcc=mcc,
        merchant_name=None if name is None else emv_qr.check_ans(name, "merchant name", 25),
        merchant_city=None if city is None else emv_qr.check_ans(city, "merchant city", 15),
        crc=payload.crc,
    )


def parse(text: object) -> PromptPayCode:
    """Validate a PromptPay payload and return its fields; raises an ``InvalidInput`` subclass."""
    return _decode(compact(text))


def validate(text: object) -> str:
    """Return the payload (without surrounding white space) if it is a valid PromptPay QR."""
    value = compact(text)
    _decode(value)
    return value


def is_valid(text: object) -> bool:
    """Whether ``text`` is a valid PromptPay payload (never raises)."""
    if not isinstance(text, str) or len(text) > 2 * emv_qr.MAX_LENGTH:
        return False
    try:
        validate(text)
    except (InvalidFormat, InvalidChecksum, InvalidComponent):
        return False
    return True


def _digits(value: object, field: str) -> str:
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidFormat("expected text of digits", field=field)
    digits = "".join(char for char in value if char not in " -+")
    if not (digits.isascii() and digits.isdigit()):
        raise InvalidFormat("expected digits (spaces and dashes are ignored)", field=field)
    return digits


_MOBILE_PREFIXES = {13: "0066", 11: "66", 10: "0", 9: ""}
"""A Thai mobile number's 9 national digits, by the length of what is given: with the
international prefix and country code, the country code alone, the trunk 0, or bare. Deciding by
length keeps ``0066...`` (9 digits after 0066) apart from ``0 66...`` (a number beginning 66)."""


def _thai_mobile(digits: str) -> str:
    prefix = _MOBILE_PREFIXES.get(len(digits))
    national = digits[len(prefix):] if prefix is not None and digits.startswith(prefix) else ""
    if len(national) != 9 or national.startswith("0"):
        raise InvalidFormat("expected a Thai mobile number of 9 national digits", field="mobile")
    return national


def build(
    *,
    mobile: str | None = None,
    national_id: str | None = None,
    ewallet_id: str | None = None,
    amount: Decimal | int | str | None = None,
) -> str:
    """Build a PromptPay credit-transfer payload for exactly one proxy.

    ``mobile`` is a Thai number (``0812345678``, ``+66 81 234 5678``); ``national_id`` a
    13-digit national or tax ID; ``ewallet_id`` 15 digits. With an ``amount`` the code is
    one-time (``01`` = ``12``), as PromptPay apps expect; without it, static (``11``).
    """
    given = [(n, v) for n, v in (("mobile", mobile), ("national_id", national_id),
                                 ("ewallet_id", ewallet_id)) if v is not None]
    if len(given) != 1:
        raise InvalidFormat(
            "pass exactly one of mobile, national_id or ewallet_id", field="mobile"
        )
    name, raw = given[0]
    digits = _digits(raw, name)
    if name == "mobile":
        proxy = ("01", "0066" + _thai_mobile(digits))
    elif name == "national_id":
        if len(digits) != 13:
            raise InvalidFormat("expected 13 digits", field=name)
        proxy = ("02", digits)
    else:
        if len(digits) != 15:
            raise InvalidFormat("expected 15 digits", field=name)
        proxy = ("03", digits)
    objects = [("00", "01"), ("01", "11" if amount is None else "12")]
    objects.append(("29", emv_qr.build_template([("00", AID_CREDIT_TRANSFER), proxy])))
    objects += [("58", "TH"), ("53", "764")]
    if amount is not None:
        text_amount = emv_qr.format_amount(amount)
        if Decimal(text_amount) == 0:
            raise InvalidFormat("a PromptPay amount must be above zero", field="amount")
        objects.append(("54", text_amount))
    return validate(emv_qr.build(objects))
