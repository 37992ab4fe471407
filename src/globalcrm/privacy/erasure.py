"""Erasure of a data subject (GDPR art. 17, and its peers): the report, and the suppression digest.

An erasure deletes, nulls, anonymises or crypto-shreds what the personal-data registry says
(``globalcrm.storage.tables``, every column's ``erase``), keeps what a law requires with its
ground, and answers with an :class:`ErasureReport`: the rows changed per table, the keys
destroyed, the consents ended, and every kept category with the ground for keeping it. A legal
hold turns the erasure into a restriction (GDPR art. 18): nothing is erased, every consent is
ended, and the report lists the holds.

So that "do not contact" outlives the address, erasure keeps a keyed digest of each normalised
e-mail address and E.164 phone number (HMAC-SHA-256 under a tenant secret that is itself wrapped
under the application's key-encryption key), never the address: a later import or add of the same
address is flagged without the database knowing it (``privacy.md`` §3.1, tombstones and
suppression).

```pycon
>>> from globalcrm.privacy.evidence import SubjectKey
>>> secret = SubjectKey.generate("tenant:suppression", key_id="k-1")
>>> suppression_digest(secret, "email", "jonas@example.lt") == suppression_digest(
...     secret, "email", "jonas@example.lt")
True
>>> suppression_digest(secret, "email", "jonas@example.lt").startswith("hmac:")
True

```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat
from globalcrm.privacy.evidence import SubjectKey, keyed_digest

__all__ = [
    "ERASURE_STATUSES",
    "SUPPRESSED_KINDS",
    "SUPPRESSION_SUBJECT",
    "ErasureReport",
    "KeptData",
    "suppression_digest",
]

ERASURE_STATUSES = ("erased", "restricted")
"""``erased``: done as the registry says (kept data listed); ``restricted``: a legal hold kept
everything, and every consent was ended."""
SUPPRESSED_KINDS = ("email", "phone")
"""The search-key kinds whose digests are kept: an e-mail address (case-folded) and an E.164
number."""
SUPPRESSION_SUBJECT = "tenant:suppression"
"""The subject-key row that holds the tenant's suppression secret (no customer id has a colon)."""


def suppression_digest(secret: SubjectKey, kind: str, key: str) -> str:
    """``hmac:<hex>`` of a normalised address (a search key of ``kind``) under the tenant secret."""
    chosen = _checks.choice(kind, SUPPRESSED_KINDS, field="kind", what="suppressed kind")
    return keyed_digest(secret, key, purpose=f"suppression_{chosen}")


def _text(value: object, *, field: str) -> str:
    return _checks.text(value, field=field, max_length=1000)


def _table(value: object) -> str:
    return _text(value, field="table")


def _ground(value: object) -> str:
    return _text(value, field="ground")


def _subject(value: object) -> str:
    return _text(value, field="subject_ref")


def _request(value: object) -> str | None:
    return None if value is None else _text(value, field="request_ref")


def _count_map(value: object) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of table to a count", field="tables")
    result = {}
    for name, count in value.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise InvalidFormat("expected a count", field="tables")
        result[_checks.text(name, field="tables", max_length=64)] = count
    return dict(sorted(result.items()))


def _kept(value: object) -> tuple[KeptData, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidFormat("expected a list", field="kept")
    return tuple(item if isinstance(item, KeptData) else KeptData.from_json(item) for item in value)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidFormat("expected a list", field="holds")
    return tuple(_text(item, field="holds") for item in value)


def _categories(value: object) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidFormat("expected a list", field="categories")
    return tuple(sorted({_checks.code(item, field="categories") for item in value}))


def _rows(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidFormat("expected a count", field="rows")
    return value


@attrs.frozen
class KeptData:
    """Rows of a table that erasure keeps, the personal-data classes they hold, and why."""

    table: str = attrs.field(converter=_table)
    categories: tuple[str, ...] = attrs.field(converter=_categories)
    ground: str = attrs.field(converter=_ground)
    rows: int = attrs.field(converter=_rows)

    def to_json(self) -> dict[str, Any]:
        """A JSON object."""
        return {
            "table": self.table,
            "categories": list(self.categories),
            "ground": self.ground,
            "rows": self.rows,
        }

    @classmethod
    def from_json(cls, value: object) -> KeptData:
        """Read :meth:`to_json` back."""
        if not isinstance(value, Mapping):
            raise InvalidFormat("expected a JSON object", field="kept")
        try:
            return cls(value["table"], value["categories"], value["ground"], value["rows"])
        except KeyError as error:
            raise InvalidFormat(f"missing {error.args[0]}", field="kept") from None


def _status(value: object) -> str:
    return _checks.choice(value, ERASURE_STATUSES, field="status", what="erasure status")


def _when(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="erased_at")


def _repeated(value: object) -> bool:
    return _checks.flag(value, field="repeated")


def _count(value: object) -> int:
    return _rows(value)


@attrs.frozen(kw_only=True)
class ErasureReport:
    """What an erasure did: ``changed`` rows per table, keys, consents, and what it ``kept``.

    ``repeated`` is true when the subject had been erased before (nothing was done again).
    """

    subject_ref: str = attrs.field(converter=_subject)
    status: str = attrs.field(converter=_status)
    erased_at: dt.datetime = attrs.field(converter=_when)
    request_ref: str | None = attrs.field(default=None, converter=_request)
    changed: dict[str, int] = attrs.field(factory=dict, converter=_count_map)
    keys_destroyed: int = attrs.field(default=0, converter=_count)
    consents_ended: int = attrs.field(default=0, converter=_count)
    suppressed: int = attrs.field(default=0, converter=_count)
    kept: tuple[KeptData, ...] = attrs.field(default=(), converter=_kept)
    holds: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    repeated: bool = attrs.field(default=False, converter=_repeated)

    @property
    def partial(self) -> bool:
        """Whether anything personal was kept (a legal duty or a hold)."""
        return bool(self.kept) or self.status == "restricted"

    def to_json(self) -> dict[str, Any]:
        """A JSON object (what the erasure log keeps, and ``--format json`` prints)."""
        return {
            "subject_ref": self.subject_ref,
            "status": self.status,
            "erased_at": self.erased_at.isoformat(),
            "request_ref": self.request_ref,
            "changed": dict(self.changed),
            "keys_destroyed": self.keys_destroyed,
            "consents_ended": self.consents_ended,
            "suppressed": self.suppressed,
            "kept": [item.to_json() for item in self.kept],
            "holds": list(self.holds),
            "partial": self.partial,
            "repeated": self.repeated,
        }

    @classmethod
    def from_json(cls, value: object) -> ErasureReport:
        """Read :meth:`to_json` back."""
        if not isinstance(value, Mapping):
            raise InvalidFormat("expected a JSON object", field="report")
        fields = {
            name: value[name]
            for name in (
                "subject_ref", "status", "erased_at", "request_ref", "changed",
                "keys_destroyed", "consents_ended", "suppressed", "kept", "holds", "repeated",
            )
            if name in value
        }
        if isinstance(fields.get("erased_at"), str):
            try:
                fields["erased_at"] = dt.datetime.fromisoformat(fields["erased_at"])
            except ValueError:
                raise InvalidFormat("expected an ISO 8601 instant", field="erased_at") from None
        try:
            return cls(**fields)
        except TypeError:
            raise InvalidFormat("missing fields", field="report") from None
