"""Column types for one-column values: UTC timestamps and JSON documents of domain values.

SQLite has no time zones and PostgreSQL's ``timestamptz`` returns them in the session zone, so
``UTCDateTime`` stores UTC and always hands back an aware UTC datetime. ``JSONOf`` stores a domain
value (a ``PersonName``, a tuple of ``EmailAddress``...) as JSON and rebuilds it through the
domain constructor, so what comes out of the store is validated like what went in.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["CodeOf", "JSONOf", "UTCDateTime", "json_type", "search_key_type"]


def json_type() -> TypeEngine[Any]:
    """JSON on SQLite, JSONB on PostgreSQL."""
    return JSON().with_variant(postgresql.JSONB(), "postgresql")


def search_key_type(length: int) -> TypeEngine[str]:
    """Text compared byte-wise (``COLLATE "C"`` on PostgreSQL) so prefix ranges use the index."""
    return String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Convert to UTC; on SQLite store it naive (SQLite has no zone)."""
        if value is None:
            return None
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        """Hand back an aware UTC datetime whatever the driver returned."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class CodeOf(TypeDecorator[Any]):
    """A string enum of the domain (``Formality``...) stored as its code, loaded as the enum."""

    impl = String
    cache_ok = True

    def __init__(self, kind: type[enum.StrEnum], length: int = 32) -> None:
        super().__init__(length)
        self._kind = kind

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        """The enum's code (a plain string that the enum knows is accepted too)."""
        return None if value is None else str(self._kind(value).value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """The enum member for the stored code."""
        return None if value is None else self._kind(value)


class JSONOf(TypeDecorator[Any]):
    """A domain value stored as a JSON document through a pair of functions."""

    impl = JSON
    cache_ok = True

    def __init__(self, dump: Callable[[Any], Any], load: Callable[[Any], Any]) -> None:
        super().__init__()
        self._dump = dump
        self._load = load

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """JSONB on PostgreSQL, JSON elsewhere."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB())
        return dialect.type_descriptor(JSON())

    @property
    def dump(self) -> Callable[[Any], Any]:
        """The function from a (non-null) domain value to its JSON-safe structure."""
        return self._dump

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Domain value -> JSON-safe structure."""
        return None if value is None else self._dump(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """JSON structure -> domain value, through the domain constructors."""
        return None if value is None else self._load(value)

    def coerce_compared_value(self, op: Any, value: Any) -> TypeEngine[Any]:
        """Compare as plain JSON."""
        return JSON()


# --------------------------------------------------------------------------- domain documents
# Each pair turns a domain value into JSON and back through the domain constructor.


def _tuple_of(load: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    return lambda items: tuple(load(item) for item in items)


def _dump_all(dump: Callable[[Any], Any]) -> Callable[[Any], list[Any]]:
    return lambda items: [dump(item) for item in items]


def person_name_type() -> JSONOf:
    """One ``PersonName``."""
    from globalcrm.locale.person_names import PersonName

    return JSONOf(PersonName.to_json, PersonName.from_json)


def person_names_type() -> JSONOf:
    """A tuple of ``PersonName``."""
    from globalcrm.locale.person_names import PersonName

    return JSONOf(_dump_all(PersonName.to_json), _tuple_of(PersonName.from_json))


def contact_points_type(kind: type[Any]) -> JSONOf:
    """A tuple of one contact-point class (``EmailAddress``, ``PhoneNumber``...)."""
    dump = kind.to_json
    return JSONOf(_dump_all(dump), _tuple_of(lambda data: kind(**data)))


def codes_type() -> JSONOf:
    """A tuple of codes (tags, needs, channels)."""
    return JSONOf(list, tuple)


def contact_hours_type() -> JSONOf:
    """Optional ``ContactHours``."""
    from globalcrm.contact_points import ContactHours

    return JSONOf(ContactHours.to_json, lambda data: ContactHours(**data))
