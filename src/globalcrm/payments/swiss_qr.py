"""Swiss QR-bill payloads ("Swiss QR Code", ``SPC``) and their QR and creditor references.

Spec: SIX "Swiss Payment Standards: Swiss Implementation Guidelines for the QR-bill", version
2.3 (https://www.six-group.com/en/products-services/banking-services/payment-standardization/standards/qr-bill.html),
and ISO 11649 for creditor references.

The payload is 31 lines (LF, CR LF or CR; one trailing line break is tolerated): ``SPC``, version
``02xx``, coding ``1``, the creditor's CH/LI IBAN, the creditor (address type ``S`` structured
or ``K`` combined, name, street or line 1, house number or line 2, postcode, town, country),
seven empty lines for the ultimate creditor, the amount (``0.00``-``999999999.99``, two
decimals) or nothing, the currency (``CHF`` or ``EUR``), the debtor (same seven lines, all empty
when unknown), the reference type and reference, the unstructured message and the trailer
``EPD``; then optionally billing information (``//S1/...``) and up to two alternative schemes.

A QR-IBAN (institution id 30000-31999 in positions 5-9) requires a QR reference (``QRR``: 27
digits, the last one a modulo 10 recursive check digit, not all zeros); any other IBAN takes an
ISO 11649 creditor reference (``SCOR``: ``RF``, two check digits, 1-21 letters or digits) or none
(``NON``). QR images use error-correction level M. :func:`build` uses the ``qrbill`` package.

```pycon
>>> payload = build("CH4431999123000889012", creditor={"name": "Robert Schneider AG",
...     "street": "Rue du Lac", "house_num": "1268", "pcode": "2501", "city": "Biel",
...     "country": "CH"}, amount=Decimal("1949.75"), reference="210000000003139471430009017")
>>> record = parse(payload)
>>> record.qr_iban, record.reference_type, record.amount
(True, 'QRR', Decimal('1949.75'))
>>> is_valid_reference("RF18 5390 0754 7034"), reference_type("RF18539007547034")
(True, 'SCOR')
>>> format_reference("210000000003139471430009017")
'21 00000 00003 13947 14300 09017'

```
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal

import attrs
import pycountry
from stdnum import iso11649 as _stdnum_iso11649
from stdnum.ch import esr as _stdnum_esr
from stdnum.iso7064 import mod_97_10 as _mod_97_10

from globalcrm.errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    InvalidLength,
)
from globalcrm.payments import iban as _iban

__all__ = [
    "MAX_LENGTH",
    "Address",
    "SwissQRBill",
    "build",
    "build_creditor_reference",
    "build_qr_reference",
    "compact",
    "compact_reference",
    "format",
    "format_reference",
    "is_qr_iban",
    "is_valid",
    "is_valid_reference",
    "parse",
    "reference_type",
    "validate",
    "validate_reference",
]

MAX_LENGTH = 997
"""The most characters a Swiss QR Code may hold."""

_LINES = 31
_AMOUNT_RE = re.compile(r"[0-9]{1,9}\.[0-9]{2}")
_VERSION_RE = re.compile(r"02[0-9]{2}")
_ADDRESS_FIELDS = ("address type", "name", "street", "house number", "postcode", "town", "country")


@attrs.frozen
class Address:
    """A creditor or debtor address as the payload carries it (type ``S`` or ``K``)."""

    address_type: str
    """``S`` (structured) or ``K`` (combined: two address lines)."""
    name: str
    street: str | None
    """Street (``S``) or address line 1 (``K``)."""
    house_number: str | None
    """House number (``S``) or address line 2 (``K``)."""
    postcode: str | None
    town: str | None
    country: str
    """ISO 3166-1 alpha-2."""


@attrs.frozen
class SwissQRBill:
    """A decoded Swiss QR-bill payload; attribute names follow ``swiss_qr.jsonl``."""

    line_separator: str
    """``LF``, ``CRLF`` or ``CR``, as found."""
    version: str
    iban: str
    qr_iban: bool
    """Whether :attr:`iban` is a QR-IBAN (so the reference is a QR reference)."""
    creditor: Address
    amount: Decimal | None
    currency: str
    debtor: Address | None
    reference_type: str
    """``QRR``, ``SCOR`` or ``NON``."""
    reference: str | None
    unstructured_message: str | None
    billing_information: str | None
    alternative_schemes: tuple[str, ...]

    @property
    def creditor_name(self) -> str:
        """The creditor's name."""
        return self.creditor.name

    @property
    def creditor_country(self) -> str:
        """The creditor's country code."""
        return self.creditor.country

    @property
    def debtor_name(self) -> str | None:
        """The debtor's name, ``None`` when the payload leaves the debtor out."""
        return None if self.debtor is None else self.debtor.name


