"""Tamper evidence of the consent ledger, its projection and the audit log, in the store.

Each test edits the database behind the library's back, as someone with SQL access would, and
checks that verification reports it and that ``can_contact``/``audience`` do not act on it. Every
test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

import globalcrm as gc
from globalcrm.cli import app
from globalcrm.privacy import publish_notice
from globalcrm.storage import tables
from tests.storage.test_privacy_store import T0, newsletter, person

runner = CliRunner()
LATER = T0 + dt.timedelta(days=3)


@pytest.fixture
def notice_id(crm: gc.CRM) -> str:
    crm.privacy.add_purpose(newsletter())
    notice = publish_notice(
        "newsletter", 1, language="lt", title="Naujienos", body="Sutinku.", effective_from=T0
    )
    return crm.privacy.add_notice(notice).id


def _given_then_withdrawn(crm: gc.CRM, notice_id: str) -> gc.Customer:
    ona = person(crm)
    crm.privacy.record(
        ona, purpose="newsletter", channel="email", state="given", now=T0, notice_id=notice_id
    )
    crm.privacy.record(ona, purpose="newsletter", channel="email", state="withdrawn", now=LATER)
    return ona


def _last_seq(crm: gc.CRM, table: object) -> int:
    t = tables.consent_events if table == "consent" else tables.audit_entries
    with crm._engine.connect() as connection:
        return int(connection.execute(select(func.max(t.c.seq))).scalar_one())


def _not_allowed_or_refused(crm: gc.CRM, customer: gc.Customer) -> None:
    """``can_contact`` must not say yes: it refuses with our error or answers no."""
    try:
        decision = crm.privacy.can_contact(
            customer, purpose="newsletter", channel="email", at=LATER
        )
    except gc.StorageError:
        return
    assert not decision.allowed


def test_deleting_the_newest_withdrawal_is_detected(crm: gc.CRM, notice_id: str) -> None:
    ona = _given_then_withdrawn(crm, notice_id)
    assert crm.privacy.verify_ledger() is None
    last = _last_seq(crm, "consent")
    e = tables.consent_events.c
    with crm._engine.begin() as connection:
        connection.execute(delete(tables.consent_events).where(e.seq == last))
    assert crm.privacy.verify_ledger() == last
    _not_allowed_or_refused(crm, ona)
    assert ona.id not in crm.privacy.audience(purpose="newsletter", channel="email", at=LATER)


def test_deleting_the_newest_audit_entry_is_detected(crm: gc.CRM, notice_id: str) -> None:
    _given_then_withdrawn(crm, notice_id)
    assert crm.privacy.verify_audit() is None
    last = _last_seq(crm, "audit")
    a = tables.audit_entries.c
    with crm._engine.begin() as connection:
        connection.execute(delete(tables.audit_entries).where(a.seq == last))
    assert crm.privacy.verify_audit() == last


def test_cli_verify_fails_after_the_newest_rows_are_deleted(
    crm: gc.CRM, notice_id: str, backend: str, tmp_path: Path
) -> None:
    _given_then_withdrawn(crm, notice_id)
    url = crm._engine.url.render_as_string(hide_password=False)
    assert runner.invoke(app, ["audit", "verify", "--url", url]).exit_code == 0
    with crm._engine.begin() as connection:
        for table in (tables.consent_events, tables.audit_entries):
            last = connection.execute(select(func.max(table.c.seq))).scalar_one()
            connection.execute(delete(table).where(table.c.seq == last))
    result = runner.invoke(app, ["audit", "verify", "--url", url])
    assert result.exit_code == 1, result.output


def test_a_forged_projection_is_not_trusted(crm: gc.CRM, notice_id: str) -> None:
    ona = _given_then_withdrawn(crm, notice_id)
    other = person(crm)
    crm.privacy.record(
        other, purpose="newsletter", channel="email", state="given", now=T0, notice_id=notice_id
    )
    s = tables.consent_states.c
    with crm._engine.begin() as connection:
        connection.execute(
            update(tables.consent_states).where(s.subject_ref == ona.id).values(state="given")
        )
    assert crm.privacy.audience(purpose="newsletter", channel="email", at=LATER) == [other.id]
    assert crm.privacy.verify_ledger() is not None
    _not_allowed_or_refused(crm, ona)
    assert crm.privacy.can_contact(other, purpose="newsletter", channel="email", at=LATER).allowed


def test_moving_an_event_to_another_subject_is_detected(crm: gc.CRM, notice_id: str) -> None:
    ona = person(crm)
    jonas = person(crm)
    crm.privacy.record(
        ona, purpose="newsletter", channel="email", state="given", now=T0, notice_id=notice_id
    )
    e = tables.consent_events.c
    with crm._engine.begin() as connection:
        connection.execute(
            update(tables.consent_events)
            .where(e.subject_ref == ona.id)
            .values(subject_ref=jonas.id)
        )
    assert crm.privacy.verify_ledger() == 0
    with pytest.raises(gc.StorageError, match="consent_events"):
        crm.privacy.history(jonas)


def test_a_garbage_document_is_reported_not_raised_raw(crm: gc.CRM, notice_id: str) -> None:
    ona = _given_then_withdrawn(crm, notice_id)
    e = tables.consent_events.c
    with crm._engine.begin() as connection:
        connection.execute(
            update(tables.consent_events).where(e.seq == 0).values(document="{not json")
        )
    with pytest.raises(gc.StorageError, match=r"consent_events.*seq 0"):
        crm.privacy.can_contact(ona, purpose="newsletter", channel="email", at=LATER)
    assert crm.privacy.verify_ledger() == 0


def test_an_invalid_audit_row_is_reported_by_verify(crm: gc.CRM, notice_id: str) -> None:
    _given_then_withdrawn(crm, notice_id)
    a = tables.audit_entries.c
    with crm._engine.begin() as connection:
        connection.execute(
            update(tables.audit_entries).where(a.seq == 1).values(actor_kind="wizard")
        )
    assert crm.privacy.verify_audit() == 1
    with pytest.raises(gc.StorageError, match=r"audit_entries.*seq 1"):
        crm.privacy.audit_entries()


def test_checkpoint_file_catches_a_rewritten_tail(
    crm: gc.CRM, notice_id: str, tmp_path: Path
) -> None:
    _given_then_withdrawn(crm, notice_id)
    url = crm._engine.url.render_as_string(hide_password=False)
    saved = tmp_path / "checkpoint.json"
    made = runner.invoke(app, ["audit", "checkpoint", "--url", url, "-o", str(saved)])
    assert made.exit_code == 0, made.output
    document = json.loads(saved.read_text())
    assert document["consent"]["size"] == 2
    shown = runner.invoke(
        app,
        ["audit", "checkpoint", "--url", url, "-o", str(tmp_path / "b.json"), "--format", "json"],
    )
    assert json.loads(shown.output)["consent"] == document["consent"]
    ok = runner.invoke(app, ["audit", "verify", "--url", url, "--checkpoint", str(saved)])
    assert ok.exit_code == 0, ok.output
    # the newest event and its audit entry are deleted and the heads rolled back to match: the
    # chains alone are consistent again, only the saved checkpoint knows
    with crm._engine.begin() as connection:
        for name, table in (("consent", tables.consent_events), ("audit", tables.audit_entries)):
            last = connection.execute(select(func.max(table.c.seq))).scalar_one()
            connection.execute(delete(table).where(table.c.seq == last))
            previous = connection.execute(
                select(table.c.entry_hash).where(table.c.seq == last - 1)
            ).scalar_one()
            h = tables.ledger_heads.c
            connection.execute(
                update(tables.ledger_heads)
                .where(h.ledger == name)
                .values(next_seq=last, last_hash=previous)
            )
    report = runner.invoke(
        app, ["audit", "verify", "--url", url, "--checkpoint", str(saved), "--format", "json"]
    )
    assert report.exit_code == 1, report.output
    result = json.loads(report.output)
    assert result["ok"] is False
    assert result["consent"]["first_bad"] == 1 and result["audit"]["first_bad"] is not None


def test_a_forged_projection_is_not_trusted_without_consent_as_basis(crm: gc.CRM) -> None:
    crm.privacy.add_purpose(
        newsletter(
            key="offers",
            legal_basis={"eu-gdpr": "legitimate_interests"},
            consent_type_required="implied",
        )
    )
    quiet, objector, forged = person(crm), person(crm), person(crm)
    for customer in (objector, forged):
        crm.privacy.record(customer, purpose="offers", channel="email", state="objected", now=T0)
    at = T0 + dt.timedelta(hours=1)
    expected = sorted([quiet.id])
    assert crm.privacy.audience(purpose="offers", channel="email", at=at) == expected
    s = tables.consent_states.c
    with crm._engine.begin() as connection:  # lift the objection behind the ledger's back
        connection.execute(
            update(tables.consent_states)
            .where(s.subject_ref == forged.id)
            .values(state="given", objection=False)
        )
    assert crm.privacy.audience(purpose="offers", channel="email", at=at) == expected
    with crm._engine.begin() as connection:  # or delete the row that blocks
        connection.execute(delete(tables.consent_states).where(s.subject_ref == objector.id))
    assert crm.privacy.audience(purpose="offers", channel="email", at=at) == expected
    assert crm.privacy.verify_ledger() is not None
    for customer in (objector, forged):
        with pytest.raises(gc.StorageError):
            crm.privacy.can_contact(customer, purpose="offers", channel="email", at=at)
    assert crm.privacy.can_contact(quiet, purpose="offers", channel="email", at=at).allowed
