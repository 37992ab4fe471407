"""The ``globalcrm`` command: demo, migrate, import, export, find, reindex, privacy, audit.

Errors from the library are printed as one line (``row 3: phones[0]: ...``) with exit code 1;
no traceback reaches the user.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

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
def _reported() -> Iterator[None]:
    """Print a library error as one line and exit 1."""
    try:
        yield
    except GlobalCRMError as error:
        stderr.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(1) from None


payments_app = typer.Typer(
    help="Check payment instruments and draw their QR codes.", no_args_is_help=True
)
app.add_typer(payments_app, name="payments")


@payments_app.command("validate")
def payments_validate(
    text: Annotated[str, typer.Argument(help="A Boleto line, Pix/EMV payload, UPI link, IBAN...")],
) -> None:
    """Detect the payment format of TEXT and explain what is wrong with it, with the position."""
    from globalcrm.payments import detect

    with _reported():
        explanation = detect.explain(text)
    console.print(explanation, highlight=False, markup=False)
    if not explanation.splitlines()[-1].endswith(": valid"):
        raise typer.Exit(1)


@payments_app.command("qr")
def payments_qr(
    payload: Annotated[
        str, typer.Argument(help="The payload to encode (a Pix code, a UPI link...).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write: .svg or .png.")],
    scheme: Annotated[
        str, typer.Option(help="pix, promptpay, paynow, upi, epc_qr, swiss_qr or generic.")
    ] = "generic",
    scale: Annotated[int, typer.Option(help="Pixels per module.")] = 4,
) -> None:
    """Write the QR code of PAYLOAD as SVG or PNG, at the error-correction level SCHEME requires."""
    from globalcrm.payments import qr_image

    with _reported():
        suffix = output.suffix.lower()
        if suffix not in (".svg", ".png"):
            raise gc.InvalidInput("the output file must end in .svg or .png", field="output")
        writer = qr_image.svg if suffix == ".svg" else qr_image.png
        writer(payload, scheme=scheme, scale=scale, path=output)
    console.print(f"wrote {output} ({scheme}, error correction {qr_image.error_level(scheme)})")


privacy_app = typer.Typer(
    help="Privacy: consent history and receipts, subject keys.", no_args_is_help=True
)
app.add_typer(privacy_app, name="privacy")
consent_app = typer.Typer(help="A customer's consent ledger and receipts.", no_args_is_help=True)
privacy_app.add_typer(consent_app, name="consent")
audit_app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@consent_app.command("history")
def privacy_history(
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
) -> None:
    """Show a customer's consent ledger: every event, in order, with its hash-chain position."""
    with _reported():
        crm = gc.open(url, tenant=tenant)
        events = crm.privacy.history(customer)
        crm.close()
    table = Table(
        "seq", "occurred (UTC)", "purpose", "channel", "state", "type", "actor", "notice sha-256"
    )
    for event in events:
        table.add_row(
            str(event.seq),
            event.occurred_at.strftime("%Y-%m-%d %H:%M"),
            f"{event.purpose_key} v{event.purpose_version}",
            event.channel,
            event.state,
            event.consent_type,
            event.actor_kind,
            (event.notice_sha256 or "")[:12],
        )
    console.print(table)


