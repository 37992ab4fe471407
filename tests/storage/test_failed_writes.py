"""A failed write leaves the store and the caller's objects exactly as they were."""

from __future__ import annotations

import datetime as dt

import pytest

import globalcrm as gc

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def _jonas(**changes: object) -> gc.Customer:
    values: dict[str, object] = dict(
        name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"),
        country="LT", language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=["jonas@example.lt"],
    )
    values.update(changes)
    return gc.Customer(**values)


def test_a_refused_add_leaves_the_callers_customer_untouched(crm: gc.CRM) -> None:
    stored = crm.customers.add(_jonas(), now=NOW)
    copy = _jonas(id=stored.id, emails=["other@example.lt"])
    with pytest.raises(gc.Conflict):
        crm.customers.add(copy, now=NOW + dt.timedelta(hours=1))
    assert (copy.created_at, copy.updated_at, copy.version) == (None, None, 0)
    assert crm.customers.count() == 1
    assert crm.customers.find_by_email("other@example.lt") == []
    again = crm.for_tenant("other").customers.add(_jonas(), now=NOW)  # the store still works
    assert again.created_at == NOW and again.tenant == "other"


def test_a_customer_of_another_tenant_is_refused_without_change(crm: gc.CRM) -> None:
    foreign = _jonas(tenant="acme")
    with pytest.raises(gc.InvalidInput) as caught:
        crm.customers.add(foreign)
    assert caught.value.field == "tenant"
    assert (foreign.tenant, foreign.created_at, foreign.updated_at) == ("acme", None, None)
    assert crm.customers.count() == 0


def test_delete_refuses_a_version_that_is_not_a_number(crm: gc.CRM) -> None:
    stored = crm.customers.add(_jonas(), now=NOW)
    for bad in (True, "1", 1.0):
        with pytest.raises(gc.InvalidInput) as caught:
            crm.customers.delete(stored.id, expected_version=bad)  # type: ignore[arg-type]
        assert caught.value.field == "expected_version"
    assert crm.customers.count() == 1
    crm.customers.delete(stored.id, expected_version=1)
    assert crm.customers.count() == 0
