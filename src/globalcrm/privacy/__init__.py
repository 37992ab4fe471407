"""Consent, privacy rights and the tamper-evident audit log.

Modules: :mod:`~globalcrm.privacy.consent` (purposes, the consent ledger, ``can_contact``, double
opt-in), :mod:`~globalcrm.privacy.notices` (versioned, hashed notices),
:mod:`~globalcrm.privacy.regimes` (eleven regimes as cited data, ages of digital consent),
:mod:`~globalcrm.privacy.audit_log` (hash chain + RFC 6962 Merkle proofs; also importable as
``globalcrm.privacy.audit``), :mod:`~globalcrm.privacy.receipts` (Kantara CR 1.1, ISO/IEC TS
27560 records) and :mod:`~globalcrm.privacy.tcf` (IAB TCF v2 TC-string decoding).
"""

from globalcrm.privacy import audit, audit_log, consent, notices, receipts, regimes, tcf
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
    "NoticeVersion",
    "Projection",
    "Purpose",
    "Subject",
    "SubjectKey",
    "TokenChallenge",
    "age_of_consent",
    "age_on",
    "audit",
    "audit_log",
    "can_contact",
    "check_event",
    "consent",
    "fold",
    "from_kantara",
    "is_minor",
    "issue_token",
    "leaf_hash",
    "merkle_root",
    "notices",
    "publish_notice",
    "receipts",
    "redeem_token",
    "regime",
    "regimes",
    "tcf",
    "to_kantara",
    "verify_chain",
    "verify_consistency",
    "verify_inclusion",
    "verify_notice",
]
