"""Unit tests: UPI, EPC QR, Swiss QR, IBAN, QR images, Alipay, WeChat Pay, detect, catalog."""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
import segno
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from globalcrm.errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    InvalidLength,
    InvalidSignature,
)
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

EPC_EXAMPLE_2 = (
    "BCD\n002\n2\nSCT\n\nFrançois D'Alsace S.A.\nFR1420041010050500013M02606\nEUR12.3\n\n\n"
    "Client:Marie Louise La Lune"
)
SWISS = (
    "SPC\n0200\n1\nCH5800791123000889012\nS\nRobert Schneider AG\nRue du Lac\n1268\n2501\nBiel\n"
    "CH\n\n\n\n\n\n\n\n3949.75\nCHF\nS\nPia Rutschmann\nMarktgasse\n28\n9400\nRorschach\nCH\nNON\n"
    "\nBill no. 3139\nEPD"
)
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


# --- IBAN ---------------------------------------------------------------------------------------


def test_iban_compact_format_parse() -> None:
    assert iban.compact(" de89-3704.0044 0532 0130 00 ") == "DE89370400440532013000"
    assert iban.format("DE89370400440532013000") == "DE89 3704 0044 0532 0130 00"
    record = iban.parse("GB29 NWBK 6016 1331 9268 19")
    assert (record.country, record.check_digits, record.length) == ("GB", "29", 22)
    assert record.bban == "NWBK60161331926819"
    assert record.bank_code == "NWBK"


@pytest.mark.parametrize(
    ("text", "error", "position"),
    [
        ("DE89370400440532013001", InvalidChecksum, 2),
        ("XX89370400440532013000", InvalidComponent, 0),
        ("12345", InvalidFormat, 0),
        ("DE8937040044053201300!", InvalidFormat, 21),
        ("NL56 3003 0A17 1643 00", InvalidFormat, 4),
        ("DE", InvalidLength, None),
    ],
)
def test_iban_errors_have_positions(
    text: str, error: type[Exception], position: int | None
) -> None:
    with pytest.raises(error) as info:
        iban.validate(text)
    assert getattr(info.value, "position", None) == position


def test_iban_national_check_digits() -> None:
    # mod 97 passes, the Spanish national check digits do not
    assert iban.checksum_ok("ES8931831500950001210562")
    assert not iban.is_valid("ES8931831500950001210562")


# Regression cases from other projects' suites (issue 15): each names its public source.
# open-circle/valibot library/src/actions/iban/iban.test.ts@0f446945ad038edf8230496671f3a89cf4ab3970
# ("for check digits 00, 01 and 99": they pass mod 97 but ISO 13616 never issues them).
@pytest.mark.parametrize(
    "text",
    [
        "DE00370400440532010043",
        "DE01370400440532010025",
        "DE99370400440532010007",
        "DE 00 3704 0044 0532 0100 43",
        "D E 9 9 3 7 0 4 0 0 4 4 0 5 3 2 0 1 0 0 0 7",
    ],
)
def test_iban_check_digits_00_01_99_are_refused(text: str) -> None:
    assert iban.checksum_ok(text)  # the mod-97 test alone cannot tell them apart
    with pytest.raises(InvalidChecksum) as info:
        iban.validate(text)
    assert info.value.position == 2
    assert not iban.is_valid(text)


@pytest.mark.parametrize(
    "text", ["DE02370400440532010007", "DE97370400440532010043", "DE98370400440532010025"]
)
def test_iban_check_digits_02_97_98_are_accepted(text: str) -> None:
    # the same valibot test ("for check digits 02, 97 and 98"): the twins of the three above
    assert iban.validate(text) == text


def test_iban_with_a_bank_no_list_knows_is_valid() -> None:
    # The SWIFT IBAN Registry's own Belgian example (Belgium, "IBAN electronic format example");
    # python-stdnum refuses it because bank code 539 is not in its copy of the NBB list.
    record = iban.parse("BE68 5390 0754 7034")
    assert record.compact == "BE68539007547034"
    assert (record.bank_code, record.bank, record.bic) == ("539", None, None)
    # a bank the registry lists is named
    listed = iban.parse("DE89 3704 0044 0532 0130 00")
    assert (listed.bank, listed.bic) == ("Commerzbank", "COBADEFFXXX")


