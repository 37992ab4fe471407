"""EPC QR codes ("GiroCode", "SEPA QR"): a SEPA credit transfer in a QR code.

Spec: European Payments Council, EPC069-12 "Quick Response Code: Guidelines to Enable Data
Capture for the Initiation of a SEPA Credit Transfer", version 2.1 (2020) and 3.0
(https://www.europeanpaymentscouncil.eu/document-library/guidance-documents/quick-response-code-guidelines-enable-data-capture-initiation).

The payload is up to 12 lines separated by LF (CR LF is accepted): ``BCD``, version ``001`` or
``002``, character set ``1``-``8`` (1 UTF-8, 2-8 ISO 8859-1, -2, -4, -5, -7, -10, -15), ``SCT``,
the BIC (8 or 11 characters; mandatory in version 001, optional in 002), the beneficiary name
(1-70 characters), the IBAN, the amount (``EUR`` and 0.01-999999999.99 with at most two
decimals, trailing zeros may be dropped) or nothing, a 4-character ISO 20022 purpose code or
nothing, then either a structured creditor reference (at most 35 characters) or an unstructured
remittance text (at most 140), never both, and beneficiary-to-originator information (at most
70). Nothing follows the last element, and the whole payload is at most 331 bytes in its
character set. QR images use error-correction level M.

```pycon
>>> payload = build("François D'Alsace S.A.", "FR1420041010050500013M02606",
...                 amount=Decimal("12.30"), remittance_text="Client:Marie Louise La Lune")
>>> print(payload)
BCD
002
2
SCT
<BLANKLINE>
François D'Alsace S.A.
FR1420041010050500013M02606
EUR12.3
<BLANKLINE>
<BLANKLINE>
Client:Marie Louise La Lune
>>> record = parse(payload)
>>> record.amount, record.character_set, record.byte_length
(Decimal('12.3'), 2, 103)
>>> is_valid(payload.replace("EUR12.3", "EUR0.001"))
False

```
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs
import stdnum.exceptions
from stdnum import bic as _stdnum_bic

from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput, InvalidLength
from globalcrm.payments import iban as _iban

__all__ = [
    "CHARACTER_SETS",
    "MAX_BYTES",
    "EPCPayment",
    "build",
    "compact",
    "format",
    "is_valid",
    "parse",
    "validate",
]

MAX_BYTES = 331
"""The longest payload, in bytes of its declared character set."""

CHARACTER_SETS = {
    1: "utf-8",
    2: "iso-8859-1",
    3: "iso-8859-2",
    4: "iso-8859-4",
    5: "iso-8859-5",
    6: "iso-8859-7",
    7: "iso-8859-10",
    8: "iso-8859-15",
}
"""Line 3 of the payload and the Python codec each number names."""

_VERSIONS = ("001", "002")
_AMOUNT_RE = re.compile(r"EUR([0-9]{1,9}(?:\.[0-9]{0,2})?)")
_PURPOSE_RE = re.compile(r"[A-Za-z0-9]{4}")
_MAX_INPUT = 4 * MAX_BYTES
_NAMES = (
    "service tag",
    "version",
    "character set",
    "identification",
    "BIC",
    "name",
    "IBAN",
    "amount",
    "purpose",
    "remittance reference",
    "remittance text",
    "information",
)


@attrs.frozen
class EPCPayment:
    """A decoded EPC QR payload; attribute names follow ``epc_qr.jsonl``."""

    version: str
    """``001`` or ``002``."""
    character_set: int
    """1-8, see :data:`CHARACTER_SETS`."""
    bic: str | None
    """The beneficiary bank's BIC, ``None`` where version 002 leaves it out."""
    name: str
    """The beneficiary's name."""
    iban: str
    """The beneficiary's IBAN (compact)."""
    amount: Decimal | None
    """The amount in euro, ``None`` when the payer fills it in."""
    currency: str | None
    """``EUR`` when there is an amount."""
    purpose: str | None
    """ISO 20022 purpose code."""
    remittance_reference: str | None
    """Structured creditor reference (for example an ISO 11649 ``RF`` reference)."""
    remittance_text: str | None
    """Unstructured remittance information."""
    information: str | None
    """Beneficiary-to-originator information (shown to the payer)."""
    byte_length: int
    """Size of the payload (LF separated) in bytes of its character set."""

    @property
    def reference(self) -> str | None:
        """Same as :attr:`remittance_reference`."""
        return self.remittance_reference

    @property
    def structured_reference(self) -> str | None:
        """Same as :attr:`remittance_reference`."""
        return self.remittance_reference

    @property
    def beneficiary_to_originator_information(self) -> str | None:
        """Same as :attr:`information` (the guidelines' name for line 12)."""
        return self.information


