"""The retention sweep in the store (SQLite and PostgreSQL): every scope and trigger, exact
boundaries across DST, holds, pre-erasure notices, a dry run that reports what the real run
does, batches, and resumption after an interrupted sweep; both chains verify after each kind."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

import globalcrm as gc
from globalcrm.crm import retention as crm_retention
from globalcrm.crm.audit import record_audit
from globalcrm.errors import GlobalCRMError, NotFound, StorageError
from globalcrm.money import Money
from globalcrm.plugins import hookimpl
from globalcrm.privacy import Purpose, publish_notice
from globalcrm.privacy.deadlines import LegalCalendar
from globalcrm.privacy.evidence import ERASED
from globalcrm.privacy.retention import PolicyOutcome, RetentionPolicy, SweepReport
from globalcrm.storage import tables

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")
# 03:30 local on the night clocks go back (EEST -> EET), three years before the boundary
LAST = dt.datetime(2022, 10, 30, 3, 30, tzinfo=VILNIUS).astimezone(dt.UTC)
BOUNDARY = dt.datetime(2025, 10, 30, 3, 30, tzinfo=VILNIUS).astimezone(dt.UTC)
TICK = dt.timedelta(microseconds=1)
CREATED = LAST - dt.timedelta(days=100)


def _policy(**changes: object) -> RetentionPolicy:
    values: dict[str, object] = dict(
        name="dormant", scope="customer", trigger="last_interaction", duration="P3Y",
        action="erase", cite="GDPR art. 5(1)(e)", time_zone="Europe/Vilnius",
    )
    values.update(changes)
    return RetentionPolicy(**values)


def _customer(
    crm: gc.CRM, given: str, *, last: dt.datetime | None, created: dt.datetime = CREATED
) -> gc.Customer:
    person = crm.customers.add(gc.Customer(
        name=gc.PersonName(given=given, locale="lt"), country="LT", language="lt",
        time_zone="Europe/Vilnius", currency="EUR", created_at=created,
        emails=[gc.EmailAddress(address=f"{given.lower()}@example.lt")]), now=created)
    if last is not None:
        crm.interactions.record(person, channel="email", direction="inbound", body="Labas",
                                occurred_at=last, subject=f"Laiškas {given}", agent="agent-7")
    return person


def _newsletter(crm: gc.CRM) -> str:
    crm.privacy.add_purpose(Purpose(
        key="newsletter", version=1, name="Newsletter", dpv_purpose="dpv:DirectMarketing",
        legal_basis={"eu-gdpr": "consent"}, channels=("email", "sms"), direct_marketing=True,
        categories=frozenset({"direct_marketing"}), kantara_category=6))
    notice = crm.privacy.add_notice(publish_notice(
        "newsletter", 1, language="lt", title="Naujienlaiškis",
        body="Sutinku gauti naujienlaiškį.", effective_from=CREATED))
    return notice.id


def _given(crm: gc.CRM, who: gc.Customer, notice: str, *, at: dt.datetime,
           channel: str = "email") -> None:
    crm.privacy.record(who, purpose="newsletter", channel=channel, state="given", now=at,
                       notice_id=notice, evidence={"form": "signup", "ip": "203.0.113.77"},
                       contact_point_ref=f"{str(who.name.given).lower()}@example.lt")


def _withdrawn(crm: gc.CRM, who: gc.Customer, *, at: dt.datetime, channel: str = "email") -> None:
    """A withdrawal for the contact point the grant named (a contact point's state wins)."""
    crm.privacy.record(who, purpose="newsletter", channel=channel, state="withdrawn", now=at,
                       contact_point_ref=f"{str(who.name.given).lower()}@example.lt")


def _request(crm: gc.CRM, who: gc.Customer, *, closed: dt.datetime | None) -> str:
    crm.privacy.requests.set_calendar(LegalCalendar(time_zone="Europe/Vilnius", country="LT"))
    opened = crm.privacy.requests.open(who, right="access", channel="email",
                                       now=LAST - dt.timedelta(days=3))
    crm.privacy.requests.verify(opened, method="login", at=LAST - dt.timedelta(days=3))
    if closed is not None:
        crm.privacy.requests.complete(opened, summary=f"Sent to {who.name.given}", at=closed)
    return opened.id


def _chains_verify(crm: gc.CRM) -> None:
    assert crm.privacy.verify_audit() is None
    assert crm.privacy.verify_ledger() is None
    assert crm.privacy.verify().ok


def _outcome(report: SweepReport, name: str = "dormant") -> PolicyOutcome:
    return {outcome.policy: outcome for outcome in report.outcomes}[name]


# --------------------------------------------------------------------------- every trigger


def _start_created(crm: gc.CRM, given: str, at: dt.datetime, notice: str) -> str:
    return _customer(crm, given, last=None, created=at).id


def _start_last_interaction(crm: gc.CRM, given: str, at: dt.datetime, notice: str) -> str:
    person = _customer(crm, given, last=at - dt.timedelta(days=30))
    crm.interactions.record(person, channel="phone", direction="outbound", occurred_at=at)
    return person.id


def _start_last_purchase(crm: gc.CRM, given: str, at: dt.datetime, notice: str) -> str:
    person = _customer(crm, given, last=None)
    crm.purchases.record(person, occurred_at=at, channel="web_form",
                         amount=Money("1.00", "EUR"),
                         items=[{"product": "tea", "quantity": "1", "unit_price": "1.00"}], now=at)
    return person.id


def _start_consent_withdrawn(crm: gc.CRM, given: str, at: dt.datetime, notice: str) -> str:
    person = _customer(crm, given, last=None)
    _given(crm, person, notice, at=at - dt.timedelta(days=10))
    _given(crm, person, notice, at=at - dt.timedelta(days=10), channel="sms")
    _withdrawn(crm, person, at=at - dt.timedelta(days=5), channel="sms")
    _withdrawn(crm, person, at=at)  # the newest withdrawal, ending the last consent in force
    return person.id


def _start_request_completed(crm: gc.CRM, given: str, at: dt.datetime, notice: str) -> str:
    person = _customer(crm, given, last=None)
    _request(crm, person, closed=at)
    return person.id


def _start_interaction(crm: gc.CRM, given: str, at: dt.datetime, notice: str) -> str:
    return _customer(crm, given, last=at).id


STARTS: dict[str, Callable[[gc.CRM, str, dt.datetime, str], str]] = {
    "created": _start_created,
    "last_interaction": _start_last_interaction,
    "last_purchase": _start_last_purchase,
    "consent_withdrawn": _start_consent_withdrawn,
    "request_completed": _start_request_completed,
}
COMBINATIONS = [
    ("customer", "created", "erase"),
    ("customer", "last_interaction", "erase"),
    ("customer", "last_purchase", "erase"),
    ("customer", "consent_withdrawn", "erase"),
    ("interactions", "created", "anonymise"),
    ("interactions", "last_interaction", "delete"),
    ("consent_evidence", "consent_withdrawn", "shred"),
    ("requests", "request_completed", "anonymise"),
]


@pytest.mark.parametrize(("scope", "trigger", "action"), COMBINATIONS)
def test_every_trigger_is_read_and_the_boundary_is_exact_across_a_dst_change(
    crm: gc.CRM, scope: str, trigger: str, action: str
) -> None:
    notice = _newsletter(crm)
    start = _start_interaction if (scope, trigger) == ("interactions", "created") else (
        STARTS[trigger])
    due = start(crm, "Jonas", LAST, notice)
    later = start(crm, "Ona", LAST + TICK, notice)
    crm.privacy.retention.set_policy(_policy(scope=scope, trigger=trigger, action=action))
    assert dt.datetime(2025, 10, 30, 1, 30, tzinfo=dt.UTC) == BOUNDARY  # 03:30 EET, not EEST
    before = crm.privacy.retention.sweep(now=BOUNDARY - TICK, dry_run=True)
    assert before.due == 0 and _outcome(before).records == 0
    at = _outcome(crm.privacy.retention.sweep(now=BOUNDARY, dry_run=True))
    assert at.subjects == (due,) and at.records >= 1 and at.acted == 0
    after = _outcome(crm.privacy.retention.sweep(now=BOUNDARY + TICK, dry_run=True))
    assert after.subjects == tuple(sorted((due, later))) and after.records == 2 * at.records
    done = _outcome(crm.privacy.retention.sweep(now=BOUNDARY))
    assert done.subjects == at.subjects and done.acted == at.records
    assert _outcome(crm.privacy.retention.sweep(now=BOUNDARY)).records == 0  # nothing left
    # the other record's clock started a microsecond later: due a microsecond later
    last = _outcome(crm.privacy.retention.sweep(now=BOUNDARY + TICK, dry_run=True))
    assert last.subjects == (later,) and last.records >= 1
    _chains_verify(crm)


def test_audit_entries_are_only_listed_for_review(crm: gc.CRM) -> None:
    _customer(crm, "Jonas", last=LAST)
    crm.privacy.retention.set_policy(_policy(name="logs", scope="audit", trigger="created",
                                             action="review", time_zone="UTC"))
    entries = crm.privacy.audit_entries()
    policy = crm.privacy.retention.policies()[0]
    oldest, newest = entries[0].occurred_at, entries[-1].occurred_at
    assert _outcome(crm.privacy.retention.sweep(now=policy.expires_at(oldest) - TICK),
                    "logs").records == 0
    first = _outcome(crm.privacy.retention.sweep(now=policy.expires_at(oldest)), "logs")
    assert first.records >= 1 and first.acted == 0
    count = len(crm.privacy.audit_entries())
    every = _outcome(crm.privacy.retention.sweep(now=policy.expires_at(newest)), "logs")
    assert every.records >= len(entries) and every.acted == 0
    assert len(crm.privacy.audit_entries()) == count + 0  # reviewing writes nothing
    _chains_verify(crm)


# --------------------------------------------------------------------------- what each act does


def test_interactions_are_anonymised_with_a_stamp_or_deleted_and_holds_are_kept(
    crm: gc.CRM,
) -> None:
    jonas = _customer(crm, "Jonas", last=LAST)
    crm.interactions.record(jonas, channel="sms", direction="outbound", body="Jūsų užsakymas",
                            occurred_at=BOUNDARY, metadata={"order": "42"})  # not yet due
    ona = _customer(crm, "Ona", last=LAST)
    crm.privacy.retention.place_hold(ona, reason="claim 17", cite="GDPR art. 17(3)(e)", now=LAST)
    crm.privacy.retention.set_policy(_policy(name="old_mail", scope="interactions",
                                             trigger="created", action="anonymise"))
    done = _outcome(crm.privacy.retention.sweep(now=BOUNDARY), "old_mail")
    assert (done.subjects, done.held, done.acted) == ((jonas.id,), (ona.id,), 1)
    old, recent = crm.interactions.timeline(jonas.id, newest_first=False).items
    assert (old.body, old.subject, old.agent, old.metadata, old.channel) == ("", None, None, {},
                                                                              "email")
    assert old.occurred_at == LAST and old.customer_id == jonas.id  # still countable
    assert recent.body == "Jūsų užsakymas" and recent.metadata == {"order": "42"}
    assert crm.privacy.scan(["Laiškas Jonas"]) == []  # Ona's, on hold, keeps hers
    assert crm.privacy.scan(["Laiškas Ona"]) == [("interactions", "subject")]
    with crm._engine.connect() as connection:
        stamps = connection.execute(select(tables.interactions.c.anonymised_at).where(
            tables.interactions.c.customer_id == jonas.id)).scalars().all()
    assert set(stamps) == {BOUNDARY, None}
    assert _outcome(crm.privacy.retention.sweep(now=BOUNDARY), "old_mail").records == 0
    # deleting, by the customer's newest interaction: Jonas's recent one keeps both
    crm.privacy.retention.set_policy(_policy(name="old_mail", scope="interactions",
                                             action="delete"))
    assert _outcome(crm.privacy.retention.sweep(now=BOUNDARY), "old_mail").records == 0
    gone = _outcome(crm.privacy.retention.sweep(now=BOUNDARY + dt.timedelta(days=1200)),
                    "old_mail")
    assert gone.subjects == (jonas.id,) and gone.acted == 2 and gone.held == (ona.id,)
    assert crm.interactions.timeline(jonas.id).items == []
    assert len(crm.interactions.timeline(ona).items) == 1
    _chains_verify(crm)


def test_consent_evidence_is_shredded_only_once_no_consent_is_in_force(crm: gc.CRM) -> None:
    notice = _newsletter(crm)
    ended, still = _customer(crm, "Jonas", last=None), _customer(crm, "Ona", last=None)
    for who in (ended, still):
        _given(crm, who, notice, at=LAST - dt.timedelta(days=10))
        _given(crm, who, notice, at=LAST - dt.timedelta(days=10), channel="sms")
        _withdrawn(crm, who, at=LAST)
    _withdrawn(crm, ended, at=LAST - dt.timedelta(days=1), channel="sms")  # Ona keeps sms
    crm.privacy.retention.set_policy(_policy(name="evidence", scope="consent_evidence",
                                             trigger="consent_withdrawn", action="shred"))
    done = _outcome(crm.privacy.retention.sweep(now=BOUNDARY), "evidence")
    assert done.subjects == (ended.id,) and done.acted == 1
    history = crm.privacy.history(ended)
    assert {crm.privacy.evidence(e.event_id) for e in history if e.evidence} == {ERASED}
    assert {e.contact_point_ref for e in history if e.contact_point_ref} == {ERASED}
    assert crm.customers.get(ended.id).name.given == "Jonas"  # only the evidence went
    kept = [crm.privacy.evidence(e.event_id) for e in crm.privacy.history(still) if e.evidence]
    assert kept and all(value != ERASED for value in kept)  # a consent in force keeps its proof
    assert crm.privacy.can_contact(still, purpose="newsletter", channel="sms", at=BOUNDARY,
                                   contact_point_ref="ona@example.lt").allowed
    # a new grant gets a new key: its evidence is readable, and the clock starts again
    _given(crm, ended, notice, at=BOUNDARY)
    fresh = [e for e in crm.privacy.history(ended) if e.occurred_at == BOUNDARY]
    assert crm.privacy.evidence(fresh[0].event_id) == {"form": "signup", "ip": "203.0.113.77"}
    assert _outcome(crm.privacy.retention.sweep(now=BOUNDARY), "evidence").records == 0
    _chains_verify(crm)


def test_closed_requests_are_anonymised_or_deleted_open_ones_and_held_ones_kept(
    crm: gc.CRM,
) -> None:
    jonas, ona, petras = (_customer(crm, name, last=None) for name in ("Jonas", "Ona", "Petras"))
    closed = _request(crm, jonas, closed=LAST)
    still_open = _request(crm, petras, closed=None)
    held = _request(crm, ona, closed=LAST)
    crm.privacy.retention.place_hold(ona, reason="claim", cite="GDPR art. 17(3)(e)", now=LAST)
    unknown = crm.privacy.requests.open(requester="someone@example.lt", right="erasure",
                                        channel="email", regimes=["eu-gdpr"],
                                        now=LAST - dt.timedelta(days=3))
    crm.privacy.requests.reject(unknown, ground="identity_not_verified", cite="GDPR art. 12(6)",
                                at=LAST)
    crm.privacy.retention.set_policy(_policy(name="dsr", scope="requests",
                                             trigger="request_completed", action="anonymise",
                                             duration="P24M"))
    due = crm.privacy.retention.sweep(now=LAST + dt.timedelta(days=800))
    done = _outcome(due, "dsr")
    assert done.acted == done.records == 2 and done.subjects == (jonas.id,)
    assert done.held == (ona.id,)
    answered = crm.privacy.requests.get(closed)  # still readable, nothing personal left
    assert answered.status == "completed" and answered.customer_id == jonas.id
    assert all(event.note is None for event in answered.events)
    nameless = crm.privacy.requests.get(unknown.id)
    assert nameless.requester is None and nameless.status == "rejected"
    assert crm.privacy.scan(["someone@example.lt", "Sent to Jonas"]) == []
    assert crm.privacy.requests.get(still_open).status == "in_progress"
    assert crm.privacy.requests.get(held).events[-1].note == "Sent to Ona"
    assert _outcome(crm.privacy.retention.sweep(now=LAST + dt.timedelta(days=800)),
                    "dsr").records == 0
    crm.privacy.retention.set_policy(_policy(name="dsr", scope="requests",
                                             trigger="request_completed", action="delete"))
    gone = _outcome(crm.privacy.retention.sweep(now=BOUNDARY), "dsr")
    assert gone.acted == 2
    for request_id in (closed, unknown.id):
        with pytest.raises(NotFound):
            crm.privacy.requests.get(request_id)
    with crm._engine.connect() as connection:
        steps = connection.execute(select(func.count()).select_from(
            tables.privacy_request_events)).scalar_one()
    assert steps == len(crm.privacy.requests.get(still_open).events) + len(
        crm.privacy.requests.get(held).events)
    _chains_verify(crm)


# --------------------------------------------------------------------------- notices


class _Told:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dt.datetime, str]] = []

    @hookimpl
    def globalcrm_retention_notice(
        self, customer_id: str, policy: str, due_at: dt.datetime, tenant: str
    ) -> None:
        self.calls.append((customer_id, policy, due_at, tenant))


