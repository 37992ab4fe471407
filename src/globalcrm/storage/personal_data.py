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

Erasure works on a batch of subjects (issue 16): :func:`row_counts` counts every subject's rows
in every table in one ``UNION ALL`` statement per 500 subjects (a table found through its parent
is joined up to the subject column), and :func:`erase_subjects` runs one ``DELETE`` or
``UPDATE ... WHERE subject IN (the batch)`` per table per 500 subjects, the batch bound as one
parameter (a JSON array on SQLite, an array on PostgreSQL), so a sweep costs a few statements
per table, not per customer. One subject is a batch of one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Connection,
    ForeignKeyConstraint,
    Select,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    delete,
    func,
    literal,
    select,
    text,
    tuple_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from globalcrm.errors import Conflict
from globalcrm.storage import tables
from globalcrm.storage.column_types import CodeOf, JSONOf, json_type

__all__ = [
    "CHUNK",
    "ERASE_ACTIONS",
    "SUBJECT_NAMES",
    "emptied",
    "erase_subjects",
    "export_rows",
    "found_anything",
    "kept_counts",
    "plan_each_batch",
    "problems",
    "row_action",
    "row_counts",
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
CHUNK = 500
"""Subjects per batch statement (and per ``IN (...)`` list where the batch is not one parameter)."""
_PARAMETERS = 30_000
"""Most parameters one counting statement binds where each subject is one (SQLite's default
limit is 32,766)."""


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
    return _filter(table, tenant, lambda column: column == subject_ref)


def _filter(
    table: Table, tenant: Any, match: Callable[[Column[Any]], ColumnElement[bool]]
) -> ColumnElement[bool] | None:
    """``subject_filter`` with ``match`` saying which values of the subject column are wanted."""
    column = subject_column(table)
    if column is not None:
        scope = _tenant_filter(table, tenant)
        return match(column) if scope is None else and_(match(column), scope)
    constraint = _parent(table)
    if constraint is None:
        return None
    where = _filter(constraint.referred_table, tenant, match)
    return None if where is None else _in_parent(constraint, where)


def subject_tables() -> list[Table]:
    """Every table whose rows can be found for a subject, parents before children."""
    return [table for table, _ in _plan(len(tables.metadata.tables))]


_TENANT: Any = bindparam("registry_tenant")
_SUBJECT: Any = bindparam("registry_subject")
_SUBJECTS: Any = bindparam("registry_subjects", expanding=True)
_SUBJECTS_JSON: Any = bindparam("registry_subjects", type_=String())
_SUBJECTS_ARRAY: Any = bindparam("registry_subjects", type_=postgresql.ARRAY(String()))


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


def _chunks(subject_refs: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(subject_refs), CHUNK):
        yield list(subject_refs[start : start + CHUNK])


def _in_batch(dialect: str) -> Callable[[Column[Any]], ColumnElement[bool]]:
    """``column IN (the batch)`` with the batch as one parameter where the database can.

    SQLite reads a JSON array (``json_each``), PostgreSQL an array (``= ANY``): one parameter
    however many subjects, so nothing is rendered per subject and no limit is neared when
    every table's count is one statement. Elsewhere an expanding ``IN`` list.
    """
    if dialect == "postgresql":
        return lambda column: column == any_(_SUBJECTS_ARRAY)
    if dialect == "sqlite":
        listed = func.json_each(_SUBJECTS_JSON).table_valued("value")
        return lambda column: column.in_(select(listed.c.value))
    return lambda column: column.in_(_SUBJECTS)


def plan_each_batch(session: Session) -> None:
    """Have PostgreSQL plan each statement of this transaction for its own batch of subjects.

    psycopg prepares a statement run five times, and PostgreSQL may then keep one plan for every
    later batch, made on the statistics of that moment: as a sweep fills the suppression list,
    the tombstones and the audit log, such a plan checks each row against the whole batch
    (quadratic). Planned per batch, the batch is hashed or probed through the index instead
    (a sweep of 10,000 customers went from 15.3 s to 5.7 s). ``SET LOCAL``: it ends with the
    transaction. Nothing to do on SQLite.
    """
    if _dialect(session) == "postgresql":
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _batch_params(dialect: str, tenant: str, chunk: list[str]) -> dict[str, Any]:
    """The parameters of a statement on a batch (see ``_in_batch``)."""
    batch: Any = chunk
    if dialect == "sqlite":
        batch = json.dumps(chunk)
    return {"registry_tenant": tenant, "registry_subjects": batch}


def _dialect(session: Session | Connection) -> str:
    bind = session.get_bind() if isinstance(session, Session) else session
    return str(bind.dialect.name)


@functools.cache
def _batch_plan(size: int, dialect: str) -> list[tuple[Table, str, ColumnElement[bool]]]:
    """Each table erasure changes, children first, with its action and its WHERE on a batch."""
    found = []
    for table in reversed(subject_tables()):
        action = row_action(table)
        if action != "keep":
            where = _filter(table, _TENANT, _in_batch(dialect))
            assert where is not None  # noqa: S101 - subject tables have one
            found.append((table, action, where))
    return found


def _counting(index: int, table: Table, dialect: str) -> Select[Any]:
    """Rows of ``table`` per subject of a batch: joined up to the subject column if need be.

    The join follows the same foreign keys as ``subject_filter`` (each points at a primary or
    unique key, so a row joins at most one parent), and so counts the same rows.
    """
    source: Any = table
    current = table
    column = subject_column(current)
    while column is None:
        constraint = _parent(current)
        assert constraint is not None  # noqa: S101 - subject tables have one
        parent = constraint.referred_table
        source = source.join(
            parent, and_(*(element.parent == element.column for element in constraint.elements))
        )
        current, column = parent, subject_column(parent)
    where: ColumnElement[bool] = _in_batch(dialect)(column)
    scope = _tenant_filter(current, _TENANT)
    if scope is not None:
        where = and_(where, scope)
    return (
        select(literal(index).label("n"), column.label("subject"), func.count().label("rows"))
        .select_from(source)
        .where(where)
        .group_by(column)
    )


@functools.cache
def _count_plan(size: int, dialect: str) -> list[tuple[Table, Select[Any]]]:
    return [
        (table, _counting(index, table, dialect)) for index, table in enumerate(subject_tables())
    ]


def row_counts(
    session: Session | Connection, tenant: str, subject_refs: Iterable[str]
) -> dict[str, dict[str, int]]:
    """Each subject's rows per table (name: rows, tables with none left out), as the registry finds.

    One ``UNION ALL`` statement per 500 subjects (on a database without one-parameter batches,
    split further when the tables times the subjects would pass the parameter limit). Erasure
    reads it once, before it changes anything, for the report's kept and changed rows.
    """
    refs = sorted(set(subject_refs))
    found: dict[str, dict[str, int]] = {ref: {} for ref in refs}
    dialect = _dialect(session)
    plan = _count_plan(len(tables.metadata.tables), dialect)
    for chunk in _chunks(refs):
        step = len(plan)
        if dialect not in ("sqlite", "postgresql"):  # pragma: no cover - the two supported
            step = max(1, _PARAMETERS // (len(chunk) + 2))
        for start in range(0, len(plan), step):
            group = [query for _, query in plan[start : start + step]]
            query: Any = group[0] if len(group) == 1 else union_all(*group)
            rows = session.execute(query, _batch_params(dialect, tenant, chunk))
            for row in rows:
                found[str(row.subject)][plan[int(row.n)][0].name] = int(row.rows)
    return found


@functools.cache
def _kept_tables(everything: bool, size: int) -> list[Table]:
    """The tables ``kept_counts`` reports (per size of the schema)."""
    return [
        table
        for table in subject_tables()
        if (everything or row_action(table) != "delete")
        and any(
            (everything or c.info.get("erase") == "keep")
            and c.info.get("pii") not in _IMPERSONAL
            for c in table.columns
        )
    ]


def kept_counts(
    counts: Mapping[str, int], *, everything: bool = False
) -> list[tuple[Table, int]]:
    """Tables whose rows erasure keeps with personal columns, and how many (from ``row_counts``).

    With ``everything`` (a restriction keeps all), every table with personal columns.
    """
    wanted = _kept_tables(everything, len(tables.metadata.tables))
    return [(table, counts[table.name]) for table in wanted if counts.get(table.name)]


def found_anything(counts: Mapping[str, int]) -> bool:
    """Whether ``row_counts`` found a row an export shows or that holds a personal value."""
    return any(counts.get(table.name) for table in _shown_tables(len(tables.metadata.tables)))


@functools.cache
def _shown_tables(size: int) -> list[Table]:
    """Subject tables with a column an export shows or a personal one (per size of the schema)."""
    return [
        table
        for table in subject_tables()
        if any(
            c.info.get("export") is True or c.info.get("pii") not in _IMPERSONAL
            for c in table.columns
        )
    ]


def erase_subjects(
    session: Session | Connection, tenant: str, counts: Mapping[str, Mapping[str, int]]
) -> dict[str, dict[str, int]]:
    """Delete, null and anonymise the rows of every subject of ``counts``, as the registry says.

    One statement per table per 500 subjects, children first (a purchase's lines are found
    through the purchase before its customer id is nulled). ``counts`` are the subjects' rows
    as :func:`row_counts` read them earlier in the same transaction; each subject's changed
    rows per table are taken from them, and each statement must change exactly their sum.
    Sealed (``shred``) values are left to the destruction of the subjects' keys, which the
    caller does in the same transaction.

    Raises:
        Conflict: a table's rows of the batch changed since they were counted (a concurrent
            write); the caller's transaction must roll back.
    """
    refs = sorted(counts)
    done: dict[str, dict[str, int]] = {ref: {} for ref in refs}
    dialect = _dialect(session)
    for chunk in _chunks(refs):
        params = _batch_params(dialect, tenant, chunk)
        for table, action, where in _batch_plan(len(tables.metadata.tables), dialect):
            expected = sum(counts[ref].get(table.name, 0) for ref in chunk)
            if not expected:
                continue
            if action == "delete":
                statement: Any = delete(table).where(where)
            else:
                statement = update(table).where(where).values(_erased_values(table))
            result = session.execute(statement, params)
            if int(getattr(result, "rowcount", 0) or 0) != expected:
                raise Conflict(
                    f"{table.name}: rows of the customers being erased changed meanwhile; "
                    "nothing was erased, run the erasure again",
                    field="customers",
                )
            for ref in chunk:
                if counts[ref].get(table.name):
                    done[ref][table.name] = counts[ref][table.name]
    return done


def _erased_values(table: Table) -> dict[str, Any]:
    """What erasure's ``UPDATE`` sets: ``null`` columns to NULL, ``anonymise`` to a stand-in."""
    return {
        column.name: None if column.info["erase"] == "null" else _stand_in(column)
        for column in table.columns
        if column.info.get("erase") in ("null", "anonymise")
    }


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
                written, binary = _text_of(value)
                if any((t and t in written) or (b and b in binary) for t, b in needles):
                    found.add((table.name, name))
    return sorted(found)


