"""``globalcrm privacy retention ...`` and ``globalcrm privacy hold ...``: policies, holds, sweep.

``globalcrm privacy retention`` without a command runs the sweep, as it did before policies had
commands of their own; ``globalcrm privacy retention sweep`` is the same command.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from globalcrm.cli.base import (
    DEFAULT_URL,
    CustomerArgument,
    OutputFormat,
    TenantOption,
    UrlOption,
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
from globalcrm.cli.privacy import privacy_app
from globalcrm.privacy.retention import LegalHold, RetentionPolicy, SweepReport

retention_app = typer.Typer(
    help="Retention policies and the sweep that applies them (alone: run the sweep).",
    invoke_without_command=True,
)
privacy_app.add_typer(retention_app, name="retention")
policy_app = typer.Typer(help="The stored retention policies.", no_args_is_help=True)
retention_app.add_typer(policy_app, name="policy")
hold_app = typer.Typer(
    help="Legal holds: keep everything about a customer until released.", no_args_is_help=True
)
privacy_app.add_typer(hold_app, name="hold")

DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Report the notices and acts due; change nothing.")
]
BatchOption = Annotated[int, typer.Option(help="Records per transaction.")]
_SWEEP_DEFAULTS: dict[str, Any] = {
    "url": DEFAULT_URL, "tenant": "default", "dry_run": False, "batch_size": 500, "format": "text",
}


# --------------------------------------------------------------------------- the sweep


def _sweep(url: str, tenant: str, dry_run: bool, batch_size: int, format: str) -> None:  # noqa: A002
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm, Progress(
            TextColumn("[bold]retention"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=False,
        ) as progress:
            task = progress.add_task("retention", total=None)
            report = crm.privacy.retention.sweep(
                dry_run=dry_run,
                batch_size=batch_size,
                on_progress=lambda done, total: progress.update(
                    task, completed=done, total=total, refresh=True
                ),
            )
    if shape == "json":
        print_json(report.to_json())
        return
    _print_report(report)


def _print_report(report: SweepReport) -> None:
    table = data_table(
        "policy", "scope", "action", "due", "records", "held", "noticed", "waiting", "done"
    )
    for outcome in report.outcomes:
        table.add_row(
            outcome.policy, outcome.scope, outcome.action, str(len(outcome.subjects)),
            str(outcome.records), str(len(outcome.held)), str(len(outcome.noticed)),
            str(len(outcome.waiting)), "dry run" if report.dry_run else str(outcome.acted),
        )
    console.print(table)


@retention_app.callback()
def retention(
    ctx: typer.Context,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    dry_run: DryRunOption = False,
    batch_size: BatchOption = 500,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Retention policies and the sweep; without a command, apply the policies now (`sweep`)."""
    if ctx.invoked_subcommand is None:
        _sweep(url, tenant, dry_run, batch_size, format)
        return
    given = {"url": url, "tenant": tenant, "dry_run": dry_run, "batch_size": batch_size,
             "format": format}
    if any(value != _SWEEP_DEFAULTS[name] for name, value in given.items()):
        ctx.fail(f"give the options after `{ctx.invoked_subcommand}`, not before it")


