"""Customer files: CSV and JSON streams in and out, safe to open in a spreadsheet.

CSV has a header line of :data:`~globalcrm.customer_rows.COLUMNS` (a first line that names no
known column is an error, never "0 rows"); every row read knows its line in the file
(:class:`SourceRow`); cells a spreadsheet would run as a formula are neutralised on the way out
and restored on the way in (OWASP, CSV injection). JSON is nested documents, as one array or as
JSON Lines for big files.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from globalcrm.customer_rows import _COLUMN_NAMES, COLUMNS
from globalcrm.errors import GlobalCRMError, InvalidComponent, InvalidFormat

__all__ = [
    "SourceRow",
    "neutralise_cell",
    "read_csv",
    "read_json",
    "restore_cell",
    "write_csv",
    "write_json",
    "write_jsonl",
]

_BINARY = (io.RawIOBase, io.BufferedIOBase)


def _text_stream(stream: object, *, write: bool = False) -> None:
    """Refuse anything but a text stream (a file opened in binary mode included)."""
    method = "write" if write else "read"
    if isinstance(stream, _BINARY) or "b" in str(getattr(stream, "mode", "")):
        raise InvalidFormat(
            "expected a text stream, got a binary one: open the file with encoding='utf-8'",
            field="stream",
        )
    if not callable(getattr(stream, method, None)):
        raise InvalidFormat(f"expected a text stream, got {type(stream).__name__}", field="stream")


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)."""


