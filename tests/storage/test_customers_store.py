"""Customers in the store: add, get, update with versions, search, lookups, pages, tenants."""

from __future__ import annotations

import datetime as dt

import pytest

import globalcrm as gc
from globalcrm.demo_data import sample_customers

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def jonas(**changes: object) -> gc.Customer:
    values: dict[str, object] = dict(
        name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"),
        country="LT",
        language="lt",
        time_zone="Europe/Vilnius",
        currency="EUR",
        emails=["Jonas.Petraitis@Example.lt"],
        phones=["8 612 34567"],
    )
    values.update(changes)
    return gc.Customer(**values)


def test_add_and_get_round_trip(crm: gc.CRM) -> None:
    added = crm.customers.add(jonas(), now=NOW)
    assert added.version == 1
    assert added.created_at == NOW
    loaded = crm.customers.get(added.id)
    assert loaded.name == added.name
    assert loaded.emails[0].address == "Jonas.Petraitis@example.lt"
    assert loaded.phones[0].number == "+37061234567"
    assert loaded.phones[0].type == "mobile"
    assert loaded.created_at == NOW and loaded.created_at.tzinfo is not None


def test_adding_the_same_id_twice_is_a_conflict_and_changes_nothing(crm: gc.CRM) -> None:
    first = crm.customers.add(jonas())
    copy = jonas(id=first.id)
    with pytest.raises(gc.Conflict):
        crm.customers.add(copy)
    assert crm.customers.count() == 1


def test_update_checks_the_version(crm: gc.CRM) -> None:
    added = crm.customers.add(jonas())
    updated = crm.customers.update(
        added.id, expected_version=1, tags=["vip"], phones=["+370 612 99999"]
    )
    assert updated.version == 2
    assert updated.tags == ("vip",)
    assert crm.customers.find_by_phone("+37061299999")[0].id == added.id
    assert crm.customers.find_by_phone("+37061234567") == []  # old key removed
    with pytest.raises(gc.Conflict, match="version 2"):
        crm.customers.update(added.id, expected_version=1, tags=["lost"])
    assert crm.customers.get(added.id).tags == ("vip",)


def test_update_with_a_bad_value_names_the_field_and_changes_nothing(crm: gc.CRM) -> None:
    added = crm.customers.add(jonas())
    with pytest.raises(gc.InvalidInput) as caught:
        crm.customers.update(added.id, expected_version=1, phones=["8 612"])
    assert caught.value.field == "phones[0]"
    with pytest.raises(gc.InvalidInput) as unknown:
        crm.customers.update(added.id, expected_version=1, version=9)
    assert unknown.value.field == "version"
    stored = crm.customers.get(added.id)
    assert stored.version == 1 and stored.phones[0].number == "+37061234567"


def test_get_unknown_and_other_tenant_is_not_found(crm: gc.CRM) -> None:
    added = crm.customers.add(jonas())
    other = crm.for_tenant("acme")
    with pytest.raises(gc.NotFound):
        other.customers.get(added.id)
    assert other.customers.count() == 0
    assert other.customers.search("jonas").items == []
    assert other.customers.find_by_email("jonas.petraitis@example.lt") == []


def test_find_by_email_is_case_insensitive_and_normalised(crm: gc.CRM) -> None:
    added = crm.customers.add(jonas(emails=["ona@münchen.de"]))
    assert [c.id for c in crm.customers.find_by_email("ONA@MÜNCHEN.DE")] == [added.id]


def test_find_by_phone_accepts_national_input(crm: gc.CRM) -> None:
    added = crm.customers.add(jonas())
    assert [c.id for c in crm.customers.find_by_phone("8 612 34567", region="LT")] == [added.id]
    assert [c.id for c in crm.customers.find_by_phone("+370 612 34567")] == [added.id]


@pytest.mark.parametrize(
    ("query", "country"),
    [
        ("petraitis", "LT"),
        ("JONAS", "LT"),
        ("berzina", "LV"),
        ("Līga Bērziņa", "LV"),
        ("makinen", "FI"),
        ("MÄKINEN aino", "FI"),
        ("כהן", "IL"),
        ("noa cohen", "IL"),
        ("Rashidova", "UZ"),
        ("Дилноза", "UZ"),
        ("山田", "JP"),
        ("山田太郎", "JP"),
        ("やまだ", "JP"),
        ("ヤマダ", "JP"),
        ("yamada taro", "JP"),
        ("王小明", "CN"),
        ("xiaoming", "CN"),
        ("김민준", "KR"),
        ("souza", "BR"),
        ("शर्मा", "IN"),
        ("de vries", "NL"),
        ("muller", "DE"),
        ("Müller", "DE"),
        ("emily", "US"),
    ],
)
def test_name_search_is_case_and_accent_insensitive_in_every_script(
    crm: gc.CRM, query: str, country: str
) -> None:
    if crm.customers.count() == 0:
        for customer in sample_customers():
            crm.customers.add(customer)
    found = crm.customers.search(query)
    assert [c.country for c in found] == [country]


