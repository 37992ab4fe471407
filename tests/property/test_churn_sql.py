"""Churn activity read in SQL equals the Python reference (globalcrm.churn.activity_of).

Random customers with purchases (counted or not by their status, in their currency or not,
partly refunded), inbound and outbound interactions and survey answers around the two windows;
random ``now`` and window; SQLite and PostgreSQL. Each example works in a tenant of its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import churn
from globalcrm.money import money

BASE = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
NOW = BASE + dt.timedelta(days=200)
_tenants = itertools.count()

days = st.integers(0, 200 * 24 * 60)
events = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(["purchase", "refunded", "partial", "cancelled", "usd", "inbound",
                         "outbound",
                         "csat", "nps", "ces"]),
        days, st.integers(0, 10), st.integers(1, 9999),
    ),
    max_size=15,
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=events, back=st.integers(0, 60 * 24 * 30), window=st.integers(1, 120))
def test_sql_activity_equals_the_reference(crm: gc.CRM, events: list[tuple[Any, ...]],
                                           back: int, window: int) -> None:
    tenant = crm.for_tenant(f"churn{next(_tenants)}")
    people = [
        tenant.customers.add(gc.Customer(
            name=gc.PersonName(given="Ona", locale="lt"), country="LT", language="lt",
            time_zone="Europe/Vilnius", currency="EUR", emails=["ona@example.lt"],
        ), now=BASE)
        for _ in range(3)
    ]
    purchases: dict[str, list[tuple[dt.datetime, int]]] = {p.id: [] for p in people}
    contacts: dict[str, list[dt.datetime]] = {p.id: [] for p in people}
    answers: dict[str, list[tuple[str, int, dt.datetime]]] = {p.id: [] for p in people}
    for who, kind, minutes, score, amount in events:
        person, when = people[who], BASE + dt.timedelta(minutes=minutes)
        if kind in ("purchase", "refunded", "partial", "cancelled", "usd"):
            bought = tenant.purchases.record(
                person, occurred_at=when, channel="web_form", now=NOW,
                amount=money(Decimal(amount) / 100, "USD" if kind == "usd" else "EUR"),
                status="cancelled" if kind == "cancelled" else "completed",
            )
            net = 0 if kind == "usd" else amount
            if kind == "refunded":
                tenant.purchases.refund(bought, now=NOW)
            elif kind == "partial" and amount >= 2:
                tenant.purchases.refund(bought, amount=money(Decimal(amount // 2) / 100, "EUR"),
                                        now=NOW)
                net = amount - amount // 2
            if kind not in ("refunded", "cancelled"):
                purchases[person.id].append((when, net))
        elif kind in ("inbound", "outbound"):
            tenant.interactions.record(person, channel="email", direction=kind,
                                       occurred_at=when, now=NOW)
            if kind == "inbound":
                contacts[person.id].append(when)
        else:
            low, high = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[kind]
            value = min(max(score, low), high)
            tenant.surveys.record(person, kind=kind, score=value, channel="email",
                                  answered_at=when, now=NOW)
            answers[person.id].append((kind, value, when))
    moment = NOW - dt.timedelta(minutes=back)
    span = dt.timedelta(days=window)
    expected = sorted(
        (churn.score(churn.activity_of(p.id, purchases=purchases[p.id], contacts=contacts[p.id],
                                       answers=answers[p.id], now=moment, window=span),
                     now=moment, window=span)
         for p in people),
        key=lambda r: r.customer_id,
    )
    found = [tenant.metrics.churn_risk(p, now=moment, window=span) for p in people]
    assert sorted(found, key=lambda r: r.customer_id) == expected
    listed = tenant.metrics.at_risk(now=moment, window=span, threshold=0)
    assert sorted(listed, key=lambda r: r.customer_id) == expected
