"""``erase_many`` leaves the store exactly as erasing the same customers one by one does.

Random customers (interactions, a purchase with its lines, consents with evidence and contact
points, some withdrawn, a payment, a loyalty account with points, shared e-mail addresses),
some under a legal hold (one released), some erased before; a random selection in random order
is erased with ``crm.privacy.erase_many``, every table is dumped, the store is put back as it
was (a copy of every table made by SQL, so nothing is lost in between) and the same selection is
erased with ``crm.privacy.erase`` one at a time. The batch is sometimes cut into batches of one
or two subjects, so that one call chains several batches. SQLite and PostgreSQL.

What the comparison leaves out, and why (everything else must be equal, row for row):

* the positions and hashes of the two chains (``seq``, ``prev_hash``, ``entry_hash``, the
  heads' ``last_hash``): the batch appends a batch's consent endings before its tombstones'
  audit entries, one by one interleaves them per customer; both chains must still verify;
* new ids and wall-clock instants: the ids of the ``invalidated`` ledger events (and so the
  projection rows' ``event_id`` and the audit entries naming them), the audit entries' ids and
  ``occurred_at`` (the time of writing, not ``now``);
* the ledger entry's ``document`` is compared without those and without its sealed ciphertext
  (AES-GCM with a random nonce: its key is destroyed, or it is the same values sealed twice);
* keys made during the erasure (to seal a consent ending, or the tenant's suppression secret)
  are new random keys: their ``key_id`` and wrapped bytes differ, so a key row is compared by
  subject, destruction time and which columns are NULL; a suppression digest under a secret
  made during the erasure differs for the same reason, so digests are compared by kind and time.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select, text

import globalcrm as gc
from globalcrm.money import Money
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.storage import personal_data, tables

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
LATER = T0 + dt.timedelta(days=30)
SNAPSHOT = "snap_"

customers = st.fixed_dictionaries({
    "interactions": st.integers(0, 2),
    "purchase": st.booleans(),
    "consents": st.lists(
        st.sampled_from(["email", "email_point", "sms", "withdrawn"]), unique=True, max_size=3
    ),
    "payment": st.booleans(),
    "loyalty": st.booleans(),
    "hold": st.sampled_from(["none", "none", "active", "released"]),
    "erased_before": st.booleans(),
    "shared_email": st.booleans(),
    "phone": st.booleans(),
})


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[int], int]:
    """Customers, the positions erased (in that order), and how many subjects a batch takes."""
    people = draw(st.lists(customers, min_size=2, max_size=5))
    chosen = draw(st.lists(st.integers(0, len(people) - 1), min_size=1, unique=True))
    return people, chosen, draw(st.sampled_from([personal_data.CHUNK, 1, 2]))


def _newsletter(crm: gc.CRM) -> str:
    crm.privacy.add_purpose(Purpose(
        key="newsletter", version=1, name="Newsletter", dpv_purpose="dpv:DirectMarketing",
        legal_basis={"eu-gdpr": "consent"}, channels=("email", "sms"), direct_marketing=True,
        categories=frozenset({"direct_marketing"}), kantara_category=6,
    ))
    notice = publish_notice("newsletter", 1, language="lt", title="Naujienlaiškis",
                            body="Sutinku gauti naujienlaiškį.", effective_from=T0)
    crm.privacy.add_notice(notice)
    return notice.id


def _values(index: int) -> list[str]:
    """The personal values only customer ``index`` has (the scan looks for each)."""
    return [f"Vardenis{index}q", f"Pavardenis{index}q", f"asmuo{index}@example.lt",
            f"+3706123450{index}", f"Laiškas numeris {index} apie pristatymą",
            f"Dovana {index} mamai", f"203.0.113.{10 + index}", f"Pirkinys-{index}-x"]


def _build(crm: gc.CRM, people: list[dict[str, Any]]) -> list[gc.Customer]:
    notice = _newsletter(crm)
    made = []
    for index, spec in enumerate(people):
        given, surname, email, phone, body, gift, ip, reference = _values(index)
        emails = [gc.EmailAddress(address=email)]
        if spec["shared_email"]:
            emails.append(gc.EmailAddress(address="seima@example.lt"))
        made.append(crm.customers.add(gc.Customer(
            name=gc.PersonName(given=given, surname=surname, locale="lt"), country="LT",
            language="lt", time_zone="Europe/Vilnius", currency="EUR", emails=emails,
            phones=[gc.PhoneNumber.parse(phone)] if spec["phone"] else [],
            created_at=T0 - dt.timedelta(days=400),
        ), now=T0))
    for index, (spec, person) in enumerate(zip(people, made, strict=True)):
        given, surname, email, phone, body, gift, ip, reference = _values(index)
        for n in range(spec["interactions"]):
            crm.interactions.record(person, channel="email", direction="inbound",
                                    body=f"{body} {n}", occurred_at=T0 + dt.timedelta(hours=n))
        for kind in spec["consents"]:
            channel = "sms" if kind == "sms" else "email"
            if channel == "sms" and not spec["phone"]:
                continue
            details: dict[str, Any] = {}
            if kind == "email_point":
                details["contact_point_ref"] = email
            crm.privacy.record(person, purpose="newsletter", channel=channel, state="given",
                               now=T0, notice_id=notice,
                               evidence={"form": "signup", "ip": ip}, **details)
            if kind == "withdrawn":
                crm.privacy.record(person, purpose="newsletter", channel=channel,
                                   state="withdrawn", now=T0 + dt.timedelta(days=1))
        if spec["purchase"]:
            crm.purchases.record(person, occurred_at=T0, channel="web_form",
                                 amount=Money("12.40", "EUR"), now=T0,
                                 items=[{"product": "sencha", "quantity": "2",
                                         "unit_price": "6.20"}])
        if spec["payment"]:
            payment = crm.payments.record(person, method="visa", amount=Money("60", "EUR"),
                                          status="succeeded", instrument="visa •••• 4242",
                                          metadata={"gift_message": gift},
                                          idempotency_key=f"order-{index}", now=T0)
            crm.payments.refund(payment, Money("5", "EUR"), idempotency_key=f"refund-{index}")
        if spec["loyalty"]:
            account = crm.loyalty.enroll(person, now=T0)
            crm.loyalty.earn(account, amount=Money("12.40", "EUR"), channel="web_form",
                             occurred_at=T0, reference=reference, now=T0)
        if spec["hold"] != "none":
            hold = crm.privacy.retention.place_hold(person, reason=f"byla {index}",
                                                    cite="GDPR art. 17(3)(e)", now=T0)
            if spec["hold"] == "released":
                crm.privacy.retention.release_hold(hold, now=T0 + dt.timedelta(days=2))
    for spec, person in zip(people, made, strict=True):
        if spec["erased_before"]:
            crm.privacy.erase(person, now=T0 + dt.timedelta(days=3))
    return made


# --------------------------------------------------------------------------- the store as data


def _snapshot(connection: Connection) -> None:
    """A copy of every table beside it, made by the database (nothing passes through Python)."""
    for table in tables.metadata.sorted_tables:
        connection.execute(text(f'DROP TABLE IF EXISTS "{SNAPSHOT}{table.name}"'))
        connection.execute(
            text(f'CREATE TABLE "{SNAPSHOT}{table.name}" AS SELECT * FROM "{table.name}"')
        )


def _restore(connection: Connection) -> None:
    for table in reversed(tables.metadata.sorted_tables):
        connection.execute(text(f'DELETE FROM "{table.name}"'))
    for table in tables.metadata.sorted_tables:
        connection.execute(
            text(f'INSERT INTO "{table.name}" SELECT * FROM "{SNAPSHOT}{table.name}"')
        )


def _drop_snapshot(connection: Connection) -> None:
    for table in tables.metadata.sorted_tables:
        connection.execute(text(f'DROP TABLE IF EXISTS "{SNAPSHOT}{table.name}"'))


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date | Decimal):
        return str(value)
    if isinstance(value, dict | list | tuple):
        return json.loads(json.dumps(value, default=str, sort_keys=True))
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def _document(value: str) -> Any:
    """A ledger entry's document without its position, new ids, time and sealed ciphertext."""
    document = json.loads(value)
    document.pop("seq", None)
    event = document.get("event", {})
    for name in ("event_id", "personal", "evidence"):
        event.pop(name, None)
    if isinstance(document.get("after"), dict):
        document["after"].pop("event_id", None)
    return document


