"""Response and breach deadlines per regime, in a legal calendar (research scenarios 22-27, 38).

Expected dates were computed by hand from the laws' counting rules (cited in the regime data)
with the public holidays of the ``holidays`` package; where a research scenario disagreed with
the law, the law wins and the case says why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm import errors
from globalcrm.privacy.deadlines import (
    LegalCalendar,
    breach_deadlines,
    earliest,
    response_deadline,
)

VILNIUS = LegalCalendar(time_zone="Europe/Vilnius", country="LT")
CALIFORNIA = LegalCalendar(time_zone="America/Los_Angeles", country="US", subdivision="CA")
SAO_PAULO = LegalCalendar(time_zone="America/Sao_Paulo", country="BR")
TORONTO = LegalCalendar(time_zone="America/Toronto", country="CA")
SEOUL = LegalCalendar(time_zone="Asia/Seoul", country="KR")
JERUSALEM = LegalCalendar(time_zone="Asia/Jerusalem", country="IL")


def _noon(day: str, calendar: LegalCalendar) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=calendar.zone)


@pytest.mark.parametrize(
    ("received", "due", "extended"),
    [
        ("2025-09-03", "2025-10-03", None),
        ("2025-01-31", "2025-02-28", "2025-04-30"),
        ("2024-01-31", "2024-02-29", None),
        ("2025-04-01", "2025-05-02", None),  # 1 May: International Workers' Day
        ("2025-10-01", "2025-11-03", "2026-01-02"),  # 1 Nov Sat + All Saints', 2 Nov Sun
    ],
)
def test_gdpr_one_month_in_the_vilnius_calendar(
    received: str, due: str, extended: str | None
) -> None:
    deadline = response_deadline("eu-gdpr", received_at=_noon(received, VILNIUS), calendar=VILNIUS)
    assert deadline.due_date == dt.date.fromisoformat(due)
    assert deadline.due_at == dt.datetime.combine(
        deadline.due_date, dt.time(23, 59, 59, 999999), tzinfo=VILNIUS.zone
    )
    assert deadline.cite.startswith("GDPR Art. 12(3)") and deadline.verified
    if extended is not None:
        longer = response_deadline(
            "eu-gdpr", received_at=_noon(received, VILNIUS), calendar=VILNIUS, extended=True
        )
        assert longer.due_date == dt.date.fromisoformat(extended)


def test_receipt_is_dated_in_the_controllers_zone() -> None:
    late_in_los_angeles = dt.datetime(
        2025, 3, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-7))
    )
    gdpr = response_deadline("eu-gdpr", received_at=late_in_los_angeles, calendar=VILNIUS)
    assert gdpr.due_date == dt.date(2025, 5, 2)  # 1 April in Vilnius; 1 May a holiday
    ccpa = response_deadline("us-ca-ccpa", received_at=late_in_los_angeles, calendar=CALIFORNIA)
    assert ccpa.due_date == dt.date(2025, 5, 14)  # receipt day is day 1 of 45
    looser = response_deadline(
        "us-ca-ccpa", received_at=late_in_los_angeles, calendar=CALIFORNIA, ccpa_receipt_day=False
    )
    assert looser.due_date == dt.date(2025, 5, 15)
    ack = response_deadline(
        "us-ca-ccpa", received_at=late_in_los_angeles, calendar=CALIFORNIA, right="acknowledge"
    )
    assert ack.due_date == dt.date(2025, 4, 14) and ack.cite == "11 CCR §7021(a)"


def test_ccpa_opt_out_counts_business_days_of_the_configured_calendar() -> None:
    received = _noon("2025-11-20", CALIFORNIA)
    with_holidays = response_deadline(
        "us-ca-ccpa", received_at=received, calendar=CALIFORNIA, right="opt_out_sale_share"
    )
    assert with_holidays.due_date == dt.date(2025, 12, 15)  # 27-28 Nov skipped
    weekends_only = LegalCalendar(time_zone="America/Los_Angeles")
    plain = response_deadline(
        "us-ca-ccpa", received_at=received, calendar=weekends_only, right="opt_out_sale_share"
    )
    assert plain.due_date == dt.date(2025, 12, 11)


@pytest.mark.parametrize(
    ("regime", "calendar", "received", "due"),
    [
        ("br-lgpd", SAO_PAULO, "2025-04-04", "2025-04-22"),  # day 15 Sat; 21 Apr Tiradentes
        ("ca-pipeda", TORONTO, "2025-06-01", "2025-07-02"),  # day 30 is Canada Day
        ("ca-pipeda", TORONTO, "2025-07-05", "2025-08-04"),  # Mon 4 Aug: a civic holiday only
        ("kr-pipa", SEOUL, "2025-09-26", "2025-10-10"),  # Chuseok 5-8 Oct, Hangul Day 9 Oct
        (
            "jp-appi",
            LegalCalendar(time_zone="Asia/Tokyo", country="JP"),
            "2025-12-20",
            "2026-01-03",
        ),
    ],
)
def test_day_counts_exclude_the_first_day_and_move_off_holidays(
    regime: str, calendar: LegalCalendar, received: str, due: str
) -> None:
    deadline = response_deadline(regime, received_at=_noon(received, calendar), calendar=calendar)
    assert deadline.due_date == dt.date.fromisoformat(due)


def test_pipeda_moves_past_sundays_and_holidays_but_not_saturdays() -> None:
    received = _noon("2025-08-02", TORONTO)  # + 30 days = Mon 1 Sep, Labour Day
    assert response_deadline("ca-pipeda", received_at=received, calendar=TORONTO).due_date == (
        dt.date(2025, 9, 2)
    )
    saturday = _noon("2025-07-03", TORONTO)  # + 30 days = Sat 2 Aug, not a holiday federally
    assert response_deadline("ca-pipeda", received_at=saturday, calendar=TORONTO).due_date == (
        dt.date(2025, 8, 2)
    )
    assert response_deadline(
        "ca-pipeda", received_at=_noon("2025-08-01", TORONTO), calendar=TORONTO
    ).due_date == dt.date(2025, 8, 31) + dt.timedelta(days=2)  # Sun 31 Aug, Mon 1 Sep holiday


def test_pauses_move_the_due_date_and_several_add_up() -> None:
    received = _noon("2025-09-03", VILNIUS)
    base = response_deadline("eu-gdpr", received_at=received, calendar=VILNIUS)
    paused = response_deadline("eu-gdpr", received_at=received, calendar=VILNIUS, paused_days=5)
    assert (base.due_date, paused.due_date) == (dt.date(2025, 10, 3), dt.date(2025, 10, 8))
    twice = response_deadline("eu-gdpr", received_at=received, calendar=VILNIUS, paused_days=7)
    assert twice.due_date == dt.date(2025, 10, 10)


def test_several_regimes_take_the_earliest_due_date() -> None:
    received = dt.datetime(2025, 3, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
    both = [
        response_deadline("eu-gdpr", received_at=received, calendar=VILNIUS),
        response_deadline("us-ca-ccpa", received_at=received, calendar=CALIFORNIA),
    ]
    assert earliest(both).regime == "eu-gdpr"


def test_regimes_without_a_day_count_or_extension_say_so() -> None:
    received = _noon("2025-09-03", VILNIUS)
    with pytest.raises(errors.RuleViolation, match="no day count"):
        response_deadline("cn-pipl", received_at=received, calendar=VILNIUS)
    with pytest.raises(errors.RuleViolation, match="no extension"):
        response_deadline("br-lgpd", received_at=received, calendar=SAO_PAULO, extended=True)
    for bad in ({"regime": "xx-law"}, {"paused_days": -1}, {"right": "Jonas Petraitis!"}):
        with pytest.raises(errors.InvalidInput):
            response_deadline(
                **{"regime": "eu-gdpr", "received_at": received, "calendar": VILNIUS, **bad}  # type: ignore[arg-type]
            )
    with pytest.raises(errors.InvalidComponent):
        LegalCalendar(time_zone="Europe/Vilnius", country="LT", subdivision="Nowhere")


def test_breach_clocks_run_in_utc_across_summer_time() -> None:
    aware = dt.datetime(2025, 10, 26, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    found = {
        item.regime: item
        for item in breach_deadlines(
            aware,
            regimes=[
                "eu-gdpr",
                "in-dpdp",
                "kr-pipa",
                "br-lgpd",
                "us-ca-ccpa",
                "jp-appi",
                "cn-pipl",
            ],
            calendars={
                "br-lgpd": SAO_PAULO,
                "us-ca-ccpa": CALIFORNIA,
                "jp-appi": LegalCalendar(time_zone="Asia/Tokyo", country="JP"),
            },
        )
    }
    for code in ("eu-gdpr", "in-dpdp", "kr-pipa"):
        assert found[code].due_at == dt.datetime(2025, 10, 28, 22, 30, tzinfo=dt.UTC)
    # Brazil: aware on Sat 25 Oct local; Mon 27, Tue 28, Wed 29 are business days
    assert found["br-lgpd"].due_at == SAO_PAULO.end_of(dt.date(2025, 10, 29))
    assert found["us-ca-ccpa"].due_at == CALIFORNIA.end_of(dt.date(2025, 11, 24))
    assert "cn-pipl" not in found  # "immediately": no count to compute
    (appi,) = breach_deadlines(
        aware,
        regimes=["jp-appi"],
        unlawful_purpose=True,
        calendars={"jp-appi": LegalCalendar(time_zone="Asia/Tokyo", country="JP")},
    )
    assert appi.due_at.astimezone(dt.timezone(dt.timedelta(hours=9))).date() == dt.date(
        2025, 12, 25
    )


def test_israeli_weekend_is_friday_and_saturday() -> None:
    assert not JERUSALEM.is_working_day(dt.date(2025, 11, 7))  # a Friday
    assert JERUSALEM.is_working_day(dt.date(2025, 11, 9))  # a Sunday


@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31)))
def test_gdpr_due_date_is_a_working_day_a_month_or_a_little_more_later(day: dt.date) -> None:
    deadline = response_deadline(
        "eu-gdpr", received_at=_noon(day.isoformat(), VILNIUS), calendar=VILNIUS
    )
    assert VILNIUS.is_working_day(deadline.due_date)
    assert 28 <= (deadline.due_date - day).days <= 31 + 5


# --------------------------------------------------------------------------- the requests page


def _requests_table_tool() -> Any:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "tools" / "build_requests_table.py"
    spec = importlib.util.spec_from_file_location("build_requests_table", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_requests_page_tables_are_generated_from_the_data_and_the_code() -> None:
    import subprocess
    import sys
    from pathlib import Path

    tool = Path(__file__).resolve().parents[2] / "tools" / "build_requests_table.py"
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(tool), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_requests_page_tables_show_each_regimes_rules() -> None:
    requests, breaches = _requests_table_tool().build().split("A breach")
    rows = {line.split("|")[1].strip(): line for line in requests.splitlines()
            if line.startswith("| `")}
    assert len(rows) == 11 and breaches.count("\n| `") == 11
    assert "| `eu-gdpr` | `elapsed` | Sat 2026-12-26 10:00 Europe/Vilnius |" in breaches
    # a month from Wed 23 Dec 2026 is Sat 23 Jan 2027: the next working day in Vilnius
    assert "| Mon 2027-01-25 | Tue 2027-03-23 |" in rows["`eu-gdpr`"]
    # the CCPA counts the day of receipt as day 1: 45 days end on receipt + 44
    assert "| Fri 2027-02-05 |" in rows["`us-ca-ccpa`"]
    assert "no day count" in rows["`cn-pipl`"]
    # a stale page is found: the check compares the whole generated part
    tool = _requests_table_tool()
    page = f"intro\n{tool.BEGIN}\nSTALE ROW\n{tool.END}\noutro\n"
    fresh = tool.rendered(page)
    assert fresh.startswith("intro\n") and fresh.endswith("\noutro\n") and "STALE ROW" not in fresh
