"""The ``globalcrm`` command: demo, migrate, import, export, find, reindex.

Errors from the library are printed as one line (``row 3: phones[0]: ...``) with exit code 1;
no traceback reaches the user.
"""

from __future__ import annotations

import json
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


privacy_app = typer.Typer(help="Privacy: consent history and receipts.", no_args_is_help=True)
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


@audit_app.command("verify")
def audit_verify(url: UrlOption = DEFAULT_URL, tenant: TenantOption = "default") -> None:
    """Verify the audit log's hash chain and the consent ledger; report the first bad entry."""
    with _reported():
        crm = gc.open(url, tenant=tenant)
        entries = crm.privacy.audit_entries()
        bad_audit = crm.privacy.verify_audit()
        bad_ledger = crm.privacy.verify_ledger()
        checkpoint = crm.privacy.checkpoint()
        crm.close()
    if bad_audit is None:
        console.print(
            f"audit log: {len(entries)} entries verify; "
            f"root {checkpoint.root_hash.hex()} at size {checkpoint.tree_size}"
        )
    else:
        stderr.print(
            f"[bold red]audit log: entry {bad_audit} was tampered with "
            f"(edited, deleted or moved)[/]"
        )
    if bad_ledger is None:
        console.print("consent ledger: verifies")
    else:
        stderr.print(f"[bold red]consent ledger: event {bad_ledger} was tampered with[/]")
    if bad_audit is not None or bad_ledger is not None:
        raise typer.Exit(1)


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
        crm.close()
    for problem in report.errors[:200]:
        stderr.print(f"[red]{problem}[/]", highlight=False)
    if len(report.errors) > 200:
        stderr.print(f"... and {len(report.errors) - 200} more errors")
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


# --------------------------------------------------------------------------- loyalty (issue 17)

loyalty_app = typer.Typer(
    help="Loyalty points: balances, statements, expiry and tier reviews.", no_args_is_help=True
)
app.add_typer(loyalty_app, name="loyalty")
LoyaltyFormat = Annotated[str, typer.Option("--format", help="text or json.")]
ProgramOption = Annotated[
    str | None, typer.Option("--program", help="Program code (default: the default program).")
]
MemberArgument = Annotated[
    str, typer.Argument(help="A customer id (their account in the program) or an account id.")
]


def _loyalty_format(value: str) -> str:
    if value not in ("text", "json"):
        raise gc.InvalidInput("expected text or json", field="format")
    return value


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@loyalty_app.command("balance")
def loyalty_balance(
    customer: MemberArgument,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    program: ProgramOption = None,
    format: LoyaltyFormat = "text",  # noqa: A002
) -> None:
    """Show a member's points, their tier (named in their language) and what expires first."""
    with _reported():
        _loyalty_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            account = crm.loyalty.account(customer, program=program)
            points = crm.loyalty.balance(account)
            status = crm.loyalty.tier(account)
            language = crm.customers.get(account.customer_id).language
            lots = crm.loyalty.lots(account)[:5]
        finally:
            crm.close()
    following = status.next_tier
    data = {
        "account": account.id,
        "customer": account.customer_id,
        "program": account.program,
        "balance": points,
        "tier": None if status.tier is None else status.tier.code,
        "tier_name": status.name(language),
        "tier_since": None if status.since is None else status.since.isoformat(),
        "qualifying": str(status.qualifying),
        "basis": status.basis,
        "next_tier": None if following is None else following.code,
        "needed": str(status.needed),
        "perks": list(status.perks),
        "expiring_first": [
            {"points": lot.remaining,
             "expires_at": None if lot.expires_at is None else lot.expires_at.isoformat()}
            for lot in lots
        ],
    }
    if format == "json":
        _print_json(data)
        return
    console.print(f"{points:,} points", highlight=False)
    if status.tier is not None:
        console.print(f"tier: {status.name(language)} ({status.tier.code}) since "
                      f"{data['tier_since']}", highlight=False)
    if following is not None:
        console.print(f"next tier: {following.name(language)}, {status.needed} more "
                      f"({status.basis})", highlight=False)
    for lot in lots:
        when = "never" if lot.expires_at is None else lot.expires_at.strftime("%Y-%m-%d %H:%M")
        console.print(f"  {lot.remaining:,} points expire {when} (UTC)", highlight=False)


@loyalty_app.command("statement")
def loyalty_statement(
    customer: MemberArgument,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    program: ProgramOption = None,
    limit: Annotated[int, typer.Option(help="Entries per page.")] = 50,
    after: Annotated[
        str | None, typer.Option(help="The cursor printed after the previous page.")
    ] = None,
    format: LoyaltyFormat = "text",  # noqa: A002
) -> None:
    """A member's ledger entries, newest first, a page at a time."""
    with _reported():
        _loyalty_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            account = crm.loyalty.account(customer, program=program)
            page = crm.loyalty.statement(account, limit=limit, after=after)
        finally:
            crm.close()
    if format == "json":
        _print_json({
            "account": account.id,
            "entries": [
                {
                    "id": e.id,
                    "kind": e.kind,
                    "points": e.points,
                    "occurred_at": e.occurred_at.isoformat(),
                    "recorded_at": e.recorded_at.isoformat(),
                    "expires_at": None if e.expires_at is None else e.expires_at.isoformat(),
                    "channel": e.channel,
                    "amount": None if e.amount is None else str(e.amount.amount),
                    "currency": None if e.amount is None else e.amount.currency.code,
                    "reference": e.reference,
                    "reverses": e.reverses,
                    "shortfall": e.shortfall,
                    "detail": dict(e.detail),
                }
                for e in page
            ],
            "next_cursor": page.next_cursor,
        })
        return
    table = Table("when (UTC)", "kind", "points", "amount", "channel", "expires (UTC)")
    for e in page:
        table.add_row(
            e.occurred_at.strftime("%Y-%m-%d %H:%M"),
            e.kind,
            f"{e.points:+,}",
            "" if e.amount is None else f"{e.amount.amount} {e.amount.currency.code}",
            e.channel or "",
            "" if e.expires_at is None else e.expires_at.strftime("%Y-%m-%d"),
        )
    console.print(table)
    if page.next_cursor is not None:
        console.print(f"more: --after {page.next_cursor}", highlight=False)


@loyalty_app.command("expire")
def loyalty_expire(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: LoyaltyFormat = "text",  # noqa: A002
) -> None:
    """Expire every lot of the tenant past its expiry date (run it daily)."""
    with _reported():
        _loyalty_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            report = crm.loyalty.expire()
        finally:
            crm.close()
    if format == "json":
        _print_json({"accounts": report.accounts, "entries": report.entries,
                     "points": report.points})
        return
    console.print(f"{report.points:,} points expired from {report.accounts:,} accounts "
                  f"({report.entries:,} entries)", highlight=False)


@loyalty_app.command("review-tiers")
def loyalty_review_tiers(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: LoyaltyFormat = "text",  # noqa: A002
) -> None:
    """Move down the members whose tier period (and grace) ended without requalifying."""
    with _reported():
        _loyalty_format(format)
        crm = gc.open(url, tenant=tenant)
        try:
            changes = crm.loyalty.review_tiers()
        finally:
            crm.close()
    rows = [{"account": c.account_id, "from": c.from_tier, "to": c.to_tier,
             "effective_at": c.effective_at.isoformat()} for c in changes]
    if format == "json":
        _print_json({"changes": rows})
        return
    console.print(f"{len(rows)} members moved down a tier", highlight=False)


def main() -> None:
    """Entry point of the ``globalcrm`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
