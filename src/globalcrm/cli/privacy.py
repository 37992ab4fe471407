"""``globalcrm privacy ...`` and ``globalcrm audit ...``: consent, receipts, keys, the audit log.

Retention policies, legal holds and the sweep are in :mod:`globalcrm.cli.retention`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

import globalcrm as gc
from globalcrm.cli.base import (
    DEFAULT_URL,
    CustomerArgument,
    OutputFormat,
    TenantOption,
    UrlOption,
    app,
    console,
    customer_id,
    data_table,
    iso,
    opened,
    output_format,
    print_json,
    reported,
    stderr,
)
from globalcrm.identifiers import is_id

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
    customer: CustomerArgument,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Show a customer's consent ledger: every event, in order, with its hash-chain position."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            customer = customer_id(crm, customer)
            events = crm.privacy.history(customer)
    if shape == "json":
        print_json([
            {"seq": e.seq, "event_id": e.event_id, "occurred_at": iso(e.occurred_at),
             "purpose": e.purpose_key, "purpose_version": e.purpose_version,
             "channel": e.channel, "state": e.state, "consent_type": e.consent_type,
             "actor_kind": e.actor_kind, "notice_sha256": e.notice_sha256}
            for e in events
        ])
        return
    table = data_table(
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
    customer: CustomerArgument,
    controller: Annotated[str, typer.Option(help="The controller's name.")],
    email: Annotated[str, typer.Option(help="The controller's privacy contact email.")],
    policy_url: Annotated[str, typer.Option(help="The privacy policy's URL.")],
    jurisdiction: Annotated[str, typer.Option(help="Country code of the controller.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
) -> None:
    """Print a Kantara Consent Receipt 1.1 (JSON) of the customer's consents in force now."""
    from globalcrm.privacy import receipts

    with reported(), opened(url, tenant) as crm:
        customer = customer_id(crm, customer)
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
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")



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
    with reported():
        shape = output_format(format)
        saved = None if checkpoint is None else _read_checkpoint(checkpoint)
        with opened(url, tenant) as crm:
            result = crm.privacy.verify(checkpoint=saved)
            root = crm.privacy.checkpoint() if result.audit.ok else None
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
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            made = crm.privacy.store_checkpoint()
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
    with reported(), opened(url, tenant) as crm:
        count = crm.privacy.rewrap_keys()
    console.print(f"{count} subject keys wrapped under the current key-encryption key")


# --------------------------------------------------------------------------- privacy: export,
# erasure and retention (issue 16)

RegionOption = Annotated[
    str | None, typer.Option("--region", help="Country for a phone number in national format.")
]


def _customer_ref(crm: gc.CRM, text: str, region: str | None) -> str:
    """The id of the one customer ``text`` names (an id passes as it is, even if erased)."""
    value = text.strip()
    if is_id(value):
        return value.upper()
    if region is not None and "@" not in value:
        found = [c.id for c in crm.customers.find_by_phone(value, region=region)]
        if len(found) == 1:
            return found[0]
    return customer_id(crm, value)


@privacy_app.command("export")
def privacy_export(
    customer: Annotated[str, typer.Argument(help="Customer id, e-mail or phone number.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write: .json, or .zip (CSV files).")
    ],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    region: RegionOption = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Export everything stored about a customer (access and portability) to FILE."""
    from globalcrm.privacy import export_files

    with reported():
        shape = output_format(format)
        if output.suffix.lower() not in (".json", ".zip"):
            raise gc.InvalidInput("expected a .json or .zip file name", field="output")
        with opened(url, tenant) as crm:
            subject = _customer_ref(crm, customer, region)
            document = crm.privacy.export(subject)
        try:
            if output.suffix.lower() == ".zip":
                output.write_bytes(export_files.to_zip(document))
            else:
                output.write_text(export_files.to_json_text(document), encoding="utf-8")
        except OSError as error:
            raise gc.InvalidInput("the file cannot be written", field="output") from error
    counts = {name: len(rows) for name, rows in document["tables"].items()}
    if shape == "json":
        print_json({"customer": subject, "output": str(output), "rows": counts})
    else:
        console.print(f"exported {sum(counts.values())} rows from {len(counts)} tables to {output}")


@privacy_app.command("erase")
def privacy_erase(
    customer: Annotated[str, typer.Argument(help="Customer id, e-mail or phone number.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    region: RegionOption = None,
    request: Annotated[
        str | None, typer.Option("--request", help="The data-subject request it answers.")
    ] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Erase a customer (a legal hold restricts instead); print what was erased and kept."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            report = crm.privacy.erase(_customer_ref(crm, customer, region), request=request)
    if shape == "json":
        print_json(report.to_json())
        return
    verb = "already erased" if report.repeated else report.status
    console.print(
        f"{report.subject_ref}: {verb}; {sum(report.changed.values())} rows changed, "
        f"{report.keys_destroyed} keys destroyed, {report.consents_ended} consents ended"
    )
    if report.kept:
        table = data_table("kept in", "categories", "rows", "ground")
        for item in report.kept:
            table.add_row(item.table, ", ".join(item.categories), str(item.rows), item.ground)
        console.print(table)


@privacy_app.command("suppress")
def privacy_suppress(
    email: Annotated[
        str | None, typer.Option("--email", help="An e-mail address never to contact.")
    ] = None,
    phone: Annotated[
        str | None, typer.Option("--phone", help="A phone number never to contact.")
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    region: RegionOption = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Put an address no stored customer holds on the do-not-contact list (a keyed digest).

    For an unsubscribe that arrives after the customer was erased: a later import or add of
    the address is flagged. An address a stored customer holds is refused (exit 1): record
    that customer's withdrawal instead.
    """
    with reported():
        shape = output_format(format)
        if email is None and phone is None:
            raise typer.BadParameter("give --email, --phone or both")
        with opened(url, tenant) as crm:
            added = crm.privacy.suppress(email=email, phone=phone, region=region)
    if shape == "json":
        print_json({"suppressed": added})
        return
    console.print(f"{added} new entries on the do-not-contact list")
