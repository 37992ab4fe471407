"""EMVCo merchant-presented QR codes: the TLV syntax and CRC shared by Pix, PromptPay and PayNow.

Spec: EMVCo "EMV® QR Code Specification for Payment Systems (EMV QRCPS) Merchant-Presented Mode",
version 1.1 (https://www.emvco.com/specifications/emv-qr-code-specification-for-payment-systems-emv-qrcps-merchant-presented-mode/).

A payload is a string of data objects, each a two-digit ID, a two-digit length (``01``-``99``,
counting characters) and the value. ``00`` (payload format indicator, ``01``) comes first and
``63`` (CRC) last, as ``6304`` plus four hex digits of CRC-16/CCITT-FALSE (polynomial ``0x1021``,
initial value ``0xFFFF``) computed over the UTF-8 bytes of everything before the four hex
digits, ``6304`` included. IDs 26-51, 62, 64 and 80-99 are templates: their value is again a
list of data objects.

This module checks the EMV layer only (what every scheme shares); :mod:`globalcrm.payments.pix`,
:mod:`globalcrm.payments.promptpay` and :mod:`globalcrm.payments.paynow` add each scheme's rules.

```pycon
>>> payload = build([("00", "01"), ("01", "11"), ("58", "BR")])
>>> payload
'0002010102115802BR6304...'
>>> validate(payload) == payload
True
>>> [(obj.id, obj.value) for obj in parse(payload).objects]
[('00', '01'), ('01', '11'), ('58', 'BR'), ('63', '...')]
>>> crc16("123456789")
'29B1'

```
"""

from __future__ import annotations

import binascii
import decimal
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal

import attrs

from globalcrm.errors import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

__all__ = [
    "MAX_LENGTH",
    "DataObject",
    "Payload",
    "append_crc",
    "build",
    "build_object",
    "build_template",
    "check_ans",
    "check_fixed",
    "check_mcc",
    "check_point_of_initiation",
    "compact",
    "crc16",
    "fold_ans",
    "format",
    "format_amount",
    "is_ans",
    "is_template_id",
    "is_valid",
    "parse",
    "parse_amount",
    "parse_objects",
    "required",
    "sub_value",
    "template",
    "templates_with_gui",
    "validate",
    "verify_crc",
]

MAX_LENGTH = 512
"""The longest payload we read: EMV MPM payloads fit a QR code and stay within 512 characters."""

_CRC_TAG = "6304"
_HEX = frozenset("0123456789ABCDEFabcdef")
_TEMPLATE_IDS = frozenset(
    [f"{n:02d}" for n in range(26, 52)] + ["62", "64"] + [f"{n:02d}" for n in range(80, 100)]
)
_MERCHANT_IDS = frozenset(f"{n:02d}" for n in range(26, 52))
_AMOUNT_RE = re.compile(r"[0-9]+(?:\.[0-9]{0,2})?")


@attrs.frozen
class DataObject:
    """One EMV data object: its two-digit ``id``, its ``value`` and where its ID starts.

    ``position`` is the 0-based offset of the ID in the whole payload, so errors found later
    (in a scheme module) can point at the right place.
    """

    id: str
    value: str
    position: int

    @property
    def value_position(self) -> int:
        """The offset of the first character of the value."""
        return self.position + 4


@attrs.frozen
class Payload:
    """A decoded EMV MPM payload: its top-level data objects (in order) and its CRC."""

    objects: tuple[DataObject, ...]
    crc: str

    def get(self, tag: str) -> DataObject | None:
        """Return the top-level data object with ``tag``, or ``None``."""
        for obj in self.objects:
            if obj.id == tag:
                return obj
        return None

    def value(self, tag: str) -> str | None:
        """Return the value of the top-level data object ``tag``, or ``None``."""
        obj = self.get(tag)
        return None if obj is None else obj.value


def crc16(data: str | bytes) -> str:
    """Return the CRC-16/CCITT-FALSE of ``data`` (text as UTF-8) as 4 upper-case hex digits.

    ```pycon
    >>> crc16(b"123456789")
    '29B1'

    ```
    """
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as error:
            raise InvalidFormat("the text cannot be encoded as UTF-8") from error
    elif isinstance(data, bytes):
        raw = data
    else:
        raise InvalidFormat(f"expected text or bytes, got {type(data).__name__}")
    return f"{binascii.crc_hqx(raw, 0xFFFF):04X}"


