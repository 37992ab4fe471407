"""The dashboard page (globalcrm.dashboard): escaped, self-contained, drawn by a real browser.

The page is rendered from in-memory reports (globalcrm.metrics.compute); Debian's Chromium
(headless) loads it: no console message at all (a request the CSP refuses, a script error), the
five charts in the DOM, and the palette's colours on the screenshot. A page that breaks those
rules is shown to be caught, so the check can fail. Skipped only when Chromium is missing and CI
is not set (scripts/test.sh installs it).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import png
import pytest

from globalcrm import metrics
from globalcrm.cases import Case
from globalcrm.dashboard import PALETTE, DashboardData, SlaRow, render
from globalcrm.errors import InvalidFormat
from globalcrm.surveys import SurveyAnswer

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
START = NOW - dt.timedelta(weeks=4)
HOSTILE = '<script>alert("x")</script>'


def _data(team: str = "north", title: str = "Service") -> DashboardData:
    answers = [
        SurveyAnswer(customer_id=f"01JD00000000000000000000{i:02d}", kind=kind, score=score,
                     channel="email", answered_at=START + dt.timedelta(days=i))
        for i, (kind, score) in enumerate([("nps", 10), ("nps", 3), ("csat", 5), ("csat", 2),
                                          ("nps", 9), ("csat", 4), ("nps", 7)] * 3)
    ]
    countries = {a.customer_id: ("LT", "JP", "BR")[i % 3] for i, a in enumerate(answers)
                 if a.customer_id}
    cases = [
        Case(customer_id="01JD0000000000000000000001", channel="email", team=team,
             opened_at=START + dt.timedelta(days=i),
             first_response_at=START + dt.timedelta(days=i, minutes=5 + 7 * i))
        for i in range(10)
    ]

    def spec(kpis: object, by: object = (), period: object = None) -> metrics.ReportSpec:
        return metrics.ReportSpec(kpis=kpis, by=by, period=period, start=START, end=NOW,
                                  locale="de", time_zone="Europe/Berlin")

    def compute(s: metrics.ReportSpec) -> metrics.KpiReport:
        return metrics.compute(s, answers=answers, cases=cases, countries=countries)

    channels = metrics.assemble(spec("contacts", "channel"), [
        metrics.Aggregate("contacts", None, ("email",), 30),
        metrics.Aggregate("contacts", None, ("phone",), 12),
    ])
    return DashboardData(
        title=title, generated_at=NOW, locale="de", time_zone="Europe/Berlin",
        summary=compute(spec(metrics.KPIS)),
        trend=compute(spec(("nps", "csat"), "country", "week")), channels=channels,
        response=compute(spec("frt", "team")),
        sla=(SlaRow(team=team, first_response=0.9, resolution=None),),
    )


def test_the_page_is_whole_and_escaped() -> None:
    page = render(_data(team="north", title=HOSTILE))
    assert page.count("<svg") == 5 and page.count("<desc>") == 5
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "default-src 'none'" in page
    assert page.count('class="series"') >= 3  # an NPS line per country (and CSAT's)
    assert '<div class="value">+25,0</div>' in page  # 6 promoters, 3 detractors of 12
    with pytest.raises(InvalidFormat):
        render("not data")  # type: ignore[arg-type]


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing on CI: scripts/test.sh installs it (apt-get)")
        pytest.skip("Chromium is not installed (scripts/test.sh installs Debian's chromium)")
    return found


def _load(page: str, tmp_path: Path) -> tuple[str, list[str], list[tuple[int, ...]]]:
    """Load ``page`` in headless Chromium: its DOM, its console lines, its screenshot's pixels."""
    browser = _chromium()
    document = tmp_path / "page.html"
    document.write_text(page, encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--enable-logging=stderr", "--v=0", "--window-size=900,2400"]
    runs = []
    for extra in (["--dump-dom"], [f"--screenshot={tmp_path / 'shot.png'}"]):
        with tempfile.TemporaryDirectory() as profile:
            runs.append(subprocess.run(  # noqa: S603 - our own arguments
                [browser, *flags, f"--user-data-dir={profile}", *extra, document.as_uri()],
                capture_output=True, text=True, timeout=120, check=True,
            ))
    console = [line for run in runs for line in run.stderr.splitlines() if ":CONSOLE" in line]
    width, height, rows, _ = png.Reader(bytes=(tmp_path / "shot.png").read_bytes()).asRGBA8()
    pixels = [tuple(row[i:i + 3]) for row in rows for i in range(0, width * 4, 4)]
    assert (width, height) == (900, 2400)
    return runs[0].stdout, console, pixels


def _colours(pixels: list[tuple[int, ...]]) -> set[str]:
    seen = {f"#{r:02x}{g:02x}{b:02x}" for r, g, b in pixels}
    return seen & set(PALETTE)


def test_chromium_draws_the_charts_without_a_console_message(tmp_path: Path) -> None:
    dom, console, pixels = _load(render(_data()), tmp_path)
    assert console == []
    assert dom.count("<svg") == 5 and dom.count('class="bar"') >= 4
    assert {PALETTE[0], PALETTE[1], PALETTE[2]} <= _colours(pixels)


def test_the_browser_check_catches_a_page_that_fetches_or_scripts(tmp_path: Path) -> None:
    broken = render(_data()).replace(
        "<body>", '<body><img src="http://example.com/x.png"><script>console.log(1)</script>'
    )
    _, console, _ = _load(broken, tmp_path)
    assert len(console) == 4  # the image and the script, refused by the CSP, in both loads
    assert any("Loading the image" in line for line in console)
    assert any("inline script" in line for line in console)
