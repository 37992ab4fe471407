"""What may be stored about a payment instrument: tokens and masked forms, never a card or a secret.

Spec: PCI DSS v4.0 requirement 3 (https://www.pcisecuritystandards.org/document_library/):
sensitive authentication data, such as the card verification code, the PIN and the full track
data, is not kept after authorisation (3.3.1); the primary account number is unreadable
wherever it is stored (3.5.1); masking shows at most the BIN and the last four digits (3.4.1).
globalcrm is not the place to store a card at all: it keeps the provider's token (``pm_...``,
``tok_...``) or a masked form (``visa •••• 4242``), and refuses what would bring a system into
PCI scope. A full card number is found as 12 to 19 digits (single spaces or hyphens between
them) that pass the Luhn check (python-stdnum ``luhn``, ISO/IEC 7812-1 annex B).

```pycon
>>> instrument_reference("visa •••• 4242"), instrument_reference("pm_1Q0PsIJvEtkwdCNY")
('visa •••• 4242', 'pm_1Q0PsIJvEtkwdCNY')
>>> check_metadata({"order": "1042", "cvv": "***"})
Traceback (most recent call last):
globalcrm.errors.InvalidInput: metadata.cvv: a card verification code, PIN or credential is never stored

```
"""  # noqa: E501

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from stdnum import luhn

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput

__all__ = ["MAX_REFERENCE", "check_metadata", "instrument_reference"]

MAX_REFERENCE = 200
"""The longest instrument or provider reference kept."""

_CARD_RUN = re.compile(r"(?<![0-9+])(?<![0-9][ -])[0-9](?:[ -]?[0-9]){11,18}(?![ -]?[0-9])")
"""A run of 12-19 digits, single spaces or hyphens between them, not part of a longer number
nor after ``+`` (an E.164 phone number is not a card number)."""
_SECRET_VALUE = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"  # a PEM private key
    r"|\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"  # Stripe secret and restricted keys
    r"|\bwhsec_[A-Za-z0-9]{8,}"  # a webhook signing secret
    r"|%B[0-9]{12,19}\^"  # magnetic-stripe track 1
    r"|;[0-9]{12,19}=[0-9]{4}",  # magnetic-stripe track 2
)
_SECRET_WORDS = (
    "cvv",
    "cvv2",
    "cvc",
    "cvc2",
    "cav2",
    "csc",
    "cvn",
    "securitycode",
    "cardsecuritycode",
    "cardverificationcode",
    "cardverificationvalue",
    "verificationcode",
    "pin",
    "pinblock",
    "track1",
    "track2",
    "trackdata",
    "magstripe",
    "password",
    "passwd",
    "passphrase",
    "secret",
    "clientsecret",
    "secretkey",
    "privatekey",
    "apikey",
    "apisecret",
    "accesstoken",
    "refreshtoken",
)
"""Field names that hold sensitive authentication data or credentials (PCI DSS 3.3.1)."""
_SECRET_KEYS: Final = frozenset(_SECRET_WORDS)
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)(?<![a-z0-9])(?:"
    + "|".join(
        "[_ -]?".join(word) for word in sorted(_SECRET_WORDS, key=len, reverse=True)
    )
    + r")\s*[:=]"
)
"""One of those names written as ``name=...`` or ``name: ...`` (``api_key=``, ``CVV2:``)."""


def _secret_in(text: str) -> str | None:
    """What in ``text`` may not be stored, in words; ``None`` if nothing."""
    for match in _CARD_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if luhn.is_valid(digits):
            return (
                "looks like a full card number; store the provider's token or a masked form "
                "such as 'visa •••• 4242'"
            )
    if _SECRET_VALUE.search(text):
        return "looks like a secret key or card track data, which is never stored"
    if _SECRET_ASSIGNMENT.search(text):
        return "holds a card verification code, PIN or credential, which is never stored"
    return None


def _key_word(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.casefold())


def instrument_reference(value: object, *, field: str = "instrument") -> str | None:
    """``value`` if it is a token or a masked form of a payment instrument; ``None`` stays.

    Refused with ``InvalidInput``: a full card number (12-19 digits passing the Luhn check,
    spaces or hyphens allowed between them), a card verification code or PIN given as
    ``cvv=...``, a secret or private key, card track data. The message never repeats the value.

    ```pycon
    >>> instrument_reference("4242 4242 4242 4242")
    Traceback (most recent call last):
    globalcrm.errors.InvalidInput: instrument: looks like a full card number; store the provider's token or a masked form such as 'visa •••• 4242'

    ```
    """  # noqa: E501
    if value is None:
        return None
    reference = _checks.text(value, field=field, max_length=MAX_REFERENCE)
    problem = _secret_in(reference)
    if problem is not None:
        raise InvalidInput(problem, field=field)
    return reference


def check_metadata(value: object, *, field: str = "metadata") -> dict[str, Any]:
    """A JSON-safe mapping with no card number, card verification code, PIN or secret in it.

    A key naming sensitive authentication data (``cvv``, ``cvc``, ``pin``, ``password``,
    ``api_key``...) is refused whatever its value; every text value is searched as
    :func:`instrument_reference` searches a reference.
    """
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of JSON-safe values", field=field)
    checked: dict[str, Any] = _checks.json_safe(value, field=field)
    _checks.json_size(checked, field=field, max_bytes=16_000)
    _no_secrets(checked, field)
    return checked


def _no_secrets(value: object, field: str) -> None:
    if isinstance(value, str):
        problem = _secret_in(value)
        if problem is not None:
            raise InvalidInput(problem, field=field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_secrets(item, f"{field}[{index}]")
    elif isinstance(value, dict):
        for index, (key, item) in enumerate(value.items()):
            path = _checks.key_path(field, key, index)
            if _key_word(key) in _SECRET_KEYS:
                raise InvalidInput(
                    "a card verification code, PIN or credential is never stored", field=path
                )
            _no_secrets(item, path)
