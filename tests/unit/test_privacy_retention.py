"""Retention periods on the controller's wall clock, the accepted combinations, legal holds,
the candidate bound, and the sweep's decision (notices first, then the act)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm import errors
from globalcrm.privacy.retention import (
    ACTIONS,
    COMBINATIONS,
    SCOPES,
    TRIGGERS,
    Clock,
    LegalHold,
    PolicyOutcome,
    RetentionPolicy,
    SweepReport,
    add_wall_clock,
    decide,
    due_subjects,
    held,
)

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")


def _policy(**changes: object) -> RetentionPolicy:
    values: dict[str, object] = dict(
        name="dormant",
        scope="customer",
        trigger="last_interaction",
        duration="P3Y",
        action="erase",
        cite="GDPR Art. 5(1)(e)",
        time_zone="Europe/Vilnius",
    )
    values.update(changes)
    return RetentionPolicy(**values)


def test_the_boundary_is_the_same_wall_time_across_summer_time() -> None:
    policy = _policy()
    # 01:30 on 27 Oct 2024 in Vilnius is summer time; three years later it is winter time
    start = dt.datetime(2024, 10, 27, 1, 30, tzinfo=VILNIUS)
    end = policy.expires_at(start)
    assert end.astimezone(VILNIUS).replace(tzinfo=None) == dt.datetime(2027, 10, 27, 1, 30)
    assert policy.is_due(start, end) and not policy.is_due(start, end - dt.timedelta(seconds=1))


def test_month_ends_and_leap_days_clamp() -> None:
    assert add_wall_clock(
        dt.datetime(2024, 2, 29, 12, tzinfo=VILNIUS), "P1Y", VILNIUS
    ).astimezone(VILNIUS).date() == dt.date(2025, 2, 28)
    assert add_wall_clock(
        dt.datetime(2025, 1, 31, 12, tzinfo=VILNIUS), "P1M", VILNIUS
    ).astimezone(VILNIUS).date() == dt.date(2025, 2, 28)


def test_a_skipped_hour_is_taken_as_the_instant_it_would_have_been() -> None:
    # 03:30 on 30 Mar 2025 does not exist in Vilnius (clocks jump from 03:00 to 04:00)
    start = dt.datetime(2024, 3, 30, 3, 30, tzinfo=VILNIUS)
    end = add_wall_clock(start, "P1Y", VILNIUS)
    assert end == dt.datetime(2025, 3, 30, 1, 30, tzinfo=dt.UTC)


def test_pre_notice_comes_before_the_end() -> None:
    policy = _policy(pre_notice="PT48H", action="erase")
    start = dt.datetime(2023, 1, 10, 12, tzinfo=dt.UTC)
    notice = policy.notice_at(start)
    assert notice == policy.expires_at(start) - dt.timedelta(hours=48)
    with pytest.raises(errors.InvalidInput):
        _policy(pre_notice="P1M").notice_at(start)


def test_bad_policies_are_refused() -> None:
    for changes, field in (
        ({"duration": "3 years"}, "duration"),
        ({"duration": "P"}, "duration"),
        ({"scope": "everything"}, "scope"),
        ({"action": "erase", "scope": "interactions"}, "action"),
        ({"trigger": "moon_phase"}, "trigger"),
    ):
        with pytest.raises(errors.InvalidInput) as caught:
            _policy(**changes)
        assert caught.value.field == field


def test_a_hold_applies_between_placing_and_release() -> None:
    hold = LegalHold(
        subject_ref="cust-1",
        reason="litigation",
        cite="GDPR Art. 17(3)(e)",
        placed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        released_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    assert held("cust-1", [hold], dt.datetime(2025, 3, 1, tzinfo=dt.UTC)) == [hold]
    assert held("cust-1", [hold], dt.datetime(2025, 6, 1, tzinfo=dt.UTC)) == []
    assert held("cust-2", [hold], dt.datetime(2025, 3, 1, tzinfo=dt.UTC)) == []


@given(
    trigger=st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2030, 1, 1)),
    now=st.datetimes(min_value=dt.datetime(2015, 1, 1), max_value=dt.datetime(2035, 1, 1)),
    duration=st.sampled_from(["P3Y", "P18M", "P1M", "P90D", "P2W", "PT48H", "P1Y6M10D"]),
)
def test_every_due_record_lies_before_the_candidate_bound(
    trigger: dt.datetime, now: dt.datetime, duration: str
) -> None:
    policy = _policy(duration=duration)
    start = trigger.replace(tzinfo=dt.UTC)
    moment = now.replace(tzinfo=dt.UTC)
    if policy.is_due(start, moment):
        assert start < policy.candidates_before(moment)
    assert policy.expires_at(start) > start


def test_every_combination_the_store_acts_on_is_accepted_and_every_other_refused() -> None:
    accepted = 0
    for scope in SCOPES:
        for trigger in TRIGGERS:
            for action in ACTIONS:
                triggers, actions = COMBINATIONS[scope]
                if trigger in triggers and action in actions:
                    policy = _policy(scope=scope, trigger=trigger, action=action)
                    assert (policy.scope, policy.trigger, policy.action) == (scope, trigger, action)
                    accepted += 1
                    continue
                with pytest.raises(errors.InvalidInput) as caught:
                    _policy(scope=scope, trigger=trigger, action=action)
                assert caught.value.field == ("trigger" if trigger not in triggers else "action")
                if trigger != "account_closed":  # the message lists what exists
                    assert "interactions: created|last_interaction -> delete|anonymise|review" in (
                        caught.value.message
                    )
    assert accepted == 4 * 3 + 2 * 3 + 1 * 2 + 1 * 3 + 1 * 1


def test_the_refusals_say_why() -> None:
    with pytest.raises(errors.InvalidInput, match="would break the hash chain"):
        _policy(scope="audit", trigger="created", action="delete")
    with pytest.raises(errors.InvalidInput, match="sealed under the subject's key"):
        _policy(scope="consent_evidence", trigger="consent_withdrawn", action="delete")
    with pytest.raises(errors.InvalidInput, match="records no closing of an account"):
        _policy(trigger="account_closed")
    with pytest.raises(errors.InvalidInput, match="'request_completed'") as caught:
        _policy(scope="requests", trigger="created", action="delete")
    assert caught.value.field == "trigger"


def test_a_pre_notice_needs_the_subject_s_own_clock_and_an_act() -> None:
    assert _policy(pre_notice="PT48H").notice_period == dt.timedelta(hours=48)
    assert _policy(scope="interactions", action="delete", pre_notice="P2D").subject_clock
    for changes in (
        {"action": "review"},
        {"scope": "interactions", "trigger": "created", "action": "delete"},
        {"scope": "requests", "trigger": "request_completed", "action": "delete"},
        {"pre_notice": "P1Y"},
        {"pre_notice": "48 hours"},
    ):
        with pytest.raises(errors.InvalidInput) as caught:
            _policy(**{"pre_notice": "PT48H", **changes})
        assert caught.value.field == "pre_notice"


START = dt.datetime(2022, 3, 1, 12, tzinfo=dt.UTC)


def _clock(subject: str = "s", start: dt.datetime = START) -> Clock:
    return Clock(record=subject, started=start, subject=subject)


def test_without_a_pre_notice_a_record_is_acted_on_at_its_end() -> None:
    policy = _policy(time_zone="UTC")
    end = policy.expires_at(START)
    assert decide(policy, [_clock()], end - dt.timedelta(microseconds=1)).act == ()
    assert decide(policy, [_clock()], end).act == (_clock(),)
    rows = [Clock(record="row-2", started=START), Clock(record="row-1", started=START)]
    assert [c.record for c in decide(policy, rows, end).act] == ["row-1", "row-2"]


def test_with_a_pre_notice_the_subject_is_told_then_acted_on_48_hours_after_the_notice() -> None:
    policy = _policy(time_zone="UTC", pre_notice="PT48H")
    end = policy.expires_at(START)
    told_from = end - dt.timedelta(hours=48)
    assert decide(policy, [_clock()], told_from - dt.timedelta(seconds=1)) == decide(
        policy, [], told_from
    )
    first = decide(policy, [_clock()], told_from)
    assert [(n.subject, n.due_at) for n in first.notify] == [("s", end)] and first.act == ()
    on_time = {"s": told_from}
    assert decide(policy, [_clock()], end - dt.timedelta(seconds=1), noticed=on_time).waiting == (
        "s",
    )
    assert decide(policy, [_clock()], end, noticed=on_time).act == (_clock(),)
    # a sweep that runs late still gives the subject the whole 48 hours
    late = end + dt.timedelta(days=10)
    told_late = decide(policy, [_clock()], late)
    assert told_late.notify[0].due_at == late + dt.timedelta(hours=48)
    noticed = {"s": late}
    assert decide(policy, [_clock()], late + dt.timedelta(hours=47), noticed=noticed).act == ()
    assert decide(policy, [_clock()], late + dt.timedelta(hours=48), noticed=noticed).act != ()


def test_a_notice_of_an_earlier_period_counts_for_nothing_and_a_hold_stops_both() -> None:
    policy = _policy(time_zone="UTC", pre_notice="PT48H")
    restarted = START + dt.timedelta(days=200)  # the customer came back after being told
    end = policy.expires_at(restarted)
    stale = {"s": policy.expires_at(START) - dt.timedelta(hours=48)}
    again = decide(policy, [_clock(start=restarted)], end, noticed=stale)
    assert [n.subject for n in again.notify] == ["s"] and again.act == ()
    hold = LegalHold(subject_ref="s", reason="claim", cite="GDPR art. 17(3)(e)", placed_at=START)
    stopped = decide(policy, [_clock(start=restarted)], end, holds=[hold], noticed=stale)
    assert (stopped.notify, stopped.act, stopped.held) == ((), (), ("s",))


def test_reports_count_notices_and_acts() -> None:
    outcome = PolicyOutcome(policy="p", scope="interactions", action="anonymise",
                            subjects=("a", "b"), held=("c",), acted=5, records=5,
                            noticed=("d",), waiting=("e",))
    assert outcome.to_json() == {
        "policy": "p", "scope": "interactions", "action": "anonymise", "due": 2, "records": 5,
        "held": 1, "noticed": 1, "waiting": 1, "acted": 5, "subjects": ["a", "b"],
        "noticed_subjects": ["d"],
    }
    report = SweepReport(at=START, dry_run=False, outcomes=(outcome, outcome))
    assert (report.due, report.noticed, report.acted) == (4, 2, 10)
    assert report.to_json()["acted"] == 10


def test_junk_into_the_decision_is_refused_with_the_field() -> None:
    policy = _policy()
    junk: list[Any] = ["x", [1], [None], ["s"], {"s": dt.datetime(2022, 1, 1)}, [("s",)]]
    for call, field in (
        (lambda: decide(policy, junk[0], START), "clocks"),
        (lambda: decide(policy, junk[1], START), "clocks[0]"),
        (lambda: decide(policy, [], START, holds=junk[2]), "holds[0]"),
        (lambda: decide(policy, [], START, noticed=junk[3]), "noticed"),
        (lambda: decide(policy, [], START, noticed=junk[4]), "noticed[0]"),
        (lambda: due_subjects(policy, junk[5], START), "triggers[0]"),
    ):
        with pytest.raises(errors.InvalidInput) as caught:
            call()
        assert caught.value.field == field
