"""The service desk: teams, SLA policies and cases."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
)

from globalcrm.storage.column_types import (
    JSONOf,
    UTCDateTime,
    codes_type,
    json_type,
)
from globalcrm.storage.tables.schema import (
    classified,
    desk_config,
    metadata,
)

# --------------------------------------------------------------------------- customer service
# Teams, SLA policies and cases. A case is about its customer and goes with them on erasure.

def _case_events_type() -> JSONOf:
    from globalcrm.cases import CaseEvent

    return JSONOf(
        lambda events: [event.to_json() for event in events],
        lambda items: tuple(CaseEvent.from_json(item) for item in items),
    )


teams = Table(
    "teams",
    metadata,
    Column("tenant", String(64), primary_key=True, info=desk_config()),
    Column("key", String(64), primary_key=True, info=desk_config()),
    Column("name", String(200), nullable=False, info=desk_config()),
    # languages, regions, business hours, agent references (staff, not customers), SLA policy
    Column("document", json_type(), nullable=False, info=desk_config("identifier")),
    Column("last_agent", String(200), nullable=True, info=desk_config("identifier")),
)
"""Support teams; ``last_agent`` is where round-robin assignment stands."""

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("tenant", String(64), primary_key=True, info=desk_config()),
    Column("key", String(64), primary_key=True, info=desk_config()),
    Column("document", json_type(), nullable=False, info=desk_config()),
)
"""SLA policies: their targets as a JSON document."""


def _case(kind: str, *, export: bool = True) -> dict[str, object]:
    return classified(kind, export=export, erase="delete")


cases = Table(
    "cases",
    metadata,
    Column("id", String(26), primary_key=True, info=_case("identifier")),
    Column("tenant", String(64), nullable=False, info=_case("none", export=False)),
    Column("customer_id", String(26), nullable=False, info=_case("identifier")),
    Column("conversation", String(200), nullable=False, info=_case("identifier")),
    Column("channel", String(32), nullable=False, info=_case("preference")),
    Column("status", String(32), nullable=False, info=_case("none")),
    Column("priority", String(16), nullable=False, info=_case("none")),
    Column("team", String(64), nullable=True, info=_case("none")),
    Column("agent", String(200), nullable=True, info=_case("identifier")),
    Column("tags", codes_type(), nullable=False, info=_case("content")),
    Column("language", String(35), nullable=True, info=_case("demographic")),
    Column("subject", String(1000), nullable=True, info=_case("content")),
    Column("purpose", String(64), nullable=True, info=_case("none")),
    Column("tier", String(64), nullable=True, info=_case("preference")),
    Column("sla_policy", String(64), nullable=True, info=_case("none")),
    Column("opened_at", UTCDateTime(), nullable=False, info=_case("technical")),
    Column("first_response_at", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("resolved_at", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("closed_at", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("first_response_due", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("resolution_due", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("events", _case_events_type(), nullable=False, info=_case("identifier")),
    Column("updated_at", UTCDateTime(), nullable=True, info=_case("technical")),
    Column("version", Integer, nullable=False, info=_case("technical", export=False)),
    Index(None, "tenant", "status", "id"),
    Index(None, "tenant", "team", "status", "id"),
    Index(None, "tenant", "agent", "status", "id"),
    Index(None, "tenant", "customer_id", "id"),
    Index(None, "tenant", "conversation"),
    Index(None, "tenant", "first_response_due"),
    Index(None, "tenant", "resolution_due"),
    ForeignKeyConstraint(
        ["tenant", "customer_id"],
        ["customers.tenant", "customers.id"],
        name="fk_cases_tenant_customers",
        ondelete="CASCADE",
    ),
)
"""Cases: one customer matter across channels; its SLA deadlines are kept for the breach lists."""


