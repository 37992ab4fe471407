"""``globalcrm service ...``: cases, assignment and SLA reports (issue 18)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from globalcrm.cli.base import (
    DEFAULT_URL,
    OutputFormat,
    TenantOption,
    UrlOption,
    app,
    console,
    data_table,
    iso,
    opened,
    output_format,
    parse_instant,
    parse_moment,
    print_json,
    reported,
)

# --------------------------------------------------------------------------- service (issue 18)

service_app = typer.Typer(
    help="Customer service: cases, assignment and SLA reports.", no_args_is_help=True
)
app.add_typer(service_app, name="service")

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
        "opened_at": iso(case.opened_at),
        "first_response_at": iso(case.first_response_at),
        "first_response_due": iso(case.first_response_due),
        "resolved_at": iso(case.resolved_at),
        "resolution_due": iso(case.resolution_due),
        "version": case.version,
    }



def _cases_table(cases: Any) -> Table:
    table = data_table(
        "id", "status", "priority", "team", "channel", "opened (UTC)", "resolution due"
    )
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
    with reported():
        output_format(format)
        with opened(url, tenant) as crm:
            page = crm.service.cases(status=tuple(status) if status else None, team=team,
                                     agent=agent, limit=limit, after=after)
    if format == "json":
        print_json({"cases": [_case_json(c) for c in page], "next_cursor": page.next_cursor})
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
    with reported():
        output_format(format)
        with opened(url, tenant) as crm:
            thread = crm.service.case(case_id)
    messages = [
        {"occurred_at": i.occurred_at.isoformat(), "channel": i.channel,
         "direction": i.direction, "body": i.body}
        for i in thread.interactions
    ]
    if format == "json":
        print_json({"case": _case_json(thread.case), "thread": messages})
        return
    console.print(_cases_table([thread.case]))
    table = data_table("when (UTC)", "channel", "direction", "message")
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
    with reported():
        output_format(format)
        with opened(url, tenant) as crm:
            case = crm.service.assign(case_id, team=team, agent=agent, strategy=strategy)
    if format == "json":
        print_json(_case_json(case))
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
    with reported():
        output_format(format)
        low, high = parse_instant(start, "start"), parse_instant(end, "end")
        moment = parse_moment(now, "now")
        with opened(url, tenant) as crm:
            rows = crm.service.sla_report(start=low, end=high, now=moment, team=team)
            breached = crm.service.breaches(now=moment, team=team)
    report = [
        {**row._asdict(), "first_response_attainment": row.first_response_attainment,
         "resolution_attainment": row.resolution_attainment}
        for row in rows
    ]
    breaches = [{**item._asdict(), "due": item.due.isoformat()} for item in breached]
    if format == "json":
        print_json({"teams": report, "breaches": breaches})
        return
    table = data_table("team", "cases", "first response met/breached", "resolution met/breached",
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


