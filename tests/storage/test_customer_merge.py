"""Merging two records of one person (issue 22), on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

import globalcrm as gc
from globalcrm.money import Money
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.storage import tables

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def _two(crm: gc.CRM) -> tuple[gc.Customer, gc.Customer]:
    keep = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=["jonas@example.lt"], tags=["vip"], external_ids={"shopify": "77"},
    ), now=NOW)
    other = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Jonas", surname="Petraitis", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR",
        emails=["JONAS@example.lt", "j.petraitis@darbas.lt"], phones=["+370 612 34567"],
        other_names=[gc.PersonName(given="Jonas", surname="Petraitis", locale="en")],
        dietary_needs=["halal"], allergens=["peanuts"], pronouns="he/him",
        external_ids={"stripe": "cus_9"}, attributes={"shoe_size": 44},
    ), now=NOW)
    return keep, other


def _purpose(crm: gc.CRM) -> str:
    """A newsletter purpose and the id of the notice shown with it."""
    crm.privacy.add_purpose(Purpose(
        key="newsletter", version=1, name="Newsletter", dpv_purpose="dpv:DirectMarketing",
        legal_basis={"eu-gdpr": "consent"}, channels=("email", "sms"), direct_marketing=True,
        categories=frozenset({"direct_marketing"}),
    ))
    notice = crm.privacy.add_notice(publish_notice(
        "newsletter", 1, language="lt", title="Naujienlaiškis", body="Sutinku gauti naujienas.",
        effective_from=NOW - dt.timedelta(days=30)))
    return notice.id


def test_merge_keeps_one_customer_with_everything_and_the_old_id_leads_to_it(
    crm: gc.CRM,
) -> None:
    keep, other = _two(crm)
    for n in range(3):
        crm.interactions.record(other, channel="email", direction="inbound", body=f"laiškas {n}",
                                occurred_at=NOW, now=NOW)
    crm.interactions.record(keep, channel="whatsapp", direction="inbound", body="labas",
                            occurred_at=NOW, now=NOW)
    crm.purchases.record(other, occurred_at=NOW, channel="web_form",
                         amount=Money("12.40", "EUR"), items=[], now=NOW)
    merged = crm.customers.merge(keep, other.id, now=NOW + dt.timedelta(hours=1))
    assert merged.id == keep.id and merged.version == keep.version + 1
    assert [e.address for e in merged.emails] == ["jonas@example.lt", "j.petraitis@darbas.lt"]
    assert merged.emails[0] == keep.emails[0] and not merged.emails[1].primary
    assert [p.number for p in merged.phones] == ["+37061234567"]
    assert [n.locale for n in merged.other_names] == ["en"]
    assert merged.dietary_needs == ("halal",) and merged.allergens == ("peanuts",)
    assert merged.tags == ("vip",) and merged.pronouns == "he/him"
    assert merged.external_ids == {"shopify": "77", "stripe": "cus_9"}
    assert merged.attributes == {"shoe_size": 44}
    assert len(crm.interactions.timeline(keep)) == 4
    assert [p.customer_id for p in crm.purchases.history(keep)] == [keep.id]
    assert crm.customers.get(other.id).id == keep.id  # the redirect
    assert crm.customers.count() == 1
    assert [c.id for c in crm.customers.find_by_phone("+370 612 34567")] == [keep.id]
    assert crm.customers.find_by_external_id("stripe", "cus_9").id == keep.id
    [entry] = [e for e in crm.privacy.audit_entries() if e.action == "customer.merged"]
    assert entry.payload["merged"] == other.id
    assert entry.payload["moved"] == {"interactions": 3, "purchases": 1}
    assert "jonas" not in str(entry.payload).lower()


def test_consent_is_carried_through_the_ledger_and_the_old_id_leaves_every_audience(
    crm: gc.CRM,
) -> None:
    keep, other = _two(crm)
    notice = _purpose(crm)
    for person, channel, state in ((other, "email", "given"), (other, "sms", "given"),
                                   (keep, "sms", "refused")):
        crm.privacy.record(person, purpose="newsletter", channel=channel, state=state, now=NOW,
                           notice_id=notice)
    later = NOW + dt.timedelta(hours=1)
    crm.customers.merge(keep, other, now=later)
    assert crm.privacy.audience(purpose="newsletter", channel="email", at=later) == [keep.id]
    assert crm.privacy.audience(purpose="newsletter", channel="sms", at=later) == []  # keep's
    carried = [e for e in crm.privacy.history(keep) if e.channel == "email"]
    assert [e.state for e in carried] == ["given"]
    assert crm.privacy.evidence(carried[0].event_id)["merged_from"] == other.id
    assert crm.privacy.verify().ok


def test_a_merge_that_cannot_combine_changes_nothing(crm: gc.CRM) -> None:
    keep, other = _two(crm)
    crm.customers.update(other, expected_version=other.version, external_ids={"shopify": "78"})
    with pytest.raises(gc.Conflict) as clash:
        crm.customers.merge(keep, other)
    assert clash.value.field == "external_ids.shopify"
    assert crm.customers.count() == 2
    with crm._engine.connect() as connection:
        assert connection.execute(
            select(func.count()).select_from(tables.customer_redirects)
        ).scalar_one() == 0
    with pytest.raises(gc.InvalidInput):
        crm.customers.merge(keep, keep.id)
    with pytest.raises(gc.NotFound):
        crm.customers.merge(keep, "01M8XAQ16N3XMZZZZZZZZZZZZZ")


def test_merging_twice_keeps_every_old_id_one_hop_from_the_customer(crm: gc.CRM) -> None:
    keep, other = _two(crm)
    third = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Jonas", surname="P.", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR"), now=NOW)
    crm.customers.merge(keep, other, now=NOW)
    crm.customers.merge(third, keep, now=NOW)
    assert crm.customers.get(other.id).id == third.id
    assert crm.customers.get(keep.id).id == third.id
    with crm._engine.connect() as connection:
        rows = connection.execute(select(tables.customer_redirects.c.old_id,
                                         tables.customer_redirects.c.new_id)).all()
    assert sorted(rows) == sorted([(other.id, third.id), (keep.id, third.id)])