def _text(text: object, *, limit: int, field: str | None = None) -> str:
    if not isinstance(text, str):
        raise InvalidFormat(f"expected text, got {type(text).__name__}", field=field)
    if len(text) > limit:
        raise InvalidLength(f"longer than {limit} characters", field=field)
    return text


# --- references -------------------------------------------------------------------------------


def compact_reference(text: object) -> str:
    """Return a QR or creditor reference without spaces, upper case (no check)."""
    return "".join(_text(text, limit=200, field="reference").split()).upper()


def _qr_reference_error(value: str) -> InvalidInput | None:
    if len(value) != 27:
        return InvalidLength("a QR reference has 27 digits", field="reference")
    for index, char in enumerate(value):
        if not (char.isascii() and char.isdigit()):
            return InvalidFormat(
                "a QR reference holds only digits", field="reference", position=index
            )
    if value == "0" * 27:
        return InvalidFormat("a QR reference must not be all zeros", field="reference")
    if _stdnum_esr.calc_check_digit(value[:-1]) != value[-1]:
        return InvalidChecksum(
            "the QR reference check digit does not match", field="reference", position=26
        )
    return None


def _creditor_reference_error(value: str) -> InvalidInput | None:
    if not 5 <= len(value) <= 25:
        return InvalidLength("a creditor reference has 5-25 characters", field="reference")
    if not (value.isascii() and value.isalnum()):
        return InvalidFormat(
            "a creditor reference holds only letters and digits", field="reference"
        )
    if not value[2:4].isdigit():
        return InvalidFormat("RF is followed by two check digits", field="reference", position=2)
    if value[2:4] in ("00", "01", "99"):
        # mod 97 cannot produce these (ISO 7064 gives 02-98), even when the sum works out
        return InvalidChecksum("the check digits must be 02-98", field="reference", position=2)
    if not _stdnum_iso11649.is_valid(value):
        return InvalidChecksum(
            "the creditor reference check digits do not match", field="reference", position=2
        )
    return None


def reference_type(text: object) -> str:
    """Return ``QRR`` or ``SCOR`` for a valid reference, else raise ``InvalidInput``."""
    value = compact_reference(text)
    if not value:
        raise InvalidFormat("the reference is empty", field="reference")
    if value.startswith("RF"):
        error = _creditor_reference_error(value)
        kind = "SCOR"
    else:
        error = _qr_reference_error(value)
        kind = "QRR"
    if error is not None:
        raise error
    return kind


def validate_reference(text: object) -> str:
    """Return the compact reference (QR reference or ISO 11649 creditor reference) if valid."""
    reference_type(text)
    return compact_reference(text)


def is_valid_reference(text: object) -> bool:
    """Whether ``text`` is a valid QR reference or ISO 11649 creditor reference (never raises)."""
    try:
        reference_type(text)
    except InvalidInput:
        return False
    return True


def format_reference(text: object) -> str:
    """Return the reference as printed on the bill (QRR: ``2 5 5 5 5 5``; SCOR: groups of 4)."""
    kind = reference_type(text)
    value = compact_reference(text)
    if kind == "QRR":
        return " ".join([value[:2]] + [value[i : i + 5] for i in range(2, 27, 5)])
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def build_qr_reference(number: object) -> str:
    """Return the 27-digit QR reference for up to 26 digits, zero-padded, with its check digit."""
    value = compact_reference(number)
    if not value or len(value) > 26 or not (value.isascii() and value.isdigit()):
        raise InvalidFormat("expected 1-26 digits", field="number")
    body = value.rjust(26, "0")
    reference = body + str(_stdnum_esr.calc_check_digit(body))
    error = _qr_reference_error(reference)
    if error is not None:
        raise error
    return reference


