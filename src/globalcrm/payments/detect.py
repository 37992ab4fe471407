"""Guess which payment format a piece of text is, and say what is wrong with it.

Used by ``globalcrm payments validate TEXT``. Detection looks at the shape only (a prefix, the
digits, a marker such as ``br.gov.bcb.pix``); :func:`explain` then runs the format's own
validator and reports its verdict with the position of the problem.

```pycon
>>> [name for name, _ in detect("upi://pay?pa=shop@icici&pn=Shop")]
['upi']
>>> [name for name, _ in detect("AT61 1904 3002 3457 3201")]
['iban']
>>> print(explain("AT61 1904 3002 3457 3202"))
IBAN: invalid: the IBAN check digits do not match (position 2)
>>> print(explain("RF18 5390 0754 7034"))
Swiss QR-bill / ISO 11649 reference: valid

```
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from types import ModuleType

from globalcrm.errors import GlobalCRMError, InvalidFormat, InvalidLength

__all__ = ["FORMATS", "MAX_LENGTH", "detect", "explain"]

MAX_LENGTH = 4096
"""The longest text looked at (every payload we know fits in a QR code)."""

FORMATS = {
    "boleto": "Boleto",
    "emv_qr": "EMV merchant-presented QR",
    "epc_qr": "EPC QR (SEPA credit transfer)",
    "iban": "IBAN",
    "paynow": "PayNow (SGQR)",
    "pix": "Pix BR Code",
    "promptpay": "PromptPay (Thai QR)",
    "swiss_qr": "Swiss QR-bill",
    "swiss_qr_reference": "Swiss QR-bill / ISO 11649 reference",
    "upi": "UPI link",
    "upi_vpa": "UPI address (VPA)",
}
"""Format names :func:`detect` returns and the titles :func:`explain` uses."""

_IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_APP_SCHEMES = ("gpay://", "tez://", "phonepe://", "paytmmp://", "bhim://")


def _module(name: str) -> ModuleType | None:
    """Import ``globalcrm.payments.<name>``; ``None`` while that module does not exist yet."""
    try:
        return importlib.import_module(f"globalcrm.payments.{name}")
    except ModuleNotFoundError:
        return None


def _text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidFormat(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise InvalidLength(f"longer than {MAX_LENGTH} characters")
    return text


def _candidates(value: str) -> list[tuple[str, str]]:
    """``(format name, module name)`` pairs, most likely first."""
    lower = value.lower()
    if lower.startswith("upi:") or lower.startswith(_APP_SCHEMES):
        return [("upi", "upi")]
    first = value.replace("\r\n", "\n").replace("\r", "\n").split("\n", 1)[0]
    if first == "BCD":
        return [("epc_qr", "epc_qr")]
    if first == "SPC":
        return [("swiss_qr", "swiss_qr")]
    squeezed = "".join(value.split())
    digits = squeezed.replace(".", "").replace("-", "")
    if digits.isascii() and digits.isdigit():
        found = []
        if len(digits) in (44, 47, 48):
            found.append(("boleto", "boleto"))
        if len(digits) == 27:
            found.append(("swiss_qr_reference", "swiss_qr"))
        if value.startswith("000201"):
            found.append(("emv_qr", "emv_qr"))
        return found
    if value.startswith("000201"):
        if "br.gov.bcb" in lower:
            return [("pix", "pix"), ("emv_qr", "emv_qr")]
        if "a000000677" in lower:
            return [("promptpay", "promptpay"), ("emv_qr", "emv_qr")]
        if "sg.paynow" in lower:
            return [("paynow", "paynow"), ("emv_qr", "emv_qr")]
        return [("emv_qr", "emv_qr")]
    if squeezed.upper().startswith("RF") and squeezed[2:4].isdigit():
        return [("swiss_qr_reference", "swiss_qr")]
    if _IBAN_RE.fullmatch(digits.upper()):
        return [("iban", "iban")]
    if "@" in value and "://" not in value:
        return [("upi_vpa", "upi")]
    return []


def detect(text: object) -> list[tuple[str, ModuleType]]:
    """Return the formats ``text`` looks like, most likely first, with the module to check it.

    Only modules that are installed are listed. The text is not validated here.
    """
    value = _text(text).strip()
    found = []
    for name, module_name in _candidates(value):
        module = _module(module_name)
        if module is not None:
            found.append((name, module))
    return found


def _validator(name: str, module: ModuleType) -> Callable[[str], object]:
    if name == "swiss_qr_reference":
        return module.validate_reference  # type: ignore[no-any-return]
    if name == "upi_vpa":
        return module.validate_vpa  # type: ignore[no-any-return]
    return module.validate  # type: ignore[no-any-return]


def explain(text: object) -> str:
    """Name the most likely format of ``text`` and say whether it is valid, and if not, why.

    The first line is the most likely format: ``<title>: valid`` or ``<title>: invalid: <reason>
    (position N)``. When it is invalid, a second line may name a looser format the text does
    satisfy (``(it is a well-formed EMV merchant-presented QR)`` for a Pix code that breaks the
    Pix rules). Only our own messages are shown, never the value itself.
    """
    value = _text(text).strip()
    if not value:
        return "empty text: nothing to check"
    candidates = detect(value)
    if not candidates:
        return (
            "not a payment format globalcrm recognises (expected a Boleto, Pix/EMV QR, UPI link, "
            "EPC QR, Swiss QR-bill, IBAN or creditor reference)"
        )
    lines = []
    for index, (name, module) in enumerate(candidates):
        title = FORMATS[name]
        try:
            _validator(name, module)(value)
        except GlobalCRMError as error:
            if index == 0:
                lines.append(f"{title}: invalid: {error}")
            continue
        lines.append(f"{title}: valid" if index == 0 else f"(it is a well-formed {title})")
        break
    return "\n".join(lines)
