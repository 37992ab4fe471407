"""The one way the domain checks a field: functions that raise ``InvalidInput`` naming the field.

attrs' own validators raise built-in ``TypeError``/``ValueError``, so the domain builds its attrs
converters (named one-argument functions, which ``mypy --strict`` can type) from these instead,
and bulk paths call the very same converters. Helpers for nested values (``at``, ``each``,
``from_mapping``) prefix the path of an error raised inside them (``phones[1].number``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import babel
import pycountry

from globalcrm.errors import (
    GlobalCRMError,
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    InvalidLength,
)

MAX_TEXT = 10_000
"""The longest free text we store in one field (a body may be longer: see ``MAX_BODY``)."""
MAX_BODY = 1_000_000
MAX_NAME_PART = 200


def text(
    value: object,
    *,
    field: str,
    max_length: int = MAX_TEXT,
    allow_empty: bool = False,
    multiline: bool = False,
) -> str:
    """Return ``value`` as NFC text, refusing non-strings, control characters and overlong text."""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected text, got {type(value).__name__}", field=field)
    value = unicodedata.normalize("NFC", value)
    if not multiline:
        value = value.strip()
    if not value and not allow_empty:
        raise InvalidFormat("must not be empty", field=field)
    if len(value) > max_length:
        raise InvalidLength(f"longer than {max_length} characters", field=field)
    if value.isprintable() and not multiline:
        return value  # no control character, no lone surrogate (both are unprintable)
    for index, char in enumerate(value):
        if char in "\t\n\r" and multiline:
            continue
        category = unicodedata.category(char)
        if category == "Cc" or category == "Cs":
            raise InvalidFormat("contains a control character", field=field, position=index)
    return value


def optional_text(value: object, *, field: str, max_length: int = MAX_TEXT) -> str | None:
    """Like :func:`text`, but ``None`` and blank text become ``None``."""
    if value is None:
        return None
    result = text(value, field=field, max_length=max_length, allow_empty=True)
    return result or None


@functools.lru_cache(maxsize=256)
def _canonical(options: tuple[str, ...]) -> dict[str, str]:
    return {option.lower(): option for option in options}


def choice(value: object, options: Iterable[str], *, field: str, what: str) -> str:
    """Return ``value`` if it is one of ``options`` (any case), in its canonical spelling."""
    if not isinstance(value, str):
        article = "an" if what[:1] in "aeiou" else "a"
        raise InvalidFormat(f"expected {article} {what}, got {type(value).__name__}", field=field)
    canonical = _canonical(tuple(options))
    if value in canonical:
        return canonical[value]
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in canonical:
        shown = ", ".join(sorted(canonical.values()))
        raise InvalidComponent(f"unknown {what} (expected one of {shown})", field=field)
    return canonical[key]


@functools.lru_cache(maxsize=512)
def _country(code: str) -> str | None:
    record = pycountry.countries.get(alpha_2=code)
    return None if record is None else str(record.alpha_2)


def remembered(check: Callable[..., str]) -> Callable[..., str]:
    """Remember the canonical form of every text ``check`` accepted (bad input is re-checked).

    Codes repeat across millions of rows (``"LT"``, ``"Europe/Vilnius"``); the cache is bounded.
    """
    accepted: dict[str, str] = {}

    @functools.wraps(check)
    def remembered(value: object, *, field: str = check.__name__) -> str:
        if isinstance(value, str):
            known = accepted.get(value)
            if known is not None:
                return known
        result = check(value, field=field)
        if isinstance(value, str) and len(accepted) < 4096:
            accepted[value] = result
        return result

    return remembered


_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")


@remembered
def tenant(value: object, *, field: str = "tenant") -> str:
    """Return a tenant name: letters, digits and ``. _ : -``, at most 64 characters."""
    name = text(value, field=field, max_length=64)
    if not _TENANT.fullmatch(name):
        raise InvalidFormat("a tenant is letters, digits and . _ : -", field=field)
    return name


@remembered
def country(value: object, *, field: str = "country") -> str:
    """Return an ISO 3166-1 alpha-2 code (upper case), checked against pycountry."""
    if not isinstance(value, str) or len(value.strip()) != 2 or not value.strip().isascii():
        raise InvalidFormat("expected an ISO 3166-1 alpha-2 country code", field=field)
    code = _country(value.strip().upper())
    if code is None:
        shown = f" {value.strip().upper()!r}" if value.strip().isalpha() else ""
        raise InvalidComponent(f"unknown country code{shown}", field=field)
    return code


@functools.lru_cache(maxsize=1024)
def _language(tag: str) -> str | None:
    """Canonical case of a language tag whose language CLDR knows; ``None`` if it is not one."""
    parts = tag.split("-")
    language = parts[0].lower()
    if not 2 <= len(language) <= 3 or not language.isalpha() or language not in _cldr_languages():
        return None
    result = [language]
    rest = parts[1:]
    if rest and len(rest[0]) == 4 and rest[0].isalpha():
        script = rest.pop(0).title()
        if pycountry.scripts.get(alpha_4=script) is None:
            return None
        result.append(script)
    if rest and (
        (len(rest[0]) == 2 and rest[0].isalpha()) or (len(rest[0]) == 3 and rest[0].isdigit())
    ):
        region = rest.pop(0).upper()
        if (
            region.isalpha()
            and pycountry.countries.get(alpha_2=region) is None
            and region not in _EXTRA_REGIONS
        ):
            return None
        result.append(region)
    for variant in rest:
        if not (5 <= len(variant) <= 8 or (len(variant) == 4 and variant[0].isdigit())):
            return None
        result.append(variant.lower())
    return "-".join(result)


@functools.cache
def _cldr_languages() -> frozenset[str]:
    """Languages with CLDR locale data, and every language CLDR can name in English."""
    from babel import localedata

    codes = {identifier.split("_")[0] for identifier in localedata.locale_identifiers()}
    codes.update(str(code) for code in babel.Locale("en").languages if "_" not in str(code))
    codes.update(_CLDR48_LANGUAGES)
    return frozenset(codes)


_EXTRA_REGIONS = frozenset({"DG", "EA", "IC", "XK", "EU", "UN"})
"""CLDR regions that are not ISO 3166-1 countries (Diego Garcia, Ceuta and Melilla, Canary
Islands, Kosovo) or that are groupings."""
_CLDR48_LANGUAGES = frozenset({"kek", "mww", "suz"})
"""Languages with CLDR 48 locale data that the installed babel (CLDR 47) does not know yet."""


_DEPRECATED_LANGUAGES = {"iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro"}
"""BCP 47 deprecated language subtags and their replacements (IANA registry)."""


@remembered
def language(value: object, *, field: str = "language") -> str:
    """Return a BCP 47 language tag in canonical case (``pt-BR``, ``uz-Cyrl``), known to CLDR."""
    if not isinstance(value, str) or not value.strip() or len(value) > 35:
        raise InvalidFormat("expected a BCP 47 language tag such as 'lt' or 'pt-BR'", field=field)
    tag = value.strip().replace("_", "-")
    if not all(part.isascii() and part.isalnum() for part in tag.split("-")):
        raise InvalidFormat("expected a BCP 47 language tag such as 'lt' or 'pt-BR'", field=field)
    first, _, rest = tag.partition("-")
    tag = "-".join(p for p in (_DEPRECATED_LANGUAGES.get(first.lower(), first), rest) if p)
    canonical = _language(tag)
    if canonical is None:
        if _TAG_SHAPE.fullmatch(tag):
            raise InvalidComponent(f"language {tag!r} is not known to CLDR", field=field)
        raise InvalidComponent(
            "not a language tag known to CLDR (such as 'lt' or 'pt-BR')", field=field
        )
    return canonical


_TAG_SHAPE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?")
"""A tag shaped ``language[-Script][-REGION]``: a code that may be echoed in an error message.

