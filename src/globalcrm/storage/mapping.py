"""Which domain class lives in which table: the only module that knows both.

Entities are ``@attrs.define(slots=False, eq=False)`` classes mapped imperatively; loading
bypasses ``__init__``, so what the store holds must already be valid (it was validated on the way
in, and the column types rebuild values through the domain constructors).
"""

from __future__ import annotations

import threading

from sqlalchemy.orm import registry

from globalcrm.cases import Case
from globalcrm.customers import Customer
from globalcrm.interactions import Interaction
from globalcrm.storage import tables

__all__ = ["map_domain", "mapper_registry"]

mapper_registry = registry(metadata=tables.metadata)
_lock = threading.Lock()
_mapped = False


def map_domain() -> None:
    """Map every domain class onto its table, once per process (idempotent, thread-safe)."""
    global _mapped
    with _lock:
        if _mapped:
            return
        mapper_registry.map_imperatively(
            Customer,
            tables.customers,
            version_id_col=tables.customers.c.version,
        )
        mapper_registry.map_imperatively(
            Interaction,
            tables.interactions,
            properties={"metadata": tables.interactions.c.meta},
            exclude_properties=["anonymised_at"],  # the retention sweep's, not the domain's
        )
        # service (issue 18): cases
        mapper_registry.map_imperatively(Case, tables.cases, version_id_col=tables.cases.c.version)
        _mapped = True
