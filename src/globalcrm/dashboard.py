"""The service dashboard: ONE self-contained HTML file with its charts drawn in inline SVG.

No JavaScript and nothing fetched when the page is viewed: the charts are SVG elements written
here (lines for the NPS and CSAT trends by country, bars for SLA attainment by team and the
channel mix, grouped bars for first-response-time percentiles by team), every label and number
escaped, numbers formatted in the reader's locale (:mod:`globalcrm.metrics_format`). A
Content-Security-Policy of ``default-src 'none'`` with inline styles only makes the browser
refuse any request the page might make. SVG is the W3C's Scalable Vector Graphics 1.1
(https://www.w3.org/TR/SVG11/); every chart has a ``<title>`` and a ``<desc>`` for screen readers
and a table of the same numbers beside it. Why not a JavaScript charting library: see
``docs/guide/dashboard.md``.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from decimal import Decimal

import attrs

from globalcrm.errors import InvalidFormat
from globalcrm.metrics import KpiReport
from globalcrm.metrics_format import KPI_TITLES, format_duration, format_percent, format_value
from globalcrm.metrics_format import table as report_table

__all__ = ["PALETTE", "DashboardData", "SlaRow", "render"]

PALETTE = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a2f",
           "#444444")
"""Series colours (distinguishable with the common colour-vision deficiencies, and by the
legend's order besides)."""
_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP, _RIGHT = 640, 280, 56, 40, 16, 120


@attrs.frozen(kw_only=True)
class SlaRow:
    """SLA attainment of one team: the shares of targets met (0-1), ``None`` if none decided."""

    team: str
    first_response: float | None
    resolution: float | None


@attrs.frozen(kw_only=True)
class DashboardData:
    """What the dashboard shows; ``crm.metrics.dashboard`` gathers it from the store."""

    title: str
    generated_at: dt.datetime
    locale: str
    time_zone: str
    summary: KpiReport
    """Every KPI, unsliced."""
    trend: KpiReport
    """NPS and CSAT by country and week."""
    channels: KpiReport
    """Inbound contacts by channel."""
    response: KpiReport
    """First response time and its percentiles by team."""
    sla: tuple[SlaRow, ...] = ()


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _svg(title: str, description: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" width="{_WIDTH}" height="{_HEIGHT}">'
        f"<title>{_e(title)}</title><desc>{_e(description)}</desc>{''.join(body)}</svg>"
    )


def _axis(low: float, high: float, label: str, fmt: Callable[[float], str]) -> list[str]:
    """The y axis from ``low`` to ``high`` with five gridlines labelled by ``fmt``."""
    parts = []
    plot_h = _HEIGHT - _TOP - _BOTTOM
    for step in range(5):
        value = low + (high - low) * step / 4
        y = _TOP + plot_h - plot_h * step / 4
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_WIDTH - _RIGHT}" y2="{y:.1f}" '
                     f'stroke="#ddd"/>')
        parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{_e(fmt(value))}</text>')
    parts.append(f'<text x="12" y="{_TOP + plot_h / 2:.1f}" font-size="11" '
                 f'transform="rotate(-90 12 {_TOP + plot_h / 2:.1f})" text-anchor="middle">'
                 f"{_e(label)}</text>")
    return parts


def _legend(names: Sequence[str]) -> list[str]:
    parts = []
    for index, name in enumerate(names):
        y = _TOP + 14 * index
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{_WIDTH - _RIGHT + 10}" y="{y}" width="10" height="10" '
                     f'fill="{colour}"/><text x="{_WIDTH - _RIGHT + 24}" y="{y + 9}" '
                     f'font-size="11">{_e(name)}</text>')
    return parts