@pytest.fixture
def told(crm: gc.CRM) -> Iterator[_Told]:
    """A plugin that records the notices sent (unregistered after: PostgreSQL's CRM is shared)."""
    plugin = _Told()
    name = crm.plugins.register(plugin)
    yield plugin
    crm.plugins.unregister(name)


def test_the_pre_notice_is_sent_first_and_the_act_waits_48_hours_after_it(
    crm: gc.CRM, told: _Told
) -> None:
    jonas = _customer(crm, "Jonas", last=LAST)
    ona = _customer(crm, "Ona", last=LAST)
    crm.privacy.retention.place_hold(ona, reason="claim", cite="GDPR art. 17(3)(e)", now=LAST)
    crm.privacy.retention.set_policy(_policy(pre_notice="PT48H"))
    notice_at = BOUNDARY - dt.timedelta(hours=48)
    assert crm.privacy.retention.sweep(now=notice_at - TICK).noticed == 0
    plan = crm.privacy.retention.sweep(now=notice_at, dry_run=True)
    assert told.calls == [] and crm.privacy.retention.notices() == []
    sent = crm.privacy.retention.sweep(now=notice_at)
    assert _outcome(sent).noticed == _outcome(plan).noticed == (jonas.id,)
    assert _outcome(sent).held == (ona.id,) and sent.acted == 0
    assert told.calls == [(jonas.id, "dormant", BOUNDARY, "default")]
    [recorded] = crm.privacy.retention.notices(jonas)
    assert (recorded.noticed_at, recorded.due_at, recorded.policy) == (notice_at, BOUNDARY,
                                                                       "dormant")
    waiting = crm.privacy.retention.sweep(now=BOUNDARY - TICK)
    assert _outcome(waiting).waiting == (jonas.id,) and waiting.acted == 0 == waiting.noticed
    assert len(told.calls) == 1  # told once
    done = crm.privacy.retention.sweep(now=BOUNDARY)
    assert _outcome(done).subjects == (jonas.id,) and done.acted == 1
    assert crm.privacy.retention.notices() == []  # erasure removed the notice rows too
    _chains_verify(crm)


