"""The rows of a consent-history import: one consent event per row, from CSV or JSON.

A business moving to globalcrm brings its consent history as rows with these columns (a CSV
with a header, or JSON objects; an empty cell is an absent value):

``customer_id``, ``purpose``, ``channel``, ``state``, ``occurred_at`` (ISO 8601 with its zone)
    required: whose consent, to which purpose, on which channel, what happened and when.
``purpose_version``
    the purpose version the subject saw (default: the newest active one).
``notice_id``
    the notice version shown (a grant must name one, as ``crm.privacy.record`` requires).
``evidence``
    a JSON object (or its JSON text in a CSV cell): sealed under the customer's key.
``regimes``, ``bundled_with``
    lists, or text separated by ``;``.
the other fields of a :class:`~globalcrm.privacy.events.ConsentEvent`
    ``consent_type``, ``contact_point_ref``, ``legal_basis``, ``language``,
    ``collection_method`` (default ``import``), ``collection_point``, ``actor_kind``,
    ``actor_ref``, ``guardian_verification``, ``age_assurance``, ``valid_from``,
    ``valid_until``, ``confirmed_at``, ``idempotency_key``.

:func:`consent_row` turns a row into a :class:`ConsentRow` (the cells as typed values); the
event itself is built and checked by the rules once the customer, purpose and notice are known,
exactly as ``crm.privacy.record`` does.

```pycon
>>> row = consent_row({"customer_id": "01KAQ3V4J5ZC6Y3W8N0R2T4V6X", "purpose": "newsletter",
...     "channel": "email", "state": "given", "occurred_at": "2024-05-01T10:00:00+03:00",
...     "notice_id": "n-1", "regimes": "eu-gdpr", "evidence": '{"form": "checkout"}'})
>>> row.occurred_at.isoformat(), row.fields["regimes"], row.evidence
('2024-05-01T07:00:00+00:00', ['eu-gdpr'], {'form': 'checkout'})

```
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Mapping
from typing import IO, Any

import attrs

from globalcrm import _checks
from globalcrm.customer_files import restore_cell
from globalcrm.errors import GlobalCRMError, InvalidComponent, InvalidFormat
from globalcrm.identifiers import check_id, remembered_id

__all__ = ["COLUMNS", "DETAIL_COLUMNS", "ConsentRow", "consent_row", "read_csv"]

DETAIL_COLUMNS = (
    "consent_type",
    "contact_point_ref",
    "legal_basis",
    "regimes",
    "language",
    "collection_method",
    "collection_point",
    "actor_kind",
    "actor_ref",
    "guardian_verification",
    "age_assurance",
    "valid_from",
    "valid_until",
    "confirmed_at",
    "idempotency_key",
    "bundled_with",
)
"""Columns passed on to the event as they are (after the cell is typed)."""
COLUMNS = (
    "customer_id",
    "purpose",
    "purpose_version",
    "channel",
    "state",
    "occurred_at",
    "notice_id",
    "evidence",
    *DETAIL_COLUMNS,
)
"""Every column an import row may have."""

_KNOWN = frozenset(COLUMNS)
_DETAILS = frozenset(DETAIL_COLUMNS)
_TIMES = frozenset({"valid_from", "valid_until", "confirmed_at"})
_LISTS = frozenset({"regimes", "bundled_with"})


@attrs.frozen
class ConsentRow:
    """One import row with its cells typed; ``fields`` go to the event as they are."""

    customer_id: str
    purpose: str
    purpose_version: int | None
    channel: str
    state: str
    occurred_at: dt.datetime
    notice_id: str | None
    evidence: dict[str, Any] | None = attrs.field(repr=_checks.masked)
    fields: dict[str, Any] = attrs.field(repr=_checks.masked)


def _instant(value: object, field: str) -> dt.datetime:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidFormat(
                "expected an ISO 8601 time with its zone (2024-05-01T10:00:00+03:00)",
                field=field,
            ) from None
    return _checks.aware_utc(value, field=field)


def _version(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise InvalidFormat("expected a whole number from 1", field="purpose_version")
    return value


def _list(value: object, field: str) -> list[object]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return _checks.sequence(value, field=field)


def _evidence(value: object) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            # no chained cause: the parser's error quotes the cell, which may be personal
            raise InvalidFormat("expected a JSON object", field="evidence") from None
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a JSON object", field="evidence")
    checked: dict[str, Any] = _checks.json_safe(value, field="evidence")
    return checked


def _text(value: object, field: str, max_length: int = 200) -> str:
    """A cell's text, stripped: the purpose's lookup and the event's own checks judge it."""
    if type(value) is str and len(value) <= max_length and value.isprintable():
        return value.strip()
    return _checks.text(value, field=field, max_length=max_length)


