"""Import match policies, external ids and refusing likely duplicates (issue 22)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import globalcrm as gc
from tests.rows import GOOD_ROW


def _rows(count: int, **more: Any) -> list[dict[str, Any]]:
    return [
        {**GOOD_ROW, "given": f"Jonas{i}", "emails": f"jonas{i}@example.lt",
         "phones": f"+370 612 {10000 + i}", **more}
        for i in range(count)
    ]


def test_importing_the_same_file_twice_with_a_match_policy_does_not_double(crm: gc.CRM) -> None:
    rows = _rows(30)
    first = crm.customers.import_rows(rows, match="email")
    assert (first.created, first.updated, first.skipped, first.ok) == (30, 0, 0, True)
    again = crm.customers.import_rows(rows, match="email", on_match="skip")
    assert (again.rows, again.imported, again.skipped, again.ok) == (30, 0, 30, True)
    assert crm.customers.count() == 30
    refused = crm.customers.import_rows(rows[:2], match="email")
    assert [(e.row, e.field, e.code) for e in refused.errors] == [
        (1, "emails", "duplicate"), (2, "emails", "duplicate")
    ]
    assert refused.errors[0].message.startswith("matches stored customer ")
    assert first.ids[0] in refused.errors[0].message  # the id, never the e-mail
    assert "jonas0@" not in refused.errors[0].message
    assert crm.customers.count() == 30


def test_update_changes_only_the_fields_the_row_gives(crm: gc.CRM) -> None:
    [stored_id] = crm.customers.import_rows([{**GOOD_ROW, "tags": "vip"}]).ids
    before = crm.customers.get(stored_id)
    row = {"emails": "JONAS@example.lt", "country": "LT", "language": "lt",
           "time_zone": "Europe/Vilnius", "currency": "EUR", "given": "Jonas",
           "surname": "Petraitis", "pronouns": "he/him"}
    report = crm.customers.import_rows([row], match="email", on_match="update")
    assert (report.created, report.updated, report.ids) == (0, 1, [stored_id])
    after = crm.customers.get(stored_id)
    assert after.pronouns == "he/him" and after.tags == ("vip",)  # kept: the row had no tags
    assert after.phones == before.phones and after.version == before.version + 1
    assert crm.customers.count() == 1


def test_rows_of_one_file_that_match_each_other_are_reported_skipped_or_merged(
    crm: gc.CRM,
) -> None:
    rows = [*_rows(3), {**_rows(1)[0], "pronouns": "he/him"}]  # row 4 repeats row 1's e-mail
    reported = crm.customers.import_rows(rows, match="email", atomic=True)
    assert [(e.row, e.code, e.message) for e in reported.errors] == [
        (4, "duplicate", "matches row 1 of the file (same e-mail address)")
    ]
    assert not reported.committed and crm.customers.count() == 0
    skipped = crm.customers.import_rows(rows, match="email", on_match="skip")
    assert (skipped.created, skipped.skipped, skipped.ok) == (3, 1, True)
    [first] = crm.customers.find_by_email("jonas0@example.lt")
    assert first.pronouns is None
    crm.customers.delete(first)
    merged = crm.customers.import_rows(rows, match="email", on_match="update")
    # rows 2-3 are stored already and update themselves; row 1 creates; row 4 updates row 1's
    assert (merged.created, merged.updated) == (1, 3)
    [again] = crm.customers.find_by_email("jonas0@example.lt")
    assert again.pronouns == "he/him"  # the later row of the file was applied to the first


def test_match_by_phone_reads_national_and_international_forms_alike(crm: gc.CRM) -> None:
    crm.customers.import_rows([GOOD_ROW])  # 8 612 34567, Lithuanian national form
    report = crm.customers.import_rows(
        [{**GOOD_ROW, "emails": "other@example.lt", "phones": "+37061234567"}],
        match="phone", on_match="skip",
    )
    assert report.skipped == 1 and crm.customers.count() == 1


def test_a_row_matching_two_stored_customers_is_an_error_even_when_updating(
    crm: gc.CRM,
) -> None:
    crm.customers.import_rows(_rows(2))
    both = {**GOOD_ROW, "emails": "jonas0@example.lt;jonas1@example.lt", "phones": ""}
    report = crm.customers.import_rows([both], match="email", on_match="update")
    assert report.errors[0].message.startswith("matches 2 stored customers")
    assert crm.customers.count() == 2


def test_match_by_id_updates_the_exported_customers(crm: gc.CRM) -> None:
    crm.customers.import_rows(_rows(5))
    exported = list(crm.customers.export_rows())
    for row in exported:
        row["tags"] = "imported_again"
    report = crm.customers.import_rows(exported, match="id", on_match="update")
    assert (report.updated, report.created) == (5, 0)
    assert {c.tags for c in crm.customers.list(limit=10)} == {("imported_again",)}
    plain = crm.customers.import_rows(exported[:1])  # no policy: an id taken is an error
    assert plain.errors[0].message == "a customer with this id is already stored"


def test_external_ids_are_unique_per_tenant_and_source_and_found(crm: gc.CRM) -> None:
    base = gc.Customer(name=gc.PersonName(given="Aino", surname="Mäkinen", locale="fi"),
                       country="FI", language="fi", time_zone="Europe/Helsinki",
                       currency="EUR", external_ids={"shopify": "123", "stripe": "cus_9"})
    aino = crm.customers.add(base)
    assert crm.customers.find_by_external_id("shopify", "123").id == aino.id
    with pytest.raises(gc.NotFound):
        crm.customers.find_by_external_id("shopify", "124")
    with pytest.raises(gc.Conflict) as taken:
        crm.customers.add(gc.Customer(name=base.name, country="FI", language="fi",
                                      time_zone="Europe/Helsinki", currency="EUR",
                                      external_ids={"shopify": "123"}))
    assert taken.value.field == "external_ids.shopify"
    other_source = crm.customers.add(gc.Customer(
        name=base.name, country="FI", language="fi", time_zone="Europe/Helsinki",
        currency="EUR", external_ids={"woo": "123"}))
    assert crm.customers.find_by_external_id("woo", "123").id == other_source.id
    elsewhere = crm.for_tenant("other").customers.add(gc.Customer(
        name=base.name, country="FI", language="fi", time_zone="Europe/Helsinki",
        currency="EUR", external_ids={"shopify": "123"}))
    assert elsewhere.external_ids == {"shopify": "123"}
    with pytest.raises(gc.Conflict) as moved:
        crm.customers.update(other_source, expected_version=1, external_ids={"shopify": "123"})
    assert moved.value.field == "external_ids.shopify"
    assert crm.customers.get(other_source.id).external_ids == {"woo": "123"}


def test_external_ids_import_match_and_export_round_trip(crm: gc.CRM) -> None:
    rows = [{**row, "external_ids": json.dumps({"shopify": str(900 + i)})}
            for i, row in enumerate(_rows(3))]
    assert crm.customers.import_rows(rows).ok
    documents = list(crm.customers.export_documents())
    assert [d["external_ids"] for d in documents] == [{"shopify": "900"}, {"shopify": "901"},
                                                      {"shopify": "902"}]
    changed = [{**row, "emails": f"new{i}@example.lt"} for i, row in enumerate(rows)]
    report = crm.customers.import_rows(changed, match="external_id", on_match="update")
    assert report.updated == 3 and crm.customers.count() == 3
    assert crm.customers.find_by_external_id("shopify", "901").emails[0].address == (
        "new1@example.lt"
    )
    clash = crm.customers.import_rows([{**_rows(1)[0], "emails": "x@example.lt",
                                        "external_ids": '{"shopify": "900"}'}])
    assert clash.errors and clash.errors[0].code == "conflict" and crm.customers.count() == 3


def test_add_can_refuse_a_likely_duplicate(crm: gc.CRM) -> None:
    [stored] = crm.customers.import_rows([GOOD_ROW]).ids
    twin = gc.Customer(name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"),
                       country="LT", language="lt", time_zone="Europe/Vilnius", currency="EUR",
                       emails=["Jonas@Example.LT"])
    with pytest.raises(gc.DuplicateCustomer) as refused:
        crm.customers.add(twin, on_duplicate="error")
    assert refused.value.matches == (stored,) and refused.value.field == "emails[0]"
    assert "jonas@" not in str(refused.value).lower()
    assert crm.customers.count() == 1
    assert crm.customers.add(twin).id == twin.id  # allowed by default
    with pytest.raises(gc.InvalidInput):
        crm.customers.add(twin, on_duplicate="merge")


def test_bad_policies_are_refused_before_anything_is_read(crm: gc.CRM) -> None:
    with pytest.raises(gc.InvalidInput) as bad_match:
        crm.customers.import_rows([GOOD_ROW], match="name")
    assert bad_match.value.field == "match"
    with pytest.raises(gc.InvalidInput) as bad_action:
        crm.customers.import_rows([GOOD_ROW], match="email", on_match="merge")
    assert bad_action.value.field == "on_match"
    assert crm.customers.count() == 0


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.integers(0, 5), min_size=1, max_size=12),
       action=st.sampled_from(["skip", "update"]))
def test_whatever_the_order_one_customer_per_distinct_email(
    crm: gc.CRM, picks: list[int], action: str
) -> None:
    for customer in crm.customers.list(limit=100):
        crm.customers.delete(customer)
    pool = _rows(6)
    rows = [pool[i] for i in picks]
    report = crm.customers.import_rows(rows, match="email", on_match=action)
    assert report.ok
    distinct = len(set(picks))
    assert report.created == distinct and crm.customers.count() == distinct
    assert report.created + report.updated + report.skipped == len(rows)


def test_identify_takes_an_id_an_email_a_phone_in_any_form_or_an_external_id(
    crm: gc.CRM,
) -> None:
    jonas_id = crm.customers.import_rows(
        [{**GOOD_ROW, "external_ids": '{"shopify": "77"}'}]).ids[0]
    for text in (jonas_id, jonas_id.lower(), "JONAS@example.lt", "+370 612 34567",
                 "8 612 34567", "0037061234567", "shopify:77"):
        assert [c.id for c in crm.customers.identify(text)] == [jonas_id], text
    assert crm.customers.identify("01M8XAQ16N3XMZZZZZZZZZZZZZ") == []
    assert crm.customers.identify("nobody@example.lt") == []
    assert crm.customers.identify("shopify:78") == []
    for junk in ("", "   ", "hello world", "@@"):
        with pytest.raises(gc.InvalidInput) as refused:
            crm.customers.identify(junk)
        assert refused.value.field == "customer"


def test_a_national_number_that_reads_as_two_customers_names_both(crm: gc.CRM) -> None:
    # 6123 4567 is a Lithuanian number in national form and a Latvian one: two customers
    lt = crm.customers.import_rows([{**GOOD_ROW, "phones": "+370 6123 4567"}]).ids[0]
    lv = crm.customers.import_rows([{
        **GOOD_ROW, "country": "LV", "language": "lv", "time_zone": "Europe/Riga",
        "emails": "liga@example.lv", "phones": "+371 6123 4567"}]).ids[0]
    assert {c.id for c in crm.customers.identify("6123 4567")} == {lt, lv}
    assert [c.id for c in crm.customers.identify("+371 6123 4567")] == [lv]