def is_ans(value: object) -> bool:
    """Whether ``value`` uses only EMV's common character set ("ans": 0x20-0x7E)."""
    if not isinstance(value, str):
        return False
    return all(" " <= char <= "~" for char in value)


def _text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidFormat(f"expected text, got {type(text).__name__}")
    return text


def _object(obj: object) -> DataObject:
    if not isinstance(obj, DataObject):
        raise InvalidFormat(f"expected an EMV data object, got {type(obj).__name__}")
    return obj


def _payload(payload: object) -> Payload:
    if not isinstance(payload, Payload):
        raise InvalidFormat(f"expected a decoded EMV payload, got {type(payload).__name__}")
    return payload


def _pairs(objects: object) -> list[tuple[str, str]]:
    if not isinstance(objects, list | tuple):
        raise InvalidFormat(f"expected a list of (id, value) pairs, got {type(objects).__name__}")
    pairs = []
    for item in objects:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise InvalidFormat("expected (id, value) pairs")
        pairs.append((item[0], item[1]))
    return pairs


def compact(text: object) -> str:
    """Return the payload without surrounding white space (spaces inside are meaningful)."""
    return _text(text).strip(" \t\r\n")


def parse_objects(text: object, *, offset: int = 0) -> tuple[DataObject, ...]:
    """Split ``text`` into data objects; ``offset`` is where ``text`` starts in the payload.

    Raises ``InvalidFormat`` with the ``position`` of a non-numeric ID or length, a zero length,
    or a value that runs past the end.

    ```pycon
    >>> parse_objects("0002010102")
    Traceback (most recent call last):
    globalcrm.errors.InvalidFormat: data object 01 runs past the end of the text (position 6)

    ```
    """
    text = _text(text)
    if isinstance(offset, bool) or not isinstance(offset, int):
        raise InvalidFormat("expected an integer offset")
    objects = []
    index = 0
    end = len(text)
    while index < end:
        head = text[index : index + 4]
        if len(head) < 4 or not (head.isascii() and head.isdigit()):
            raise InvalidFormat(
                "expected a two-digit ID and a two-digit length", position=offset + index
            )
        length = int(head[2:])
        if length == 0:
            raise InvalidFormat(
                f"data object {head[:2]} has length 00", position=offset + index + 2
            )
        if index + 4 + length > end:
            raise InvalidFormat(
                f"data object {head[:2]} runs past the end of the text", position=offset + index
            )
        objects.append(DataObject(head[:2], text[index + 4 : index + 4 + length], offset + index))
        index += 4 + length
    return tuple(objects)


def template(obj: object) -> tuple[DataObject, ...]:
    """Return the data objects nested in the template ``obj`` (positions in the whole payload)."""
    obj = _object(obj)
    return parse_objects(obj.value, offset=obj.value_position)


def verify_crc(text: object) -> str:
    """Check that ``text`` ends with ``6304`` and a matching CRC; return the CRC in upper case."""
    text = _text(text)
    if len(text) < 8 or text[-8:-4] != _CRC_TAG or not all(c in _HEX for c in text[-4:]):
        raise InvalidFormat(
            "the payload does not end with the CRC data object 6304XXXX",
            position=max(len(text) - 8, 0),
        )
    expected = crc16(text[:-4])
    found = text[-4:].upper()
    if found != expected:
        raise InvalidChecksum("the CRC does not match the payload", position=len(text) - 4)
    return found


def _check_structure(text: str) -> Payload:
    if len(text) > MAX_LENGTH:
        raise InvalidLength(f"the payload is longer than {MAX_LENGTH} characters")
    if not text:
        raise InvalidFormat("the payload is empty")
    crc = verify_crc(text)
    objects = parse_objects(text)
    seen: set[str] = set()
    for obj in objects:
        if obj.id in seen:
            raise InvalidFormat(
                f"data object {obj.id} appears more than once", position=obj.position
            )
        seen.add(obj.id)
    if objects[0].id != "00" or objects[0].value != "01":
        raise InvalidFormat(
            "the payload format indicator (00) must come first and be 01", position=0
        )
    last = objects[-1]
    if last.id != "63" or last.position != len(text) - 8:
        raise InvalidFormat("the CRC (63) must be the last data object", position=last.position)
    return Payload(objects, crc)


