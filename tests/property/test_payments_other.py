"""Round trips (build -> parse) for UPI, EPC QR, Swiss QR, IBAN, references and signatures."""

from __future__ import annotations

import base64
import string
from decimal import Decimal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from globalcrm.payments import alipay, detect, epc_qr, iban, swiss_qr, upi, wechat_pay

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_PRIVATE = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()
_PUBLIC = _KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
).decode()

vpas = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,30}@[a-z][a-z0-9]{2,10}", fullmatch=True)
# Printable text without control characters and surrounding spaces (what the fields carry).
words = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40
).map(str.strip).filter(lambda s: s and s != "null")
latin = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + " .,:-/éàüöß"),
    min_size=1,
    max_size=60,
).map(str.strip).filter(bool)
amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2, allow_nan=False
)


@given(pa=vpas, pn=words, am=st.none() | amounts, tn=st.none() | words, tr=st.none() | words)
def test_upi_build_parse(
    pa: str, pn: str, am: Decimal | None, tn: str | None, tr: str | None
) -> None:
    record = upi.parse(upi.build(pa, pn, am=am, tn=tn, tr=tr))
    assert (record.pa, record.pn, record.tn, record.tr) == (pa, pn, tn, tr)
    assert record.am == am
    assert record.cu == "INR"


@given(
    name=latin,
    account=st.sampled_from(
        ["FR1420041010050500013M02606", "DE89370400440532013000", "BE72000000001616"]
    ),
    amount=st.none() | amounts,
    text=st.none() | latin,
    bic=st.none() | st.sampled_from(["BNPAFRPP", "COBADEFFXXX"]),
    version=st.sampled_from(["001", "002"]),
)
def test_epc_build_parse(
    name: str, account: str, amount: Decimal | None, text: str | None, bic: str | None,
    version: str,
) -> None:
    if version == "001" and bic is None:
        bic = "BNPAFRPP"
    payload = epc_qr.build(
        name, account, amount=amount, remittance_text=text, bic=bic, version=version
    )
    record = epc_qr.parse(payload)
    assert (record.name, record.iban, record.remittance_text, record.bic) == (
        name, account, text, bic
    )
    assert record.amount == amount
    assert record.version == version
    assert record.byte_length == len(payload.encode(epc_qr.CHARACTER_SETS[record.character_set]))


@given(number=st.integers(min_value=1, max_value=10**26 - 1), amount=st.none() | amounts)
def test_swiss_build_parse(number: int, amount: Decimal | None) -> None:
    reference = swiss_qr.build_qr_reference(str(number))
    payload = swiss_qr.build(
        "CH4431999123000889012",
        creditor={"name": "Jane", "pcode": "1000", "city": "Lausanne", "country": "CH"},
        amount=amount,
        reference=reference,
    )
    record = swiss_qr.parse(payload)
    assert record.reference == reference
    assert record.reference_type == "QRR"
    assert record.amount == amount


@given(number=st.integers(min_value=1, max_value=10**26 - 1), index=st.integers(0, 26),
       delta=st.integers(1, 9))
def test_qr_reference_catches_every_single_digit_error(number: int, index: int, delta: int) -> None:
    reference = swiss_qr.build_qr_reference(str(number))
    assert swiss_qr.is_valid_reference(reference)
    changed = str((int(reference[index]) + delta) % 10)
    mutated = reference[:index] + changed + reference[index + 1 :]
    assert not swiss_qr.is_valid_reference(mutated)


@given(
    country_bban=st.sampled_from([("DE", 18), ("AT", 16), ("NL", 10)]).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), st.text(string.digits, min_size=pair[1],
                                                          max_size=pair[1]))
    )
)
def test_iban_build_parse(country_bban: tuple[str, str]) -> None:
    country, bban = country_bban
    if country == "NL":
        bban = "ABNA" + bban
    value = iban.build(country, bban)
    record = iban.parse(iban.format(value))
    assert (record.country, record.bban, record.compact) == (country, bban, value)
    assert iban.checksum_ok(value)


@given(
    country_bban=st.sampled_from([("DE", 18), ("AT", 16), ("BE", 12)]).flatmap(
        lambda pair: st.tuples(st.just(pair[0]), st.text(string.digits, min_size=pair[1],
                                                          max_size=pair[1]))
    )
)
def test_iban_check_digit_twins_are_refused(country_bban: tuple[str, str]) -> None:
    # Check digits d and d + 97 leave the same remainder: 97 -> 00, 98 -> 01, 02 -> 99 pass
    # mod 97 too, but ISO 13616 only issues 02-98; every other check digit is a checksum error.
    country, bban = country_bban
    if country == "BE":  # keep the national check digits right; any bank code will do
        body = bban[:10]
        bban = body + f"{int(body) % 97 or 97:02d}"
    value = iban.build(country, bban)
    assert iban.is_valid(value)
    digits = int(value[2:4])
    for other in range(100):
        twin = value[:2] + f"{other:02d}" + value[4:]
        assert iban.is_valid(twin) == (other == digits), twin


@settings(max_examples=20, suppress_health_check=[HealthCheck.too_slow])
@given(params=st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), words,
                              min_size=1, max_size=8))
def test_alipay_notification_round_trip(params: dict[str, str]) -> None:
    params = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
    content = alipay.sign_content(params)
    raw = _KEY.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    notification = {**params, "sign": base64.b64encode(raw).decode(), "sign_type": "RSA2"}
    assert alipay.verify_notification(notification, public_key_pem=_PUBLIC)
    request_signature = alipay.sign(notification, private_key_pem=_PRIVATE)
    assert request_signature


@settings(max_examples=30)
@given(plain=st.text(max_size=200), aad=st.text(max_size=40),
       key=st.text(alphabet=string.ascii_letters + string.digits, min_size=32, max_size=32))
def test_wechat_decrypt_round_trip(plain: str, aad: str, key: str) -> None:
    nonce = "0123456789ab"
    sealed = AESGCM(key.encode()).encrypt(nonce.encode(), plain.encode(), aad.encode())
    text = base64.b64encode(sealed).decode()
    result = wechat_pay.decrypt_resource(text, nonce=nonce, associated_data=aad, api_v3_key=key)
    assert result == plain


@settings(max_examples=200)
@given(text=st.text(max_size=120) | st.from_regex(r"(BCD|SPC|upi://pay\?|RF[0-9]{2}|000201)[\s\S]{0,80}"))
def test_detect_and_explain_never_fail(text: str) -> None:
    names = [name for name, _ in detect.detect(text)]
    assert all(name in detect.FORMATS for name in names)
    explanation = detect.explain(text)
    assert isinstance(explanation, str) and explanation
    for function in (upi.is_valid, epc_qr.is_valid, swiss_qr.is_valid, iban.is_valid,
                     swiss_qr.is_valid_reference, upi.is_valid_vpa):
        assert isinstance(function(text), bool)
