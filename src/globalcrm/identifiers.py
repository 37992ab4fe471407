"""Sortable record identifiers: ULIDs (48-bit millisecond time + 80 random bits, Crockford base 32).

A ULID sorts by creation time as text, so keyset pagination over ids is also pagination by age.
Spec: https://github.com/ulid/spec
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import time

from globalcrm.errors import InvalidFormat

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALID = frozenset(_ALPHABET)
_MILLIS = (1 << 48) - 1
_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET)


def new_id(now: dt.datetime | None = None) -> str:
    """Return a new 26-character ULID for the instant ``now`` (the current time by default).

    ```pycon
    >>> import datetime as dt
    >>> a = new_id(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> b = new_id(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    >>> len(a), a < b
    (26, True)

    ```
    """
    millis = time.time_ns() // 1_000_000 if now is None else int(now.timestamp() * 1000)
    value = ((millis & _MILLIS) << 80) | int.from_bytes(os.urandom(10))
    # 20 bytes are 32 base-32 digits aligned on bit 0: the last 26 are the ULID's 130 bits.
    return base64.b32encode(value.to_bytes(20, "big"))[-26:].decode("ascii").translate(_CROCKFORD)


def check_id(value: object, *, field: str = "id") -> str:
    """Return ``value`` if it is a well-formed ULID (upper case), else raise ``InvalidFormat``."""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected an identifier, got {type(value).__name__}", field=field)
    text = value.strip().upper()
    if len(text) != 26 or not set(text) <= _VALID or text[0] > "7":
        raise InvalidFormat(
            "not a valid identifier (26 characters of Crockford base 32)", field=field
        )
    return text
