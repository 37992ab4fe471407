"""Every error globalcrm raises, and the one place dependency errors are translated.

Only these classes leave a public function:

```text
GlobalCRMError                       .message, .code, and where: .field, .row, .position
├── InvalidInput (also ValueError)   the caller passed something wrong
│   ├── InvalidFormat                wrong characters or structure
│   │   └── InvalidLength            right characters, wrong length
│   ├── InvalidChecksum              a check digit or CRC does not match
│   ├── InvalidComponent             a part names something unknown: country, currency...
│   ├── InvalidSignature             a payment notification's signature does not verify
│   └── InvalidRule                  rule text does not parse (.position)
├── NotFound (also LookupError)      no such customer, interaction, conversation
├── Conflict                         a key clash, stale version, lost race (.sqlstate, .constraint)
├── RuleViolation                    a business rule refuses (no consent, not enough points...)
├── StorageError                     the database failed or its schema is not at head (.sqlstate)
├── ConfigurationError               a driver not installed, worker processes that cannot start
└── PluginError                      a plugin's hook raised (.hook, .plugin)
```

``field`` is a path into the caller's input (``phones[0]``), ``row`` the 1-based row of an
imported file and ``position`` a 0-based offset in a string. ``str(exc)`` puts them together:

```pycon
>>> str(InvalidFormat("not a valid phone number for LT", field="phones[0]", row=3))
'phones[0]: not a valid phone number for LT (row 3)'

```

Messages never echo personal data, because exceptions get logged; codes such as a currency or a
locale may be echoed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # pragma: no cover - for the annotation of ``report`` only
    from globalcrm.import_export import ImportReport

__all__ = [
    "ConfigurationError",
    "Conflict",
    "DuplicateCustomer",
    "GlobalCRMError",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidInput",
    "InvalidLength",
    "InvalidRule",
    "InvalidSignature",
    "NotFound",
    "PluginError",
    "RuleViolation",
    "StorageError",
    "translate_errors",
]


class GlobalCRMError(Exception):
    """Base of every error globalcrm raises."""

    code: ClassVar[str] = "error"
    default_message: ClassVar[str] = "globalcrm error"

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        row: int | None = None,
        position: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.cause: str | None = None
        """The dependency's exception type this error translates, if any (its text is not kept)."""
        self.field = field
        self.row = row
        self.position = position
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        where = []
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.row is not None:
            where.append(f"row {self.row}")
        return f"{text} ({', '.join(where)})" if where else text

    def at(self, *, field: str | None = None, row: int | None = None) -> GlobalCRMError:
        """Return this error with ``field`` prefixed and ``row`` set (for nested validation)."""
        if field:
            if not self.field:
                self.field = field
            elif self.field.startswith("["):
                self.field = f"{field}{self.field}"
            else:
                self.field = f"{field}.{self.field}"
        if row is not None:
            self.row = row
        self.args = (self.__str__(),)
        return self


class InvalidInput(GlobalCRMError, ValueError):
    """The caller passed something wrong."""

    code = "invalid_input"
    default_message = "invalid input"


class InvalidFormat(InvalidInput):
    """The value has the wrong characters or structure."""

    code = "invalid_format"
    default_message = "the value has an invalid format"


class InvalidLength(InvalidFormat):
    """The value has the right characters but the wrong length."""

    code = "invalid_length"
    default_message = "the value has an invalid length"


class InvalidChecksum(InvalidInput):
    """A check digit or CRC does not match."""

    code = "invalid_checksum"
    default_message = "the value's checksum does not match"


class InvalidComponent(InvalidInput):
    """A part of the value names something unknown: a country, currency, locale or zone."""

    code = "invalid_component"
    default_message = "one of the parts of the value is not known"


class InvalidSignature(InvalidInput):
    """A signature or authentication tag does not verify."""

    code = "invalid_signature"
    default_message = "the signature does not verify"


class InvalidRule(InvalidInput):
    """Rule text does not parse; ``position`` is the offset of the problem."""

    code = "invalid_rule"
    default_message = "the rule does not parse"


class NotFound(GlobalCRMError, LookupError):
    """No such record."""

    code = "not_found"
    default_message = "no such record"


class Conflict(GlobalCRMError):
    """The store refuses the write: a duplicate key, a stale version or a lost race."""

    code = "conflict"
    default_message = "the record was changed by someone else"

    sqlstate: str | None = None
    """The database's code for the refusal: PostgreSQL's SQLSTATE (``23505``) or SQLite's
    error name (``SQLITE_CONSTRAINT_PRIMARYKEY``); ``None`` when the library refused itself."""
    constraint: str | None = None
    """The constraint the write broke (``pk_customers``), when the database named one."""
    report: ImportReport | None = None
    """When this error stopped an import: what it stored before (the rows it kept are committed)."""


class DuplicateCustomer(Conflict):
    """A customer (or an import row) matches a stored one: same e-mail, phone, id or external id.

    ``matches`` holds the ids of the stored customers it matches.
    """

    code = "duplicate"
    default_message = "a stored customer is likely the same person"

    matches: tuple[str, ...] = ()


class RuleViolation(GlobalCRMError):
    """A business rule refuses the operation."""

    code = "rule_violation"
    default_message = "the operation is not allowed"


class StorageError(GlobalCRMError):
    """The database failed, or its schema is not at the version this library needs."""

    code = "storage_error"
    default_message = "the database failed"

    sqlstate: str | None = None
    """The database's code for the failure: PostgreSQL's SQLSTATE (``3D000``) or SQLite's error
    name (``SQLITE_CANTOPEN``); ``None`` when the library raised it without a database error."""
    report: ImportReport | None = None
    """When this error stopped an import: what it stored before (the rows it kept are committed)."""


class ConfigurationError(GlobalCRMError):
    """The environment cannot do what was asked: a driver not installed, workers not starting."""

    code = "configuration_error"
    default_message = "globalcrm is not set up to do this here"


class PluginError(GlobalCRMError):
    """A plugin's hook raised; ``hook`` and ``plugin`` name it."""

    code = "plugin_error"
    default_message = "a plugin failed"

    def __init__(
        self,
        message: str | None = None,
        *,
        hook: str = "",
        plugin: str = "",
        field: str | None = None,
    ) -> None:
        self.hook = hook
        self.plugin = plugin
        super().__init__(message, field=field)


@contextlib.contextmanager
def translate_errors(
    catch: type[BaseException] | tuple[type[BaseException], ...],
    into: type[GlobalCRMError],
    message: str,
    *,
    field: str | None = None,
) -> Iterator[None]:
    """Turn a dependency's exceptions (``catch``) raised inside the block into ``into``.

    The one way the library translates a foreign error. The original is not chained: a
    dependency's message may quote the input (an address, a document), which is personal data
    and would reach logs through the traceback; its type stays in ``.cause``. Our own errors pass
    through untouched.

    ```pycon
    >>> with translate_errors(KeyError, NotFound, "no such currency", field="currency"):
    ...     {}["XQQ"]
    Traceback (most recent call last):
    globalcrm.errors.NotFound: currency: no such currency
    >>> try:
    ...     with translate_errors(ValueError, InvalidFormat, "not a number"):
    ...         int("12a")
    ... except InvalidFormat as error:
    ...     (error.cause, error.__cause__, error.__suppress_context__)
    ('builtins.ValueError', None, True)

    ```
    """
    try:
        yield
    except GlobalCRMError:
        raise
    except catch as error:
        translated = into(message, field=field)
        translated.cause = f"{type(error).__module__}.{type(error).__qualname__}"
        raise translated from None
