r"""WeChat Pay API v3: verify notifications, decrypt their resource, sign requests.

Spec: WeChat Pay API v3 "Signature verification", "Callback notification" and "Certificate and
callback message decryption" (https://pay.weixin.qq.com/doc/v3/merchant/4012365342,
https://pay.weixin.qq.com/doc/v3/merchant/4012071382; in English:
https://pay.weixin.qq.com/wiki/doc/apiv3_partner/wechatpay/wechatpay4_1.shtml).

A notification is verified over ``Wechatpay-Timestamp`` + ``\n`` + ``Wechatpay-Nonce`` +
``\n`` + the raw body + ``\n``: ``Wechatpay-Signature`` is its base64 RSA PKCS#1 v1.5 SHA-256
signature under the platform certificate named by ``Wechatpay-Serial`` (or the WeChat Pay
public key, serial ``PUB_KEY_ID_...``). The timestamp must be within 5 minutes of ``now``, and a
signature starting ``WECHATPAY/SIGNTEST/`` is WeChat Pay's probe and never verifies. The
``resource`` of the body is AEAD_AES_256_GCM: the key is your 32-byte APIv3 key, the nonce and
associated data come with it, and the ciphertext (base64) ends with the 16-byte tag.

Requests are signed over ``METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`` with the merchant's
private key and sent as ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid="...",...``.

```pycon
>>> message = signed_message("1624523846", "EcZ9Cmy4", '{"id":"1"}')
>>> message
'1624523846\nEcZ9Cmy4\n{"id":"1"}\n'

```
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping

from cryptography import x509
from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidLength, InvalidSignature

__all__ = [
    "MAX_CLOCK_SKEW",
    "authorization_header",
    "decrypt_notification",
    "decrypt_resource",
    "sign",
    "signed_message",
    "verify_notification",
    "verify_signature",
]

MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far ``Wechatpay-Timestamp`` may be from ``now``."""

_MAX_BODY = 1_000_000
_MAX_KEY_TEXT = 20_000
_PROBE = "WECHATPAY/SIGNTEST/"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_SERIAL_RE = re.compile(r"[A-Za-z0-9_]{1,64}")


def _text(value: object, *, field: str, limit: int = _MAX_BODY) -> str:
    if not isinstance(value, str):
        raise InvalidFormat(f"expected text, got {type(value).__name__}", field=field)
    if len(value) > limit:
        raise InvalidLength("too long", field=field)
    return value


def _bytes_or_text(value: object, *, field: str) -> bytes:
    if isinstance(value, bytes):
        if len(value) > _MAX_BODY:
            raise InvalidLength("too long", field=field)
        return value
    try:
        return _text(value, field=field).encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidFormat("the text is not valid Unicode", field=field) from error


def _pem(value: object, *, field: str) -> bytes:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_KEY_TEXT:
        raise InvalidFormat("expected PEM text", field=field)
    return value.strip().encode("ascii", "replace")


def _platform_key(pem: object) -> tuple[rsa.RSAPublicKey, str | None]:
    """The public key and, for a certificate, its serial number in upper-case hex."""
    data = _pem(pem, field="platform_certificate_pem")
    key: object
    serial: str | None = None
    try:
        if b"CERTIFICATE" in data[:40]:
            certificate = x509.load_pem_x509_certificate(data)
            key = certificate.public_key()
            serial = f"{certificate.serial_number:X}"
        else:
            key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise InvalidFormat(
            "not a PEM certificate or public key", field="platform_certificate_pem"
        ) from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidComponent("WeChat Pay keys are RSA keys", field="platform_certificate_pem")
    return key, serial


def _private_key(pem: object) -> rsa.RSAPrivateKey:
    data = _pem(pem, field="private_key_pem")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise InvalidFormat(
            "not an unencrypted PEM private key", field="private_key_pem"
        ) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidComponent("WeChat Pay keys are RSA keys", field="private_key_pem")
    return key


