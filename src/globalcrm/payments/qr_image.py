r"""QR code images (SVG and PNG) of payment payloads, drawn with segno at each scheme's level.

Specs: ISO/IEC 18004:2015 (QR code); the error-correction level each scheme sets: EPC069-12
v2.1 (EPC QR: level M, byte mode, version 13 at most) and the SIX "Swiss Implementation
Guidelines for the QR-bill" v2.3 (Swiss QR Code: level M, byte mode
UTF-8, version 25 at most). EMV payloads (Pix, PromptPay, PayNow), UPI links and anything else
get level M too unless the caller passes ``error=``. segno's "boost" of the level is switched
off, so the code carries exactly the level asked for.

An EPC QR payload is encoded in the character set its third line declares (ISO 8859-1 for
``2``), everything else as UTF-8. Boleto is printed as an Interleaved 2 of 5 barcode, not a QR
code, and is refused here.

```pycon
>>> code = qr_code("BCD\n002\n1\nSCT\n\nRed Cross\nBE72000000001616", scheme="epc_qr")
>>> code.error
'M'
>>> png("upi://pay?pa=shop@icici&pn=Shop", scheme="upi")[:8]
b'\x89PNG\r\n\x1a\n'
>>> svg("upi://pay?pa=shop@icici&pn=Shop", scheme="upi")[:5]
b'<?xml'

```
"""

from __future__ import annotations

import io
import os
import pathlib

import segno

from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput, InvalidLength

__all__ = ["ERROR_LEVELS", "MAX_VERSIONS", "error_level", "png", "qr_code", "svg"]

ERROR_LEVELS = {
    "emv_qr": "M",
    "epc_qr": "M",
    "generic": "M",
    "paynow": "M",
    "pix": "M",
    "promptpay": "M",
    "swiss_qr": "M",
    "upi": "M",
}
"""The error-correction level used per scheme name (``generic`` for anything else)."""

MAX_VERSIONS = {"epc_qr": 13, "swiss_qr": 25}
"""The largest QR version (size) a scheme allows."""

_EPC_CODECS = {
    "1": "utf-8",
    "2": "iso-8859-1",
    "3": "iso-8859-2",
    "4": "iso-8859-4",
    "5": "iso-8859-5",
    "6": "iso-8859-7",
    "7": "iso-8859-10",
    "8": "iso-8859-15",
}
_MAX_PAYLOAD = 2953
"""A version 40 QR code at level L holds at most 2953 bytes."""


def error_level(scheme: object = "generic") -> str:
    """Return the error-correction level (``L``, ``M``, ``Q`` or ``H``) used for ``scheme``."""
    if not isinstance(scheme, str):
        raise InvalidFormat("expected a scheme name", field="scheme")
    if scheme == "boleto":
        raise InvalidComponent("boleto is printed as an ITF barcode, not a QR code", field="scheme")
    if scheme not in ERROR_LEVELS:
        raise InvalidComponent(
            f"unknown scheme {scheme[:20]!r} (expected one of {', '.join(sorted(ERROR_LEVELS))})",
            field="scheme",
        )
    return ERROR_LEVELS[scheme]


def _encoding(payload: str, scheme: str) -> str:
    if scheme == "epc_qr":
        lines = payload.replace("\r\n", "\n").split("\n")
        if len(lines) > 2 and lines[2] in _EPC_CODECS:
            return _EPC_CODECS[lines[2]]
    return "utf-8"


def qr_code(payload: object, *, scheme: str = "generic", error: str | None = None) -> segno.QRCode:
    """Return the segno ``QRCode`` of ``payload`` at the scheme's level (or ``error``).

    The payload is not validated here (validate it with its format module first); the scheme
    picks the level, the largest version and, for EPC QR, the character set.
    """
    if not isinstance(payload, str):
        raise InvalidFormat(f"expected text, got {type(payload).__name__}", field="payload")
    if not payload:
        raise InvalidFormat("the payload is empty", field="payload")
    if len(payload) > _MAX_PAYLOAD:
        raise InvalidLength("the payload does not fit in a QR code", field="payload")
    level = error_level(scheme)
    if error is not None:
        if not isinstance(error, str) or error.upper() not in ("L", "M", "Q", "H"):
            raise InvalidComponent("the error level is L, M, Q or H", field="error")
        level = error.upper()
    encoding = _encoding(payload, scheme)
    try:
        payload.encode(encoding)
    except UnicodeEncodeError as exc:
        raise InvalidFormat(
            f"the payload cannot be written as {encoding}", field="payload", position=exc.start
        ) from exc
    except UnicodeError as exc:  # lone surrogates
        raise InvalidFormat("the payload is not valid text", field="payload") from exc
    try:
        code = segno.make_qr(payload, error=level, encoding=encoding, boost_error=False)
    except segno.DataOverflowError as exc:
        raise InvalidLength("the payload does not fit in a QR code", field="payload") from exc
    except (ValueError, UnicodeError) as exc:
        raise InvalidFormat("segno cannot encode this payload", field="payload") from exc
    limit = MAX_VERSIONS.get(scheme)
    if limit is not None and isinstance(code.version, int) and code.version > limit:
        raise InvalidLength(
            f"{scheme} allows QR version {limit} at most, this payload needs {code.version}",
            field="payload",
        )
    return code


def _output(
    payload: object,
    kind: str,
    *,
    scheme: str,
    error: str | None,
    scale: int,
    border: int | None,
    path: object,
) -> bytes:
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 100:
        raise InvalidFormat("scale is a whole number 1-100", field="scale")
    if border is not None and (
        isinstance(border, bool) or not isinstance(border, int) or not 0 <= border <= 100
    ):
        raise InvalidFormat("border is a whole number 0-100", field="border")
    if path is not None and not isinstance(path, str | os.PathLike):
        raise InvalidFormat("expected a file path", field="path")
    code = qr_code(payload, scheme=scheme, error=error)
    buffer = io.BytesIO()
    code.save(buffer, kind=kind, scale=scale, border=border)
    data = buffer.getvalue()
    if path is not None:
        try:
            pathlib.Path(path).write_bytes(data)
        except OSError as exc:
            raise InvalidInput("cannot write the image file", field="path") from exc
    return data


def svg(
    payload: object,
    *,
    scheme: str = "generic",
    error: str | None = None,
    scale: int = 4,
    border: int | None = None,
    path: object = None,
) -> bytes:
    """Return the QR code of ``payload`` as SVG bytes; with ``path``, also write them there.

    ``border`` is the quiet zone in modules (segno's default, 4, when ``None``).
    """
    return _output(
        payload, "svg", scheme=scheme, error=error, scale=scale, border=border, path=path
    )


def png(
    payload: object,
    *,
    scheme: str = "generic",
    error: str | None = None,
    scale: int = 4,
    border: int | None = None,
    path: object = None,
) -> bytes:
    """Return the QR code of ``payload`` as PNG bytes; with ``path``, also write them there."""
    return _output(
        payload, "png", scheme=scheme, error=error, scale=scale, border=border, path=path
    )
