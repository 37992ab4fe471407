"""PayNow and SGQR: Singapore's QR payments on the EMV merchant-presented QR.

Spec: MAS / ABS "SGQR Specifications" (EMVCo MPM profile, https://www.mas.gov.sg/development/e-payments/sgqr)
and the ABS PayNow QR specification (template ``SG.PAYNOW``), on top of
:mod:`globalcrm.payments.emv_qr`.

Rules checked: the EMV layer (TLV, ``00`` first, CRC last); ``01`` is ``11`` or ``12`` when
present; at least one merchant account template (02-51); ``52`` MCC (4 digits), ``53`` = ``702``,
``58`` = ``SG``, ``59`` name (1-25) and ``60`` city (1-15) in EMV's common character set, ``54``
amount optional, ``62``-``01`` bill reference optional. When a template carries ``SG.PAYNOW``:
``01`` proxy type ``0`` (mobile: ``+65`` and 8 digits starting 8 or 9) or ``2`` (UEN, with an
optional suffix of up to 3 characters), ``02`` proxy, ``03`` amount editable ``0``/``1``,
``04`` expiry ``YYYYMMDD``. An SGQR without a PayNow template (other schemes only) is valid too;
its ``scheme`` is ``sgqr``.

```pycon
>>> payload = build(uen="200002150H", merchant_name="NATIONAL HEALTHCARE GRO", amount=5)
>>> code = parse(payload)
>>> code.scheme, code.proxy_type, code.amount, code.amount_editable
('paynow', 'uen', Decimal('5.00'), '0')

```
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import attrs

from globalcrm.errors import InvalidChecksum, InvalidComponent, InvalidFormat
from globalcrm.payments import emv_qr

__all__ = [
    "GUI",
    "PayNowCode",
    "build",
    "compact",
    "format",
    "is_valid",
    "parse",
    "validate",
]

GUI = "SG.PAYNOW"
"""The identifier of PayNow in a merchant account template."""

_MOBILE_RE = re.compile(r"\+65[89][0-9]{7}")
_UEN_RE = re.compile(
    r"(?:[0-9]{8}[A-Z]|[0-9]{9}[A-Z]|[STR][0-9]{2}[A-Z]{2}[0-9]{4}[A-Z])[A-Z0-9]{0,3}",
    re.IGNORECASE,
)
_PROXY_TYPES = {"0": "mobile", "2": "uen"}


@attrs.frozen
class PayNowCode:
    """A decoded SGQR; the PayNow fields are ``None`` when the code has no PayNow template.

    ``schemes`` lists the identifiers (sub-object ``00``) of the merchant account templates 26-51
    in payload order, e.g. ``("SG.PAYNOW",)`` or ``("com.grab", ..., "SG.SGQR")``.
    """

    scheme: str
    schemes: tuple[str, ...]
    point_of_initiation: str | None
    merchant_account_id: str | None
    proxy_type: str | None
    proxy: str | None
    amount_editable: str | None
    expiry: str | None
    mcc: str
    currency: str
    amount: Decimal | None
    country: str
    merchant_name: str
    merchant_city: str
    bill_reference: str | None
    crc: str


def compact(text: object) -> str:
    """Return the payload without surrounding white space."""
    return emv_qr.compact(text)


def format(text: object) -> str:
    """Return the payload as it is encoded in the QR code (no spaces are added)."""
    return emv_qr.format(text)


def _schemes(payload: emv_qr.Payload) -> tuple[str, ...]:
    names = []
    for obj in payload.objects:
        if "26" <= obj.id <= "51" and obj.value.startswith("00"):
            try:
                inner = emv_qr.template(obj)
            except InvalidFormat:
                continue
            names.append(inner[0].value)
    return tuple(names)


def _decode(text: str) -> PayNowCode:
    payload = emv_qr.parse(text)
    poi = emv_qr.check_point_of_initiation(payload)
    if not any("02" <= obj.id <= "51" for obj in payload.objects):
        raise InvalidFormat("no merchant account information (02-51)")
    found = emv_qr.templates_with_gui(payload, GUI)
    if len(found) > 1:
        raise InvalidFormat(
            "more than one template carries SG.PAYNOW", position=found[1][0].position
        )
    account_id = proxy_type = proxy = editable = expiry = None
    if found:
        account, inner = found[0]
        account_id = account.id
        type_obj = emv_qr.sub_value(inner, "01")
        if type_obj is None or type_obj.value not in _PROXY_TYPES:
            raise InvalidFormat(
                "the PayNow proxy type (01) must be 0 (mobile) or 2 (UEN)",
                position=account.value_position if type_obj is None else type_obj.value_position,
            )
        proxy_type = _PROXY_TYPES[type_obj.value]
        proxy_obj = emv_qr.sub_value(inner, "02")
        pattern = _MOBILE_RE if proxy_type == "mobile" else _UEN_RE
        if proxy_obj is None or not pattern.fullmatch(proxy_obj.value):
            raise InvalidFormat(
                "the PayNow mobile must be +65 and 8 digits starting 8 or 9"
                if proxy_type == "mobile"
                else "the PayNow UEN has the wrong form",
                position=account.value_position if proxy_obj is None else proxy_obj.value_position,
            )
        proxy = proxy_obj.value
        editable_obj = emv_qr.sub_value(inner, "03")
        if editable_obj is not None:
            if editable_obj.value not in ("0", "1"):
                raise InvalidFormat(
                    "the amount-editable flag (03) must be 0 or 1",
                    position=editable_obj.value_position,
                )
            editable = editable_obj.value
        expiry_obj = emv_qr.sub_value(inner, "04")
        if expiry_obj is not None:
            try:
                if not (len(expiry_obj.value) == 8 and expiry_obj.value.isdigit()):
                    raise ValueError
                dt.date(
                    int(expiry_obj.value[:4]), int(expiry_obj.value[4:6]), int(expiry_obj.value[6:])
                )
            except ValueError as error:
                raise InvalidFormat(
                    "the expiry (04) must be a date YYYYMMDD", position=expiry_obj.value_position
                ) from error
            expiry = expiry_obj.value
    mcc = emv_qr.check_mcc(payload)
    currency = emv_qr.check_fixed(payload, "53", "transaction currency", "702")
    amount_obj = payload.get("54")
    amount = None if amount_obj is None else emv_qr.parse_amount(amount_obj)
    country = emv_qr.check_fixed(payload, "58", "country code", "SG")
    name = emv_qr.check_ans(emv_qr.required(payload, "59", "merchant name"), "merchant name", 25)
    city = emv_qr.check_ans(emv_qr.required(payload, "60", "merchant city"), "merchant city", 15)
    bill_reference = None
    additional = payload.get("62")
    if additional is not None:
        bill = emv_qr.sub_value(emv_qr.template(additional), "01")
        bill_reference = None if bill is None else bill.value
    return PayNowCode(
        scheme="paynow" if found else "sgqr",
        schemes=_schemes(payload),
        point_of_initiation=poi,
        merchant_account_id=account_id,
        proxy_type=proxy_type,
        proxy=proxy,
        amount_editable=editable,
        expiry=expiry,
        mcc=mcc,
        currency=currency,
        amount=amount,
        country=country,
        merchant_name=name,
        merchant_city=city,
        bill_reference=bill_reference,
        crc=payload.crc,
    )


def parse(text: object) -> PayNowCode:
    """Validate an SGQR/PayNow payload and return its fields (or raise ``InvalidInput``)."""
    return _decode(compact(text))


def validate(text: object) -> str:
    """Return the payload (without surrounding white space) if it is a valid SGQR/PayNow QR."""
    value = compact(text)
    _decode(value)
    return value


def is_valid(text: object) -> bool:
    """Whether ``text`` is a valid SGQR/PayNow payload (never raises)."""
    if not isinstance(text, str) or len(text) > 2 * emv_qr.MAX_LENGTH:
        return False
    try:
        validate(text)
    except (InvalidFormat, InvalidChecksum, InvalidComponent):
        return False
    return True


def build(
    *,
    merchant_name: str,
    mobile: str | None = None,
    uen: str | None = None,
    merchant_city: str = "Singapore",
    amount: Decimal | int | str | None = None,
    editable: bool | None = None,
    expiry: dt.date | None = None,
    bill_reference: str | None = None,
    mcc: str = "0000",
) -> str:
    """Build a PayNow payload to a ``mobile`` (``+6591234567``) or a ``uen`` (exactly one).

    ``editable`` (whether the payer may change the amount) defaults to "no" when an ``amount``
    is given and "yes" otherwise. Names and cities are folded to EMV's common character set
    (accents dropped), never cut.
    """
    if (mobile is None) == (uen is None):
        raise InvalidFormat("pass exactly one of mobile or uen", field="mobile")
    if mobile is not None:
        if not isinstance(mobile, str):
            raise InvalidFormat("expected text", field="mobile")
        number = mobile.replace(" ", "").replace("-", "")
        if not number.startswith("+"):
            number = "+65" + number if len(number) == 8 else "+" + number
        if not _MOBILE_RE.fullmatch(number):
            raise InvalidFormat("expected +65 and 8 digits starting 8 or 9", field="mobile")
        proxy = ("0", number)
    else:
        if not isinstance(uen, str) or not _UEN_RE.fullmatch(uen.strip()):
            raise InvalidFormat("expected a UEN (with an optional 3-character suffix)", field="uen")
        proxy = ("2", uen.strip().upper())
    if editable is None:
        editable = amount is None
    if not isinstance(editable, bool):
        raise InvalidFormat("expected true or false", field="editable")
    account = [("00", GUI), ("01", proxy[0]), ("02", proxy[1]), ("03", "1" if editable else "0")]
    if expiry is not None:
        if not isinstance(expiry, dt.date) or isinstance(expiry, dt.datetime):
            raise InvalidFormat("expected a date", field="expiry")
        account.append(("04", expiry.strftime("%Y%m%d")))
    if not isinstance(mcc, str) or not (len(mcc) == 4 and mcc.isascii() and mcc.isdigit()):
        raise InvalidFormat("expected 4 digits", field="mcc")
    dynamic = amount is not None or expiry is not None
    objects = [("00", "01"), ("01", "12" if dynamic else "11")]
    objects.append(("26", emv_qr.build_template(account)))
    objects += [("52", mcc), ("53", "702")]
    if amount is not None:
        objects.append(("54", emv_qr.format_amount(amount)))
    objects.append(("58", "SG"))
    objects.append(("59", emv_qr.fold_ans(merchant_name, field="merchant_name", max_length=25)))
    objects.append(("60", emv_qr.fold_ans(merchant_city, field="merchant_city", max_length=15)))
    if bill_reference is not None:
        if not isinstance(bill_reference, str) or not bill_reference:
            raise InvalidFormat("expected non-empty text", field="bill_reference")
        reference = emv_qr.fold_ans(bill_reference, field="bill_reference", max_length=25)
        objects.append(("62", emv_qr.build_template([("01", reference)])))
    return validate(emv_qr.build(objects))
