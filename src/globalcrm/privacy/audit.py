"""The RFC 6962 audit-log API under the name the issue uses: ``globalcrm.privacy.audit``.

Everything lives in :mod:`globalcrm.privacy.audit_log`; this module re-exports it.

```pycon
>>> from globalcrm.privacy import audit
>>> audit.merkle_root([b"x"]) == audit.leaf_hash(b"x")
True

```
"""

from __future__ import annotations

from globalcrm.privacy.audit_log import (
    AuditEntry,
    AuditLog,
    Checkpoint,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    verify_chain,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "AuditEntry",
    "AuditLog",
    "Checkpoint",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "merkle_root",
    "verify_chain",
    "verify_consistency",
    "verify_inclusion",
]
