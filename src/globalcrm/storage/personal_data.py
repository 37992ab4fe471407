"""The personal-data registry read from ``tables.metadata``: what export and erasure do, generated.

Every column says in ``Column.info`` its personal-data class (``pii``), whether a data-subject
access export includes it (``export``, GDPR art. 15 and 20) and what erasure does to it
(``erase``, GDPR art. 17): ``delete`` the row, ``null`` or ``anonymise`` the value, ``shred``
(sealed under the subject's key, which erasure destroys) or ``keep`` with a legal ``ground``.
A table's rows are found for a subject through its subject column (``info["subject"]``, else a
column named ``customer_id`` or ``subject_ref``), or through a foreign key to a table that has
one (a purchase's lines through the purchase). Nothing here names a table: a table added by a
later release is exported and erased by the same code, and the registry tests fail when one of
its columns says nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    ForeignKeyConstraint,
    String,
    Table,
    Text,
    and_,
    bindparam,
    delete,
    func,
    literal,
    select,
    tuple_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from globalcrm.storage import tables
from globalcrm.storage.column_types import CodeOf, JSONOf, json_type

__all__ = [
    "ERASE_ACTIONS",
    "SUBJECT_NAMES",
    "emptied",
    "erase_subject",
    "export_rows",
    "kept_rows",
    "problems",
    "row_action",
    "scan",
    "subject_column",
    "subject_filter",
    "subject_tables",
]

ERASE_ACTIONS = ("delete", "null", "anonymise", "shred", "keep")
"""What erasure does to a column's value (``delete`` removes the whole row)."""
SUBJECT_NAMES = ("customer_id", "subject_ref")
"""Column names that find a table's rows for a subject when no column is marked ``subject``."""
_IMPERSONAL = ("none", "technical")


def subject_column(table: Table) -> Column[Any] | None:
    """The column holding the subject's id (marked ``subject``, else named as in SUBJECT_NAMES)."""
    for column in table.columns:
        if column.info.get("subject") is True:
            return column
    for name in SUBJECT_NAMES:
        if name in table.c:
            return table.c[name]
    return None


def _parent(table: Table, seen: frozenset[str] = frozenset()) -> ForeignKeyConstraint | None:
    """A foreign key of ``table`` to a table whose rows can be found for a subject."""
    for constraint in sorted(table.foreign_key_constraints, key=lambda c: str(c.name)):
        parent = constraint.referred_table
        if parent.name in seen or parent is table:
            continue
        if subject_column(parent) is not None or _parent(parent, seen | {table.name}):
            return constraint
    return None


def _tenant_filter(table: Table, tenant: Any) -> ColumnElement[bool] | None:
    if "tenant" in table.c:
        same: ColumnElement[bool] = table.c.tenant == tenant
        return same
    for constraint in table.foreign_key_constraints:
        parent = constraint.referred_table
        scope = _tenant_filter(parent, tenant) if parent is not table else None
        if scope is not None:
            found: ColumnElement[bool] = _in_parent(constraint, scope)
            return found
    return None


def _in_parent(constraint: ForeignKeyConstraint, where: ColumnElement[bool]) -> Any:
    local = [element.parent for element in constraint.elements]
    remote = [element.column for element in constraint.elements]
    chosen = select(*remote).where(where)
    if len(local) == 1:
        return local[0].in_(chosen)
    return tuple_(*local).in_(chosen)


def subject_filter(table: Table, tenant: Any, subject_ref: Any) -> ColumnElement[bool] | None:
    """The WHERE clause of the subject's rows in ``table``; ``None`` if it has no such rows.

    ``tenant`` and ``subject_ref`` are values, or bound parameters to fill in at execution.
    """
    column = subject_column(table)
    if column is not None:
        scope = _tenant_filter(table, tenant)
        return column == subject_ref if scope is None else and_(column == subject_ref, scope)
    constraint = _parent(table)
    if constraint is None:
        return None
    where = subject_filter(constraint.referred_table, tenant, subject_ref)
    return None if where is None else _in_parent(constraint, where)


def subject_tables() -> list[Table]:
    """Every table whose rows can be found for a subject, parents before children."""
    return [table for table, _ in _plan(len(tables.metadata.tables))]


_TENANT: Any = bindparam("registry_tenant")
_SUBJECT: Any = bindparam("registry_subject")


