"""Data-subject rights: the erasure log, suppressions, legal holds, retention policies, requests."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from globalcrm.storage.column_types import (
    UTCDateTime,
    codes_type,
    json_type,
)
from globalcrm.storage.tables.schema import (
    NOT_ABOUT_A_PERSON,
    classified,
    desk_config,
    metadata,
)

_ERASURE_LOG = (
    "GDPR art. 5(2), 17 and 19: proof that the erasure was done, and what re-applies it after "
    "a restore from backup; it holds the customer's id and counts, no personal values"
)

erasures = Table(
    "erasures",
    metadata,
    Column("tenant", String(64), primary_key=True,
           info=classified("none", export=False, erase="keep", ground=_ERASURE_LOG)),
    Column("subject_ref", String(200), primary_key=True,
           info={**classified("identifier", export=True, erase="keep", ground=_ERASURE_LOG),
                 "subject": True}),
    # erased, or restricted (a legal hold kept everything)
    Column("status", String(16), nullable=False,
           info=classified("none", export=True, erase="keep", ground=_ERASURE_LOG)),
    Column("erased_at", UTCDateTime(), nullable=False,
           info=classified("technical", export=True, erase="keep", ground=_ERASURE_LOG)),
    Column("request_ref", String(200), nullable=True,
           info=classified("identifier", export=True, erase="keep", ground=_ERASURE_LOG)),
    # the ErasureReport as JSON: counts per table, kept categories and their grounds
    Column("report", json_type(), nullable=False,
           info=classified("none", export=True, erase="keep", ground=_ERASURE_LOG)),
)
"""One row per erased (or restricted) subject: the tombstone ``replay_erasures`` re-applies."""

_SUPPRESSION = (
    "do not contact: GDPR art. 17(2) and 21(3); a keyed digest of the address, never the "
    "address, so a later import or add of it is flagged"
)

suppressions = Table(
    "suppressions",
    metadata,
    Column("tenant", String(64), primary_key=True,
           info=classified("none", export=False, erase="keep", ground=_SUPPRESSION)),
    # ``hmac:<hex>`` of the normalised e-mail address or E.164 number under the tenant's secret
    Column("digest", String(100), primary_key=True,
           info=classified("identifier", export=False, erase="keep", ground=_SUPPRESSION)),
    Column("kind", String(16), nullable=False,
           info=classified("none", export=False, erase="keep", ground=_SUPPRESSION)),
    Column("created_at", UTCDateTime(), nullable=False,
           info=classified("technical", export=False, erase="keep", ground=_SUPPRESSION)),
)
"""Hashed e-mail addresses and phone numbers of erased customers (no link to the subject)."""

_HOLD_GROUND = "GDPR art. 17(3)(e) and 18(2): kept for legal claims while the hold lasts"

legal_holds = Table(
    "legal_holds",
    metadata,
    Column("id", String(26), primary_key=True,
           info=classified("identifier", export=True, erase="keep", ground=_HOLD_GROUND)),
    Column("tenant", String(64), nullable=False,
           info=classified("none", export=False, erase="keep", ground=_HOLD_GROUND)),
    Column("subject_ref", String(200), nullable=False,
           info={**classified("identifier", export=True, erase="keep", ground=_HOLD_GROUND),
                 "subject": True}),
    Column("reason", String(500), nullable=False,
           info=classified("content", export=True, erase="keep", ground=_HOLD_GROUND)),
    Column("cite", String(300), nullable=False,
           info=classified("none", export=True, erase="keep", ground=_HOLD_GROUND)),
    Column("placed_at", UTCDateTime(), nullable=False,
           info=classified("technical", export=True, erase="keep", ground=_HOLD_GROUND)),
    Column("released_at", UTCDateTime(), nullable=True,
           info=classified("technical", export=True, erase="keep", ground=_HOLD_GROUND)),
    Index(None, "tenant", "subject_ref"),
)
"""Legal holds: while one applies, erasure restricts the subject instead of erasing."""

retention_policies = Table(
    "retention_policies",
    metadata,
    Column("tenant", String(64), primary_key=True,
           info=classified("none", export=False, erase="keep", ground=NOT_ABOUT_A_PERSON)),
    Column("name", String(64), primary_key=True,
           info=classified("none", export=False, erase="keep", ground=NOT_ABOUT_A_PERSON)),
    Column("document", json_type(), nullable=False,
           info=classified("none", export=False, erase="keep", ground=NOT_ABOUT_A_PERSON)),
)
"""Stored retention policies (``globalcrm.privacy.retention.RetentionPolicy`` as JSON)."""

retention_notices = Table(
    "retention_notices",
    metadata,
    Column("id", String(26), primary_key=True,
           info=classified("identifier", export=True, erase="delete")),
    Column("tenant", String(64), nullable=False,
           info=classified("none", export=False, erase="delete")),
    # the policy whose act was announced (a policy's name: a code)
    Column("policy", String(64), nullable=False,
           info=classified("none", export=True, erase="delete")),
    Column("subject_ref", String(200), nullable=False,
           info={**classified("identifier", export=True, erase="delete"), "subject": True}),
    Column("noticed_at", UTCDateTime(), nullable=False,
           info=classified("technical", export=True, erase="delete")),
    # the earliest instant the act may happen: the period's end, or the pre-notice after
    # ``noticed_at`` when the notice went out late
    Column("due_at", UTCDateTime(), nullable=False,
           info=classified("technical", export=True, erase="delete")),
    Index(None, "tenant", "policy", "subject_ref", "noticed_at"),
)
"""Pre-erasure notices a retention sweep recorded (India's DPDP: 48 hours before erasing):
the act waits until the pre-notice has run from ``noticed_at``. Erasure deletes a subject's."""

# --------------------------------------------------------------------------- data-subject requests
# Issue 16: requests, their append-only history, and the controller's legal calendars. A request
# is the controller's record of how a right was answered (GDPR Arts. 5(2), 12; 11 CCR §7101),
# kept after the subject is erased; what may name a person (the requester's contact, free text)
# is nulled then. No foreign key to customers: the record outlives the customer row.

_REQUEST_RECORDS = (
    "accountability: the record of a data-subject request and how it was answered "
    "(GDPR Arts. 5(2), 12; 11 CCR §7101 keeps request records 24 months)"
)


def _request_record(kind: str, *, export: bool = True) -> dict[str, object]:
    return classified(kind, export=export, erase="keep", ground=_REQUEST_RECORDS)


legal_calendars = Table(
    "legal_calendars",
    metadata,
    Column("tenant", String(64), primary_key=True, info=desk_config()),
    # '' for the controller's own calendar; a regime code for a regime counted elsewhere
    Column("regime", String(16), primary_key=True, info=desk_config()),
    Column("time_zone", String(64), nullable=False, info=desk_config()),
    Column("country", String(2), nullable=True, info=desk_config()),
    Column("subdivision", String(10), nullable=True, info=desk_config()),
    Column("updated_at", UTCDateTime(), nullable=False, info=desk_config("technical")),
)
"""The controller's legal calendar (time zone, public holidays) per tenant, and per regime."""

privacy_requests = Table(
    "privacy_requests",
    metadata,
    Column("id", String(26), primary_key=True, info=_request_record("identifier")),
    Column("tenant", String(64), nullable=False, info=_request_record("none", export=False)),
    Column("customer_id", String(26), nullable=True, info=_request_record("identifier")),
    # how to reach a requester not (yet) identified: an email, a phone, a postal address
    Column(
        "requester",
        String(320),
        nullable=True,
        info=classified("contact", export=True, erase="null"),
    ),
    Column("right", String(32), nullable=False, info=_request_record("none")),
    Column("regimes", codes_type(), nullable=False, info=_request_record("none")),
    Column("channel", String(32), nullable=False, info=_request_record("none")),
    Column("received_at", UTCDateTime(), nullable=False, info=_request_record("technical")),
    # the controller's calendar the request is counted in, and any regime's own
    Column("calendars", json_type(), nullable=False, info=_request_record("none")),
    Column("status", String(16), nullable=False, info=_request_record("none")),
    # the due instant while the clock runs (NULL while paused, once closed, or uncounted):
    # what the overdue and due-soon lists query
    Column("due_at", UTCDateTime(), nullable=True, info=_request_record("technical")),
    Column("due_regime", String(16), nullable=True, info=_request_record("none")),
    # each counted regime's own due instant, for the lists' deemed-refusal flags
    Column("deadlines", json_type(), nullable=False, info=_request_record("technical")),
    Column("closed_at", UTCDateTime(), nullable=True, info=_request_record("technical")),
    Column("version", Integer, nullable=False, info=_request_record("technical", export=False)),
    # when a retention policy emptied the request's personal values (migration 0016)
    Column("anonymised_at", UTCDateTime(), nullable=True, info=_request_record("technical")),
    Index(None, "tenant", "due_at", "id"),
    Index(None, "tenant", "customer_id"),
)
"""Data-subject requests: right, regimes, receipt, the calendar, status and the stored due date."""

privacy_request_events = Table(
    "privacy_request_events",
    metadata,
    Column(
        "request_id",
        String(26),
        ForeignKey("privacy_requests.id", ondelete="CASCADE"),
        primary_key=True,
        info=_request_record("identifier"),
    ),
    Column("position", Integer, primary_key=True, info=_request_record("none")),
    Column("tenant", String(64), nullable=False, info=_request_record("none", export=False)),
    # the request's customer, copied so that erasure finds the history's free text
    Column("customer_id", String(26), nullable=True, info=_request_record("identifier")),
    Column("kind", String(32), nullable=False, info=_request_record("none")),
    Column("at", UTCDateTime(), nullable=False, info=_request_record("technical")),
    # codes, instants and citations of the step (method, reason, ground, notice sent)
    Column("detail", json_type(), nullable=False, info=_request_record("none")),
    # free text (an extension's reason, a summary of the answer): may name people
    Column("note", Text, nullable=True, info=classified("content", export=True, erase="null")),
    Index(None, "tenant", "customer_id"),
)
"""Every step of a request, append-only: rows are inserted, never changed (but for the link to
the customer, set on every step once identity verification names them, and erasure's nulls)."""

