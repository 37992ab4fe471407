"""Subject keys and key-encryption keys: never shown, wrapped bound to their row, rotated."""

from __future__ import annotations

import base64
import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from globalcrm.errors import ConfigurationError, InvalidFormat, InvalidSignature, RuleViolation
from globalcrm.privacy import events, evidence, key_wrapping
from globalcrm.privacy.evidence import SubjectKey
from globalcrm.privacy.key_wrapping import (
    EnvKeyProvider,
    EphemeralKeyProvider,
    LocalKeyFile,
    generate_kek,
    wrap_context,
)

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _shown(secret: bytes) -> list[str]:
    """The ways key bytes could leak into text."""
    return [repr(secret), secret.hex(), base64.b64encode(secret).decode()]


def test_a_subject_key_never_appears_in_its_repr_or_str() -> None:
    key = SubjectKey.generate("s-1")
    assert key.key is not None
    for text in (repr(key), str(key), f"{key}", repr([key])):
        for form in _shown(key.key):
            assert form not in text
    assert "live=True" in repr(key)
    key.destroy(T0)
    assert "live=False" in repr(key) and key.key is None


def test_providers_never_show_their_kek(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    kek = generate_kek()
    monkeypatch.setenv("TEST_KEK", kek)
    file = LocalKeyFile(tmp_path / "crm.kek")
    file.wrap(b"k" * 32, context=b"c")
    stored = (tmp_path / "crm.kek").read_text().strip()
    for provider, secret in ((EnvKeyProvider("TEST_KEK"), kek), (file, stored)):
        assert secret not in repr(provider) and secret not in str(provider)
        assert base64.b64decode(secret).hex() not in repr(provider)
    assert key_wrapping.kek_fingerprint(base64.b64decode(kek)) == EnvKeyProvider("TEST_KEK").kek_id


def test_a_wrapped_key_unwraps_only_on_its_own_row_and_under_its_kek() -> None:
    provider, other = EphemeralKeyProvider(), EphemeralKeyProvider()
    secret = os.urandom(32)
    context = wrap_context("default", "s-1", "k-1")
    wrapped = provider.wrap(secret, context=context)
    assert secret not in wrapped
    assert provider.unwrap(wrapped, kek_id=provider.kek_id, context=context) == secret
    with pytest.raises(ConfigurationError):  # copied onto another subject's row
        provider.unwrap(
            wrapped, kek_id=provider.kek_id, context=wrap_context("default", "s-2", "k-1")
        )
    with pytest.raises(ConfigurationError):  # another KEK
        other.unwrap(wrapped, kek_id=provider.kek_id, context=context)
    with pytest.raises(ConfigurationError):
        provider.unwrap(
            wrapped[:-1] + bytes([wrapped[-1] ^ 1]), kek_id=provider.kek_id, context=context
        )


def test_env_provider_rotation_keeps_old_keys_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OLD_KEK", generate_kek())
    old = EnvKeyProvider("OLD_KEK")
    wrapped = old.wrap(b"k" * 32, context=b"c")
    monkeypatch.setenv("NEW_KEK", generate_kek())
    new = EnvKeyProvider("NEW_KEK", retired=("OLD_KEK",))
    assert new.kek_id != old.kek_id
    assert new.unwrap(wrapped, kek_id=old.kek_id, context=b"c") == b"k" * 32
    with pytest.raises(ConfigurationError):
        EnvKeyProvider("NEW_KEK").unwrap(wrapped, kek_id=old.kek_id, context=b"c")
    monkeypatch.delenv("OLD_KEK")
    with pytest.raises(ConfigurationError, match="OLD_KEK"):
        EnvKeyProvider("OLD_KEK")
    monkeypatch.setenv("BAD_KEK", "too short")
    with pytest.raises(ConfigurationError):
        EnvKeyProvider("BAD_KEK")
    monkeypatch.setenv("HEX_KEK", os.urandom(32).hex())
    assert EnvKeyProvider("HEX_KEK").kek_id.startswith("kek-")


def test_local_key_file_is_made_once_private_and_shared(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "crm.db.kek"
    first, second = LocalKeyFile(path), LocalKeyFile(path)
    with pytest.raises(ConfigurationError):  # unwrapping never makes a key file
        first.unwrap(b"x" * 40, kek_id="kek-0", context=b"c")
    assert not path.exists()
    wrapped = first.wrap(b"k" * 32, context=b"c")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert second.unwrap(wrapped, kek_id=first.kek_id, context=b"c") == b"k" * 32
    assert [p.name for p in path.parent.iterdir()] == ["crm.db.kek"]  # no temporary left


def test_default_key_file_places() -> None:
    sqlite = key_wrapping.default_key_file("sqlite", "/data/crm.db", "sqlite:////data/crm.db", {})
    assert sqlite == Path("/data/crm.db.kek")
    moved = key_wrapping.default_key_file(
        "sqlite", "/data/crm.db", "x", {"GLOBALCRM_KEY_DIR": "/keys"}
    )
    assert moved == Path("/keys/crm.db.kek")
    pg = key_wrapping.default_key_file("postgresql", "crm", "postgresql://u:***@h/crm", {})
    assert pg.parent == Path.home() / ".globalcrm" / "keys" and pg.suffix == ".kek"


def test_sealing_an_event_hides_its_personal_values_and_shredding_erases_them() -> None:
    key = SubjectKey.generate("s-1")
    event = events.ConsentEvent(
        subject_ref="s-1",
        purpose_key="newsletter",
        purpose_version=1,
        channel="email",
        state="given",
        consent_type="expressed",
        occurred_at=T0,
        contact_point_ref="ona@example.lt",
        collection_point="https://shop.example/signup?ref=ona",
        actor_kind="guardian",
        actor_ref="parent-7",
        guardian_verification="id card checked",
    )
    sealed = event.sealed(key, tenant="default")
    document = sealed.canonical_bytes()
    for value in ("ona@example.lt", "shop.example", "parent-7", "id card"):
        assert value.encode() not in document
    assert sealed.contact_point_ref is not None and sealed.contact_point_ref.startswith("hmac:")
    assert sealed.sealed_fields == events.PERSONAL_FIELDS
    assert sealed.opened(key, tenant="default") == event
    with pytest.raises(InvalidSignature):  # bound to its tenant and event
        sealed.opened(key, tenant="other")
    plain = events.ConsentEvent(**{**_fields(event), "contact_point_ref": None})
    assert plain.sealed(key, tenant="default") is plain  # nothing personal: nothing sealed
    key.destroy(T0)
    erased = sealed.opened(key, tenant="default")
    assert (erased.contact_point_ref, erased.collection_point, erased.actor_ref) == (
        evidence.ERASED,
        evidence.ERASED,
        evidence.ERASED,
    )
    assert sealed.canonical_bytes() == document  # what the hash covers does not change


def _fields(event: events.ConsentEvent) -> dict[str, object]:
    return {
        "subject_ref": event.subject_ref,
        "purpose_key": event.purpose_key,
        "purpose_version": event.purpose_version,
        "channel": event.channel,
        "state": event.state,
        "consent_type": event.consent_type,
        "occurred_at": event.occurred_at,
    }


def test_keyed_digest_is_stable_per_key_and_refuses_a_destroyed_key() -> None:
    key, other = SubjectKey.generate("s-1"), SubjectKey.generate("s-1")
    first = evidence.keyed_digest(key, "ona@example.lt", purpose="contact_point")
    assert first == evidence.keyed_digest(key, "ona@example.lt", purpose="contact_point")
    assert first != evidence.keyed_digest(other, "ona@example.lt", purpose="contact_point")
    assert first != evidence.keyed_digest(key, "ona@example.lt", purpose="other")
    key.destroy(T0)
    with pytest.raises(RuleViolation, match="destroyed"):
        evidence.keyed_digest(key, "ona@example.lt", purpose="contact_point")
    with pytest.raises(InvalidFormat):
        evidence.SealedEvidence.from_text("aesgcm:k:not base64!")
