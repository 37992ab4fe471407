"""Ids are unique within a tenant: a tenant learns nothing of another's, not even that it exists."""

from __future__ import annotations

import datetime as dt

import pytest

import globalcrm as gc
from tests.rows import GOOD_ROW

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def _person(**changes: object) -> gc.Customer:
    values: dict[str, object] = dict(
        name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"),
        country="LT", language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=["jonas@example.lt"],
    )
    values.update(changes)
    return gc.Customer(**values)


def test_a_tenant_stores_an_id_another_tenant_uses_as_if_it_were_free(crm: gc.CRM) -> None:
    acme, other = crm.for_tenant("acme"), crm.for_tenant("other")
    theirs = acme.customers.add(_person(tenant="acme"), now=NOW)
    acme.interactions.record(theirs.id, channel="email", direction="inbound", body="Labas")
    ours = other.customers.add(
        _person(tenant="other", id=theirs.id, emails=["ona@example.lt"],
                name=gc.PersonName(given="Ona", surname="Jonaitė", locale="lt")),
        now=NOW,
    )
    assert ours.id == theirs.id
    assert acme.customers.get(theirs.id).name.given == "Jonas"
    assert other.customers.get(theirs.id).name.given == "Ona"
    assert [c.name.given for c in other.customers.find_by_email("jonas@example.lt")] == []
    assert [c.name.given for c in acme.customers.find_by_email("ona@example.lt")] == []
    # the same id, but the second add in the tenant that has it: refused there only
    with pytest.raises(gc.Conflict):
        other.customers.add(_person(tenant="other", id=theirs.id), now=NOW)
    # a change or a delete in one tenant leaves the other's customer, keys and timeline alone
    other.customers.update(theirs.id, expected_version=1, emails=["ona2@example.lt"])
    other.customers.delete(theirs.id)
    assert [c.name.given for c in acme.customers.search("jonas")] == ["Jonas"]
    assert len(acme.customers.find_by_email("jonas@example.lt")) == 1
    assert len(acme.interactions.timeline(theirs.id)) == 1
    with pytest.raises(gc.NotFound):
        other.customers.get(theirs.id)
    with pytest.raises(gc.NotFound):
        other.interactions.record(theirs.id, channel="email", direction="inbound")


def test_an_import_into_another_tenant_does_not_learn_which_ids_are_taken(crm: gc.CRM) -> None:
    first = crm.customers.import_rows([GOOD_ROW, {**GOOD_ROW, "given": "Ona"}])
    rows = [{**GOOD_ROW, "id": customer_id} for customer_id in first.ids]
    again = crm.for_tenant("other").customers.import_rows(rows)
    assert (again.imported, again.errors) == (2, [])
    assert again.ids == first.ids
    # in the tenant that has them, the same ids are still refused
    report = crm.customers.import_rows(rows)
    assert [(e.row, e.field, e.code) for e in report.errors] == [(1, "id", "conflict"),
                                                                 (2, "id", "conflict")]