def build_creditor_reference(text: object) -> str:
    """Return the ISO 11649 creditor reference for 1-21 letters or digits (``7`` -> ``RF097``)."""
    value = compact_reference(text)
    if not 1 <= len(value) <= 21 or not (value.isascii() and value.isalnum()):
        raise InvalidFormat("expected 1-21 letters or digits", field="text")
    reference = "RF" + _mod_97_10.calc_check_digits(value + "RF") + value
    error = _creditor_reference_error(reference)
    if error is not None:
        raise error
    return reference


def is_qr_iban(text: object) -> bool:
    """Whether ``text`` is a valid CH/LI QR-IBAN (institution id 30000-31999; never raises)."""
    try:
        value = _iban.validate(text)
    except InvalidInput:
        return False
    return value[:2] in ("CH", "LI") and 30000 <= int(value[4:9]) <= 31999


# --- payload ----------------------------------------------------------------------------------


def compact(text: object) -> str:
    """Return the payload with surrounding spaces and one trailing line break removed."""
    value = _text(text, limit=MAX_LENGTH + 64)
    value = value.strip(" \t")
    if value.endswith("\r\n"):
        return value[:-2]
    if value.endswith(("\n", "\r")):
        return value[:-1]
    return value


_USER_ASSIGNED_IN_USE = frozenset({"XK"})
"""ISO 3166-1 user-assigned codes that banks use as country codes: ``XK`` (Kosovo) is in the
SWIFT IBAN Registry and used by the European Commission and Switzerland; refusing it would turn
away a Kosovan creditor or debtor (QRCoder added it to its Swiss QR check: Shane32/QRCoder#497)."""


@functools.lru_cache(maxsize=512)
def _country(code: str) -> bool:
    return (
        len(code) == 2
        and code.isascii()
        and code.isupper()
        and (code in _USER_ASSIGNED_IN_USE or pycountry.countries.get(alpha_2=code) is not None)
    )


def _address(lines: list[str], offsets: list[int], start: int, who: str) -> Address | None:
    values = lines[start : start + 7]

    def fail(kind: type[InvalidInput], index: int, message: str) -> InvalidInput:
        return kind(
            message, field=f"{who}.{_ADDRESS_FIELDS[index]}", position=offsets[start + index]
        )

    kind = values[0]
    if kind == "" and who == "debtor" and not any(values):
        return None
    if kind not in ("S", "K"):
        raise fail(InvalidFormat, 0, "the address type must be S or K")
    name, street, number, postcode, town, country = values[1:]
    if not 1 <= len(name) <= 70:
        raise fail(InvalidLength, 1, "the name must be 1-70 characters")
    if len(street) > 70:
        raise fail(InvalidLength, 2, "at most 70 characters")
    if kind == "S":
        if len(number) > 16:
            raise fail(InvalidLength, 3, "the house number has at most 16 characters")
        if not 1 <= len(postcode) <= 16:
            raise fail(InvalidLength, 4, "the postcode must be 1-16 characters")
        if not 1 <= len(town) <= 35:
            raise fail(InvalidLength, 5, "the town must be 1-35 characters")
    else:
        if not 1 <= len(number) <= 70:
            raise fail(InvalidLength, 3, "address line 2 must be 1-70 characters")
        if postcode or town:
            raise fail(InvalidFormat, 4, "a combined (K) address has no postcode or town lines")
    if not _country(country):
        raise fail(InvalidComponent, 6, "the country must be an ISO 3166 alpha-2 code")
    return Address(
        kind, name, street or None, number or None, postcode or None, town or None, country
    )


