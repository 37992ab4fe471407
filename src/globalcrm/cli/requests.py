"""``globalcrm privacy request ...`` and ``globalcrm privacy import FILE`` (issue 16).

Data-subject requests from the command line: set the controller's legal calendar, open a
request, take each step (verify, pause, resume, extend, complete, reject), show one with its
history, and list the overdue and due-soon ones; and load a consent history from a CSV or JSON
file. Every command takes ``--format json`` for scripts. The commands are registered on the
``privacy`` group (:mod:`globalcrm.cli.privacy`); :mod:`globalcrm.cli` imports this module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

import globalcrm as gc
from globalcrm import import_export
from globalcrm.cli.base import (
    DEFAULT_URL,
    OutputFormat,
    TenantOption,
    UrlOption,
    console,
    customer_id,
    data_table,
    iso,
    opened,
    output_format,
    parse_instant,
    parse_moment,
    print_json,
    reported,
    stderr,
)
from globalcrm.cli.privacy import privacy_app
from globalcrm.errors import GlobalCRMError
from globalcrm.privacy import consent_rows
from globalcrm.privacy.deadlines import LegalCalendar
from globalcrm.privacy.requests import DataSubjectRequest, DueRequest

__all__ = ["request_app"]

request_app = typer.Typer(
    help="Data-subject requests: open, each step, and what is overdue or due soon.",
    no_args_is_help=True,
)
privacy_app.add_typer(request_app, name="request")

RequestArgument = Annotated[str, typer.Argument(metavar="REQUEST", help="Request id.")]
AtOption = Annotated[
    str | None, typer.Option("--at", help="When the step was taken (ISO 8601; default: now).")
]


# --------------------------------------------------------------------------- output


def _request_json(request: DataSubjectRequest) -> dict[str, Any]:
    """A request as JSON: what it is, its calendar, each regime's due instant and its history."""
    due = request.due()
    return {
        "id": request.id,
        "customer_id": request.customer_id,
        "requester": request.requester,
        "right": request.right,
        "regimes": list(request.regimes),
        "channel": request.channel,
        "status": request.status,
        "received_at": request.received_at.isoformat(),
        "closed_at": iso(request.closed_at),
        "calendar": request.calendar.to_json(),
        "paused_days": request.paused_days,
        "extended": request.extended,
        "due": None if due is None else {
            "regime": due.regime,
            "due_date": due.due_date.isoformat(),
            "due_at": due.due_at.isoformat(),
            "cite": due.cite,
        },
        "deadlines": {
            code: found.due_at.isoformat()
            for code, found in sorted(request.regime_deadlines().items())
        },
        "history": [
            {"kind": event.kind, "at": event.at.isoformat(), "detail": event.detail,
             "note": event.note}
            for event in request.history()
        ],
    }


def _print_request(request: DataSubjectRequest, shape: str, *, history: bool = False) -> None:
    if shape == "json":
        print_json(_request_json(request))
        return
    due = request.due()
    shown = "no running clock" if due is None else (
        f"due {due.due_date.isoformat()} ({due.due_at.isoformat()}, {due.regime}: {due.cite})"
    )
    console.print(
        f"{request.id} {request.right} [{', '.join(request.regimes)}] {request.status}; {shown}",
        highlight=False,
        markup=False,
    )
    if history:
        table = data_table("when (UTC)", "step", "detail")
        for event in request.history():
            detail = ", ".join(f"{key}={value}" for key, value in sorted(event.detail.items()))
            table.add_row(event.at.strftime("%Y-%m-%d %H:%M"), event.kind, Text(detail))
        console.print(table)


def _due_json(item: DueRequest) -> dict[str, Any]:
    return {
        "id": item.id,
        "customer_id": item.customer_id,
        "right": item.right,
        "regimes": list(item.regimes),
        "status": item.status,
        "received_at": item.received_at.isoformat(),
        "due_at": item.due_at.isoformat(),
        "due_regime": item.due_regime,
        "deadlines": {code: due.isoformat() for code, due in sorted(item.deadlines.items())},
        "deemed_refused": list(item.deemed_refused),
    }


def _print_due(page: Any, shape: str) -> None:
    if shape == "json":
        print_json({"requests": [_due_json(item) for item in page],
                     "next_cursor": page.next_cursor})
        return
    table = data_table("id", "right", "regimes", "status", "due (UTC)", "deemed refused")
    for item in page:
        table.add_row(item.id, item.right, ", ".join(item.regimes), item.status,
                      item.due_at.strftime("%Y-%m-%d %H:%M"), ", ".join(item.deemed_refused))
    console.print(table)
    if page.next_cursor:
        console.print(f"next page: --after {page.next_cursor}")


