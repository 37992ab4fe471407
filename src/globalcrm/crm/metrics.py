"""``crm.metrics``: service KPIs in SQL, sliced and formatted for the reader.

:meth:`Metrics.report` runs :mod:`globalcrm.storage.metrics_sql` (one query per source: survey
answers, resolved cases, first responses, interactions) and returns a
:class:`~globalcrm.metrics.KpiReport`, the same value :func:`globalcrm.metrics.compute` works out
in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from globalcrm import _checks, churn
from globalcrm.churn import AT_RISK, DEFAULT_WINDOW, ChurnRisk
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.customers import Customer
from globalcrm.dashboard import DashboardData, SlaRow, render
from globalcrm.errors import InvalidFormat
from globalcrm.metrics import DEFAULT_PERCENTILES, KPIS, KpiReport, ReportSpec
from globalcrm.pagination import check_limit
from globalcrm.storage import churn_sql, metrics_sql, service_sql

__all__ = ["DEFAULT_WINDOWS", "Metrics"]

DEFAULT_WINDOWS = {
    None: dt.timedelta(days=30),
    "day": dt.timedelta(days=30),
    "week": dt.timedelta(weeks=12),
    "month": dt.timedelta(days=365),
}
"""How far back a report reaches when it is given no ``start``, by its period."""


class Metrics:
    """The service KPIs of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def spec(
        self,
        kpis: str | Sequence[str],
        *,
        by: str | Sequence[str] = (),
        period: str | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        now: dt.datetime | None = None,
        time_zone: str = "UTC",
        locale: str = "en",
        percentiles: Sequence[int] = DEFAULT_PERCENTILES,
    ) -> ReportSpec:
        """The checked question of a report (``end`` defaults to ``now``)."""
        moment = self._context.now(now)
        high = moment if end is None else self._context.now(end, field="end")
        window = DEFAULT_WINDOWS.get(period if isinstance(period, str) else None,
                                     DEFAULT_WINDOWS[None])
        low = high - window if start is None else self._context.now(start, field="start")
        return ReportSpec(kpis=kpis, by=by, period=period, start=low, end=high,
                          time_zone=time_zone, locale=locale, percentiles=percentiles)

    def report(
        self,
        kpis: str | Sequence[str],
        *,
        by: str | Sequence[str] = (),
        period: str | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        now: dt.datetime | None = None,
        time_zone: str = "UTC",
        locale: str = "en",
        percentiles: Sequence[int] = DEFAULT_PERCENTILES,
    ) -> KpiReport:
        """``kpis`` over ``[start, end)``, sliced ``by`` dimensions and ``period`` in ``time_zone``.

        ``kpis``: ``csat``, ``nps``, ``ces``, ``fcr``, ``aht``, ``art``, ``frt``, ``contacts``;
        ``by``: ``country``, ``language``, ``channel``, ``team``, ``tier``; ``period``: ``day``,
        ``week`` (ISO, from Monday) or ``month`` in the reader's ``time_zone``. Without
        ``start`` the report reaches back 30 days (12 weeks by week, a year by month) from
        ``end``, which defaults to ``now``. ``locale`` is the reader's, for
        :func:`globalcrm.metrics_format.format_value`.
        """
        spec = self.spec(kpis, by=by, period=period, start=start, end=end, now=now,
                         time_zone=time_zone, locale=locale, percentiles=percentiles)
        with self._context.work(write=False) as uow:
            assert uow.session is not None  # noqa: S101
            return metrics_sql.report(uow.session, self._context.tenant, spec)

    # ----------------------------------------------------------------- the dashboard

    def dashboard(
        self,
        *,
        now: dt.datetime | None = None,
        weeks: int = 12,
        time_zone: str = "UTC",
        locale: str = "en",
        title: str = "Customer service",
    ) -> DashboardData:
        """What the dashboard shows over the last ``weeks`` weeks, read in one transaction."""
        moment = self._context.now(now)
        if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 520:
            raise InvalidFormat("expected a whole number of weeks from 1 to 520", field="weeks")
        heading = _checks.text(title, field="title", max_length=200)
        start = moment - dt.timedelta(weeks=weeks)

        def spec(kpis: str | Sequence[str], by: str | Sequence[str] = (),
                 period: str | None = None) -> ReportSpec:
            return ReportSpec(kpis=kpis, by=by, period=period, start=start, end=moment,
                              time_zone=time_zone, locale=locale)

        with self._context.work(write=False) as uow:
            assert uow.session is not None  # noqa: S101
            session, tenant = uow.session, self._context.tenant
            summary = metrics_sql.report(session, tenant, spec(KPIS))
            trend = metrics_sql.report(session, tenant, spec(("nps", "csat"), "country", "week"))
            channels = metrics_sql.report(session, tenant, spec("contacts", "channel"))
            response = metrics_sql.report(session, tenant, spec("frt", "team"))
            attained = service_sql.report(session, tenant, start=start, end=moment, now=moment,
                                          team=None)
        sla = tuple(
            SlaRow(team=row.team or "–", first_response=row.first_response_attainment,
                   resolution=row.resolution_attainment)
            for row in attained
        )
        return DashboardData(title=heading, generated_at=moment, locale=summary.spec.locale,
                             time_zone=summary.spec.time_zone, summary=summary, trend=trend,
                             channels=channels, response=response, sla=sla)

    def dashboard_html(self, **options: Any) -> str:
        """The dashboard as one self-contained HTML page (:func:`globalcrm.dashboard.render`).

        ``options`` are those of :meth:`dashboard`.
        """
        return render(self.dashboard(**options))

    # ----------------------------------------------------------------- churn risk

    def churn_risk(
        self,
        customer: Customer | str,
        *,
        now: dt.datetime | None = None,
        window: dt.timedelta = DEFAULT_WINDOW,
    ) -> ChurnRisk:
        """The customer's churn risk with its reasons (:func:`globalcrm.churn.score`)."""
        moment = self._context.now(now)
        customer_id = customer_id_of(customer)
        span = _window(window)
        with self._context.work(write=False) as uow:
            assert uow.session is not None  # noqa: S101
            uow.customers.get(customer_id)  # NotFound if there is no such customer
            [activity] = churn_sql.activities(uow.session, self._context.tenant, now=moment,
                                              window=span, customer_ids=[customer_id])
        return churn.score(activity, now=moment, window=span)

    def at_risk(
        self,
        *,
        now: dt.datetime | None = None,
        window: dt.timedelta = DEFAULT_WINDOW,
        threshold: int = AT_RISK,
        limit: int = 100,
    ) -> list[ChurnRisk]:
        """The customers whose churn risk reaches ``threshold``, highest first, with reasons."""
        moment = self._context.now(now)
        span = _window(window)
        count = check_limit(limit)
        with self._context.work(write=False) as uow:
            assert uow.session is not None  # noqa: S101
            found = churn_sql.activities(uow.session, self._context.tenant, now=moment,
                                         window=span)
        risks = (churn.score(activity, now=moment, window=span) for activity in found)
        return churn.at_risk(risks, threshold=threshold)[:count]


def _window(value: object) -> dt.timedelta:
    if not isinstance(value, dt.timedelta) or value < dt.timedelta(days=1):
        raise InvalidFormat("expected a timedelta of at least one day", field="window")
    return value
