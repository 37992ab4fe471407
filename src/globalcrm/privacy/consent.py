"""Consent as an append-only ledger, in one import: purposes, events, state, rules, opt-in.

The parts live in modules named for what they hold, and are all importable from here (and the
main ones from :mod:`globalcrm.privacy`):

* :mod:`~globalcrm.privacy.purposes`: :class:`Purpose`, versioned and immutable once active;
  superseding it with ``material_change=True`` makes earlier consents "renewal required".
* :mod:`~globalcrm.privacy.events`: :class:`ConsentEvent`, never changed or deleted (ISO/IEC TS
  27560:2023 event fields, W3C DPV 2.3 states and types: https://w3id.org/dpv).
* :mod:`~globalcrm.privacy.projection`: :func:`replay` of the ledger, ordered by
  ``(occurred_at, seq)``, so an older event that arrives late cannot override a newer one;
  :class:`Projection` keeps the same state incrementally. ``fold`` is a deprecated alias.
* :mod:`~globalcrm.privacy.rules`: :func:`check_event` and :func:`can_contact`, which answers with
  a :class:`Decision`: allowed, why, which event and which rule.
* :mod:`~globalcrm.privacy.ledger`: the hash-chained :class:`ConsentLedger` in memory.
* :mod:`~globalcrm.privacy.evidence`: evidence (IP, user agent, the raw TC string ...) and the
  other personal values sealed with AES-256-GCM under the customer's own :class:`SubjectKey`;
  destroying that key crypto-shreds them while hashes stay valid.
* :mod:`~globalcrm.privacy.opt_in`: double opt-in and unsubscribe tokens, stored only as SHA-256.

```pycon
>>> import datetime as dt
>>> t0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
>>> news = Purpose("newsletter", 1, name="Newsletter", dpv_purpose="DirectMarketing",
...                legal_basis={"eu-gdpr": "consent"}, channels=("email",))
>>> news.activate()
>>> given = ConsentEvent(subject_ref="s-1", purpose_key="newsletter", purpose_version=1,
...                      channel="email", state="given", consent_type="expressed",
...                      occurred_at=t0, event_id="e-1")
>>> can_contact([given], news, "email", t0 + dt.timedelta(days=1))
Decision(allowed=True, reason='consent given', event_id='e-1', rule='consent')
>>> withdrawn = ConsentEvent(subject_ref="s-1", purpose_key="newsletter", purpose_version=1,
...                          channel="email", state="withdrawn", consent_type="expressed",
...                          occurred_at=t0 + dt.timedelta(days=2), event_id="e-2")
>>> can_contact([given, withdrawn], news, "email", t0 + dt.timedelta(days=3)).rule
'state_withdrawn'

```
"""

from __future__ import annotations

from globalcrm.privacy.events import (
    AGE_ASSURANCE,
    ASKING,
    COLLECTION_METHODS,
    DPV_CONSENT_STATUS,
    GRANTS,
    PERSONAL_FIELDS,
    STATES,
    ConsentEvent,
)
from globalcrm.privacy.evidence import (
    ERASED,
    MAX_EVIDENCE_BYTES,
    SealedEvidence,
    SubjectKey,
    keyed_digest,
    open_evidence,
    seal_evidence,
    tcf_evidence,
)
from globalcrm.privacy.ledger import ConsentLedger, verify_ledger
from globalcrm.privacy.opt_in import (
    TOKEN_KINDS,
    TOKEN_STATUSES,
    TokenChallenge,
    issue_token,
    redeem_token,
    token_hash,
)
from globalcrm.privacy.projection import (
    ConsentStatus,
    Projection,
    StatusKey,
    advance,
    fold,
    replay,
)
from globalcrm.privacy.purposes import (
    CATEGORIES,
    CONSENT_TYPES,
    PURPOSE_STATUSES,
    Purpose,
    add_duration,
    dpv_purposes,
)
from globalcrm.privacy.rules import (
    Decision,
    Subject,
    can_contact,
    check_event,
    minor_sale,
    status,
)

__all__ = [
    "AGE_ASSURANCE",
    "ASKING",
    "CATEGORIES",
    "COLLECTION_METHODS",
    "CONSENT_TYPES",
    "DPV_CONSENT_STATUS",
    "ERASED",
    "GRANTS",
    "MAX_EVIDENCE_BYTES",
    "PERSONAL_FIELDS",
    "PURPOSE_STATUSES",
    "STATES",
    "TOKEN_KINDS",
    "TOKEN_STATUSES",
    "ConsentEvent",
    "ConsentLedger",
    "ConsentStatus",
    "Decision",
    "Projection",
    "Purpose",
    "SealedEvidence",
    "StatusKey",
    "Subject",
    "SubjectKey",
    "TokenChallenge",
    "add_duration",
    "advance",
    "can_contact",
    "check_event",
    "dpv_purposes",
    "fold",
    "issue_token",
    "keyed_digest",
    "minor_sale",
    "open_evidence",
    "redeem_token",
    "replay",
    "seal_evidence",
    "status",
    "tcf_evidence",
    "token_hash",
    "verify_ledger",
]
