"""Ledgers written before hash scheme 2 (schema 0004) still verify and still answer after upgrade.

The rows are written here as the 0004 code wrote them, from its rules (restated, not imported):
consent entry ``SHA-256(prev_hash || str(seq) || "\\n" || canonical JSON of the event)``, audit
entry ``SHA-256(prev_hash || canonical JSON of the entry)``, evidence sealed with AES-256-GCM
under a subject key stored raw.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, text

import globalcrm as gc
from globalcrm.storage import migrate
from globalcrm.storage.engine import make_engine

T0 = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
TENANT = "default"
CUSTOMER = "01JZ0000000000000000000001"
KEY = bytes(range(32))


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _event(seq: int, state: str, at: dt.datetime, **extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "subject_ref": CUSTOMER,
        "purpose_key": "newsletter",
        "purpose_version": 1,
        "channel": "email",
        "state": state,
        "consent_type": "expressed",
        "occurred_at": _stamp(at),
        "event_id": f"legacy-{seq}",
        "contact_point_ref": None,
        "legal_basis": "consent",
        "regimes": [],
        "notice_version_id": None,
        "notice_sha256": None,
        "language": None,
        "collection_method": "web_form",
        "collection_point": None,
        "actor_kind": "subject",
        "actor_ref": None,
        "guardian_verification": None,
        "age_assurance": "unknown",
        "valid_from": None,
        "valid_until": None,
        "confirmed_at": None,
        "doi_challenge_id": None,
        "idempotency_key": None,
        "bundled_with": [],
        "evidence": None,
    }
    document.update(extra)
    return document


def _write_legacy_rows(engine: Engine) -> None:
    """Purpose, customer, two chained events (the first with sealed evidence), the projection,
    the raw subject key, three chained audit entries and both heads, as schema 0004 held them."""
    nonce = bytes(12)
    sealed = AESGCM(KEY).encrypt(nonce, b'{"ip":"203.0.113.7"}', b"legacy-0")
    evidence = "aesgcm:k-legacy:" + base64.b64encode(nonce + sealed).decode()
    events = [
        _event(
            0,
            "given",
            T0,
            evidence=evidence,
            contact_point_ref=None,
            collection_point="https://shop.example/signup",
        ),
        _event(1, "withdrawn", T0 + dt.timedelta(days=2)),
    ]
    purpose = {
        "key": "newsletter",
        "version": 1,
        "name": "Newsletter",
        "dpv_purpose": "DirectMarketing",
        "legal_basis": {"eu-gdpr": "consent"},
        "channels": ["email"],
        "description": None,
        "status": "active",
        "consent_type_required": "expressed",
        "categories": [],
        "direct_marketing": False,
        "sells_or_shares": False,
        "requires_double_opt_in": False,
        "requires_age_assurance": False,
        "consent_validity": None,
        "kantara_category": None,
        "renewal_from": 1,
        "material_change": False,
        "supersedes": None,
        "withdrawal_method": None,
    }
    stamp = T0.replace(tzinfo=None) if engine.dialect.name == "sqlite" else T0
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (id, tenant, name, other_names, country, language,"
                " time_zone, currency, emails, phones, addresses, handles, preferred_channels,"
                " dietary_needs, allergens, accessibility_needs, tags, attributes, created_at,"
                " updated_at, version) VALUES (:id, :t, :name, '[]', 'LT', 'lt',"
                " 'Europe/Vilnius', 'EUR', '[]', '[]', '[]', '[]', '[]', '[]', '[]', '[]', '[]',"
                " '{}', :at, :at, 1)"
            ),
            {"id": CUSTOMER, "t": TENANT, "name": '{"given":"Ona","locale":"lt"}', "at": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO purposes (tenant, key, version, status, document)"
                " VALUES (:t, 'newsletter', 1, 'active', :doc)"
            ),
            {"t": TENANT, "doc": json.dumps(purpose)},
        )
        connection.execute(
            text(
                "INSERT INTO subject_keys (key_id, tenant, subject_ref, key)"
                " VALUES ('k-legacy', :t, :s, :k)"
            ),
            {"t": TENANT, "s": CUSTOMER, "k": KEY},
        )
        previous = bytes(32)
        for seq, document in enumerate(events):
            body = _canonical(document)
            entry = hashlib.sha256(previous + str(seq).encode() + b"\n" + body).digest()
            connection.execute(
                text(
                    "INSERT INTO consent_events (tenant, seq, event_id, subject_ref, purpose_key,"
                    " channel, contact_point_ref, occurred_at, idempotency_key, document,"
                    " recorded_at, prev_hash, entry_hash) VALUES (:t, :seq, :id, :s,"
                    " 'newsletter', 'email', '', :at, NULL, :doc, :at, :prev, :hash)"
                ),
                {
                    "t": TENANT,
                    "seq": seq,
                    "id": document["event_id"],
                    "s": CUSTOMER,
                    "at": stamp + dt.timedelta(days=2 * seq),
                    "doc": body.decode(),
                    "prev": previous,
                    "hash": entry,
                },
            )
            previous = entry
        connection.execute(
            text("INSERT INTO ledger_heads VALUES (:t, 'consent', 2, :h)"),
            {"t": TENANT, "h": previous},
        )
        connection.execute(
            text(
                "INSERT INTO consent_states (tenant, subject_ref, purpose_key, channel,"
                " contact_point_ref, state, event_id, occurred_at, purpose_version,"
                " consent_type, valid_from, valid_until, confirmed_at, objection, actor_kind,"
                " age_assurance) VALUES (:t, :s, 'newsletter', 'email', '', 'withdrawn',"
                " 'legacy-1', :at, 1, 'expressed', :at, NULL, NULL, :no, 'subject', 'unknown')"
            ),
            {"t": TENANT, "s": CUSTOMER, "at": stamp + dt.timedelta(days=2), "no": False},
        )
        previous = bytes(32)
        for seq in range(3):
            content = {
                "seq": seq,
                "id": f"audit-{seq}",
                "tenant": TENANT,
                "occurred_at": _stamp(T0 + dt.timedelta(minutes=seq)),
                "actor_kind": "system",
                "actor_ref": "globalcrm",
                "action": "consent.recorded",
                "entity_type": "consent_event",
                "entity_ref": f"legacy-{seq}",
                "subject_ref": CUSTOMER,
                "payload": {"n": seq},
                "sealed": {},
            }
            entry = hashlib.sha256(previous + _canonical(content)).digest()
            connection.execute(
                text(
                    "INSERT INTO audit_entries (tenant, seq, id, occurred_at, actor_kind,"
                    " actor_ref, action, entity_type, entity_ref, subject_ref, payload, sealed,"
                    " prev_hash, entry_hash) VALUES (:t, :seq, :id, :at, 'system', 'globalcrm',"
                    " 'consent.recorded', 'consent_event', :ref, :s, :payload, '{}', :prev,"
                    " :hash)"
                ),
                {
                    "t": TENANT,
                    "seq": seq,
                    "id": content["id"],
                    "at": stamp + dt.timedelta(minutes=seq),
                    "ref": content["entity_ref"],
                    "s": CUSTOMER,
                    "payload": json.dumps(content["payload"]),
                    "prev": previous,
                    "hash": entry,
                },
            )
            previous = entry
        connection.execute(
            text("INSERT INTO ledger_heads VALUES (:t, 'audit', 3, :h)"),
            {"t": TENANT, "h": previous},
        )


def test_a_ledger_written_by_schema_0004_verifies_after_the_upgrade(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0004")
    _write_legacy_rows(engine)
    engine.dispose()
    crm = gc.open(db_url)
    try:
        assert crm.privacy.verify_ledger() is None
        assert crm.privacy.verify_audit() is None
        history = crm.privacy.history(CUSTOMER)
        assert [e.state for e in history] == ["given", "withdrawn"]
        assert history[0].collection_point == "https://shop.example/signup"
        assert crm.privacy.evidence("legacy-0") == {"ip": "203.0.113.7"}  # a clear legacy key
        assert crm.privacy.rewrap_keys() == 1  # now wrapped under the KEK, and still readable
        assert crm.privacy.evidence("legacy-0") == {"ip": "203.0.113.7"}
        at = T0 + dt.timedelta(days=3)
        decision = crm.privacy.can_contact(CUSTOMER, purpose="newsletter", channel="email", at=at)
        assert (decision.allowed, decision.rule) == (False, "state_withdrawn")
        assert crm.privacy.audience(purpose="newsletter", channel="email", at=at) == []
        # new events chain on after the legacy ones
        crm.privacy.record(
            CUSTOMER,
            purpose="newsletter",
            channel="email",
            state="refused",
            now=T0 + dt.timedelta(days=4),
        )
        assert crm.privacy.verify_ledger() is None
        assert crm.privacy.verify_audit() is None
    finally:
        crm.close()


def test_legacy_tampering_is_still_detected(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine, "0004")
    _write_legacy_rows(engine)
    with engine.begin() as connection:  # move the legacy event to another subject
        connection.execute(
            text("UPDATE consent_events SET subject_ref = :other WHERE seq = 0"),
            {"other": "01JZ0000000000000000000002"},
        )
    engine.dispose()
    crm = gc.open(db_url)
    try:
        assert crm.privacy.verify_ledger() == 0
    finally:
        crm.close()