def parse(text: object) -> Payload:
    """Check the EMV layer of ``text`` (TLV syntax, ``00`` first, CRC last) and decode it.

    IDs may appear once each at the top level. Templates are not opened here: use
    :func:`template`.
    """
    return _check_structure(compact(text))


def validate(text: object) -> str:
    """Return the payload (without surrounding white space) if its EMV layer is valid."""
    value = compact(text)
    _check_structure(value)
    return value


def is_valid(text: object) -> bool:
    """Whether ``text`` is a well-formed EMV MPM payload with a correct CRC (never raises)."""
    try:
        validate(text)
    except (InvalidFormat, InvalidChecksum):
        return False
    return True


def format(text: object) -> str:
    """Return the payload as it is shown and copied ("copia e cola"): compacted, nothing added."""
    return compact(text)


def build_object(tag: object, value: object) -> str:
    """Encode one data object; the value must be 1-99 characters."""
    if not isinstance(tag, str) or len(tag) != 2 or not (tag.isascii() and tag.isdigit()):
        raise InvalidFormat("an EMV data object ID is two digits")
    if not isinstance(value, str):
        raise InvalidFormat(f"data object {tag}: expected text, got {type(value).__name__}")
    if not 1 <= len(value) <= 99:
        raise InvalidLength(f"data object {tag} must hold 1-99 characters")
    return f"{tag}{len(value):02d}{value}"


def build_template(objects: object) -> str:
    """Encode the value of a template from ``(id, value)`` pairs."""
    return "".join(build_object(tag, value) for tag, value in _pairs(objects))


def append_crc(body: object) -> str:
    """Append ``6304`` and the CRC computed over ``body`` + ``6304``."""
    body = _text(body)
    data = body + _CRC_TAG
    return data + crc16(data)


def build(objects: object) -> str:
    """Encode ``(id, value)`` pairs (without ``63``) and append the CRC."""
    payload = append_crc(build_template(objects))
    if len(payload) > MAX_LENGTH:
        raise InvalidLength(f"the payload would be longer than {MAX_LENGTH} characters")
    return payload


def parse_amount(obj: object) -> Decimal:
    """Decode the transaction amount (``54``): digits with at most one ``.`` and 2 decimals."""
    obj = _object(obj)
    value = obj.value
    if len(value) > 13:
        raise InvalidLength(
            "the amount (54) is longer than 13 characters", position=obj.value_position
        )
    if not _AMOUNT_RE.fullmatch(value):
        raise InvalidFormat(
            "the amount (54) must be digits with at most one '.' and two decimals",
            position=obj.value_position,
        )
    return Decimal(value)