def test_a_late_sweep_still_gives_the_whole_notice_and_a_returning_customer_is_told_again(
    crm: gc.CRM, told: _Told
) -> None:
    jonas = _customer(crm, "Jonas", last=LAST)
    ona = _customer(crm, "Ona", last=LAST)
    crm.privacy.retention.set_policy(_policy(pre_notice="PT48H"))
    late = BOUNDARY + dt.timedelta(days=10)
    first = crm.privacy.retention.sweep(now=late)
    assert _outcome(first).noticed == tuple(sorted((jonas.id, ona.id))) and first.acted == 0
    assert {call[2] for call in told.calls} == {late + dt.timedelta(hours=48)}
    # Ona writes in before her notice ran out: her clock starts again
    crm.interactions.record(ona, channel="email", direction="inbound", body="Aš dar čia",
                            occurred_at=late + dt.timedelta(hours=1),
                            now=late + dt.timedelta(hours=1))
    early = crm.privacy.retention.sweep(now=late + dt.timedelta(hours=48) - TICK)
    assert early.acted == 0 and _outcome(early).waiting == (jonas.id,)
    done = crm.privacy.retention.sweep(now=late + dt.timedelta(hours=48))
    assert _outcome(done).subjects == (jonas.id,) and done.acted == 1
    assert crm.customers.get(ona.id).id == ona.id
    ona_boundary = _policy().expires_at(late + dt.timedelta(hours=1))
    again = crm.privacy.retention.sweep(now=ona_boundary - dt.timedelta(hours=48))
    assert _outcome(again).noticed == (ona.id,) and again.acted == 0
    assert len(crm.privacy.retention.notices(ona)) == 2
    _chains_verify(crm)


