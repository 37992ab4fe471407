"""``globalcrm segments ...``: define, count and export a saved segment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

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
    data_table,
    opened,
    output_format,
    parse_moment,
    print_json,
    reported,
    stderr,
)

# --------------------------------------------------------------------------- segments
# Added with purchases and segments: define, count and export a saved segment.

segments_app = typer.Typer(
    help="Segments: rules over customers, counted and exported in one query.",
    no_args_is_help=True,
)
app.add_typer(segments_app, name="segments")
NowOption = Annotated[
    str | None,
    typer.Option("--now", help="Evaluate as of this ISO 8601 time with an offset (default: now)."),
]


@segments_app.command("define")
def segments_define(
    file: Annotated[Path, typer.Argument(help="The rule's JSON form ({\"all\": [...]}...).")],
    name: Annotated[
        str | None, typer.Option("--name", help="Segment name (default: the file's stem).")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Save the rule in FILE as a segment; a bad rule is reported with its JSON path."""
    from globalcrm import segments

    with reported():
        shown = output_format(format)
        if not file.is_file():
            raise gc.InvalidInput("no such file", field="file")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeError) as error:
            raise gc.InvalidInput("the file cannot be read as UTF-8 text", field="file") from error
        rule = segments.parse(text)
        with opened(url, tenant) as crm:
            saved = crm.segments.save(name or file.stem, rule)
    if shown == "json":
        print_json({"name": saved.name, "version": saved.version, "rule": saved.rule.to_json()})
    else:
        console.print(f"segment {saved.name} saved (version {saved.version})", highlight=False)


@segments_app.command("count")
def segments_count(
    name: Annotated[str, typer.Argument(help="A saved segment's name.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    now: NowOption = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Break the count down by country or language.")
    ] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Count the members of segment NAME (one SQL query), optionally by country or language."""
    with reported():
        shown = output_format(format)
        moment = parse_moment(now, "now")
        with opened(url, tenant) as crm:
            total = crm.segments.count(name, now=moment)
            parts = None if by is None else crm.segments.breakdown(name, now=moment, by=by)
    if shown == "json":
        data: dict[str, Any] = {"name": name, "count": total}
        if parts is not None:
            data[f"by_{by}"] = parts
        print_json(data)
        return
    console.print(f"{name}: {total} customers", highlight=False)
    if parts is not None:
        table = data_table(str(by), "customers")
        for key, count in parts.items():
            table.add_row(key, str(count))
        console.print(table)


@segments_app.command("export")
def segments_export(
    name: Annotated[str, typer.Argument(help="A saved segment's name.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV file to write.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    now: NowOption = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Write the members of segment NAME as customer rows (the import format) to a CSV file."""
    with reported():
        shown = output_format(format)
        moment = parse_moment(now, "now")
        crm = gc.open(url, tenant=tenant)
        try:
            at = moment or dt.datetime.now(dt.UTC)  # one instant for the count and the pages
            total = crm.segments.count(name, now=at)
            with Progress(
                TextColumn("[bold]exporting"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=stderr, transient=False,
            ) as progress, output.open("w", encoding="utf-8", newline="") as stream:
                task = progress.add_task("export", total=total)

                def rows() -> Iterator[dict[str, str]]:
                    for done, customer in enumerate(crm.segments.iter_members(name, now=at), 1):
                        yield import_export.customer_to_row(customer)
                        if done % 500 == 0:
                            progress.update(task, completed=done)

                count = import_export.write_csv(rows(), stream)
                progress.update(task, completed=count)
        except OSError as error:
            raise gc.InvalidInput("the output file cannot be written", field="output") from error
        finally:
            crm.close()
    if shown == "json":
        print_json({"name": name, "exported": count, "output": str(output)})
    else:
        stderr.print(f"{count} customers of {name} exported to {output}", highlight=False)


