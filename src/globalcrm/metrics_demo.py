"""A synthetic service history for the demo, the docs and the dashboard test (not real data).

:func:`seed_service_history` fills a CRM with customers in five countries, two teams with an
SLA policy, cases opened on several channels, answered and resolved after random delays,
CSAT and NPS answers after each resolution, and purchases, a few of which stop some weeks
before ``now`` (those customers, who also answer badly, are the churners the at-risk list
should find). Random but reproducible: the same ``seed`` gives the same history.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from globalcrm.business_hours import BusinessHours
from globalcrm.customers import Customer
from globalcrm.locale.person_names import PersonName
from globalcrm.money import money
from globalcrm.support import SlaPolicy, SlaTarget, Team

if TYPE_CHECKING:
    from globalcrm.crm import CRM

__all__ = ["seed_service_history"]

_PEOPLE = (
    ("LT", "lt", "Europe/Vilnius", "EUR", "Ona", "Kazlauskienė"),
    ("FI", "fi", "Europe/Helsinki", "EUR", "Aino", "Virtanen"),
    ("JP", "ja", "Asia/Tokyo", "JPY", "陽菜", "佐藤"),
    ("DE", "de", "Europe/Berlin", "EUR", "Lena", "Schmidt"),
    ("BR", "pt-BR", "America/Sao_Paulo", "BRL", "Ana", "Souza"),
)
_CHANNELS = ("email", "live_chat", "phone", "whatsapp", "email", "web_form")


def seed_service_history(
    crm: CRM, *, now: dt.datetime, seed: int = 19, customers: int = 20, weeks: int = 8
) -> list[Customer]:
    """Fill ``crm`` with ``weeks`` weeks of synthetic service history before ``now``."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
    always = BusinessHours(time_zone="UTC", weekly={
        day: [("00:00", "24:00")] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    })
    crm.service.save_policy(SlaPolicy(key="metrics-demo", targets=[
        SlaTarget(metric="first_response", within=dt.timedelta(hours=4), business_hours=False),
        SlaTarget(metric="resolution", within=dt.timedelta(hours=24), business_hours=False),
    ]))
    for key, languages in (("north", ["lt", "fi", "de"]), ("south", ["ja", "pt-BR", "en"])):
        crm.service.save_team(Team(key=key, name=key.title(), languages=languages,
                                   business_hours=always, sla_policy="metrics-demo"))
    start = now - dt.timedelta(weeks=weeks)
    people = []
    for index in range(customers):
        country, language, zone, currency, given, surname = _PEOPLE[index % len(_PEOPLE)]
        people.append(crm.customers.add(Customer(
            name=PersonName(given=given, surname=surname, locale=language), country=country,
            language=language, time_zone=zone, currency=currency,
            emails=[f"customer{index}@example.com"],
        ), now=start - dt.timedelta(days=400)))
    churners = {person.id for person in people[::6]}
    for number, person in enumerate(people):
        team = "north" if person.country in ("LT", "FI", "DE") else "south"
        leaves = person.id in churners
        stop = now - dt.timedelta(days=rng.uniform(40, 55)) if leaves else now
        moment = start - dt.timedelta(days=150) + dt.timedelta(days=rng.uniform(0, 10))
        while moment < stop:
            crm.purchases.record(person, occurred_at=moment, channel="web_form", now=now,
                                 amount=money(Decimal(rng.randint(15, 90)), person.currency))
            moment += dt.timedelta(days=rng.uniform(7, 14))
        for _ in range(rng.randint(2, 5)):
            opened = start + dt.timedelta(minutes=rng.randint(0, weeks * 7 * 24 * 60 - 3000))
            if leaves and opened > stop:
                continue
            channel = _CHANNELS[(number + rng.randint(0, 5)) % len(_CHANNELS)]
            case = crm.service.open_case(person, channel=channel, body="…", team=team,
                                         now=opened)
            answered = opened + dt.timedelta(minutes=rng.expovariate(1 / 45) + 1)
            crm.service.reply(case, body="…", now=answered)
            if rng.random() < 0.3:  # the customer had to write again
                crm.service.message(case, channel=channel, body="…",
                                    now=answered + dt.timedelta(hours=2))
            resolved = answered + dt.timedelta(hours=rng.uniform(3, 30))
            crm.service.set_status(case, "resolved", now=resolved)
            crm.interactions.record(person, channel="phone", direction="inbound", now=now,
                                    occurred_at=opened - dt.timedelta(minutes=5),
                                    metadata={"handle_seconds": rng.randint(120, 900)})
            unhappy = leaves or rng.random() < 0.1
            after = resolved + dt.timedelta(hours=1)
            if after < now:
                crm.surveys.record(person, kind="csat", case=case,
                                   score=rng.randint(1, 2) if unhappy else rng.randint(3, 5),
                                   answered_at=after, now=now)
                crm.surveys.record(person, kind="nps", channel="email",
                                   score=rng.randint(0, 5) if unhappy else rng.randint(6, 10),
                                   answered_at=after, now=now)
    return people
