"""Pix BR Code: the Brazilian instant-payment QR and its "copia e cola" text.

Spec: Banco Central do Brasil, "Manual de Padrões para Iniciação do Pix" version 2.10.0 (with
the composite QR code of Pix Automático, sections 2.4.3, 2.5 and 2.8) and the "Manual do BR
Code", https://www.bcb.gov.br/estabilidadefinanceira/pix (Regulamento Pix, manuals), on top of
the EMV merchant-presented QR (:mod:`globalcrm.payments.emv_qr`).

Rules checked (strict, as the manual writes them):

- EMV layer: TLV syntax, ``00`` = ``01`` first, ``63`` CRC-16/CCITT-FALSE last, at most 512
  characters; ``01`` (point of initiation) if present is ``11`` or ``12``.
- One merchant account template (IDs 26-51) whose ``00`` is ``br.gov.bcb.pix`` (any case), with
  exactly one of ``01`` key (static) or ``25`` location URL without scheme (dynamic), optional
  ``02`` description and ``03`` fss (8-digit ISPB, Pix Saque/Troco).
- Composite codes (Pix Automático): at most one unreserved template (IDs 80-99) with the same
  GUI, whose ``25`` is the location of the recurrence parameters (URL rules as for ``26-25``).
  With it, the merchant account template may carry the GUI alone (a code that only offers the
  recurrence, manual 2.8.1 and 2.8.5.1: ``kind`` is ``recurrence``); with a payment URL both
  URLs must name the same host (2.8.3); Pix Saque/Troco (``fss``) is not offered (2.4.3).
- The key in DICT form: CPF (11 digits, check digits), CNPJ (14, alphanumeric CNPJ allowed),
  ``+55`` phone, lower-case e-mail (at most 77), or an EVP (lower-case UUID).
- ``52`` MCC (4 digits), ``53`` = ``986``, ``54`` amount (at most 13 characters, two decimals,
  above zero for a static key payload unless it is Pix Saque/Troco), ``58`` = ``BR``, ``59`` name
  (1-25) and ``60`` city (1-15) in EMV's common character set, ``61`` CEP (8 digits),
  ``62``-``05`` txid: ``***`` or 1-25 letters and digits, and ``***`` for a dynamic payload.

```pycon
>>> payload = build(key="12345678909", merchant_name="Fulano de Tal", merchant_city="BRASILIA")
>>> payload[:58]
'00020126330014br.gov.bcb.pix011112345678909520400005303986'
>>> payload[58:]
'5802BR5913Fulano de Tal6008BRASILIA62070503***6304DBC3'
>>> code = parse(payload)
>>> code.key_type, code.kind, code.txid
('cpf', 'static', '***')
>>> is_valid(payload[:-1] + "4")
False

```
"""

from __future__ import annotations

import re
from decimal import Decimal

import attrs
from stdnum.br import cnpj as _cnpj
from stdnum.br import cpf as _cpf

from globalcrm.errors import InvalidChecksum, InvalidComponent, InvalidFormat
from globalcrm.payments import emv_qr

__all__ = [
    "GUI",
    "PixCode",
    "build",
    "compact",
    "format",
    "is_valid",
    "is_valid_key",
    "key_type",
    "parse",
    "validate",
]

GUI = "br.gov.bcb.pix"
"""The globally unique identifier of the Pix arrangement in the merchant account template."""