@functools.cache
def _plan(size: int) -> list[tuple[Table, ColumnElement[bool]]]:
    """Each subject table with its WHERE clause on bound parameters (per size of the schema)."""
    found = []
    for table in tables.metadata.sorted_tables:
        where = subject_filter(table, _TENANT, _SUBJECT)
        if where is not None:
            found.append((table, where))
    return found


def _where(table: Table) -> ColumnElement[bool]:
    for known, where in _plan(len(tables.metadata.tables)):
        if known is table:
            return where
    raise LookupError(table.name)  # pragma: no cover - only subject tables are asked


def _params(tenant: str, subject_ref: str) -> dict[str, str]:
    return {"registry_tenant": tenant, "registry_subject": subject_ref}


def row_action(table: Table) -> str:
    """``delete`` (a column says so), ``update`` (some are nulled or anonymised) or ``keep``."""
    actions = {column.info.get("erase") for column in table.columns}
    if "delete" in actions:
        return "delete"
    if actions & {"null", "anonymise"}:
        return "update"
    return "keep"


def _stand_in(column: Column[Any]) -> Any:
    """What an anonymised value becomes: ``info["stand_in"]``, else an empty value of its type."""
    if "stand_in" in column.info:
        return column.info["stand_in"]
    if isinstance(column.type, JSON | JSONOf):
        return {}
    if isinstance(column.type, String | Text) and not column.nullable:
        return ""
    return None


def emptied(table: Table) -> dict[str, Any]:
    """What a retention policy's ``anonymise`` writes into a row of ``table``, per column.

    Every column of a personal class (not ``none`` nor ``technical``) becomes its stand-in,
    except what makes the row a row of its subject: the primary key, the foreign keys and the
    subject column. The row still says that something of that kind happened to its subject,
    and when; nothing it said about them is left.
    """
    kept = {column.name for column in table.primary_key.columns}
    kept.update(
        element.parent.name
        for constraint in table.foreign_key_constraints
        for element in constraint.elements
    )
    subject = subject_column(table)
    if subject is not None:
        kept.add(subject.name)
    return {
        column.name: _stand_in(column)
        for column in table.columns
        if column.info.get("pii") not in _IMPERSONAL and column.name not in kept
    }


def problems() -> list[str]:
    """What is wrong with the registry (empty when every column and table is placed).

    Each column has a known ``pii`` class, an ``export`` flag and an ``erase`` action, and
    ``keep`` a ground; a table with anything exported or erased finds its rows for a subject; a
    table whose rows are deleted deletes them whole; a foreign key that cascades a deletion
    points from a table that is deleted too, and one that nulls it at a nulled column.
    """
    found: list[str] = []
    for table in tables.metadata.sorted_tables:
        for column in table.columns:
            info = column.info
            where = f"{table.name}.{column.name}"
            if info.get("pii") not in tables.PII_CLASSES:
                found.append(f"{where}: no personal-data class")
            if not isinstance(info.get("export"), bool):
                found.append(f"{where}: no export flag")
            if info.get("erase") not in ERASE_ACTIONS:
                found.append(f"{where}: no erasure action")
            elif info["erase"] == "keep" and not info.get("ground"):
                found.append(f"{where}: kept without a ground")
        acted = any(
            c.info.get("export") is True or c.info.get("erase") not in ("keep", None)
            for c in table.columns
        )
        if acted and subject_filter(table, "t", "s") is None:
            found.append(f"{table.name}: exported or erased, but no column finds a subject's rows")
        if row_action(table) == "delete":
            others = sorted(c.name for c in table.columns if c.info.get("erase") != "delete")
            if others:
                found.append(f"{table.name}: rows are deleted, but {others} say otherwise")
        for constraint in table.foreign_key_constraints:
            found.extend(_cascade_problems(table, constraint))
    return found


def _cascade_problems(table: Table, constraint: ForeignKeyConstraint) -> Iterator[str]:
    parent = constraint.referred_table
    if row_action(parent) != "delete" or parent is table:
        return
    rule = (constraint.ondelete or "").upper()
    if rule == "CASCADE" and row_action(table) != "delete":
        yield f"{table.name}: its rows go with {parent.name}'s, but are not deleted on erasure"
    if rule == "SET NULL":
        for element in constraint.elements:
            if element.parent.info.get("erase") != "null":
                yield f"{table.name}.{element.parent.name}: nulled with {parent.name}, not 'null'"


# ----------------------------------------------------------------------------- statements