def test_a_dry_run_reports_the_notices_and_acts_of_the_real_run(crm: gc.CRM) -> None:
    """Paired runs over a mixed population: the dry run's counts are the real run's."""
    notice = _newsletter(crm)
    people = []
    for i in range(12):
        last = LAST + dt.timedelta(hours=12 * (i % 5) - 24)
        person = _customer(crm, f"Jonas{i}", last=last)
        people.append(person)
        if i % 4 == 0:
            _given(crm, person, notice, at=LAST - dt.timedelta(days=20))
            _withdrawn(crm, person, at=LAST - dt.timedelta(days=i))
        if i % 5 == 0:
            _request(crm, person, closed=LAST)
    crm.privacy.retention.place_hold(people[3], reason="claim", cite="GDPR art. 17(3)(e)",
                                     now=LAST)
    policies = [
        _policy(pre_notice="PT48H"),
        _policy(name="mail", scope="interactions", trigger="created", action="anonymise",
                duration="P2Y11M"),
        _policy(name="evidence", scope="consent_evidence", trigger="consent_withdrawn",
                action="shred", duration="P2Y", pre_notice="PT12H"),
        _policy(name="dsr", scope="requests", trigger="request_completed", action="delete",
                duration="P2Y"),
        _policy(name="buyers", trigger="last_purchase", action="review"),
    ]
    for policy in policies:
        crm.privacy.retention.set_policy(policy)
    noticed: dict[str, int] = {}
    acted: dict[str, int] = {}
    for now in (BOUNDARY - dt.timedelta(hours=30), BOUNDARY + dt.timedelta(hours=20),
                BOUNDARY + dt.timedelta(days=3)):
        dry = crm.privacy.retention.sweep(now=now, dry_run=True)
        real = crm.privacy.retention.sweep(now=now, batch_size=3)
        for planned, done in zip(dry.outcomes, real.outcomes, strict=True):
            assert (planned.policy, planned.subjects, planned.noticed, planned.held,
                    planned.waiting) == (done.policy, done.subjects, done.noticed, done.held,
                                         done.waiting)
            assert done.acted == (0 if done.action == "review" else planned.records)
            noticed[done.policy] = noticed.get(done.policy, 0) + len(done.noticed)
            acted[done.policy] = acted.get(done.policy, 0) + done.acted
        assert dry.noticed == real.noticed and dry.due == real.due
    # every kind happened: notices, erasures, shredding, anonymising, deleting
    assert noticed["dormant"] == 11 and noticed["evidence"] >= 1
    assert acted["dormant"] == 11 and acted["evidence"] >= 1 and acted["mail"] >= 1
    assert acted["dsr"] == 3 and crm.customers.count() == 1  # only the customer on hold
    _chains_verify(crm)