def test_iban_unknown_bank_still_needs_the_national_check_digits() -> None:
    from stdnum.iso7064 import mod_97_10

    bban = "539007547035"  # the registry example with its national check digits broken
    text = "BE" + mod_97_10.calc_check_digits(bban + "BE") + bban
    assert iban.checksum_ok(text)
    with pytest.raises(InvalidChecksum) as info:
        iban.validate(text)
    assert info.value.position == 4


def test_iban_unicode_spaces_are_separators() -> None:
    # a no-break or narrow no-break space, as copied from a PDF or a web page
    assert iban.validate("AT61\u00a01904\u202f3002 3457 3201") == "AT611904300234573201"
    with pytest.raises(InvalidFormat):
        iban.validate("AT61\u200b1904300234573201")  # a zero-width space is not a space


def test_epc_qr_and_swiss_qr_accept_what_iban_accepts() -> None:
    payload = epc_qr.build("Example SA", "BE68 5390 0754 7034", amount=Decimal("1"))
    assert epc_qr.parse(payload).iban == "BE68539007547034"
    twin = EPC_EXAMPLE_2.replace("FR1420041010050500013M02606", "DE00370400440532010043")
    with pytest.raises(InvalidChecksum) as info:
        epc_qr.validate(twin)
    assert info.value.field == "IBAN"


def test_swiss_qr_accepts_kosovo() -> None:
    # XK is the user-assigned code banks use for Kosovo (SWIFT IBAN Registry); QRCoder's Swiss
    # QR generator refused it until Shane32/QRCoder#497 (issue #420).
    debtor_in_kosovo = SWISS.replace("Rorschach\nCH\n", "Prishtina\nXK\n")
    assert swiss_qr.parse(debtor_in_kosovo).debtor is not None
    with pytest.raises(InvalidComponent):
        swiss_qr.validate(SWISS.replace("Rorschach\nCH\n", "Prishtina\nXX\n"))
    built = swiss_qr.build("CH5800791123000889012", creditor={
        "name": "Robert Schneider AG", "street": "Rue du Lac", "house_num": "1268",
        "pcode": "2501", "city": "Biel", "country": "CH",
    }, debtor={"name": "D", "street": "Rr. Nena Tereze", "house_num": "1", "pcode": "10000",
               "city": "Prishtina", "country": "XK"})
    debtor = swiss_qr.parse(built).debtor
    assert debtor is not None
    assert debtor.country == "XK"


def test_iban_build() -> None:
    assert iban.build("GB", "NWBK60161331926819") == "GB29NWBK60161331926819"
    with pytest.raises(InvalidFormat):
        iban.build("GB", "NWBK6016133192681!")
    with pytest.raises(InvalidFormat):
        iban.build("GBR", "NWBK60161331926819")


# --- UPI ----------------------------------------------------------------------------------------


def test_upi_build_encodes_every_value() -> None:
    link = upi.build(
        "shop@icici", "A & B / Café", am=Decimal("10"), tn="50% off #1", tr="ORD=1", mc="5411"
    )
    assert link == (
        "upi://pay?pa=shop@icici&pn=A%20%26%20B%20%2F%20Caf%C3%A9&mc=5411&tr=ORD%3D1"
        "&tn=50%25%20off%20%231&am=10.00&cu=INR"
    )
    record = upi.parse(link)
    assert (record.pn, record.tr, record.tn) == ("A & B / Café", "ORD=1", "50% off #1")
    assert record.am == Decimal("10.00")


def test_upi_parse_lenient_forms() -> None:
    record = upi.parse(
        "UPI://PAY?pa=zeeshan@npci&pn=Zeeshan Khan&mam=null&tn=&url=https://x.example/o?id=1"
        "&refUrl=abc"
    )
    assert record.pn == "Zeeshan Khan"
    assert record.mam is None
    assert record.tn is None
    assert record.url == "https://x.example/o?id=1"
    assert record.extra == (("refUrl", "abc"),)


