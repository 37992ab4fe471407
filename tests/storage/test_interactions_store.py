"""Interactions: recording, timelines with keyset pages, conversations across channels."""

from __future__ import annotations

import datetime as dt

import pytest

import globalcrm as gc

T0 = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)


def _customer(crm: gc.CRM) -> gc.Customer:
    return crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Aino", surname="Mäkinen", locale="fi"),
            country="FI",
            language="fi",
            time_zone="Europe/Helsinki",
            currency="EUR",
        )
    )


def test_conversation_is_one_thread_across_channels_in_time_order(crm: gc.CRM) -> None:
    c = _customer(crm)
    other = _customer(crm)
    helsinki = dt.timezone(dt.timedelta(hours=2))
    crm.interactions.record(
        c.id,
        channel="email",
        direction="outbound",
        body="b",
        conversation="order-1042",
        occurred_at=T0 + dt.timedelta(minutes=5),
    )
    crm.interactions.record(
        c.id,
        channel="whatsapp",
        direction="inbound",
        body="a",
        conversation="order-1042",
        occurred_at=(T0 + dt.timedelta(minutes=1)).astimezone(helsinki),
    )
    crm.interactions.record(
        other.id,
        channel="sms",
        direction="inbound",
        body="x",
        conversation="order-9",
        occurred_at=T0,
    )
    thread = crm.interactions.conversation("order-1042")
    assert [(i.channel, i.body) for i in thread] == [("whatsapp", "a"), ("email", "b")]
    assert thread.items[0].occurred_at == T0 + dt.timedelta(minutes=1)
    assert thread.items[0].occurred_at.utcoffset() == dt.timedelta(0)


def test_timeline_pages_newest_first_without_gaps_or_repeats(crm: gc.CRM) -> None:
    c = _customer(crm)
    made = []
    for n in range(7):  # two share the same instant: ties are broken by id
        moment = T0 + dt.timedelta(minutes=n // 2 * 2)
        made.append(
            crm.interactions.record(
                c.id, channel="phone", direction="inbound", body=str(n), occurred_at=moment
            )
        )
    expected = sorted(made, key=lambda i: (i.occurred_at, i.id), reverse=True)
    seen: list[str] = []
    cursor = None
    while True:
        page = crm.interactions.timeline(c.id, after=cursor, limit=3)
        seen.extend(i.id for i in page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [i.id for i in expected]
    oldest = crm.interactions.timeline(c.id, newest_first=False, limit=100)
    assert [i.id for i in oldest] == [i.id for i in reversed(expected)]


def test_record_for_unknown_customer_is_not_found(crm: gc.CRM) -> None:
    with pytest.raises(gc.NotFound):
        crm.interactions.record("01ARZ3NDEKTSV4RRFFQ69G5FAV", channel="email", direction="inbound")


def test_record_rejects_naive_time_and_unknown_channel(crm: gc.CRM) -> None:
    c = _customer(crm)
    with pytest.raises(gc.InvalidInput) as naive:
        crm.interactions.record(
            c.id, channel="email", direction="inbound", occurred_at=dt.datetime(2026, 1, 1)
        )
    assert naive.value.field == "occurred_at"
    with pytest.raises(gc.InvalidInput) as channel:
        crm.interactions.record(c.id, channel="pigeon", direction="inbound")
    assert channel.value.field == "channel"
    assert crm.interactions.timeline(c.id).items == []


def test_interaction_fields_round_trip(crm: gc.CRM) -> None:
    c = _customer(crm)
    made = crm.interactions.record(
        c.id,
        channel="live_chat",
        direction="inbound",
        body="Hei! 👋",
        subject="Tilaus",
        conversation="c-1",
        language="fi",
        agent="agent-7",
        outcome="resolved",
        sentiment=0.5,
        metadata={"order": 1042, "tags": ["a", "b"]},
        occurred_at=T0,
    )
    got = crm.interactions.get(made.id)
    assert (
        got.channel,
        got.body,
        got.subject,
        got.language,
        got.agent,
        got.outcome,
        got.sentiment,
        got.metadata,
        got.occurred_at,
    ) == (
        "live_chat",
        "Hei! 👋",
        "Tilaus",
        "fi",
        "agent-7",
        "resolved",
        0.5,
        {"order": 1042, "tags": ["a", "b"]},
        T0,
    )
