"""IBAN, the International Bank Account Number (ISO 13616), checked with python-stdnum.

Spec: ISO 13616-1:2020 and the SWIFT "IBAN Registry" (lengths and BBAN structure per country,
https://www.swift.com/standards/data-standards/iban-international-bank-account-number).

An IBAN is a two-letter country code, two check digits and the country's BBAN. Moving the first
four characters to the end and reading letters as 10-35 gives a number whose remainder modulo
97 is 1, and the check digits are computed as 98 minus a remainder, so they run from 02 to 98
(ISO 13616-1:2020, 6.2; ``00``, ``01`` and ``99`` pass the modulo test but are never issued).
python-stdnum checks the country, the length, the BBAN's letter/digit positions and, for some
countries (BE, ES, ME, NO), the national check digits too; schwifty names the bank.

A bank code missing from a bank list is not a reason to refuse an IBAN: banks open, merge and
rename faster than any list is updated, so a checksum-valid IBAN of the registered structure is
valid and :attr:`IBAN.bank` is ``None`` (python-stdnum refuses Belgian IBANs whose bank is not in
its copy of the National Bank of Belgium's list, e.g. the SWIFT registry's own ``BE68 5390 0754
7034``; we do not). Spaces (any Unicode space, as pasted from a PDF), ``-`` and ``.`` are
ignored, as in the paper form ``AT61 1904 3002 3457 3201``.

```pycon
>>> validate("at61 1904 3002 3457 3201")
'AT611904300234573201'
>>> format("AT611904300234573201")
'AT61 1904 3002 3457 3201'
>>> parse("AT61 1904 3002 3457 3201").bank_code
'19043'
>>> is_valid("AT61 1904 3002 3457 3202")
False
>>> record = parse("BE68 5390 0754 7034")
>>> record.bank_code, record.bank
('539', None)
>>> is_valid("GB01BARC20040187654321")
False
>>> build("DE", "370400440532013000")
'DE89370400440532013000'

```
"""

from __future__ import annotations

import functools
import re
import unicodedata

import attrs
import stdnum.exceptions
from stdnum import iban as _stdnum_iban
from stdnum.iso7064 import mod_97_10

from globalcrm.errors import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    InvalidLength,
)

__all__ = [
    "IBAN",
    "MAX_INPUT_LENGTH",
    "build",
    "checksum_ok",
    "compact",
    "format",
    "is_valid",
    "parse",
    "validate",
]

MAX_INPUT_LENGTH = 100
"""The longest text we look at: an IBAN has at most 34 characters, plus separators."""

_SEPARATORS = str.maketrans("", "", " -.")
_NEVER_ISSUED = frozenset(("00", "01", "99"))
"""Check digits that pass mod 97 but that ISO 13616's 98-minus-remainder rule never produces."""


@attrs.frozen
class IBAN:
    """A decoded IBAN; attribute names follow the conformance data (``iban.jsonl``)."""

    compact: str
    """The IBAN without separators, upper case."""
    country: str
    """ISO 3166-1 alpha-2 code of the account's country."""
    check_digits: str
    """The two ISO 13616 check digits."""
    bban: str
    """The national account number (everything after the check digits)."""
    length: int
    """The number of characters of :attr:`compact`."""
    bank_code: str | None
    """The bank identifier inside the BBAN (its position from schwifty), ``None`` if not known."""
    bank: str | None = None
    """The bank's name in schwifty's bank registry; ``None`` when the bank is not listed there
    (an unlisted bank does not make the IBAN invalid)."""
    bic: str | None = None
    """The bank's BIC from schwifty's bank registry, ``None`` when the bank is not listed."""