@consent_app.command("receipt")
def privacy_receipt(
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    controller: Annotated[str, typer.Option(help="The controller's name.")],
    email: Annotated[str, typer.Option(help="The controller's privacy contact email.")],
    policy_url: Annotated[str, typer.Option(help="The privacy policy's URL.")],
    jurisdiction: Annotated[str, typer.Option(help="Country code of the controller.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
) -> None:
    """Print a Kantara Consent Receipt 1.1 (JSON) of the customer's consents in force now."""
    from globalcrm.privacy import receipts

    with _reported():
        crm = gc.open(url, tenant=tenant)
        events = crm.privacy.history(customer)
        purposes = {e.purpose_key for e in events}
        data = crm.privacy.receipt(
            customer,
            controller=receipts.PiiController(
                pii_controller=controller,
                contact="Data protection",
                address={},
                email=email,
                phone="",
            ),
            jurisdiction=jurisdiction,
            policy_url=policy_url,
            service=controller,
            pii_categories={key: ["2 - Contact"] for key in purposes},
        )
        crm.close()
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


OutputFormat = Annotated[
    str, typer.Option("--format", help="text (a table for people) or json (for scripts).")
]


def _output_format(value: str) -> str:
    """``text`` or ``json``; ``table`` is read as ``text``."""
    if value == "table":
        return "text"
    if value not in ("text", "json"):
        raise gc.InvalidInput("expected text or json", field="format")
    return value


def _read_checkpoint(path: Path) -> gc.privacy.StoreCheckpoint:
    from globalcrm.privacy.chains import StoreCheckpoint

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError) as error:
        message = "the checkpoint file cannot be read as JSON"
        raise gc.InvalidInput(message, field="checkpoint") from error
    return StoreCheckpoint.from_json(data)


@audit_app.command("verify")
def audit_verify(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    checkpoint: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="A checkpoint saved by `audit checkpoint -o FILE`."),
    ] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Verify the audit log, the consent ledger and its projection; report the first bad entry.

    Each chain is checked against its head; with --checkpoint also against a checkpoint saved
    earlier, which catches history deleted or rewritten together with the heads.
    """
    with _reported():
        shape = _output_format(format)
        saved = None if checkpoint is None else _read_checkpoint(checkpoint)
        crm = gc.open(url, tenant=tenant)
        try:
            result = crm.privacy.verify(checkpoint=saved)
            root = crm.privacy.checkpoint() if result.audit.ok else None
        finally:
            crm.close()
    if shape == "json":
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
    else:
        audit, ledger = result.audit, result.consent
        if audit.ok and root is not None:
            console.print(
                f"audit log: {audit.size} entries verify; "
                f"root {root.root_hash.hex()} at size {root.tree_size}"
            )
        else:
            stderr.print(
                f"[bold red]audit log: entry {audit.first_bad} was tampered with "
                f"(edited, deleted or moved): {audit.problem}[/]"
            )
        if ledger.ok:
            console.print(f"consent ledger: {ledger.size} events verify, projection agrees")
        else:
            stderr.print(
                f"[bold red]consent ledger: event {ledger.first_bad} was tampered with: "
                f"{ledger.problem}[/]"
            )
        if saved is not None:
            console.print("checked against the saved checkpoint")
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write the checkpoint (JSON) to.")
    ],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Save both chains' sizes and hashes to FILE: keep it outside the database (and its backups).

    `audit verify --checkpoint FILE` then catches entries deleted or rewritten since, even
    together with the chains' heads. The chains must verify first.
    """
    with _reported():
        shape = _output_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            made = crm.privacy.store_checkpoint()
        finally:
            crm.close()
        document = json.dumps(made.to_json(), indent=2) + "\n"
        try:
            output.write_text(document, encoding="utf-8")
        except OSError as error:
            message = "the checkpoint file cannot be written"
            raise gc.InvalidInput(message, field="output") from error
    if shape == "json":
        sys.stdout.write(document)
    else:
        console.print(
            f"checkpoint written to {output}: consent ledger at size {made.consent.size}, "
            f"audit log at size {made.audit.tree_size}"
        )


