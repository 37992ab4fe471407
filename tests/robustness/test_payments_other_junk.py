"""Junk into every public function of upi, epc_qr, swiss_qr, iban, qr_image, alipay, wechat_pay,
detect and catalog: only GlobalCRMError subclasses may come out, and is_valid never raises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from globalcrm.errors import GlobalCRMError
from globalcrm.payments import (
    alipay,
    catalog,
    detect,
    epc_qr,
    iban,
    qr_image,
    swiss_qr,
    upi,
    wechat_pay,
)

JUNK: list[Any] = [
    None, b"bytes", 12, 1.5, [], {}, "x" * 100_000, "\x00\x1b", "", " ", "\ud800", "🙂" * 50,
    "BCD\n", "SPC\r\n", "upi://pay?", "upi://pay?pa=%ZZ&pn=%C3", "RF", "CH", "0" * 27,
    "BCD\n002\n9\nSCT\n\n\n\n\n\n\n\n\n\n\n",
    "SPC\n0200\n1\n" + "\n" * 40,
    "upi://pay?pa=a@b&pn=x&am=1e999",
    "upi://pay?pa=a@b&pn=x&am=NaN",
]
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _certificate() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "junk")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(NOW).not_valid_after(NOW + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


_CERT = _certificate()


def _short(value: object) -> str:
    return repr(value)[:24]


def _call(function: Callable[..., object], *args: object, **kwargs: object) -> None:
    try:
        function(*args, **kwargs)
    except GlobalCRMError:
        return


TEXT_FUNCTIONS: list[Callable[..., object]] = [
    upi.compact, upi.validate, upi.is_valid, upi.format, upi.parse, upi.compact_vpa,
    upi.validate_vpa, upi.is_valid_vpa,
    epc_qr.compact, epc_qr.validate, epc_qr.is_valid, epc_qr.format, epc_qr.parse,
    swiss_qr.compact, swiss_qr.validate, swiss_qr.is_valid, swiss_qr.format, swiss_qr.parse,
    swiss_qr.compact_reference, swiss_qr.validate_reference, swiss_qr.is_valid_reference,
    swiss_qr.reference_type, swiss_qr.format_reference, swiss_qr.build_qr_reference,
    swiss_qr.build_creditor_reference,
    swiss_qr.is_qr_iban,
    iban.compact, iban.validate, iban.is_valid, iban.format, iban.parse, iban.checksum_ok,
    qr_image.qr_code, qr_image.svg, qr_image.png, qr_image.error_level,
    detect.detect, detect.explain,
    catalog.method, catalog.methods_for,
]


@pytest.mark.parametrize("function", TEXT_FUNCTIONS, ids=lambda f: f"{f.__module__}.{f.__name__}")
@pytest.mark.parametrize("junk", JUNK, ids=_short)
def test_text_functions(function: Callable[..., object], junk: object) -> None:
    _call(function, junk)


@pytest.mark.parametrize("junk", JUNK, ids=_short)
def test_is_valid_never_raises(junk: object) -> None:
    for function in (
        upi.is_valid, upi.is_valid_vpa, epc_qr.is_valid, swiss_qr.is_valid,
        swiss_qr.is_valid_reference, iban.is_valid, iban.checksum_ok, swiss_qr.is_qr_iban,
    ):
        assert isinstance(function(junk), bool)


@pytest.mark.parametrize("junk", JUNK, ids=_short)
def test_builders_and_keywords(junk: object) -> None:
    _call(upi.build, "a@okaxis", "Shop", am=junk)
    _call(upi.build, "a@okaxis", junk, tn=junk)
    _call(epc_qr.build, junk, "DE89370400440532013000")
    _call(epc_qr.build, "Name", junk, amount=junk, bic=junk, purpose=junk)
    _call(epc_qr.build, "Name", "DE89370400440532013000", remittance_text=junk,
          character_set=junk)
    _call(swiss_qr.build, junk, creditor=junk)
    _call(swiss_qr.build, "CH5800791123000889012", creditor={"name": junk}, amount=junk)
    _call(iban.build, junk, junk)
    _call(iban.build, "DE", junk)
    _call(qr_image.png, "payload", scheme=junk)
    _call(qr_image.svg, "payload", error=junk, scale=junk, border=junk, path=junk)


@pytest.mark.parametrize("junk", JUNK, ids=_short)
def test_catalog_keywords(junk: object) -> None:
    _call(catalog.methods_for, "BR", currency=junk)
    _call(catalog.methods_for, "BR", amount=junk)
    _call(catalog.methods_for, "BR", preferred=junk)
    _call(catalog.methods_for, "BR", preferred=[junk])
    _call(catalog.method("pix").name_in, junk)
    _call(catalog.method("pix").used_in, junk)
    _call(catalog.method("pix").prevalence_in, junk)


@pytest.mark.parametrize("junk", JUNK, ids=_short)
def test_signatures(junk: object) -> None:
    _call(alipay.verify_notification, junk, public_key_pem=junk)
    _call(alipay.verify_notification, {"sign": junk, "a": junk}, public_key_pem="x")
    _call(alipay.sign, junk, private_key_pem=junk)
    _call(alipay.sign_content, junk)
    _call(alipay.load_public_key, junk)
    _call(alipay.load_private_key, junk)
    _call(alipay.sign_content, {junk: "1"} if isinstance(junk, str | int) else {"a": junk})
    _call(wechat_pay.verify_signature, junk, junk, platform_certificate_pem=junk)
    _call(wechat_pay.verify_notification, junk, junk, platform_certificate_pem=junk, now=junk)
    _call(wechat_pay.verify_notification, {"Wechatpay-Timestamp": junk}, "{}",
          platform_certificate_pem=junk, now=NOW)
    headers = {"Wechatpay-Timestamp": "999999999999", "Wechatpay-Nonce": "abc",
               "Wechatpay-Signature": junk, "Wechatpay-Serial": junk}
    _call(wechat_pay.verify_notification, headers, junk, platform_certificate_pem=_CERT, now=NOW)
    _call(wechat_pay.decrypt_resource, junk, nonce=junk, associated_data=junk, api_v3_key=junk)
    _call(wechat_pay.decrypt_resource, junk, nonce="n", associated_data="", api_v3_key="k" * 32)
    _call(wechat_pay.decrypt_notification, junk, api_v3_key="k" * 32)
    _call(wechat_pay.signed_message, junk, junk, junk)
    _call(wechat_pay.sign, junk, private_key_pem=junk)
    _call(wechat_pay.authorization_header, method=junk, url=junk, body=junk, mchid=junk,
          serial_no=junk, private_key_pem=junk, now=junk, nonce=junk)