def test_search_prefix_and_no_match(crm: gc.CRM) -> None:
    for customer in sample_customers():
        crm.customers.add(customer)
    assert [c.country for c in crm.customers.search("petr")] == ["LT"]
    assert crm.customers.search("zzzz").items == []


def test_keyset_pages_cover_every_customer_once(crm: gc.CRM) -> None:
    ids = [crm.customers.add(c).id for c in sample_customers()]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = crm.customers.list(after=cursor, limit=5)
        seen.extend(c.id for c in page)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(ids)
    assert pages == 3


def test_bad_cursor_and_limit_are_invalid_input(crm: gc.CRM) -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        crm.customers.list(after="not-a-cursor!")
    assert caught.value.field == "after"
    with pytest.raises(gc.InvalidInput):
        crm.customers.list(limit=0)


def test_likely_duplicates(crm: gc.CRM) -> None:
    stored = crm.customers.add(jonas())
    crm.customers.add(
        jonas(
            name=gc.PersonName(given="Ona", surname="Petraitienė", locale="lt"),
            emails=["ona@example.lt"],
            phones=["+370 612 11111"],
        )
    )
    same_phone = jonas(name=gc.PersonName(given="J.", surname="Kazlauskas"), emails=[])
    matches = crm.customers.likely_duplicates(same_phone)
    assert [(m.customer.id, m.reasons) for m in matches] == [(stored.id, ("phone",))]
    near_name = jonas(name=gc.PersonName(given="JONAS", surname="PETRAITIS"), emails=[], phones=[])
    assert [m.customer.id for m in crm.customers.likely_duplicates(near_name)] == [stored.id]
    assert crm.customers.likely_duplicates(stored.id) == []


def test_delete_removes_customer_keys_and_interactions(crm: gc.CRM) -> None:
    added = crm.customers.add(jonas())
    crm.interactions.record(added.id, channel="sms", direction="outbound", body="Labas")
    crm.customers.delete(added.id, expected_version=1)
    with pytest.raises(gc.NotFound):
        crm.customers.get(added.id)
    assert crm.customers.find_by_email("jonas.petraitis@example.lt") == []


def test_transaction_rolls_back_every_step(crm: gc.CRM) -> None:
    with pytest.raises(gc.NotFound), crm.transaction() as tx:
        tx.customers.add(jonas())
        tx.interactions.record("01ARZ3NDEKTSV4RRFFQ69G5FAV", channel="email", direction="inbound")
    assert crm.customers.count() == 0


def test_failed_write_leaves_store_as_it_was(crm: gc.CRM) -> None:
    added = crm.customers.add(jonas())
    before = crm.customers.get(added.id)
    with pytest.raises(gc.InvalidInput):
        crm.customers.update(added.id, expected_version=1, country="QQ")
    after = crm.customers.get(added.id)
    assert (after.version, after.country, after.updated_at) == (
        before.version,
        before.country,
        before.updated_at,
    )


def _stored_keys(crm: gc.CRM) -> set[tuple[str, str, str, str]]:
    from sqlalchemy import select

    from globalcrm.storage import tables

    k = tables.customer_keys.c
    with crm._engine.connect() as connection:
        rows = connection.execute(select(k.customer_id, k.tenant, k.kind, k.key))
        return {tuple(row) for row in rows}


def _derived_keys(crm: gc.CRM, *tenants: str) -> set[tuple[str, str, str, str]]:
    from globalcrm.storage.repositories import key_rows

    keys = set()
    for tenant in tenants:
        for customer in crm.for_tenant(tenant).customers.list(limit=500):
            for row in key_rows(customer):
                keys.add((row["customer_id"], row["tenant"], row["kind"], row["key"]))
    return keys


def test_search_keys_stay_in_step_with_the_customers_they_derive_from(crm: gc.CRM) -> None:
    # customer_keys has no foreign key (migration 0004): every write path keeps it in step
    kept = crm.customers.add(jonas())
    gone = crm.customers.add(jonas(emails=["ona@example.lt"], phones=[]))
    crm.customers.update(kept.id, expected_version=1, emails=["jonas@example.lt"])
    crm.customers.delete(gone.id, expected_version=1)
    with pytest.raises(gc.NotFound), crm.transaction() as tx:
        tx.customers.add(jonas(emails=["rolled.back@example.lt"]))
        tx.customers.delete("01ARZ3NDEKTSV4RRFFQ69G5FAV")
    report = crm.customers.import_rows([
        {"given": "Līga", "surname": "Bērziņa", "country": "LV", "language": "lv",
         "time_zone": "Europe/Riga", "currency": "EUR", "emails": "liga@example.lv"},
        {"given": "Bad", "country": "LV", "language": "lv", "time_zone": "Europe/Riga",
         "currency": "EUR", "phones": "12"},
    ])
    assert report.imported == 1
    other = crm.for_tenant("other")
    other.customers.add(jonas())
    crm.customers.rebuild_search_keys()
    stored = _stored_keys(crm)
    assert stored == _derived_keys(crm, "default", "other")
    assert {row[0] for row in stored} == {kept.id, report.ids[0], *(
        c.id for c in other.customers.list(limit=10)
    )}
    assert crm.customers.find_by_email("ona@example.lt") == []


