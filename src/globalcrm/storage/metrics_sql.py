"""Service KPIs in SQL: the numbers of :mod:`globalcrm.metrics`, one query per source.

Each query returns whole numbers only (counts, sums of scores or of microseconds, nearest-rank
percentiles picked with ``row_number()`` and ``count()`` windows), so SQLite and PostgreSQL give
exactly what the Python reference gives; :func:`globalcrm.metrics.assemble` does the divisions.

Periods are the reader's local days, ISO weeks or months. SQLite has no time zones, so the
zone's UTC offsets over the report (:func:`globalcrm.metrics.utc_offsets`, from Python's
``zoneinfo``) are written into the query as a ``CASE`` over UTC instants, and local time is
``UTC + offset``: ``date()``/``strftime()`` on SQLite, ``date_trunc()`` on PostgreSQL, never
PostgreSQL's own zone data (whose version may differ from Python's).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
)
from sqlalchemy.orm import Session

from globalcrm.metrics import (
    DURATION_KPIS,
    HANDLE_TIME_KEY,
    MAX_HANDLE_SECONDS,
    Aggregate,
    KpiReport,
    ReportSpec,
    assemble,
    utc_offsets,
)
from globalcrm.storage import tables
from globalcrm.storage.column_types import UTCDateTime

__all__ = ["aggregates", "report"]

_MICRO = 1_000_000


def report(session: Session, tenant: str, spec: ReportSpec) -> KpiReport:
    """The KPI report of ``spec`` over the tenant's stored answers, cases and interactions."""
    return assemble(spec, aggregates(session, tenant, spec))


def aggregates(session: Session, tenant: str, spec: ReportSpec) -> list[Aggregate]:
    """Every :class:`~globalcrm.metrics.Aggregate` of ``spec``, straight from the database."""
    sql = _Sql(session.get_bind().dialect.name, tenant, spec)
    found: list[Aggregate] = []
    if spec.wants("csat", "nps", "ces"):
        found += sql.surveys(session)
    if spec.wants("fcr", "art"):
        found += sql.resolved(session)
    if spec.wants("frt"):
        found += sql.first_responses(session)
    if spec.wants("aht"):
        found += sql.handled(session)
    if spec.wants("contacts"):
        found += sql.contacts(session)
    return found