@retention_app.command("sweep")
def retention_sweep(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    dry_run: DryRunOption = False,
    batch_size: BatchOption = 500,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Apply the stored retention policies now: notices first, then the acts (resumable).

    A subject told in advance (a policy's pre-notice) is acted on by a later sweep, once the
    notice period has run from the notice. Run it again after a stop: what was done is no
    longer due, and who was told is not told again.
    """
    _sweep(url, tenant, dry_run, batch_size, format)


# --------------------------------------------------------------------------- policies


def _policy_json(policy: RetentionPolicy) -> dict[str, Any]:
    return {
        "name": policy.name, "scope": policy.scope, "trigger": policy.trigger,
        "duration": policy.duration, "action": policy.action, "cite": policy.cite,
        "time_zone": policy.time_zone, "pre_notice": policy.pre_notice,
    }


@policy_app.command("set")
def policy_set(
    name: Annotated[str, typer.Argument(help="The policy's name (a code such as dormant).")],
    scope: Annotated[
        str,
        typer.Option(help="customer, interactions, consent_evidence, requests or audit."),
    ],
    trigger: Annotated[
        str,
        typer.Option(help="created, last_interaction, last_purchase, consent_withdrawn or "
                          "request_completed."),
    ],
    duration: Annotated[str, typer.Option(help="ISO 8601 duration, such as P3Y or P18M.")],
    action: Annotated[str, typer.Option(help="erase, shred, delete, anonymise or review.")],
    cite: Annotated[str, typer.Option(help="The legal ground, such as 'GDPR art. 5(1)(e)'.")],
    time_zone: Annotated[
        str, typer.Option("--time-zone", help="The zone whose wall clock counts the period.")
    ] = "UTC",
    pre_notice: Annotated[
        str | None,
        typer.Option("--pre-notice", help="Tell the subject this long before (PT48H)."),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Store a retention policy (one of that name is replaced).

    Only combinations the sweep can act on are accepted; a refused one says which exist.
    """
    with reported():
        shape = output_format(format)
        policy = RetentionPolicy(
            name=name, scope=scope, trigger=trigger, duration=duration, action=action,
            cite=cite, time_zone=time_zone, pre_notice=pre_notice,
        )
        with opened(url, tenant) as crm:
            crm.privacy.retention.set_policy(policy)
    if shape == "json":
        print_json(_policy_json(policy))
        return
    notice = f", told {policy.pre_notice} before" if policy.pre_notice else ""
    console.print(
        f"policy {policy.name} stored: {policy.scope} {policy.duration} after "
        f"{policy.trigger} ({policy.time_zone}) -> {policy.action}{notice}"
    )


@policy_app.command("list")
def policy_list(
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """List the stored retention policies, by name."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            policies = crm.privacy.retention.policies()
    if shape == "json":
        print_json([_policy_json(policy) for policy in policies])
        return
    table = data_table(
        "policy", "scope", "trigger", "duration", "action", "time zone", "pre-notice", "cite"
    )
    for policy in policies:
        table.add_row(
            policy.name, policy.scope, policy.trigger, policy.duration, policy.action,
            policy.time_zone, policy.pre_notice or "", policy.cite,
        )
    console.print(table)


@policy_app.command("remove")
def policy_remove(
    name: Annotated[str, typer.Argument(help="The policy's name.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Remove a stored retention policy (its notices stay recorded)."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            crm.privacy.retention.remove_policy(name)
    if shape == "json":
        print_json({"removed": name})
    else:
        console.print(f"policy {name} removed")


# --------------------------------------------------------------------------- legal holds


def _hold_json(hold_id: str, hold: LegalHold) -> dict[str, Any]:
    return {
        "id": hold_id, "customer": hold.subject_ref, "reason": hold.reason, "cite": hold.cite,
        "placed_at": iso(hold.placed_at), "released_at": iso(hold.released_at),
    }


@hold_app.command("place")
def hold_place(
    customer: CustomerArgument,
    reason: Annotated[str, typer.Option(help="Why everything is kept (a claim, a case).")],
    cite: Annotated[str, typer.Option(help="The legal ground, such as 'GDPR art. 17(3)(e)'.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Put a customer under a legal hold from now: erasure restricts, the sweep passes them by."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            subject = customer_id(crm, customer)
            hold_id = crm.privacy.retention.place_hold(subject, reason=reason, cite=cite)
            [(_, hold)] = [item for item in crm.privacy.retention.holds(subject)
                           if item[0] == hold_id]
    if shape == "json":
        print_json(_hold_json(hold_id, hold))
    else:
        console.print(f"hold {hold_id} placed on {subject}")


@hold_app.command("release")
def hold_release(
    hold_id: Annotated[str, typer.Argument(metavar="HOLD_ID", help="The hold's id.")],
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """End a legal hold now (the sweep and erasure apply to the customer again)."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            hold = crm.privacy.retention.release_hold(hold_id.strip().upper())
    if shape == "json":
        print_json(_hold_json(hold_id.strip().upper(), hold))
    else:
        console.print(f"hold {hold_id.strip().upper()} on {hold.subject_ref} released")


@hold_app.command("list")
def hold_list(
    customer: Annotated[
        str | None,
        typer.Argument(metavar="CUSTOMER", help="Only this customer's (an id, e-mail or phone)."),
    ] = None,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """List legal holds, in force and released, oldest first."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            subject = None if customer is None else customer_id(crm, customer)
            holds = crm.privacy.retention.holds(subject)
    if shape == "json":
        print_json([_hold_json(hold_id, hold) for hold_id, hold in holds])
        return
    table = data_table("id", "customer", "placed (UTC)", "released (UTC)", "cite", "reason")
    for hold_id, hold in holds:
        table.add_row(
            hold_id, hold.subject_ref, hold.placed_at.strftime("%Y-%m-%d %H:%M"),
            "" if hold.released_at is None else hold.released_at.strftime("%Y-%m-%d %H:%M"),
            hold.cite, hold.reason,
        )
    console.print(table)
