"""The personal-data registry of the tables declared without it: export, erasure, grounds, subjects.

Run once all tables exist (the package imports it last).
"""

from __future__ import annotations

from sqlalchemy import (
    Index,
    Table,
)

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
from globalcrm.storage.tables.customers import customer_keys, customers, interactions
from globalcrm.storage.tables.money import (
    exchange_rates,
    markets,
    price_books,
    price_bounds,
    price_entries,
)
from globalcrm.storage.tables.schema import (
    NOT_ABOUT_A_PERSON,
)
from globalcrm.storage.tables.service import cases

# --------------------------------------------------------------------------- erasure registry
# Issue 16: what a data-subject access export and an erasure do with every column declared above
# without saying it (``export``, ``erase``, ``ground`` for what is kept), and which column finds
# a table's rows for a subject (``subject``: True on that column). Tables added later declare
# these where their columns are; ``globalcrm.storage.personal_data`` reads the registry and a
# test fails on a column or a table it cannot place.


_LEDGER_GROUND = (
    "GDPR art. 7(1): the controller must be able to demonstrate consent, and the hash chain "
    "proves the ledger unaltered; the personal values are sealed under the subject's key, "
    "which erasure destroys"
)
_AUDIT_GROUND = (
    "GDPR art. 5(2) and 30: accountability; the hash chain proves the log unaltered; "
    "entries hold ids and facts, personal values only sealed under the subject's key"
)
_KEY_GROUND = "GDPR art. 5(2): proof of crypto-shredding (which key was destroyed, and when)"


def _register(
    table: Table,
    *,
    export: bool,
    erase: str,
    ground: str | None = None,
    subject: str | None = None,
    columns: dict[str, dict[str, object]] | None = None,
) -> None:
    """Complete ``Column.info`` of ``table`` (defaults, then per-column overrides)."""
    for column in table.columns:
        info = {"export": export, "erase": erase}
        if ground is not None:
            info["ground"] = ground
        info.update((columns or {}).get(column.name, {}))
        if info["erase"] != "keep":
            info.pop("ground", None)
        column.info.update(info)
    if subject is not None:
        table.c[subject].info["subject"] = True


_NO_EXPORT: dict[str, object] = {"export": False}
_register(customers, export=True, erase="delete", subject="id", columns={"tenant": _NO_EXPORT})
# derived search keys: the customer row holds the same values, and the export has it
_register(customer_keys, export=False, erase="delete", subject="customer_id")
# the agent is staff, not the subject: redacted from the export
_register(
    interactions,
    export=True,
    erase="delete",
    subject="customer_id",
    columns={"tenant": _NO_EXPORT, "agent": _NO_EXPORT},
)
for _table in (exchange_rates, price_books, markets, price_entries, price_bounds, purposes,
               notices, ledger_heads):
    _register(_table, export=False, erase="keep", ground=NOT_ABOUT_A_PERSON)
_SHRED: dict[str, object] = {"erase": "shred"}
_register(
    consent_events,
    export=True,
    erase="keep",
    ground=_LEDGER_GROUND,
    subject="subject_ref",
    columns={"tenant": _NO_EXPORT, "document": _SHRED, "contact_point_ref": _SHRED},
)
_register(
    consent_states,
    export=True,
    erase="keep",
    ground="the projection of the kept consent ledger: erasure ends every consent first",
    subject="subject_ref",
    columns={"tenant": _NO_EXPORT, "contact_point_ref": _SHRED},
)
_register(
    subject_keys,
    export=False,
    erase="keep",
    ground=_KEY_GROUND,
    subject="subject_ref",
    columns={"key": {"erase": "null"}, "wrapped_key": {"erase": "null"}},
)
_register(opt_in_tokens, export=True, erase="delete", subject="subject_ref",
          columns={"tenant": _NO_EXPORT, "token_sha256": _NO_EXPORT})
_register(
    audit_entries,
    export=True,
    erase="keep",
    ground=_AUDIT_GROUND,
    subject="subject_ref",
    columns={"tenant": _NO_EXPORT, "sealed": _SHRED, "actor_ref": _NO_EXPORT},
)
# staff references on cases are other people's data: redacted from the export
cases.c.agent.info["export"] = False
# export and erasure find a subject's audit entries and tokens without scanning the tenant's
Index(None, audit_entries.c.tenant, audit_entries.c.subject_ref)
Index(None, opt_in_tokens.c.tenant, opt_in_tokens.c.subject_ref)