@privacy_app.command("rewrap-keys")
def privacy_rewrap_keys(url: UrlOption = DEFAULT_URL, tenant: TenantOption = "default") -> None:
    """Wrap every subject key under the current key-encryption key (after a KEK rotation).

    Set GLOBALCRM_KEK to the new KEK; the old one must still unwrap (keep it as the second line
    of the key file, or pass it to EnvKeyProvider(retired=...) in code).
    """
    with _reported():
        crm = gc.open(url, tenant=tenant)
        try:
            count = crm.privacy.rewrap_keys()
        finally:
            crm.close()
    console.print(f"{count} subject keys wrapped under the current key-encryption key")


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
    workers: Annotated[
        int, typer.Option("--workers", help="Processes that check rows (0: one per core).")
    ] = 0,
) -> None:
    """Import customers; every bad row is reported with its row number, column and reason."""
    with _reported():
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
                    on_progress=lambda done: progress.update(task, completed=done, refresh=True),
                )
        except (gc.Conflict, gc.StorageError) as stopped:
            # the database stopped the import: the rows reported so far, then why, in one line
            if stopped.report is not None:
                _print_row_errors(stopped.report)
            raise
        finally:
            crm.close()
    _print_row_errors(report)
    state = "stored" if report.committed else "nothing stored (--atomic)"
    console.print(
        f"{report.rows} rows read, {report.imported} imported, "
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
    with _reported():
        if format not in ("csv", "json", "jsonl"):
            raise gc.InvalidInput("expected csv, json or jsonl", field="format")
        crm = gc.open(url, tenant=tenant)
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
        crm.close()
    stderr.print(f"{count} customers exported")


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
def reindex(url: UrlOption = DEFAULT_URL, tenant: TenantOption = "default") -> None:
    """Rebuild the search keys of a tenant's customers (once, after an upgrade changed folding)."""
    with _reported():
        crm = gc.open(url, tenant=tenant)
        try:
            count = crm.customers.rebuild_search_keys()
        finally:
            crm.close()
    console.print(f"customers reindexed: {count}")


@app.command()
def demo(
    db: Annotated[
        Path, typer.Option("--db", help="SQLite file to create (replaced if it exists).")
    ] = Path("globalcrm-demo.db"),
) -> None:
    """Create a demo database of customers from 13 countries; show them as their cultures would."""
    from globalcrm.demo import run_demo

    with _reported():
        run_demo(db, console).close()

# --------------------------------------------------------------------------- service (issue 18)

service_app = typer.Typer(
    help="Customer service: cases, assignment and SLA reports.", no_args_is_help=True
)
app.add_typer(service_app, name="service")
def _moment(value: str | None, field: str) -> dt.datetime | None:
    """An ISO 8601 instant from the command line, or None."""
    return None if value is None else _instant(value, field)


def _instant(value: str, field: str) -> dt.datetime:
    """An ISO 8601 instant from the command line; a zone is required."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        message = "expected an ISO 8601 time such as 2026-12-01T00:00Z"
        raise gc.InvalidInput(message, field=field) from None
    if moment.tzinfo is None:
        raise gc.InvalidInput("give the time with its zone (Z or +02:00)", field=field)
    return moment


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _case_json(case: Any) -> dict[str, Any]:
    return {
        "id": case.id,
        "customer_id": case.customer_id,
        "status": case.status,
        "priority": case.priority,
        "team": case.team,
        "agent": case.agent,
        "channel": case.channel,
        "channels": list(case.channels),
        "language": case.language,
        "subject": case.subject,
        "tags": list(case.tags),
        "conversation": case.conversation,
        "sla_policy": case.sla_policy,
        "opened_at": _iso(case.opened_at),
        "first_response_at": _iso(case.first_response_at),
        "first_response_due": _iso(case.first_response_due),
        "resolved_at": _iso(case.resolved_at),
        "resolution_due": _iso(case.resolution_due),
        "version": case.version,
    }


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _cases_table(cases: Any) -> Table:
    table = Table("id", "status", "priority", "team", "channel", "opened (UTC)", "resolution due")
    for case in cases:
        due = case.resolution_due
        table.add_row(
            case.id, case.status, case.priority, case.team or "", case.channel,
            case.opened_at.strftime("%Y-%m-%d %H:%M"),
            due.strftime("%Y-%m-%d %H:%M") if due else "",
        )
    return table


@service_app.command("cases")
def service_cases(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    status: Annotated[list[str] | None, typer.Option(help="Status (repeatable).")] = None,
    team: Annotated[str | None, typer.Option(help="Team key.")] = None,
    agent: Annotated[str | None, typer.Option(help="Agent reference.")] = None,
    limit: Annotated[int, typer.Option(help="Cases per page.")] = 50,
    after: Annotated[str | None, typer.Option(help="Cursor of the next page.")] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """List cases, oldest first, by status, team or agent, a page at a time."""
    with _reported():
        _output_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            page = crm.service.cases(status=tuple(status) if status else None, team=team,
                                     agent=agent, limit=limit, after=after)
        finally:
            crm.close()
    if format == "json":
        _print_json({"cases": [_case_json(c) for c in page], "next_cursor": page.next_cursor})
        return
    console.print(_cases_table(page))
    if page.next_cursor:
        console.print(f"next page: --after {page.next_cursor}")


@service_app.command("case")
def service_case(
    case_id: Annotated[str, typer.Argument(metavar="ID", help="Case id.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Show a case and its whole thread across channels."""
    with _reported():
        _output_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            thread = crm.service.case(case_id)
        finally:
            crm.close()
    messages = [
        {"occurred_at": i.occurred_at.isoformat(), "channel": i.channel,
         "direction": i.direction, "body": i.body}
        for i in thread.interactions
    ]
    if format == "json":
        _print_json({"case": _case_json(thread.case), "thread": messages})
        return
    console.print(_cases_table([thread.case]))
    table = Table("when (UTC)", "channel", "direction", "message")
    for item in thread.interactions:
        table.add_row(item.occurred_at.strftime("%Y-%m-%d %H:%M"), item.channel,
                      item.direction, item.body)
    console.print(table)


@service_app.command("assign")
def service_assign(
    case_id: Annotated[str, typer.Argument(metavar="ID", help="Case id.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    team: Annotated[str | None, typer.Option(help="Team key.")] = None,
    agent: Annotated[str | None, typer.Option(help="Agent reference.")] = None,
    strategy: Annotated[
        str | None, typer.Option(help="round_robin or least_loaded (instead of --agent).")
    ] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Assign a case to a team and/or an agent, or let round robin or least loaded choose."""
    with _reported():
        _output_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            case = crm.service.assign(case_id, team=team, agent=agent, strategy=strategy)
        finally:
            crm.close()
    if format == "json":
        _print_json(_case_json(case))
        return
    console.print(f"case {case.id}: team {case.team or '-'}, agent {case.agent or '-'}")


@service_app.command("sla-report")
def service_sla_report(
    start: Annotated[str, typer.Option(help="Period start (ISO 8601 with zone).")],
    end: Annotated[str, typer.Option(help="Period end (ISO 8601 with zone).")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    team: Annotated[str | None, typer.Option(help="Team key.")] = None,
    now: Annotated[str | None, typer.Option(help="Judge at this moment (default: now).")] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """SLA attainment per team for the cases opened in a period, and the breaches open now."""
    with _reported():
        _output_format(format)
        low, high = _instant(start, "start"), _instant(end, "end")
        moment = _moment(now, "now")
        crm = gc.open(url, tenant=tenant)
        try:
            rows = crm.service.sla_report(start=low, end=high, now=moment, team=team)
            breached = crm.service.breaches(now=moment, team=team)
        finally:
            crm.close()
    report = [
        {**row._asdict(), "first_response_attainment": row.first_response_attainment,
         "resolution_attainment": row.resolution_attainment}
        for row in rows
    ]
    breaches = [{**item._asdict(), "due": item.due.isoformat()} for item in breached]
    if format == "json":
        _print_json({"teams": report, "breaches": breaches})
        return
    table = Table("team", "cases", "first response met/breached", "resolution met/breached",
                  "attainment (first / resolution)")
    for row in rows:
        shares = [
            "-" if share is None else f"{share:.0%}"
            for share in (row.first_response_attainment, row.resolution_attainment)
        ]
        table.add_row(
            row.team or "(none)", str(row.cases),
            f"{row.first_response_met}/{row.first_response_breached}",
            f"{row.resolution_met}/{row.resolution_breached}", " / ".join(shares),
        )
    console.print(table)
    console.print(f"breaches open now: {len(breaches)}")


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

    with _reported():
        shown = _output_format(format)
        if not file.is_file():
            raise gc.InvalidInput("no such file", field="file")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeError) as error:
            raise gc.InvalidInput("the file cannot be read as UTF-8 text", field="file") from error
        rule = segments.parse(text)
        crm = gc.open(url, tenant=tenant)
        try:
            saved = crm.segments.save(name or file.stem, rule)
        finally:
            crm.close()
    if shown == "json":
        _print_json({"name": saved.name, "version": saved.version, "rule": saved.rule.to_json()})
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
    with _reported():
        shown = _output_format(format)
        moment = _moment(now, "now")
        crm = gc.open(url, tenant=tenant)
        try:
            total = crm.segments.count(name, now=moment)
            parts = None if by is None else crm.segments.breakdown(name, now=moment, by=by)
        finally:
            crm.close()
    if shown == "json":
        data: dict[str, Any] = {"name": name, "count": total}
        if parts is not None:
            data[f"by_{by}"] = parts
        _print_json(data)
        return
    console.print(f"{name}: {total} customers", highlight=False)
    if parts is not None:
        table = Table(str(by), "customers")
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
    with _reported():
        shown = _output_format(format)
        moment = _moment(now, "now")
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
        _print_json({"name": name, "exported": count, "output": str(output)})
    else:
        stderr.print(f"{count} customers of {name} exported to {output}", highlight=False)


# --- messages (issue 20) -----------------------------------------------------------------------
messages_app = typer.Typer(
    help="Messages in each customer's language and manners.", no_args_is_help=True
)
app.add_typer(messages_app, name="messages")
@messages_app.command("templates")
def messages_templates(format: OutputFormat = "text") -> None:  # noqa: A002
    """List the shipped message templates and the languages each one is written in."""
    from globalcrm.messages import SHIPPED_TEMPLATES, shipped_template

    with _reported():
        chosen = _output_format(format)
        shipped = {name: shipped_template(name) for name in SHIPPED_TEMPLATES}
    if chosen == "json":
        data = [{"name": n, "locales": list(t.locales), "default": t.default}
                for n, t in shipped.items()]
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table("template", "languages", "default")
    for name, template in shipped.items():
        table.add_row(name, " ".join(template.locales), template.default)
    console.print(table)


@messages_app.command("render")
def messages_render(
    template: Annotated[str, typer.Argument(help="A shipped template (see `messages templates`).")],
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    channel: Annotated[str, typer.Option(help="email, sms, whatsapp, letter...")] = "email",
    value: Annotated[
        list[str] | None,
        typer.Option("--value", help="NAME=TEXT for the template (repeat); ISO dates work."),
    ] = None,
    values_json: Annotated[
        str | None,
        typer.Option("--values-json", help="A JSON object of values (numbers, lists)."),
    ] = None,
    formality: Annotated[str | None, typer.Option(help="formal or informal.")] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Write TEMPLATE for CUSTOMER in their language, register and time zone."""
    from globalcrm.messages import RESERVED_VALUES

    with _reported():
        chosen = _output_format(format)
        values: dict[str, Any] = {}
        if values_json is not None:
            try:
                loaded = json.loads(values_json)
            except ValueError:
                raise gc.InvalidInput("not a JSON object", field="values_json") from None
            if not isinstance(loaded, dict):
                raise gc.InvalidInput("not a JSON object", field="values_json")
            values.update(loaded)
        for index, item in enumerate(value or []):
            name, sep, text = item.partition("=")
            if not sep:
                raise gc.InvalidInput("expected NAME=TEXT", field=f"value[{index}]")
            values[name.strip()] = text
        taken = RESERVED_VALUES | {"template", "customer", "relationship", "adapter", "purpose"}
        for index, name in enumerate(values):
            if name in taken:
                raise gc.InvalidInput(
                    "the library sets this value itself", field=f"values[{index}]"
                )
        crm = gc.open(url, tenant=tenant)
        try:
            message = crm.messages.render(
                template, customer, channel=channel, formality=formality, **values
            )
        finally:
            crm.close()
    if chosen == "json":
        data = {
            "template": message.template,
            "customer_id": message.customer_id,
            "channel": message.channel,
            "locale": message.locale,
            "variant": message.variant,
            "fallback": message.fallback,
            "formality": message.formality.value,
            "direction": message.direction,
            "subject": message.subject,
            "text": message.text,
            "html": message.html,
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    if message.subject:
        console.print(Text(message.subject, style="bold"), highlight=False)
    console.print(message.text, highlight=False, markup=False)
# --- end messages


# --------------------------------------------------------------------------- payment records
# ``globalcrm payments methods|list|show|refund`` (issue 21): the methods to offer a customer
# and the record of their payments, as a table or as JSON.

from globalcrm import payment_records  # noqa: E402 - kept in this block for a clean merge

payments_app.info.help = (
    "Payment instruments and their QR codes; the methods to offer a customer, and the record "
    "of their payments."
)
def _payment_json(payment: payment_records.Payment, *, full: bool = False) -> dict[str, object]:
    data: dict[str, object] = {
        "id": payment.id,
        "customer_id": payment.customer_id,
        "purchase_id": payment.purchase_id,
        "method": payment.method,
        "amount": str(payment.amount.amount),
        "currency": payment.currency,
        "refunded": str(payment.refunded),
        "refundable": str(payment.refundable.amount),
        "status": payment.status,
        "provider": payment.provider,
        "provider_reference": payment.provider_reference,
        "created_at": payment.created_at.isoformat(),
        "paid_at": None if payment.paid_at is None else payment.paid_at.isoformat(),
        "updated_at": None if payment.updated_at is None else payment.updated_at.isoformat(),
        "version": payment.version,
    }
    if full:
        data["instrument"] = payment.instrument
    return data


def _event_json(event: payment_records.PaymentEvent) -> dict[str, object]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "amount": None if event.amount is None else str(event.amount.amount),
        "occurred_at": event.occurred_at.isoformat(),
        "recorded_at": event.recorded_at.isoformat(),
        "source": event.source,
        "provider_event_id": event.provider_event_id,
        "reason": event.reason,
    }


def _payments_table(payments: list[payment_records.Payment]) -> Table:
    table = Table("id", "customer", "method", "amount", "refunded", "status", "created (UTC)")
    for payment in payments:
        table.add_row(
            payment.id,
            payment.customer_id,
            payment.method,
            f"{payment.amount.amount} {payment.currency}",
            str(payment.refunded),
            payment.status,
            payment.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    return table


@payments_app.command("methods")
def payments_methods(
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    amount: Annotated[
        str | None, typer.Option(help="An amount, to drop methods whose limits it exceeds.")
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="The amount's currency (default: the customer's).")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """The payment methods to offer CUSTOMER, most relevant first, named in their language."""
    from globalcrm.money import money

    with _reported():
        shape = _output_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            person = crm.customers.get(customer)
            wanted = None if amount is None else money(amount, currency or person.currency)
            found = crm.payments.methods_for(person, wanted)
            rows = [
                {
                    "key": method.key,
                    "name": method.name_in(person.language),
                    "type": method.type,
                    "currencies": list(method.currencies),
                    "limit": method.limit,
                    "refunds": method.refunds,
                    "module": method.module,
                }
                for method in found
            ]
        finally:
            crm.close()
    if shape == "json":
        _print_json({"customer_id": person.id, "country": person.country, "methods": rows})
        return
    table = Table("key", "name", "type", "limit", "refunds",
                  title=f"payment methods for {person.id} ({person.country})")
    for row in rows:
        table.add_row(*(str(row[k] or "") for k in ("key", "name", "type", "limit", "refunds")))
    console.print(table)


@payments_app.command("list")
def payments_list(
    customer: Annotated[str | None, typer.Option(help="Only this customer's payments.")] = None,
    status: Annotated[str | None, typer.Option(help="Only payments in this status.")] = None,
    method: Annotated[str | None, typer.Option(help="Only payments by this method.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    after: Annotated[str | None, typer.Option(help="The cursor of the previous page.")] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """List payments, newest first."""
    with _reported():
        shape = _output_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            page = crm.payments.list(
                customer=customer, status=status, method=method, limit=limit, after=after
            )
        finally:
            crm.close()
    if shape == "json":
        _print_json({
            "payments": [_payment_json(p) for p in page.items], "next_cursor": page.next_cursor
        })
        return
    console.print(_payments_table(list(page.items)))
    if page.next_cursor:
        console.print(f"more: --after {page.next_cursor}", highlight=False)


@payments_app.command("show")
def payments_show(
    payment: Annotated[str, typer.Argument(help="Payment id.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Show a payment and every step of its history, with its time and source."""
    with _reported():
        shape = _output_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            found = crm.payments.get(payment)
            events = crm.payments.history(found)
        finally:
            crm.close()
    if shape == "json":
        _print_json({**_payment_json(found, full=True), "events": [_event_json(e) for e in events]})
        return
    console.print(_payments_table([found]))
    table = Table("seq", "step", "status", "amount", "occurred (UTC)", "source", "reason")
    for event in events:
        table.add_row(
            str(event.seq),
            event.kind,
            f"{event.from_status or ''} -> {event.to_status}",
            "" if event.amount is None else f"{event.amount.amount} {found.currency}",
            event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            event.source,
            event.reason or "",
        )
    console.print(table)


@payments_app.command("refund")
def payments_refund(
    payment: Annotated[str, typer.Argument(help="Payment id.")],
    amount: Annotated[str, typer.Argument(help="Amount to refund, in the payment's currency.")],
    reason: Annotated[
        str | None, typer.Option(help="A code: requested_by_customer, duplicate...")
    ] = None,
    idempotency_key: Annotated[
        str | None, typer.Option(help="Run it again with the same key: refunded once.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Record a refund of AMOUNT; never more than is left to refund."""
    from globalcrm.money import money

    with _reported():
        shape = _output_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            current = crm.payments.get(payment)
            done = crm.payments.refund(
                current, money(amount, current.currency), reason=reason,
                idempotency_key=idempotency_key,
            )
        finally:
            crm.close()
    if shape == "json":
        _print_json(_payment_json(done))
        return
    console.print(
        f"refunded {amount} {done.currency}: {done.refunded} of {done.amount.amount} refunded, "
        f"status {done.status}",
        highlight=False,
    )


# ------------------------------------------------------------------ recommendations (issue 20)


@app.command()
def recommend(
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    limit: Annotated[int, typer.Option("--limit", help="How many products at most.")] = 10,
    include_undeclared: Annotated[
        bool,
        typer.Option(
            "--include-undeclared",
            help="Also suggest products that declare no attributes to a customer with needs.",
        ),
    ] = False,
    now: Annotated[
        str | None, typer.Option("--now", help="Read purchases made by this ISO 8601 time.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Products to suggest to CUSTOMER: bought together with theirs, within their needs."""
    with _reported():
        shape = _output_format(format)
        moment = _moment(now, "now")
        crm = gc.open(url, tenant=tenant)
        try:
            made = crm.recommendations.for_customer(
                customer, limit=limit, now=moment,
                unknown="include" if include_undeclared else "exclude",
            )
        finally:
            crm.close()
    if shape == "json":
        _print_json([item.to_json() for item in made])
        return
    table = Table("product", "score", "why", "attributes")
    for item in made:
        table.add_row(
            item.product, f"{item.score:.3f}", item.reason,
            "(none declared)" if item.attributes is None else ", ".join(item.attributes),
        )
    console.print(table)


# ------------------------------------------------------------------ end recommendations


def main() -> None:
    """Entry point of the ``globalcrm`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
