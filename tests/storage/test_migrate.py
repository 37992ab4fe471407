"""Migrations: concurrent first opens, a newer database, and every downgrade keeping the rows."""

from __future__ import annotations

import datetime as dt
import io
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from multiprocessing import get_context
from pathlib import Path

import pytest
from moneyed import Money
from sqlalchemy import Engine, func, inspect, select, text

import globalcrm as gc
from globalcrm import segments as S
from globalcrm.business_hours import BusinessHours
from globalcrm.demo import demo_price_book
from globalcrm.demo_data import ECB_SAMPLE, MARKETING_NOTICES, PRODUCT, UZS_SAMPLE
from globalcrm.prices import PriceBounds
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.privacy.deadlines import LegalCalendar
from globalcrm.privacy.retention import RetentionPolicy
from globalcrm.storage import migrate, tables
from globalcrm.storage.engine import make_engine
from globalcrm.support import SlaPolicy, SlaTarget, Team
from tests.rows import GOOD_ROW

NOW = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


# --------------------------------------------------------------------------- concurrent opens


def _open_at(url: str, start: float) -> str:
    """Open ``url`` at the moment ``start`` (in a worker process); what happened, as text."""
    time.sleep(max(0.0, start - time.time()))
    try:
        gc.open(url).close()
    except Exception as error:  # noqa: BLE001 - the test reports whatever escaped
        return f"{type(error).__name__}: {error}"
    return "ok"


def _warm() -> None:
    """Import the storage stack in the worker before the race, so every open starts at once."""
    gc.open("sqlite://").close()


def _empty(url: str, backend: str, round_: int, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'race{round_}.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.mark.slow
def test_six_processes_opening_one_new_database_all_succeed(
    db_url: str, backend: str, tmp_path: Path
) -> None:
    outcomes: list[str] = []
    with ProcessPoolExecutor(6, mp_context=get_context("spawn"), initializer=_warm) as pool:
        list(pool.map(time.sleep, [0.1] * 6))  # every worker started and warm
        for round_ in range(5):
            url = _empty(db_url, backend, round_, tmp_path)
            start = time.time() + 0.5
            outcomes += pool.map(_open_at, [url] * 6, [start] * 6)
            engine = make_engine(url)
            assert migrate.current(engine) == migrate.head()
            assert migrate.diff(engine) == []
            engine.dispose()
    failures = [outcome for outcome in outcomes if outcome != "ok"]
    assert failures == [], f"{len(failures)} of {len(outcomes)} opens failed: {failures[:3]}"


# --------------------------------------------------------------------------- a newer database


def test_a_database_of_a_newer_globalcrm_is_refused_saying_so(db_url: str) -> None:
    gc.open(db_url).close()
    engine = make_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    for migrate_schema in (True, False):
        with pytest.raises(gc.StorageError) as caught:
            gc.open(db_url, migrate_schema=migrate_schema)
        assert str(caught.value) == (
            "this database was written by a newer globalcrm (schema 9999); upgrade the library"
        )
    with pytest.raises(gc.StorageError, match="newer globalcrm"):
        migrate.downgrade(engine, "0004")
    with engine.connect() as connection:  # refused, not changed
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "9999"
        )
    engine.dispose()


