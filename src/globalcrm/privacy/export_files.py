"""A data-subject access export as files: JSON, and CSV in a ZIP (GDPR art. 15(3) and 20).

The ZIP holds ``export.json`` (the whole document), ``customer.csv`` (the customer in the
columns ``globalcrm import`` reads, so it re-imports), ``consent_history.csv`` and one CSV per
table with rows of the subject; JSON values in a CSV cell are written as JSON. Cells that a
spreadsheet would run as a formula are neutralised as the customer export does.

```pycon
>>> doc = {"format": "globalcrm.export/1", "customer": None, "consent_history": [],
...        "tables": {"interactions": [{"id": "i-1", "body": "Labas"}]}}
>>> import zipfile, io
>>> sorted(zipfile.ZipFile(io.BytesIO(to_zip(doc))).namelist())
['export.json', 'interactions.csv']

```
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

from globalcrm.errors import InvalidFormat
from globalcrm.import_export import (
    customer_from_row,
    customer_to_row,
    neutralise_cell,
    write_csv,
)

__all__ = ["to_json_text", "to_zip"]

_STAMP = (2026, 1, 1, 0, 0, 0)
"""The time stamp of every ZIP member: the same export gives the same bytes."""


def to_json_text(document: Mapping[str, Any]) -> str:
    """The export document as JSON text (UTF-8, keys sorted, indented)."""
    if not isinstance(document, Mapping):
        raise InvalidFormat("expected an export document", field="document")
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return neutralise_cell(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return neutralise_cell(str(value))


def _table_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    names: list[str] = []
    for row in rows:
        names.extend(name for name in row if name not in names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in names])
    return out.getvalue()


def to_zip(document: Mapping[str, Any]) -> bytes:
    """The export document as a ZIP of ``export.json`` and CSV files (deterministic bytes)."""
    text = to_json_text(document)
    members: dict[str, str] = {"export.json": text}
    customer = document.get("customer")
    if isinstance(customer, Mapping):
        out = io.StringIO()
        write_csv([customer_to_row(customer_from_row(customer))], out)
        members["customer.csv"] = out.getvalue()
    history = document.get("consent_history")
    if isinstance(history, list) and history:
        members["consent_history.csv"] = _table_csv(history)
    found = document.get("tables")
    if isinstance(found, Mapping):
        for name, rows in sorted(found.items()):
            if isinstance(rows, list) and rows:
                members[f"{name}.csv"] = _table_csv(rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(members.items()):
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode("utf-8"))
    return buffer.getvalue()
