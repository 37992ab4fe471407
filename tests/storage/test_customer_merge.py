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


def test_two_members_of_one_program_become_one_account_with_both_ledgers(crm: gc.CRM) -> None:
    keep, other = _two(crm)
    earlier = NOW - dt.timedelta(days=300)
    crm.loyalty.enroll(keep, now=earlier)
    crm.loyalty.enroll(other, now=earlier - dt.timedelta(days=30))
    crm.loyalty.earn(keep, amount=Money("40.00", "EUR"), channel="web_form",
                     occurred_at=NOW - dt.timedelta(days=10), now=NOW)
    crm.loyalty.earn(other, amount=Money("25.00", "EUR"), channel="web_form",
                     occurred_at=earlier, now=earlier, idempotency_key="order-1")
    crm.loyalty.earn(other, amount=Money("5000.00", "EUR"), channel="web_form",
                     occurred_at=NOW - dt.timedelta(days=5), now=NOW, reference="order-2")
    crm.loyalty.redeem(other, points=10, now=NOW)  # from the lot of a year ago first
    before = {who.id: crm.loyalty.account(who) for who in (keep, other)}
    lots = sorted(crm.loyalty.lots(keep, now=NOW) + crm.loyalty.lots(other, now=NOW),
                  key=lambda lot: lot.entry_id)
    entries = {e.id for who in (keep, other) for e in crm.loyalty.statement(who, limit=100)}
    assert before[other.id].tier != before[keep.id].tier  # the other record reached higher

    later = NOW + dt.timedelta(hours=1)
    crm.customers.merge(keep, other, now=later)
    account = crm.loyalty.account(keep)
    assert account.id == before[keep.id].id
    assert account.balance == before[keep.id].balance + before[other.id].balance
    assert account.enrolled_at == before[other.id].enrolled_at  # the earlier enrolment
    assert account.tier == before[other.id].tier and account.tier_since == (
        before[other.id].tier_since
    )
    assert {e.id for e in crm.loyalty.statement(keep, limit=100)} == entries
    assert sorted(crm.loyalty.lots(keep, now=later), key=lambda lot: lot.entry_id) == lots
    changes = list(crm.loyalty.tier_changes(keep))
    assert changes[-1].reason == "merged" and changes[-1].to_tier == account.tier
    assert crm.loyalty.verify().ok
    # the other's lot of a year ago expires on its own date, now in the kept account
    oldest = min(lots, key=lambda lot: lot.occurred_at)
    assert oldest.remaining == 15 and oldest.expires_at is not None
    after_it = oldest.expires_at + dt.timedelta(seconds=1)
    assert [lot.entry_id for lot in crm.loyalty.lots(keep, now=after_it)] == [
        lot.entry_id for lot in sorted(lots, key=lambda lot: lot.order()) if lot != oldest
    ]
    # points of both records can be spent together, and a refund still finds its earn
    crm.loyalty.redeem(keep, points=account.balance, now=later)
    assert crm.loyalty.account(keep).balance == 0
    [audit] = [e for e in crm.privacy.audit_entries() if e.action == "customer.merged"]
    assert audit.payload["loyalty_combined"] == {
        "default": {"entries": 3, "points": before[other.id].balance}
    }
    with crm._engine.connect() as connection:
        assert connection.execute(
            select(func.count()).select_from(tables.loyalty_accounts)
        ).scalar_one() == 1
