"""Shared fixtures: where ../shared lives, conformance counts, and the databases under test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Examples are judged by their assertions, not their speed: a shared CI machine must not turn a
# slow example into a failure (deadline), and storage examples are slow by nature.
settings.register_profile(
    "globalcrm", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("globalcrm")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CONFORMANCE = SHARED / "conformance"

_REPORTS: list[tuple[str, str, int, int, list[str]]] = []


class ConformanceReport:
    """Collects pass/fail counts of one conformance data set; printed at the end of the run."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, int, int, list[str]]] = []

    def add(
        self, area: str, part: str, passed: int, failed: int, notes: list[str] | None = None
    ) -> None:
        """Record the counts of ``area`` (``payments``) for ``part`` (a file, a locale)."""
        row = (area, part, passed, failed, list(notes or []))
        self.rows.append(row)
        _REPORTS.append(row)


@pytest.fixture
def conformance_report() -> ConformanceReport:
    """Record conformance counts; they are printed as ``<area>: N passed, M failed``."""
    return ConformanceReport()


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """``../shared/conformance`` beside the project root; the run fails if it is missing."""
    if not CONFORMANCE.is_dir():
        pytest.fail(f"conformance data not found at {CONFORMANCE}")
    return CONFORMANCE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print every conformance count, per part, then per area."""
    if not _REPORTS:
        return
    write = terminalreporter.write_line
    terminalreporter.section("conformance")
    totals: dict[str, list[int]] = {}
    for area, part, passed, failed, notes in sorted(_REPORTS, key=lambda r: (r[0], r[1])):
        write(f"{area} [{part}]: {passed} passed, {failed} failed")
        for note in notes:
            write(f"    {note}")
        total = totals.setdefault(area, [0, 0])
        total[0] += passed
        total[1] += failed
    for area, (passed, failed) in sorted(totals.items()):
        write(f"{area} (all files): {passed} passed, {failed} failed")


@pytest.fixture(scope="session")
def postgres_url() -> str | None:
    """The PostgreSQL URL from ``GLOBALCRM_TEST_DATABASE_URL``, or ``None``."""
    return os.environ.get("GLOBALCRM_TEST_DATABASE_URL") or None