def erase_subject(
    session: Session | Connection, tenant: str, subject_ref: str
) -> dict[str, int]:
    """Delete, null and anonymise the subject's rows in every table, as the registry says.

    Children first (a purchase's lines are found through the purchase before its customer id is
    nulled). Returns the rows deleted or changed per table. Sealed (``shred``) values are left
    to the destruction of the subject's key, which the caller does in the same transaction.
    """
    done: dict[str, int] = {}
    for table in reversed(subject_tables()):
        action = row_action(table)
        if action == "keep":
            continue
        where = _where(table)
        params = _params(tenant, subject_ref)
        if action == "delete":
            result = session.execute(delete(table).where(where), params)
        else:
            values = {
                column.name: None if column.info["erase"] == "null" else _stand_in(column)
                for column in table.columns
                if column.info.get("erase") in ("null", "anonymise")
            }
            result = session.execute(update(table).where(where).values(values), params)
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            done[table.name] = count
    return done


def kept_rows(
    session: Session | Connection, tenant: str, subject_ref: str, *, everything: bool = False
) -> list[tuple[Table, int]]:
    """Tables whose rows of the subject erasure keeps with personal columns, and how many.

    With ``everything`` (a restriction keeps all), every table with personal columns.
    """
    wanted = [
        table
        for table in subject_tables()
        if (everything or row_action(table) != "delete")
        and any(
            (everything or c.info.get("erase") == "keep")
            and c.info.get("pii") not in _IMPERSONAL
            for c in table.columns
        )
    ]
    if not wanted:
        return []
    counts = [  # one statement for every table
        select(literal(index).label("n"), func.count().label("rows"))
        .select_from(table)
        .where(_where(table))
        for index, table in enumerate(wanted)
    ]
    rows = session.execute(union_all(*counts), _params(tenant, subject_ref))
    found = {int(row.n): int(row.rows) for row in rows}
    return [(table, found[index]) for index, table in enumerate(wanted) if found.get(index)]


def _raw(column: Column[Any]) -> Any:
    """The column as stored: JSON documents as JSON, codes as text, not as domain values."""
    if isinstance(column.type, JSONOf):
        return type_coerce(column, json_type()).label(column.name)
    if isinstance(column.type, CodeOf):
        return type_coerce(column, String()).label(column.name)
    return column


def export_rows(
    session: Session | Connection, tenant: str, subject_ref: str
) -> Iterator[tuple[Table, list[str], list[tuple[Any, ...]]]]:
    """Per table with rows of the subject: the exported columns and the rows, as stored."""
    for table in subject_tables():
        columns = [c for c in table.columns if c.info.get("export") is True]
        if not columns:
            continue
        order = list(table.primary_key.columns) or columns[:1]
        query = select(*[_raw(c) for c in columns]).where(_where(table)).order_by(*order)
        rows = session.execute(query, _params(tenant, subject_ref))
        found = [tuple(row) for row in rows]
        if found:
            yield table, [c.name for c in columns], found


def _needles(values: Iterable[str]) -> list[tuple[str, bytes]]:
    needles: set[str] = set()
    for value in values:
        if value:
            needles.update({value, value.casefold(), value.lower(), value.upper()})
    return [(n, n.encode("utf-8")) for n in sorted(needles)]


def _text_of(value: Any) -> tuple[str, bytes]:
    import json

    if isinstance(value, bytes | bytearray | memoryview):
        return "", bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True), b""
    return str(value), b""


def scan(connection: Connection, values: Iterable[str]) -> list[tuple[str, str]]:
    """Every (table, column) of the database holding one of ``values`` (or its case forms).

    Reads every row of every table as stored (text, JSON and binary columns alike); for checking
    an erasure: the list is empty when none of the values is left anywhere.
    """
    needles = _needles(values)
    found: set[tuple[str, str]] = set()
    if not needles:
        return []
    for table in tables.metadata.sorted_tables:
        names = [c.name for c in table.columns]
        quoted = ", ".join(f'"{name}"' for name in names)
        rows = connection.exec_driver_sql(f'SELECT {quoted} FROM "{table.name}"')  # noqa: S608
        for row in rows:
            for name, value in zip(names, row, strict=True):
                if value is None or (table.name, name) in found:
                    continue
                text, binary = _text_of(value)
                if any((t and t in text) or (b and b in binary) for t, b in needles):
                    found.add((table.name, name))
    return sorted(found)


