"""crm.service on SQLite and PostgreSQL: cases across channels, SLA lists, the agent's view."""

from __future__ import annotations

import datetime as dt
import random

import pytest

import globalcrm as gc
from globalcrm.business_hours import BusinessHours
from globalcrm.cases import ACTIVE_STATUSES
from globalcrm.privacy import Purpose
from globalcrm.support import SlaPolicy, SlaTarget, Team, case_deadlines
from tests.storage.query_plans import captured_selects

T0 = dt.datetime(2026, 12, 23, 13, 0, tzinfo=dt.UTC)  # Wednesday 15:00 in Vilnius
MIN = dt.timedelta(minutes=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _vilnius_hours() -> BusinessHours:
    return BusinessHours(
        time_zone="Europe/Vilnius",
        country="LT",
        weekly={day: [("09:00", "13:00"), ("14:00", "18:00")] for day in WEEKDAYS},
    )


def _setup(crm: gc.CRM) -> gc.Customer:
    crm.service.save_policy(
        SlaPolicy(
            key="standard",
            targets=[
                SlaTarget(metric="first_response", within=dt.timedelta(hours=1)),
                SlaTarget(metric="first_response", within=5 * MIN, channel="live_chat",
                          business_hours=False),
                SlaTarget(metric="resolution", within=dt.timedelta(hours=8)),
                SlaTarget(metric="resolution", within=dt.timedelta(hours=2), priority="urgent"),
            ],
        )
    )
    crm.service.save_team(
        Team(key="vilnius", name="Vilnius", languages=["lt", "en"], regions=["LT", "LV"],
             business_hours=_vilnius_hours(), agents=["agent-a", "agent-b", "agent-c"],
             sla_policy="standard")
    )
    crm.service.save_team(
        Team(key="sao_paulo", name="São Paulo", languages=["pt", "en"],
             business_hours=BusinessHours(time_zone="America/Sao_Paulo", country="BR",
                                          weekly={d: [("08:00", "17:00")] for d in WEEKDAYS}),
             agents=["agente-1"], sla_policy="standard")
    )
    return crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"),
            country="LT", language="lt", time_zone="Europe/Vilnius", currency="EUR",
            emails=["jonas@example.lt"], preferred_channels=["email", "whatsapp"],
            dietary_needs=["vegetarian"], accessibility_needs=["large_print"],
            contact_hours={"start": "10:00", "end": "19:00", "weekdays": [1, 2, 3, 4, 5]},
        ),
        now=T0,
    )


