"""A segment rule counted in SQL selects exactly the customers its evaluation in memory selects.

Random rule trees over every kind of leaf (fields, JSON attributes, interaction counts, purchase
counts and totals in four currencies, consent), random customers, interactions, purchases (with
refunds and cancellations) and consent events; SQLite and PostgreSQL. Each example works in a
tenant of its own, so examples never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import segments as S
from globalcrm.exchange_rates import ExchangeRate, RateTable
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.purchases import Purchase, purchase_from_row

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
RATES = [
    ExchangeRate(base="EUR", quote=quote, rate=rate, source="ECB",
                 as_of=NOW - dt.timedelta(days=1))
    for quote, rate in (("USD", "1.0834"), ("JPY", "161.23"), ("KWD", "0.33127"))
]
COUNTRIES = ("LT", "LV", "EE", "FI")
LANGUAGES = ("lt", "lv", "et", "fi", "en")
ZONES = ("Europe/Vilnius", "Europe/Riga", "Europe/Helsinki")
TAGS = ("vip", "churned", "b2b")
DIETS = ("vegan", "halal", "kosher")
KEYS = ("score", "vip", "pets", "city")
CHANNELS = ("whatsapp", "email", "in_person")
CURRENCIES = ("EUR", "USD", "JPY", "KWD")
DIGITS = {"EUR": 2, "USD": 2, "JPY": 0, "KWD": 3}
WINDOWS = ("P1D", "P7D", "P30D", "PT12H", "P1M", "P1Y")
# minutes before NOW: the window edges themselves (P1D, P7D, P30D, PT12H, P1M) and a few
# minutes in the future, which no rule may count
MINUTES = st.one_of(
    st.integers(-4, 60 * 24 * 60),
    st.sampled_from([0, 720, 1440, 10080, 43200, 44640, -1]),
)
_tenants = itertools.count()

# --------------------------------------------------------------------------- data

scalars = st.one_of(
    st.booleans(),
    st.integers(-5, 5),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False),
    st.sampled_from(["a", "b", "Ą", "z", "", "10"]),
)
attribute_values = st.one_of(st.none(), scalars, st.lists(scalars, max_size=3))
customers = st.fixed_dictionaries({
    "country": st.sampled_from(COUNTRIES),
    "language": st.sampled_from(LANGUAGES),
    "time_zone": st.sampled_from(ZONES),
    "formality": st.sampled_from([None, "formal", "informal"]),
    "tags": st.lists(st.sampled_from(TAGS), max_size=2, unique=True),
    "dietary_needs": st.lists(st.sampled_from(DIETS), max_size=2, unique=True),
    "attributes": st.dictionaries(st.sampled_from(KEYS), attribute_values, max_size=3),
    "created_days": st.integers(0, 400),
})
interactions = st.tuples(
    st.integers(0, 5),
    st.sampled_from(CHANNELS),
    st.sampled_from(["inbound", "outbound"]),
    st.sampled_from([None, "sold", "no_answer"]),
    MINUTES,
)
lines = st.lists(
    st.tuples(
        st.sampled_from([None, "tea", "coffee"]),
        st.lists(st.sampled_from(["vegan", "halal"]), max_size=2, unique=True),
        st.integers(1, 3),
        st.integers(0, 5000),
        st.sampled_from(["sencha", "mocha"]),
    ),
    max_size=3,
)
purchases_data = st.tuples(
    st.integers(0, 5),
    st.sampled_from(CHANNELS),
    st.sampled_from(CURRENCIES),
    st.one_of(st.integers(0, 200_000), st.integers(0, 10**14)),
    st.integers(-4, 60 * 24 * 120),
    lines,
    st.sampled_from(["completed", "cancelled", "partially_refunded", "refunded"]),
    st.integers(1, 99),
)
consents = st.tuples(
    st.integers(0, 5), st.sampled_from(["newsletter", "offers"]),
    st.sampled_from(["email", "sms"]), st.sampled_from(["given", "withdrawn"]),
)

# --------------------------------------------------------------------------- rules


def _value_for(field: str) -> st.SearchStrategy[Any]:
    return {
        "country": st.sampled_from((*COUNTRIES, "DE")),
        "language": st.sampled_from(LANGUAGES),
        "time_zone": st.sampled_from(ZONES),
        "formality": st.sampled_from(["formal", "informal"]),
        "tier": st.sampled_from(["gold", "silver"]),
        "tags": st.sampled_from(TAGS),
        "dietary_needs": st.sampled_from(DIETS),
    }[field]


@st.composite
def field_rules(draw: st.DrawFn) -> S.Rule:
    kind = draw(st.sampled_from(["text", "list", "time", "json"]))
    if kind == "text":
        name = draw(st.sampled_from(["country", "language", "time_zone", "formality", "tier"]))
        op = draw(st.sampled_from(["eq", "ne", "in", "not_in", "exists"]))
    elif kind == "list":
        name = draw(st.sampled_from(["tags", "dietary_needs"]))
        op = draw(st.sampled_from(["contains", "in", "not_in", "exists"]))
    elif kind == "time":
        moment = NOW - dt.timedelta(days=draw(st.integers(0, 400)))
        op = draw(st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge", "exists"]))
        return S.field("created_at", op, None if op == "exists" else moment.isoformat())
    else:
        name = f"attributes.{draw(st.sampled_from(KEYS))}"
        op = draw(st.sampled_from(S.OPS))
        if op == "exists":
            return S.field(name, op)
        if op in ("in", "not_in"):
            return S.field(name, op, draw(st.lists(scalars, max_size=3)))
        if op in ("lt", "le", "gt", "ge"):
            return S.field(name, op, draw(scalars.filter(lambda v: not isinstance(v, bool))))
        return S.field(name, op, draw(scalars))
    if op == "exists":
        return S.field(name, op)
    values = _value_for(name)
    if op in ("in", "not_in"):
        return S.field(name, op, draw(st.lists(values, max_size=3)))
    return S.field(name, op, draw(values))


@st.composite
def interaction_rules(draw: st.DrawFn) -> S.Rule:
    return S.interactions(
        draw(st.sampled_from(S.COUNT_OPS)),
        draw(st.integers(0, 3)),
        channel=draw(st.sampled_from([None, *CHANNELS])),
        direction=draw(st.sampled_from([None, "inbound", "outbound"])),
        outcome=draw(st.sampled_from([None, "sold"])),
        within=draw(st.sampled_from([None, *WINDOWS])),
    )


@st.composite
def purchase_rules(draw: st.DrawFn) -> S.Rule:
    measure = draw(st.sampled_from(["count", "total"]))
    currency = draw(st.sampled_from(CURRENCIES)) if measure == "total" else None
    if currency is None:
        value: Any = draw(st.integers(0, 3))
    else:
        minor = draw(st.one_of(st.integers(0, 300_000), st.integers(0, 10**15)))
        value = str(Decimal(minor).scaleb(-DIGITS[currency]))
    return S.purchases(
        draw(st.sampled_from(S.COUNT_OPS)),
        value,
        measure=measure,
        currency=currency,
        within=draw(st.sampled_from([None, *WINDOWS])),
        channel=draw(st.sampled_from([None, *CHANNELS])),
        category=draw(st.sampled_from([None, "tea"])),
        product=draw(st.sampled_from([None, "sencha"])),
        attribute=draw(st.sampled_from([None, "vegan"])),
    )


consent_rules = st.builds(
    S.consent, st.sampled_from(["newsletter", "offers"]), st.sampled_from(["email", "sms"])
)
leaves = st.one_of(field_rules(), interaction_rules(), purchase_rules(), consent_rules)
rules = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda parts: S.AllOf(rules=tuple(parts))),
        st.lists(children, max_size=3).map(lambda parts: S.AnyOf(rules=tuple(parts))),
        children.map(lambda part: S.Not(rule=part)),
    ),
    max_leaves=6,
)


# --------------------------------------------------------------------------- the store


def _purposes(crm: gc.CRM) -> str:
    crm.privacy.add_purpose(Purpose(
        key="newsletter", version=1, name="Newsletter", dpv_purpose="dpv:DirectMarketing",
        legal_basis={"eu-gdpr": "consent"}, channels=("email", "sms"), direct_marketing=True,
        categories=frozenset({"direct_marketing"}), kantara_category=6,
    ))
    crm.privacy.add_purpose(Purpose(
        key="offers", version=1, name="Offers", dpv_purpose="dpv:DirectMarketing",
        legal_basis={"eu-gdpr": "legitimate_interests"}, channels=("email",),
        direct_marketing=True, categories=frozenset({"direct_marketing"}), kantara_category=6,
    ))
    notice = publish_notice("newsletter", 1, language="lt", title="Naujienos",
                            body="Sutinku.", effective_from=NOW - dt.timedelta(days=900))
    return crm.privacy.add_notice(notice).id


def _purchase(index: int, data: tuple[Any, ...], people: list[gc.Customer], tenant: str
              ) -> Purchase:
    who, channel, currency, minor, minutes, items, status, part = data
    digits = DIGITS[currency]
    row: dict[str, Any] = {
        "customer_id": people[who % len(people)].id,
        "occurred_at": (NOW - dt.timedelta(minutes=minutes)).isoformat(),
        "channel": channel,
        "amount": str(Decimal(minor).scaleb(-digits)),
        "currency": currency,
        "items": json.dumps([
            {"product": product, "category": category, "attributes": attributes,
             "quantity": quantity, "unit_price": str(Decimal(price).scaleb(-digits))}
            for category, attributes, quantity, price, product in items
        ]),
    }
    if status == "partially_refunded" and minor >= 2:
        refunded = max(1, min(minor - 1, minor * part // 100))
        row.update(status=status, refunded=str(Decimal(refunded).scaleb(-digits)))
    elif status == "refunded":
        row.update(status=status, refunded=row["amount"])
    elif status == "cancelled":
        row["status"] = status
    return purchase_from_row(row, tenant=tenant)


def _populate(
    crm: gc.CRM,
    notice: str,
    people_data: list[dict[str, Any]],
    contacts: list[tuple[Any, ...]],
    bought: list[tuple[Any, ...]],
    consent_steps: list[tuple[Any, ...]],
) -> tuple[list[gc.Customer], S.Facts]:
    people = []
    for data in people_data:
        values = dict(data)
        created = NOW - dt.timedelta(days=values.pop("created_days"))
        people.append(crm.customers.add(
            gc.Customer(name=gc.PersonName(given="Ona", locale="lt"), currency="EUR", **values),
            now=created,
        ))
    recorded = [
        crm.interactions.record(
            people[who % len(people)], channel=channel, direction=direction, outcome=outcome,
            occurred_at=NOW - dt.timedelta(minutes=minutes), now=NOW,
        )
        for who, channel, direction, outcome, minutes in contacts
    ]
    made = [_purchase(n, data, people, crm.tenant) for n, data in enumerate(bought)]
    report = crm.purchases.import_rows(
        [
            {"id": p.id, "customer_id": p.customer_id, "occurred_at": p.occurred_at.isoformat(),
             "channel": p.channel, "amount": str(p.amount.amount), "currency": p.currency,
             "items": json.dumps([item.to_json() for item in p.items]), "status": p.status,
             "refunded": str(p.amount.amount - p.net.amount)}
            for p in made
        ],
        now=NOW,
    )
    assert report.errors == [] and report.imported == len(made)
    for who, purpose, channel, state in consent_steps:
        person = people[who % len(people)]
        extra: dict[str, Any] = (
            {"notice_id": notice, "consent_type": "explicit"}
            if state == "given" and purpose == "newsletter" else {}
        )
        try:
            crm.privacy.record(
                person, purpose=purpose, channel=channel, state=state, now=NOW,
                occurred_at=NOW - dt.timedelta(days=1), **extra,
            )
        except gc.GlobalCRMError:  # a step the consent rules refuse is not recorded
            continue
    table = RateTable()
    table.extend(RATES)
    facts = S.Facts(
        interactions=recorded,
        purchases=made,
        consent_events=[e for person in people for e in crm.privacy.history(person)],
        purposes={key: crm.privacy.purpose(key) for key in ("newsletter", "offers")},
        rates=table,
    )
    return people, facts


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people_data=st.lists(customers, min_size=1, max_size=6),
    contacts=st.lists(interactions, max_size=10),
    bought=st.lists(purchases_data, max_size=8),
    consent_steps=st.lists(consents, max_size=6),
    tried=st.lists(rules, min_size=1, max_size=6),
)
def test_sql_and_memory_select_the_same_customers(
    crm: gc.CRM,
    people_data: list[dict[str, Any]],
    contacts: list[tuple[Any, ...]],
    bought: list[tuple[Any, ...]],
    consent_steps: list[tuple[Any, ...]],
    tried: list[S.Rule],
) -> None:
    crm.exchange_rates.add(RATES, now=NOW)
    tenant = crm.for_tenant(f"seg{next(_tenants)}")
    notice = _purposes(tenant)
    people, facts = _populate(tenant, notice, people_data, contacts, bought, consent_steps)
    for rule in tried:
        expected = sorted(p.id for p in people if rule.matches(p, facts, now=NOW))
        selected = list(tenant.segments.ids(rule, now=NOW, limit=1000))
        assert selected == expected, rule
        assert tenant.segments.count(rule, now=NOW) == len(expected)
        assert S.parse(json.loads(json.dumps(rule.to_json()))) == rule


@settings(max_examples=300, deadline=None)
@given(rule=rules)
def test_the_json_form_round_trips(rule: S.Rule) -> None:
    text = json.dumps(rule.to_json())
    assert S.parse(text) == rule
    assert S.parse(rule.to_json()).to_json() == rule.to_json()
