"""``can_contact`` as SQL: the audience of a purpose and channel in one query.

The same rule as :func:`globalcrm.privacy.consent.can_contact` at the channel level, evaluated
over the ledger's projection (``consent_states``); ``tests/storage/test_privacy_store.py``
proves the two agree. The query runs on the driver's cursor: an audience can be millions of ids,
and a row wrapper per id would cost more than the query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, and_, false, literal, or_, select, true
from sqlalchemy.orm import Session

from globalcrm.privacy.consent import GRANTS, Purpose
from globalcrm.storage import tables

__all__ = ["audience", "audience_query"]


def audience_query(tenant: str, purpose: Purpose, channel: str, at: dt.datetime) -> Select[Any]:
    """The ``SELECT`` of customer ids that ``can_contact`` allows: the rule as SQL."""
    c = tables.customers.c
    s = tables.consent_states.c
    if purpose.status == "draft" or (purpose.channels and channel not in purpose.channels):
        return select(c.id).where(false())
    state = and_(
        s.tenant == tenant,
        s.subject_ref == c.id,
        s.purpose_key == purpose.key,
        s.channel == channel,
        s.contact_point_ref == "",
    )
    if not purpose.requires_consent:
        blocked = select(literal(1)).where(
            state, or_(s.objection.is_(True), s.state.in_(("withdrawn", "refused", "revoked")))
        )
        return select(c.id).where(c.tenant == tenant, ~blocked.exists()).order_by(c.id)
    rules = [
        s.objection.is_(False),
        s.state.in_(sorted(GRANTS)),
        or_(s.valid_until.is_(None), s.valid_until > at),
        s.valid_from <= at,
        s.purpose_version >= purpose.renewal_from,
        s.confirmed_at.is_not(None) if purpose.requires_double_opt_in else true(),
        s.age_assurance != "unknown" if purpose.requires_age_assurance else true(),
    ]
    # consent needed: only customers with a state row can qualify, so read the projection alone
    return (
        select(s.subject_ref)
        .where(
            s.tenant == tenant,
            s.purpose_key == purpose.key,
            s.channel == channel,
            s.contact_point_ref == "",
            *rules,
        )
        .order_by(s.subject_ref)
    )


def audience(
    session: Session, tenant: str, purpose: Purpose, channel: str, at: dt.datetime
) -> list[str]:
    """Run :func:`audience_query` and return the customer ids, in id order."""
    query = audience_query(tenant, purpose, channel, at)
    connection = session.connection()
    compiled = query.compile(connection, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    processors = compiled._bind_processors
    processed = {}
    for name, value in values.items():
        processor = processors.get(name)
        processed[name] = processor(value) if callable(processor) else value
    positions = compiled.positiontup
    parameters: Any = tuple(processed[name] for name in positions) if positions else processed
    result = connection.exec_driver_sql(str(compiled), parameters)
    return [row[0] for row in result.cursor.fetchall()] if result.cursor else []
