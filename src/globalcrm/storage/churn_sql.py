"""Churn activity in SQL: :func:`globalcrm.churn.activity_of` for every customer, three queries.

One grouped query per source (purchases, inbound interactions, negative survey answers), merged
by customer id; a property test proves the result equals the Python reference on both databases.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from globalcrm.churn import Activity
from globalcrm.storage import tables
from globalcrm.storage.column_types import UTCDateTime
from globalcrm.surveys import NEGATIVE

__all__ = ["COUNTED_STATUSES", "activities"]

COUNTED_STATUSES = ("completed", "partially_refunded")
"""The purchases that count: not cancelled, not wholly refunded."""


def activities(
    session: Session,
    tenant: str,
    *,
    now: dt.datetime,
    window: dt.timedelta,
    customer_ids: list[str] | None = None,
) -> list[Activity]:
    """The :class:`~globalcrm.churn.Activity` of each customer (all, or ``customer_ids``)."""
    recent_from, earlier_from = now - window, now - 2 * window

    def at(moment: dt.datetime) -> Any:
        return literal(moment, UTCDateTime())

    cu = tables.customers.c
    people = select(cu.id).where(cu.tenant == tenant)
    if customer_ids is not None:
        people = people.where(cu.id.in_(customer_ids))
    found: dict[str, dict[str, Any]] = {row[0]: {} for row in session.execute(people)}

    p = tables.purchases.c
    value = case((p.currency == cu.currency, p.amount_minor - p.refunded_minor), else_=0)
    recent = p.occurred_at >= at(recent_from)
    earlier = and_(p.occurred_at >= at(earlier_from), p.occurred_at < at(recent_from))
    bought = (
        select(
            p.customer_id, func.count(), func.min(p.occurred_at), func.max(p.occurred_at),
            func.sum(case((recent, 1), else_=0)), func.sum(case((earlier, 1), else_=0)),
            func.sum(case((recent, value), else_=0)), func.sum(case((earlier, value), else_=0)),
        )
        .select_from(tables.purchases.join(
            tables.customers, and_(cu.tenant == p.tenant, cu.id == p.customer_id)))
        .where(p.tenant == tenant, p.status.in_(COUNTED_STATUSES), p.occurred_at <= at(now))
        .group_by(p.customer_id)
    )
    for row in session.execute(bought):
        if row[0] in found:
            found[row[0]].update(
                purchases=int(row[1]), first_purchase_at=row[2], last_purchase_at=row[3],
                recent_purchases=int(row[4]), earlier_purchases=int(row[5]),
                recent_value=max(0, int(row[6])), earlier_value=max(0, int(row[7])),
            )

    i = tables.interactions.c
    contacted = (
        select(i.customer_id, func.max(i.occurred_at))
        .where(i.tenant == tenant, i.direction == "inbound", i.occurred_at <= at(now))
        .group_by(i.customer_id)
    )
    for row in session.execute(contacted):
        if row[0] in found:
            found[row[0]]["last_contact_at"] = row[1]

    a = tables.survey_answers.c
    negative = or_(*(and_(a.kind == kind, a.score <= top) for kind, top in NEGATIVE.items()))
    unhappy = (
        select(a.customer_id, func.count())
        .where(a.tenant == tenant, a.customer_id.is_not(None), negative,
               a.answered_at >= at(recent_from), a.answered_at <= at(now))
        .group_by(a.customer_id)
    )
    for row in session.execute(unhappy):
        if row[0] in found:
            found[row[0]]["negative_answers"] = int(row[1])
    return [Activity(customer_id=key, **values) for key, values in sorted(found.items())]
