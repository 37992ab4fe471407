"""Boleto: Brazil's payment slips, bancário (bank) and arrecadação (utilities, taxes, convênios).

Specs: FEBRABAN "Layout Padrão de Arrecadação/Recebimento com Utilização do Código de Barras"
(arrecadação, https://portal.febraban.org.br/pagina/3166/33/pt-br/layour-arrecadacao), the
Banco Central do Brasil Carta-Circular 2.926/2000 and the FEBRABAN "Especificações Técnicas do
Boleto de Pagamento" (bancário, the due-date factor restart of 2025-02-22:
https://portal.febraban.org.br/noticia/4064/pt-br/).

A bancário barcode has 44 digits: bank (3), currency (``9`` = BRL), general check digit (modulo
11, weights 2-9 from the right, 0/10/11 become 1), due-date factor (4), amount in cents (10) and a
25-digit free field of the bank. The linha digitável (47 digits) rearranges it into five fields,
the first three closed by a modulo 10 digit. An arrecadação barcode starts with ``8``: segment,
value identifier (``6``/``7`` modulo 10, ``8``/``9`` modulo 11; ``7``/``9`` carry a reference
quantity, not money), general check digit, an 11-digit value; its linha digitável (48 digits) is
four blocks of 11 digits, each followed by its own check digit.

The due-date factor counts days since 1997-10-07 (1000 = 2000-07-03, 9999 = 2025-02-21) and
restarted at 1000 on 2025-02-22, so a factor names dates 9000 days apart: a ``reference_date``
("today") picks the one within [reference - 3000 days, reference + 5500 days], the window
brazilian-utils and others use (a library convention, not a FEBRABAN rule).

```pycon
>>> text = "39991.71600 57195.001417 50002.520018 1 47780000033585"
>>> slip = parse(text, reference_date=dt.date(2010, 11, 1))
>>> slip.barcode, slip.amount, slip.due_date
('39991477800000335851716057195001415000252001', Decimal('335.85'), datetime.date(2010, 11, 6))
>>> format(slip.barcode) == text
True
>>> due_date_factor(dt.date(2025, 2, 22))
'1000'

```
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from globalcrm.errors import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

__all__ = [
    "BASE_DATE",
    "Boleto",
    "build",
    "compact",
    "due_date_factor",
    "due_date_from_factor",
    "format",
    "is_valid",
    "parse",
    "to_barcode",
    "to_linha_digitavel",
    "validate",
]

BASE_DATE = dt.date(1997, 10, 7)
"""Factor 0 of the first cycle; factor 1000 is 2000-07-03 and 9999 is 2025-02-21."""
_WINDOW_BEFORE = 3000
_WINDOW_AFTER = 5500
_SEPARATORS = frozenset(" .-\t\r\n")
_MAX_INPUT = 200


@attrs.frozen
class Boleto:
    """A decoded boleto; fields that do not apply to its ``type`` are ``None``.

    Both types: ``type`` (``bancario``/``arrecadacao``), ``form`` (what was given: ``barcode``
    or ``linha_digitavel``), ``barcode``, ``linha_digitavel`` (digits only), ``check_digit``
    (the general one), ``amount`` (``Decimal``; ``None`` when the value is a reference).
    Bancário: ``bank_code``, ``currency_code``, ``due_date_factor``, ``free_field``,
    ``due_date`` (``None`` for factor ``0000`` or without a reference date),
    ``due_date_cycle`` (``1997`` or ``2025``), ``due_date_candidates`` (both cycles).
    Arrecadação: ``product_id``, ``segment``, ``value_id``, ``check_digit_method``
    (``mod10``/``mod11``), ``value_field``, ``value_is_reference``, ``company_id``.
    """

    type: str
    form: str
    barcode: str
    linha_digitavel: str
    check_digit: str
    amount: Decimal | None
    bank_code: str | None = None
    currency_code: str | None = None
    due_date_factor: str | None = None
    free_field: str | None = None
    due_date: dt.date | None = None
    due_date_cycle: str | None = None
    due_date_candidates: tuple[tuple[str, dt.date], ...] | None = None
    product_id: str | None = None
    segment: str | None = None
    value_id: str | None = None
    check_digit_method: str | None = None
    value_field: str | None = None
    value_is_reference: bool | None = None
    company_id: str | None = None


def _mod10(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def _weighted11(digits: str) -> int:
    return sum(int(char) * (2 + index % 8) for index, char in enumerate(reversed(digits))) % 11


def _mod11_bancario(digits: str) -> str:
    check = 11 - _weighted11(digits)
    return "1" if check in (0, 10, 11) else str(check)


def _mod11_arrecadacao(digits: str) -> str:
    remainder = _weighted11(digits)
    return "0" if remainder in (0, 1) else str(11 - remainder)


def _clean(text: object) -> tuple[str, list[int]]:
    """Return the digits of ``text`` and the offset of each one in ``text``."""
    if not isinstance(text, str):
        raise InvalidFormat(f"expected text, got {type(text).__name__}")
    if len(text) > _MAX_INPUT:
        raise InvalidLength("a boleto has 44, 47 or 48 digits")
    digits = []
    offsets = []
    for index, char in enumerate(text):
        if char in _SEPARATORS:
            continue
        if not ("0" <= char <= "9"):
            raise InvalidFormat("a boleto holds digits only (with . - and spaces)", position=index)
        digits.append(char)
        offsets.append(index)
    return "".join(digits), offsets


def compact(text: object) -> str:
    """Return the digits of a barcode or linha digitável, without the mask's dots and spaces."""
    return _clean(text)[0]


