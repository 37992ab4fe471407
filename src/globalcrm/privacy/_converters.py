"""The value checks that the privacy records' attrs converters are made of.

Each record field has a named, typed converter (``def _channel(value: object) -> str``) calling
one of these with its field name, so ``mypy --strict`` sees the exact type and every field is
checked at construction with a :class:`~globalcrm.errors.InvalidInput` naming it. They build on
:mod:`globalcrm._checks`, the checks the rest of the package uses.
"""

from __future__ import annotations

import datetime as dt

from globalcrm import _checks
from globalcrm.errors import InvalidFormat

__all__ = ["optional_text", "optional_time", "slug", "slugs", "whole"]

MAX_REF = 200
"""The longest reference (subject, actor, contact point, key id) the records accept."""


def slug(value: object, *, field: str) -> str:
    """Return a code of ASCII letters, digits and ``- _ . :`` (a purpose key, a channel)."""
    text = _checks.text(value, field=field, max_length=100)
    if not all(c.isascii() and (c.isalnum() or c in "-_.:") for c in text):
        raise InvalidFormat("use letters, digits, '-', '_', '.' or ':'", field=field)
    return text


def slugs(value: object, *, field: str) -> tuple[str, ...]:
    """Return a list or tuple of :func:`slug` codes as a tuple."""
    items = _checks.sequence(value, field=field)
    return tuple(slug(item, field=f"{field}[{i}]") for i, item in enumerate(items))


def optional_text(value: object, *, field: str, max_length: int = MAX_REF) -> str | None:
    """Return ``None`` or checked single-line text (blank text is refused, not dropped)."""
    return None if value is None else _checks.text(value, field=field, max_length=max_length)


def optional_time(value: object, *, field: str) -> dt.datetime | None:
    """Return ``None`` or an aware datetime in UTC."""
    return None if value is None else _checks.aware_utc(value, field=field)


def whole(value: object, *, field: str) -> int:
    """Return a whole number from 1 to 1,000,000 (a version number); ``True`` is not one."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise InvalidFormat("expected a whole number from 1", field=field)
    return value