@pytest.mark.parametrize(
    ("link", "field"),
    [
        ("upi://pay?pn=Shop", "pa"),
        ("upi://pay?pa=shop@icici", "pn"),
        ("upi://pay?pa=shop@icici&pn=S&am=0", "am"),
        ("upi://pay?pa=shop@icici&pn=S&am=1.234", "am"),
        ("upi://pay?pa=shop@icici&pn=S&am=-5", "am"),
        ("upi://pay?pa=shop@icici&pn=S&cu=USD", "cu"),
        ("upi://pay?pa=shop@icici&pn=S&mc=621", "mc"),
        ("upi://pay?pa=shop@@icici&pn=S", "pa"),
        ("upi://pay?pa=shop@icici&pn=S&pn=T", "pn"),
    ],
)
def test_upi_invalid_links_name_the_field(link: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        upi.validate(link)
    assert info.value.field == field
    assert not upi.is_valid(link)


def test_upi_other_schemes_refused() -> None:
    for link in ("gpay://upi/pay?pa=a@b&pn=S", "phonepe://pay?pa=a@b&pn=S", "upi://mandate?pa=a@b"):
        with pytest.raises(InvalidFormat) as info:
            upi.validate(link)
        assert info.value.position == 0


def test_upi_vpa_rules() -> None:
    assert upi.validate_vpa("  john.doe-1_x@okaxis ") == "john.doe-1_x@okaxis"
    assert upi.is_valid_vpa("9876543210@ybl")
    assert not upi.is_valid_vpa("john@1bank")
    assert not upi.is_valid_vpa("@okaxis")
    assert not upi.is_valid_vpa("a" * 95 + "@okaxis")
    assert not upi.is_valid_vpa("a@b")
    assert upi.is_valid_vpa("a@ybl")
    with pytest.raises(InvalidFormat) as info:
        upi.validate_vpa("us er@bank")
    assert info.value.position == 2


def test_upi_format_is_canonical() -> None:
    assert upi.format("upi://pay?am=5&pn=Shop Name&pa=shop@icici") == (
        "upi://pay?pa=shop@icici&pn=Shop%20Name&am=5.00"
    )


# --- EPC QR -------------------------------------------------------------------------------------


def test_epc_example_2_parses() -> None:
    record = epc_qr.parse(EPC_EXAMPLE_2)
    assert record.version == "002"
    assert record.bic is None
    assert record.name == "François D'Alsace S.A."
    assert record.amount == Decimal("12.3")
    assert record.byte_length == 103
    assert record.remittance_text == "Client:Marie Louise La Lune"


def test_epc_crlf_and_trailing_break_accepted() -> None:
    assert epc_qr.validate(EPC_EXAMPLE_2.replace("\n", "\r\n") + "\r\n") == EPC_EXAMPLE_2


def test_epc_version_001_requires_bic() -> None:
    payload = EPC_EXAMPLE_2.replace("\n002\n", "\n001\n", 1)
    with pytest.raises(InvalidFormat) as info:
        epc_qr.validate(payload)
    assert info.value.field == "BIC"
    with_bic = payload.replace("SCT\n\n", "SCT\nBNPAFRPP\n", 1)
    assert epc_qr.parse(with_bic).bic == "BNPAFRPP"


def test_epc_reference_and_text_exclude_each_other() -> None:
    payload = EPC_EXAMPLE_2.replace("\n\n\nClient", "\n\nRF18539007547034\nClient")
    with pytest.raises(InvalidFormat) as info:
        epc_qr.validate(payload)
    assert info.value.field == "remittance text"


def test_epc_character_set_must_hold_the_text() -> None:
    payload = EPC_EXAMPLE_2.replace("François", "Funny 😃")
    assert not epc_qr.is_valid(payload)
    assert epc_qr.is_valid(payload.replace("\n2\n", "\n1\n", 1))


def test_epc_byte_limit() -> None:
    payload = epc_qr.build(
        "N" * 70, "FR1420041010050500013M02606", amount=Decimal("1"), remittance_text="x" * 140,
        information="i" * 30, bic="BNPAFRPP", purpose="CHAR",
    )
    assert epc_qr.parse(payload).byte_length == 304
    # the same text in two-byte UTF-8 characters no longer fits
    with pytest.raises(InvalidLength):
        epc_qr.build(
            "Ł" * 70, "FR1420041010050500013M02606", amount=Decimal("1"),
            remittance_text="ł" * 140, information="ł" * 30, character_set=1,
        )


def test_epc_build_amount_forms() -> None:
    for amount, line in ((Decimal("1000.00"), "EUR1000"), (Decimal("0.5"), "EUR0.5"), (7, "EUR7")):
        payload = epc_qr.build("X", "FR1420041010050500013M02606", amount=amount)
        assert payload.split("\n")[7] == line
    with pytest.raises(InvalidFormat):
        epc_qr.build("X", "FR1420041010050500013M02606", amount=Decimal("0.001"))
    with pytest.raises(InvalidFormat):
        epc_qr.build("X", "FR1420041010050500013M02606", amount=1.5)


def test_epc_build_picks_character_set() -> None:
    assert epc_qr.build("Café", "FR1420041010050500013M02606").split("\n")[2] == "2"
    assert epc_qr.build("Кафе 😃", "FR1420041010050500013M02606").split("\n")[2] == "1"


# --- Swiss QR -----------------------------------------------------------------------------------


def test_swiss_parse_fields() -> None:
    record = swiss_qr.parse(SWISS)
    assert record.creditor.street == "Rue du Lac"
    assert record.creditor_name == "Robert Schneider AG"
    assert record.debtor_name == "Pia Rutschmann"
    assert record.amount == Decimal("3949.75")
    assert record.reference is None
    assert record.line_separator == "LF"
    assert swiss_qr.format(SWISS) == SWISS.replace("\n", "\r\n")


def test_swiss_qr_iban_needs_qr_reference() -> None:
    payload = SWISS.replace("CH5800791123000889012", "CH4431999123000889012")
    with pytest.raises(InvalidFormat) as info:
        swiss_qr.validate(payload)
    assert info.value.field == "reference type"
    good = payload.replace("NON\n\n", "QRR\n210000000003139471430009017\n")
    assert swiss_qr.parse(good).qr_iban
    bad = good.replace("9017\n", "9016\n")
    with pytest.raises(InvalidChecksum):
        swiss_qr.validate(bad)


def test_swiss_scor_and_billing_information() -> None:
    payload = SWISS.replace("NON\n\n", "SCOR\nRF18539007547034\n").replace(
        "EPD", "EPD\n//S1/10/10201409/11/190512\neBill/B/x"
    )
    record = swiss_qr.parse(payload)
    assert record.reference_type == "SCOR"
    assert record.billing_information == "//S1/10/10201409/11/190512"
    assert record.alternative_schemes == ("eBill/B/x",)


def test_swiss_rejects_foreign_iban_and_filled_ultimate_creditor() -> None:
    german = SWISS.replace("CH5800791123000889012", "DE89370400440532013000")
    assert not swiss_qr.is_valid(german)
    lines = SWISS.split("\n")
    lines[11] = "S"
    assert not swiss_qr.is_valid("\n".join(lines))


def test_swiss_references() -> None:
    assert swiss_qr.build_qr_reference("21000000000313947143000901") == (
        "210000000003139471430009017"
    )
    assert swiss_qr.build_qr_reference("1234") == "000000000000000000000012347"
    assert swiss_qr.format_reference("RF18539007547034") == "RF18 5390 0754 7034"
    assert swiss_qr.reference_type("rf18 5390 0754 7034") == "SCOR"
    assert swiss_qr.is_qr_iban("CH44 3199 9123 0008 8901 2")
    assert not swiss_qr.is_qr_iban("CH5800791123000889012")
    with pytest.raises(InvalidChecksum) as info:
        swiss_qr.validate_reference("210000000003139471430009016")
    assert info.value.position == 26


def test_creditor_references() -> None:
    assert swiss_qr.build_creditor_reference("B334BOPQE39D902DC") == "RF91B334BOPQE39D902DC"
    assert swiss_qr.build_creditor_reference("7") == "RF097"
    assert swiss_qr.is_valid_reference("RF040")
    # the mod-97 sum works out, but ISO 7064 never produces check digits 00, 01 or 99
    for reference in ("RF0072", "RF0154", "RF991X"):
        assert not swiss_qr.is_valid_reference(reference)
    with pytest.raises(InvalidFormat):
        swiss_qr.build_creditor_reference("ABC-DEF")


def test_swiss_line_separators() -> None:
    for separator, name in (("\n", "LF"), ("\r\n", "CRLF"), ("\r", "CR")):
        for extra in ("", separator):
            record = swiss_qr.parse(SWISS.replace("\n", separator) + extra)
            assert record.line_separator == name
            assert record.unstructured_message == "Bill no. 3139"
    assert swiss_qr.is_valid(SWISS + "\n\n")  # one empty billing-information line
    assert not swiss_qr.is_valid(SWISS + "\n//S1\na\nb\nc")  # 35 lines


def test_swiss_build_round_trip() -> None:
    payload = swiss_qr.build(
        "CH5800791123000889012",
        creditor={"name": "Robert Schneider AG", "street": "Rue du Lac", "house_num": "1268",
                  "pcode": "2501", "city": "Biel", "country": "CH"},
        amount=Decimal("10"),
        currency="EUR",
        reference="RF18539007547034",
        message="Invoice 7",
    )
    record = swiss_qr.parse(payload)
    assert record.line_separator == "CRLF"
    assert (record.amount, record.currency, record.reference) == (
        Decimal("10.00"), "EUR", "RF18539007547034"
    )
    with pytest.raises(InvalidFormat):
        swiss_qr.build("CH5800791123000889012", creditor={"name": "X", "planet": "Mars"})


# --- QR images ----------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", sorted(qr_image.ERROR_LEVELS))
def test_qr_levels(scheme: str) -> None:
    code = qr_image.qr_code("upi://pay?pa=a@b&pn=S", scheme=scheme)
    assert code.error == qr_image.ERROR_LEVELS[scheme] == "M"


def test_qr_error_override_and_boleto_refused() -> None:
    assert qr_image.qr_code("hello", error="h").error == "H"
    with pytest.raises(InvalidComponent):
        qr_image.qr_code("hello", scheme="boleto")
    with pytest.raises(InvalidComponent):
        qr_image.qr_code("hello", error="Z")


def test_qr_png_and_svg_written(tmp_path: Path) -> None:
    png = qr_image.png(EPC_EXAMPLE_2, scheme="epc_qr", path=tmp_path / "epc.png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert (tmp_path / "epc.png").read_bytes() == png
    svg = qr_image.svg(SWISS, scheme="swiss_qr", path=str(tmp_path / "ch.svg"))
    assert b"<svg" in svg and svg.rstrip().endswith(b"</svg>")
    assert (tmp_path / "ch.svg").read_bytes() == svg


def test_qr_epc_uses_declared_character_set() -> None:
    code = qr_image.qr_code(EPC_EXAMPLE_2, scheme="epc_qr")
    reference = segno.make_qr(EPC_EXAMPLE_2, error="M", encoding="iso-8859-1", boost_error=False)
    assert code.matrix == reference.matrix
    assert isinstance(code.version, int)
    assert code.version <= qr_image.MAX_VERSIONS["epc_qr"]


# --- Alipay -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _pem_public(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def test_alipay_sign_then_verify(rsa_key: rsa.RSAPrivateKey) -> None:
    params = {"app_id": "2019", "out_trade_no": "7", "total_amount": "9.99", "subject": "茶"}
    signature = alipay.sign(params, private_key_pem=_pem_private(rsa_key))
    # a request signs sign_type too; a notification leaves it out: re-sign the notification form
    content = alipay.sign_content(params)
    raw = rsa_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())
    notification = {**params, "sign": base64.b64encode(raw).decode(), "sign_type": "RSA2"}
    public = _pem_public(rsa_key)
    assert alipay.verify_notification(notification, public_key_pem=public)
    bare = "".join(public.strip().splitlines()[1:-1])
    assert alipay.verify_notification(notification, public_key_pem=bare)
    assert not alipay.verify_notification(
        {**notification, "total_amount": "0.01"}, public_key_pem=public
    )
    assert not alipay.verify_notification(
        {**notification, "sign_type": "RSA"}, public_key_pem=public
    )
    assert not alipay.verify_notification({**notification, "sign": "%%%"}, public_key_pem=public)
    request = {**params, "sign_type": "RSA2"}
    raw_request = base64.b64decode(alipay.sign(request, private_key_pem=_pem_private(rsa_key)))
    rsa_key.public_key().verify(
        raw_request,
        alipay.sign_content(request, keep_sign_type=True).encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    assert signature


def test_alipay_bad_keys() -> None:
    with pytest.raises(InvalidFormat):
        alipay.verify_notification({"sign": "x"}, public_key_pem="not a key")
    with pytest.raises(InvalidFormat):
        alipay.sign({"a": "1"}, private_key_pem="-----BEGIN PRIVATE KEY-----\nAAAA\n")


# --- WeChat Pay ---------------------------------------------------------------------------------


def _certificate(key: rsa.RSAPrivateKey, serial: int) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_wechat_notification_round_trip(rsa_key: rsa.RSAPrivateKey) -> None:
    cert = _certificate(rsa_key, 0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1)
    api_key = "0123456789abcdef0123456789abcdef"
    nonce = "abcdefabcdef"
    sealed = AESGCM(api_key.encode()).encrypt(nonce.encode(), b'{"amount":1}', b"transaction")
    body = json.dumps({"resource": {
        "algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(sealed).decode(),
        "nonce": nonce, "associated_data": "transaction",
    }})
    stamp = str(int(NOW.timestamp()))
    message = wechat_pay.signed_message(stamp, "n0nce", body)
    signature = wechat_pay.sign(message, private_key_pem=_pem_private(rsa_key))
    headers = {
        "wechatpay-timestamp": stamp, "Wechatpay-Nonce": "n0nce",
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
    }
    assert wechat_pay.verify_notification(headers, body, platform_certificate_pem=cert, now=NOW)
    assert wechat_pay.verify_notification(
        headers, body.encode(), platform_certificate_pem=cert, now=NOW + dt.timedelta(minutes=5)
    )
    stale = NOW + dt.timedelta(minutes=5, seconds=1)
    assert not wechat_pay.verify_notification(
        headers, body, platform_certificate_pem=cert, now=stale
    )
    other_serial = {**headers, "Wechatpay-Serial": "ABCDEF"}
    assert not wechat_pay.verify_notification(
        other_serial, body, platform_certificate_pem=cert, now=NOW
    )
    probe = {**headers, "Wechatpay-Signature": "WECHATPAY/SIGNTEST/" + signature}
    assert not wechat_pay.verify_notification(probe, body, platform_certificate_pem=cert, now=NOW)
    assert wechat_pay.decrypt_notification(body, api_v3_key=api_key) == '{"amount":1}'
    with pytest.raises(InvalidSignature):
        wechat_pay.decrypt_notification(body, api_v3_key="f" * 32)
    with pytest.raises(InvalidFormat):
        wechat_pay.verify_notification(
            headers, body, platform_certificate_pem=cert, now=NOW.replace(tzinfo=None)
        )


def test_wechat_authorization_header(rsa_key: rsa.RSAPrivateKey) -> None:
    header = wechat_pay.authorization_header(
        method="post", url="/v3/pay/transactions/jsapi", body='{"a":1}', mchid="1900009191",
        serial_no="408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB",
        private_key_pem=_pem_private(rsa_key), now=NOW, nonce="593BEC0C930BF1AFEB40B4A08C8FB242",
    )
    assert header.startswith('WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593B')
    fields = dict(part.split("=", 1) for part in header.split(" ", 1)[1].split(","))
    assert fields["timestamp"] == f'"{int(NOW.timestamp())}"'
    message = f"POST\n/v3/pay/transactions/jsapi\n{int(NOW.timestamp())}\n"
    message += '593BEC0C930BF1AFEB40B4A08C8FB242\n{"a":1}\n'
    rsa_key.public_key().verify(
        base64.b64decode(fields["signature"].strip('"')),
        message.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    with pytest.raises(InvalidFormat):
        wechat_pay.authorization_header(
            method="GET", url="https://api.mch.weixin.qq.com/v3/x", body="", mchid="1",
            serial_no="A", private_key_pem=_pem_private(rsa_key), now=NOW, nonce="n",
        )


def test_wechat_key_lengths() -> None:
    with pytest.raises(InvalidLength):
        wechat_pay.decrypt_resource("AAAA", nonce="n", associated_data="", api_v3_key="short")


# --- detect and catalog -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (EPC_EXAMPLE_2, "epc_qr"),
        (SWISS, "swiss_qr"),
        (SWISS.replace("\n", "\r"), "swiss_qr"),
        ("upi://pay?pa=a@b&pn=S", "upi"),
        ("gpay://upi/pay?pa=a@b&pn=S", "upi"),
        ("merchant@paytm", "upi_vpa"),
        ("GB29 NWBK 6016 1331 9268 19", "iban"),
        ("21 00000 00003 13947 14300 09017", "swiss_qr_reference"),
        ("RF18 5390 0754 7034", "swiss_qr_reference"),
        ("00020101021126330014br.gov.bcb.pix0111123456789015204000053039865802BR6304ABCD", "pix"),
    ],
)
def test_detect(text: str, name: str) -> None:
    assert detect.detect(text)[0][0] == name


def test_explain_positions() -> None:
    assert detect.explain(EPC_EXAMPLE_2) == "EPC QR (SEPA credit transfer): valid"
    explained = detect.explain(EPC_EXAMPLE_2.replace("EUR12.3", "EUR0"))
    assert explained.startswith("EPC QR (SEPA credit transfer): invalid: amount:")
    assert "(position 66)" in explained
    assert "not a payment format" in detect.explain("hello world")
    assert detect.explain("   ") == "empty text: nothing to check"
    # a Pix code that breaks a Pix rule is still named as a well-formed EMV QR, on a second line
    # that does not read as "valid" (the CLI exits 1 unless the last line ends with ": valid")
    from globalcrm.payments import emv_qr, pix

    code = pix.build(key="12345678909", merchant_name="Fulano", merchant_city="BRASILIA",
                     txid="PEDIDO42")
    bad = emv_qr.append_crc(code[:-8].replace("PEDIDO42", "PEDIDO-2"))
    first, second = detect.explain(bad).splitlines()
    assert first.startswith("Pix BR Code: invalid: ") and "(position " in first
    assert second == "(it is a well-formed EMV merchant-presented QR)"
    # the value itself is never echoed
    assert "NWBK" not in detect.explain("GB29 NWBK 6016 1331 9268 18")


def test_catalog() -> None:
    # the names the catalog had before it became generated data still work
    names = {m.code for m in catalog.methods_for("DE")}
    assert {"sepa_debit", "klarna", "trustly"} <= names
    assert catalog.method("ideal_wero").key == "ideal"
    assert catalog.method("boleto").kind == "voucher"
    # a known country without local methods gets the worldwide card schemes only
    assert all(m.worldwide for m in catalog.methods_for("AQ"))
    assert [m.code for m in catalog.methods_for("cn")][:2] == ["alipay", "wechat_pay"]
    with pytest.raises(InvalidComponent):
        catalog.methods_for("QQ")
    with pytest.raises(InvalidComponent):
        catalog.method("cheque")
    for item in catalog.methods():
        assert item.worldwide or item.countries
        if item.module is not None:
            assert hasattr(__import__("globalcrm.payments", fromlist=[item.module]), item.module)


def test_iban_wrong_length_named() -> None:
    with pytest.raises(InvalidLength) as info:
        iban.validate("AT93 1904 3002 3457 3201 99")
    assert str(info.value) == "an IBAN for AT has 20 characters, not 22"
