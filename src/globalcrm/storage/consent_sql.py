"""``can_contact`` as SQL: the audience of a purpose and channel in one query.

The same rule as :func:`globalcrm.privacy.rules.can_contact` at the channel level, evaluated
over the ledger's projection (``consent_states``); ``tests/storage/test_privacy_store.py``
proves the two agree. A projection row counts only when the ledger agrees with it, checked in
the same query: the entry it names (``event_seq``) belongs to its key, recorded the same state
(its ``after_*`` columns, covered by the entry's hash), and no newer entry of the key exists. A
row altered behind the library's back (``SET state = 'given'``) therefore drops out instead of
being believed; verification reports it. The query runs on the driver's cursor: an audience can
be millions of ids, and a row wrapper per id would cost more than the query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, literal, or_, select, true
from sqlalchemy.orm import Session

from globalcrm.privacy.events import GRANTS
from globalcrm.privacy.purposes import Purpose
from globalcrm.storage import tables

__all__ = ["audience", "audience_query", "trusted_state"]


def trusted_state(states: Any, entries: Any, newer: Any) -> ColumnElement[bool]:
    """The projection row ``states`` agrees with the ledger entry ``entries`` it names.

    ``entries`` must be joined (or correlated) on ``(tenant, seq) = (tenant, event_seq)``;
    ``newer`` is another alias of ``consent_events`` for the "no newer entry" check.
    """
    s, e, n = states.c, entries.c, newer.c
    newest = ~exists(
        select(literal(1)).where(
            n.tenant == s.tenant,
            n.subject_ref == s.subject_ref,
            n.purpose_key == s.purpose_key,
            n.channel == s.channel,
            n.contact_point_ref == s.contact_point_ref,
            n.seq > s.event_seq,
        )
    )
    return and_(
        e.subject_ref == s.subject_ref,
        e.purpose_key == s.purpose_key,
        e.channel == s.channel,
        e.contact_point_ref == s.contact_point_ref,
        e.after_state == s.state,
        e.after_objection == s.objection,
        e.after_valid_from == s.valid_from,
        e.after_valid_until.is_not_distinct_from(s.valid_until),
        e.after_confirmed_at.is_not_distinct_from(s.confirmed_at),
        e.after_purpose_version == s.purpose_version,
        e.after_age_assurance == s.age_assurance,
        newest,
    )


def audience_query(tenant: str, purpose: Purpose, channel: str, at: dt.datetime) -> Select[Any]:
    """The ``SELECT`` of customer ids that ``can_contact`` allows: the rule as SQL."""
    c = tables.customers.c
    states = tables.consent_states
    entries = tables.consent_events.alias("named")
    newer = tables.consent_events.alias("newer")
    s = states.c
    if purpose.status == "draft" or (purpose.channels and channel not in purpose.channels):
        return select(c.id).where(false())
    joined = states.join(
        entries, and_(entries.c.tenant == s.tenant, entries.c.seq == s.event_seq)
    )
    trusted = trusted_state(states, entries, newer)
    key = (
        s.tenant == tenant,
        s.purpose_key == purpose.key,
        s.channel == channel,
        s.contact_point_ref == "",
    )
    if not purpose.requires_consent:
        # allowed until an objection or opt-out; a customer with any history for the key
        # counts only through a projection row the ledger agrees with
        ledger = tables.consent_events.alias("history")
        h = ledger.c
        history = or_(
            exists(
                select(literal(1)).where(
                    h.tenant == tenant,
                    h.subject_ref == c.id,
                    h.purpose_key == purpose.key,
                    h.channel == channel,
                    h.contact_point_ref == "",
                )
            ),
            exists(select(literal(1)).where(*key, s.subject_ref == c.id)),
        )
        open_state = exists(
            select(literal(1))
            .select_from(joined)
            .where(
                *key,
                s.subject_ref == c.id,
                trusted,
                s.objection.is_(False),
                s.state.not_in(("withdrawn", "refused", "revoked")),
            )
        )
        return select(c.id).where(c.tenant == tenant, or_(~history, open_state)).order_by(c.id)
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
        .select_from(joined)
        .where(*key, *rules, trusted)
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
