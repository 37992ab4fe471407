"""Shared by the PostgreSQL EXPLAIN tests: capture the SELECTs a call runs, read their plans."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine, event


@contextlib.contextmanager
def captured_selects(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT the engine runs inside the block, with its parameters."""
    statements: list[tuple[str, Any]] = []

    def capture(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def sequential_scans(
    engine: Engine, statements: Iterable[tuple[str, Any]], tables: Iterable[str]
) -> list[str]:
    """``statement + plan`` for each captured statement whose plan scans one of ``tables``."""
    watched = set(tables)
    found = []
    driver = engine.raw_connection()
    try:
        cursor = driver.cursor()
        for statement, parameters in statements:
            cursor.execute("EXPLAIN " + statement, parameters)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if watched & set(re.findall(r"Seq Scan on (\w+)", plan)):
                found.append(f"{statement}\n{plan}")
    finally:
        driver.close()
    return found