def _kind(digits: str) -> tuple[str, str]:
    length = len(digits)
    if length == 44:
        return ("arrecadacao" if digits[0] == "8" else "bancario"), "barcode"
    if length == 47:
        if digits[0] == "8":
            raise InvalidFormat(
                "a 47-digit linha digitável is bancário and cannot start with 8", position=0
            )
        return "bancario", "linha_digitavel"
    if length == 48:
        if digits[0] != "8":
            raise InvalidFormat(
                "a 48-digit linha digitável (arrecadação) starts with 8", position=0
            )
        return "arrecadacao", "linha_digitavel"
    raise InvalidLength(
        f"{length} digits: a boleto has 44 (barcode), 47 (bancário linha digitável) "
        "or 48 (arrecadação linha digitável)"
    )


def _bancario_barcode_from_linha(line: str, offsets: list[int]) -> str:
    for start, end in ((0, 9), (10, 20), (21, 31)):
        if _mod10(line[start:end]) != line[end]:
            raise InvalidChecksum(
                f"the check digit of field {1 + [0, 10, 21].index(start)} does not match",
                position=offsets[end],
            )
    return line[0:4] + line[32] + line[33:47] + line[4:9] + line[10:20] + line[21:31]


def _bancario_linha(barcode: str) -> str:
    free = barcode[19:44]
    field1 = barcode[0:4] + free[0:5]
    field2 = free[5:15]
    field3 = free[15:25]
    return (
        field1 + _mod10(field1) + field2 + _mod10(field2) + field3 + _mod10(field3)
        + barcode[4] + barcode[5:19]
    )


def _arrecadacao_check(value_id: str, position: int) -> str:
    if value_id in "67":
        return "mod10"
    if value_id in "89":
        return "mod11"
    raise InvalidComponent(
        "the value identifier (3rd digit) must be 6, 7, 8 or 9", position=position
    )


def _compute(method: str, digits: str) -> str:
    return _mod10(digits) if method == "mod10" else _mod11_arrecadacao(digits)


def _arrecadacao_barcode_from_linha(line: str, offsets: list[int]) -> str:
    method = _arrecadacao_check(line[2], offsets[2])
    blocks = []
    for block in range(4):
        start = block * 12
        digits = line[start : start + 11]
        if _compute(method, digits) != line[start + 11]:
            raise InvalidChecksum(
                f"the check digit of block {block + 1} does not match",
                position=offsets[start + 11],
            )
        blocks.append(digits)
    return "".join(blocks)


def _arrecadacao_linha(barcode: str, method: str) -> str:
    return "".join(
        barcode[i : i + 11] + _compute(method, barcode[i : i + 11]) for i in range(0, 44, 11)
    )


def _cents(digits: str) -> Decimal:
    return Decimal(int(digits)).scaleb(-2)


def _cycle_label(cycle: int) -> str:
    return str((BASE_DATE + dt.timedelta(days=1000 + 9000 * cycle)).year) if cycle else "1997"


def _factor_int(factor: object) -> int:
    if isinstance(factor, bool):
        raise InvalidFormat("expected a factor of 4 digits", field="factor")
    if isinstance(factor, int):
        number = factor
    elif isinstance(factor, str) and len(factor) == 4 and factor.isascii() and factor.isdigit():
        number = int(factor)
    else:
        raise InvalidFormat("expected a factor of 4 digits", field="factor")
    if not 0 <= number <= 9999:
        raise InvalidFormat("a factor is 0000-9999", field="factor")
    return number