def test_a_loaded_customer_changed_in_a_transaction_is_not_stored(crm: gc.CRM) -> None:
    stored = crm.customers.add(jonas(), now=NOW)
    audit_before = len(crm.privacy.audit_entries())
    with crm.transaction() as tx:
        loaded = tx.customers.get(stored.id)
        with pytest.raises(gc.InvalidInput):
            loaded.tenant = "globex"
        with pytest.raises(gc.InvalidInput):
            loaded.country = "Jonas Petraitis was here"
        loaded.country = "DE"  # valid, but only ``update`` writes (and audits) a change
        loaded.tags = ("moved",)
        page = tx.customers.list()
        page.items[0].currency = "USD"
    again = crm.customers.get(stored.id)
    assert (again.country, again.tags, again.currency, again.tenant) == ("LT", (), "EUR", "default")
    assert again.version == 1
    assert len(crm.privacy.audit_entries()) == audit_before
    assert crm.for_tenant("globex").customers.count() == 0


def test_an_added_customer_is_the_stored_copy_and_the_callers_object_is_untouched(
    crm: gc.CRM,
) -> None:
    mine = jonas()
    with crm.transaction() as tx:
        stored = tx.customers.add(mine, now=NOW)
        stored.tags = ("changed-after-add",)
    assert (mine.created_at, mine.version) == (None, 0)
    assert stored.id == mine.id and stored.version == 1
    assert crm.customers.get(mine.id).tags == ()


def test_every_customer_method_takes_a_customer_or_its_id(crm: gc.CRM) -> None:
    stored = crm.customers.add(jonas(), now=NOW)
    assert crm.customers.get(stored).id == stored.id
    updated = crm.customers.update(stored, expected_version=1, tags=["vip"])
    assert updated.tags == ("vip",)
    crm.interactions.record(updated, channel="whatsapp", direction="inbound", body="Labas")
    assert len(crm.interactions.timeline(updated).items) == 1
    assert crm.customers.display_name(updated.id) == crm.customers.display_name(updated)
    crm.customers.delete(updated)
    assert crm.customers.count() == 0
    with pytest.raises(gc.InvalidInput) as caught:
        crm.customers.get(42)  # type: ignore[arg-type]
    assert caught.value.field == "customer"


def test_update_names_an_unknown_field_as_unknown(crm: gc.CRM) -> None:
    stored = crm.customers.add(jonas(), now=NOW)
    with pytest.raises(gc.InvalidInput) as unknown:
        crm.customers.update(stored.id, expected_version=1, favourite_colour="blue")
    assert "unknown customer field 'favourite_colour'" in str(unknown.value)
    with pytest.raises(gc.InvalidInput) as fixed:
        crm.customers.update(stored.id, expected_version=1, tenant="acme")
    assert "cannot be changed" in str(fixed.value)
    assert crm.customers.get(stored.id).version == 1


EXTREMES = [
    dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
]


@pytest.mark.parametrize("moment", EXTREMES)
def test_instants_outside_utc_are_refused_and_store_nothing(
    crm: gc.CRM, moment: dt.datetime
) -> None:
    stored = crm.customers.add(jonas(), now=NOW)
    with pytest.raises(gc.InvalidInput):
        crm.customers.add(jonas(), now=moment)
    with pytest.raises(gc.InvalidInput):
        crm.customers.update(stored.id, expected_version=1, now=moment, tags=["x"])
    with pytest.raises(gc.InvalidInput):
        crm.interactions.record(stored, channel="sms", direction="inbound", occurred_at=moment)
    assert crm.customers.count() == 1
    assert crm.customers.get(stored.id).version == 1
    assert crm.interactions.timeline(stored).items == []


def test_an_event_is_recorded_when_it_has_happened(crm: gc.CRM) -> None:
    stored = crm.customers.add(jonas(), now=NOW)
    four_minutes = NOW + dt.timedelta(minutes=4)
    made = crm.interactions.record(
        stored, channel="sms", direction="inbound", occurred_at=four_minutes, now=NOW
    )
    assert made.occurred_at == four_minutes  # clock skew between machines is tolerated
    with pytest.raises(gc.InvalidInput, match="in the future") as caught:
        crm.interactions.record(
            stored,
            channel="sms",
            direction="inbound",
            occurred_at=NOW + dt.timedelta(days=365),
            now=NOW,
        )
    assert caught.value.field == "occurred_at"
    assert len(crm.interactions.timeline(stored).items) == 1
