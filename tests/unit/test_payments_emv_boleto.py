"""EMV QR (TLV, CRC), Pix, PromptPay, PayNow and Boleto: round trips, rules and error positions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from globalcrm.errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    InvalidLength,
)
from globalcrm.payments import boleto, emv_qr, paynow, pix, promptpay

STATIC = pix.build(key="12345678909", merchant_name="Fulano de Tal", merchant_city="BRASILIA")


# --- EMV layer -------------------------------------------------------------------------------


def test_crc16_check_value() -> None:
    assert emv_qr.crc16("123456789") == "29B1"
    assert emv_qr.crc16(b"123456789") == "29B1"
    assert emv_qr.crc16("") == "FFFF"


def test_crc_is_over_utf8_bytes() -> None:
    assert emv_qr.crc16("ã") == emv_qr.crc16("ã".encode())
    assert emv_qr.crc16("ã") != emv_qr.crc16("ã".encode("latin-1"))


def test_parse_objects_positions_and_nesting() -> None:
    objects = emv_qr.parse_objects("00020126050101A")
    assert [(o.id, o.value, o.position) for o in objects] == [("00", "01", 0), ("26", "0101A", 6)]
    inner = emv_qr.template(objects[1])
    assert [(o.id, o.value, o.position) for o in inner] == [("01", "A", 10)]


def test_nested_template_positions_point_into_the_payload() -> None:
    payload = emv_qr.parse(STATIC)
    account = payload.get("26")
    assert account is not None
    inner = emv_qr.template(account)
    key = emv_qr.sub_value(inner, "01")
    assert key is not None
    assert STATIC[key.value_position : key.value_position + 11] == "12345678909"


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("000X01", 0, "two-digit ID"),
        ("0002010100", 8, "length 00"),
        ("0002010105AB", 6, "past the end"),
        ("000201000", 6, "two-digit ID"),
        ("00020", 0, "past the end"),
    ],
)
def test_parse_objects_errors_carry_positions(text: str, position: int, message: str) -> None:
    with pytest.raises(InvalidFormat, match=message) as info:
        emv_qr.parse_objects(text)
    assert info.value.position == position


def test_crc_errors() -> None:
    with pytest.raises(InvalidChecksum) as info:
        emv_qr.verify_crc(STATIC[:-1] + ("0" if STATIC[-1] != "0" else "1"))
    assert info.value.position == len(STATIC) - 4
    with pytest.raises(InvalidFormat, match="6304"):
        emv_qr.verify_crc(STATIC[:-8])
    assert emv_qr.verify_crc(STATIC[:-4] + STATIC[-4:].lower()) == STATIC[-4:]


def test_emv_structure_rules() -> None:
    body = emv_qr.build([("00", "01"), ("58", "BR")])
    assert emv_qr.is_valid(body)
    with pytest.raises(InvalidFormat, match="first") as info:
        emv_qr.parse(emv_qr.build([("58", "BR"), ("00", "01")]))
    assert info.value.position == 0
    with pytest.raises(InvalidFormat, match="more than once") as info:
        emv_qr.parse(emv_qr.build([("00", "01"), ("58", "BR"), ("58", "BR")]))
    assert info.value.position == 12
    with pytest.raises(InvalidLength):
        emv_qr.parse(emv_qr.append_crc("000201" + "0499" + "x" * 99 + "0599" + "x" * 99
                                       + "0699" + "x" * 99 + "0799" + "x" * 99 + "0899" + "x" * 99))


def test_build_object_limits() -> None:
    assert emv_qr.build_object("59", "A") == "5901A"
    with pytest.raises(InvalidLength):
        emv_qr.build_object("59", "")
    with pytest.raises(InvalidLength):
        emv_qr.build_object("59", "x" * 100)
    with pytest.raises(InvalidFormat):
        emv_qr.build_object("5", "x")


def test_amounts() -> None:
    assert emv_qr.format_amount(Decimal("10.5")) == "10.50"
    assert emv_qr.format_amount(3) == "3.00"
    assert emv_qr.format_amount("0.01") == "0.01"
    for bad in (1.5, Decimal("1.234"), Decimal("-1"), Decimal("NaN"), "abc", True):
        with pytest.raises(InvalidFormat):
            emv_qr.format_amount(bad)
    with pytest.raises(InvalidLength):
        emv_qr.format_amount(Decimal("99999999999.99"))


def test_fold_ans() -> None:
    assert emv_qr.fold_ans(" São João ", field="n", max_length=25) == "Sao Joao"
    with pytest.raises(InvalidFormat):
        emv_qr.fold_ans("東京", field="n", max_length=25)
    with pytest.raises(InvalidLength):
        emv_qr.fold_ans("x" * 26, field="n", max_length=25)


# --- Pix --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "key_type"),
    [
        ("12345678909", "cpf"),
        ("11222333000181", "cnpj"),
        ("12ABC34501DE35", "cnpj"),
        ("+5561912345678", "phone"),
        ("fulano@example.com", "email"),
        ("123e4567-e12b-12d1-a456-426655440000", "evp"),
    ],
)
def test_pix_static_round_trip(key: str, key_type: str) -> None:
    payload = pix.build(
        key=key, merchant_name="Loja", merchant_city="Recife", amount=Decimal("12.30"),
        txid="ABC123", description="Pedido 1", postal_code="50000000",
    )
    code = pix.parse(payload)
    assert (code.key, code.key_type, code.kind) == (key, key_type, "static")
    assert (code.amount, code.txid, code.description, code.postal_code) == (
        Decimal("12.30"), "ABC123", "Pedido 1", "50000000",
    )
    assert (code.currency, code.country, code.mcc, code.gui) == ("986", "BR", "0000", pix.GUI)
    assert code.crc == payload[-4:]
    assert pix.validate(f"  {payload}\n") == payload


def test_pix_dynamic_round_trip() -> None:
    payload = pix.build(
        url="pix.example.com/qr/v2/abc", merchant_name="Loja", merchant_city="Recife",
        point_of_initiation="12",
    )
    code = pix.parse(payload)
    assert (code.kind, code.url, code.key, code.txid, code.point_of_initiation) == (
        "dynamic", "pix.example.com/qr/v2/abc", None, "***", "12",
    )


@pytest.mark.parametrize(
    "key",
    ["11111111111", "12345678900", "123.456.789-09", "5561912345678", "61912345678",
     "Fulano@Example.com", "123E4567-E12B-12D1-A456-426655440000", "00000000000000", "x"],
)
def test_pix_rejects_keys_outside_dict_form(key: str) -> None:
    assert pix.key_type(key) is None
    with pytest.raises(InvalidFormat) as info:
        pix.build(key=key, merchant_name="A", merchant_city="B")
    assert info.value.field == "key"
    assert key not in str(info.value)


def test_pix_error_positions_point_at_the_value() -> None:
    long_name = emv_qr.append_crc(STATIC[:-8].replace("5913Fulano de Tal", "5926" + "A" * 26))
    with pytest.raises(InvalidLength) as info:
        pix.validate(long_name)
    assert info.value.position == long_name.index("A" * 26)
    bad_cpf = emv_qr.append_crc(STATIC[:-8].replace("12345678909", "12345678900"))
    with pytest.raises(InvalidFormat) as cpf_info:
        pix.validate(bad_cpf)
    assert cpf_info.value.position == bad_cpf.index("12345678900")
    bad_txid = emv_qr.append_crc(STATIC[:-8].replace("0503***", "0503a-b"))
    with pytest.raises(InvalidFormat) as txid_info:
        pix.validate(bad_txid)
    assert txid_info.value.position == bad_txid.index("a-b")


def test_pix_rules() -> None:
    def payload(**changes: str) -> str:
        base = {"00": "01", "26": "0014br.gov.bcb.pix0111" + "12345678909", "52": "0000",
                "53": "986", "58": "BR", "59": "Fulano", "60": "BRASILIA", "62": "0503***"}
        base.update(changes)
        return emv_qr.build([(k, v) for k, v in base.items() if v])

    assert pix.is_valid(payload())
    assert not pix.is_valid(payload(**{"53": "840"}))
    assert not pix.is_valid(payload(**{"58": "br"}))
    assert not pix.is_valid(payload(**{"60": "BRASÍLIA"}))
    assert not pix.is_valid(payload(**{"62": "0503abc".replace("abc", "a-b")}))
    assert not pix.is_valid(payload(**{"62": "0101x"}))
    assert not pix.is_valid(payload(**{"52": ""}))
    assert not pix.is_valid(payload(**{"61": "70074-900"}))
    assert pix.is_valid(payload(**{"61": "70074900"}))
    assert not pix.is_valid(payload(**{"54": "0.00"}))
    assert pix.is_valid(payload(**{"54": "0.01"}))
    saque = "0014br.gov.bcb.pix0111123456789090308" + "12345678"
    assert pix.is_valid(payload(**{"26": saque, "54": "0.00"}))
    assert not pix.is_valid(payload(**{"26": "0014br.gov.bcb.pix0307" + "1234567"}))
    assert pix.is_valid(payload(**{"26": "0014BR.GOV.BCB.PIX011112345678909"}))
    two = "0014br.gov.bcb.pix011112345678909"
    assert not pix.is_valid(payload(**{"27": two}))
    assert not pix.is_valid(payload(**{"26": two + "2515pix.example.com"}))


# The composite QR codes of Pix Automático, as the BCB "Manual de Padrões para Iniciação do Pix"
# v2.10.0 prints them (2.8.5.1 recurrence only, 2.8.5.2 static + recurrence, 2.8.5.3 dynamic +
# recurrence); each CRC is the manual's.
PIX_RECURRENCE_ONLY = (
    "00020126180014br.gov.bcb.pix5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***"
    "80740014br.gov.bcb.pix2552pix.example.com/rec/2353c790eefb11eaadc10242ac1200026304F2DA"
)
PIX_STATIC_RECURRENCE = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000520400005303986"
    "5406100.505802BR5913Fulano de Tal6008BRASILIA62070503***"
    "80740014br.gov.bcb.pix2552pix.example.com/rec/2353c790eefb11eaadc10242ac12000263042875"
)
PIX_DYNAMIC_RECURRENCE = (
    "00020101021226700014br.gov.bcb.pix2548pix.example.com/8b3da2f39a4140d1a91abd93113bd441"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***"
    "80740014br.gov.bcb.pix2552pix.example.com/rec/2353c790eefb11eaadc10242ac1200026304FB42"
)
RECURRENCE_URL = "pix.example.com/rec/2353c790eefb11eaadc10242ac120002"


@pytest.mark.parametrize(
    ("payload", "kind", "key", "url", "amount"),
    [
        (PIX_RECURRENCE_ONLY, "recurrence", None, None, None),
        (PIX_STATIC_RECURRENCE, "static", "123e4567-e12b-12d1-a456-426655440000", None,
         Decimal("100.50")),
        (PIX_DYNAMIC_RECURRENCE, "dynamic", None,
         "pix.example.com/8b3da2f39a4140d1a91abd93113bd441", None),
    ],
)
def test_pix_automatico_composite_codes_of_the_manual(
    payload: str, kind: str, key: str | None, url: str | None, amount: Decimal | None
) -> None:
    code = pix.parse(payload)
    assert (code.kind, code.key, code.url, code.amount) == (kind, key, url, amount)
    assert code.recurrence_url == RECURRENCE_URL
    assert code.merchant_account_id == "26"
    rebuilt = pix.build(
        key=key, url=url, amount=amount, merchant_name="Fulano de Tal",
        merchant_city="BRASILIA", recurrence_url=RECURRENCE_URL,
        point_of_initiation="12" if url else None,
    )
    assert rebuilt == payload


def test_pix_automatico_rules() -> None:
    gui_only = emv_qr.build_template([("00", pix.GUI)])
    recurrence = emv_qr.build_template([("00", pix.GUI), ("25", RECURRENCE_URL)])

    def payload(account: str = gui_only, **extra: str) -> str:
        objects = [("00", "01"), ("26", account), ("52", "0000"), ("53", "986"), ("58", "BR"),
                   ("59", "Fulano"), ("60", "BRASILIA"), ("62", "0503***")]
        return emv_qr.build(objects + sorted(extra.items()))

    assert pix.parse(payload(**{"80": recurrence})).kind == "recurrence"
    assert pix.parse(payload(**{"99": recurrence})).recurrence_url == RECURRENCE_URL
    # the GUI alone, without a recurrence, names nothing to pay (brazilian-utils rejects it too)
    with pytest.raises(InvalidFormat) as info:
        pix.validate(payload())
    assert info.value.position == 6
    # the recurrence template needs its location, in the URL form of 26-25
    bare = emv_qr.build_template([("00", pix.GUI)])
    assert not pix.is_valid(payload(**{"80": bare}))
    scheme = emv_qr.build_template([("00", pix.GUI), ("25", "https://" + RECURRENCE_URL)])
    assert not pix.is_valid(payload(**{"80": scheme}))
    # one recurrence template only
    assert not pix.is_valid(payload(**{"80": recurrence, "81": recurrence}))
    # another scheme's template in 80-99 is not ours to judge
    other = emv_qr.build_template([("00", "com.example.loyalty"), ("01", "X")])
    assert pix.is_valid(payload(**{"80": recurrence, "81": other}))
    # both locations on the same PSP host (2.8.3)
    dynamic = emv_qr.build_template([("00", pix.GUI), ("25", "psp.example.org/cob/abc")])
    with pytest.raises(InvalidFormat) as host:
        pix.validate(payload(dynamic, **{"80": recurrence}))
    assert "same host" in host.value.message
    # no Pix Saque/Troco in a composite code (2.4.3)
    saque = emv_qr.build_template([("00", pix.GUI), ("01", "12345678909"), ("03", "12345678")])
    assert pix.is_valid(payload(saque))
    assert not pix.is_valid(payload(saque, **{"80": recurrence}))
    with pytest.raises(InvalidFormat) as fss:
        pix.build(key="12345678909", fss="12345678", merchant_name="A", merchant_city="B",
                  recurrence_url=RECURRENCE_URL)
    assert fss.value.field == "fss"
    with pytest.raises(InvalidFormat) as other_host:
        pix.build(url="psp.example.org/cob/abc", merchant_name="A", merchant_city="B",
                  recurrence_url=RECURRENCE_URL)
    assert other_host.value.field == "recurrence_url"


def test_pix_build_refuses_bad_input() -> None:
    with pytest.raises(InvalidFormat):
        pix.build(merchant_name="A", merchant_city="B")
    with pytest.raises(InvalidFormat):
        pix.build(key="12345678909", url="a.b/c", merchant_name="A", merchant_city="B")
    with pytest.raises(InvalidFormat) as info:
        pix.build(url="a.b/c", merchant_name="A", merchant_city="B", txid="X1")
    assert info.value.field == "txid"
    with pytest.raises(InvalidFormat) as info:
        pix.build(key="12345678909", merchant_name="A", merchant_city="B", amount=0)
    assert info.value.field == "amount"
    with pytest.raises(InvalidLength) as info:
        pix.build(key="12345678909", merchant_name="A", merchant_city="Presidente Prudente")
    assert info.value.field == "merchant_city"


def test_pix_messages_do_not_echo_personal_data() -> None:
    secret = "Fulano.Secret@Example.com"
    payload = emv_qr.build([
        ("00", "01"), ("26", emv_qr.build_template([("00", pix.GUI), ("01", secret)])),
        ("52", "0000"), ("53", "986"), ("58", "BR"), ("59", "Fulano Secret"), ("60", "RIO"),
        ("62", "0503***"),
    ])
    with pytest.raises(InvalidInput) as info:
        pix.validate(payload)
    assert info.value.position == payload.index(secret)
    assert "secret" not in str(info.value).lower()


# --- PromptPay -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "proxy_type", "proxy"),
    [
        ({"mobile": "081-234-5678"}, "mobile", "0066812345678"),
        ({"mobile": "+66 81 234 5678"}, "mobile", "0066812345678"),
        ({"national_id": "1111111111111"}, "national_or_tax_id", "1111111111111"),
        ({"ewallet_id": "004000006579718"}, "ewallet_id", "004000006579718"),
    ],
)
def test_promptpay_round_trip(kwargs: dict[str, str], proxy_type: str, proxy: str) -> None:
    payload = promptpay.build(**kwargs, amount=Decimal("4.22"))
    code = promptpay.parse(payload)
    assert (code.proxy_type, code.proxy, code.amount, code.point_of_initiation) == (
        proxy_type, proxy, Decimal("4.22"), "12",
    )
    assert (code.template, code.aid, code.currency, code.country) == (
        "29", promptpay.AID_CREDIT_TRANSFER, "764", "TH",
    )


@pytest.mark.parametrize(
    ("mobile", "proxy"),
    [
        ("0066812345678", "0066812345678"),
        ("66812345678", "0066812345678"),
        ("0812345678", "0066812345678"),
        ("812345678", "0066812345678"),
        ("0 66 123 4567", "0066661234567"),  # trunk 0, then a number beginning 66
        ("0066 661 234 567", "0066661234567"),
    ],
)
def test_promptpay_mobile_prefixes_are_told_apart_by_length(mobile: str, proxy: str) -> None:
    assert promptpay.parse(promptpay.build(mobile=mobile)).proxy == proxy


@pytest.mark.parametrize("mobile", ["0066000000", "066612345678", "0012345678", "00668123456"])
def test_promptpay_mobile_that_is_no_thai_number_is_refused(mobile: str) -> None:
    with pytest.raises(InvalidFormat) as info:
        promptpay.build(mobile=mobile)
    assert info.value.field == "mobile"


def test_promptpay_known_payload() -> None:
    assert promptpay.build(mobile="0801234567") == (
        "00020101021129370016A000000677010111011300668012345675802TH530376463046197"
    )


def test_promptpay_bill_payment() -> None:
    payload = emv_qr.build([
        ("00", "01"), ("01", "11"),
        ("30", emv_qr.build_template([("00", promptpay.AID_BILL_PAYMENT),
                                      ("01", "010555012345601"), ("02", "INV001")])),
        ("53", "764"), ("58", "TH"),
    ])
    code = promptpay.parse(payload)
    assert (code.template, code.proxy_type, code.proxy, code.reference_1) == (
        "30", "biller_id", "010555012345601", "INV001",
    )


def test_promptpay_rules() -> None:
    good = promptpay.build(mobile="0812345678")
    assert not promptpay.is_valid(good.replace("5802TH", "5802SG")[:-4] + "0000")
    with pytest.raises(InvalidComponent):
        promptpay.parse(emv_qr.append_crc(good[:-8].replace("5303764", "5303702")))
    with pytest.raises(InvalidFormat) as info:
        promptpay.parse(emv_qr.append_crc(good[:-8].replace("01130066812345678",
                                                            "01130099812345678")))
    assert info.value.position == good.index("0066812345678")
    with pytest.raises(InvalidFormat):
        promptpay.build(mobile="12345")
    with pytest.raises(InvalidFormat):
        promptpay.build(mobile="0812345678", national_id="1111111111111")


# --- PayNow / SGQR ---------------------------------------------------------------------------


def test_paynow_round_trip_mobile() -> None:
    payload = paynow.build(
        mobile="9123 4567", merchant_name="Tan Ah Kow", amount=Decimal("12.5"),
        expiry=dt.date(2038, 1, 19), bill_reference="INV-42",
    )
    code = paynow.parse(payload)
    assert (code.scheme, code.proxy_type, code.proxy, code.amount) == (
        "paynow", "mobile", "+6591234567", Decimal("12.50"),
    )
    assert (code.amount_editable, code.expiry, code.bill_reference) == ("0", "20380119", "INV-42")
    assert (code.currency, code.country, code.merchant_city) == ("702", "SG", "Singapore")


def test_paynow_round_trip_uen() -> None:
    code = paynow.parse(paynow.build(uen="201403121W", merchant_name="ACME PTE LTD"))
    assert (code.proxy_type, code.proxy, code.amount, code.amount_editable) == (
        "uen", "201403121W", None, "1",
    )
    assert code.point_of_initiation == "11"


def test_sgqr_without_paynow_is_valid() -> None:
    payload = emv_qr.build([
        ("00", "01"), ("01", "11"),
        ("26", emv_qr.build_template([("00", "com.grab"), ("01", "abc")])),
        ("52", "5812"), ("53", "702"), ("58", "SG"), ("59", "TOAST BOX"), ("60", "Singapore"),
    ])
    code = paynow.parse(payload)
    assert (code.scheme, code.proxy, code.merchant_name) == ("sgqr", None, "TOAST BOX")
    assert code.schemes == ("com.grab",)


def test_paynow_rules() -> None:
    with pytest.raises(InvalidFormat, match="mobile"):
        paynow.build(mobile="+651234567", merchant_name="X")
    good = paynow.build(mobile="+6581234567", merchant_name="X")
    bad = emv_qr.append_crc(good[:-8].replace("+6581234567", "+6571234567"))
    with pytest.raises(InvalidFormat) as info:
        paynow.parse(bad)
    assert info.value.position == good.index("+6581234567")
    assert not paynow.is_valid(emv_qr.append_crc(good[:-8].replace("5901X", "5900")))
    assert not paynow.is_valid(emv_qr.append_crc(good[:-8].replace("5802SG", "5802US")))


# --- Boleto ----------------------------------------------------------------------------------

LINHA = "00190.00009 01149.718601 68524.522114 6 75860000102656"
BARCODE = "00196758600001026560000001149718606852452211"


def test_boleto_barcode_and_linha_convert_both_ways() -> None:
    assert boleto.to_barcode(LINHA) == BARCODE
    assert boleto.format(BARCODE) == LINHA
    assert boleto.to_linha_digitavel(BARCODE) == boleto.compact(LINHA)
    assert boleto.validate(LINHA) == boleto.compact(LINHA)
    assert boleto.validate(BARCODE) == BARCODE


def test_boleto_parse_fields() -> None:
    slip = boleto.parse(LINHA, reference_date=dt.date(2025, 6, 15))
    assert (slip.type, slip.form, slip.bank_code, slip.currency_code) == (
        "bancario", "linha_digitavel", "001", "9",
    )
    assert (slip.check_digit, slip.due_date_factor) == ("6", "7586")
    assert slip.amount == Decimal("1026.56")
    assert (slip.due_date, slip.due_date_cycle) == (dt.date(2018, 7, 15), "1997")
    assert slip.free_field == BARCODE[19:]


def test_boleto_due_date_needs_a_reference() -> None:
    slip = boleto.parse(BARCODE)
    assert slip.due_date is None
    assert dict(slip.due_date_candidates or ()) == {
        "cycle_1997": dt.date(2018, 7, 15), "cycle_2025": dt.date(2043, 3, 6),
    }
    later = boleto.parse(BARCODE, reference_date=dt.date(2040, 1, 1))
    assert (later.due_date, later.due_date_cycle) == (dt.date(2043, 3, 6), "2025")


def test_boleto_factor_restart() -> None:
    assert boleto.due_date_factor(dt.date(2025, 2, 21)) == "9999"
    assert boleto.due_date_factor(dt.date(2025, 2, 22)) == "1000"
    assert boleto.due_date_factor(dt.date(1997, 10, 8)) == "0001"
    ref = dt.date(2025, 6, 15)
    assert boleto.due_date_from_factor("1000", reference_date=ref) == dt.date(2025, 2, 22)
    assert boleto.due_date_from_factor(9999, reference_date=ref) == dt.date(2025, 2, 21)
    assert boleto.due_date_from_factor("0000", reference_date=ref) is None
    with pytest.raises(InvalidComponent):
        boleto.due_date_factor(dt.date(1997, 10, 7))
    with pytest.raises(InvalidFormat):
        boleto.due_date_factor(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))


def test_boleto_error_positions_are_offsets_in_the_input() -> None:
    wrong_field = LINHA.replace("00190.00009", "00190.00008")
    with pytest.raises(InvalidChecksum, match="field 1") as info:
        boleto.validate(wrong_field)
    assert info.value.position == 10
    wrong_general = LINHA.replace(" 6 ", " 7 ")
    with pytest.raises(InvalidChecksum, match="general") as info:
        boleto.validate(wrong_general)
    assert info.value.position == LINHA.index(" 6 ") + 1
    with pytest.raises(InvalidFormat) as format_info:
        boleto.validate(LINHA.replace("01149", "01x49"))
    assert format_info.value.position == LINHA.index("01149") + 2
    with pytest.raises(InvalidComponent, match="currency") as currency_info:
        boleto.validate("00170000010114971860168524522114275860000102656")
    assert currency_info.value.position == 3
    with pytest.raises(InvalidLength):
        boleto.validate("123456789")


def test_boleto_general_digit_maps_0_10_11_to_1() -> None:
    for amount in range(1, 400):
        barcode = boleto.build(bank_code="341", free_field="1" * 25, amount=Decimal(amount))
        body = barcode[:4] + barcode[5:]
        total = sum(int(c) * (2 + i % 8) for i, c in enumerate(reversed(body)))
        if 11 - total % 11 in (0, 10, 11):
            assert barcode[4] == "1"
            break
    else:
        pytest.fail("no amount produced the special case")


def test_arrecadacao() -> None:
    slip = boleto.parse("83620000000667800481001809756573100158963608")
    assert (slip.type, slip.segment, slip.value_id, slip.check_digit_method) == (
        "arrecadacao", "3", "6", "mod10",
    )
    assert (slip.amount, slip.value_field, slip.value_is_reference) == (
        Decimal("66.78"), "00000006678", False,
    )
    assert boleto.format(slip.barcode) == "83620000000-5 66780048100-0 18097565731-3 00158963608-1"
    assert boleto.to_barcode(boleto.format(slip.barcode)) == slip.barcode
    mod11 = boleto.parse("84890000000404201622018060519042958603411122")
    assert mod11.check_digit_method == "mod11"
    assert boleto.to_barcode(boleto.format(mod11.barcode)) == mod11.barcode
    with pytest.raises(InvalidComponent, match="value identifier") as info:
        boleto.parse("84290000000404201622018060519042958603411122")
    assert info.value.position == 2


def test_boleto_build_round_trip() -> None:
    barcode = boleto.build(
        bank_code="237", free_field="0" * 24 + "1", amount=Decimal("99999999.99"),
        due_date=dt.date(2031, 5, 1),
    )
    slip = boleto.parse(boleto.format(barcode), reference_date=dt.date(2030, 1, 1))
    assert (slip.barcode, slip.amount, slip.due_date) == (
        barcode, Decimal("99999999.99"), dt.date(2031, 5, 1),
    )
    with pytest.raises(InvalidFormat):
        boleto.build(bank_code="237", free_field="0" * 25, amount=Decimal("100000000.00"))
    with pytest.raises(InvalidComponent):
        boleto.build(bank_code="836", free_field="0" * 25)
