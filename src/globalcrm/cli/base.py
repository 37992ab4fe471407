"""What every command shares: the root app, the consoles, the common options, printing."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

import globalcrm as gc
from globalcrm.errors import GlobalCRMError

_ID_HEADERS = frozenset({"id", "customer", "case", "payment", "account"})
"""Columns that hold ids: never wrapped nor cut (an id cut short finds nothing)."""


def data_table(*headers: str, **options: Any) -> Table:
    """A table whose id columns keep every character and whose other columns fold, never cut."""
    columns = [
        Column(header, no_wrap=True, min_width=26) if header in _ID_HEADERS
        else Column(header, overflow="fold")
        for header in headers
    ]
    return Table(*columns, **options)


app = typer.Typer(
    name="globalcrm",
    help="globalcrm: customers, interactions and cross-cultural customer service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
stderr = Console(stderr=True)

DEFAULT_URL = "sqlite:///globalcrm.db"
UrlOption = Annotated[
    str,
    typer.Option(
        "--url", envvar="GLOBALCRM_URL", help="Database URL (SQLAlchemy form: SQLite, PostgreSQL)."
    ),
]
TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant to work in.")]


@contextmanager
def reported() -> Iterator[None]:
    """Print a library error as one line and exit 1."""
    try:
        yield
    except GlobalCRMError as error:
        stderr.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(1) from None


CustomerArgument = Annotated[
    str,
    typer.Argument(
        metavar="CUSTOMER",
        help="An id, an e-mail address, a phone number (national or international) or source:id.",
    ),
]


def customer_id(crm: gc.CRM, text: str) -> str:
    """The id of the one customer ``text`` names; none, or several (their ids listed), exit 1."""
    found = crm.customers.identify(text)
    if not found:
        raise gc.NotFound("no customer with this id, e-mail address or phone number",
                          field="customer")
    if len(found) > 1:
        ids = ", ".join(customer.id for customer in found)
        raise gc.InvalidInput(f"{len(found)} customers match: {ids}; give one of the ids",
                              field="customer")
    return found[0].id



OutputFormat = Annotated[
    str, typer.Option("--format", help="text (a table for people) or json (for scripts).")
]


def output_format(value: str) -> str:
    """``text`` or ``json``; ``table`` is read as ``text``."""
    if value == "table":
        return "text"
    if value not in ("text", "json"):
        raise gc.InvalidInput("expected text or json", field="format")
    return value



def parse_moment(value: str | None, field: str) -> dt.datetime | None:
    """An ISO 8601 instant from the command line, or None."""
    return None if value is None else parse_instant(value, field)


def parse_instant(value: str, field: str) -> dt.datetime:
    """An ISO 8601 instant from the command line; a zone is required."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        message = "expected an ISO 8601 time such as 2026-12-01T00:00Z"
        raise gc.InvalidInput(message, field=field) from None
    if moment.tzinfo is None:
        raise gc.InvalidInput("give the time with its zone (Z or +02:00)", field=field)
    return moment


@contextmanager
def opened(url: str, tenant: str = "default") -> Iterator[gc.CRM]:
    """The store at ``url`` for one command, closed however the command ends."""
    crm = gc.open(url, tenant=tenant)
    try:
        yield crm
    finally:
        crm.close()


def iso(value: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 text for JSON output (``None`` stays ``None``)."""
    return None if value is None else value.isoformat()



def print_json(data: object) -> None:
    """Write ``data`` to standard output as indented JSON, non-ASCII text as it is."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