def _step(url: str, tenant: str, shape: str, take: Any) -> None:
    """Open the store, take one step (given the CRM), print the request as it now stands."""
    with reported():
        chosen = output_format(shape)
        with opened(url, tenant) as crm:
            changed = take(crm)
    _print_request(changed, chosen)


# --------------------------------------------------------------------------- commands


@request_app.command("calendar")
def request_calendar(
    time_zone: Annotated[str, typer.Option("--time-zone", help="IANA zone, Europe/Vilnius.")],
    country: Annotated[
        str | None, typer.Option(help="Country whose public holidays count (ISO 3166-1).")
    ] = None,
    subdivision: Annotated[
        str | None, typer.Option(help="Subdivision whose holidays count too (ISO 3166-2 part).")
    ] = None,
    regime: Annotated[
        str | None, typer.Option(help="A regime counted in this calendar (default: all).")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Set the controller's legal calendar (or a regime's own): deadlines are counted in it."""
    with reported():
        shape = output_format(format)
        calendar = LegalCalendar(time_zone=time_zone, country=country, subdivision=subdivision)
        with opened(url, tenant) as crm:
            crm.privacy.requests.set_calendar(calendar, regime=regime)
    if shape == "json":
        print_json({"regime": regime, "calendar": calendar.to_json()})
        return
    console.print(f"legal calendar of {regime or 'the controller'} set", highlight=False)


@request_app.command("open")
def request_open(
    right: Annotated[str, typer.Option(help="The right invoked: access, erasure, portability...")],
    channel: Annotated[str, typer.Option(help="How the request came in: email, web_form...")],
    customer: Annotated[
        str | None,
        typer.Option(help="The customer: id, e-mail, phone or source:id (omit for a requester "
                          "not yet identified)."),
    ] = None,
    regime: Annotated[
        list[str] | None,
        typer.Option(help="Regime code (repeatable; default: the customer's country's)."),
    ] = None,
    requester: Annotated[
        str | None, typer.Option(help="How to reach a requester who is not yet identified.")
    ] = None,
    received_at: Annotated[
        str | None, typer.Option(help="When the request was received (ISO 8601; default: now).")
    ] = None,
    verified: Annotated[
        bool, typer.Option("--verified", help="The requester is already authenticated.")
    ] = False,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Open a request; it is counted in the configured legal calendar (refused without one)."""
    _step(url, tenant, format, lambda crm: crm.privacy.requests.open(
        None if customer is None else customer_id(crm, customer),
        right=right, channel=channel, regimes=regime or None, requester=requester,
        received_at=parse_moment(received_at, "received_at"), identity_verified=verified,
    ))


@request_app.command("verify")
def request_verify(
    request: RequestArgument,
    method: Annotated[str, typer.Option(help="How: login, id_document, email_link...")],
    customer: Annotated[
        str | None,
        typer.Option(help="The customer the requester proved to be (id, e-mail, phone...)."),
    ] = None,
    at: AtOption = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Record that the requester's identity was verified."""
    _step(url, tenant, format, lambda crm: crm.privacy.requests.verify(
        request, method=method, at=parse_moment(at, "at"),
        customer=None if customer is None else customer_id(crm, customer),
    ))


@request_app.command("pause")
def request_pause(
    request: RequestArgument,
    reason: Annotated[str, typer.Option(help="Why: identity, clarification, fee...")],
    at: AtOption = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Stop the clock while waiting for the requester."""
    _step(url, tenant, format, lambda crm: crm.privacy.requests.pause(
        request, reason=reason, at=parse_moment(at, "at")
    ))


@request_app.command("resume")
def request_resume(
    request: RequestArgument,
    at: AtOption = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Start the clock again: the due date moves by the days it stood still."""
    _step(url, tenant, format, lambda crm: crm.privacy.requests.resume(
        request, at=parse_moment(at, "at")
    ))


@request_app.command("extend")
def request_extend(
    request: RequestArgument,
    reason: Annotated[str, typer.Option(help="Why the extension is needed (sent to them).")],
    notice_sent_at: Annotated[
        str, typer.Option(help="When the requester was told (ISO 8601, before the due date).")
    ],
    at: AtOption = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Take the regimes' extension of the period."""
    _step(url, tenant, format, lambda crm: crm.privacy.requests.extend(
        request, reason=reason, notice_sent_at=parse_instant(notice_sent_at, "notice_sent_at"),
        at=parse_moment(at, "at"),
    ))


@request_app.command("complete")
def request_complete(
    request: RequestArgument,
    summary: Annotated[str, typer.Option(help="What was done (kept as the step's note).")] = "",
    at: AtOption = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Close the request as answered."""
    _step(url, tenant, format, lambda crm: crm.privacy.requests.complete(
        request, summary=summary, at=parse_moment(at, "at")
    ))


@request_app.command("reject")
def request_reject(
    request: RequestArgument,
    ground: Annotated[str, typer.Option(help="manifestly_unfounded, excessive, ...")],
    cite: Annotated[str, typer.Option(help="The article the refusal rests on.")],
    at: AtOption = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Refuse the request, citing its ground."""
    _step(url, tenant, format, lambda crm: crm.privacy.requests.reject(
        request, ground=ground, cite=cite, at=parse_moment(at, "at")
    ))


@request_app.command("show")
def request_show(
    request: RequestArgument,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Show a request, its due date and every step."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            found = crm.privacy.requests.get(request)
    _print_request(found, shape, history=True)


def _due_list(
    url: str, tenant: str, shape: str, at: str | None, after: str | None, limit: int,
    within: dt.timedelta | None,
) -> None:
    with reported():
        chosen = output_format(shape)
        moment = parse_moment(at, "at")
        with opened(url, tenant) as crm:
            requests = crm.privacy.requests
            if within is None:
                page = requests.overdue(at=moment, after=after, limit=limit)
            else:
                page = requests.due_soon(within=within, at=moment, after=after, limit=limit)
    _print_due(page, chosen)


@request_app.command("overdue")
def request_overdue(
    at: Annotated[str | None, typer.Option(help="At this instant (default: now).")] = None,
    limit: Annotated[int, typer.Option(help="Requests per page.")] = 100,
    after: Annotated[str | None, typer.Option(help="Cursor of the next page.")] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Open requests past their due date, the most overdue first."""
    _due_list(url, tenant, format, at, after, limit, None)


@request_app.command("due-soon")
def request_due_soon(
    days: Annotated[int, typer.Option(help="Due within this many days.")] = 7,
    at: Annotated[str | None, typer.Option(help="From this instant (default: now).")] = None,
    limit: Annotated[int, typer.Option(help="Requests per page.")] = 100,
    after: Annotated[str | None, typer.Option(help="Cursor of the next page.")] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Open requests due within the next DAYS days, soonest first."""
    with reported():
        if days < 1:
            raise gc.InvalidInput("expected at least one day", field="days")
    _due_list(url, tenant, format, at, after, limit, dt.timedelta(days=days))


# --------------------------------------------------------------------------- consent import


@privacy_app.command("import")
def privacy_import(
    file: Annotated[Path, typer.Argument(help="CSV (with a header) or JSON / JSON Lines file.")],
    atomic: Annotated[
        bool, typer.Option("--atomic", help="Store nothing unless every row is valid.")
    ] = False,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Load a consent history: one event per row, checked and chained as `record` does."""
    with reported():
        shape = output_format(format)
        if not file.is_file():
            raise gc.InvalidInput("no such file", field="file")
        try:
            with file.open(encoding="utf-8-sig", newline="") as stream:
                if file.suffix.lower() in (".json", ".jsonl", ".ndjson"):
                    rows = list(import_export.read_json(stream))
                else:
                    rows = list(consent_rows.read_csv(stream))
        except GlobalCRMError:
            raise
        except (OSError, UnicodeError) as error:
            raise gc.InvalidInput("the file cannot be read as UTF-8 text", field="file") from error
        with opened(url, tenant) as crm, Progress(
            TextColumn("[bold]importing"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=stderr, transient=False, auto_refresh=False,
            disable=shape == "json",
        ) as progress:
            task = progress.add_task("import", total=len(rows))
            report = crm.privacy.import_events(
                rows, atomic=atomic,
                on_progress=lambda done: progress.update(task, completed=done, refresh=True),
            )
    if shape == "json":
        print_json({
            "rows": report.rows, "imported": report.imported, "committed": report.committed,
            "ids": list(report.ids),
            "errors": [{"row": e.row, "field": e.field, "message": e.message}
                       for e in report.errors],
        })
    else:
        for problem in report.errors[:200]:
            stderr.print(f"[red]{problem}[/]", highlight=False)
        if len(report.errors) > 200:
            stderr.print(f"... and {len(report.errors) - 200} more errors")
        state = "stored" if report.committed else "nothing stored (--atomic)"
        console.print(
            f"{report.rows} rows read, {report.imported} events imported, "
            f"{len(report.errors)} with errors; {state}"
        )
    if report.errors:
        raise typer.Exit(1)
