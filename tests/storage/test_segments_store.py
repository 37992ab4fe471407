"""Segments in the store: counts, keyset members, breakdowns, saved segments, snapshots, plans."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select, text

import globalcrm as gc
from globalcrm import segments as S
from globalcrm.customers import check_customer_fields
from globalcrm.exchange_rates import ExchangeRate
from globalcrm.money import Money
from globalcrm.storage import tables
from globalcrm.storage.bulk import insert_customers
from tests.storage.query_plans import captured_selects, sequential_scans

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
BALTIC_WHATSAPP = {
    "all": [
        {"field": "country", "op": "in", "value": ["LT", "LV", "EE"]},
        {"interactions": {"channel": "whatsapp", "direction": "inbound", "within": "P30D"},
         "op": "ge", "value": 1},
    ]
}


def _customer(crm: gc.CRM, country: str, language: str, **more: Any) -> gc.Customer:
    zones = {"LT": "Europe/Vilnius", "LV": "Europe/Riga", "EE": "Europe/Tallinn",
             "FI": "Europe/Helsinki"}
    return crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Ona", locale="lt"), country=country, language=language,
        time_zone=zones[country], currency="EUR", **more,
    ))


def _wrote(crm: gc.CRM, customer: gc.Customer, days: float, channel: str = "whatsapp") -> None:
    crm.interactions.record(customer, channel=channel, direction="inbound", body="Labas",
                            occurred_at=NOW - dt.timedelta(days=days), now=NOW)


def test_count_members_and_breakdown_of_the_baltic_whatsapp_segment(crm: gc.CRM) -> None:
    people = [
        _customer(crm, "LT", "lt"), _customer(crm, "LV", "lv"), _customer(crm, "LV", "ru"),
        _customer(crm, "EE", "et"), _customer(crm, "FI", "fi"),
    ]
    for person in people[:3] + people[4:]:
        _wrote(crm, person, 3)
    _wrote(crm, people[3], 30.5)  # Estonia wrote, but before the window
    _wrote(crm, people[3], 1, channel="email")
    assert crm.segments.count(BALTIC_WHATSAPP, now=NOW) == 3
    first = crm.segments.members(BALTIC_WHATSAPP, now=NOW, limit=2)
    second = crm.segments.members(BALTIC_WHATSAPP, now=NOW, limit=2, after=first.next_cursor)
    assert [c.id for c in (*first, *second)] == [p.id for p in people[:3]]
    assert second.next_cursor is None
    assert crm.segments.breakdown(BALTIC_WHATSAPP, now=NOW) == {"LT": 1, "LV": 2}
    assert crm.segments.breakdown(BALTIC_WHATSAPP, now=NOW, by="language") == {
        "lt": 1, "lv": 1, "ru": 1
    }
    later = NOW + dt.timedelta(days=28)
    assert crm.segments.count(BALTIC_WHATSAPP, now=later) == 0


def test_saved_segments_snapshots_and_their_diff(crm: gc.CRM) -> None:
    lt, lv = _customer(crm, "LT", "lt"), _customer(crm, "LV", "lv")
    _wrote(crm, lt, 2)
    saved = crm.segments.save("baltic-whatsapp", BALTIC_WHATSAPP, now=NOW)
    assert (saved.version, saved.rule) == (1, S.parse(BALTIC_WHATSAPP))
    assert crm.segments.count("baltic-whatsapp", now=NOW) == 1
    before = crm.segments.snapshot("baltic-whatsapp", now=NOW)
    _wrote(crm, lv, 0)
    after = crm.segments.snapshot("baltic-whatsapp", now=NOW + dt.timedelta(days=29))
    assert (before.size, after.size) == (1, 1)
    diff = crm.segments.diff(before, after)
    assert (diff.entered, diff.left) == ((lv.id,), (lt.id,))
    assert list(crm.segments.snapshot_members(before)) == [lt.id]
    assert [s.id for s in crm.segments.snapshots("baltic-whatsapp")] == [before.id, after.id]
    assert crm.segments.save("baltic-whatsapp", S.field("country", "eq", "LT")).version == 2
    assert crm.segments.names() == ["baltic-whatsapp"]
    crm.segments.delete("baltic-whatsapp")
    assert crm.segments.names() == []
    with pytest.raises(gc.NotFound):
        crm.segments.snapshot_members(before)


def test_totals_convert_at_the_stored_rates_with_the_stated_rounding(crm: gc.CRM) -> None:
    ona = _customer(crm, "LT", "lt")
    crm.exchange_rates.add([ExchangeRate(base="EUR", quote="USD", rate="1.05", source="ECB",
                                         as_of=NOW - dt.timedelta(days=1))], now=NOW)
    for amount in ("45.00", "45.00"):  # each 42.857142... EUR, rounded to 42.86: 85.72 in all
        crm.purchases.record(ona, occurred_at=NOW - dt.timedelta(days=1), channel="web_form",
                             amount=Money(amount, "USD"), now=NOW)
    at_least = S.purchases("ge", "85.72", measure="total", currency="EUR", within="P90D")
    assert crm.segments.count(at_least, now=NOW) == 1
    assert crm.segments.count(S.purchases("gt", "85.72", measure="total", currency="EUR"),
                              now=NOW) == 0
    assert crm.segments.matches(at_least, ona, now=NOW)
    with pytest.raises(gc.RuleViolation, match="older than"):
        crm.segments.count(at_least, now=NOW + dt.timedelta(days=10))
    with pytest.raises(gc.NotFound, match="JPY"):
        crm.segments.count(S.purchases("ge", 1, measure="total", currency="JPY"), now=NOW)


def test_refunded_and_cancelled_purchases_do_not_count(crm: gc.CRM) -> None:
    ona, jonas = _customer(crm, "LT", "lt"), _customer(crm, "LT", "lt")
    kept = crm.purchases.record(ona, occurred_at=NOW, channel="web_form",
                                amount=Money("10.00", "EUR"), now=NOW)
    crm.purchases.refund(kept, amount=Money("4.00", "EUR"), now=NOW)
    gone = crm.purchases.record(jonas, occurred_at=NOW, channel="web_form",
                                amount=Money("10.00", "EUR"), now=NOW)
    crm.purchases.refund(gone, now=NOW)
    crm.purchases.cancel(crm.purchases.record(jonas, occurred_at=NOW, channel="web_form",
                                              amount=Money("10.00", "EUR"), now=NOW))
    assert list(crm.segments.ids(S.purchases("ge", 1), now=NOW)) == [ona.id]
    total = S.purchases("eq", "6.00", measure="total", currency="EUR")
    assert list(crm.segments.ids(total, now=NOW)) == [ona.id]


def test_hostile_strings_are_data(crm: gc.CRM) -> None:
    _customer(crm, "LT", "lt", tags=["vip"], attributes={"note": "x"})
    hostile = "x'); DROP TABLE customers; --"
    rules = [
        S.field("attributes.note", "eq", hostile),
        S.field("attributes.note", "in", [hostile, "' OR 1=1 --"]),
        S.field("attributes.note", "contains", hostile),
        S.interactions("ge", 1, outcome=hostile),
        S.purchases("ge", 1, product=hostile),
    ]
    for rule in rules:
        assert crm.segments.count(rule, now=NOW) == 0
    assert crm.segments.count(S.field("attributes.note", "ne", hostile), now=NOW) == 1
    assert crm.customers.count() == 1


def test_a_tier_is_absent_alike_in_sql_and_in_memory(crm: gc.CRM) -> None:
    ona = _customer(crm, "LT", "lt")
    for rule, expected in [
        (S.field("tier", "eq", "gold"), False),
        (S.field("tier", "in", ["gold", "silver"]), False),
        (S.field("tier", "exists"), False),
        (S.field("tier", "ne", "gold"), True),
        (S.field("tier", "not_in", ["gold"]), True),
        (~S.field("tier", "eq", "gold"), True),
        (~S.field("tier", "exists"), True),
    ]:
        assert rule.matches(ona, S.Facts(tier=None), now=NOW) is expected
        assert crm.segments.count(rule, now=NOW) == int(expected), rule
    assert S.field("tier", "eq", "gold").matches(ona, S.Facts(tier="gold"), now=NOW)


def test_unknown_segments_and_bad_arguments(crm: gc.CRM) -> None:
    with pytest.raises(gc.NotFound):
        crm.segments.count("no-such-segment", now=NOW)
    with pytest.raises(gc.InvalidRule, match=r"all\[0\]\.op"):
        crm.segments.save("bad", {"all": [{"field": "country", "op": "lt", "value": "LT"}]})
    with pytest.raises(gc.InvalidInput, match="by"):
        crm.segments.breakdown(BALTIC_WHATSAPP, by="gender")
    with pytest.raises(gc.NotFound, match="purpose"):
        crm.segments.count(S.consent("marketing", "email"), now=NOW)
    with pytest.raises(gc.InvalidInput, match="limit"):
        crm.segments.members(BALTIC_WHATSAPP, limit=0)


def _people(n: int) -> list[dict[str, Any]]:
    countries = ("LT", "LV", "EE", "FI", "DE", "PL", "SE", "NO")
    return [
        check_customer_fields({
            "name": gc.PersonName(given=f"Given{i}", surname=f"Surname{i % 97}", locale="en"),
            "country": countries[i % len(countries)], "language": "en",
            "time_zone": "Europe/Vilnius", "currency": "EUR",
            "created_at": NOW, "updated_at": NOW,
        })
        for i in range(n)
    ]


@pytest.mark.slow
def test_postgresql_segment_counts_use_indexes_on_events(crm: gc.CRM, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL, the scale-out target")
    people = _people(20_000)
    interaction_rows = [
        {"id": p["id"][:-4] + f"{i % 10_000:04d}", "tenant": "default", "customer_id": p["id"],
         "channel": ("whatsapp", "email")[i % 2], "direction": "inbound",
         "occurred_at": NOW - dt.timedelta(days=i % 1000), "conversation": None,
         "subject": None,
         "body": "", "language": None, "agent": None, "outcome": None, "sentiment": None,
         "meta": {}}
        for i, p in enumerate(people)
    ]
    with crm._engine.begin() as connection:
        insert_customers(connection, people)
        connection.execute(tables.interactions.insert(), interaction_rows)
    rows = [
        {"customer_id": p["id"], "occurred_at": (NOW - dt.timedelta(days=i % 1000)).isoformat(),
         "channel": "web_form", "amount": f"{i % 300}.00", "currency": "EUR",
         "items": json.dumps([{"product": "sencha", "category": "tea", "quantity": 1,
                               "unit_price": f"{i % 300}.00"}])}
        for i, p in enumerate(people)
    ]
    assert crm.purchases.import_rows(rows, now=NOW).errors == []
    with crm._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE customers, interactions, purchases, "
                                "purchase_items"))
    rule = S.parse(BALTIC_WHATSAPP) & S.purchases(
        "ge", "100", measure="total", currency="EUR", within="P90D", category="tea"
    ) & ~S.purchases("ge", 3, within="P30D")
    with captured_selects(crm._engine) as statements:
        count = crm.segments.count(rule, now=NOW)
        members = crm.segments.members(rule, now=NOW, limit=20)
    assert count > 0 and len(members) == 20
    watched = ["interactions", "purchases", "purchase_items"]
    assert sequential_scans(crm._engine, statements, watched) == []
    with crm._engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(tables.purchases)
                                  ).scalar_one() == 20_000


def test_tier_reads_the_default_loyalty_program_in_sql_and_in_memory(crm: gc.CRM) -> None:
    gold = _customer(crm, "LT", "lt")
    silver = _customer(crm, "LV", "lv")
    outsider = _customer(crm, "FI", "fi")
    for member in (gold, silver):
        crm.loyalty.enroll(member, now=NOW)
    crm.loyalty.earn(gold, amount=Money("1500", "EUR"), channel="web_form", occurred_at=NOW,
                     now=NOW)
    status = crm.loyalty.tier(gold, at=NOW)
    assert status.tier is not None and status.tier.code == "gold"
    rule = S.field("tier", "eq", "gold")
    assert crm.segments.count(rule, now=NOW) == 1
    assert [c.id for c in crm.segments.members(rule, now=NOW)] == [gold.id]
    not_gold = S.field("tier", "ne", "gold")
    assert {c.id for c in crm.segments.members(not_gold, now=NOW)} == {silver.id, outsider.id}
    for person in (gold, silver, outsider):  # memory agrees with SQL
        assert crm.segments.matches(rule, person, now=NOW) == (person.id == gold.id)
        assert crm.segments.matches(not_gold, person, now=NOW) == (person.id != gold.id)
    members = S.field("tier", "exists")
    assert crm.segments.count(members, now=NOW) == 2
