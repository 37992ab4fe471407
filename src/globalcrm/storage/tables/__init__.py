"""What the database looks like: one ``MetaData`` and every table, no classes.

Every column states its personal-data class in ``Column.info["pii"]`` (one of ``PII_CLASSES``),
what a data-subject access export and an erasure do with it (``export``, ``erase``, and for what
erasure keeps, ``ground``), and which column finds a table's rows for a subject (``subject``), so
privacy export, erasure and retention are generated from the schema; a test fails on a column
without them. One module per area; :mod:`~globalcrm.storage.tables.registry` completes the
classes of the tables declared before the registry existed, once every table is declared.
"""

from __future__ import annotations

from globalcrm.storage.tables import registry  # noqa: F401 - completes the classes, last
from globalcrm.storage.tables.consent import (
    audit_entries,
    consent_events,
    consent_states,
    ledger_heads,
    notices,
    opt_in_tokens,
    purposes,
    subject_keys,
)
from globalcrm.storage.tables.customers import (
    customer_keys,
    customer_redirects,
    customers,
    interactions,
)
from globalcrm.storage.tables.loyalty import (
    loyalty_accounts,
    loyalty_allocations,
    loyalty_entries,
    loyalty_programs,
    loyalty_tier_events,
)
from globalcrm.storage.tables.money import (
    exchange_rates,
    markets,
    price_books,
    price_bounds,
    price_entries,
)
from globalcrm.storage.tables.rights import (
    erasures,
    legal_calendars,
    legal_holds,
    privacy_request_events,
    privacy_requests,
    retention_notices,
    retention_policies,
    suppressions,
)
from globalcrm.storage.tables.sales import (
    payment_events,
    payments,
    purchase_items,
    purchase_refunds,
    purchases,
    segment_members,
    segment_snapshots,
    segments,
)
from globalcrm.storage.tables.schema import KEY_LENGTH, PII_CLASSES, metadata
from globalcrm.storage.tables.service import (
    cases,
    sla_policies,
    teams,
)
from globalcrm.storage.tables.surveys import survey_answers

__all__ = [
    "KEY_LENGTH",
    "PII_CLASSES",
    "audit_entries",
    "cases",
    "consent_events",
    "consent_states",
    "customer_keys",
    "customer_redirects",
    "customers",
    "erasures",
    "exchange_rates",
    "interactions",
    "ledger_heads",
    "legal_calendars",
    "legal_holds",
    "loyalty_accounts",
    "loyalty_allocations",
    "loyalty_entries",
    "loyalty_programs",
    "loyalty_tier_events",
    "markets",
    "metadata",
    "notices",
    "opt_in_tokens",
    "payment_events",
    "payments",
    "price_books",
    "price_bounds",
    "price_entries",
    "privacy_request_events",
    "privacy_requests",
    "purchase_items",
    "purchase_refunds",
    "purchases",
    "purposes",
    "retention_notices",
    "retention_policies",
    "segment_members",
    "segment_snapshots",
    "segments",
    "sla_policies",
    "subject_keys",
    "suppressions",
    "survey_answers",
    "teams",
]
