"""Round trips over arbitrary valid inputs, and the CRC catching every single-character change."""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
import uuid
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.br import cnpj, cpf

from globalcrm.errors import InvalidChecksum, InvalidFormat
from globalcrm.payments import boleto, emv_qr, paynow, pix, promptpay

ACCENTED = "áàâãäçéèêëíìîïñóòôõöúùûüýÁÀÂÃÄÇÉÈÊËÍÌÎÏÑÓÒÔÕÖÚÙÛÜÝ"
ANS = "".join(chr(c) for c in range(0x20, 0x7F))


def _text(max_size: int) -> st.SearchStrategy[str]:
    """Names in Latin script with accents: folded to EMV's character set, never longer."""
    return st.text(alphabet=ANS + ACCENTED, min_size=1, max_size=max_size).filter(
        lambda value: bool(value.strip())
    )


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _cpf_check_digits(base: str) -> str:
    """The two CPF check digits (Receita Federal's modulo 11), computed independently."""
    first = (sum(int(d) * w for d, w in zip(base, range(10, 1, -1), strict=True)) * 10) % 11 % 10
    body = base + str(first)
    second = (sum(int(d) * w for d, w in zip(body, range(11, 1, -1), strict=True)) * 10) % 11 % 10
    return f"{first}{second}"


@st.composite
def pix_keys(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["cpf", "cnpj", "phone", "email", "evp"]))
    if kind == "cpf":
        base = draw(st.text(alphabet=string.digits, min_size=9, max_size=9))
        assume(len(set(base)) > 1)
        return base + _cpf_check_digits(base), kind
    if kind == "cnpj":
        base = draw(st.text(alphabet=string.digits + string.ascii_uppercase, min_size=12,
                            max_size=12))
        assume(len(set(base)) > 1)
        return base + cnpj.calc_check_digits(base), kind
    if kind == "phone":
        return "+55" + draw(st.text(alphabet=string.digits, min_size=10, max_size=11)), kind
    if kind == "email":
        local = draw(st.text(alphabet=string.ascii_lowercase + string.digits + "._+-",
                             min_size=1, max_size=30))
        domain = draw(st.from_regex(r"[a-z0-9]{1,20}(\.[a-z]{2,6}){1,2}", fullmatch=True))
        return f"{local}@{domain}", kind
    return str(draw(st.uuids())), kind


amounts = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2,
    allow_nan=False, allow_infinity=False,
)
txids = st.one_of(st.just("***"), st.from_regex(r"[A-Za-z0-9]{1,25}", fullmatch=True))


@settings(deadline=None)
@given(
    key=pix_keys(), name=_text(25), city=_text(15), amount=st.none() | amounts, txid=txids,
)
def test_pix_static_round_trip(
    key: tuple[str, str], name: str, city: str, amount: Decimal | None, txid: str
) -> None:
    payload = pix.build(key=key[0], merchant_name=name, merchant_city=city, amount=amount,
                        txid=txid)
    code = pix.parse(payload)
    assert (code.key, code.key_type, code.kind) == (key[0], key[1], "static")
    assert code.merchant_name == _fold(name)
    assert code.merchant_city == _fold(city)
    if key[1] == "cpf":
        assert cpf.is_valid(key[0])
    assert code.amount == amount
    assert code.txid == txid
    assert emv_qr.is_ans(code.merchant_name)
    assert pix.is_valid(payload)


@settings(deadline=None)
@given(
    # Pix limits the location to 77 characters (99 in template 26, less the GUI and header)
    path=st.from_regex(r"[a-z0-9]{1,20}(/[A-Za-z0-9._-]{1,19}){0,2}", fullmatch=True),
    name=_text(25), city=_text(15), amount=st.none() | amounts,
)
def test_pix_dynamic_round_trip(path: str, name: str, city: str, amount: Decimal | None) -> None:
    url = f"pix.example.com/{path}"
    payload = pix.build(url=url, merchant_name=name, merchant_city=city, amount=amount)
    code = pix.parse(payload)
    assert (code.kind, code.url, code.txid, code.amount) == ("dynamic", url, "***", amount)


@settings(deadline=None)
@given(  # "pix.example.com/rec/" + path stays within the 77 characters a location may have
    path=st.from_regex(r"[a-z0-9]{1,19}(/[A-Za-z0-9._-]{1,18}){0,2}", fullmatch=True),
    name=_text(25), city=_text(15), key=st.none() | pix_keys(),
)
def test_pix_automatico_round_trip(
    path: str, name: str, city: str, key: tuple[str, str] | None
) -> None:
    recurrence_url = f"pix.example.com/rec/{path}"
    payload = pix.build(key=None if key is None else key[0], merchant_name=name,
                        merchant_city=city, recurrence_url=recurrence_url)
    code = pix.parse(payload)
    assert code.recurrence_url == recurrence_url
    assert code.kind == ("recurrence" if key is None else "static")
    assert code.key == (None if key is None else key[0])


