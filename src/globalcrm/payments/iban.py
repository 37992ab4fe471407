"""IBAN, the International Bank Account Number (ISO 13616), checked with python-stdnum.

Spec: ISO 13616-1:2020 and the SWIFT "IBAN Registry" (lengths and BBAN structure per country,
https://www.swift.com/standards/data-standards/iban-international-bank-account-number).

An IBAN is a two-letter country code, two check digits and the country's BBAN. Moving the first
four characters to the end and reading letters as 10-35 gives a number whose remainder modulo
97 is 1. python-stdnum checks the country, the length, the BBAN's letter/digit positions and, for
some countries (BE, ES, ME, NO), the national check digits too; schwifty names the bank code.
Spaces, ``-`` and ``.`` are ignored, as in the paper form ``AT61 1904 3002 3457 3201``.

```pycon
>>> validate("at61 1904 3002 3457 3201")
'AT611904300234573201'
>>> format("AT611904300234573201")
'AT61 1904 3002 3457 3201'
>>> parse("AT61 1904 3002 3457 3201").bank_code
'19043'
>>> is_valid("AT61 1904 3002 3457 3202")
False
>>> build("DE", "370400440532013000")
'DE89370400440532013000'

```
"""

from __future__ import annotations

import functools
import re

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
    """The bank identifier inside the BBAN (from schwifty's registry), ``None`` if not known."""


def _text(text: object) -> str:
    if not isinstance(text, str):
        raise InvalidFormat(f"expected text, got {type(text).__name__}")
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidLength(f"longer than {MAX_INPUT_LENGTH} characters")
    return text


def compact(text: object) -> str:
    """Return the IBAN without spaces, ``-`` and ``.``, upper case (no check)."""
    return _text(text).strip().translate(_SEPARATORS).upper()


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
    check digits, 4 for the BBAN.
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
    try:
        return str(_stdnum_iban.validate(value))
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
            raise InvalidComponent(
                f"the bank code is not known for a {value[:2]} IBAN", position=4
            ) from error
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


def _bank_code(value: str) -> str | None:
    from schwifty import IBAN as _SchwiftyIBAN
    from schwifty.exceptions import SchwiftyException

    try:
        code = _SchwiftyIBAN(value, validate_bban=False).bank_code
    except (SchwiftyException, ValueError, KeyError):
        # schwifty does not know this country's layout; stdnum already validated the IBAN.
        return None
    return str(code) if code else None


def parse(text: object) -> IBAN:
    """Validate ``text`` and split it into its parts."""
    value = validate(text)
    return IBAN(
        compact=value,
        country=value[:2],
        check_digits=value[2:4],
        bban=value[4:],
        length=len(value),
        bank_code=_bank_code(value),
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
