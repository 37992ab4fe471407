"""Keyset pagination: a page of results and an opaque cursor to the next one.

Pages are fetched with ``WHERE (sort key) > (last key seen)`` rather than ``OFFSET``, so the
hundredth page costs what the first does and a row inserted meanwhile never shifts a page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Sequence
from typing import Any, Generic, TypeVar

import attrs

from globalcrm.errors import InvalidFormat, translate_errors

__all__ = ["MAX_LIMIT", "Page", "check_limit", "decode_cursor", "encode_cursor"]

T = TypeVar("T")
MAX_LIMIT = 1000


@attrs.frozen
class Page(Generic[T]):
    """One page of results; pass ``next_cursor`` back as ``after=`` for the next page.

    ``next_cursor`` is ``None`` on the last page.
    """

    items: Sequence[T]
    next_cursor: str | None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def encode_cursor(*parts: Any) -> str:
    """Encode the sort key of the last row seen as an opaque, URL-safe cursor."""
    raw = json.dumps(list(parts), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: object, arity: int) -> list[Any]:
    """Decode a cursor made by :func:`encode_cursor`; a damaged cursor is ``InvalidFormat``.

    ```pycon
    >>> decode_cursor(encode_cursor("2026-11-23T09:00:00+00:00", "01ABC"), 2)
    ['2026-11-23T09:00:00+00:00', '01ABC']

    ```
    """
    if not isinstance(cursor, str) or len(cursor) > 2000:
        raise InvalidFormat("not a cursor returned by this library", field="after")
    with translate_errors(
        (binascii.Error, ValueError, UnicodeError),
        InvalidFormat,
        "not a cursor returned by this library",
        field="after",
    ):
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    if (
        not isinstance(parts, list)
        or len(parts) != arity
        or not all(isinstance(p, str) for p in parts)
    ):
        raise InvalidFormat("not a cursor returned by this library", field="after")
    return parts


def check_limit(limit: object) -> int:
    """Return ``limit`` if it is an int from 1 to ``MAX_LIMIT``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidFormat(f"expected a whole number from 1 to {MAX_LIMIT}", field="limit")
    return limit