def _text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidFormat(f"expected text, got {type(text).__name__}")
    if len(text) > _MAX_INPUT:
        raise InvalidLength(f"an EPC QR payload has at most {MAX_BYTES} bytes")
    return text


def compact(text: object) -> str:
    """Return the payload with LF line ends and no trailing line break (no other change)."""
    value = _text(text).replace("\r\n", "\n").replace("\r", "\n")
    return value.rstrip("\n") if value.endswith("\n") else value


def _line_offsets(lines: list[str]) -> list[int]:
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    return offsets


def _check(text: object) -> tuple[str, EPCPayment]:
    value = compact(text)
    lines = value.split("\n")
    offsets = _line_offsets(lines)

    def error(kind: type[InvalidInput], index: int, message: str) -> InvalidInput:
        return kind(message, field=_NAMES[index], position=offsets[index])

    if lines[0] != "BCD":
        raise error(InvalidFormat, 0, "an EPC QR payload starts with the line BCD")
    if len(lines) < 7:
        raise InvalidFormat(
            f"an EPC QR payload has at least 7 lines, this one has {len(lines)}",
            position=len(value),
        )
    if len(lines) > 12:
        raise error(InvalidFormat, 11, "an EPC QR payload has at most 12 lines")
    lines += [""] * (12 - len(lines))
    offsets += [len(value)] * (12 - len(offsets))
    for index, line in enumerate(lines):
        for column, char in enumerate(line):
            if char < " " or "\x7f" <= char <= "\x9f":
                raise InvalidFormat(
                    "contains a control character",
                    field=_NAMES[index],
                    position=offsets[index] + column,
                )
    version = lines[1]
    if version not in _VERSIONS:
        raise error(InvalidComponent, 1, "the version must be 001 or 002")
    if not (len(lines[2]) == 1 and lines[2] in "12345678"):
        raise error(InvalidComponent, 2, "the character set must be a digit 1-8")
    character_set = int(lines[2])
    if lines[3] != "SCT":
        raise error(InvalidFormat, 3, "the identification must be SCT")
    bic = lines[4].strip() or None
    if bic is None:
        if version == "001":
            raise error(InvalidFormat, 4, "version 001 requires the BIC")
    else:
        if len(bic) not in (8, 11):
            raise error(InvalidLength, 4, "a BIC has 8 or 11 characters")
        try:
            bic = str(_stdnum_bic.validate(bic))
        except stdnum.exceptions.ValidationError as exc:
            raise error(InvalidFormat, 4, "not a valid BIC (ISO 9362)") from exc
    name = lines[5].strip()
    if not 1 <= len(name) <= 70:
        raise error(InvalidLength, 5, "the beneficiary name must be 1-70 characters")
    try:
        account = _iban.validate(lines[6])
    except InvalidInput as exc:
        raise type(exc)(
            exc.message, field="IBAN", position=offsets[6] + (exc.position or 0)
        ) from exc
    amount = None
    currency = None
    if lines[7]:
        match = _AMOUNT_RE.fullmatch(lines[7])
        if not match:
            raise error(
                InvalidFormat, 7, "the amount is EUR and a number with at most two decimals"
            )
        amount = Decimal(match.group(1))
        if not Decimal("0.01") <= amount <= Decimal("999999999.99"):
            raise error(InvalidFormat, 7, "the amount must be 0.01-999999999.99")
        currency = "EUR"
    purpose = lines[8] or None
    if purpose is not None and not _PURPOSE_RE.fullmatch(purpose):
        raise error(InvalidFormat, 8, "the purpose is a 4-character ISO 20022 purpose code")
    reference = lines[9] or None
    remittance_text = lines[10] or None
    if reference is not None and len(reference) > 35:
        raise error(InvalidLength, 9, "the creditor reference has at most 35 characters")
    if remittance_text is not None and len(remittance_text) > 140:
        raise error(InvalidLength, 10, "the remittance text has at most 140 characters")
    if reference is not None and remittance_text is not None:
        raise error(
            InvalidFormat, 10, "a structured reference and a remittance text exclude each other"
        )
    information = lines[11] or None
    if information is not None and len(information) > 70:
        raise error(InvalidLength, 11, "the information has at most 70 characters")
    try:
        size = len(value.encode(CHARACTER_SETS[character_set]))
    except UnicodeEncodeError as exc:
        raise InvalidFormat(
            f"the text cannot be written in character set {character_set}", position=exc.start
        ) from exc
    if size > MAX_BYTES:
        raise InvalidLength(f"the payload is {size} bytes, at most {MAX_BYTES} are allowed")
    record = EPCPayment(
        version=version,
        character_set=character_set,
        bic=bic,
        name=name,
        iban=account,
        amount=amount,
        currency=currency,
        purpose=purpose,
        remittance_reference=reference,
        remittance_text=remittance_text,
        information=information,
        byte_length=size,
    )
    return value, record


