"""``globalcrm migrate|import|export|find|reindex|demo``: the customers of a tenant."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import globalcrm as gc
from globalcrm import import_export
from globalcrm.cli.base import (
    DEFAULT_URL,
    OutputFormat,
    TenantOption,
    UrlOption,
    app,
    console,
    customer_id,
    data_table,
    opened,
    output_format,
    print_json,
    reported,
    stderr,
)
from globalcrm.errors import GlobalCRMError


@app.command()
def migrate(url: UrlOption = DEFAULT_URL) -> None:
    """Create or upgrade the database schema to this version of globalcrm."""
    with reported():
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
    workers: Annotated[
        int, typer.Option("--workers", help="Processes that check rows (0: one per core).")
    ] = 0,
    match: Annotated[
        str | None,
        typer.Option("--match", help="Match rows to stored customers (and to each other) by "
                     "id, email, phone or external_id."),
    ] = None,
    on_match: Annotated[
        str, typer.Option("--on-match", help="What a matching row does: error, skip or update.")
    ] = "error",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Import customers; every bad row is reported with its row number, column and reason."""
    with reported():
        shape = output_format(format)
        if not file.is_file():
            raise gc.InvalidInput("no such file", field="file")
        crm = gc.open(url, tenant=tenant)
        try:
            with file.open(encoding="utf-8-sig", newline="") as stream:
                if file.suffix.lower() in (".json", ".jsonl", ".ndjson"):
                    rows = list(import_export.read_json(stream))
                else:
                    rows = list(import_export.read_csv(stream))
        except GlobalCRMError:  # not UTF-8, not CSV, not JSON: reported as one line
            crm.close()
            raise
        except (OSError, UnicodeError) as error:
            crm.close()
            raise gc.InvalidInput("the file cannot be read as UTF-8 text", field="file") from error
        try:
            with Progress(
                TextColumn("[bold]importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=stderr,
                transient=False,
                auto_refresh=False,  # no refresh thread: worker processes can then be forked
            ) as progress:
                task = progress.add_task("import", total=len(rows))
                report = crm.customers.import_rows(
                    rows,
                    atomic=atomic,
                    workers=workers,
                    match=match,
                    on_match=on_match,
                    on_progress=lambda done: progress.update(task, completed=done, refresh=True),
                )
        except (gc.Conflict, gc.StorageError) as stopped:
            # the database stopped the import: the rows reported so far, then why, in one line
            if stopped.report is not None:
                _print_row_errors(stopped.report)
            raise
        finally:
            crm.close()
    if shape == "json":
        print_json({
            "rows": report.rows, "imported": report.imported, "created": report.created,
            "updated": report.updated, "skipped": report.skipped,
            "committed": report.committed,
            "errors": [{"row": e.row, "field": e.field, "message": e.message, "code": e.code}
                       for e in report.errors],
        })
        if report.errors:
            raise typer.Exit(1)
        return
    _print_row_errors(report)
    state = "stored" if report.committed else "nothing stored (--atomic)"
    matched = (
        f" ({report.created} created, {report.updated} updated, {report.skipped} skipped)"
        if match is not None else ""
    )
    console.print(
        f"{report.rows} rows read, {report.imported} imported{matched}, "
        f"{len(report.errors)} with errors; {state}"
    )
    if report.errors:
        raise typer.Exit(1)


def _print_row_errors(report: import_export.ImportReport) -> None:
    for problem in report.errors[:200]:
        stderr.print(f"[red]{problem}[/]", highlight=False)
    if len(report.errors) > 200:
        stderr.print(f"... and {len(report.errors) - 200} more errors")


@app.command()
def export(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    format: Annotated[  # noqa: A002
        str,
        typer.Option(
            "--format", help="csv (flat rows), json (an array of nested documents) or jsonl."
        ),
    ] = "csv",
) -> None:
    """Export every customer of a tenant; the file imports back to the same customers."""
    with reported():
        if format not in ("csv", "json", "jsonl"):
            raise gc.InvalidInput("expected csv, json or jsonl", field="format")
        with opened(url, tenant) as crm:
            if format == "csv":
                rows = crm.customers.export_rows()
                if output is None:
                    count = import_export.write_csv(rows, sys.stdout)
                else:
                    with output.open("w", encoding="utf-8", newline="") as stream:
                        count = import_export.write_csv(rows, stream)
            else:
                documents = crm.customers.export_documents()
                write = import_export.write_json if format == "json" else import_export.write_jsonl
                if output is None:
                    count = write(documents, sys.stdout)
                else:
                    with output.open("w", encoding="utf-8", newline="") as stream:
                        count = write(documents, stream)
    stderr.print(f"{count} customers exported")


@app.command()
def find(
    query: Annotated[
        str, typer.Argument(help="An id, an e-mail, a phone number, source:id, or words of a name.")
    ],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    region: Annotated[
        str | None, typer.Option(help="Country for a phone number in national format.")
    ] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Find customers by id, e-mail, phone, external id or name (case- and accent-insensitive)."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            text = query.strip()
            if region is not None:
                found = crm.customers.find_by_phone(text, region=region)
            else:
                try:
                    found = crm.customers.identify(text)
                except gc.InvalidInput:  # not an id, e-mail, phone or source:id: a name
                    found = list(crm.customers.search(text, limit=50))
    if shape == "json":
        print_json([
            {"id": c.id, "name": c.name.full, "country": c.country,
             "email": c.primary_email.address if c.primary_email else None,
             "phone": c.primary_phone.number if c.primary_phone else None}
            for c in found
        ])
        return
    table = data_table("id", "name", "country", "email", "phone")
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
def reindex(url: UrlOption = DEFAULT_URL, tenant: TenantOption = "default") -> None:
    """Rebuild the search keys of a tenant's customers (once, after an upgrade changed folding)."""
    with reported(), opened(url, tenant) as crm:
        count = crm.customers.rebuild_search_keys()
    console.print(f"customers reindexed: {count}")


@app.command()
def merge(
    keep: Annotated[
        str, typer.Argument(metavar="KEEP", help="The customer to keep (id, e-mail, phone).")
    ],
    other: Annotated[str, typer.Argument(metavar="OTHER", help="The customer merged into it.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Merge OTHER into KEEP (one person recorded twice); OTHER's id then leads to KEEP."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            kept = crm.customers.merge(customer_id(crm, keep), customer_id(crm, other))
    if shape == "json":
        print_json({"id": kept.id, "version": kept.version})
        return
    console.print(f"merged into {kept.id} (version {kept.version})", highlight=False)


@app.command()
def demo(
    db: Annotated[
        Path, typer.Option("--db", help="SQLite file to create (replaced if it exists).")
    ] = Path("globalcrm-demo.db"),
) -> None:
    """Create a demo database of customers from 13 countries; show them as their cultures would."""
    from globalcrm.demo import run_demo

    with reported():
        run_demo(db, console).close()

