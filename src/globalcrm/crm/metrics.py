"""``crm.metrics``: service KPIs in SQL, sliced and formatted for the reader.

:meth:`Metrics.report` runs :mod:`globalcrm.storage.metrics_sql` (one query per source: survey
answers, resolved cases, first responses, interactions) and returns a
:class:`~globalcrm.metrics.KpiReport`, the same value :func:`globalcrm.metrics.compute` works out
in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from globalcrm.crm._context import Context
from globalcrm.metrics import DEFAULT_PERCENTILES, KpiReport, ReportSpec
from globalcrm.storage import metrics_sql

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
