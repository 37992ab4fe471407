"""The ``globalcrm`` command: demo, migrate, import, export, find.

Errors from the library are printed as one line (``row 3: phones[0]: ...``) with exit code 1;
no traceback reaches the user.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import globalcrm as gc
from globalcrm import import_export
from globalcrm.errors import GlobalCRMError

__all__ = ["app", "main"]

app = typer.Typer(
    name="globalcrm",
    help="globalcrm: customers, interactions and cross-cultural customer service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

DEFAULT_URL = "sqlite:///globalcrm.db"
UrlOption = Annotated[
    str,
    typer.Option("--url", envvar="GLOBALCRM_URL", help="Database URL (any SQLAlchemy URL)."),
]
TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant to work in.")]


@contextmanager
def _reported() -> Iterator[None]:
    """Print a library error as one line and exit 1."""
    try:
        yield
    except GlobalCRMError as error:
        errors.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(1) from None


@app.command()
def migrate(url: UrlOption = DEFAULT_URL) -> None:
    """Create or upgrade the database schema to this version of globalcrm."""
    with _reported():
        crm = gc.open(url)
        console.print(f"schema of {crm.url} is up to date")
        crm.close()


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV (with a header) or JSON / JSON Lines file.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    atomic: Annotated[
        bool, typer.Option("--atomic", help="Store nothing unless every row is valid.")
    ] = False,
) -> None:
    """Import customers; every bad row is reported with its row number, column and reason."""
    with _reported():
        if not file.is_file():
            raise gc.InvalidInput("no such file", field="file")
        crm = gc.open(url, tenant=tenant)
        with file.open(encoding="utf-8-sig", newline="") as stream:
            if file.suffix.lower() in (".json", ".jsonl", ".ndjson"):
                rows = list(import_export.read_json(stream))
            else:
                rows = list(import_export.read_csv(stream))
        with Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=errors,
            transient=False,
        ) as progress:
            task = progress.add_task("import", total=len(rows))
            report = crm.customers.import_rows(
                rows, atomic=atomic, on_progress=lambda done: progress.update(task, completed=done)
            )
        crm.close()
    for problem in report.errors[:200]:
        errors.print(f"[red]{problem}[/]", highlight=False)
    if len(report.errors) > 200:
        errors.print(f"... and {len(report.errors) - 200} more errors")
    state = "stored" if report.committed else "nothing stored (--atomic)"
    console.print(
        f"{report.rows} rows read, {report.imported} imported, "
        f"{len(report.errors)} with errors; {state}"
    )
    if report.errors:
        raise typer.Exit(1)


@app.command()
def export(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="csv or json (JSON Lines).")] = "csv",  # noqa: A002
) -> None:
    """Export every customer of a tenant; the file imports back to the same customers."""
    with _reported():
        if format not in ("csv", "json"):
            raise gc.InvalidInput("expected csv or json", field="format")
        crm = gc.open(url, tenant=tenant)
        rows = crm.customers.export_rows()
        writer = import_export.write_csv if format == "csv" else import_export.write_json
        if output is None:
            count = writer(rows, sys.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as stream:
                count = writer(rows, stream)
        crm.close()
    errors.print(f"{count} customers exported")


@app.command()
def find(
    query: Annotated[str, typer.Argument(help="An email, a phone number, or words of a name.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    region: Annotated[
        str | None, typer.Option(help="Country for a phone number in national format.")
    ] = None,
) -> None:
    """Find customers by email, phone or name (case- and accent-insensitive)."""
    with _reported():
        crm = gc.open(url, tenant=tenant)
        text = query.strip()
        if "@" in text:
            found = crm.customers.find_by_email(text)
        elif text.lstrip("+").replace(" ", "").replace("-", "").isdigit():
            found = crm.customers.find_by_phone(text, region=region)
        else:
            found = list(crm.customers.search(text, limit=50))
        crm.close()
    table = Table("id", "name", "country", "email", "phone")
    for customer in found:
        email = customer.primary_email
        phone = customer.primary_phone
        table.add_row(
            customer.id,
            customer.name.full,
            customer.country,
            email.address if email else "",
            phone.international() if phone else "",
        )
    console.print(table)


@app.command()
def demo(
    db: Annotated[
        Path, typer.Option("--db", help="SQLite file to create (replaced if it exists).")
    ] = Path("globalcrm-demo.db"),
) -> None:
    """Create a demo database of customers from 13 countries; show them as their cultures would."""
    from globalcrm.demo_data import CONVERSATIONS, DEMO_START, sample_customers

    with _reported():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        db.parent.mkdir(parents=True, exist_ok=True)
        crm = gc.open(f"sqlite:///{db}")
        stored = {}
        for customer in sample_customers():
            stored[customer.country] = crm.customers.add(customer)
        for country, conversation, messages in CONVERSATIONS:
            for channel, direction, body, minutes in messages:
                crm.interactions.record(
                    stored[country].id,
                    channel=channel,
                    direction=direction,
                    body=body,
                    conversation=conversation,
                    occurred_at=DEMO_START + dt.timedelta(minutes=minutes),
                    language=stored[country].language,
                )
        now = dt.datetime.now(dt.UTC)
        table = Table(
            title=f"globalcrm demo: {crm.customers.count()} customers in {db}", show_lines=True
        )
        for column in (
            "",
            "name",
            "other scripts",
            "phone (local)",
            "address",
            "local time",
            "language",
        ):
            table.add_column(column)
        for customer in crm.customers.list(limit=100):
            phone = customer.primary_phone
            address = customer.addresses[0].format() if customer.addresses else ""
            table.add_row(
                customer.country,
                customer.name.full,
                "\n".join(name.full for name in customer.other_names),
                phone.national() if phone else "",
                address,
                customer.local_time(now).strftime("%a %H:%M %Z"),
                customer.language,
            )
        console.print(table)
        lithuanian = stored["LT"]
        thread = Table(title="conversation order-1042 across channels", show_lines=False)
        for column in ("when (UTC)", "channel", "direction", "message"):
            thread.add_column(column)
        for item in crm.interactions.conversation("order-1042"):
            thread.add_row(
                item.occurred_at.strftime("%Y-%m-%d %H:%M"), item.channel, item.direction, item.body
            )
        console.print(thread)
        duplicates = crm.customers.likely_duplicates(
            gc.Customer(
                name=gc.PersonName(given="JONAS", surname="PETRAITIS"),
                country="LT",
                language="lt",
                time_zone="Europe/Vilnius",
                currency="EUR",
            )
        )
        console.print(
            f"likely duplicates of a new 'JONAS PETRAITIS': "
            f"{[(d.customer.id == lithuanian.id, d.reasons) for d in duplicates]}"
        )
        console.print(
            f"search 'makinen' finds: {[c.name.full for c in crm.customers.search('makinen')]}"
        )
        console.print(
            f"search 'やまだ' finds: {[c.name.full for c in crm.customers.search('やまだ')]}"
        )
        crm.close()


def main() -> None:
    """Entry point of the ``globalcrm`` script."""
    if os.environ.get("GLOBALCRM_JSON_ERRORS"):
        json.dumps({})  # reserved for machine-readable errors
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