def _verify(key: rsa.RSAPublicKey, message: bytes, signature: object) -> bool:
    if not isinstance(signature, str) or not signature or len(signature) > 4096:
        return False
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return False
    try:
        key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except _CryptoInvalidSignature:
        return False
    return True


def verify_signature(
    message: object, signature: object, *, platform_certificate_pem: object
) -> bool:
    """Whether ``signature`` (base64) is WeChat Pay's SHA256withRSA signature of ``message``."""
    key, _ = _platform_key(platform_certificate_pem)
    return _verify(key, _bytes_or_text(message, field="message"), signature)


def signed_message(timestamp: object, nonce: object, body: object) -> str:
    """Return the text a notification's signature covers: timestamp, nonce and body, each + LF."""
    raw = _bytes_or_text(body, field="body")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidFormat("the body is not UTF-8", field="body") from error
    stamp = _text(timestamp, field="timestamp", limit=20)
    return f"{stamp}\n{_text(nonce, field='nonce', limit=64)}\n{text}\n"


def _header(headers: Mapping[object, object], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            return value if isinstance(value, str) else None
    return None


def verify_notification(
    headers: object, body: object, *, platform_certificate_pem: object, now: object
) -> bool:
    """Whether a notification's headers and raw body carry a valid, fresh WeChat Pay signature.

    ``now`` is an aware ``datetime``; a timestamp more than 5 minutes away fails. Header names
    are matched without regard to case. A certificate whose serial is not ``Wechatpay-Serial``
    fails (public keys, serial ``PUB_KEY_ID_...``, are not matched by serial).
    """
    if not isinstance(headers, Mapping):
        raise InvalidFormat("expected the request headers as a mapping", field="headers")
    if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise InvalidFormat("now must be an aware datetime", field="now")
    raw_body = _bytes_or_text(body, field="body")
    key, serial = _platform_key(platform_certificate_pem)
    timestamp = _header(headers, "Wechatpay-Timestamp")
    nonce = _header(headers, "Wechatpay-Nonce")
    signature = _header(headers, "Wechatpay-Signature")
    header_serial = _header(headers, "Wechatpay-Serial")
    if timestamp is None or nonce is None or signature is None:
        return False
    if signature.startswith(_PROBE):
        return False
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if not _TOKEN_RE.fullmatch(nonce):
        return False
    if serial is not None and header_serial is not None:
        if not _SERIAL_RE.fullmatch(header_serial):
            return False
        if not header_serial.startswith("PUB_KEY_ID_") and (
            header_serial.upper().lstrip("0") != serial.lstrip("0")
        ):
            return False
    if abs(now.timestamp() - int(timestamp)) > MAX_CLOCK_SKEW.total_seconds():
        return False
    message = f"{timestamp}\n{nonce}\n".encode() + raw_body + b"\n"
    return _verify(key, message, signature)


def _key_bytes(api_v3_key: object) -> bytes:
    if isinstance(api_v3_key, str):
        if not api_v3_key.isascii():
            raise InvalidFormat("the APIv3 key is 32 ASCII characters", field="api_v3_key")
        api_v3_key = api_v3_key.encode("ascii")
    if not isinstance(api_v3_key, bytes):
        raise InvalidFormat("the APIv3 key is 32 ASCII characters", field="api_v3_key")
    if len(api_v3_key) not in (16, 24, 32):
        raise InvalidLength("the APIv3 key is 32 characters", field="api_v3_key")
    return api_v3_key


def decrypt_resource(
    ciphertext: object, *, nonce: object, associated_data: object, api_v3_key: object
) -> str:
    """Decrypt a notification's ``resource`` (AEAD_AES_256_GCM) and return the plaintext.

    The APIv3 key is 32 characters in production; 16- and 24-byte keys (AES-128/192, as the
    published test vectors use) work the same way. A tag that does not verify (wrong key,
    tampered data) raises ``InvalidSignature``; ciphertext that is not base64 raises
    ``InvalidFormat``.
    """
    key = _key_bytes(api_v3_key)
    raw_nonce = _bytes_or_text(nonce, field="nonce")
    if not 8 <= len(raw_nonce) <= 128:
        raise InvalidLength("the nonce has 8-128 bytes (12 in practice)", field="nonce")
    aad = (
        b"" if associated_data is None else _bytes_or_text(associated_data, field="associated_data")
    )
    text = _text(ciphertext, field="ciphertext")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise InvalidFormat("the ciphertext is not base64", field="ciphertext") from error
    if len(data) < 16:
        raise InvalidSignature("the ciphertext is shorter than its 16-byte tag", field="ciphertext")
    try:
        plain = AESGCM(key).decrypt(raw_nonce, data, aad)
    except InvalidTag as error:
        raise InvalidSignature(
            "the resource does not decrypt with this key", field="ciphertext"
        ) from error
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidFormat("the plaintext is not UTF-8", field="ciphertext") from error


def decrypt_notification(body: object, *, api_v3_key: object) -> str:
    """Decrypt the ``resource`` of a notification body (JSON); verify the signature first."""
    raw = _bytes_or_text(body, field="body")
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise InvalidFormat("the body is not JSON", field="body") from error
    resource = document.get("resource") if isinstance(document, dict) else None
    if not isinstance(resource, dict):
        raise InvalidFormat("the body has no resource object", field="body.resource")
    algorithm = resource.get("algorithm")
    if algorithm != "AEAD_AES_256_GCM":
        raise InvalidComponent(
            "the resource algorithm must be AEAD_AES_256_GCM", field="body.resource.algorithm"
        )
    return decrypt_resource(
        resource.get("ciphertext"),
        nonce=resource.get("nonce"),
        associated_data=resource.get("associated_data") or "",
        api_v3_key=api_v3_key,
    )


def sign(message: object, *, private_key_pem: object) -> str:
    """Return the base64 SHA256withRSA signature of ``message`` under the merchant's key."""
    key = _private_key(private_key_pem)
    data = _bytes_or_text(message, field="message")
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def authorization_header(
    *,
    method: object,
    url: object,
    body: object,
    mchid: object,
    serial_no: object,
    private_key_pem: object,
    now: object,
    nonce: object,
) -> str:
    """Return the ``Authorization`` header value for an API v3 request.

    ``url`` is the path with its query (``/v3/pay/transactions/jsapi``), ``body`` the exact
    JSON text sent (``""`` for GET), ``now`` an aware ``datetime`` and ``nonce`` a random string
    you generate (letters and digits, at most 32).
    """
    verb = _text(method, field="method", limit=10).upper()
    if verb not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise InvalidComponent("method must be GET, POST, PUT, PATCH or DELETE", field="method")
    path = _text(url, field="url", limit=2048)
    if not path.startswith("/") or any(c.isspace() for c in path):
        raise InvalidFormat("url is the absolute path and query, starting with /", field="url")
    merchant = _text(mchid, field="mchid", limit=32)
    serial = _text(serial_no, field="serial_no", limit=64)
    token = _text(nonce, field="nonce", limit=32)
    for value, field in ((merchant, "mchid"), (serial, "serial_no"), (token, "nonce")):
        if not _TOKEN_RE.fullmatch(value):
            raise InvalidFormat("letters, digits, '_' and '-' only", field=field)
    if not isinstance(now, dt.datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise InvalidFormat("now must be an aware datetime", field="now")
    timestamp = str(int(now.timestamp()))
    raw_body = _bytes_or_text(body, field="body")
    message = f"{verb}\n{path}\n{timestamp}\n{token}\n".encode() + raw_body + b"\n"
    signature = sign(message, private_key_pem=private_key_pem)
    return (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{merchant}",nonce_str="{token}",'
        f'signature="{signature}",timestamp="{timestamp}",serial_no="{serial}"'
    )
