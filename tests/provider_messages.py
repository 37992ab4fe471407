"""Provider messages made the way the providers make them, with test keys made here.

Alipay signs the sorted ``key=value`` content (``sign`` and ``sign_type`` left out) with RSA
SHA-256; WeChat Pay signs ``timestamp\\nnonce\\nbody\\n`` with its platform key and encrypts the
resource with AEAD_AES_256_GCM under the merchant's APIv3 key. The real notifications in
``../shared/conformance/payments`` are used where they fit (the Alipay one is a real trade).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from globalcrm.payments import alipay

CONFORMANCE = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "payments"
API_V3_KEY = "0123456789abcdef0123456789ABCDEF"  # a test APIv3 key: 32 ASCII characters


def real_alipay_notification() -> dict[str, Any]:
    """The real 2019 Alipay notification of the conformance data, with its public key."""
    with (CONFORMANCE / "alipay_notify.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record: dict[str, Any] = json.loads(line)
            if record["valid"] and record.get("kind") == "async_notification":
                return record
    raise AssertionError("no valid Alipay notification in the conformance data")


@functools.cache
def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_key_pem() -> str:
    """The test key's public half, as Alipay's console shows a public key (PEM)."""
    return (
        _rsa_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def alipay_notification(**fields: str) -> dict[str, str]:
    """An Alipay notification of ``fields``, signed as Alipay signs one."""
    params = {
        "notify_type": "trade_status_sync",
        "notify_time": "2026-12-03 16:00:05",
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "app_id": "2021000000000001",
        **fields,
    }
    content = alipay.sign_content(params).encode("utf-8")
    signature = _rsa_key().sign(content, padding.PKCS1v15(), hashes.SHA256())
    params["sign"] = base64.b64encode(signature).decode("ascii")
    return params


@functools.cache
def platform_certificate_pem() -> str:
    """A self-signed certificate for the test key, as WeChat Pay's platform certificate."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA test")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(_rsa_key().public_key())
        .serial_number(0x5157F09EFDC096DE15EBE81A47057A72)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .sign(_rsa_key(), hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def wechat_pay_notification(
    resource: dict[str, Any], *, event_type: str, now: dt.datetime, event_id: str = "EV-1"
) -> tuple[dict[str, str], str]:
    """Headers and body of a WeChat Pay notification carrying ``resource``, sent at ``now``."""
    nonce = os.urandom(6).hex()  # 12 characters, as WeChat Pay sends
    aad = "transaction"
    ciphertext = AESGCM(API_V3_KEY.encode()).encrypt(
        nonce.encode(), json.dumps(resource).encode(), aad.encode()
    )
    body = json.dumps({
        "id": event_id,
        "create_time": now.isoformat(),
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": "支付成功",
        "resource": {
            "original_type": aad,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode("ascii"),
            "associated_data": aad,
            "nonce": nonce,
        },
    })
    timestamp = str(int(now.timestamp()))
    header_nonce = os.urandom(16).hex()
    message = f"{timestamp}\n{header_nonce}\n{body}\n".encode()
    signature = _rsa_key().sign(message, padding.PKCS1v15(), hashes.SHA256())
    headers = {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": header_nonce,
        "Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A72",
        "Wechatpay-Signature": base64.b64encode(signature).decode("ascii"),
    }
    return headers, body


def wechat_transaction(
    out_trade_no: str, *, state: str = "SUCCESS", total: int = 100
) -> dict[str, Any]:
    """The decrypted resource of a WeChat Pay payment notification (amounts in fen)."""
    return {
        "mchid": "1230000109",
        "appid": "wxd678efh567hg6787",
        "out_trade_no": out_trade_no,
        "transaction_id": "4200000000202612030000000001",
        "trade_type": "NATIVE",
        "trade_state": state,
        "trade_state_desc": "支付成功",
        "success_time": "2026-12-03T16:00:00+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {
            "total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"
        },
    }


def wechat_refund(
    out_trade_no: str, *, refund: int, out_refund_no: str, status: str = "SUCCESS"
) -> dict[str, Any]:
    """The decrypted resource of a WeChat Pay refund notification."""
    return {
        "mchid": "1230000109",
        "out_trade_no": out_trade_no,
        "transaction_id": "4200000000202612030000000001",
        "out_refund_no": out_refund_no,
        "refund_id": "50000000382019052709732678859",
        "refund_status": status,
        "success_time": "2026-12-03T17:00:00+08:00",
        "amount": {"total": 10000, "refund": refund, "payer_total": 10000, "payer_refund": refund},
    }