@settings(deadline=None)
@given(key=pix_keys(), name=_text(25), data=st.data())
def test_crc_detects_any_single_character_change(
    key: tuple[str, str], name: str, data: st.DataObject
) -> None:
    payload = pix.build(key=key[0], merchant_name=name, merchant_city="Recife")
    index = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    original = payload[index]
    replacement = data.draw(
        st.sampled_from(ANS).filter(
            lambda char: char != original
            and not (index >= len(payload) - 4 and char.upper() == original.upper())
        )
    )
    changed = payload[:index] + replacement + payload[index + 1 :]
    assert not pix.is_valid(changed)
    try:
        emv_qr.verify_crc(changed)
    except (InvalidChecksum, InvalidFormat):
        pass
    else:
        raise AssertionError("a single-character change kept the CRC valid")


@settings(deadline=None)
@given(
    number=st.from_regex(r"[1-9][0-9]{8}", fullmatch=True),  # a national number never starts 0
    kind=st.sampled_from(["mobile", "national_id", "ewallet_id"]),
    amount=st.none() | amounts,
)
def test_promptpay_round_trip(number: str, kind: str, amount: Decimal | None) -> None:
    value = {"mobile": "0" + number, "national_id": number + "1234",
             "ewallet_id": number + "123456"}[kind]
    payload = promptpay.build(amount=amount, **{kind: value})
    code = promptpay.parse(payload)
    expected = "0066" + number if kind == "mobile" else value
    assert (code.proxy, code.amount) == (expected, amount)
    assert code.point_of_initiation == ("11" if amount is None else "12")


@settings(deadline=None)
@given(
    mobile=st.from_regex(r"\+65[89][0-9]{7}", fullmatch=True),
    name=_text(25), amount=st.none() | amounts,
    expiry=st.none() | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
)
def test_paynow_round_trip(
    mobile: str, name: str, amount: Decimal | None, expiry: dt.date | None
) -> None:
    payload = paynow.build(mobile=mobile, merchant_name=name, amount=amount, expiry=expiry)
    code = paynow.parse(payload)
    assert (code.proxy, code.amount, code.merchant_name) == (mobile, amount, _fold(name))
    assert code.expiry == (None if expiry is None else expiry.strftime("%Y%m%d"))


boleto_amounts = st.decimals(
    min_value=Decimal("0.00"), max_value=Decimal("99999999.99"), places=2,
    allow_nan=False, allow_infinity=False,
)


@settings(deadline=None)
@given(
    bank=st.from_regex(r"[0-7][0-9]{2}", fullmatch=True),
    free=st.text(alphabet=string.digits, min_size=25, max_size=25),
    amount=boleto_amounts,
    due=st.dates(min_value=dt.date(2000, 7, 3), max_value=dt.date(2070, 1, 1)),
    shift=st.integers(min_value=-3000, max_value=5500),
)
def test_boleto_round_trip(
    bank: str, free: str, amount: Decimal, due: dt.date, shift: int
) -> None:
    barcode = boleto.build(bank_code=bank, free_field=free, amount=amount, due_date=due)
    reference = due - dt.timedelta(days=shift)
    for text in (barcode, boleto.format(barcode), boleto.to_linha_digitavel(barcode)):
        slip = boleto.parse(text, reference_date=reference)
        assert (slip.barcode, slip.bank_code, slip.free_field) == (barcode, bank, free)
        assert (slip.amount, slip.due_date) == (amount, due)
    assert boleto.to_barcode(boleto.format(barcode)) == barcode


@settings(deadline=None)
@given(due=st.dates(min_value=dt.date(2000, 7, 3), max_value=dt.date(2200, 1, 1)),
       shift=st.integers(min_value=-3000, max_value=5500))
def test_due_date_factor_round_trip(due: dt.date, shift: int) -> None:
    factor = boleto.due_date_factor(due)
    assert 1000 <= int(factor) <= 9999
    reference = due - dt.timedelta(days=shift)
    assert boleto.due_date_from_factor(factor, reference_date=reference) == due


@settings(deadline=None)
@given(st.uuids())
def test_upper_case_evp_is_not_a_key(value: uuid.UUID) -> None:
    text = str(value)
    assert pix.key_type(text) == "evp"
    if text.upper() != text:
        assert pix.key_type(text.upper()) is None
