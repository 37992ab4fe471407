"""Lifecycle hooks on SQLite and PostgreSQL: called after the commit, never for a rollback.

Both failure paths leave the store whole: a write that fails calls no hook (nothing happened),
and a hook that fails after the commit raises ``PluginError`` while the change stays stored,
complete, exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.errors import Conflict, PluginError
from globalcrm.plugins import hookimpl

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_plugins_left(crm: gc.CRM) -> Iterator[None]:
    """The PostgreSQL store is shared between tests: take this test's plugins away after it."""
    yield
    for name in crm.plugins.names():
        crm.plugins.unregister(name)


def _customer(**changes: Any) -> gc.Customer:
    values: dict[str, Any] = dict(
        name=gc.PersonName(given="Aino", surname="Mäkinen", locale="fi"),
        country="FI",
        language="fi",
        time_zone="Europe/Helsinki",
        currency="EUR",
    )
    values.update(changes)
    return gc.Customer(**values)


class Recorder:
    """Records what it heard and what the store held when it heard it."""

    def __init__(self, crm: gc.CRM) -> None:
        self.crm = crm
        self.heard: list[tuple[Any, ...]] = []

    @hookimpl
    def globalcrm_customer_created(self, customer: gc.Customer, tenant: str) -> None:
        # called after the commit: another transaction already sees the customer
        stored = self.crm.for_tenant(tenant).customers.get(customer.id)
        self.heard.append(("created", customer.id, tenant, stored.version))

    @hookimpl
    def globalcrm_customer_updated(self, customer: gc.Customer, fields: tuple[str, ...]) -> None:
        self.heard.append(("updated", customer.id, fields, customer.version))

    @hookimpl
    def globalcrm_customer_deleted(self, customer_id: str) -> None:
        self.heard.append(("deleted", customer_id, self.crm.customers.count()))


def test_lifecycle_hooks_hear_each_committed_change(crm: gc.CRM) -> None:
    recorder = Recorder(crm)
    crm.plugins.register(recorder)
    aino = crm.customers.add(_customer(), now=NOW)
    changed = crm.customers.update(
        aino, expected_version=aino.version, now=NOW, formality="informal", tags=["vip"]
    )
    crm.customers.delete(aino)
    assert recorder.heard == [
        ("created", aino.id, crm.tenant, aino.version),
        ("updated", aino.id, ("formality", "tags"), changed.version),
        ("deleted", aino.id, 0),
    ]


def test_a_write_that_fails_calls_no_hook(crm: gc.CRM) -> None:
    recorder = Recorder(crm)
    crm.plugins.register(recorder)
    aino = crm.customers.add(_customer(), now=NOW)
    with pytest.raises(Conflict):
        crm.customers.add(_customer(id=aino.id), now=NOW)
    with pytest.raises(Conflict):
        crm.customers.update(aino, expected_version=aino.version + 5, tags=["x"])
    assert [entry[0] for entry in recorder.heard] == ["created"]
    assert crm.customers.count() == 1


def test_a_failing_hook_after_the_commit_leaves_the_change_whole(crm: gc.CRM) -> None:
    class Broken:
        @hookimpl
        def globalcrm_customer_created(self, customer: gc.Customer) -> None:
            raise ValueError(customer.name.given)  # may quote personal data

    recorder = Recorder(crm)
    crm.plugins.register(recorder)
    crm.plugins.register(Broken())
    aino = _customer(emails=["aino@example.fi"])
    with pytest.raises(PluginError) as caught:
        crm.customers.add(aino, now=NOW)
    error = caught.value
    assert (error.hook, error.plugin) == ("globalcrm_customer_created", "Broken")
    assert "committed" in str(error) and "Aino" not in str(error)
    stored = crm.customers.get(aino.id)  # stored, complete, once
    assert stored.emails[0].address == "aino@example.fi" and crm.customers.count() == 1
    assert crm.customers.find_by_email("aino@example.fi")[0].id == aino.id
    assert [entry[0] for entry in recorder.heard] == ["created"]  # the other plugin heard it
    audit = [entry.action for entry in crm.privacy.audit_entries()]
    assert audit.count("customer.added") == 1


def test_inside_a_transaction_hooks_wait_for_the_commit_and_die_with_a_rollback(
    crm: gc.CRM,
) -> None:
    recorder = Recorder(crm)
    crm.plugins.register(recorder)
    with crm.transaction() as tx:
        first = tx.customers.add(_customer(), now=NOW)
        second = tx.customers.add(_customer(name=gc.PersonName(given="Eero", locale="fi")), now=NOW)
        assert recorder.heard == []
    assert [entry[1] for entry in recorder.heard] == [first.id, second.id]
    with pytest.raises(RuntimeError), crm.transaction() as tx:
        tx.customers.add(_customer(), now=NOW)
        raise RuntimeError("rolled back")
    assert len(recorder.heard) == 2 and crm.customers.count() == 2


def test_plugins_are_shared_by_tenant_views_and_transactions(crm: gc.CRM) -> None:
    recorder = Recorder(crm)
    crm.plugins.register(recorder)
    other = crm.for_tenant("shop-b")
    assert other.plugins is crm.plugins
    added = other.customers.add(_customer(tenant="shop-b"), now=NOW)
    assert recorder.heard == [("created", added.id, "shop-b", added.version)]


class Observer:
    """Hears tier changes and closed cases."""

    def __init__(self) -> None:
        self.heard: list[tuple[Any, ...]] = []

    @hookimpl
    def globalcrm_tier_changed(
        self, customer_id: str, program: str, previous: str | None, current: str,
        at: dt.datetime, tenant: str,
    ) -> None:
        self.heard.append(("tier", customer_id, program, previous, current, tenant))

    @hookimpl
    def globalcrm_case_closed(
        self, case_id: str, customer_id: str, at: dt.datetime, tenant: str
    ) -> None:
        self.heard.append(("closed", case_id, customer_id, at))


def test_tier_changes_and_closed_cases_are_heard_after_the_commit(crm: gc.CRM) -> None:
    from globalcrm.money import Money

    observer = Observer()
    crm.plugins.register(observer, name="observer")
    aino = crm.customers.add(_customer(), now=NOW)
    crm.loyalty.enroll(aino, now=NOW)
    crm.loyalty.earn(aino, amount=Money("1500", "EUR"), channel="web_form", now=NOW)
    assert [h for h in observer.heard if h[0] == "tier"] == [
        ("tier", aino.id, "default", None, "silver", "default"),
        ("tier", aino.id, "default", "silver", "gold", "default"),
    ]
    case = crm.service.open_case(aino, channel="email", now=NOW)
    crm.service.set_status(case, "resolved", now=NOW)
    assert not [h for h in observer.heard if h[0] == "closed"]
    crm.service.set_status(case, "closed", now=NOW + dt.timedelta(minutes=1))
    assert observer.heard[-1] == ("closed", case.id, aino.id, NOW + dt.timedelta(minutes=1))
