"""Every KPI computed in SQL equals the plain Python reference (``globalcrm.metrics.compute``).

Random customers, cases with random histories (replies, customer messages on other channels,
pending, resolution, reopening), interactions on and off the cases' threads with valid and
invalid handle times, survey answers of every kind; random KPIs, slices, periods, percentiles and
reader's time zones (half-hour and 45-minute offsets, daylight saving time changes inside the
report), random report windows around those changes; SQLite and PostgreSQL. Each example works
in a tenant of its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import metrics
from globalcrm.business_hours import BusinessHours
from globalcrm.support import Team

# 2026-03-29 01:00 UTC: Europe's clocks go forward; 2026-03-08: the United States'; Lord Howe
# moves by half an hour on 2026-04-05.
BASE = dt.datetime(2026, 3, 27, 18, 0, tzinfo=dt.UTC)
NOW = BASE + dt.timedelta(days=40)
ZONES = ("UTC", "Europe/Vilnius", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe",
         "America/St_Johns", "Pacific/Chatham", "Asia/Tokyo")
CHANNELS = ("email", "whatsapp", "phone", "live_chat")
HANDLE = st.sampled_from([None, 0, 59, 3600, 7201, 12.5, "12", True, -1, 10**9, 999_999_999])
_tenants = itertools.count()

minutes = st.integers(0, 60 * 24 * 30)  # within 30 days after BASE
people = st.lists(
    st.tuples(st.sampled_from(["LT", "FI", "JP"]), st.sampled_from(["lt", "fi", "ja"])),
    min_size=1, max_size=4,
)
steps = st.lists(
    st.tuples(
        st.integers(0, 60 * 36) | st.integers(0, 3),  # minutes after the previous step
        st.sampled_from(["reply", "message", "pending", "resolve", "reopen_message"]),
        st.sampled_from(CHANNELS),
        st.integers(0, 999_999),  # microseconds
    ),
    max_size=5,
)
cases = st.lists(
    st.tuples(
        st.integers(0, 5), st.sampled_from(CHANNELS), minutes,
        st.sampled_from([None, "north", "south"]), st.sampled_from([None, "gold", "silver"]),
        st.booleans(), steps,
    ),
    max_size=5,
)
contacts = st.lists(
    st.tuples(
        st.integers(0, 5), st.sampled_from(CHANNELS), st.sampled_from(["inbound", "outbound"]),
        minutes, st.integers(-1, 6), st.sampled_from([None, "lt", "fi"]), HANDLE,
    ),
    max_size=8,
)
answers = st.lists(
    st.tuples(
        st.integers(0, 5), st.sampled_from(["csat", "nps", "ces"]), st.integers(0, 10),
        st.integers(-1, 6), minutes, st.sampled_from(CHANNELS),
        st.sampled_from([None, "gold"]),
    ),
    max_size=8,
)
specs = st.fixed_dictionaries({
    "kpis": st.lists(st.sampled_from(metrics.KPIS), min_size=1, max_size=8, unique=True),
    "by": st.lists(st.sampled_from(metrics.DIMENSIONS), max_size=3, unique=True),
    "period": st.sampled_from([None, "day", "week", "month"]),
    "time_zone": st.sampled_from(ZONES),
    "start": st.integers(-60 * 24 * 3, 60 * 24 * 20),
    "length": st.integers(60, 60 * 24 * 40),
    "percentiles": st.lists(st.integers(1, 100), max_size=4, unique=True),
})


def _teams(crm: gc.CRM) -> None:
    always = BusinessHours(time_zone="UTC", weekly={
        day: [("00:00", "24:00")] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    })
    for key in ("north", "south"):
        crm.service.save_team(Team(key=key, name=key.title(), languages=["lt", "fi", "en"],
                                   business_hours=always))


def _case(crm: gc.CRM, person: gc.Customer, data: tuple[Any, ...]) -> str:
    _, channel, start, team, tier, with_body, history = data
    moment = BASE + dt.timedelta(minutes=start)
    case = crm.service.open_case(person, channel=channel, body="Sveiki" if with_body else "",
                                 team=team, tier=tier, now=moment)
    for gap, action, other, micro in history:
        moment += dt.timedelta(minutes=gap, microseconds=micro)
        try:
            if action == "reply":
                crm.service.reply(case, body="Labas", now=moment)
            elif action in ("message", "reopen_message"):
                crm.service.message(case, channel=other, body="Vėl", now=moment)
            elif action == "pending":
                crm.service.set_status(case, "pending_customer", now=moment)
            else:
                crm.service.set_status(case, "resolved", now=moment)
        except gc.GlobalCRMError:
            continue  # a transition the case does not allow
    return case.id


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=people, cases=cases, contacts=contacts, answers=answers, spec=specs)
def test_sql_kpis_equal_the_python_reference(
    crm: gc.CRM,
    people: list[tuple[str, str]],
    cases: list[tuple[Any, ...]],
    contacts: list[tuple[Any, ...]],
    answers: list[tuple[Any, ...]],
    spec: dict[str, Any],
) -> None:
    tenant = crm.for_tenant(f"kpi{next(_tenants)}")
    _teams(tenant)
    customers = [
        tenant.customers.add(gc.Customer(
            name=gc.PersonName(given="Ona", locale=language), country=country,
            language=language, time_zone="Europe/Vilnius", currency="EUR",
            emails=["ona@example.lt"],
        ))
        for country, language in people
    ]
    case_ids = [_case(tenant, customers[d[0] % len(customers)], d) for d in cases]
    stored = [tenant.service.case(case_id).case for case_id in case_ids]
    for who, channel, direction, start, thread, language, handle in contacts:
        conversation = (
            stored[thread % len(stored)].conversation if stored and thread >= 0 else
            (None if thread < 0 else f"other-{thread}")
        )
        tenant.interactions.record(
            customers[who % len(customers)], channel=channel, direction=direction,
            occurred_at=BASE + dt.timedelta(minutes=start), conversation=conversation,
            language=language, metadata={} if handle is None else {"handle_seconds": handle},
            now=NOW,
        )
    for who, kind, score, about, start, channel, tier in answers:
        low, high = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[kind]
        rated = stored[about % len(stored)] if stored and about >= 0 else None
        person = customers[who % len(customers)] if rated is None else rated.customer_id
        tenant.surveys.record(
            person, kind=kind, score=min(max(score, low), high), case=rated,
            channel=channel, tier=tier, answered_at=BASE + dt.timedelta(minutes=start),
            now=NOW,
        )
    start = BASE + dt.timedelta(minutes=spec["start"])
    report = tenant.metrics.report(
        spec["kpis"], by=spec["by"], period=spec["period"], time_zone=spec["time_zone"],
        start=start, end=start + dt.timedelta(minutes=spec["length"]),
        percentiles=spec["percentiles"], now=NOW,
    )
    final = [tenant.service.case(case_id).case for case_id in case_ids]
    interactions = [
        item for person in customers
        for item in tenant.interactions.timeline(person, limit=1000)
    ]
    expected = metrics.compute(
        report.spec, answers=tenant.surveys.all(), cases=final, interactions=interactions,
        countries={person.id: person.country for person in customers},
    )
    assert report == expected


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), start=st.integers(-10**6, 10**6),
       length=st.integers(1, 10**6), probe=st.integers(0, 10**6))
def test_offsets_give_the_zone_s_local_time(zone: str, start: int, length: int,
                                            probe: int) -> None:
    low = BASE + dt.timedelta(minutes=start)
    high = low + dt.timedelta(minutes=length)
    pairs = metrics.utc_offsets(zone, low, high)
    moment = low + dt.timedelta(minutes=probe % length)
    offset = [seconds for since, seconds in pairs if since <= moment][-1]
    local = moment.astimezone(metrics.ReportSpec(kpis="csat", start=low, end=high,
                                                 time_zone=zone).zone)
    assert local.replace(tzinfo=None) == (moment + dt.timedelta(seconds=offset)).replace(
        tzinfo=None
    )