def _row(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A row without what legitimately differs between the two runs (see the module doc)."""
    drop: set[str] = set()
    if table == "audit_entries":
        drop = {"seq", "id", "occurred_at", "prev_hash", "entry_hash"}
        if row["entity_type"] == "consent_event":
            drop.add("entity_ref")
            row["payload"] = {k: v for k, v in row["payload"].items() if k != "seq"}
    elif table == "consent_events":
        drop = {"seq", "event_id", "prev_hash", "entry_hash"}
        row["document"] = _document(row["document"])
    elif table == "consent_states":
        drop = {"event_id", "event_seq"}
    elif table == "ledger_heads":
        drop = {"last_hash"}
    elif table == "subject_keys":
        drop = {"key_id"}
        row["key"] = row["key"] is not None
        row["wrapped_key"] = row["wrapped_key"] is not None
    elif table == "suppressions":
        drop = {"digest"}
    return {name: _plain(value) for name, value in row.items() if name not in drop}


def _dump(crm: gc.CRM) -> dict[str, list[str]]:
    found = {}
    with crm._engine.connect() as connection:
        for table in tables.metadata.sorted_tables:
            rows = connection.execute(select(table)).mappings().all()
            found[table.name] = sorted(
                json.dumps(_row(table.name, dict(row)), sort_keys=True, ensure_ascii=False)
                for row in rows
            )
    return found


# --------------------------------------------------------------------------- the property


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_erase_many_leaves_the_store_as_erasing_one_by_one(
    crm: gc.CRM, scenario: tuple[list[dict[str, Any]], list[int], int]
) -> None:
    people, chosen, chunk = scenario
    with crm._engine.begin() as connection:  # every example starts from an empty store
        for table in reversed(tables.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))
    made = _build(crm, people)
    wanted = [made[index].id for index in chosen]
    with crm._engine.begin() as connection:
        _snapshot(connection)
    try:
        with pytest.MonkeyPatch.context() as patch:  # small batches: several in one call
            patch.setattr(personal_data, "CHUNK", chunk)
            batch = crm.privacy.erase_many(wanted, now=LATER, request="dsr-1")
        after_batch = _dump(crm)
        assert crm.privacy.verify_audit() is None and crm.privacy.verify_ledger() is None
        assert crm.privacy.verify().ok
        # the full-column scan: nothing of an erased customer is left (a held one keeps all)
        erased = [index for index in chosen if batch[chosen.index(index)].status == "erased"]
        assert crm.privacy.scan([v for index in erased for v in _values(index)]) == []
        with crm._engine.begin() as connection:
            _restore(connection)
        assert crm.privacy.verify().ok  # the copy is the store as it was
        single = [crm.privacy.erase(ref, now=LATER, request="dsr-1") for ref in wanted]
        after_single = _dump(crm)
    finally:
        with crm._engine.begin() as connection:
            _drop_snapshot(connection)
    assert [r.to_json() for r in batch] == [r.to_json() for r in single]
    for name in after_batch:
        assert after_batch[name] == after_single[name], name
    for index, report in zip(chosen, batch, strict=True):
        spec = people[index]
        assert report.repeated == (spec["erased_before"] and spec["hold"] != "active")
        assert report.status == ("restricted" if spec["hold"] == "active" else "erased")
