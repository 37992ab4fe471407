"""The value checks that the privacy records' attrs converters are made of.

Each record field has a named, typed converter (``def _channel(value: object) -> str``) calling
one of these with its field name, so ``mypy --strict`` sees the exact type and every field is
checked at construction with a :class:`~globalcrm.errors.InvalidInput` naming it. They build on
:mod:`globalcrm._checks`, the checks the rest of the package uses.
"""

from __future__ import annotations

import datetime as dt
import re

from globalcrm import _checks
from globalcrm.errors import InvalidFormat

__all__ = ["optional_text", "optional_time", "slug", "slugs", "whole"]

MAX_REF = 200
"""The longest reference (subject, actor, contact point, key id) the records accept."""


_SLUG = re.compile(r"[A-Za-z0-9\-_.:]{1,100}")
_SLUGS_SEEN: set[str] = set()
"""Codes already accepted (purpose keys, channels repeat across millions of events), bounded."""


def slug(value: object, *, field: str) -> str:
    """Return a code of ASCII letters, digits and ``- _ . :`` (a purpose key, a channel)."""
    if type(value) is str and value in _SLUGS_SEEN:
        return value
    text = _checks.text(value, field=field, max_length=100)
    if not _SLUG.fullmatch(text):
        raise InvalidFormat("use letters, digits, '-', '_', '.' or ':'", field=field)
    if text == value and len(_SLUGS_SEEN) < 4096:
        _SLUGS_SEEN.add(text)
    return text


def slugs(value: object, *, field: str) -> tuple[str, ...]:
    """Return a list or tuple of :func:`slug` codes as a tuple."""
    if value == () and type(value) is tuple:
        return ()
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
