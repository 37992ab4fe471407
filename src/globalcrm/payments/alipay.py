"""Alipay: verify asynchronous notifications and sign outgoing requests (RSA2).

Spec: Alipay Open Platform, "Asynchronous notification" signature verification and "Sign
request" (https://opendocs.alipay.com/common/02mse7 and https://opendocs.alipay.com/common/02kf5q;
English: https://global.alipay.com/docs/ac/app/async).

A notification is POSTed as form parameters. To verify it, drop ``sign`` and ``sign_type`` and
every empty value, sort the remaining keys by ASCII code, join ``key=value`` with ``&`` (values as
received, already URL-decoded, never re-encoded) and check ``sign`` (base64) as an RSA
PKCS#1 v1.5 signature with SHA-256 ("RSA2") under the **Alipay** public key (not your app's key).
Alipay's own Node SDK also accepts a signature made with ``sign_type`` kept in the content;
:func:`verify_notification` does the same as a fallback. After verifying, still check
``app_id``, ``out_trade_no`` and ``total_amount`` against your order before answering
``success``.

Requests you send are signed the same way except that only ``sign`` is left out (``sign_type``
is part of the signed content): :func:`sign`.

Keys may be PEM text or the bare base64 body that Alipay's console shows.

```pycon
>>> content = sign_content({"b": "2", "a": "1", "sign": "x", "sign_type": "RSA2", "c": ""})
>>> content
'a=1&b=2'

```
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from cryptography import x509
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidLength

__all__ = [
    "MAX_PARAMS",
    "load_private_key",
    "load_public_key",
    "sign",
    "sign_content",
    "verify_notification",
]

MAX_PARAMS = 200
"""The most parameters a notification or request may have."""
_MAX_VALUE = 100_000
_MAX_KEY_TEXT = 20_000


def _params(params: object, *, field: str = "params") -> dict[str, str]:
    if not isinstance(params, Mapping):
        raise InvalidFormat("expected a mapping of parameter names to values", field=field)
    if len(params) > MAX_PARAMS:
        raise InvalidLength(f"more than {MAX_PARAMS} parameters", field=field)
    result: dict[str, str] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise InvalidFormat("parameter names are non-empty text", field=field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise InvalidFormat("parameter values are text", field=f"{field}.{key[:40]}")
        if len(value) > _MAX_VALUE:
            raise InvalidLength("the parameter value is too long", field=f"{field}.{key[:40]}")
        result[key] = value
    return result


def _content(params: Mapping[str, str], leave_out: tuple[str, ...]) -> str:
    return "&".join(
        f"{key}={params[key]}"
        for key in sorted(params)
        if key not in leave_out and params[key] != ""
    )


def sign_content(params: object, *, keep_sign_type: bool = False) -> str:
    """Return the text Alipay signs: sorted ``key=value`` pairs joined with ``&``.

    ``sign``, ``sign_type`` (unless ``keep_sign_type``) and empty values are left out.
    """
    values = _params(params)
    leave_out = ("sign",) if keep_sign_type else ("sign", "sign_type")
    return _content(values, leave_out)


def _pem_text(pem: object, *, field: str) -> bytes:
    if isinstance(pem, bytes):
        try:
            pem = pem.decode("ascii")
        except UnicodeDecodeError as error:
            raise InvalidFormat("the key is not PEM text", field=field) from error
    if not isinstance(pem, str):
        raise InvalidFormat("expected a PEM key as text", field=field)
    if not pem.strip() or len(pem) > _MAX_KEY_TEXT:
        raise InvalidFormat("expected a PEM key as text", field=field)
    return pem.strip().encode("ascii", "replace")


def _wrap(body: bytes, label: str) -> bytes:
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return b"\n".join(
        [f"-----BEGIN {label}-----".encode(), *lines, f"-----END {label}-----".encode()]
    )


def load_public_key(pem: object) -> rsa.RSAPublicKey:
    """Load an RSA public key from PEM (public key or X.509 certificate) or bare base64."""
    data = _pem_text(pem, field="public_key_pem")
    candidates = (
        [data]
        if data.startswith(b"-----")
        else [
            _wrap(b"".join(data.split()), "PUBLIC KEY"),
            _wrap(b"".join(data.split()), "CERTIFICATE"),
        ]
    )
    for candidate in candidates:
        key: object
        try:
            if b"CERTIFICATE" in candidate[:40]:
                key = x509.load_pem_x509_certificate(candidate).public_key()
            else:
                key = serialization.load_pem_public_key(candidate)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
        if isinstance(key, rsa.RSAPublicKey):
            return key
        raise InvalidComponent("Alipay keys are RSA keys", field="public_key_pem")
    raise InvalidFormat("not a PEM public key or certificate", field="public_key_pem")


def load_private_key(pem: object) -> rsa.RSAPrivateKey:
    """Load an RSA private key from PEM (PKCS#1 or PKCS#8) or bare base64 (either form)."""
    data = _pem_text(pem, field="private_key_pem")
    candidates = (
        [data]
        if data.startswith(b"-----")
        else [
            _wrap(b"".join(data.split()), "PRIVATE KEY"),
            _wrap(b"".join(data.split()), "RSA PRIVATE KEY"),
        ]
    )
    for candidate in candidates:
        try:
            key = serialization.load_pem_private_key(candidate, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
        if isinstance(key, rsa.RSAPrivateKey):
            return key
        raise InvalidComponent("Alipay keys are RSA keys", field="private_key_pem")
    raise InvalidFormat("not an unencrypted PEM private key", field="private_key_pem")


def _verify(key: rsa.RSAPublicKey, signature: bytes, content: str) -> bool:
    try:
        key.verify(signature, content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except _CryptoInvalidSignature:
        return False
    return True


def verify_notification(params: object, *, public_key_pem: object) -> bool:
    """Whether the notification's ``sign`` is Alipay's RSA2 signature over its parameters.

    Returns ``False`` for a missing, malformed or wrong signature, and for ``sign_type`` other
    than ``RSA2``; raises ``InvalidInput`` only when the arguments themselves are unusable
    (not a mapping, not a key).
    """
    key = load_public_key(public_key_pem)
    values = _params(params)
    sign_type = values.get("sign_type", "RSA2")
    encoded = values.get("sign", "")
    if sign_type.upper() != "RSA2" or not encoded:
        return False
    try:
        signature = base64.b64decode(encoded.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return False
    if _verify(key, signature, _content(values, ("sign", "sign_type"))):
        return True
    return "sign_type" in values and _verify(key, signature, _content(values, ("sign",)))


def sign(params: object, *, private_key_pem: object) -> str:
    """Return the base64 RSA2 signature of a request's parameters (``sign`` left out).

    Put the result in the ``sign`` parameter; ``sign_type`` should be ``RSA2`` and is part of
    the signed content, as Alipay's request-signing rule says.
    """
    key = load_private_key(private_key_pem)
    content = sign_content(params, keep_sign_type=True)
    signature = key.sign(content.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode("ascii")