_EVP_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PHONE_RE = re.compile(r"\+55[0-9]{10,11}")
_EMAIL_RE = re.compile(
    r"[a-z0-9.!#$&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)
_CNPJ_RE = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_TXID_RE = re.compile(r"[A-Za-z0-9]{1,25}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_URL_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})+(?::[0-9]{{1,5}})?(?:/[\x21-\x7e]*)?")
_CEP_RE = re.compile(r"[0-9]{8}")
_FSS_RE = re.compile(r"[0-9]{8}")
_UNRESERVED_IDS = tuple(f"{n:02d}" for n in range(80, 100))


@attrs.frozen
class PixCode:
    """A decoded Pix BR Code; attribute names follow the data objects they come from.

    ``kind`` is ``static`` (a key), ``dynamic`` (a location URL) or ``recurrence`` (a composite
    code that only offers a Pix Automático recurrence); ``amount`` is a ``Decimal`` or ``None``;
    optional objects are ``None`` when absent.
    """

    kind: str
    key: str | None
    key_type: str | None
    url: str | None
    description: str | None
    fss: str | None
    gui: str
    merchant_account_id: str
    point_of_initiation: str | None
    mcc: str
    currency: str
    amount: Decimal | None
    country: str
    merchant_name: str
    merchant_city: str
    postal_code: str | None
    txid: str
    crc: str
    recurrence_url: str | None = None
    """The location of the Pix Automático recurrence parameters (template 80-99, ``25``)."""


def compact(text: object) -> str:
    """Return the payload without surrounding white space (a pasted "copia e cola")."""
    return emv_qr.compact(text)


def format(text: object) -> str:
    """Return the payload as shown to the payer for copy and paste (no spaces are added)."""
    return emv_qr.format(text)


def key_type(key: object) -> str | None:
    """Return the kind of a Pix key in DICT form (cpf, cnpj, phone, email, evp), or ``None``.

    ```pycon
    >>> key_type("+5561912345678"), key_type("123.456.789-09")
    ('phone', None)

    ```
    """
    if not isinstance(key, str) or not key or len(key) > 77:
        return None
    if len(key) == 11 and key.isascii() and key.isdigit():
        if len(set(key)) > 1 and _cpf.is_valid(key):
            return "cpf"
        return None
    if len(key) == 14 and _CNPJ_RE.fullmatch(key):
        if len(set(key)) > 1 and _cnpj.is_valid(key):
            return "cnpj"
        return None
    if "@" in key:
        return "email" if _EMAIL_RE.fullmatch(key) else None
    if key.startswith("+"):
        return "phone" if _PHONE_RE.fullmatch(key) else None
    if _EVP_RE.fullmatch(key):
        return "evp"
    return None


def is_valid_key(key: object) -> bool:
    """Whether ``key`` is a Pix key in DICT form."""
    return key_type(key) is not None


def _merchant_account(
    payload: emv_qr.Payload,
) -> tuple[emv_qr.DataObject, tuple[emv_qr.DataObject, ...]]:
    found = emv_qr.templates_with_gui(payload, GUI)
    if not found:
        raise InvalidComponent(
            "no merchant account template (26-51) with the Pix GUI br.gov.bcb.pix"
        )
    if len(found) > 1:
        raise InvalidFormat(
            "more than one merchant account template carries the Pix GUI",
            position=found[1][0].position,
        )
    _no_repeats(found[0][1], "the Pix template")
    return found[0]


def _no_repeats(inner: tuple[emv_qr.DataObject, ...], what: str) -> None:
    ids = [obj.id for obj in inner]
    for obj in inner:
        if ids.count(obj.id) > 1:
            raise InvalidFormat(f"{what} repeats sub-object {obj.id}", position=obj.position)


def _location(obj: emv_qr.DataObject, what: str) -> str:
    """Check a location URL (manual 2.5.2: no scheme, at most 77 characters) and return it."""
    url = obj.value
    if len(url) > 77 or not _URL_RE.fullmatch(url):
        raise InvalidFormat(
            f"the {what} must be a host name with a dot and a path, without scheme",
            position=obj.value_position,
        )
    return url


def _recurrence(payload: emv_qr.Payload) -> emv_qr.DataObject | None:
    """The ``25`` of the Pix template in 80-99 (Pix Automático), ``None`` if there is none."""
    found = emv_qr.templates_with_gui(payload, GUI, ids=_UNRESERVED_IDS)
    if not found:
        return None
    if len(found) > 1:
        raise InvalidFormat(
            "more than one unreserved template (80-99) carries the Pix GUI",
            position=found[1][0].position,
        )
    template, inner = found[0]
    _no_repeats(inner, "the Pix recurrence template")
    url_obj = emv_qr.sub_value(inner, "25")
    if url_obj is None:
        raise InvalidFormat(
            "the Pix recurrence template (80-99) must carry the recurrence location (25)",
            position=template.position,
        )
    _location(url_obj, "recurrence location (80-25)")
    return url_obj


def _decode(text: str) -> PixCode:
    payload = emv_qr.parse(text)
    poi = emv_qr.check_point_of_initiation(payload)
    account, inner = _merchant_account(payload)
    recurrence_obj = _recurrence(payload)
    key_obj = emv_qr.sub_value(inner, "01")
    url_obj = emv_qr.sub_value(inner, "25")
    if key_obj is not None and url_obj is not None:
        raise InvalidFormat(
            "the Pix template must carry exactly one of a key (01) or a URL (25)",
            position=account.position,
        )
    if key_obj is None and url_obj is None and recurrence_obj is None:
        raise InvalidFormat(
            "the Pix template must carry a key (01) or a URL (25), or the code a recurrence "
            "location (80-25)",
            position=account.position,
        )
    key = kind = None
    url = None
    if key_obj is None and url_obj is None:
        kind = "recurrence"
        the_key_type = None
    elif key_obj is not None:
        kind = "static"
        key = key_obj.value
        the_key_type = key_type(key)
        if the_key_type is None:
            raise InvalidFormat(
                "the Pix key is not a CPF, CNPJ, +55 phone, lower-case e-mail or EVP in DICT form",
                position=key_obj.value_position,
            )
    else:
        assert url_obj is not None  # noqa: S101 - one of the two is set (checked above)
        kind = "dynamic"
        the_key_type = None
        url = _location(url_obj, "Pix location (25)")
        if recurrence_obj is not None and _host(url) != _host(recurrence_obj.value):
            raise InvalidFormat(
                "the payment and recurrence locations must be on the same host",
                position=recurrence_obj.value_position,
            )
    description_obj = emv_qr.sub_value(inner, "02")
    fss_obj = emv_qr.sub_value(inner, "03")
    if fss_obj is not None and not _FSS_RE.fullmatch(fss_obj.value):
        raise InvalidFormat(
            "the fss (03) must be an 8-digit ISPB", position=fss_obj.value_position
        )
    if fss_obj is not None and recurrence_obj is not None:
        raise InvalidFormat(
            "a composite code (Pix Automático) does not offer Pix Saque or Troco (fss)",
            position=fss_obj.position,
        )

    mcc = emv_qr.check_mcc(payload)
    currency = emv_qr.check_fixed(payload, "53", "transaction currency", "986")
    amount = None
    amount_obj = payload.get("54")
    if amount_obj is not None:
        amount = emv_qr.parse_amount(amount_obj)
        if amount == 0 and kind == "static" and fss_obj is None:
            raise InvalidFormat(
                "a static Pix payload with a key must not carry a zero amount",
                position=amount_obj.value_position,
            )
    country = emv_qr.check_fixed(payload, "58", "country code", "BR")
    name = emv_qr.required(payload, "59", "merchant name")
    emv_qr.check_ans(name, "merchant name", 25)
    city = emv_qr.required(payload, "60", "merchant city")
    emv_qr.check_ans(city, "merchant city", 15)
    postal = payload.get("61")
    if postal is not None and not _CEP_RE.fullmatch(postal.value):
        raise InvalidFormat(
            "the postal code (61) must be an 8-digit CEP", position=postal.value_position
        )
    additional = emv_qr.required(payload, "62", "additional data field template")
    txid_obj = emv_qr.sub_value(emv_qr.template(additional), "05")
    if txid_obj is None:
        raise InvalidFormat(
            "the additional data (62) must carry a txid (05)", position=additional.position
        )
    txid = txid_obj.value
    if txid != "***" and not _TXID_RE.fullmatch(txid):
        raise InvalidFormat(
            "the txid (62-05) must be *** or 1-25 letters and digits",
            position=txid_obj.value_position,
        )
    if kind == "dynamic" and txid != "***":
        raise InvalidFormat(
            "a dynamic Pix payload (URL) must carry the txid ***",
            position=txid_obj.value_position,
        )
    return PixCode(
        kind=kind,
        key=key,
        key_type=the_key_type,
        url=url,
        description=None if description_obj is None else description_obj.value,
        fss=None if fss_obj is None else fss_obj.value,
        gui=inner[0].value,
        merchant_account_id=account.id,
        point_of_initiation=poi,
        mcc=mcc,
        currency=currency,
        amount=amount,
        country=country,
        merchant_name=name.value,
        merchant_city=city.value,
        postal_code=None if postal is None else postal.value,
        txid=txid,
        crc=payload.crc,
        recurrence_url=None if recurrence_obj is None else recurrence_obj.value,
    )


def _host(url: str) -> str:
    """The host (``fqdnPspRecebedor``) of a location URL, lower case."""
    return url.split("/", 1)[0].lower()


def parse(text: object) -> PixCode:
    """Validate a Pix payload and return its fields; raises an ``InvalidInput`` subclass."""
    return _decode(compact(text))


def validate(text: object) -> str:
    """Return the payload (without surrounding white space) if it is a valid Pix BR Code."""
    value = compact(text)
    _decode(value)
    return value


def is_valid(text: object) -> bool:
    """Whether ``text`` is a valid Pix BR Code (never raises).

    ```pycon
    >>> is_valid(None), is_valid("pix copia e cola")
    (False, False)

    ```
    """
    if not isinstance(text, str) or len(text) > 2 * emv_qr.MAX_LENGTH:
        return False
    try:
        validate(text)
    except (InvalidFormat, InvalidChecksum, InvalidComponent):
        return False
    return True


def build(
    *,
    merchant_name: str,
    merchant_city: str,
    key: str | None = None,
    url: str | None = None,
    amount: Decimal | int | str | None = None,
    txid: str | None = None,
    description: str | None = None,
    fss: str | None = None,
    mcc: str = "0000",
    postal_code: str | None = None,
    point_of_initiation: str | None = None,
    recurrence_url: str | None = None,
) -> str:
    """Build a Pix payload: static with ``key`` or dynamic with ``url`` (at most one).

    ``recurrence_url`` adds the location of Pix Automático recurrence parameters (template 80),
    making a composite code; with neither ``key`` nor ``url`` the code only offers the
    recurrence. Names and cities are folded to EMV's common character set (accents dropped),
    never cut: a name longer than 25 characters or a city longer than 15 is an error. ``txid``
    defaults to ``***``; ``amount`` is a ``Decimal`` (or ``int``/text), never a float. The
    result is checked with :func:`validate` before it is returned.

    ```pycon
    >>> build(key="fulano@example.com", merchant_name="José", merchant_city="São Paulo",
    ...       amount=Decimal("10.5"), txid="PEDIDO123")[-52:]
    '5802BR5904Jose6009Sao Paulo62130509PEDIDO12363045BBC'
    >>> offer = build(merchant_name="Fulano de Tal", merchant_city="BRASILIA",
    ...               recurrence_url="pix.example.com/rec/2353c790eefb11eaadc10242ac120002")
    >>> offer[-8:], parse(offer).kind
    ('6304F2DA', 'recurrence')

    ```
    """
    if key is not None and url is not None:
        raise InvalidFormat("pass at most one of key (static) or url (dynamic)", field="key")
    if key is None and url is None and recurrence_url is None:
        raise InvalidFormat(
            "pass a key (static), a url (dynamic) or a recurrence_url (Pix Automático)",
            field="key",
        )
    recurrence: list[tuple[str, str]] = []
    if recurrence_url is not None:
        if (
            not isinstance(recurrence_url, str)
            or len(recurrence_url) > 77
            or not _URL_RE.fullmatch(recurrence_url)
        ):
            raise InvalidFormat("expected a location URL without scheme", field="recurrence_url")
        if fss is not None:
            raise InvalidFormat(
                "a composite code does not offer Pix Saque or Troco", field="fss"
            )
        recurrence = [("80", emv_qr.build_template([("00", GUI), ("25", recurrence_url)]))]
    account: list[tuple[str, str]] = [("00", GUI)]
    if key is not None:
        if key_type(key) is None:
            raise InvalidFormat(
                "not a CPF, CNPJ, +55 phone, lower-case e-mail or EVP in DICT form", field="key"
            )
        account.append(("01", key))
    elif url is not None:
        if not isinstance(url, str) or len(url) > 77 or not _URL_RE.fullmatch(url):
            raise InvalidFormat("expected a location URL without scheme", field="url")
        if isinstance(recurrence_url, str) and _host(url) != _host(recurrence_url):
            raise InvalidFormat(
                "the payment and recurrence locations must be on the same host",
                field="recurrence_url",
            )
        account.append(("25", url))
    if description is not None:
        if not isinstance(description, str) or not description or "\x00" in description:
            raise InvalidFormat("expected non-empty text", field="description")
        account.append(("02", description))
    if fss is not None:
        if not isinstance(fss, str) or not _FSS_RE.fullmatch(fss):
            raise InvalidFormat("expected an 8-digit ISPB", field="fss")
        account.append(("03", fss))
    if not isinstance(mcc, str) or not (len(mcc) == 4 and mcc.isascii() and mcc.isdigit()):
        raise InvalidFormat("expected 4 digits", field="mcc")
    the_txid = "***" if txid is None else txid
    if not isinstance(the_txid, str) or (the_txid != "***" and not _TXID_RE.fullmatch(the_txid)):
        raise InvalidFormat("expected *** or 1-25 letters and digits", field="txid")
    if url is not None and the_txid != "***":
        raise InvalidFormat("a dynamic payload carries the txid ***", field="txid")
    objects: list[tuple[str, str]] = [("00", "01")]
    if point_of_initiation is not None:
        if point_of_initiation not in ("11", "12"):
            raise InvalidFormat("expected 11 or 12", field="point_of_initiation")
        objects.append(("01", point_of_initiation))
    try:
        account_value = emv_qr.build_template(account)
        objects.append(("26", account_value))
    except InvalidFormat as error:
        raise error.at(field="key" if key is not None else "url") from None
    objects += [("52", mcc), ("53", "986")]
    if amount is not None:
        text_amount = emv_qr.format_amount(amount)
        if Decimal(text_amount) == 0 and key is not None and fss is None:
            raise InvalidFormat("a static payload must not carry a zero amount", field="amount")
        objects.append(("54", text_amount))
    objects.append(("58", "BR"))
    objects.append(("59", emv_qr.fold_ans(merchant_name, field="merchant_name", max_length=25)))
    objects.append(("60", emv_qr.fold_ans(merchant_city, field="merchant_city", max_length=15)))
    if postal_code is not None:
        if not isinstance(postal_code, str) or not _CEP_RE.fullmatch(postal_code):
            raise InvalidFormat("expected an 8-digit CEP", field="postal_code")
        objects.append(("61", postal_code))
    objects.append(("62", emv_qr.build_template([("05", the_txid)])))
    payload = emv_qr.build(objects + recurrence)
    return validate(payload)