def validate(text: object) -> str:
    """Return the payload (LF separated) if it is a valid EPC QR payload, else raise.

    Errors carry ``field`` (the element's name) and ``position`` (offset in the payload).
    """
    return _check(text)[0]


def is_valid(text: object) -> bool:
    """Whether ``text`` is a valid EPC QR payload (never raises)."""
    try:
        _check(text)
    except InvalidInput:
        return False
    return True


def parse(text: object) -> EPCPayment:
    """Validate the payload and decode its elements."""
    return _check(text)[1]


def format(text: object) -> str:
    """Return the payload as it goes into the QR code: LF separated, no trailing line break."""
    return validate(text)


def _amount_text(amount: object) -> str:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        raise InvalidFormat("expected a Decimal amount", field="amount")
    try:
        value = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except ArithmeticError as exc:
        raise InvalidFormat("not a decimal amount", field="amount") from exc
    if not value.is_finite() or not Decimal("0.01") <= value <= Decimal("999999999.99"):
        raise InvalidFormat("the amount must be 0.01-999999999.99", field="amount")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidFormat("the amount has more than two decimals", field="amount")
    return "EUR" + f"{value:.2f}".rstrip("0").rstrip(".")


def _field(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected text, got {type(value).__name__}", field=name)
    if "\n" in value or "\r" in value:
        raise InvalidFormat("must be a single line", field=name)
    return value.strip()


def build(
    name: object,
    iban: object,
    *,
    amount: object = None,
    bic: object = None,
    purpose: object = None,
    remittance_reference: object = None,
    remittance_text: object = None,
    information: object = None,
    version: str = "002",
    character_set: int | None = None,
) -> str:
    """Return an EPC QR payload for a SEPA credit transfer to ``name``/``iban``.

    ``amount`` is a ``Decimal`` in euro (trailing zeros are dropped, as the guidelines allow).
    Without ``character_set`` the payload uses 2 (ISO 8859-1) when the text fits it, else 1
    (UTF-8). The result is validated like any payload.
    """
    if version not in _VERSIONS:
        raise InvalidComponent("the version must be 001 or 002", field="version")
    values = [
        _field(bic, "bic").upper(),
        _field(name, "name"),
        _iban.compact(iban) if isinstance(iban, str) else _field(iban, "iban"),
        "" if amount is None else _amount_text(amount),
        _field(purpose, "purpose").upper(),
        _field(remittance_reference, "remittance_reference"),
        _field(remittance_text, "remittance_text"),
        _field(information, "information"),
    ]
    if character_set is None:
        text = "".join(values)
        character_set = 2 if all(ord(char) < 256 for char in text) else 1
    elif isinstance(character_set, bool) or character_set not in CHARACTER_SETS:
        raise InvalidComponent("the character set must be 1-8", field="character_set")
    lines = ["BCD", version, str(character_set), "SCT", *values]
    while lines[-1] == "":
        lines.pop()
    return validate("\n".join(lines))