def format_amount(amount: object, *, field: str = "amount") -> str:
    """Encode an amount of zero or more with two decimals (``Decimal``, ``int``, text; no float)."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        raise InvalidFormat("expected a Decimal amount", field=field)
    try:
        value = Decimal(amount) if not isinstance(amount, str) else Decimal(amount.strip())
    except (decimal.InvalidOperation, ValueError) as error:
        raise InvalidFormat("not a decimal amount", field=field) from error
    if not value.is_finite() or value < 0:
        raise InvalidFormat("the amount must be a finite number, zero or more", field=field)
    if value != value.quantize(Decimal("0.01"), rounding=decimal.ROUND_DOWN):
        raise InvalidFormat("the amount has more than two decimals", field=field)
    text = f"{value:.2f}"
    if len(text) > 13:
        raise InvalidLength("the amount is longer than 13 characters", field=field)
    return text


def templates_with_gui(
    payload: object, gui: object, *, ids: Iterable[str] | None = None
) -> list[tuple[DataObject, tuple[DataObject, ...]]]:
    """Return the templates (26-51 by default) whose sub-object ``00`` equals ``gui`` (any case).

    A template of another scheme that does not parse is skipped, not rejected: one scheme's
    validator should not fail a code for another scheme's data.
    """
    payload = _payload(payload)
    gui = _text(gui)
    wanted = _MERCHANT_IDS if ids is None else frozenset(ids)
    found = []
    for obj in payload.objects:
        if obj.id not in wanted:
            continue
        if not obj.value[4:].lower().startswith(gui.lower()) or obj.value[:2] != "00":
            continue
        inner = template(obj)
        if inner and inner[0].id == "00" and inner[0].value.lower() == gui.lower():
            found.append((obj, inner))
    return found


def sub_value(objects: object, tag: str) -> DataObject | None:
    """Return the object with ``tag`` among ``objects`` (a template's content), or ``None``."""
    if not isinstance(objects, list | tuple):
        raise InvalidFormat(f"expected data objects, got {type(objects).__name__}")
    for obj in map(_object, objects):
        if obj.id == tag:
            return obj
    return None


def is_template_id(tag: object) -> bool:
    """Whether ``tag`` is a template ID (26-51 merchant account, 62, 64, 80-99)."""
    if not isinstance(tag, str):
        return False
    return tag in _TEMPLATE_IDS


def check_ans(obj: object, what: str, max_length: int) -> str:
    """Return ``obj.value`` if it is 1-``max_length`` characters of EMV's common character set."""
    obj = _object(obj)
    if len(obj.value) > max_length:
        raise InvalidLength(
            f"the {what} ({obj.id}) is longer than {max_length} characters",
            position=obj.value_position,
        )
    if not is_ans(obj.value):
        raise InvalidFormat(
            f"the {what} ({obj.id}) has characters outside EMV's common set (0x20-0x7E)",
            position=obj.value_position,
        )
    return obj.value


def check_point_of_initiation(payload: object) -> str | None:
    """Return ``01`` (``11`` static, ``12`` dynamic) if present; any other value is an error."""
    payload = _payload(payload)
    obj = payload.get("01")
    if obj is None:
        return None
    if obj.value not in ("11", "12"):
        raise InvalidFormat(
            "the point of initiation method (01) must be 11 or 12", position=obj.value_position
        )
    return obj.value


def required(payload: object, tag: str, what: str) -> DataObject:
    """Return the top-level object ``tag``; ``InvalidFormat`` names ``what`` when it is missing."""
    payload = _payload(payload)
    obj = payload.get(tag)
    if obj is None:
        raise InvalidFormat(f"the {what} ({tag}) is missing")
    return obj


def check_fixed(payload: object, tag: str, what: str, expected: str) -> str:
    """Return the object ``tag`` if it equals ``expected`` (currency ``53``, country ``58``)."""
    obj = required(payload, tag, what)
    if obj.value != expected:
        raise InvalidComponent(
            f"the {what} ({tag}) must be {expected}", position=obj.value_position
        )
    return obj.value


def check_mcc(payload: object) -> str:
    """Return the merchant category code (``52``): 4 digits."""
    payload = _payload(payload)
    obj = required(payload, "52", "merchant category code")
    if not (len(obj.value) == 4 and obj.value.isascii() and obj.value.isdigit()):
        raise InvalidFormat(
            "the merchant category code (52) must be 4 digits", position=obj.value_position
        )
    return obj.value


def fold_ans(value: object, *, field: str, max_length: int) -> str:
    """Return ``value`` folded to EMV's common character set (accents dropped: São -> Sao).

    Raises ``InvalidFormat`` when a character has no such form (e.g. CJK) and ``InvalidLength``
    when the result is empty or longer than ``max_length``.

    ```pycon
    >>> fold_ans("São Paulo", field="merchant_city", max_length=15)
    'Sao Paulo'

    ```
    """
    if not isinstance(field, str) or type(max_length) is not int:
        raise InvalidFormat("fold_ans needs a field name and an integer max_length")
    if not isinstance(value, str):
        raise InvalidFormat(f"expected text, got {type(value).__name__}", field=field)
    folded = "".join(
        char
        for char in unicodedata.normalize("NFKD", value.strip())
        if not unicodedata.combining(char)
    )
    if not is_ans(folded):
        raise InvalidFormat(
            "has characters outside EMV's common set (0x20-0x7E) even without accents",
            field=field,
        )
    if not 1 <= len(folded) <= max_length:
        raise InvalidLength(f"must hold 1-{max_length} characters", field=field)
    return folded
