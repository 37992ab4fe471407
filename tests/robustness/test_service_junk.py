"""Junk into business hours, cases, SLA policies, routing and crm.service: only our errors."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.business_hours import BusinessHours
from globalcrm.cases import Case
from globalcrm.errors import GlobalCRMError
from globalcrm.support import (
    SlaPolicy,
    SlaTarget,
    Team,
    best_contact_time,
    contact_schedule,
    deadline,
    elapsed,
    pick_agent,
    route,
)

JUNK: list[Any] = [
    None, b"bytes", 12, 1.5, [], "x" * 100_000, "\x00\x1b", "", {}, True,
    dt.datetime(2026, 1, 1), dt.timedelta(days=-1), [("25:00", "26:00")], {"mon": None},
    object(),
]
T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
WEEKLY = {"mon": [("09:00", "17:00")], "fri": [("22:00", "06:00")]}
HOURS = BusinessHours(time_zone="Europe/Vilnius", weekly=WEEKLY, country="LT")
TEAM = Team(key="t", name="T", languages=["lt"], business_hours=HOURS, agents=["a"])


def _case() -> Case:
    """A fresh case per call: one made before the mapping cannot be changed after it."""
    return Case.open("01KAQ3V4J5ZC6Y3W8N0R2T4V6X", channel="email", now=T0)


def _change_status(*args: Any, **kwargs: Any) -> None:
    _case().change_status(*args, **kwargs)


def _switch_channel(*args: Any, **kwargs: Any) -> None:
    _case().switch_channel(*args, **kwargs)


def _assign(*args: Any, **kwargs: Any) -> None:
    _case().assign(*args, **kwargs)


def _set_priority(*args: Any, **kwargs: Any) -> None:
    _case().set_priority(*args, **kwargs)


CASES: list[tuple[str, Callable[..., Any], list[Any], dict[str, Any]]] = [
    ("BusinessHours", BusinessHours, [], {"time_zone": "UTC", "weekly": WEEKLY, "country": "LT",
                                          "subdivision": None, "closures": ()}),
    ("BusinessHours.from_json", BusinessHours.from_json, [HOURS.to_json()], {}),
    ("is_open", HOURS.is_open, [T0], {}),
    ("next_open", HOURS.next_open, [T0], {}),
    ("add", HOURS.add, [T0, H], {}),
    ("between", HOURS.between, [T0, T0 + H], {}),
    ("holiday", HOURS.holiday, [dt.date(2026, 1, 1)], {}),
    ("Team", Team, [], {"key": "k", "name": "n", "languages": ["en"], "business_hours": HOURS,
                        "regions": ["LT"], "agents": ["a"], "sla_policy": None}),
    ("Team.speaks", TEAM.speaks, ["lt"], {}),
    ("Team.serves", TEAM.serves, ["LT"], {}),
    ("SlaTarget", SlaTarget, [], {"metric": "resolution", "within": H, "priority": "low",
                                  "channel": "email", "tier": None, "business_hours": True}),
    ("SlaPolicy", SlaPolicy, [], {"key": "p", "targets": [SlaTarget(metric="resolution",
                                                                    within=H)]}),
    ("SlaPolicy.from_json", SlaPolicy.from_json,
     [{"key": "p", "targets": [{"metric": "resolution", "within": 60}]}], {}),
    ("deadline", deadline, [T0, H], {"hours": HOURS, "pauses": []}),
    ("elapsed", elapsed, [T0, T0 + H], {"hours": HOURS, "pauses": []}),
    ("route", route, [[TEAM]], {"language": "lt", "country": "LT", "at": T0}),
    ("pick_agent", pick_agent, [TEAM, "round_robin"], {"last": None}),
    ("contact_schedule", contact_schedule, [None],
     {"time_zone": "UTC", "country": "LT", "daytime": ("08:00", "21:00")}),
    ("best_contact_time", best_contact_time, [None],
     {"time_zone": "UTC", "country": "LT", "after": T0}),
    ("Case.open", Case.open, ["01KAQ3V4J5ZC6Y3W8N0R2T4V6X"],
     {"channel": "email", "now": T0, "priority": "low", "tags": ["vip"], "language": "lt"}),
    ("Case.change_status", _change_status, ["pending_internal"], {"now": T0}),
    ("Case.switch_channel", _switch_channel, ["sms"], {"now": T0}),
    ("Case.assign", _assign, [], {"team": "t", "agent": "a", "now": T0}),
    ("Case.set_priority", _set_priority, ["high"], {"now": T0}),
]


def _call(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> None:
    with contextlib.suppress(GlobalCRMError):
        func(*args, **kwargs)


@pytest.mark.parametrize(("name", "func", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_junk_gives_only_our_errors(
    name: str, func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]
) -> None:
    _call(func, args, kwargs)
    calls = 0
    for position in range(len(args)):
        for junk in JUNK:
            mutated = list(args)
            mutated[position] = junk
            _call(func, mutated, kwargs)
            calls += 1
    for key in kwargs:
        for junk in JUNK:
            _call(func, args, {**kwargs, key: junk})
            calls += 1
    assert calls == len(JUNK) * (len(args) + len(kwargs))


def test_service_area_takes_junk(tmp_path: Any) -> None:
    crm = gc.open(f"sqlite:///{tmp_path / 'junk.db'}")
    calls: list[tuple[Callable[..., Any], list[Any], dict[str, Any]]] = [
        (crm.service.open_case, ["01KAQ3V4J5ZC6Y3W8N0R2T4V6X"], {"channel": "email", "now": T0}),
        (crm.service.case, ["01KAQ3V4J5ZC6Y3W8N0R2T4V6X"], {"limit": 10}),
        (crm.service.cases, [], {"status": "open", "team": "t", "agent": "a", "after": None,
                                 "limit": 5}),
        (crm.service.set_status, ["01KAQ3V4J5ZC6Y3W8N0R2T4V6X", "resolved"], {"now": T0}),
        (crm.service.assign, ["01KAQ3V4J5ZC6Y3W8N0R2T4V6X"], {"strategy": "round_robin"}),
        (crm.service.route, [], {"language": "lt", "country": "LT", "at": T0}),
        (crm.service.breaches, [], {"now": T0, "team": "t", "metric": "resolution"}),
        (crm.service.at_risk, [], {"within": H, "now": T0}),
        (crm.service.sla_report, [], {"start": T0, "end": T0 + H, "now": T0}),
        (crm.service.context, ["01KAQ3V4J5ZC6Y3W8N0R2T4V6X"], {"channel": "email", "now": T0}),
        (crm.service.best_contact_time, ["01KAQ3V4J5ZC6Y3W8N0R2T4V6X"], {"after": T0}),
        (crm.service.save_team, [TEAM], {}),
        (crm.service.team, ["t"], {}),
        (crm.service.policy, ["p"], {}),
    ]
    for func, args, kwargs in calls:
        for position in range(len(args)):
            for junk in JUNK:
                mutated = list(args)
                mutated[position] = junk
                _call(func, mutated, kwargs)
        for key in kwargs:
            for junk in JUNK:
                _call(func, args, {**kwargs, key: junk})
    crm.close()