def _check(text: object) -> tuple[str, SwissQRBill]:
    value = compact(text)
    if len(value) > MAX_LENGTH:
        raise InvalidLength(f"a Swiss QR Code holds at most {MAX_LENGTH} characters")
    separator = "CRLF" if "\r\n" in value else "CR" if "\r" in value else "LF"
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line) + (2 if separator == "CRLF" else 1)
    if lines[0] != "SPC":
        raise InvalidFormat("a Swiss QR Code starts with the line SPC", field="QR type", position=0)
    if len(lines) < _LINES:
        raise InvalidFormat(
            f"a Swiss QR Code has at least {_LINES} lines, this one has {len(lines)}",
            position=len(value),
        )
    if len(lines) > _LINES + 3:
        raise InvalidFormat("a Swiss QR Code has at most 34 lines", position=offsets[_LINES + 3])
    for index, line in enumerate(lines):
        for column, char in enumerate(line):
            if unicodedata.category(char) in ("Cc", "Cs"):
                raise InvalidFormat(
                    "contains a control character", position=offsets[index] + column
                )

    def fail(kind: type[InvalidInput], index: int, field: str, message: str) -> InvalidInput:
        return kind(message, field=field, position=offsets[index])

    if not _VERSION_RE.fullmatch(lines[1]):
        raise fail(InvalidComponent, 1, "version", "the version must be 02xx")
    if lines[2] != "1":
        raise fail(InvalidComponent, 2, "coding type", "the coding type must be 1")
    try:
        account = _iban.validate(lines[3])
    except InvalidInput as error:
        raise type(error)(
            error.message, field="account", position=offsets[3] + (error.position or 0)
        ) from error
    if account[:2] not in ("CH", "LI") or len(account) != 21:
        raise fail(InvalidComponent, 3, "account", "the account must be a CH or LI IBAN")
    qr_iban = 30000 <= int(account[4:9]) <= 31999
    creditor = _address(lines, offsets, 4, "creditor")
    if creditor is None:  # pragma: no cover - _address returns None for debtors only
        raise fail(InvalidFormat, 4, "creditor", "the creditor is missing")
    for index in range(11, 18):
        if lines[index]:
            raise fail(
                InvalidFormat,
                index,
                "ultimate creditor",
                "the ultimate creditor lines are reserved and must be empty",
            )
    amount = None
    if lines[18]:
        if not _AMOUNT_RE.fullmatch(lines[18]):
            raise fail(
                InvalidFormat, 18, "amount", "the amount must be digits, a '.' and two decimals"
            )
        amount = Decimal(lines[18])
    currency = lines[19]
    if currency not in ("CHF", "EUR"):
        raise fail(InvalidComponent, 19, "currency", "the currency must be CHF or EUR")
    debtor = _address(lines, offsets, 20, "debtor")
    kind = lines[27]
    reference = lines[28] or None
    if kind not in ("QRR", "SCOR", "NON"):
        raise fail(
            InvalidComponent, 27, "reference type", "the reference type must be QRR, SCOR or NON"
        )
    if qr_iban and kind != "QRR":
        raise fail(InvalidFormat, 27, "reference type", "a QR-IBAN requires a QR reference (QRR)")
    if not qr_iban and kind == "QRR":
        raise fail(InvalidFormat, 27, "reference type", "a QR reference requires a QR-IBAN")
    if kind == "NON":
        if reference is not None:
            raise fail(InvalidFormat, 28, "reference", "reference type NON takes no reference")
    else:
        if reference is None:
            raise fail(InvalidFormat, 28, "reference", f"reference type {kind} needs a reference")
        problem = (
            _qr_reference_error(reference)
            if kind == "QRR"
            else _creditor_reference_error(reference.upper())
        )
        if problem is not None:
            raise type(problem)(
                problem.message, field="reference", position=offsets[28] + (problem.position or 0)
            )
    message = lines[29] or None
    if lines[30] != "EPD":
        raise fail(InvalidFormat, 30, "trailer", "the trailer must be EPD")
    billing = lines[31] if len(lines) > 31 and lines[31] else None
    if billing is not None and not billing.startswith("//"):
        raise fail(InvalidFormat, 31, "billing information", "billing information starts with //")
    if len(message or "") + len(billing or "") > 140:
        raise fail(
            InvalidLength,
            29,
            "unstructured message",
            "message and billing information have at most 140 characters together",
        )
    schemes = tuple(line for line in lines[32:] if line)
    for index, scheme in enumerate(schemes):
        if len(scheme) > 100:
            raise fail(
                InvalidLength,
                32 + index,
                "alternative scheme",
                "an alternative scheme has at most 100 characters",
            )
    record = SwissQRBill(
        line_separator=separator,
        version=lines[1],
        iban=account,
        qr_iban=qr_iban,
        creditor=creditor,
        amount=amount,
        currency=currency,
        debtor=debtor,
        reference_type=kind,
        reference=reference,
        unstructured_message=message,
        billing_information=billing,
        alternative_schemes=schemes,
    )
    return value, record