def _date(value: object, field: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidFormat("expected a date (not a datetime)", field=field)
    return value


def _resolve(number: int, reference: dt.date) -> tuple[dt.date, int]:
    days = (reference - BASE_DATE).days
    # the cycle whose date for this factor is nearest the middle of the window
    middle = days + (_WINDOW_AFTER - _WINDOW_BEFORE) // 2
    best = None
    around = (middle - number) // 9000
    for cycle in range(max(0, around - 1), max(1, around + 2)):
        offset = number + 9000 * cycle
        inside = days - _WINDOW_BEFORE <= offset <= days + _WINDOW_AFTER
        key = (not inside, abs(offset - days))
        if best is None or key < best[0]:
            best = (key, offset, cycle)
    assert best is not None  # noqa: S101 - the range above is never empty
    try:
        return BASE_DATE + dt.timedelta(days=best[1]), best[2]
    except OverflowError as error:
        raise InvalidComponent("the reference date is too far in the future") from error


def due_date_from_factor(factor: str | int, *, reference_date: dt.date) -> dt.date | None:
    """Return the due date a factor names, ``None`` for ``0000`` (no due date).

    Factors of 1000 and more repeat every 9000 days (the 2025-02-22 restart); the date within
    [``reference_date`` - 3000 days, ``reference_date`` + 5500 days] is chosen. Factors 1-999
    only existed before 2000-07-03 and are counted from 1997-10-07.

    ```pycon
    >>> due_date_from_factor("1000", reference_date=dt.date(2025, 6, 15))
    datetime.date(2025, 2, 22)
    >>> due_date_from_factor("9999", reference_date=dt.date(2025, 6, 15))
    datetime.date(2025, 2, 21)

    ```
    """
    number = _factor_int(factor)
    reference = _date(reference_date, "reference_date")
    if number == 0:
        return None
    if number < 1000:
        return BASE_DATE + dt.timedelta(days=number)
    return _resolve(number, reference)[0]


def due_date_factor(date: dt.date) -> str:
    """Return the 4-digit factor of a due date (restarting at 1000 on 2025-02-22).

    ```pycon
    >>> due_date_factor(dt.date(2025, 2, 21)), due_date_factor(dt.date(2000, 7, 3))
    ('9999', '1000')

    ```
    """
    days = (_date(date, "date") - BASE_DATE).days
    if days < 1:
        raise InvalidComponent("due dates start on 1997-10-08 (factor 0001)", field="date")
    if days < 1000:
        return f"{days:04d}"
    return f"{(days - 1000) % 9000 + 1000:04d}"


def _decode(text: object, reference_date: dt.date | None) -> Boleto:
    digits, offsets = _clean(text)
    if reference_date is not None:
        _date(reference_date, "reference_date")
    kind, form = _kind(digits)
    if kind == "bancario":
        return _decode_bancario(digits, offsets, form, reference_date)
    return _decode_arrecadacao(digits, offsets, form)


def _decode_bancario(
    digits: str, offsets: list[int], form: str, reference_date: dt.date | None
) -> Boleto:
    if form == "barcode":
        barcode = digits
        check_position = offsets[4]
        currency_position = offsets[3]
    else:
        barcode = _bancario_barcode_from_linha(digits, offsets)
        check_position = offsets[32]
        currency_position = offsets[3]
    if barcode[3] != "9":
        raise InvalidComponent(
            "the currency code must be 9 (BRL)", position=currency_position
        )
    if _mod11_bancario(barcode[:4] + barcode[5:]) != barcode[4]:
        raise InvalidChecksum("the general check digit does not match", position=check_position)
    factor = barcode[5:9]
    number = int(factor)
    due_date = cycle_label = candidates = None
    if number >= 1000:
        candidates = (
            ("cycle_1997", BASE_DATE + dt.timedelta(days=number)),
            ("cycle_2025", BASE_DATE + dt.timedelta(days=number + 9000)),
        )
        if reference_date is not None:
            due_date, cycle = _resolve(number, reference_date)
            cycle_label = _cycle_label(cycle)
    elif number > 0:
        due_date = BASE_DATE + dt.timedelta(days=number)
        cycle_label = "1997"
    return Boleto(
        type="bancario",
        form=form,
        barcode=barcode,
        linha_digitavel=digits if form == "linha_digitavel" else _bancario_linha(barcode),
        check_digit=barcode[4],
        amount=_cents(barcode[9:19]),
        bank_code=barcode[0:3],
        currency_code=barcode[3],
        due_date_factor=factor,
        free_field=barcode[19:44],
        due_date=due_date,
        due_date_cycle=cycle_label,
        due_date_candidates=candidates,
    )


def _decode_arrecadacao(digits: str, offsets: list[int], form: str) -> Boleto:
    method = _arrecadacao_check(digits[2], offsets[2])
    if form == "barcode":
        barcode = digits
        check_position = offsets[3]
    else:
        barcode = _arrecadacao_barcode_from_linha(digits, offsets)
        check_position = offsets[3]
    if _compute(method, barcode[:3] + barcode[4:]) != barcode[3]:
        raise InvalidChecksum("the general check digit does not match", position=check_position)
    reference = barcode[2] in "79"
    company_end = 23 if barcode[1] == "6" else 19
    return Boleto(
        type="arrecadacao",
        form=form,
        barcode=barcode,
        linha_digitavel=(
            digits if form == "linha_digitavel" else _arrecadacao_linha(barcode, method)
        ),
        check_digit=barcode[3],
        amount=None if reference else _cents(barcode[4:15]),
        free_field=barcode[company_end:],
        product_id=barcode[0],
        segment=barcode[1],
        value_id=barcode[2],
        check_digit_method=method,
        value_field=barcode[4:15],
        value_is_reference=reference,
        company_id=barcode[15:company_end],
    )


def parse(text: object, *, reference_date: dt.date | None = None) -> Boleto:
    """Validate a barcode or linha digitável and return its fields.

    Without ``reference_date`` the due date of a factor of 1000 or more is ambiguous: ``due_date``
    is ``None`` and ``due_date_candidates`` lists both cycles.
    """
    return _decode(text, reference_date)


def validate(text: object) -> str:
    """Return the digits (barcode or linha digitável, as given) if the boleto is valid."""
    boleto = _decode(text, None)
    return boleto.barcode if boleto.form == "barcode" else boleto.linha_digitavel


def is_valid(text: object) -> bool:
    """Whether ``text`` is a valid boleto barcode or linha digitável (never raises).

    ```pycon
    >>> is_valid("00190000090114971860168524522114675860000102656"), is_valid(None)
    (True, False)

    ```
    """
    try:
        _decode(text, None)
    except (InvalidFormat, InvalidChecksum, InvalidComponent):
        return False
    return True


def to_barcode(text: object) -> str:
    """Return the 44-digit barcode of a valid boleto given in either form."""
    return _decode(text, None).barcode


def to_linha_digitavel(text: object) -> str:
    """Return the linha digitável (digits only) of a valid boleto given in either form."""
    return _decode(text, None).linha_digitavel


def format(text: object) -> str:
    """Return the linha digitável with the usual mask, from either form.

    Bancário: ``AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE``; arrecadação: four
    blocks ``NNNNNNNNNNN-D`` separated by spaces.

    ```pycon
    >>> format("83620000000667800481001809756573100158963608")
    '83620000000-5 66780048100-0 18097565731-3 00158963608-1'

    ```
    """
    boleto = _decode(text, None)
    line = boleto.linha_digitavel
    if boleto.type == "arrecadacao":
        return " ".join(f"{line[i : i + 11]}-{line[i + 11]}" for i in range(0, 48, 12))
    return (
        f"{line[0:5]}.{line[5:10]} {line[10:15]}.{line[15:21]} "
        f"{line[21:26]}.{line[26:32]} {line[32]} {line[33:47]}"
    )


def build(
    *,
    bank_code: str,
    free_field: str,
    amount: Decimal | int | None = None,
    due_date: dt.date | None = None,
) -> str:
    """Return the 44-digit bancário barcode (BRL) for a bank's 25-digit free field.

    ``amount`` ``None`` leaves the value to the payer (zeros); ``due_date`` ``None`` writes the
    factor ``0000`` (no due date). Use :func:`format` for the linha digitável.

    ```pycon
    >>> format(build(bank_code="001", free_field="0000001149718606852452211",
    ...              amount=Decimal("1026.56"), due_date=dt.date(2018, 7, 15)))
    '00190.00009 01149.718601 68524.522114 6 75860000102656'

    ```
    """
    if not isinstance(bank_code, str) or len(bank_code) != 3 or not bank_code.isdigit():
        raise InvalidFormat("expected a 3-digit COMPE bank code", field="bank_code")
    if bank_code.startswith("8"):
        raise InvalidComponent("bank codes starting with 8 read as arrecadação", field="bank_code")
    if not isinstance(free_field, str) or len(free_field) != 25 or not free_field.isdigit():
        raise InvalidFormat("expected 25 digits", field="free_field")
    if not bank_code.isascii() or not free_field.isascii():
        raise InvalidFormat("expected ASCII digits", field="free_field")
    if amount is None:
        cents = 0
    else:
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
            raise InvalidFormat("expected a Decimal amount", field="amount")
        value = Decimal(amount)
        if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
            raise InvalidFormat(
                "expected an amount of zero or more with two decimals", field="amount"
            )
        cents = int(value * 100)
        if cents > 9_999_999_999:
            raise InvalidFormat("at most 99 999 999.99", field="amount")
    factor = "0000" if due_date is None else due_date_factor(due_date)
    body = f"{bank_code}9{factor}{cents:010d}{free_field}"
    check = _mod11_bancario(body)
    return body[:4] + check + body[4:]