# --------------------------------------------------------------------------- sweeps


def test_dry_run_counts_equal_the_real_run_holds_batches_and_resumption(crm: gc.CRM) -> None:
    crm.privacy.retention.set_policy(_policy())
    crm.privacy.retention.set_policy(_policy(name="buyers", trigger="last_purchase",
                                             action="review"))
    crm.privacy.retention.set_policy(_policy(name="logs", scope="audit", trigger="created",
                                             action="review"))
    people = [_customer(crm, f"Jonas{i}", last=LAST if i % 3 else None) for i in range(7)]
    crm.purchases.record(people[0], occurred_at=BOUNDARY, channel="web_form",
                         amount=Money("1.00", "EUR"),
                         items=[{"product": "tea", "quantity": "1", "unit_price": "1.00"}],
                         now=BOUNDARY)
    held = people[1]
    hold = crm.privacy.retention.place_hold(held, reason="claim", cite="GDPR art. 17(3)(e)",
                                            now=LAST)
    now = BOUNDARY + dt.timedelta(days=1)
    plan = crm.privacy.retention.sweep(now=now, dry_run=True)
    by_name = {o.policy: o for o in plan.outcomes}
    assert held.id in by_name["dormant"].held and held.id not in by_name["dormant"].subjects
    assert len(by_name["dormant"].subjects) == 6
    assert people[0].id not in by_name["buyers"].subjects  # bought at the boundary
    assert by_name["logs"].records == 0  # audit entries are stamped today
    assert crm.customers.count() == 7  # a dry run changes nothing
    calls: list[tuple[int, int]] = []
    done = crm.privacy.retention.sweep(
        now=now, batch_size=4, on_progress=lambda *done: calls.append(done)
    )
    assert [o.subjects for o in done.outcomes] == [o.subjects for o in plan.outcomes]
    assert {o.policy: o.acted for o in done.outcomes} == {"buyers": 0, "dormant": 6, "logs": 0}
    assert calls == [(5, 11), (9, 11), (11, 11)]  # 5 to review, then 6 erased 4 at a time
    assert crm.customers.count() == 1
    again = crm.privacy.retention.sweep(now=now)  # resumed or repeated: nothing left to do
    assert {o.policy: len(o.subjects) for o in again.outcomes}["dormant"] == 0
    crm.privacy.retention.release_hold(hold, now=now)
    assert crm.privacy.retention.sweep(now=now).outcomes[1].acted == 1
    assert crm.customers.count() == 0
    _chains_verify(crm)