Anything else (a name typed into the wrong column, say) may be personal data and is not shown."""


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@remembered
def time_zone(value: object, *, field: str = "time_zone") -> str:
    """Return an IANA time-zone name that the zone database knows."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64 or "\x00" in value:
        raise InvalidFormat("expected an IANA time zone such as 'Europe/Vilnius'", field=field)
    name = value.strip()
    if name.startswith(("/", ".")) or ".." in name or not _zone(name):
        if _ZONE_SHAPE.fullmatch(name):
            raise InvalidComponent(f"unknown time zone {name!r}", field=field)
        raise InvalidComponent(
            "unknown time zone (expected one such as 'Europe/Vilnius')", field=field
        )
    return name


_ZONE_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9][A-Za-z0-9_+-]*)+")
"""An IANA-shaped zone name (``Area/City``, no spaces): may be echoed in an error message."""


@functools.lru_cache(maxsize=512)
def _currency(code: str) -> bool:
    return pycountry.currencies.get(alpha_3=code) is not None


@remembered
def currency(value: object, *, field: str = "currency") -> str:
    """Return an ISO 4217 currency code (upper case), checked against pycountry."""
    if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isascii():
        raise InvalidFormat("expected an ISO 4217 currency code", field=field)
    code = value.strip().upper()
    if not _currency(code):
        shown = f" {code!r}" if code.isalpha() else ""
        raise InvalidComponent(f"unknown currency code{shown}", field=field)
    return code


