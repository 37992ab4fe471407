"""Audit log: hash chain tamper detection, Merkle proofs, canonical bytes (scenarios 35-36)."""

from __future__ import annotations

import datetime as dt
import hashlib

import attrs
import pytest

from globalcrm.errors import GlobalCRMError, InvalidFormat, NotFound
from globalcrm.privacy import audit, audit_log
from globalcrm.privacy.audit_log import AuditLog, canonical_json, commit, verify_chain

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
SECRET = b"tenant-secret-0123456789abcdef"


def make_log(n: int = 6) -> AuditLog:
    log = AuditLog()
    for i in range(n):
        log.append(
            T0 + dt.timedelta(minutes=i),
            actor_kind="staff",
            actor_ref=f"u-{i % 2}",
            action="consent.recorded",
            entity_type="consent_event",
            entity_ref=f"e-{i}",
            subject_ref="s-1",
            payload={"purpose": "newsletter", "n": i},
            sealed={"email": "hmac:" + commit(SECRET, f"person{i}@example.com")},
            entry_id=f"a-{i}",
        )
    return log


def test_clean_chain_verifies() -> None:
    log = make_log()
    assert log.verify() is None
    assert [e.seq for e in log.entries] == list(range(6))
    assert log.entries[0].prev_hash == audit_log.GENESIS_HASH
    assert all(
        b.prev_hash == a.entry_hash for a, b in zip(log.entries, log.entries[1:], strict=False)
    )


def test_35_edit_is_reported_at_the_edited_entry() -> None:
    log = make_log()
    log.entries[3] = attrs.evolve(log.entries[3], payload={"purpose": "profiling", "n": 3})
    assert verify_chain(log.entries) == 3


def test_35_deleted_row_is_reported_where_the_gap_starts() -> None:
    log = make_log()
    del log.entries[2]
    assert verify_chain(log.entries) == 2


def test_35_swapped_rows_are_reported() -> None:
    log = make_log()
    log.entries[1], log.entries[4] = log.entries[4], log.entries[1]
    assert verify_chain(log.entries) == 1


def test_35_truncation_needs_a_checkpoint() -> None:
    log = make_log()
    checkpoint = log.checkpoint()
    truncated = log.entries[:4]
    assert verify_chain(truncated) is None  # a chain alone cannot see a cut tail
    assert verify_chain(truncated, checkpoint=checkpoint) == 4
    assert verify_chain(log.entries, checkpoint=checkpoint) is None


def test_35_rewritten_history_with_recomputed_hashes_breaks_the_checkpoint() -> None:
    log = make_log()
    checkpoint = log.checkpoint()
    forged = AuditLog()
    for entry in log.entries:
        forged.append(
            entry.occurred_at,
            actor_kind=entry.actor_kind,
            actor_ref="someone-else",
            action=entry.action,
            entity_type=entry.entity_type,
            entity_ref=entry.entity_ref,
            entry_id=entry.id,
        )
    assert forged.verify() is None
    assert forged.verify(checkpoint=checkpoint) == 0


def test_proofs_tie_entries_to_checkpoints() -> None:
    log = make_log(7)
    old = log.checkpoint()
    log.append(
        T0 + dt.timedelta(hours=1),
        actor_kind="system",
        actor_ref="sweeper",
        action="evidence.shredded",
        entity_type="subject_key",
        entity_ref="k-1",
    )
    new = log.checkpoint()
    proof = log.prove_consistency(old.tree_size)
    assert audit.verify_consistency(
        old.tree_size, new.tree_size, old.root_hash, new.root_hash, proof
    )
    leaf = audit.leaf_hash(log.entries[5].canonical_bytes())
    path = log.prove_inclusion(5)
    assert audit.verify_inclusion(leaf, 5, new.tree_size, path, new.root_hash)
    assert not audit.verify_inclusion(leaf, 4, new.tree_size, path, new.root_hash)
    with pytest.raises(NotFound):
        log.prove_inclusion(99)


@pytest.mark.parametrize("size", range(1, 18))
def test_generated_proofs_verify_for_every_size(size: int) -> None:
    entries = [bytes([i]) * (i % 5) for i in range(size)]
    root = audit_log.merkle_root(entries)
    for index in range(size):
        proof = audit_log.inclusion_proof(entries, index)
        assert audit_log.verify_inclusion(
            audit_log.leaf_hash(entries[index]), index, size, proof, root
        )
    for first in range(size + 1):
        proof = audit_log.consistency_proof(entries, first)
        old = audit_log.merkle_root(entries[:first])
        assert audit_log.verify_consistency(first, size, old, root, proof)
        if first not in (0, size):
            assert not audit_log.verify_consistency(first, size, root, old, proof)


def test_invalid_proof_input_returns_false_never_raises() -> None:
    good = hashlib.sha256(b"x").digest()
    assert not audit_log.verify_inclusion(good, -1, 1, [], good)
    assert not audit_log.verify_inclusion(good, 0, 1, [b"short"], good)
    assert not audit_log.verify_inclusion(None, 0, 1, [], good)  # type: ignore[arg-type]
    assert not audit_log.verify_inclusion(good, True, 2, [good], good)  # bool is not an index
    assert not audit_log.verify_consistency(2, 1, good, good, [])
    assert not audit_log.verify_consistency("1", 2, good, good, [good])  # type: ignore[arg-type]
    assert audit_log.verify_inclusion(good, 0, 1, [], good)  # one leaf: the root is the leaf
    assert not audit_log.verify_inclusion(good, 0, 1, [], bytes(32))
    assert audit_log.verify_consistency(1, 1, good, good, [])


def test_36_canonical_bytes_are_stable() -> None:
    composed = {
        "name": "Jūratė",
        "at": dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    }
    decomposed = {"at": dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC), "name": "Ju\u0304rate\u0307"}
    assert canonical_json(composed) == canonical_json(decomposed)
    assert (
        canonical_json(composed) == '{"at":"2026-03-01T00:00:00.000000Z","name":"Jūratė"}'.encode()
    )
    entry = make_log(1).entries[0]
    # pinned: a change here breaks every stored chain (Python- and database-independent bytes)
    assert hashlib.sha256(entry.canonical_bytes()).hexdigest() == (
        hashlib.sha256(canonical_json(entry.content())).hexdigest()
    )
    assert entry.canonical_bytes().startswith(b'{"action":"consent.recorded","actor_kind":"staff"')
    with pytest.raises(InvalidFormat):
        canonical_json({"amount": 1.5})


def test_personal_values_must_be_sealed_and_erasure_keeps_the_chain() -> None:
    log = make_log(2)
    with pytest.raises(InvalidFormat) as plain:
        log.append(
            T0,
            actor_kind="staff",
            actor_ref="u-1",
            action="x",
            entity_type="y",
            entity_ref="z",
            sealed={"email": "ada@example.com"},
        )
    assert plain.value.field == "sealed.email"
    assert "ada@example.com" not in str(plain.value)
    # the commitment proves a value without storing it
    assert log.entries[0].sealed["email"] == "hmac:" + commit(SECRET, "person0@example.com")
    assert log.verify() is None


def test_commit_needs_a_real_secret() -> None:
    with pytest.raises(GlobalCRMError):
        commit(b"short", "x")
    assert commit(SECRET, "e\u0301") == commit(SECRET, "é")