class _Sql:
    """The queries of one report on one dialect."""

    def __init__(self, dialect: str, tenant: str, spec: ReportSpec) -> None:
        self.sqlite = dialect == "sqlite"
        self.tenant = tenant
        self.spec = spec
        self.offsets = utc_offsets(spec.time_zone, spec.start, spec.end)

    # ------------------------------------------------------------------ expressions

    def _when(self, moment: dt.datetime) -> ColumnElement[Any]:
        return literal(moment, UTCDateTime())

    def period(self, column: Any) -> ColumnElement[Any]:
        """The label of ``column``'s period in the reader's zone (ISO date of its start)."""
        spec = self.spec
        if spec.period is None:
            return null().label("period")
        later = list(reversed(self.offsets[1:]))
        first = self.offsets[0][1]
        if self.sqlite:
            shift: Any = literal(f"{first:+d} seconds")
            if later:
                shift = case(*((column >= self._when(t), f"{s:+d} seconds") for t, s in later),
                             else_=f"{first:+d} seconds")
            if spec.period == "day":
                label = func.date(column, shift)
            elif spec.period == "week":
                label = func.date(column, shift, "-6 days", "weekday 1")
            else:
                label = func.strftime("%Y-%m-01", column, shift)
            return label.label("period")
        seconds: Any = literal(first)
        if later:
            seconds = case(*((column >= self._when(t), s) for t, s in later), else_=first)
        local = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, 0, seconds)
        return func.to_char(func.date_trunc(spec.period, local), "YYYY-MM-DD").label("period")

    def micro(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        """``later - earlier`` in whole microseconds, exactly."""
        if self.sqlite:
            def seconds(column: Any) -> Any:
                return cast(func.strftime("%s", column), BigInteger)

            def fraction(column: Any) -> Any:
                return cast(func.substr(column, 21, 6), BigInteger)

            exact: ColumnElement[Any] = (
                (seconds(later) - seconds(earlier)) * _MICRO + fraction(later) - fraction(earlier)
            )
            return exact
        return cast(
            (func.extract("epoch", later) - func.extract("epoch", earlier)) * _MICRO, BigInteger
        )

    def dimensions(self, source: dict[str, Any]) -> list[ColumnElement[Any]]:
        return [source[name].label(f"d{i}") for i, name in enumerate(self.spec.by)]

    def in_range(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self._when(self.spec.start), column < self._when(self.spec.end))

    # ------------------------------------------------------------------ running

    def _rows(self, session: Session, query: Select[Any]) -> list[Any]:
        return list(session.execute(query))

    def _key(self, row: Any) -> tuple[str | None, ...]:
        return tuple(row[1:1 + len(self.spec.by)])

    def grouped(self, base: Select[Any], measures: list[Any]) -> Select[Any]:
        """``base`` (period, d0.., value columns) grouped by period and dimensions."""
        sub = base.subquery()
        keys = [sub.c.period, *(sub.c[f"d{i}"] for i in range(len(self.spec.by)))]
        return select(*keys, *(m(sub) for m in measures)).group_by(*keys)

    def ranked(self, base: Select[Any], *, hits: bool) -> Select[Any]:
        """Count, sum of ``v``, sum of ``hit`` and nearest-rank percentiles of ``v`` per slice."""
        sub = base.subquery()
        keys = [sub.c.period, *(sub.c[f"d{i}"] for i in range(len(self.spec.by)))]
        partition = keys if keys else None
        extra = [sub.c.hit] if hits else []
        windows = select(
            *keys, sub.c.v, *extra,
            func.row_number().over(partition_by=partition, order_by=sub.c.v).label("rn"),
            func.count().over(partition_by=partition).label("n"),
        ).subquery()
        w_keys = [windows.c.period, *(windows.c[f"d{i}"] for i in range(len(self.spec.by)))]
        picks = [
            func.max(case((windows.c.rn == (p * windows.c.n + 99) // 100, windows.c.v)))
            for p in self.spec.percentiles
        ]
        hit_sum = [func.sum(windows.c.hit)] if hits else [literal(0)]
        return select(
            *w_keys, func.count(), func.sum(windows.c.v), *hit_sum, *picks
        ).group_by(*w_keys)

    def _durations(
        self, session: Session, base: Select[Any], kpis: tuple[str, ...], *, hits: bool
    ) -> list[Aggregate]:
        width = 1 + len(self.spec.by)
        found = []
        with_ranks = any(kpi in DURATION_KPIS for kpi in kpis)
        query = self.ranked(base, hits=hits) if with_ranks else self.grouped(base, [
            lambda s: func.count(), lambda s: func.sum(s.c.v), lambda s: func.sum(s.c.hit),
        ])
        for row in self._rows(session, query):
            count, total, hit = int(row[width]), int(row[width + 1] or 0), int(row[width + 2] or 0)
            ranks = (
                tuple((p, int(v)) for p, v in zip(self.spec.percentiles, row[width + 3:],
                                                  strict=True))
                if with_ranks else ()
            )
            for kpi in kpis:
                if kpi in DURATION_KPIS:
                    found.append(Aggregate(kpi, row[0], self._key(row), count, total=total,
                                           percentiles=ranks))
                else:
                    found.append(Aggregate(kpi, row[0], self._key(row), count, hits=hit))
        return found

    # ------------------------------------------------------------------ sources

    def _from(self, query: Select[Any], table: Any, customer_id: Any) -> Select[Any]:
        """``query`` over ``table``, joined to the customer when sliced by their country."""
        if "country" not in self.spec.by:
            return query.select_from(table)
        return query.select_from(
            table.outerjoin(tables.customers, and_(tables.customers.c.tenant == self.tenant,
                                                   tables.customers.c.id == customer_id))
        )

    def surveys(self, session: Session) -> list[Aggregate]:
        a = tables.survey_answers.c
        kinds = [k for k in ("csat", "nps", "ces") if k in self.spec.kpis]
        source = {"country": tables.customers.c.country, "language": a.language,
                  "channel": a.channel, "team": a.team, "tier": a.tier}
        hit = case(
            (and_(a.kind == "csat", a.score >= 4), 1), (and_(a.kind == "nps", a.score >= 9), 1),
            else_=0,
        )
        miss = case((and_(a.kind == "nps", a.score <= 6), 1), else_=0)
        base = self._from(select(
            self.period(a.answered_at), *self.dimensions(source), a.kind.label("kind"),
            hit.label("hit"), miss.label("miss"), a.score.label("score"),
        ), tables.survey_answers, a.customer_id).where(
            a.tenant == self.tenant, a.kind.in_(kinds), self.in_range(a.answered_at)
        )
        sub = base.subquery()
        keys = [sub.c.period, *(sub.c[f"d{i}"] for i in range(len(self.spec.by))), sub.c.kind]
        query = select(
            *keys, func.count(), func.sum(sub.c.hit), func.sum(sub.c.miss), func.sum(sub.c.score)
        ).group_by(*keys)
        width = 1 + len(self.spec.by)
        return [
            Aggregate(row[width], row[0], self._key(row), int(row[width + 1]),
                      int(row[width + 2] or 0), int(row[width + 3] or 0), int(row[width + 4] or 0))
            for row in self._rows(session, query)
        ]

    def _case_source(self) -> dict[str, Any]:
        c = tables.cases.c
        return {"country": tables.customers.c.country, "language": c.language,
                "channel": c.channel, "team": c.team, "tier": c.tier}

    def resolved(self, session: Session) -> list[Aggregate]:
        c = tables.cases.c
        i = tables.interactions.c
        kpis = tuple(k for k in ("fcr", "art") if k in self.spec.kpis)
        hit: Any = literal(0)
        if "fcr" in kpis:
            contacts = (
                select(func.count()).select_from(tables.interactions)
                .where(i.tenant == c.tenant, i.conversation == c.conversation,
                       i.direction == "inbound", i.occurred_at >= c.opened_at,
                       i.occurred_at <= c.resolved_at)
                .correlate(tables.cases).scalar_subquery()
            )
            hit = case((contacts <= 1, 1), else_=0)
        base = self._from(select(
            self.period(c.resolved_at), *self.dimensions(self._case_source()),
            self.micro(c.resolved_at, c.opened_at).label("v"), hit.label("hit"),
        ), tables.cases, c.customer_id).where(
            c.tenant == self.tenant, c.resolved_at.is_not(None), self.in_range(c.resolved_at)
        )
        return self._durations(session, base, kpis, hits=True)

    def first_responses(self, session: Session) -> list[Aggregate]:
        c = tables.cases.c
        base = self._from(select(
            self.period(c.first_response_at), *self.dimensions(self._case_source()),
            self.micro(c.first_response_at, c.opened_at).label("v"),
        ), tables.cases, c.customer_id).where(
            c.tenant == self.tenant, c.first_response_at.is_not(None),
            self.in_range(c.first_response_at),
        )
        return self._durations(session, base, ("frt",), hits=False)

    def _interaction_source(self) -> dict[str, Any]:
        i = tables.interactions.c
        source: dict[str, Any] = {"country": tables.customers.c.country,
                                  "language": i.language, "channel": i.channel}
        for name in ("team", "tier"):
            if name in self.spec.by:
                c = tables.cases.c
                source[name] = (
                    select(c[name]).where(c.tenant == i.tenant, c.conversation == i.conversation)
                    .order_by(c.opened_at.desc(), c.id.desc()).limit(1)
                    .correlate(tables.interactions).scalar_subquery()
                )
        return source

    def handled(self, session: Session) -> list[Aggregate]:
        i = tables.interactions.c
        value = i.meta[HANDLE_TIME_KEY].as_string()
        if self.sqlite:
            valid = and_(
                func.json_type(i.meta, f"$.{HANDLE_TIME_KEY}") == "integer",
                cast(value, BigInteger).between(0, MAX_HANDLE_SECONDS),
            )
        else:
            valid = and_(
                func.jsonb_typeof(i.meta[HANDLE_TIME_KEY]) == "number",
                value.regexp_match(f"^[0-9]{{1,{len(str(MAX_HANDLE_SECONDS))}}}$"),
            )
        seconds = case((valid, cast(value, BigInteger)))
        base = self._from(select(
            self.period(i.occurred_at), *self.dimensions(self._interaction_source()),
            (seconds * _MICRO).label("v"),
        ), tables.interactions, i.customer_id).where(
            i.tenant == self.tenant, self.in_range(i.occurred_at), valid
        )
        return self._durations(session, base, ("aht",), hits=False)

    def contacts(self, session: Session) -> list[Aggregate]:
        i = tables.interactions.c
        base = self._from(select(
            self.period(i.occurred_at), *self.dimensions(self._interaction_source()),
        ), tables.interactions, i.customer_id).where(
            i.tenant == self.tenant, i.direction == "inbound", self.in_range(i.occurred_at)
        )
        query = self.grouped(base, [lambda s: func.count()])
        width = 1 + len(self.spec.by)
        return [
            Aggregate("contacts", row[0], self._key(row), int(row[width]))
            for row in self._rows(session, query)
        ]