def consent_row(row: Mapping[str, Any]) -> ConsentRow:
    """The typed cells of one import row (blank cells are absent values).

    Raises:
        InvalidInput: a required cell is missing, a cell cannot be typed, or a column is
            unknown (named when it is a code, else by its position: a header may be personal).
    """
    if not isinstance(row, Mapping):
        raise InvalidFormat("expected a row of named cells", field="row")
    cells: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for index, (name, value) in enumerate(row.items()):
        if name not in _KNOWN:
            if not isinstance(name, str) or name.strip() not in _KNOWN:
                raise _checks.unknown_key(name, index, what="column")
            name = name.strip()
        if value is None or (type(value) is str and (not value or value.isspace())):
            continue  # a blank cell is an absent value
        if name in _DETAILS:
            if name in _TIMES:
                value = _instant(value, name)
            elif name in _LISTS:
                value = _list(value, name)
            fields[name] = value
        else:
            cells[name] = value
    for required in ("customer_id", "purpose", "channel", "state", "occurred_at"):
        if required not in cells:
            raise InvalidFormat("this cell is required", field=required)
    version = cells.get("purpose_version")
    evidence = cells.get("evidence")
    notice = cells.get("notice_id")
    return ConsentRow(
        customer_id=(
            remembered_id(customer, "customer_id") if type(customer := cells["customer_id"]) is str
            else check_id(customer, field="customer_id")
        ),
        purpose=_text(cells["purpose"], "purpose", 64),
        purpose_version=None if version is None else _version(version),
        channel=_text(cells["channel"], "channel", 64),
        state=_text(cells["state"], "state", 32),
        occurred_at=_instant(cells["occurred_at"], "occurred_at"),
        notice_id=None if notice is None else _text(notice, "notice_id", 64),
        evidence=None if evidence is None else _evidence(evidence),
        fields=fields,
    )


def read_csv(stream: IO[str]) -> Iterator[dict[str, str]]:
    """Rows of a consent-history CSV file whose header names :data:`COLUMNS` (UTF-8 text).

    A first line naming none of the columns is an error (a file without a header is not "0
    rows"), as is one naming a column not in :data:`COLUMNS` (by position: a first line of data
    would be personal). Cells protected against spreadsheet formulas are restored.
    """
    line = 0
    try:
        reader = csv.DictReader(stream)
        if reader.fieldnames is None:
            return
        names = [name.lstrip("\ufeff").strip() for name in reader.fieldnames]
        known = [name in _KNOWN for name in names]
        if not any(known):
            raise InvalidFormat(
                "the first line is not a header: it names no consent column "
                "(customer_id, purpose, channel, state, occurred_at...)",
                row=1,
            )
        unknown = [str(index) for index, ok in enumerate(known, start=1) if not ok]
        if unknown:
            raise InvalidComponent(
                f"unknown column in the header: column {', '.join(unknown[:5])} "
                "(see consent_rows.COLUMNS)",
                row=1,
            )
        reader.fieldnames = names
        for row in reader:
            line = reader.line_num
            if None in row:
                raise InvalidFormat(f"row has more cells than the header (line {line})")
            yield {name: restore_cell(value or "") for name, value in row.items()}
    except GlobalCRMError:
        raise
    except UnicodeDecodeError:
        raise InvalidFormat("not UTF-8 text; save the file as UTF-8") from None
    except csv.Error:
        raise InvalidFormat(f"not valid CSV (after line {line})") from None
    except (OSError, ValueError, TypeError):
        raise InvalidFormat("the stream cannot be read as text", field="stream") from None
