"""Sortable record identifiers: ULIDs (48-bit millisecond time + 80 random bits, Crockford base 32).

A ULID sorts by creation time as text, so keyset pagination over ids is also pagination by age.
Ids made in one process within the same millisecond are monotonic (the spec's monotonic
mode: the random part of the previous id plus one), so they sort in the order they were made.
Spec: https://github.com/ulid/spec
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
import time

from globalcrm.errors import InvalidFormat

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALID = frozenset(_ALPHABET)
_MILLIS = (1 << 48) - 1
_RANDOM = (1 << 80) - 1
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MILLISECOND = dt.timedelta(milliseconds=1)
_PAIRS = tuple(high + low for high in _ALPHABET for low in _ALPHABET)
"""Every 10-bit value as its two Crockford digits: a ULID's 130 bits are 13 of them."""
_TIME_SHIFTS = tuple(range(40, -1, -10))
"""The 48-bit time, after two zero bits, is the first 10 digits (5 pairs)..."""
_RANDOM_SHIFTS = tuple(range(70, -1, -10))
"""... and the 80 random bits the last 16 (8 pairs)."""
_lock = threading.Lock()
_last: tuple[int, int, str] = (-1, 0, "")
"""The millisecond, random part and time digits of the last id this process made."""
_prefix: tuple[int, str] = (-1, "")
"""The last id's first 24 digits (time, and random bits but the lowest 10) and those bits."""
_hooked: list[bool] = []


def _forget_last() -> None:
    """A forked child starts afresh: two children counting on from one state would collide."""
    global _last, _lock, _prefix
    _last = (-1, 0, "")
    _prefix = (-1, "")
    _lock = threading.Lock()



def new_id(now: dt.datetime | None = None) -> str:
    """Return a new 26-character ULID for the instant ``now`` (the current time by default).

    ```pycon
    >>> import datetime as dt
    >>> a = new_id(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    >>> b = new_id(dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    >>> len(a), a < b
    (26, True)
    >>> ids = [new_id(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) for _ in range(1000)]
    >>> ids == sorted(ids) and len(set(ids)) == 1000   # the same millisecond: still in order
    True

    ```
    """
    millis = (time.time_ns() // 1_000_000 if now is None else _millis(now)) & _MILLIS
    if not _hooked:  # on first use, not at import
        _hooked.append(True)
        os.register_at_fork(after_in_child=_forget_last)
    with _lock:
        global _last, _prefix
        last_millis, last_random, time_text = _last
        if millis == last_millis and last_random < _RANDOM:
            random = last_random + 1
        else:
            random = int.from_bytes(os.urandom(10))
            if millis != last_millis:
                time_text = "".join([_PAIRS[(millis >> shift) & 1023] for shift in _TIME_SHIFTS])
        _last = (millis, random, time_text)
        # ids made in a burst differ in their last digits only: the rest is made once
        high = (millis << 70) | (random >> 10)
        known_high, prefix = _prefix
        if high != known_high:
            prefix = time_text + "".join(
                [_PAIRS[(random >> shift) & 1023] for shift in _RANDOM_SHIFTS[:-1]]
            )
            _prefix = (high, prefix)
    return prefix + _PAIRS[random & 1023]


def _millis(moment: dt.datetime) -> int:
    """Milliseconds since the Unix epoch, exactly (float timestamps round far from 1970)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - _EPOCH) // _MILLISECOND


def is_id(text: str) -> bool:
    """Whether ``text`` (any case, padded) is a well-formed ULID: what :func:`check_id` accepts."""
    text = text.strip().upper()
    return len(text) == 26 and set(text) <= _VALID and text[0] <= "7"


def check_id(value: object, *, field: str = "id") -> str:
    """Return ``value`` if it is a well-formed ULID (upper case), else raise ``InvalidFormat``."""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected an identifier, got {type(value).__name__}", field=field)
    text = value.strip().upper()
    if not is_id(text):
        raise InvalidFormat(
            "not a valid identifier (26 characters of Crockford base 32)", field=field
        )
    return text


@functools.lru_cache(maxsize=4096)
def remembered_id(value: str, field: str) -> str:
    """:func:`check_id` of a text, remembered: a bulk file names the same id on nearby rows."""
    return check_id(value, field=field)
