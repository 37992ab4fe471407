"""The retention sweep in SQL: each policy's clocks read from the store, and its row actions.

:func:`clocks` reads, for one policy, when each record's clock started (a customer's creation,
newest interaction or purchase, the withdrawal that ended their last consent in force, an
interaction's own time, a request's closing, an audit entry's time), narrowed by the policy's
candidate bound; :func:`globalcrm.privacy.retention.decide` then decides each exactly, so a dry
run and the real run agree. :func:`act` deletes or anonymises interactions and closed requests
(``anonymise`` writes what :func:`~globalcrm.storage.personal_data.emptied` says and stamps
``anonymised_at``); customers are erased and keys destroyed by the service layer.

The consent clock reads the projection, and only where the ledger agrees with every row of the
subject (:func:`~globalcrm.storage.consent_sql.trusted_state`): a subject with a row the ledger
does not back, or with a consent that still asks to process, has no running clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, func, select, update
from sqlalchemy.orm import Session

from globalcrm.errors import StorageError
from globalcrm.privacy.events import ASKING
from globalcrm.privacy.retention import WITHDRAWALS, Clock, RetentionPolicy
from globalcrm.storage import personal_data, tables
from globalcrm.storage.consent_sql import trusted_state

__all__ = ["CLOSED_STATUSES", "act", "clocks", "count_records", "withdrawn"]

CLOSED_STATUSES = ("completed", "rejected")
"""Request statuses whose ``closed_at`` is the ``request_completed`` instant."""
_CHUNK = 500


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


def _utc(value: Any) -> dt.datetime:
    """A timestamp from an aggregate (SQLite may return text, PostgreSQL an aware datetime)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):  # pragma: no cover - the queries select instants
        raise StorageError(f"a retention clock read a {type(value).__name__}, not a time")
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _live_keys(tenant: str) -> Any:
    k = tables.subject_keys.c
    return select(k.subject_ref).where(k.tenant == tenant, k.destroyed_at.is_(None))


def withdrawn(tenant: str) -> Any:
    """(subject_ref, started): subjects none of whose consents is in force, ended by a withdrawal.

    ``started`` is the newest withdrawal among their projection rows; every row must be one the
    ledger agrees with, and none may ask to process.
    """
    states = tables.consent_states
    entries = tables.consent_events.alias("named")
    newer = tables.consent_events.alias("newer")
    s = states.c
    joined = states.outerjoin(
        entries, and_(entries.c.tenant == s.tenant, entries.c.seq == s.event_seq)
    )
    ended = and_(trusted_state(states, entries, newer), s.state.not_in(sorted(ASKING)))
    blocking = case((ended, 0), else_=1)
    withdrawal = case((s.state.in_(sorted(WITHDRAWALS)), s.occurred_at), else_=None)
    latest = func.max(withdrawal)
    return (
        select(s.subject_ref.label("subject_ref"), latest.label("started"))
        .select_from(joined)
        .where(s.tenant == tenant)
        .group_by(s.subject_ref)
        .having(func.sum(blocking) == 0)
        .having(latest.is_not(None))
        .subquery()
    )


def _customer_query(tenant: str, policy: RetentionPolicy) -> tuple[Any, Any, Any]:
    """(query, started, the record column) of a customer policy."""
    c = tables.customers.c
    started: Any
    if policy.trigger == "created":
        started = c.created_at
        query = select(c.id.label("record"), started.label("started")).where(c.tenant == tenant)
    elif policy.trigger == "consent_withdrawn":
        ended = withdrawn(tenant)
        started = ended.c.started
        query = (
            select(c.id.label("record"), started.label("started"))
            .select_from(tables.customers.join(ended, ended.c.subject_ref == c.id))
            .where(c.tenant == tenant)
        )
    else:
        source = tables.interactions if policy.trigger == "last_interaction" else tables.purchases
        s = source.c
        latest = (
            select(s.customer_id, func.max(s.occurred_at).label("latest"))
            .where(s.tenant == tenant)
            .group_by(s.customer_id)
            .subquery()
        )
        started = func.coalesce(latest.c.latest, c.created_at)
        query = (
            select(c.id.label("record"), started.label("started"))
            .select_from(tables.customers.outerjoin(latest, latest.c.customer_id == c.id))
            .where(c.tenant == tenant)
        )
    if policy.action == "shred":
        query = query.where(c.id.in_(_live_keys(tenant)))
    return query, started, c.id


def _open_interactions(policy: RetentionPolicy) -> ColumnElement[bool] | None:
    """Rows a policy still has to do with: all to delete; those not yet anonymised otherwise."""
    if policy.action == "delete":
        return None
    return tables.interactions.c.anonymised_at.is_(None)


def _interaction_query(tenant: str, policy: RetentionPolicy) -> tuple[Any, Any, Any]:
    i = tables.interactions.c
    still = _open_interactions(policy)
    if policy.trigger == "created":
        query = select(
            i.id.label("record"), i.customer_id.label("subject"), i.occurred_at.label("started")
        ).where(i.tenant == tenant)
        if still is not None:
            query = query.where(still)
        return query, i.occurred_at, i.id
    # last_interaction: the customer's newest interaction starts the clock of all of theirs
    latest = func.max(i.occurred_at)
    grouped: Any = (
        select(i.customer_id.label("record"), latest.label("started"))
        .where(i.tenant == tenant)
        .group_by(i.customer_id)
    )
    if still is not None:
        grouped = grouped.having(func.sum(case((still, 1), else_=0)) > 0)
    return grouped, latest, i.customer_id


