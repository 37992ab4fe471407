"""Customers in and out of CSV and JSON, with a per-row error report.

The row schema and its checks are in :mod:`globalcrm.customer_rows`, the files in
:mod:`globalcrm.customer_files`; both are re-exported here, where an import's report lives.
"""

from __future__ import annotations

import attrs

from globalcrm.customer_files import (
    SourceRow,
    neutralise_cell,
    read_csv,
    read_json,
    restore_cell,
    write_csv,
    write_json,
    write_jsonl,
)
from globalcrm.customer_rows import (
    COLUMNS,
    checked_row,
    contacts_checked_ahead,
    customer_from_row,
    customer_to_document,
    customer_to_row,
    row_errors,
    row_values,
)

__all__ = [
    "COLUMNS",
    "ImportReport",
    "RowError",
    "SourceRow",
    "checked_row",
    "contacts_checked_ahead",
    "customer_from_row",
    "customer_to_document",
    "customer_to_row",
    "neutralise_cell",
    "read_csv",
    "read_json",
    "restore_cell",
    "row_errors",
    "row_values",
    "write_csv",
    "write_json",
    "write_jsonl",
]




@attrs.frozen
class RowError:
    """Why one row was not imported: its 1-based number, the column, and the reason."""

    row: int
    field: str | None
    message: str
    code: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"row {self.row}: {where}{self.message}"


@attrs.define
class ImportReport:
    """What an import did: how many rows were read and stored, and every row's error."""

    rows: int = 0
    imported: int = 0
    """Rows stored: ``created`` plus ``updated``."""
    committed: bool = True
    errors: list[RowError] = attrs.field(factory=list)
    ids: list[str] = attrs.field(factory=list)
    """The ids stored, in row order (an updated customer's id as often as rows updated it)."""
    updated: int = 0
    """Rows that updated a customer they matched (``on_match="update"``)."""
    skipped: int = 0
    """Rows left out because they matched a customer (``on_match="skip"``)."""

    @property
    def created(self) -> int:
        """Rows stored as new records."""
        return self.imported - self.updated

    @property
    def ok(self) -> bool:
        """Every row was imported, or skipped as asked."""
        return not self.errors and self.imported + self.skipped == self.rows