def line_chart(title: str, labels: Sequence[str], series: dict[str, list[float | None]], *,
               low: float, high: float, unit: str, fmt: Callable[[float], str]) -> str:
    """Lines (one per series) over ``labels``; a gap where a value is ``None``."""
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    body = _axis(low, high, unit, fmt)
    count = max(1, len(labels) - 1)

    def x(i: int) -> float:
        return _LEFT + plot_w * i / count if len(labels) > 1 else _LEFT + plot_w / 2

    def y(v: float) -> float:
        return _TOP + plot_h - plot_h * (v - low) / ((high - low) or 1)

    for i, label in enumerate(labels):
        if len(labels) <= 8 or i % max(1, len(labels) // 8) == 0:
            short = label[5:] if len(label) == 10 else label  # the week's start, MM-DD
            body.append(f'<text x="{x(i):.1f}" y="{_HEIGHT - _BOTTOM + 16}" font-size="10" '
                        f'text-anchor="middle">{_e(short)}</text>')
    for index, (name, values) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(value):.1f}")
            body.append(f'<circle class="point" cx="{x(i):.1f}" cy="{y(value):.1f}" r="3" '
                        f'fill="{colour}"><title>{_e(name)} {_e(labels[i])}: '
                        f"{_e(fmt(value))}</title></circle>")
        for run in runs:
            if len(run) > 1:
                body.append(f'<polyline class="series" fill="none" stroke="{colour}" '
                            f'stroke-width="2" points="{" ".join(run)}"/>')
    body += _legend(list(series))
    description = f"{title}: {len(series)} series over {len(labels)} periods"
    return _svg(title, description, body)


def bar_chart(title: str, groups: Sequence[tuple[str, Sequence[float | None]]],
              names: Sequence[str], *, high: float, unit: str, fmt: Callable[[float], str]) -> str:
    """Vertical bars: for each group label, one bar per name (``None``: no bar)."""
    plot_w, plot_h = _WIDTH - _LEFT - _RIGHT, _HEIGHT - _TOP - _BOTTOM
    body = _axis(0, high, unit, fmt)
    slot = plot_w / max(1, len(groups))
    width = slot * 0.8 / max(1, len(names))
    for g, (label, values) in enumerate(groups):
        start = _LEFT + slot * g + slot * 0.1
        body.append(f'<text x="{start + slot * 0.4:.1f}" y="{_HEIGHT - _BOTTOM + 16}" '
                    f'font-size="10" text-anchor="middle">{_e(label)}</text>')
        for i, value in enumerate(values):
            if value is None:
                continue
            h = plot_h * min(value, high) / (high or 1)
            body.append(
                f'<rect class="bar" x="{start + width * i:.1f}" y="{_TOP + plot_h - h:.1f}" '
                f'width="{width:.1f}" height="{h:.1f}" fill="{PALETTE[i % len(PALETTE)]}">'
                f"<title>{_e(label)} {_e(names[i])}: {_e(fmt(value))}</title></rect>"
            )
    body += _legend(names)
    return _svg(title, f"{title}: {len(groups)} groups of {len(names)} bars", body)