def test_a_revision_that_does_not_exist_is_a_storage_error(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with pytest.raises(gc.StorageError, match="no such revision"):
        migrate.downgrade(engine, "nonesuch")
    assert migrate.current(engine) == migrate.head()
    engine.dispose()


# --------------------------------------------------------------------------- downgrades


def _seed(crm: gc.CRM, *, ledger: bool = True) -> None:
    """Rows in every table: 20 customers, 20 interactions, rates, a price book, consent, audit.

    Without ``ledger`` no consent is recorded (a ledger of today cannot go below 0008) and each
    customer gets a purchase instead.
    """
    rows = [
        {**GOOD_ROW, "given": f"Jonas{i}", "emails": f"jonas{i}@example.lt",
         "phones": f"+370 612 {10000 + i}", "handles": '[{"service": "telegram", '
         f'"handle": "jonas_{i:03d}"}}]'}
        for i in range(20)
    ]
    report = crm.customers.import_rows(rows)
    assert report.ok, report.errors
    for number, customer_id in enumerate(report.ids):
        crm.interactions.record(
            customer_id, channel="email", direction="inbound", body=f"Laiškas {number}",
            occurred_at=NOW, conversation=f"c-{number % 4}",
        )
    crm.exchange_rates.import_ecb(io.BytesIO(ECB_SAMPLE.encode()))
    crm.exchange_rates.import_csv(io.StringIO(UZS_SAMPLE))
    book = demo_price_book()
    book.add_bounds(PriceBounds(product=PRODUCT, market="JP", minimum=Money(Decimal(2900), "JPY")))
    crm.prices.save_book(book)
    if not ledger:
        for customer_id in report.ids:
            _seed_later_tables(crm, customer_id)
        _seed_erasure_tables(crm, report.ids, erase=False)  # it would wrap a key (0008)
        return
    crm.privacy.add_purpose(
        Purpose(
            key="marketing-email", version=1, name="Offers by e-mail",
            dpv_purpose="dpv:DirectMarketing", legal_basis={"eu-gdpr": "consent"},
            channels=("email",), direct_marketing=True, requires_double_opt_in=True,
            categories=frozenset({"direct_marketing"}), kantara_category=6,
        )
    )
    title, body = MARKETING_NOTICES["lt"]
    notice = crm.privacy.add_notice(
        publish_notice("marketing", 1, language="lt", title=title, body=body,
                       effective_from=NOW - dt.timedelta(days=30))
    )
    first = report.ids[0]
    token = crm.privacy.request_double_opt_in(first, purpose="marketing-email", channel="email",
                                              now=NOW)
    crm.privacy.record(first, purpose="marketing-email", channel="email", state="given", now=NOW,
                       notice_id=notice.id, evidence={"form": "checkout"})
    crm.privacy.confirm_double_opt_in(token, now=NOW + dt.timedelta(minutes=5))
    _seed_later_tables(crm, first)
    _seed_erasure_tables(crm, report.ids)


def _seed_erasure_tables(crm: gc.CRM, ids: list[str], *, erase: bool = True) -> None:
    """Rows in the tables of migrations 0013 and 0016: policies, a hold, notices, an erasure."""
    crm.privacy.retention.set_policy(RetentionPolicy(
        name="dormant", scope="customer", trigger="last_interaction", duration="P3Y",
        action="erase", cite="GDPR art. 5(1)(e)"))
    crm.privacy.retention.place_hold(ids[-2], reason="case 1", cite="GDPR art. 17(3)(e)",
                                     now=NOW)
    # migration 0016: pre-erasure notices (told a month before two years of silence end)
    crm.privacy.retention.set_policy(RetentionPolicy(
        name="inactive", scope="customer", trigger="last_interaction", duration="P2Y",
        action="erase", cite="DPDP Rules 2025, rule 8", pre_notice="P30D"))
    told = crm.privacy.retention.sweep(now=NOW + dt.timedelta(days=2 * 365 - 10))
    assert told.noticed >= 1 and told.acted == 0
    if not erase:
        return
    gone = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Rūta", locale="lt"), country="LT", language="lt",
        time_zone="Europe/Vilnius", currency="EUR",
        emails=[gc.EmailAddress(address="ruta@example.lt")]), now=NOW)
    crm.privacy.erase(gone, now=NOW + dt.timedelta(hours=1))


def _seed_later_tables(crm: gc.CRM, customer_id: str) -> None:
    """Rows in the tables of migrations 0006 on: purchases, segments, service, payments, loyalty."""
    tea = {"product": "sencha-100g", "category": "tea", "quantity": "2", "unit_price": "6.20",
           "attributes": ["vegan"]}
    bought = crm.purchases.record(customer_id, occurred_at=NOW - dt.timedelta(days=1),
                                  channel="web_form", amount=Money("12.40", "EUR"), items=[tea],
                                  now=NOW)
    crm.purchases.refund(bought, amount=Money("2.40", "EUR"), reason="damaged", now=NOW)
    if crm.service.teams():
        return
    crm.segments.save("lithuania", S.field("country", "eq", "LT"), now=NOW)
    crm.segments.snapshot("lithuania", now=NOW)
    crm.service.save_policy(SlaPolicy(key="standard", targets=[
        SlaTarget(metric="first_response", within=dt.timedelta(hours=1))]))
    crm.service.save_team(Team(key="vilnius", name="Vilnius", languages=["lt"],
                               agents=["agent-a"], sla_policy="standard",
                               business_hours=BusinessHours(
                                   time_zone="Europe/Vilnius", country="LT",
                                   weekly={"mon": [("09:00", "18:00")]})))
    crm.service.open_case(customer_id, channel="email", subject="Order", now=NOW)
    crm.payments.record(customer_id, method="ideal", amount=Money("12.40", "EUR"),
                        purchase_id=bought.id, status="succeeded", now=NOW)
    # 0010: a member earns enough for a tier (a tier event) and spends some (an allocation)
    crm.loyalty.enroll(customer_id, now=NOW)
    crm.loyalty.earn(customer_id, amount=Money("5000", "EUR"), channel="web_form",
                     occurred_at=NOW, now=NOW)
    crm.loyalty.redeem(customer_id, points=10, now=NOW)
    # 0012: a second record of the same person, merged into the first (a redirect row)
    twin = crm.customers.add(gc.Customer(
        name=gc.PersonName(given="Dvynys", surname="Petraitis", locale="lt"), country="LT",
        language="lt", time_zone="Europe/Vilnius", currency="EUR"), now=NOW)
    crm.customers.merge(customer_id, twin, now=NOW)
    # data-subject requests (migration 0014): a calendar, a request and its steps
    crm.privacy.requests.set_calendar(LegalCalendar(time_zone="Europe/Vilnius", country="LT"))
    request = crm.privacy.requests.open(customer_id, right="access", channel="email", now=NOW)
    crm.privacy.requests.verify(request, method="login", at=NOW)
    # --- metrics (issue 19): a survey answer (migration 0015)
    crm.surveys.record(customer_id, kind="nps", score=9, channel="email", now=NOW)
    # --- end metrics


