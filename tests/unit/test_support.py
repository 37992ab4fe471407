"""Business hours, cases, SLA policies and the clock, routing and contact times, in memory."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

import globalcrm as gc
from globalcrm.business_hours import BusinessHours, around_the_clock
from globalcrm.cases import Case
from globalcrm.contact_points import ContactHours
from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.support import (
    SlaPolicy,
    SlaTarget,
    Team,
    best_contact_time,
    case_deadlines,
    contact_schedule,
    deadline,
    elapsed,
    pick_agent,
    route,
)

H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
CUSTOMER = "01KAQ3V4J5ZC6Y3W8N0R2T4V6X"
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- business hours


def test_dst_spring_forward_shortens_a_shift_in_vilnius() -> None:
    hours = BusinessHours(time_zone="Europe/Vilnius", weekly={"sun": [("02:00", "06:00")]})
    start = _utc(2026, 3, 29, 0, 0)  # 02:00 EET; at 03:00 the clocks jump to 04:00
    assert hours.between(start, _utc(2026, 3, 29, 12, 0)) == 3 * H
    assert hours.add(start, 3 * H).isoformat() == "2026-03-29T06:00:00+03:00"


def test_dst_fall_back_repeats_an_hour_in_adelaide() -> None:
    # Adelaide goes back from 03:00 ACDT to 02:00 ACST on 5 April 2026
    hours = BusinessHours(time_zone="Australia/Adelaide", weekly={"sun": [("00:00", "06:00")]})
    start = _utc(2026, 4, 4, 13, 30)  # 00:00 at +10:30
    assert hours.between(start, _utc(2026, 4, 5, 12, 0)) == 7 * H


def test_overnight_shift_belongs_to_the_day_it_starts() -> None:
    hours = BusinessHours(
        time_zone="Asia/Kolkata", country="IN", weekly={"fri": [("22:00", "06:00")]}
    )
    friday_night = dt.datetime(2026, 12, 4, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=5.5)))
    assert hours.is_open(friday_night)
    assert hours.is_open(friday_night + 6 * H)  # Saturday 05:00
    assert not hours.is_open(friday_night + 7 * H)
    assert hours.next_open(friday_night + 7 * H).isoformat() == "2026-12-11T22:00:00+05:30"


def test_jerusalem_weekend_is_friday_and_saturday() -> None:
    hours = BusinessHours(
        time_zone="Asia/Jerusalem",
        weekly={day: [("08:30", "17:30")] for day in ("sun", "mon", "tue", "wed", "thu")},
    )
    thursday_evening = _utc(2026, 12, 3, 16, 0)  # 18:00 in Jerusalem
    assert hours.next_open(thursday_evening).isoformat() == "2026-12-06T08:30:00+02:00"


def test_holidays_of_a_subdivision_and_closures() -> None:
    adelaide = BusinessHours(
        time_zone="Australia/Adelaide", country="AU", subdivision="sa",
        weekly={day: [("09:00", "17:00")] for day in WORKDAYS},
        closures=["2026-03-10", (_utc(2026, 3, 10, 22, 30), _utc(2026, 3, 11, 2, 0))],
    )
    assert adelaide.holiday(dt.date(2026, 3, 9)) == "Adelaide Cup Day"
    assert adelaide.subdivision == "SA"
    monday_morning = _utc(2026, 3, 8, 23, 0)  # Monday 09:30 in Adelaide: a holiday
    # Tuesday is a closed day; Wednesday opens at 09:00 but a closure runs to 12:30
    assert adelaide.next_open(monday_morning).isoformat() == "2026-03-11T12:30:00+10:30"
    assert adelaide == BusinessHours.from_json(adelaide.to_json())


def test_add_ends_at_closing_time_not_at_the_next_opening() -> None:
    weekly = {d: [("09:00", "18:00")] for d in WORKDAYS}
    hours = BusinessHours(time_zone="Asia/Tashkent", weekly=weekly)
    start = dt.datetime(2026, 12, 1, 17, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tashkent"))
    assert hours.add(start, H).isoformat() == "2026-12-01T18:00:00+05:00"
    assert hours.add(start, H + MIN).isoformat() == "2026-12-02T09:01:00+05:00"
    assert hours.add(start, dt.timedelta(0)) == start


def test_around_the_clock_is_plain_time() -> None:
    clock = around_the_clock()
    start = _utc(2026, 1, 1, 5, 7)
    later = dt.timedelta(days=40, seconds=3)
    assert clock.add(start, later) == start + later


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"time_zone": "Mars/Olympus", "weekly": {"mon": [("09:00", "17:00")]}}, "time_zone"),
        ({"time_zone": "UTC", "weekly": {}}, "weekly"),
        ({"time_zone": "UTC", "weekly": {"funday": [("09:00", "17:00")]}}, "weekly.funday"),
        ({"time_zone": "UTC", "weekly": {"mon": [("09:00", "09:00")]}}, "weekly.mon[0]"),
        ({"time_zone": "UTC", "weekly": {"mon": [("24:00", "09:00")]}}, "weekly.mon[0][0]"),
        ({"time_zone": "UTC", "weekly": {"mon": [("9am", "5pm")]}}, "weekly.mon[0][0]"),
        ({"time_zone": "UTC", "weekly": {"mon": [("09:00",)]}}, "weekly.mon[0]"),
        ({"time_zone": "UTC", "weekly": {"mon": "09-17"}}, "weekly.mon"),
        ({"time_zone": "UTC", "weekly": {"mon": [("09:00", "17:00")]}, "country": "XX"},
         "country"),
        ({"time_zone": "UTC", "weekly": {"mon": [("09:00", "17:00")]}, "country": "LT",
          "subdivision": "ZZ"}, "subdivision"),
        ({"time_zone": "UTC", "weekly": {"mon": [("09:00", "17:00")]}, "subdivision": "SA"},
         "subdivision"),
        ({"time_zone": "UTC", "weekly": {"mon": [("09:00", "17:00")]}, "closures": ["soon"]},
         "closures[0]"),
    ],
)
def test_bad_schedules_name_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        BusinessHours(**fields)
    assert caught.value.field == field


def test_bad_instants_and_durations_are_refused() -> None:
    hours = around_the_clock("Europe/Vilnius")
    with pytest.raises(InvalidFormat, match="time zone"):
        hours.is_open(dt.datetime(2026, 1, 1))
    with pytest.raises(gc.InvalidInput, match="negative"):
        hours.add(_utc(2026, 1, 1), -H)
    with pytest.raises(gc.InvalidInput, match="before the start"):
        hours.between(_utc(2026, 1, 2), _utc(2026, 1, 1))
    with pytest.raises(gc.InvalidInput, match="1900"):
        hours.next_open(dt.datetime(9999, 1, 1, tzinfo=dt.UTC))


def test_a_schedule_closed_for_ever_gives_up_with_a_rule_violation() -> None:
    hours = BusinessHours(
        time_zone="UTC", weekly={"mon": [("09:00", "10:00")]},
        closures=[(_utc(2026, 1, 1), _utc(2050, 1, 1))],
    )
    with pytest.raises(gc.RuleViolation, match="ten years"):
        hours.add(_utc(2026, 1, 1), H)


# --------------------------------------------------------------------------- cases


def test_case_history_channels_pauses_and_reopening() -> None:
    t = _utc(2026, 12, 1, 9)
    case = Case.open(CUSTOMER, channel="live_chat", now=t)
    case.switch_channel("email", now=t + MIN)
    case.change_status("pending_customer", now=t + 2 * MIN)
    case.change_status("open", now=t + 10 * MIN)
    case.change_status("resolved", now=t + 20 * MIN)
    case.change_status("reopened", now=t + 30 * MIN)
    assert case.resolved_at is None and case.is_active
    assert case.pauses() == [(t + 2 * MIN, t + 10 * MIN), (t + 20 * MIN, t + 30 * MIN)]
    assert case.channels == ("live_chat", "email")
    with pytest.raises(gc.InvalidInput, match="before the case's last change"):
        case.set_priority("high", now=t)
    with pytest.raises(gc.InvalidInput, match="cannot be changed"):
        case.customer_id = "01KAQ3V4J5ZC6Y3W8N0R2T4V6Y"
    with pytest.raises(InvalidComponent):
        case.status = "snoozed"


def test_case_reprs_hide_subject_and_agent() -> None:
    case = Case.open(
        CUSTOMER, channel="sms", now=_utc(2026, 1, 1), subject="My secret", agent="Ona"
    )
    assert "secret" not in repr(case) and "Ona" not in repr(case)


# --------------------------------------------------------------------------- SLA


def _policy() -> SlaPolicy:
    return SlaPolicy(
        key="standard",
        targets=[
            SlaTarget(metric="first_response", within=4 * H),
            SlaTarget(metric="first_response", within=H, priority="urgent"),
            SlaTarget(metric="first_response", within=30 * MIN, priority="urgent", tier="gold"),
            SlaTarget(metric="resolution", within=16 * H, business_hours=False),
        ],
    )


def test_the_most_specific_target_wins() -> None:
    policy = _policy()
    pick = policy.target
    assert pick("first_response", priority="low", channel="email").within == 4 * H  # type: ignore[union-attr]
    assert pick("first_response", priority="urgent", channel="email").within == H  # type: ignore[union-attr]
    assert pick("first_response", priority="urgent", channel="sms", tier="gold").within == 30 * MIN  # type: ignore[union-attr]
    assert SlaPolicy.from_json(policy.to_json()) == policy
    with pytest.raises(gc.InvalidInput):
        SlaTarget(metric="first_response", within=dt.timedelta(0))
    with pytest.raises(InvalidComponent):
        SlaTarget(metric="next_reply", within=H)


def test_deadline_and_elapsed_skip_pauses() -> None:
    start = _utc(2026, 1, 5, 0)
    pauses = [(start + H, start + 3 * H)]
    assert deadline(start, 2 * H, hours=None, pauses=pauses) == start + 4 * H
    assert deadline(start, 30 * MIN, hours=None, pauses=pauses) == start + 30 * MIN
    assert deadline(start, 2 * H, hours=None, pauses=[(start + H, None)]) is None
    assert elapsed(start, start + 5 * H, hours=None, pauses=pauses) == 3 * H


def test_case_deadlines_in_business_hours_and_around_the_clock() -> None:
    hours = BusinessHours(time_zone="Europe/Vilnius", country="LT",
                          weekly={d: [("09:00", "17:00")] for d in WORKDAYS})
    case = Case.open(CUSTOMER, channel="email", now=_utc(2026, 12, 23, 14), priority="urgent")
    first, resolution = case_deadlines(case, _policy(), hours)
    assert first == _utc(2026, 12, 23, 15)  # 16:00 Wed + 1 h of business time: 17:00
    assert resolution == _utc(2026, 12, 24, 6)  # 16 h around the clock
    case.responded(now=_utc(2026, 12, 23, 14, 30))
    assert case_deadlines(case, _policy(), hours)[0] == first  # met: the deadline stays
    late = Case.open(CUSTOMER, channel="email", now=_utc(2026, 12, 23, 14, 30), priority="urgent")
    assert case_deadlines(late, _policy(), hours)[0] == _utc(2026, 12, 28, 7, 30)
    assert case_deadlines(case, None, hours) == (None, None)


# --------------------------------------------------------------------------- routing and contact


def _team(key: str, zone: str, languages: list[str], regions: tuple[str, ...] = ()) -> Team:
    return Team(key=key, name=key, languages=languages, regions=list(regions),
                business_hours=BusinessHours(time_zone=zone,
                                             weekly={d: [("09:00", "17:00")] for d in WORKDAYS}),
                agents=["a", "b"])


def test_route_prefers_open_teams_with_the_exact_language() -> None:
    teams = [
        _team("en", "Europe/London", ["en"]),
        _team("pt", "America/Sao_Paulo", ["pt-BR", "en"]),
    ]
    at = _utc(2026, 12, 2, 13)  # London 13:00, São Paulo 10:00
    assert [t.key for t in route(teams, language="pt-BR", country="BR", at=at).open_now] == ["pt"]
    both = route(teams, language="en", country=None, at=at).open_now
    assert [t.key for t in both] == ["en", "pt"]
    late = _utc(2026, 12, 2, 18)  # London closed, São Paulo 15:00
    assert route(teams, language="en", country="GB", at=late).team.key == "pt"  # type: ignore[union-attr]
    assert route(teams, language="fi", country="FI", at=late).team is None


def test_pick_agent() -> None:
    team = _team("x", "UTC", ["en"])
    assert pick_agent(team, "round_robin") == "a"
    assert pick_agent(team, "round_robin", last="a") == "b"
    assert pick_agent(team, "round_robin", last="b") == "a"
    assert pick_agent(team, "least_loaded", load={"a": 3, "b": 1}) == "b"
    with pytest.raises(InvalidComponent):
        pick_agent(team, "random")


def test_contact_schedule_keeps_the_night_out_unless_the_customer_asks_for_it() -> None:
    evening = ContactHours(start="18:00", end="02:00", weekdays=(5,))
    schedule = contact_schedule(evening, time_zone="Asia/Tokyo", country="JP")
    assert dict(schedule.weekly) == {"fri": (("18:00", "21:00"),)}
    night = ContactHours(start="22:00", end="06:00", weekdays=(1,))
    assert dict(contact_schedule(night, time_zone="UTC", country=None).weekly) == {
        "mon": (("22:00", "24:00"),), "tue": (("00:00", "06:00"),)}
    after = _utc(2026, 12, 30, 23)  # 08:00 in Tokyo on 31 December, then New Year holidays
    best = best_contact_time(None, time_zone="Asia/Tokyo", country="JP", after=after)
    assert best.isoformat() == "2026-12-31T08:00:00+09:00"


def test_answers_in_a_fold_compare_equal_to_the_same_instant() -> None:
    # Jerusalem fell back from 02:00 to 01:00 on 30 October 2016: 01:30 happened twice
    hours = BusinessHours(time_zone="Asia/Jerusalem", weekly={"sun": [("00:00", "02:00")]})
    start = _utc(2016, 10, 29, 21, 0)  # Sunday 00:00 at +03:00
    answer = hours.add(start, dt.timedelta(minutes=150))
    assert answer == _utc(2016, 10, 29, 23, 30)
    assert answer.isoformat() == "2016-10-30T01:30:00+02:00"
    assert hours.between(start, _utc(2016, 10, 30, 12)) == 3 * H
