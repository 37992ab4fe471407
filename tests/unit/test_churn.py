"""Churn risk (globalcrm.churn): each warning sign, and the score on a synthetic population.

The population: 2,000 customers buying at their own pace (a mean gap of 7 to 60 days, each gap
drawn from a gamma distribution of shape 3 around it: fairly regular shoppers) for a year; a
fifth of them churn at a random moment 20 to 80 days before now (they stop buying; half of them
had given a negative answer before leaving); a tenth of the loyal ones give a negative answer
too. The churners are known, so precision and recall of the at-risk list are measured
(docs/guide/churn.md quotes the printed figures).
"""

from __future__ import annotations

import datetime as dt
import random
import sys

import pytest

from globalcrm.churn import AT_RISK, Activity, activity_of, at_risk, score
from globalcrm.errors import GlobalCRMError
from globalcrm.identifiers import new_id

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def population(seed: int, size: int) -> tuple[list[Activity], set[str]]:
    """Synthetic customers' activity and the ids of those who churned."""
    rng = random.Random(seed)
    activities, churned = [], set()
    for _ in range(size):
        customer = new_id()
        gap = rng.uniform(7, 60)
        leaves = rng.random() < 0.2
        stop = NOW - rng.uniform(20, 80) * DAY if leaves else NOW
        moment = NOW - 365 * DAY + rng.uniform(0, gap) * DAY
        purchases, contacts, answers = [], [], []
        while moment < stop:
            purchases.append((moment, rng.randint(500, 15000)))
            if rng.random() < 0.3:
                contacts.append(moment + rng.uniform(0, 3) * DAY)
            moment += rng.gammavariate(3, gap / 3) * DAY
        if leaves:
            churned.add(customer)
            if rng.random() < 0.5:
                answers.append(("nps", rng.randint(0, 6), stop - rng.uniform(0, 10) * DAY))
        elif rng.random() < 0.1:
            answers.append(("csat", rng.randint(1, 2), NOW - rng.uniform(0, 80) * DAY))
        activities.append(activity_of(customer, purchases=purchases, contacts=contacts,
                                      answers=answers, now=NOW))
    return activities, churned


def test_the_at_risk_list_finds_the_churners_of_a_synthetic_population() -> None:
    activities, churned = population(2026, 2000)
    listed = {risk.customer_id for risk in at_risk(score(a, now=NOW) for a in activities)}
    found = len(listed & churned)
    precision, recall = found / len(listed), found / len(churned)
    sys.stdout.write(f"churn: {len(activities)} customers, {len(churned)} churned, "
                     f"{len(listed)} listed; precision {precision:.2f}, recall {recall:.2f}\n")
    assert precision >= 0.75 and recall >= 0.6


def test_each_sign_adds_its_points_and_says_why() -> None:
    quiet = score(Activity(customer_id=new_id()), now=NOW)
    assert (quiet.score, quiet.reasons, quiet.at_risk) == (0, (), False)
    regular = Activity(customer_id=new_id(), purchases=13, first_purchase_at=NOW - 360 * DAY,
                       last_purchase_at=NOW - 5 * DAY, recent_purchases=3,
                       earlier_purchases=3, recent_value=900, earlier_value=1000,
                       last_contact_at=NOW - 100 * DAY)
    assert score(regular, now=NOW).score == 0
    overdue = score(Activity(customer_id=new_id(), purchases=13,
                             first_purchase_at=NOW - 400 * DAY,
                             last_purchase_at=NOW - 70 * DAY, earlier_purchases=4,
                             recent_purchases=0, earlier_value=1000,
                             last_contact_at=NOW - DAY), now=NOW)
    assert [(r.code, r.points) for r in overdue.reasons] == [
        ("overdue", 50), ("fewer_purchases", 20), ("lower_spend", 15)
    ]
    assert overdue.score == 85 and overdue.at_risk
    assert overdue.reasons[1].detail == "0 purchases in the last 90 days; 4 in the 90 before"
    angry = score(Activity(customer_id=new_id(), negative_answers=5), now=NOW)
    assert angry.score == 30 and angry.reasons[0].detail.startswith("5 negative")
    assert angry.to_json()["reasons"][0]["code"] == "negative"


def test_activity_counts_the_windows_and_negative_answers_only() -> None:
    found = activity_of(
        new_id(),
        purchases=[(NOW - 200 * DAY, 100), (NOW - 120 * DAY, 200), (NOW - 10 * DAY, 50),
                   (NOW + DAY, 999)],
        contacts=[NOW - 3 * DAY, NOW + DAY],
        answers=[("nps", 6, NOW - DAY), ("nps", 7, NOW - DAY), ("ces", 2, NOW - 100 * DAY)],
        now=NOW,
    )
    assert (found.purchases, found.recent_purchases, found.earlier_purchases) == (3, 1, 1)
    assert (found.recent_value, found.earlier_value) == (50, 200)
    assert found.last_contact_at == NOW - 3 * DAY and found.negative_answers == 1


def test_the_list_is_ordered_and_checked() -> None:
    risks = [score(Activity(customer_id=new_id(), negative_answers=n), now=NOW)
             for n in (0, 1, 2, 5)]
    listed = at_risk(risks, threshold=15)
    assert [r.score for r in listed] == [30, 30, 15]
    assert AT_RISK == 50
    with pytest.raises(GlobalCRMError):
        at_risk(risks, threshold=101)
    with pytest.raises(GlobalCRMError):
        score(Activity(customer_id=new_id()), now=NOW, window=dt.timedelta(hours=1))
    with pytest.raises(GlobalCRMError):
        Activity(customer_id=new_id(), purchases=-1)
