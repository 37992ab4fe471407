"""SLA lists and reports as SQL: breached and at-risk cases, attainment per team.

A case keeps its deadlines (``first_response_due``, ``resolution_due``: the SLA clock of
:mod:`globalcrm.support` worked out at each change of the case), so a breach is a plain range
condition over an index: ``due < now`` on a case whose target is not met yet. A paused clock has
no deadline (``NULL``) and is in no list. The lists run on the driver's cursor: a breach list
can be a hundred thousand rows, and a row wrapper each would cost more than the query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, case, func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from globalcrm.cases import ACTIVE_STATUSES
from globalcrm.storage import tables

__all__ = ["SlaItem", "TeamAttainment", "breaches", "breaches_query", "report"]


class SlaItem(NamedTuple):
    """One case and one of its SLA targets that is breached (or about to be)."""

    case_id: str
    customer_id: str
    metric: str
    due: dt.datetime
    team: str | None
    agent: str | None
    priority: str
    status: str

    def __repr__(self) -> str:
        agent = "None" if self.agent is None else "<set>"  # a person's reference: not shown
        return (
            f"SlaItem(case_id={self.case_id!r}, metric={self.metric!r}, due={self.due!r}, "
            f"team={self.team!r}, agent={agent}, priority={self.priority!r}, "
            f"status={self.status!r})"
        )


class TeamAttainment(NamedTuple):
    """How a team did on the cases opened in a period, judged at the report's moment."""

    team: str | None
    cases: int
    first_response_met: int
    first_response_breached: int
    resolution_met: int
    resolution_breached: int

    @property
    def first_response_attainment(self) -> float | None:
        """Share of first-response targets met, of those decided (``None``: none decided)."""
        decided = self.first_response_met + self.first_response_breached
        return None if not decided else self.first_response_met / decided

    @property
    def resolution_attainment(self) -> float | None:
        """Share of resolution targets met, of those decided."""
        decided = self.resolution_met + self.resolution_breached
        return None if not decided else self.resolution_met / decided


_ACTIVE: BindParameter[Any] = bindparam(
    "active", ACTIVE_STATUSES, expanding=True, literal_execute=True
)
"""The active statuses written into the SQL (constants: the planner sees them as the
hand-written query has them)."""


def _metric(
    tenant: str,
    metric: str,
    low: dt.datetime | None,
    high: dt.datetime,
    team: str | None,
) -> Select[Any]:
    c = tables.cases.c
    due, done = (
        (c.first_response_due, c.first_response_at)
        if metric == "first_response"
        else (c.resolution_due, c.resolved_at)
    )
    conditions: list[ColumnElement[bool]] = [
        c.tenant == tenant,
        due < high,
        done.is_(None),
        c.status.in_(_ACTIVE),
    ]
    if low is not None:
        conditions.append(due >= low)
    if team is not None:
        conditions.append(c.team == team)
    return select(
        c.id, c.customer_id, literal(metric, literal_execute=True).label("metric"),
        due.label("due"), c.team, c.agent, c.priority, c.status,
    ).where(and_(*conditions))


def breaches_query(
    tenant: str,
    *,
    until: dt.datetime,
    since: dt.datetime | None = None,
    metrics: tuple[str, ...] = ("first_response", "resolution"),
    team: str | None = None,
) -> Select[Any]:
    """Targets not met whose deadline falls in ``[since, until)``, soonest deadline first.

    ``until=now`` (no ``since``) is the breach list; ``since=now, until=now + window`` the
    at-risk list.
    """
    parts = [_metric(tenant, metric, since, until, team) for metric in metrics]
    if len(parts) == 1:
        return parts[0].order_by("due", tables.cases.c.id)
    combined = union_all(*parts).subquery()
    return select(combined).order_by(combined.c.due, combined.c.id, combined.c.metric)


def breaches(session: Session, query: Select[Any]) -> list[SlaItem]:
    """Run a :func:`breaches_query` on the driver's cursor."""
    connection = session.connection()
    compiled = query.compile(connection, compile_kwargs={"render_postcompile": True})
    processors = compiled._bind_processors
    values = {}
    for name, value in compiled.construct_params().items():
        processor = processors.get(name)
        values[name] = processor(value) if callable(processor) else value
    positions = compiled.positiontup
    parameters: Any = tuple(values[name] for name in positions) if positions else values
    result = connection.exec_driver_sql(str(compiled), parameters)
    rows = result.cursor.fetchall() if result.cursor else []
    make = SlaItem._make
    if connection.dialect.name == "sqlite":  # UTC text without a zone: one parse per row
        parse = dt.datetime.fromisoformat
        return [
            make((case_id, customer_id, metric, parse(due + "+00:00"), team, agent, priority,
                  status))
            for case_id, customer_id, metric, due, team, agent, priority, status in rows
        ]
    return [
        make((case_id, customer_id, metric, due.astimezone(dt.UTC), team, agent, priority,
              status))
        for case_id, customer_id, metric, due, team, agent, priority, status in rows
    ]


def report(
    session: Session,
    tenant: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    team: str | None = None,
) -> list[TeamAttainment]:
    """SLA attainment per team over the cases opened in ``[start, end)``, judged at ``now``.

    A target is met when done by its deadline; breached when done late, or not done and its
    deadline has passed; otherwise (running, paused, no target) it is not counted yet.
    """
    c = tables.cases.c

    def counts(due: Any, done: Any) -> tuple[Any, Any]:
        met = case((and_(due.is_not(None), done.is_not(None), done <= due), 1), else_=0)
        late = case(
            (and_(due.is_not(None), done.is_not(None), done > due), 1),
            (and_(due.is_not(None), done.is_(None), due < now), 1),
            else_=0,
        )
        return func.sum(met), func.sum(late)

    fr_met, fr_late = counts(c.first_response_due, c.first_response_at)
    rs_met, rs_late = counts(c.resolution_due, c.resolved_at)
    query = (
        select(c.team, func.count(), fr_met, fr_late, rs_met, rs_late)
        .where(c.tenant == tenant, c.opened_at >= start, c.opened_at < end)
        .group_by(c.team)
        .order_by(c.team)
    )
    if team is not None:
        query = query.where(c.team == team)
    return [
        TeamAttainment(row[0], *(int(value or 0) for value in row[1:]))
        for row in session.execute(query)
    ]
