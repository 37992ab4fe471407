"""Keys and evidence in the store: wrapped keys, sealed personal values, crypto-shredding.

Reads the raw rows as someone holding only a copy of the database would, on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, text, update

import globalcrm as gc
from globalcrm.privacy import EnvKeyProvider, EphemeralKeyProvider, LocalKeyFile
from globalcrm.privacy.evidence import ERASED
from globalcrm.privacy.key_wrapping import generate_kek
from globalcrm.storage import tables
from globalcrm.storage.unit_of_work import UnitOfWork
from tests.storage.test_privacy_integrity import notice_id  # noqa: F401  (the fixture)
from tests.storage.test_privacy_store import T0, person

EMAIL = "ona.petraitiene@example.lt"
FORM = "https://shop.example/signup?who=ona"
IP = "203.0.113.77"


def _record(crm: gc.CRM, customer: gc.Customer, notice: str) -> gc.privacy.ConsentEvent:
    return crm.privacy.record(
        customer,
        purpose="newsletter",
        channel="email",
        state="given",
        now=T0,
        notice_id=notice,
        contact_point_ref=EMAIL,
        collection_point=FORM,
        evidence={"ip": IP, "user_agent": "Firefox"},
    )


def _raw(crm: gc.CRM, sql: str) -> list[tuple[object, ...]]:
    with crm._engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_no_personal_value_and_no_key_sits_in_clear_in_the_rows(
    crm: gc.CRM,
    notice_id: str,  # noqa: F811
) -> None:
    ona = person(crm)
    event = _record(crm, ona, notice_id)
    assert (event.contact_point_ref, event.collection_point) == (EMAIL, FORM)  # given back clear
    dump = repr(_raw(crm, "SELECT * FROM consent_events"))
    dump += repr(_raw(crm, "SELECT * FROM consent_states"))
    dump += repr(_raw(crm, "SELECT * FROM audit_entries"))
    for value in (EMAIL, "petraitiene", FORM, "shop.example", IP):
        assert value not in dump
    keys = _raw(crm, "SELECT key, wrapped_key, kek_id FROM subject_keys")
    assert len(keys) == 1 and keys[0][0] is None and keys[0][1] is not None
    assert str(keys[0][2]).startswith("kek-")
    # the raw rows alone decrypt nothing: the wrapped key is no AES key for the evidence
    stored = crm.privacy.history(ona)[0]
    assert stored.evidence is not None
    wrapped = keys[0][1]
    assert isinstance(wrapped, bytes | memoryview)
    wrapped = bytes(wrapped)
    for candidate in (wrapped[:32], wrapped[12:44], wrapped[-32:]):
        with pytest.raises(InvalidTag):
            AESGCM(candidate).decrypt(
                stored.evidence.blob[:12], stored.evidence.blob[12:], event.event_id.encode()
            )
    assert crm.privacy.evidence(event.event_id) == {"ip": IP, "user_agent": "Firefox"}


def test_another_kek_reads_nothing(crm: gc.CRM, notice_id: str) -> None:  # noqa: F811
    ona = person(crm)
    event = _record(crm, ona, notice_id)
    url = crm._engine.url.render_as_string(hide_password=False)
    stranger = gc.open(url, key_provider=EphemeralKeyProvider())
    try:
        with pytest.raises(gc.ConfigurationError):
            stranger.privacy.evidence(event.event_id)
        with pytest.raises(gc.ConfigurationError):
            stranger.privacy.history(ona)
        # what needs no personal value still works without the KEK
        assert stranger.privacy.verify().ok
        at = T0 + dt.timedelta(hours=1)
        assert stranger.privacy.can_contact(
            ona, purpose="newsletter", channel="email", at=at
        ) == crm.privacy.can_contact(ona, purpose="newsletter", channel="email", at=at)
    finally:
        stranger.close()


def test_a_contact_point_decision_uses_the_sealed_value(crm: gc.CRM, notice_id: str) -> None:  # noqa: F811
    ona = person(crm)
    _record(crm, ona, notice_id)
    at = T0 + dt.timedelta(hours=1)
    decide = crm.privacy.can_contact
    assert decide(
        ona, purpose="newsletter", channel="email", at=at, contact_point_ref=EMAIL
    ).allowed
    crm.privacy.record(
        ona,
        purpose="newsletter",
        channel="email",
        state="withdrawn",
        now=at,
        contact_point_ref=EMAIL,
    )
    later = at + dt.timedelta(minutes=1)
    assert not decide(
        ona, purpose="newsletter", channel="email", at=later, contact_point_ref=EMAIL
    ).allowed
    states = _raw(crm, "SELECT contact_point_ref, state FROM consent_states")
    assert [state for _, state in states] == ["withdrawn"]
    assert all(str(point).startswith("hmac:") for point, _ in states)


def test_destroying_the_key_erases_every_personal_value_and_chains_still_verify(
    crm: gc.CRM,
    notice_id: str,  # noqa: F811
) -> None:
    ona = person(crm)
    event = _record(crm, ona, notice_id)
    before = _raw(crm, "SELECT document, entry_hash FROM consent_events")
    with UnitOfWork(crm._engine, crm.tenant) as uow:
        assert uow.subject_keys.destroy(ona.id, at=T0 + dt.timedelta(days=1)) == 1
    assert _raw(crm, "SELECT key, wrapped_key FROM subject_keys") == [(None, None)]
    assert _raw(crm, "SELECT document, entry_hash FROM consent_events") == before
    shredded = crm.privacy.history(ona)[0]
    assert (shredded.contact_point_ref, shredded.collection_point) == (ERASED, ERASED)
    assert crm.privacy.evidence(event.event_id) == ERASED
    assert crm.privacy.verify().ok
    # a withdrawal is still recorded after erasure; without personal values it needs no key
    crm.privacy.record(
        ona, purpose="newsletter", channel="email", state="withdrawn", now=T0 + dt.timedelta(days=2)
    )
    assert crm.privacy.verify().ok


def test_legacy_clear_keys_are_read_then_rewrapped_and_a_kek_rotates(
    crm: gc.CRM,
    notice_id: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ona = person(crm)
    event = _record(crm, ona, notice_id)
    url = crm._engine.url.render_as_string(hide_password=False)
    # a key as schema 0004 stored it: in clear, not wrapped
    with UnitOfWork(crm._engine, crm.tenant) as uow:
        key = uow.subject_keys.live(ona.id, provider=crm._context.key_provider, create=False)
        assert key is not None and key.key is not None
        k = tables.subject_keys.c
        assert uow.session is not None
        uow.session.execute(
            update(tables.subject_keys).values(key=key.key, wrapped_key=None, kek_id=None)
        )
    assert crm.privacy.evidence(event.event_id)["ip"] == IP  # legacy keys are read
    monkeypatch.setenv("OLD_KEK", generate_kek())
    old = gc.open(url, key_provider=EnvKeyProvider("OLD_KEK"))
    assert old.privacy.rewrap_keys() == 1
    assert old.privacy.rewrap_keys() == 0
    old.close()
    with crm._engine.connect() as connection:
        row = connection.execute(select(k.key, k.kek_id)).one()
    assert row[0] is None and row[1] == EnvKeyProvider("OLD_KEK").kek_id
    monkeypatch.setenv("NEW_KEK", generate_kek())
    new = gc.open(url, key_provider=EnvKeyProvider("NEW_KEK", retired=("OLD_KEK",)))
    assert new.privacy.rewrap_keys() == 1
    new.close()
    only_new = gc.open(url, key_provider=EnvKeyProvider("NEW_KEK"))
    try:
        assert only_new.privacy.evidence(event.event_id)["ip"] == IP
        assert only_new.privacy.audit_entries()[-1].action == "keys.rewrapped"
    finally:
        only_new.close()


def test_open_picks_a_documented_key_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GLOBALCRM_KEK", raising=False)
    monkeypatch.delenv("GLOBALCRM_KEY_DIR", raising=False)
    memory = gc.open("sqlite://")
    assert isinstance(memory._context.key_provider, EphemeralKeyProvider)
    memory.close()
    db = tmp_path / "shop.db"
    on_disk = gc.open(f"sqlite:///{db}")
    provider = on_disk._context.key_provider
    assert isinstance(provider, LocalKeyFile) and provider.path == tmp_path / "shop.db.kek"
    assert not provider.path.exists()  # made on first use only
    on_disk.close()
    monkeypatch.setenv("GLOBALCRM_KEK", generate_kek())
    from_env = gc.open(f"sqlite:///{db}")
    assert isinstance(from_env._context.key_provider, EnvKeyProvider)
    assert isinstance(from_env.for_tenant("other")._context.key_provider, EnvKeyProvider)
    from_env.close()
    with pytest.raises(gc.InvalidInput) as wrong:
        gc.open("sqlite://", key_provider="not a provider")  # type: ignore[arg-type]
    assert wrong.value.field == "key_provider"


def test_a_wrapped_key_copied_to_another_customer_does_not_unwrap(
    crm: gc.CRM,
    notice_id: str,  # noqa: F811
) -> None:
    ona, jonas = person(crm), person(crm)
    _record(crm, ona, notice_id)
    theirs = _record(crm, jonas, notice_id)
    k = tables.subject_keys.c
    with crm._engine.begin() as connection:
        stolen = connection.execute(select(k.wrapped_key).where(k.subject_ref == ona.id)).scalar()
        connection.execute(
            update(tables.subject_keys).where(k.subject_ref == jonas.id).values(wrapped_key=stolen)
        )
    with pytest.raises(gc.ConfigurationError):
        crm.privacy.evidence(theirs.event_id)
