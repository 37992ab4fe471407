"""Survey answers (CSAT, NPS, CES): anonymous statistics once the link to the person is gone."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from globalcrm.storage.column_types import UTCDateTime
from globalcrm.storage.tables.schema import classified, metadata
from globalcrm.storage.tables.service import cases

# Survey answers. Erasure unlinks an answer from its person (customer, case, purchase and the
# comment are nulled by erasure, as each column's ``erase`` in the registry says)
# and keeps the score: on its own it is anonymous, and past KPIs stay as they were. No foreign
# keys, as for purchases: the answer outlives the rows it was about.

_ANONYMOUS_STATISTICS = (
    "anonymous statistics: once the link to the person (customer, case, purchase) and the "
    "comment are removed, a score with its date, channel and team is not personal data "
    "(GDPR recital 26), so past KPIs do not change when a customer is erased"
)


def _survey(kind: str, *, export: bool = True, erase: str = "keep") -> dict[str, object]:
    """A survey answer's column: exported on access; kept (anonymous) unless it links."""
    ground = _ANONYMOUS_STATISTICS if erase == "keep" else None
    return classified(kind, export=export, erase=erase, ground=ground)


survey_answers = Table(
    "survey_answers",
    metadata,
    Column("id", String(26), primary_key=True, info=_survey("identifier")),
    Column("tenant", String(64), nullable=False, info=_survey("none", export=False)),
    Column(
        "customer_id",
        String(26),
        nullable=True,
        info=_survey("identifier", erase="null"),
    ),
    Column("kind", String(8), nullable=False, info=_survey("none")),
    Column("score", Integer, nullable=False, info=_survey("preference")),
    Column("answered_at", UTCDateTime(), nullable=False, info=_survey("technical")),
    Column(
        "case_id",
        String(26),
        nullable=True,
        info=_survey("identifier", erase="null"),
    ),
    Column(
        "purchase_id",
        String(26),
        nullable=True,
        info=_survey("identifier", erase="null"),
    ),
    Column("channel", String(32), nullable=False, info=_survey("none")),
    Column("language", String(35), nullable=True, info=_survey("demographic")),
    Column("team", String(64), nullable=True, info=_survey("none")),
    Column("tier", String(64), nullable=True, info=_survey("demographic")),
    Column("comment", Text, nullable=True, info=_survey("content", erase="null")),
    Column("recorded_at", UTCDateTime(), nullable=False, info=_survey("technical", export=False)),
    Index(None, "tenant", "answered_at"),
    Index(None, "tenant", "customer_id", "answered_at"),
    Index(None, "tenant", "case_id"),
    Index(None, "tenant", "purchase_id"),
)
"""One row per survey answer (CSAT, NPS, CES), with the team and tier it was given under."""

# KPIs count a case in the period of its resolution or first response: those ranges use these.
Index(None, cases.c.tenant, cases.c.resolved_at)
Index(None, cases.c.tenant, cases.c.first_response_at)