def neutralise_cell(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: a formula-like cell gets a leading ``'``.

    OWASP's advice against CSV injection (https://owasp.org/www-community/attacks/CSV_Injection):
    a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
    single quote, which spreadsheets show as text. A cell already starting with ``'`` and one of
    those (or a second ``'``) is prefixed too, so :func:`restore_cell` gives back exactly the
    value; ``'t Hooft`` is left alone.

    ```pycon
    >>> neutralise_cell("=SUM(A1:A9)"), neutralise_cell("+37061234567")
    ("'=SUM(A1:A9)", "'+37061234567")
    >>> restore_cell(neutralise_cell("-2+3")), neutralise_cell("'t Hooft")
    ('-2+3', "'t Hooft")

    ```
    """
    if text.startswith(_FORMULA_STARTS) or (
        text.startswith("'") and text[1:2] and text[1:2] in "'=+-@\t\r"
    ):
        return "'" + text
    return text


def restore_cell(text: str) -> str:
    """The value :func:`neutralise_cell` protected (a cell without its protecting ``'``)."""
    if text.startswith("'") and text[1:2] and text[1:2] in "'=+-@\t\r":
        return text[1:]
    return text


class SourceRow(dict[str, Any]):
    """A row read from a file, with the line of the file it ends on (``line``, 1-based)."""

    def __init__(self, cells: Mapping[str, Any], *, line: int) -> None:
        super().__init__(cells)
        self.line = line


def _check_header(names: Sequence[str]) -> None:
    """The first line must name columns: a file without a header is an error, not 0 rows.

    Names are reported by position, never echoed: a first line of data is personal data.
    """
    known = [name.lower() in _COLUMN_NAMES for name in names]
    if not any(known):
        raise InvalidFormat(
            "the first line is not a header: it names no column globalcrm knows "
            "(such as given, surname, country, language, time_zone, currency, emails)",
            row=1,
        )
    unknown = [str(index) for index, ok in enumerate(known, start=1) if not ok]
    if unknown:
        raise InvalidComponent(
            f"unknown column in the header: column {', '.join(unknown[:5])} "
            "(see import_export.COLUMNS)",
            row=1,
        )


def read_csv(stream: IO[str]) -> Iterator[dict[str, str]]:
    """Rows of a CSV file with a header line (UTF-8 text, a BOM is ignored).

    Each row is a :class:`SourceRow` that knows the line of the file it ends on. A first line
    that names no known column is an error (a file without a header is not "0 rows"); a stream
    that is binary, not UTF-8 or not CSV raises ``InvalidFormat`` (for bad CSV, with the last
    line read well).
    """
    _text_stream(stream)
    line = 0
    try:
        reader = csv.DictReader(stream)
        if reader.fieldnames is None:
            return
        reader.fieldnames = [name.lstrip("\ufeff").strip() for name in reader.fieldnames]
        _check_header(reader.fieldnames)
        for row in reader:
            line = reader.line_num
            if None in row:
                raise InvalidFormat(f"row has more cells than the header (line {line})")
            yield SourceRow({k: restore_cell(v or "") for k, v in row.items()}, line=line)
    except GlobalCRMError:
        raise
    except UnicodeDecodeError:
        raise InvalidFormat("not UTF-8 text; save the file as UTF-8") from None
    except csv.Error:
        raise InvalidFormat(f"not valid CSV (after line {line})") from None
    except (OSError, ValueError, TypeError):
        raise InvalidFormat("the stream cannot be read as text", field="stream") from None


def _rows(rows: object) -> Iterable[object]:
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        raise InvalidFormat("expected an iterable of rows (from customer_to_row)", field="rows")
    return rows


def _export_row(row: object, index: int) -> Mapping[str, str]:
    """A row as :func:`customer_to_row` makes it: export columns to text."""
    if not isinstance(row, Mapping):
        raise InvalidFormat(
            f"expected a row mapping column names to text, got {type(row).__name__}",
            field=f"rows[{index}]",
        )
    for number, (key, value) in enumerate(row.items(), start=1):
        if key not in _EXPORTED:
            raise InvalidComponent(
                f"unknown column: column {number} (see import_export.COLUMNS)",
                field=f"rows[{index}]",
            )
        if value is not None and not isinstance(value, str):
            raise InvalidFormat(
                f"expected text, got {type(value).__name__}", field=f"rows[{index}].{key}"
            )
    return row


_EXPORTED = frozenset(COLUMNS)


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    """The caller's stream failing (closed, read-only, binary) is an error of ours."""
    try:
        yield
    except (OSError, ValueError, TypeError):
        raise InvalidFormat("the stream cannot be written to", field="stream") from None


def write_csv(rows: Iterable[Mapping[str, str]], stream: IO[str]) -> int:
    """Write rows under the export header; returns how many were written.

    Cells a spreadsheet would run as a formula are neutralised (:func:`neutralise_cell`);
    :func:`read_csv` restores them, so an export imports back to the same customers.
    """
    items = _rows(rows)
    _text_stream(stream, write=True)
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    with _writing():
        writer.writeheader()
    count = 0
    for row in items:
        cells = _export_row(row, count)
        with _writing():
            writer.writerow({k: v if v is None else neutralise_cell(v) for k, v in cells.items()})
        count += 1
    return count


def read_json(stream: IO[str]) -> Iterator[dict[str, Any]]:
    """Rows of a JSON export: an array of objects, or JSON Lines (one object per line)."""
    _text_stream(stream)
    try:
        text = stream.read()
    except UnicodeDecodeError:
        raise InvalidFormat("not UTF-8 text; save the file as UTF-8") from None
    except (OSError, ValueError, TypeError):
        raise InvalidFormat("the stream cannot be read as text", field="stream") from None
    if not isinstance(text, str):
        raise InvalidFormat(f"expected a text stream, read {type(text).__name__}", field="stream")
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            data = json.loads(stripped)
        else:
            data = [json.loads(line) for line in io.StringIO(text) if line.strip()]
    except RecursionError:
        raise InvalidFormat("not valid JSON (nested too deeply)") from None
    except ValueError:
        raise InvalidFormat("not valid JSON") from None
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InvalidFormat("expected an object per customer", row=index)
        yield item


def _document(item: object, index: int) -> str:
    """One customer document (:func:`customer_to_document`) as compact JSON text."""
    if not isinstance(item, Mapping):
        raise InvalidFormat(
            f"expected a customer document, got {type(item).__name__}", field=f"rows[{index}]"
        )
    for number, key in enumerate(item, start=1):
        if key not in _DOCUMENT_KEYS:
            raise InvalidComponent(
                f"unknown field: field {number} (see import_export.customer_to_document)",
                field=f"rows[{index}]",
            )
    present = {k: v for k, v in item.items() if v not in ("", None)}
    try:
        return json.dumps(present, ensure_ascii=False, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):
        for key, value in present.items():  # name the value that cannot be JSON
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError):
                field = f"rows[{index}].{key}"
                raise InvalidFormat("holds a value JSON cannot carry", field=field) from None
        raise InvalidFormat("holds a value JSON cannot carry", field=f"rows[{index}]") from None


_DOCUMENT_KEYS = frozenset({*COLUMNS, "name"})


def write_jsonl(documents: Iterable[Mapping[str, Any]], stream: IO[str]) -> int:
    """Write customers as JSON Lines, one nested document per line (for big files).

    Each item is a :func:`customer_to_document` (or a flat :func:`customer_to_row`): lists
    and objects stay JSON, never JSON in a string. Returns how many were written.
    """
    items = _rows(documents)
    _text_stream(stream, write=True)
    count = 0
    for item in items:
        line = _document(item, count)
        with _writing():
            stream.write(line + "\n")
        count += 1
    return count


def write_json(documents: Iterable[Mapping[str, Any]], stream: IO[str]) -> int:
    """Write customers as one JSON array of nested documents, streamed item by item.

    :func:`read_json` reads it back (and JSON Lines too). Returns how many were written.
    """
    items = _rows(documents)
    _text_stream(stream, write=True)
    count = 0
    with _writing():
        stream.write("[")
    for item in items:
        text = _document(item, count)
        with _writing():
            stream.write(("\n" if count == 0 else ",\n") + text)
        count += 1
    with _writing():
        stream.write("\n]\n" if count else "]\n")
    return count