def _request_query(tenant: str, policy: RetentionPolicy) -> tuple[Any, Any, Any]:
    r = tables.privacy_requests.c
    query = select(
        r.id.label("record"), r.customer_id.label("subject"), r.closed_at.label("started")
    ).where(r.tenant == tenant, r.status.in_(CLOSED_STATUSES), r.closed_at.is_not(None))
    if policy.action != "delete":
        query = query.where(r.anonymised_at.is_(None))
    return query, r.closed_at, r.id


def _audit_query(tenant: str) -> tuple[Any, Any, Any]:
    a = tables.audit_entries.c
    query = select(
        a.id.label("record"), a.subject_ref.label("subject"), a.occurred_at.label("started")
    ).where(a.tenant == tenant)
    return query, a.occurred_at, a.id


def _evidence_query(tenant: str) -> tuple[Any, Any, Any]:
    ended = withdrawn(tenant)
    query = select(
        ended.c.subject_ref.label("record"), ended.c.started.label("started")
    ).where(ended.c.subject_ref.in_(_live_keys(tenant)))
    return query, ended.c.started, ended.c.subject_ref


def clocks(
    session: Session,
    tenant: str,
    policy: RetentionPolicy,
    now: dt.datetime,
    *,
    only: Sequence[str] | None = None,
) -> list[Clock]:
    """The clocks of ``policy``'s records that may be due (or to be told) at ``now``.

    ``only`` limits them to those records (the sweep checks a batch again before acting).
    """
    if policy.scope == "customer":
        query, started, record = _customer_query(tenant, policy)
    elif policy.scope == "interactions":
        query, started, record = _interaction_query(tenant, policy)
    elif policy.scope == "consent_evidence":
        query, started, record = _evidence_query(tenant)
    elif policy.scope == "requests":
        query, started, record = _request_query(tenant, policy)
    else:
        query, started, record = _audit_query(tenant)
    bound = policy.candidates_before(now)
    grouped = policy.scope == "interactions" and policy.trigger == "last_interaction"
    query = query.having(started < bound) if grouped else query.where(started < bound)
    found: list[Clock] = []
    for chunk in [None] if only is None else list(_chunks(sorted(set(only)))):
        chosen = query if chunk is None else query.where(record.in_(chunk))
        for row in session.execute(chosen):
            subject = row.record if policy.subject_clock else row.subject
            found.append(Clock(record=row.record, started=_utc(row.started), subject=subject))
    return found


def count_records(
    session: Session, tenant: str, policy: RetentionPolicy, records: Sequence[str]
) -> int:
    """How many rows acting on ``records`` covers (a subject's interactions, else one each)."""
    if not (policy.scope == "interactions" and policy.trigger == "last_interaction"):
        return len(records)
    i = tables.interactions.c
    still = _open_interactions(policy)
    total = 0
    for chunk in _chunks(records):
        query = select(func.count()).where(i.tenant == tenant, i.customer_id.in_(chunk))
        if still is not None:
            query = query.where(still)
        total += int(session.execute(query).scalar_one())
    return total


def act(
    session: Session,
    tenant: str,
    policy: RetentionPolicy,
    records: Sequence[str],
    *,
    now: dt.datetime,
) -> int:
    """Delete or anonymise the interactions or requests ``records`` name; how many rows."""
    if policy.scope == "interactions":
        return _act_on_interactions(session, tenant, policy, records, now=now)
    if policy.scope == "requests":
        return _act_on_requests(session, tenant, policy, records, now=now)
    raise LookupError(policy.scope)  # pragma: no cover - the service layer acts on the others


def _act_on_interactions(
    session: Session, tenant: str, policy: RetentionPolicy, records: Sequence[str], *,
    now: dt.datetime,
) -> int:
    i = tables.interactions.c
    column = i.id if policy.trigger == "created" else i.customer_id
    done = 0
    for chunk in _chunks(records):
        where = and_(i.tenant == tenant, column.in_(chunk))
        if policy.action == "delete":
            result = session.execute(delete(tables.interactions).where(where))
        else:
            values = {**personal_data.emptied(tables.interactions), "anonymised_at": now}
            result = session.execute(
                update(tables.interactions)
                .where(where, i.anonymised_at.is_(None))
                .values(values)
            )
        done += int(getattr(result, "rowcount", 0) or 0)
    return done


def _act_on_requests(
    session: Session, tenant: str, policy: RetentionPolicy, records: Sequence[str], *,
    now: dt.datetime,
) -> int:
    r, e = tables.privacy_requests.c, tables.privacy_request_events.c
    done = 0
    for chunk in _chunks(records):
        mine = and_(r.tenant == tenant, r.id.in_(chunk))
        steps = and_(e.tenant == tenant, e.request_id.in_(chunk))
        if policy.action == "delete":
            session.execute(delete(tables.privacy_request_events).where(steps))
            result = session.execute(delete(tables.privacy_requests).where(mine))
        else:
            mine = and_(mine, r.anonymised_at.is_(None))
            chosen = select(r.id).where(mine)
            session.execute(
                update(tables.privacy_request_events)
                .where(steps, e.request_id.in_(chosen))
                .values(personal_data.emptied(tables.privacy_request_events))
            )
            values = {**personal_data.emptied(tables.privacy_requests), "anonymised_at": now}
            result = session.execute(update(tables.privacy_requests).where(mine).values(values))
        done += int(getattr(result, "rowcount", 0) or 0)
    return done