def test_an_interrupted_sweep_is_resumed_by_running_it_again(
    crm: gc.CRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [_customer(crm, f"Jonas{i}", last=LAST) for i in range(7)]
    crm.privacy.retention.set_policy(_policy(pre_notice="PT48H"))
    real = record_audit
    seen: list[str] = []

    def failing(*args: Any, **kwargs: Any) -> None:
        seen.append(args[2])
        if args[2] in ("retention.noticed", "retention.erase") and seen.count(args[2]) == 2:
            raise StorageError("the connection was lost")  # the second batch rolls back
        real(*args, **kwargs)

    monkeypatch.setattr(crm_retention, "record_audit", failing)
    told_at = BOUNDARY - dt.timedelta(hours=48)
    with pytest.raises(StorageError):
        crm.privacy.retention.sweep(now=told_at, batch_size=3)
    assert len(crm.privacy.retention.notices()) == 3  # the first batch of notices stayed
    resumed = crm.privacy.retention.sweep(now=told_at, batch_size=3)
    assert len(resumed.outcomes[0].noticed) == 4  # the others, nobody twice
    assert len(crm.privacy.retention.notices()) == 7
    with pytest.raises(StorageError):
        crm.privacy.retention.sweep(now=BOUNDARY, batch_size=3)
    assert crm.customers.count() == 4  # the first batch of 3 erased, the second rolled back
    finished = crm.privacy.retention.sweep(now=BOUNDARY, batch_size=3)
    assert finished.acted == 4 and crm.customers.count() == 0
    assert {e.subject_ref for e in crm.privacy.erasures()} == {p.id for p in people}
    _chains_verify(crm)


def test_a_batch_is_decided_again_before_it_is_acted_on(
    crm: gc.CRM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A customer who comes back between the plan and their batch is not erased."""
    people = {_customer(crm, name, last=LAST).id for name in ("Jonas", "Ona")}
    crm.privacy.retention.set_policy(_policy())
    real = crm_retention.Retention._act
    calls: list[tuple[str, ...]] = []

    def back_after_the_first_batch(
        self: Any, plan: Any, subjects: tuple[str, ...], now: Any
    ) -> int:
        if not calls:
            [other] = people - set(subjects)
            crm.interactions.record(other, channel="email", direction="inbound",
                                    occurred_at=BOUNDARY, now=BOUNDARY)
        calls.append(subjects)
        return int(real(self, plan, subjects, now))

    monkeypatch.setattr(crm_retention.Retention, "_act", back_after_the_first_batch)
    done = crm.privacy.retention.sweep(now=BOUNDARY, batch_size=1)
    assert len(calls) == 2 and done.acted == 1
    assert [c.id for c in crm.customers.list().items] == [calls[1][0]]


def test_policies_and_holds_are_stored_and_checked(crm: gc.CRM) -> None:
    crm.privacy.retention.set_policy(_policy())
    crm.privacy.retention.set_policy(_policy(duration="P2Y"))
    assert [p.duration for p in crm.privacy.retention.policies()] == ["P2Y"]
    crm.privacy.retention.remove_policy("dormant")
    assert crm.privacy.retention.policies() == []
    with pytest.raises(NotFound):
        crm.privacy.retention.remove_policy("dormant")
    with pytest.raises(NotFound):
        crm.privacy.retention.place_hold("01J0000000000000000000000Z", reason="x", cite="y")
    with pytest.raises(NotFound):
        crm.privacy.retention.release_hold("01J0000000000000000000000Z")
    for bad in (None, "x", 3):
        with pytest.raises(GlobalCRMError):
            crm.privacy.retention.set_policy(bad)  # type: ignore[arg-type]
    with pytest.raises(GlobalCRMError):
        crm.privacy.retention.sweep(batch_size=0)
    with pytest.raises(GlobalCRMError):
        crm.privacy.retention.sweep(on_progress="x")  # type: ignore[arg-type]


def test_a_policy_stored_before_the_combinations_were_checked_is_named(crm: gc.CRM) -> None:
    with crm._engine.begin() as connection:
        connection.execute(tables.retention_policies.insert().values(
            tenant="default", name="old_logs", document={
                "scope": "audit", "trigger": "created", "duration": "P6Y", "action": "delete",
                "cite": "x", "time_zone": "UTC", "pre_notice": None}))
    with pytest.raises(StorageError, match="'old_logs' is not one the sweep can apply"):
        crm.privacy.retention.sweep(dry_run=True)
    crm.privacy.retention.remove_policy("old_logs")
    assert crm.privacy.retention.sweep(dry_run=True).outcomes == ()