def validate(text: object) -> str:
    """Return the payload (one trailing line break removed) if valid, else raise.

    Errors carry ``field`` (the element) and ``position`` (offset in the payload).
    """
    return _check(text)[0]


def is_valid(text: object) -> bool:
    """Whether ``text`` is a valid Swiss QR-bill payload (never raises)."""
    try:
        _check(text)
    except InvalidInput:
        return False
    return True


def parse(text: object) -> SwissQRBill:
    """Validate the payload and decode its elements."""
    return _check(text)[1]


def format(text: object) -> str:
    """Return the payload with CR LF line ends, as SIX's examples and ``qrbill`` write it."""
    return "\r\n".join(validate(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def _address_dict(value: object, field: str) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of address fields", field=field)
    allowed = {"name", "street", "house_num", "pcode", "city", "country", "line1", "line2"}
    result = {}
    for key, item in value.items():
        if key not in allowed:
            raise InvalidFormat(f"unknown address field {key!r}", field=field)
        result[key] = _text(item, limit=70, field=f"{field}.{key}")
    return result


def build(
    account: object,
    *,
    creditor: object,
    amount: object = None,
    currency: str = "CHF",
    debtor: object = None,
    reference: object = None,
    message: object = None,
    billing_information: object = None,
) -> str:
    """Return a Swiss QR-bill payload (CR LF separated) built with the ``qrbill`` package.

    ``creditor`` and ``debtor`` are mappings with ``name``, ``street``, ``house_num``,
    ``pcode``, ``city`` and ``country`` (structured address; ``line1``/``line2`` give a combined
    one). ``amount`` is a ``Decimal``; ``reference`` a QR reference (with a QR-IBAN) or an
    ISO 11649 creditor reference. The result is validated like any payload.
    """
    from qrbill import QRBill

    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
            raise InvalidFormat("expected a Decimal amount", field="amount")
        if not Decimal(amount).is_finite() or not 0 <= amount <= Decimal("999999999.99"):
            raise InvalidFormat("the amount must be 0.00-999999999.99", field="amount")
        if Decimal(amount) != Decimal(amount).quantize(Decimal("0.01")):
            raise InvalidFormat("the amount has more than two decimals", field="amount")
        amount = f"{Decimal(amount):.2f}"
    arguments: dict[str, object] = {
        "account": _iban.validate(account),
        "creditor": _address_dict(creditor, "creditor"),
        "amount": amount,
        "currency": _text(currency, limit=3, field="currency"),
        "debtor": None if debtor is None else _address_dict(debtor, "debtor"),
        "reference_number": None if reference is None else validate_reference(reference),
        "additional_information": ""
        if message is None
        else _text(message, limit=140, field="message"),
        "billing_information": ""
        if billing_information is None
        else _text(billing_information, limit=140, field="billing_information"),
    }
    try:
        bill = QRBill(**arguments)
        payload = str(bill.qr_data())
    except (ValueError, TypeError, KeyError) as error:
        raise InvalidFormat(f"qrbill refused the bill: {_qrbill_reason(error)}") from error
    return validate(payload)


def _qrbill_reason(error: Exception) -> str:
    """Qrbill's messages name the rule (and at most a country code), never a name or account."""
    text = str(error) if isinstance(error, ValueError) else ""
    return text if 0 < len(text) <= 200 else "invalid field"