def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th scope=\"col\">{_e(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _nice(value: float) -> float:
    """A round upper bound at or above ``value`` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** len(str(int(value)))
    for bound in (power / 10, power / 5, power / 2, power):
        if bound >= value:
            return float(bound)
    return float(power)


def _trend(data: DashboardData, kpi: str) -> str:
    report = data.trend
    if "country" not in report.spec.by:
        raise InvalidFormat("the trend is by country and week", field="trend")
    labels = sorted({row.period or "" for row in report.rows})
    countries = sorted({row.key[report.spec.by.index("country")] or "–" for row in report.rows})
    series: dict[str, list[float | None]] = {c: [None] * len(labels) for c in countries}
    for row in report.rows:
        value = row.get(kpi).value
        if isinstance(value, Decimal):
            country = row.key[report.spec.by.index("country")] or "–"
            series[country][labels.index(row.period or "")] = float(value)
    if kpi == "nps":
        return line_chart("NPS by country, by week", labels, series, low=-100, high=100,
                          unit="NPS (points)", fmt=lambda v: f"{v:+.0f}")
    return line_chart("CSAT by country, by week", labels, series, low=0, high=100,
                      unit="CSAT (% satisfied)",
                      fmt=lambda v: format_percent(Decimal(str(round(v, 1))), data.locale))


def _channel_mix(data: DashboardData) -> str:
    rows = sorted(((row.key[0] or "–", row.get("contacts").count) for row in data.channels.rows),
                  key=lambda item: (-item[1], item[0]))
    total = sum(count for _, count in rows) or 1
    groups = [(name, [count * 100 / total]) for name, count in rows]
    return bar_chart("Channel mix (inbound contacts)", groups, ["share of contacts"], high=100,
                     unit="% of contacts",
                     fmt=lambda v: format_percent(Decimal(str(round(v, 1))), data.locale))


def _sla(data: DashboardData) -> str:
    groups = [(row.team, [None if row.first_response is None else row.first_response * 100,
                          None if row.resolution is None else row.resolution * 100])
              for row in data.sla]
    return bar_chart("SLA attainment by team", groups, ["first response", "resolution"],
                     high=100, unit="% of targets met",
                     fmt=lambda v: format_percent(Decimal(str(round(v, 1))), data.locale))


def _response(data: DashboardData) -> str:
    report = data.response
    names = [f"p{p}" for p in report.spec.percentiles]
    groups = []
    highest = 0.0
    for row in report.rows:
        value = row.get("frt")
        minutes = [None if (d := value.percentile(p)) is None else d.total_seconds() / 60
                   for p in report.spec.percentiles]
        highest = max([highest, *(m for m in minutes if m is not None)])
        groups.append((row.key[0] or "–", minutes))
    return bar_chart("First response time percentiles by team", groups, names,
                     high=_nice(highest), unit="time to first response",
                     fmt=lambda v: format_duration(dt.timedelta(minutes=v), data.locale))


def render(data: DashboardData) -> str:
    """The dashboard as one HTML document (UTF-8 text), nothing to fetch when viewed."""
    if not isinstance(data, DashboardData):
        raise InvalidFormat(f"expected DashboardData, got {type(data).__name__}", field="data")
    summary = data.summary.rows[0] if data.summary.rows else None
    tiles = "".join(
        f'<div class="tile"><div class="kpi">{_e(KPI_TITLES[kpi])}</div><div class="value">'
        f"{_e(format_value(summary.get(kpi), data.locale) if summary else '–')}</div></div>"
        for kpi in data.summary.spec.kpis
    )
    sections = [
        ("NPS trend", _trend(data, "nps"), report_table(data.trend)),
        ("CSAT trend", _trend(data, "csat"), None),
        ("SLA attainment", _sla(data), (
            ["team", "first response", "resolution"],
            [[row.team, *("–" if v is None else format_percent(Decimal(str(round(v * 100, 1))),
                                                               data.locale)
                          for v in (row.first_response, row.resolution))]
             for row in data.sla],
        )),
        ("Channel mix", _channel_mix(data), report_table(data.channels)),
        ("First response time", _response(data), report_table(data.response)),
    ]
    parts = []
    for heading, chart, numbers in sections:
        parts.append(f"<section><h2>{_e(heading)}</h2>{chart}")
        if numbers is not None:
            parts.append(f"<details><summary>numbers</summary>{_html_table(*numbers)}</details>")
        parts.append("</section>")
    spec = data.summary.spec
    period = (f"{spec.start.isoformat(timespec='minutes')} – "
              f"{spec.end.isoformat(timespec='minutes')} (UTC), periods in {data.time_zone}")
    return f"""<!DOCTYPE html>
<html lang="{_e(data.locale)}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(data.title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
.tiles {{ display: flex; flex-wrap: wrap; gap: 1rem; }}
.tile {{ border: 1px solid #ccc; border-radius: 6px; padding: .6rem 1rem; min-width: 7rem; }}
.kpi {{ font-size: .8rem; color: #555; }} .value {{ font-size: 1.4rem; }}
section {{ margin-top: 2rem; }} svg.chart {{ max-width: 100%; height: auto; }}
table {{ border-collapse: collapse; font-size: .85rem; }}
td, th {{ border: 1px solid #ddd; padding: .2rem .5rem; text-align: right; }}
</style>
</head>
<body>
<h1>{_e(data.title)}</h1>
<p>{_e(period)}; generated {_e(data.generated_at.isoformat(timespec='seconds'))}</p>
<div class="tiles">{tiles}</div>
{"".join(parts)}
</body>
</html>
"""