def aware_utc(value: object, *, field: str) -> dt.datetime:
    """Return an aware datetime converted to UTC; naive datetimes are refused, never guessed.

    An instant that has no UTC form (``datetime(9999, 12, 31, 23, tzinfo=-05:00)`` is in the
    year 10000 in UTC) is refused too.
    """
    if not isinstance(value, dt.datetime):
        raise InvalidFormat("expected a timezone-aware datetime", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidFormat("the datetime has no time zone; pass an aware datetime", field=field)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise InvalidFormat(
            "the instant is outside the years 1 to 9999 once in UTC", field=field
        ) from None


_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far an event's time may lie after the moment it is recorded: clocks of two machines differ.

This is the one rule for when something happened (an interaction, a consent event, a purchase,
a payment): it happened at or before now, give or take this skew. A future appointment is not an
event."""


def event_time(value: object, *, field: str, now: dt.datetime) -> dt.datetime:
    """``value`` as an aware UTC instant no later than ``now`` plus :data:`MAX_CLOCK_SKEW`."""
    instant = aware_utc(value, field=field)
    latest = _LATEST if now > _LATEST - MAX_CLOCK_SKEW else now + MAX_CLOCK_SKEW
    if instant > latest:
        raise InvalidInput(
            "is in the future: an event is recorded when it has happened", field=field
        )
    return instant


def flag(value: object, *, field: str) -> bool:
    """Return ``value`` if it is a real ``bool``."""
    if not isinstance(value, bool):
        raise InvalidFormat("expected true or false", field=field)
    return value


def is_flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Attrs validator: the field holds a real ``bool`` (``1`` or ``"yes"`` are refused)."""
    flag(value, field=attribute.name)


def json_safe(value: object, *, field: str, depth: int = 0) -> Any:
    """Return ``value`` if it survives a JSON round trip unchanged (str keys, finite numbers)."""
    if depth > 32:
        raise InvalidFormat("nested too deeply", field=field)
    if value is None or isinstance(value, bool | str):
        if isinstance(value, str):
            return text(value, field=field, allow_empty=True, multiline=True)
        return value
    if isinstance(value, int):
        if abs(value) > 2**53:
            raise InvalidFormat("integer too large to survive JSON", field=field)
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidFormat("not a finite number", field=field)
        return value
    if isinstance(value, list | tuple):
        return [
            json_safe(item, field=f"{field}[{i}]", depth=depth + 1) for i, item in enumerate(value)
        ]
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise InvalidFormat("keys must be text", field=field)
            name = text(key, field=key_path(field, key, index), max_length=200)
            if name in result:  # " tier" and "tier", or two Unicode spellings of one key
                raise InvalidInput(
                    "two keys are the same once spaces and Unicode forms are normalised",
                    field=key_path(field, name, index),
                )
            result[name] = json_safe(item, field=key_path(field, name, index), depth=depth + 1)
        return result
    raise InvalidFormat(f"{type(value).__name__} is not JSON-safe", field=field)


_KEY_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def key_path(field: str, key: str, index: int) -> str:
    """The path of the value under ``key`` (the ``index``-th key) of the mapping at ``field``.

    A ``snake_case`` key is a code the caller's program chose and is named (``attributes.tier``);
    any other key may be personal data (``"Jonas Petraitis"``), so it is given by its 0-based
    position instead (``attributes[#2]``), never echoed.
    """
    if _KEY_CODE.fullmatch(key):
        return f"{field}.{key}"
    return f"{field}[#{index}]"


def json_size(value: object, *, field: str, max_bytes: int = 64_000) -> None:
    """Refuse JSON documents larger than ``max_bytes`` once encoded."""
    if len(json.dumps(value, ensure_ascii=False).encode()) > max_bytes:
        raise InvalidLength(f"larger than {max_bytes} bytes as JSON", field=field)


def sequence(value: object, *, field: str) -> list[object]:
    """Return ``value`` as a list if it is a list or tuple (a bare string is not one here)."""
    if isinstance(value, list | tuple):
        return list(value)
    raise InvalidInput(f"expected a list, got {type(value).__name__}", field=field)


_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def code(value: object, *, field: str) -> str:
    """A ``snake_case`` code (tags, needs, custom vocabularies): letters, digits and ``_``."""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected a code, got {type(value).__name__}", field=field)
    result = value.strip().lower().replace("-", "_").replace(" ", "_")
    if not _CODE.fullmatch(result):
        raise InvalidFormat("expected a code of letters, digits and '_' (at most 64)", field=field)
    return result


def is_code(value: str) -> bool:
    """Whether ``value`` is already a code as :func:`code` would return it."""
    return bool(_CODE.fullmatch(value))


def codes(value: object, *, field: str) -> tuple[str, ...]:
    """A list of codes, each checked with :func:`code`, duplicates dropped, order kept."""
    if value == ():
        return ()
    result: dict[str, None] = {}
    for index, item in enumerate(sequence(value, field=field)):
        result.setdefault(code(item, field=f"{field}[{index}]"), None)
    return tuple(result)


def masked(value: object) -> str:
    """The repr of a personal value: whether it is set, never what it says (reprs get logged)."""
    if value is None:
        return "None"
    if value == () or value == {}:
        return repr(value)
    if isinstance(value, tuple | list):
        return f"<{len(value)} set>"
    return "<set>"


def unknown_key(key: object, index: int, *, what: str) -> InvalidComponent:
    """The error for a mapping key nobody expects: named if it is a code, else by position.

    A key may be personal data (a name typed where a field name goes), so only a ``snake_case``
    key is echoed; any other is given by its 0-based position in the mapping (``[#2]``).
    """
    if isinstance(key, str) and _KEY_CODE.fullmatch(key):
        return InvalidComponent(f"unknown {what} {key!r}", field=key)
    return InvalidComponent(f"unknown {what} (key #{index})", field=f"[#{index}]")


@contextlib.contextmanager
def at(field: str) -> Iterator[None]:
    """Prefix the field path of an error raised inside the block with ``field``."""
    try:
        yield
    except GlobalCRMError as error:
        error.at(field=field)
        raise


_T = TypeVar("_T")


def each(values: object, field: str, make: Callable[[Any], _T]) -> tuple[_T, ...]:
    """``make`` applied to every item of a list; an item's error names ``field[index]``."""
    if values == ():
        return ()
    items = sequence(values, field=field)
    result = []
    index = 0
    try:
        for index, item in enumerate(items):  # noqa: B007 - index names the failing item
            result.append(make(item))
    except GlobalCRMError as error:
        error.at(field=f"{field}[{index}]")
        raise
    return tuple(result)


_A = TypeVar("_A", bound=attrs.AttrsInstance)


def from_mapping(kind: type[_A], data: Mapping[Any, Any]) -> _A:
    """Build the attrs class ``kind`` from a mapping of its fields; unknown or missing keys fail."""
    if not isinstance(data, Mapping):
        raise InvalidFormat(f"expected a mapping, got {type(data).__name__}")
    fields = attrs.fields(kind)
    known = {field.name for field in fields if field.init}
    for index, key in enumerate(data):
        if not isinstance(key, str):
            raise InvalidFormat("field names must be text")
        if key not in known:
            raise unknown_key(key, index, what="field")
    for field in fields:
        if field.init and field.default is attrs.NOTHING and field.name not in data:
            raise InvalidFormat("is required", field=field.name)
    return kind(**data)
