"""The audit writer every area uses, and verification of both chains with checkpoints.

``record_audit`` appends one entry through the unit of work (ids and facts only, never personal
values); ``record_audits`` appends many made by ``audit_entry`` under one lock of the chain's
head. ``verify`` checks the consent ledger (and, in full, its projection) and the audit log, each
against its head and optionally against a :class:`~globalcrm.privacy.chains.StoreCheckpoint`
saved earlier outside the database; ``checkpoint`` makes one.
"""

from __future__ import annotations

from typing import Any

from globalcrm.crm._context import Context
from globalcrm.errors import InvalidFormat, InvalidInput, StorageError
from globalcrm.identifiers import new_id
from globalcrm.privacy.audit_log import AuditEntry, Checkpoint, merkle_root
from globalcrm.privacy.chains import ChainHead, StoreCheckpoint, StoreVerification
from globalcrm.storage.chain_verification import verify_audit, verify_consent
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["audit_entry", "checkpoint", "record_audit", "record_audits", "verify"]


def audit_entry(
    context: Context,
    action: str,
    entity_type: str,
    entity_ref: str,
    subject_ref: str | None,
    payload: dict[str, Any],
) -> AuditEntry:
    """A new audit entry by the context's actor, not yet chained (``record_audits`` does)."""
    return AuditEntry(
        seq=0,
        id=new_id(),
        occurred_at=context.now(),
        actor_kind=context.actor_kind,
        actor_ref=context.actor_ref,
        action=action,
        entity_type=entity_type,
        entity_ref=entity_ref,
        subject_ref=subject_ref,
        tenant=context.tenant,
        payload=payload,
    )


def record_audit(
    uow: UnitOfWork,
    context: Context,
    action: str,
    entity_type: str,
    entity_ref: str,
    subject_ref: str | None,
    payload: dict[str, Any],
) -> None:
    """Append one audit entry (ids and facts only, never personal values) in ``uow``."""
    uow.audit.append(audit_entry(context, action, entity_type, entity_ref, subject_ref, payload))


def record_audits(uow: UnitOfWork, entries: list[AuditEntry]) -> None:
    """Append entries from ``audit_entry`` in their order: one head lock and one insert."""
    uow.audit.append_many(entries)


def verify(context: Context, *, saved: StoreCheckpoint | None = None) -> StoreVerification:
    """Verify both chains (and the projection, in full), against ``saved`` if given."""
    if saved is not None:
        if not isinstance(saved, StoreCheckpoint):
            raise InvalidFormat("expected a StoreCheckpoint", field="checkpoint")
        if saved.tenant != context.tenant:
            raise InvalidInput("the checkpoint is another tenant's", field="checkpoint.tenant")
    with context.work(write=False) as uow:
        consent = verify_consent(uow.consent, pinned=None if saved is None else saved.consent)
        audit = verify_audit(
            uow.audit,
            pinned=None if saved is None else saved.audit_head,
            checkpoint=None if saved is None else saved.audit,
        )
    return StoreVerification(consent, audit, checkpoint_used=saved is not None)


def checkpoint(context: Context) -> StoreCheckpoint:
    """Pin both chains as they are now (they must verify: a checkpoint must not pin tampering).

    Raises:
        StorageError: a chain does not verify.
    """
    with context.work(write=False) as uow:
        consent = verify_consent(uow.consent)
        audit = verify_audit(uow.audit)
        if not (consent.ok and audit.ok):
            raise StorageError(
                "the chains do not verify; run `globalcrm audit verify` before a checkpoint"
            )
        consent_head = uow.consent.hold()
        audit_head = uow.audit.hold()
        leaves = [entry.canonical_bytes() for entry in uow.audit.entries()]
    return StoreCheckpoint(
        tenant=context.tenant,
        consent=ChainHead(consent_head.size, consent_head.last_hash),
        audit_head=audit_head,
        audit=Checkpoint(len(leaves), merkle_root(leaves)),
    )