def _text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidFormat(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidLength(f"longer than {MAX_INPUT_LENGTH} characters")
    return text


def compact(text: object) -> str:
    """Return the IBAN without spaces (any Unicode space), ``-`` and ``.``, upper case."""
    value = _text(text).strip().translate(_SEPARATORS)
    if not value.isascii():
        value = "".join(c for c in value if unicodedata.category(c) != "Zs")
    return value.upper()


def checksum_ok(text: object) -> bool:
    """Whether the ISO 13616 mod-97 check alone passes (country and length not checked)."""
    try:
        value = compact(text)
    except InvalidInput:
        return False
    if len(value) < 5 or not value.isascii() or not value.isalnum():
        return False
    return bool(mod_97_10.is_valid(value[4:] + value[:4]))


def validate(text: object) -> str:
    """Return the compact IBAN if it is valid, else raise an ``InvalidInput`` subclass.

    The error's ``position`` points at the part that is wrong: 0 for the country code, 2 for the
    check digits, 4 for the BBAN. A bank code that no bank list knows is accepted (see the
    module docstring).
    """
    value = compact(text)
    if len(value) < 5:
        raise InvalidLength("an IBAN has at least 5 characters")
    if not value.isascii() or not value.isalnum():
        index = next(i for i, c in enumerate(value) if not (c.isascii() and c.isalnum()))
        raise InvalidFormat("an IBAN holds only letters and digits", position=index)
    if not value[:2].isalpha():
        raise InvalidFormat("an IBAN starts with a two-letter country code", position=0)
    if not value[2:4].isdigit():
        raise InvalidFormat("the IBAN check digits must be digits", position=2)
    _check_structure(value)
    if value[2:4] in _NEVER_ISSUED:
        raise InvalidChecksum("IBAN check digits run from 02 to 98", position=2)
    return value


def _check_structure(value: str) -> None:
    """Check country, length, BBAN structure, mod 97 and national check digits with stdnum."""
    try:
        _stdnum_iban.validate(value)
    except stdnum.exceptions.InvalidChecksum as error:
        if not checksum_ok(value):
            # Report a wrong country, length or structure before the check digits.
            repaired = value[:2] + _stdnum_iban.calc_check_digits(value) + value[4:]
            if not _stdnum_iban.is_valid(repaired) and checksum_ok(repaired):
                validate(repaired)
        if checksum_ok(value):
            raise InvalidChecksum(
                f"the national check digits of this {value[:2]} IBAN do not match", position=4
            ) from error
        raise InvalidChecksum("the IBAN check digits do not match", position=2) from error
    except stdnum.exceptions.InvalidComponent as error:
        if _stdnum_iban.is_valid(value, check_country=False):
            # Only a national module raises this after the generic checks pass, and only for a
            # bank code missing from its bank list (BE): a fact about the list, not the IBAN.
            return
        raise InvalidComponent(
            f"no IBAN format is registered for country code {value[:2]!r}", position=0
        ) from error
    except stdnum.exceptions.InvalidLength as error:
        raise InvalidLength(f"wrong length for a {value[:2]} IBAN") from error
    except stdnum.exceptions.ValidationError as error:
        expected = _registered_length(value[:2])
        if expected is not None and expected != len(value):
            raise InvalidLength(
                f"an IBAN for {value[:2]} has {expected} characters, not {len(value)}"
            ) from error
        raise InvalidFormat(
            f"the account number does not have the {value[:2]} IBAN structure", position=4
        ) from error


@functools.lru_cache(maxsize=128)
def _registered_length(country: str) -> int | None:
    """The IBAN length the SWIFT registry (python-stdnum's copy) gives ``country``."""
    from stdnum import numdb

    info = numdb.get("iban").info(country)
    structure = info[0][1].get("bban") if info else None
    if not isinstance(structure, str):
        return None
    counts = re.findall(r"([0-9]+)!?[nac]", structure)
    return 4 + sum(int(count) for count in counts) if counts else None


def is_valid(text: object) -> bool:
    """Whether ``text`` is a valid IBAN (never raises)."""
    try:
        validate(text)
    except InvalidInput:
        return False
    return True


def format(text: object) -> str:
    """Return the IBAN in groups of four (the paper form), after validating it."""
    value = validate(text)
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def _bank(value: str) -> tuple[str | None, str | None, str | None]:
    """The bank code, bank name and BIC schwifty knows for a valid IBAN (``None`` where not)."""
    from schwifty import IBAN as _SchwiftyIBAN
    from schwifty.exceptions import SchwiftyException

    try:
        account = _SchwiftyIBAN(value, validate_bban=False)
        code = account.bank_code
        name = account.bank_name if account.bank else None
        bic = account.bic
    except (SchwiftyException, ValueError, KeyError):
        # schwifty does not know this country's layout; stdnum already validated the IBAN.
        return None, None, None
    return (str(code) if code else None), (str(name) if name else None), (str(bic) if bic else None)


def parse(text: object) -> IBAN:
    """Validate ``text`` and split it into its parts (with the bank, if listed)."""
    value = validate(text)
    bank_code, bank, bic = _bank(value)
    return IBAN(
        compact=value,
        country=value[:2],
        check_digits=value[2:4],
        bban=value[4:],
        length=len(value),
        bank_code=bank_code,
        bank=bank,
        bic=bic,
    )


def build(country: object, bban: object) -> str:
    """Return the IBAN for a national account number, computing the check digits.

    The result is validated, so a BBAN of the wrong shape for the country is refused.
    """
    if not isinstance(country, str) or len(country.strip()) != 2 or not country.isascii():
        raise InvalidFormat("expected a two-letter country code", field="country")
    value = compact(bban)
    if not value or not value.isascii() or not value.isalnum():
        raise InvalidFormat("a BBAN holds only letters and digits", field="bban")
    code = country.strip().upper()
    digits = mod_97_10.calc_check_digits(value + code)
    return validate(code + digits + value)
