"""``globalcrm metrics ...`` and ``globalcrm report``: service KPIs, churn risk, the dashboard."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

import globalcrm as gc
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
)

# --------------------------------------------------------------------------- metrics (issue 19)
# Added with surveys and service KPIs: a KPI report, the at-risk list, the HTML dashboard.

metrics_app = typer.Typer(
    help="Service KPIs (CSAT, NPS, CES, FCR, AHT, ART, FRT) and churn risk.", no_args_is_help=True
)
app.add_typer(metrics_app, name="metrics")


def _split(value: str | None) -> list[str]:
    return [] if not value else [part.strip() for part in value.split(",") if part.strip()]


@metrics_app.command("report")
def metrics_report(
    kpis: Annotated[
        str, typer.Option("--kpis", help="Comma-separated: csat,nps,ces,fcr,aht,art,frt,contacts.")
    ] = "csat,nps,ces,fcr,aht,art,frt,contacts",
    by: Annotated[
        str | None, typer.Option(help="Comma-separated: country,language,channel,team,tier.")
    ] = None,
    period: Annotated[str | None, typer.Option(help="day, week or month.")] = None,
    start: Annotated[str | None, typer.Option(help="Start (ISO 8601 with zone).")] = None,
    end: Annotated[str | None, typer.Option(help="End (ISO 8601 with zone; default now).")] = None,
    time_zone: Annotated[str, typer.Option(help="The reader's time zone (periods).")] = "UTC",
    locale: Annotated[str, typer.Option(help="The reader's locale (numbers).")] = "en",
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    now: Annotated[str | None, typer.Option(help="The report's moment (default: now).")] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """KPIs over a period, sliced by dimensions and by day, week or month in your time zone."""
    from globalcrm.metrics_format import table

    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            report = crm.metrics.report(
                _split(kpis), by=_split(by), period=period, start=parse_moment(start, "start"),
                end=parse_moment(end, "end"), now=parse_moment(now, "now"), time_zone=time_zone,
                locale=locale,
            )
    if shape == "json":
        print_json(report.to_json())
        return
    header, rows = table(report)
    shown = data_table(*header, title=f"{report.spec.start:%Y-%m-%d %H:%M} – "
                  f"{report.spec.end:%Y-%m-%d %H:%M} UTC")
    for row in rows:
        shown.add_row(*row)
    console.print(shown)


@metrics_app.command("at-risk")
def metrics_at_risk(
    threshold: Annotated[int, typer.Option(help="Lowest score listed (0-100).")] = 50,
    window: Annotated[int, typer.Option(help="Days in each comparison window.")] = 90,
    limit: Annotated[int, typer.Option(help="At most this many customers.")] = 100,
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    now: Annotated[str | None, typer.Option(help="The scores' moment (default: now).")] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Customers likely to leave, highest churn risk first, with the reasons."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            risks = crm.metrics.at_risk(now=parse_moment(now, "now"), threshold=threshold,
                                        window=dt.timedelta(days=window), limit=limit)
    if shape == "json":
        print_json({"customers": [risk.to_json() for risk in risks]})
        return
    shown = data_table("customer", "score", "reasons", title=f"{len(risks)} customers at risk")
    for risk in risks:
        shown.add_row(risk.customer_id, str(risk.score),
                      "\n".join(f"+{r.points} {r.detail}" for r in risk.reasons))
    console.print(shown)


@app.command("report")
def dashboard_report(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    weeks: Annotated[int, typer.Option(help="Weeks back from now.")] = 12,
    time_zone: Annotated[str, typer.Option(help="The reader's time zone (weeks).")] = "UTC",
    locale: Annotated[str, typer.Option(help="The reader's locale (numbers).")] = "en",
    title: Annotated[str, typer.Option(help="The page's title.")] = "Customer service",
    url: UrlOption = DEFAULT_URL,
    tenant: TenantOption = "default",
    now: Annotated[str | None, typer.Option(help="The report's moment (default: now).")] = None,
    format: OutputFormat = "text",  # noqa: A002
) -> None:
    """Write the service dashboard: ONE self-contained HTML file (charts in inline SVG)."""
    with reported():
        shape = output_format(format)
        with opened(url, tenant) as crm:
            page = crm.metrics.dashboard_html(now=parse_moment(now, "now"), weeks=weeks,
                                              time_zone=time_zone, locale=locale, title=title)
        try:
            output.write_text(page, encoding="utf-8")
        except OSError:
            raise gc.InvalidInput("the report file cannot be written", field="output") from None
    if shape == "json":
        print_json({"output": str(output), "bytes": len(page.encode())})
        return
    console.print(f"dashboard written to {output} ({len(page.encode()):,} bytes)")