def test_a_case_keeps_one_thread_from_chat_to_email(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    case = crm.service.open_case(jonas, channel="live_chat", body="Sveiki, užsakymas 1042",
                                 subject="Order 1042", now=T0)
    assert case.team == "vilnius" and case.sla_policy == "standard" and case.language == "lt"
    assert case.first_response_due == T0 + 5 * MIN  # chat: five minutes around the clock
    # Wed 15:00-18:00 less the lunch-free afternoon = 3 h, 24-27 Dec closed, Mon 09:00 + 5 h
    assert case.resolution_due == dt.datetime(2026, 12, 28, 13, 0, tzinfo=dt.UTC)
    crm.service.reply(case, body="Laba diena!", agent="agent-a", now=T0 + 3 * MIN)
    crm.service.message(case, channel="email", body="Siunčiu sąskaitą", now=T0 + 30 * MIN)
    crm.service.reply(case, body="Ačiū", now=T0 + 40 * MIN)
    thread = crm.service.case(case.id)
    assert [(i.channel, i.direction) for i in thread.interactions] == [
        ("live_chat", "inbound"), ("live_chat", "outbound"), ("email", "inbound"),
        ("email", "outbound"),
    ]
    assert thread.channels == ("live_chat", "email")
    assert thread.case.first_response_at == T0 + 3 * MIN
    assert thread.case.version == 4  # opened, then three versioned changes
    kinds = [(e.kind, e.value) for e in thread.case.events]
    assert ("channel", "email") in kinds and ("first_response", None) in kinds


def test_an_existing_conversation_grows_into_a_case(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    crm.interactions.record(jonas, channel="whatsapp", direction="inbound", body="labas",
                            conversation="order-7", occurred_at=T0 - 5 * MIN, now=T0)
    case = crm.service.open_case(jonas, channel="whatsapp", conversation="order-7", now=T0)
    assert [i.body for i in crm.service.case(case).interactions] == ["labas"]


def test_waiting_on_the_customer_pauses_the_clock(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    case = crm.service.open_case(jonas, channel="email", now=T0)
    before = case.resolution_due
    paused = crm.service.set_status(case, "pending_customer", now=T0 + 30 * MIN)
    assert paused.resolution_due is None and paused.first_response_due is None
    assert crm.service.breaches(now=T0 + dt.timedelta(days=30)) == []
    # the customer answers Monday 28 Dec 10:00 Vilnius: the clock runs again from there
    answer = dt.datetime(2026, 12, 28, 8, 0, tzinfo=dt.UTC)
    crm.service.message(case, channel="email", body="štai", now=answer)
    resumed = crm.service.case(case).case
    assert resumed.status == "open"
    # 30 min ran before the pause; 7.5 h remain from Mon 10:00: 10-13 (3 h), 14-18 (4 h), Tue +0.5
    assert before is not None and resumed.resolution_due == dt.datetime(
        2026, 12, 29, 7, 30, tzinfo=dt.UTC
    )


def test_a_refused_transition_leaves_the_case_as_it_was(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    case = crm.service.open_case(jonas, channel="email", now=T0)
    with pytest.raises(gc.RuleViolation, match="cannot become closed"):
        crm.service.set_status(case, "closed", now=T0 + MIN)
    stored = crm.service.case(case).case
    assert (stored.status, stored.version, len(stored.events)) == ("open", 1, 1)
    crm.service.set_status(case, "resolved", now=T0 + 2 * MIN)
    crm.service.set_status(case, "closed", now=T0 + 3 * MIN)
    with pytest.raises(gc.RuleViolation):
        crm.service.message(case, channel="email", body="again", now=T0 + 4 * MIN)
    assert [i.body for i in crm.service.case(case).interactions] == []


def test_lists_by_status_team_and_agent_in_keyset_pages(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    made = [crm.service.open_case(jonas, channel="email", now=T0 + i * MIN) for i in range(7)]
    crm.service.assign(made[1], agent="agent-b", now=T0 + 10 * MIN)
    crm.service.set_status(made[2], "pending_customer", now=T0 + 10 * MIN)
    seen: list[str] = []
    after = None
    while True:
        page = crm.service.cases(team="vilnius", status=("open",), limit=2, after=after)
        seen += [c.id for c in page]
        after = page.next_cursor
        if after is None:
            break
    assert seen == [c.id for c in made if c.id != made[2].id]
    assert [c.id for c in crm.service.cases(agent="agent-b")] == [made[1].id]
    assert [c.id for c in crm.service.cases(status="pending_customer")] == [made[2].id]
    assert list(crm.service.cases(team="sao_paulo")) == []


def test_round_robin_and_least_loaded_assignment(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    cases = [crm.service.open_case(jonas, channel="email", now=T0) for _ in range(4)]
    turns = [crm.service.assign(c, strategy="round_robin", now=T0 + MIN).agent for c in cases]
    assert turns == ["agent-a", "agent-b", "agent-c", "agent-a"]
    crm.service.set_status(cases[1], "resolved", now=T0 + 2 * MIN)  # agent-b is free again
    fresh = crm.service.open_case(jonas, channel="email", now=T0 + 3 * MIN)
    assert crm.service.assign(fresh, strategy="least_loaded", now=T0 + 4 * MIN).agent == "agent-b"


def test_follow_the_sun_routes_to_the_open_team_or_the_next_to_open(crm: gc.CRM) -> None:
    _setup(crm)
    # Wednesday 15:00 Vilnius is 10:00 in São Paulo: both open, the exact-language team first
    route = crm.service.route(language="pt-BR", country="BR", at=T0)
    assert [t.key for t in route.open_now] == ["sao_paulo"]
    night = dt.datetime(2026, 12, 23, 23, 0, tzinfo=dt.UTC)  # 20:00 São Paulo, 01:00 Vilnius
    # English from Lithuania: Vilnius is closed until Monday (24-26 Dec, then Sunday), São Paulo
    # serves every country and opens on Thursday morning: the sun moves west
    route = crm.service.route(language="en", country="LT", at=night)
    assert route.open_now == () and route.next_team is not None
    assert route.next_team.key == "sao_paulo"
    assert route.next_open == dt.datetime(2026, 12, 24, 11, 0, tzinfo=dt.UTC)
    route = crm.service.route(language="lt", country="LT", at=night)
    assert route.next_team is not None and route.next_team.key == "vilnius"
    assert route.next_open == dt.datetime(2026, 12, 28, 7, 0, tzinfo=dt.UTC)
    assert route.next_open is not None and route.next_open.utcoffset() == dt.timedelta(hours=2)
    assert crm.service.route(language="ja", country="JP", at=night).team is None


def test_breach_and_at_risk_lists_agree_with_the_clock_in_memory(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    rng = random.Random(18)
    policy = crm.service.policy("standard")
    hours = crm.service.team("vilnius").business_hours
    for i in range(40):
        start = T0 + rng.randrange(0, 5 * 24 * 60) * MIN
        case = crm.service.open_case(jonas, channel=rng.choice(["email", "live_chat"]),
                                     priority=rng.choice(["normal", "urgent"]), now=start)
        step = start + rng.randrange(1, 600) * MIN
        action = rng.choice(["reply", "pending", "resolve", "none"])
        if action == "reply":
            crm.service.reply(case, body="ok", now=step)
        elif action == "pending":
            crm.service.set_status(case, "pending_customer", now=step)
        elif action == "resolve":
            crm.service.set_status(case, "resolved", now=step)
        del i
    now = T0 + dt.timedelta(days=3)
    stored = [c for c in crm.service.cases(limit=1000)]
    expected = set()
    soon = set()
    for case in stored:
        first, resolution = case_deadlines(case, policy, hours)
        assert (first, resolution) == (case.first_response_due, case.resolution_due)
        if case.status not in ACTIVE_STATUSES:
            continue
        for metric, due, done in (("first_response", first, case.first_response_at),
                                  ("resolution", resolution, case.resolved_at)):
            if due is not None and done is None and due < now:
                expected.add((case.id, metric))
            if due is not None and done is None and now <= due < now + dt.timedelta(hours=4):
                soon.add((case.id, metric))
    breached = crm.service.breaches(now=now)
    assert {(b.case_id, b.metric) for b in breached} == expected and expected
    assert [b.due for b in breached] == sorted(b.due for b in breached)
    risky = crm.service.at_risk(now=now, within=dt.timedelta(hours=4))
    assert {(b.case_id, b.metric) for b in risky} == soon
    only = crm.service.breaches(now=now, metric="resolution", team="vilnius")
    assert {(b.case_id, b.metric) for b in only} == {e for e in expected if e[1] == "resolution"}


def test_sla_report_counts_met_and_breached_per_team(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    met = crm.service.open_case(jonas, channel="email", now=T0)
    crm.service.reply(met, body="hi", now=T0 + 10 * MIN)
    crm.service.set_status(met, "resolved", now=T0 + 20 * MIN)
    late = crm.service.open_case(jonas, channel="email", now=T0)
    crm.service.reply(late, body="hi", now=T0 + dt.timedelta(hours=3))  # 1 h target: late
    crm.service.open_case(jonas, channel="email", now=T0)  # nothing done: judged at `now`
    report = crm.service.sla_report(start=T0 - MIN, end=T0 + MIN,
                                    now=dt.datetime(2027, 1, 15, tzinfo=dt.UTC))
    assert len(report) == 1
    row = report[0]
    assert (row.team, row.cases) == ("vilnius", 3)
    assert (row.first_response_met, row.first_response_breached) == (1, 2)
    assert (row.resolution_met, row.resolution_breached) == (1, 2)
    assert row.first_response_attainment == pytest.approx(1 / 3)


def test_the_agents_view_is_one_call_with_a_fixed_number_of_queries(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    crm.privacy.add_purpose(
        Purpose(key="support", version=1, name="Support", dpv_purpose="dpv:ServiceProvision",
                legal_basis={"eu-gdpr": "contract"}, channels=("email",))
    )
    case = crm.service.open_case(jonas, channel="email", body="pagalbos", purpose="support",
                                 now=T0)

    def counted() -> int:
        with captured_selects(crm._engine) as statements:
            view = crm.service.context(jonas, case=case, now=T0 + MIN)
        assert view.open_cases and view.recent_interactions
        return len(statements)

    few = counted()
    for i in range(6):
        other = crm.service.open_case(jonas, channel="email", body=f"m{i}", now=T0 + i * MIN)
        crm.service.reply(other, body="ok", now=T0 + (i + 1) * MIN)
    assert counted() == few <= 13  # the same however many cases; one of them reads the tier
    view = crm.service.context(jonas, case=case, now=T0 + MIN)
    assert view.name == "Jonas Petraitis"
    assert view.salutation == crm.customers.salutation_for(jonas, channel="email")
    assert (view.channel, view.language, view.purpose) == ("email", "lt", "support")
    assert view.local_time.utcoffset() == dt.timedelta(hours=2)
    assert view.inside_contact_hours  # Wednesday 15:01 in Vilnius, hours 10-19
    assert view.tier is None  # not a member
    crm.loyalty.enroll(jonas, now=T0)
    assert crm.service.context(jonas, case=case, now=T0 + MIN).tier == "silver"
    assert view.preferred_channels == ("email", "whatsapp")
    assert view.dietary_needs == ("vegetarian",) and view.accessibility_needs == ("large_print",)
    assert view.consent is not None and view.consent.allowed
    assert view.tier is None  # loyalty is not there yet
    assert len(view.open_cases) == 7 and len(view.recent_interactions) == 10
    assert "Jonas" not in repr(view)


def test_best_contact_time_skips_holidays_weekends_and_night(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    evening = dt.datetime(2026, 12, 23, 18, 0, tzinfo=dt.UTC)  # 20:00 in Vilnius, Wednesday
    best = crm.service.best_contact_time(jonas, after=evening)
    assert best == dt.datetime(2026, 12, 28, 8, 0, tzinfo=dt.UTC)  # Monday 10:00 in Vilnius
    assert best.utcoffset() == dt.timedelta(hours=2)


def test_erasing_the_customer_takes_their_cases(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    crm.service.open_case(jonas, channel="email", body="x", now=T0)
    crm.customers.delete(jonas)
    assert list(crm.service.cases()) == []


def test_unknown_ids_and_teams_are_not_found(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    with pytest.raises(gc.NotFound):
        crm.service.case("01KAQ3V4J5ZC6Y3W8N0R2T4V6X")
    with pytest.raises(gc.NotFound):
        crm.service.open_case(jonas, channel="email", team="nobody", now=T0)
    with pytest.raises(gc.NotFound):
        crm.service.open_case(jonas, channel="email", sla_policy="gold", now=T0)
    assert list(crm.service.cases()) == []


def test_a_members_tier_picks_the_sla_target_for_it(crm: gc.CRM) -> None:
    jonas = _setup(crm)
    crm.service.save_policy(SlaPolicy(key="standard", targets=[
        SlaTarget(metric="first_response", within=dt.timedelta(hours=1)),
        SlaTarget(metric="first_response", within=10 * MIN, tier="silver", business_hours=False),
    ]))
    before = crm.service.open_case(jonas, channel="email", now=T0)
    assert before.tier is None and before.first_response_due != T0 + 10 * MIN
    crm.loyalty.enroll(jonas, now=T0)  # silver from the first point (threshold 0)
    member = crm.service.open_case(jonas, channel="email", now=T0)
    assert member.tier == "silver" and member.first_response_due == T0 + 10 * MIN