def _counts(engine: Engine) -> dict[str, int]:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in tables.metadata.sorted_tables
            if table.name in present
        }


def _round_trips(crm: gc.CRM, revisions: list[str], at_head: dict[str, int]) -> None:
    """Downgrade to each of ``revisions`` in turn and back to head: no table loses a row."""
    engine = crm._engine
    names = sorted(str(c.name.given) for c in crm.customers.list(limit=100))
    for revision in revisions:
        before = _counts(engine)
        migrate.downgrade(engine, revision)
        after = _counts(engine)
        assert after == {name: before[name] for name in after}, (revision, before, after)
        migrate.upgrade(engine)
        again = _counts(engine)
        assert again == {name: after.get(name, 0) for name in again}, (revision, after, again)
        assert migrate.diff(engine) == []
        if revision != "base":  # the same customers, found by their keys, with their contacts
            assert sorted(str(c.name.given) for c in crm.customers.list(limit=100)) == names
            found = crm.customers.search("jonas7")
            assert [c.name.given for c in found] == ["Jonas7"]
            assert [c.id for c in crm.customers.find_by_email("jonas7@example.lt")] == [
                c.id for c in found
            ]
            assert len(crm.interactions.timeline(found.items[0].id)) == 1
    if revisions[-1] == "base":
        assert _counts(engine) == dict.fromkeys(at_head, 0)


def test_downgrade_to_every_revision_from_0008_and_back_keeps_the_rows_of_every_table(
    crm: gc.CRM,
) -> None:
    _seed(crm)
    engine = crm._engine
    at_head = _counts(engine)
    assert set(at_head) == set(tables.metadata.tables)
    assert 0 not in at_head.values(), at_head  # every table has rows to lose
    assert at_head["customers"] == at_head["interactions"] == 20
    revisions = migrate.revisions()
    assert revisions[:4] == ["0001", "0002", "0003", "0004"]
    _round_trips(crm, [r for r in reversed(revisions[:-1]) if r >= "0008"], at_head)
    # below 0008 the ledger's scheme-2 entries would be unreadable: refused, nothing changed
    before = _counts(engine)
    with pytest.raises(gc.StorageError, match="cannot downgrade below 0008"):
        migrate.downgrade(engine, "0007")
    assert migrate.current(engine) == migrate.head() and _counts(engine) == before


def test_downgrade_to_every_revision_and_back_keeps_the_rows_without_a_consent_ledger(
    crm: gc.CRM,
) -> None:
    _seed(crm, ledger=False)
    at_head = _counts(crm._engine)
    assert at_head["customers"] == at_head["interactions"] == at_head["purchases"] == 20
    _round_trips(crm, ["base", *migrate.revisions()][-2::-1], at_head)


def test_downgrade_below_0005_refuses_ids_shared_by_two_tenants(crm: gc.CRM) -> None:
    one = crm.customers.import_rows([GOOD_ROW])
    crm.for_tenant("other").customers.import_rows([{**GOOD_ROW, "id": one.ids[0]}])
    with pytest.raises(gc.StorageError, match="used by more than one tenant"):
        migrate.downgrade(crm._engine, "0004")
    assert migrate.current(crm._engine) == migrate.head()
    assert crm.customers.count() == crm.for_tenant("other").customers.count() == 1
