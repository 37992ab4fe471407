"""Consent, privacy rights and the tamper-evident audit log.

Modules: :mod:`~globalcrm.privacy.consent` (everything about consent in one import: purposes,
events, the replayed state, the rules, the ledger, evidence, double opt-in; each part in its own
module), :mod:`~globalcrm.privacy.key_wrapping` (the key-encryption key that wraps every subject
key), :mod:`~globalcrm.privacy.chains` (heads, links, checkpoints of both hash chains),
:mod:`~globalcrm.privacy.notices` (versioned, hashed notices),
:mod:`~globalcrm.privacy.regimes` (eleven regimes as cited data, ages of digital consent),
:mod:`~globalcrm.privacy.audit_log` (hash chain + RFC 6962 Merkle proofs; also importable as
``globalcrm.privacy.audit``), :mod:`~globalcrm.privacy.receipts` (Kantara CR 1.1, ISO/IEC TS
27560 records) and :mod:`~globalcrm.privacy.tcf` (IAB TCF v2 TC-string decoding).

``fold`` is the deprecated name of :func:`~globalcrm.privacy.projection.replay` (kept, silent).
"""

from globalcrm.privacy import (
    audit,
    audit_log,
    chains,
    consent,
    events,
    evidence,
    key_wrapping,
    ledger,
    notices,
    opt_in,
    projection,
    purposes,
    receipts,
    regimes,
    rules,
    tcf,
)
from globalcrm.privacy.audit_log import (
    AuditEntry,
    AuditLog,
    Checkpoint,
    leaf_hash,
    merkle_root,
    verify_chain,
    verify_consistency,
    verify_inclusion,
)
from globalcrm.privacy.chains import StoreCheckpoint, StoreVerification
from globalcrm.privacy.consent import (
    ConsentEvent,
    ConsentLedger,
    ConsentStatus,
    Decision,
    Projection,
    Purpose,
    Subject,
    SubjectKey,
    TokenChallenge,
    can_contact,
    check_event,
    fold,
    issue_token,
    redeem_token,
    replay,
)
from globalcrm.privacy.key_wrapping import (
    EnvKeyProvider,
    EphemeralKeyProvider,
    KeyProvider,
    LocalKeyFile,
)
from globalcrm.privacy.notices import NoticeVersion, publish_notice, verify_notice
from globalcrm.privacy.receipts import ConsentReceipt, from_kantara, to_kantara
from globalcrm.privacy.regimes import age_of_consent, age_on, is_minor, regime

__all__ = [
    "AuditEntry",
    "AuditLog",
    "Checkpoint",
    "ConsentEvent",
    "ConsentLedger",
    "ConsentReceipt",
    "ConsentStatus",
    "Decision",
    "EnvKeyProvider",
    "EphemeralKeyProvider",
    "KeyProvider",
    "LocalKeyFile",
    "NoticeVersion",
    "Projection",
    "Purpose",
    "StoreCheckpoint",
    "StoreVerification",
    "Subject",
    "SubjectKey",
    "TokenChallenge",
    "age_of_consent",
    "age_on",
    "audit",
    "audit_log",
    "can_contact",
    "chains",
    "check_event",
    "consent",
    "events",
    "evidence",
    "fold",
    "from_kantara",
    "is_minor",
    "issue_token",
    "key_wrapping",
    "leaf_hash",
    "ledger",
    "merkle_root",
    "notices",
    "opt_in",
    "projection",
    "publish_notice",
    "purposes",
    "receipts",
    "redeem_token",
    "regime",
    "regimes",
    "replay",
    "rules",
    "tcf",
    "to_kantara",
    "verify_chain",
    "verify_consistency",
    "verify_inclusion",
    "verify_notice",
]
