"""Service KPIs in memory: CSAT, NPS, CES, FCR, AHT, ART, FRT and contact volume, sliced.

This module is the plain Python reference of every KPI; :mod:`globalcrm.storage.metrics_sql`
computes the same numbers in one SQL query per source, and a property test proves the two agree
on random data (SQLite and PostgreSQL). Both produce :class:`Aggregate` rows (whole numbers only:
counts, sums of scores or of microseconds, nearest-rank percentiles), which :func:`assemble`
turns into a :class:`KpiReport`; the divisions happen once, here.

The definitions (sources in ``docs/guide/kpis.md``):

==========  ===============================================================================
``csat``    share of CSAT answers (1-5) that are 4 or 5, in per cent
``nps``     per cent of promoters (9-10) minus per cent of detractors (0-6), in points
``ces``     mean CES 2.0 answer (1-7; higher is easier)
``fcr``     share of resolved cases with at most one inbound contact on their thread from
            opening to resolution, in per cent
``aht``     mean handle time of interactions that record one (``metadata["handle_seconds"]``)
``art``     mean time from opening to resolution of resolved cases (calendar time)
``frt``     mean time from opening to the first response (calendar time)
``contacts`` inbound interactions (the channel mix when sliced by channel)
==========  ===============================================================================

A KPI is counted in the period of its event: a survey answer when it was given, a case's
resolution (``fcr``, ``art``) when it was resolved, its first response (``frt``) when it was
sent, an interaction when it happened. Periods are days, ISO weeks (from Monday) or months in
the *reader's* time zone, labelled with the date they start on. Percentiles use the
nearest-rank method: the ``p``-th percentile of ``n`` sorted values is the value at rank
``ceil(p * n / 100)`` (always a value that occurred; the same as PostgreSQL's
``percentile_disc``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, NamedTuple

import attrs

from globalcrm import _checks
from globalcrm.cases import Case
from globalcrm.errors import InvalidFormat, InvalidInput
from globalcrm.interactions import Interaction
from globalcrm.surveys import SurveyAnswer

__all__ = [
    "DIMENSIONS",
    "DURATION_KPIS",
    "HANDLE_TIME_KEY",
    "KPIS",
    "MAX_HANDLE_SECONDS",
    "PERIODS",
    "Aggregate",
    "KpiReport",
    "KpiRow",
    "KpiValue",
    "ReportSpec",
    "assemble",
    "compute",
    "handle_seconds",
    "nearest_rank",
    "utc_offsets",
]

KPIS: Final = ("csat", "nps", "ces", "fcr", "aht", "art", "frt", "contacts")
"""Every KPI :func:`compute` and ``crm.metrics.report`` know."""
SURVEY_KPIS: Final = ("csat", "nps", "ces")
DURATION_KPIS: Final = ("aht", "art", "frt")
"""The KPIs measured in time: mean and percentiles."""
DIMENSIONS: Final = ("country", "language", "channel", "team", "tier")
"""What a report can be sliced by (besides the period)."""
PERIODS: Final = ("day", "week", "month")
DEFAULT_PERCENTILES: Final = (50, 90, 95)
HANDLE_TIME_KEY: Final = "handle_seconds"
"""The interaction ``metadata`` key of its handle time: talk, hold and wrap-up, whole seconds."""
MAX_HANDLE_SECONDS: Final = 999_999_999
"""Handle times above this (about 31 years) are not counted: they are mistakes."""
_MICRO: Final = 1_000_000


def handle_seconds(interaction: Interaction) -> int | None:
    """The interaction's handle time in whole seconds, or ``None`` when it records none.

    Only a whole number from 0 to :data:`MAX_HANDLE_SECONDS` counts (``12.5`` or ``"12"`` do
    not): the SQL reads exactly the same values.
    """
    value = interaction.metadata.get(HANDLE_TIME_KEY)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_HANDLE_SECONDS else None


def nearest_rank(values: Sequence[int], p: int) -> int:
    """The ``p``-th percentile of ``values`` by nearest rank: the value at rank ceil(p*n/100).

    ```pycon
    >>> nearest_rank([15, 20, 35, 40, 50], 30), nearest_rank([15, 20, 35, 40, 50], 100)
    (20, 50)

    ```
    """
    ordered = sorted(values)
    if not ordered:
        raise InvalidInput("no values", field="values")
    return ordered[(p * len(ordered) + 99) // 100 - 1]


# --------------------------------------------------------------------------- the question


def _kpis(value: object) -> tuple[str, ...]:
    given = (value,) if isinstance(value, str) else value
    chosen = _checks.each(given, "kpis", lambda k: _checks.choice(k, KPIS, field="", what="KPI"))
    if not chosen:
        raise InvalidInput("name at least one KPI", field="kpis")
    return tuple(dict.fromkeys(chosen))


def _by(value: object) -> tuple[str, ...]:
    given = (value,) if isinstance(value, str) else value
    chosen = _checks.each(
        given, "by", lambda d: _checks.choice(d, DIMENSIONS, field="", what="dimension")
    )
    return tuple(dict.fromkeys(chosen))


def _period(value: object) -> str | None:
    return None if value is None else _checks.choice(value, PERIODS, field="period",
                                                     what="period")


def _percentiles(value: object) -> tuple[int, ...]:
    def one(item: object) -> int:
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 100:
            raise InvalidFormat("expected a whole number from 1 to 100")
        return item

    return tuple(sorted(set(_checks.each(value, "percentiles", one))))


def _start(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="start")


def _end(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="end")


def _time_zone(value: object) -> str:
    return _checks.time_zone(value)


def _locale(value: object) -> str:
    return _checks.language(value, field="locale")


@attrs.frozen(kw_only=True)
class ReportSpec:
    """What a KPI report asks: which KPIs, sliced how, over ``[start, end)``, for which reader.

    ```pycon
    >>> import datetime as dt
    >>> spec = ReportSpec(kpis=["NPS", "csat"], by="country", period="week",
    ...     start=dt.datetime(2026, 3, 23, tzinfo=dt.UTC),
    ...     end=dt.datetime(2026, 4, 6, tzinfo=dt.UTC), time_zone="Europe/Vilnius")
    >>> spec.kpis, spec.by
    (('nps', 'csat'), ('country',))
    >>> spec.bucket_of(dt.datetime(2026, 3, 29, 21, 30, tzinfo=dt.UTC))  # Monday 00:30 local
    '2026-03-30'

    ```
    """

    kpis: tuple[str, ...] = attrs.field(converter=_kpis)
    by: tuple[str, ...] = attrs.field(default=(), converter=_by)
    period: str | None = attrs.field(default=None, converter=_period)
    start: dt.datetime = attrs.field(converter=_start)
    end: dt.datetime = attrs.field(converter=_end)
    time_zone: str = attrs.field(default="UTC", converter=_time_zone)
    percentiles: tuple[int, ...] = attrs.field(default=DEFAULT_PERCENTILES,
                                               converter=_percentiles)
    locale: str = attrs.field(default="en", converter=_locale)

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput("the report ends before it starts", field="end")

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The reader's time zone."""
        return zoneinfo.ZoneInfo(self.time_zone)

    def bucket_of(self, instant: dt.datetime) -> str | None:
        """The period ``instant`` falls in: the ISO date its day, week or month starts on."""
        if self.period is None:
            return None
        day = instant.astimezone(self.zone).date()
        if self.period == "week":
            day -= dt.timedelta(days=day.weekday())
        elif self.period == "month":
            day = day.replace(day=1)
        return day.isoformat()

    def wants(self, *kpis: str) -> bool:
        """Whether the report asks for any of ``kpis``."""
        return any(kpi in self.kpis for kpi in kpis)


def utc_offsets(time_zone: str, start: dt.datetime, end: dt.datetime
                ) -> tuple[tuple[dt.datetime, int], ...]:
    """The zone's UTC offset over ``[start, end)``: ``(from, seconds)`` pairs, oldest first.

    The first pair starts at ``start``; each later one at a transition (daylight saving time,
    a change of the zone's rules). SQL turns UTC instants into the reader's local time with
    these, so that SQLite (which has no time zones) and PostgreSQL bucket exactly as Python's
    ``zoneinfo`` does. Transitions are found by sampling every six hours, then to the second.

    ```pycon
    >>> import datetime as dt
    >>> [(t.isoformat(), s) for t, s in utc_offsets("Europe/Vilnius",
    ...     dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 4, 1, tzinfo=dt.UTC))]
    [('2026-03-01T00:00:00+00:00', 7200), ('2026-03-29T01:00:00+00:00', 10800)]

    ```
    """
    zone = zoneinfo.ZoneInfo(_checks.time_zone(time_zone))

    def offset(moment: dt.datetime) -> int:
        shift = moment.astimezone(zone).utcoffset()
        return 0 if shift is None else int(shift.total_seconds())

    step = dt.timedelta(hours=6)
    pairs = [(start, offset(start))]
    low = start
    while low < end:
        high = min(low + step, end)
        if offset(high) != pairs[-1][1]:
            a, b = 0, int((high - low).total_seconds())  # offset(low + b s) differs
            while b - a > 1:
                middle = (a + b) // 2
                if offset(low + dt.timedelta(seconds=middle)) == pairs[-1][1]:
                    a = middle
                else:
                    b = middle
            moment = low + dt.timedelta(seconds=b)
            if moment < end:
                pairs.append((moment, offset(moment)))
        low = high
    return tuple(pairs)


# --------------------------------------------------------------------------- results


class Aggregate(NamedTuple):
    """One KPI in one slice, as whole numbers; SQL and the reference both produce these."""

    kpi: str
    period: str | None
    key: tuple[str | None, ...]
    size: int
    """How many events (answers, cases, interactions) the slice holds."""
    hits: int = 0
    misses: int = 0
    total: int = 0
    percentiles: tuple[tuple[int, int], ...] = ()


@attrs.frozen
class KpiValue:
    """A KPI's value in one slice, and the counts it is worked out from.

    ``count`` is what the KPI is over (answers, resolved cases, handled interactions);
    ``hits`` the satisfied answers, promoters or first-contact resolutions; ``misses`` the
    detractors; ``total`` the sum of CES answers or of durations in microseconds;
    ``percentiles`` ``(p, microseconds)`` pairs of a duration KPI.
    """

    kpi: str
    count: int = 0
    hits: int = 0
    misses: int = 0
    total: int = 0
    percentiles: tuple[tuple[int, int], ...] = ()

    @property
    def value(self) -> Decimal | dt.timedelta | int | None:
        """The KPI: per cent (``csat``, ``fcr``), points (``nps``), a mean (``ces``).

        A mean duration for ``aht``, ``art`` and ``frt``, a count for ``contacts``; ``None``
        without data.
        """
        if self.kpi == "contacts":
            return self.count
        if not self.count:
            return None
        if self.kpi in DURATION_KPIS:
            return dt.timedelta(microseconds=round(Fraction(self.total, self.count)))
        if self.kpi == "ces":
            return Decimal(self.total) / Decimal(self.count)
        if self.kpi == "nps":
            return Decimal((self.hits - self.misses) * 100) / Decimal(self.count)
        return Decimal(self.hits * 100) / Decimal(self.count)

    def percentile(self, p: int) -> dt.timedelta | None:
        """The ``p``-th percentile of a duration KPI (``None`` if not asked or no data)."""
        for rank, micro in self.percentiles:
            if rank == p:
                return dt.timedelta(microseconds=micro)
        return None

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict: the value (seconds for durations, text for decimals) and counts."""
        value = self.value
        shown: object
        if isinstance(value, dt.timedelta):
            shown = value.total_seconds()
        elif isinstance(value, Decimal):
            shown = str(value.quantize(Decimal("0.0001")))
        else:
            shown = value
        data: dict[str, Any] = {"value": shown, "count": self.count}
        if self.kpi in ("csat", "nps", "fcr"):
            data["hits"] = self.hits
        if self.kpi == "nps":
            data["detractors"] = self.misses
        if self.percentiles:
            data["percentiles"] = {f"p{p}": micro / _MICRO for p, micro in self.percentiles}
        return data


@attrs.frozen
class KpiRow:
    """The KPIs of one slice: a period (``None`` if not sliced by period) and a key."""

    period: str | None
    key: tuple[str | None, ...]
    """The values of the report's ``by`` dimensions, in order (``None``: not known)."""
    values: tuple[KpiValue, ...]

    def get(self, kpi: str) -> KpiValue:
        """The value of ``kpi`` in this slice."""
        for value in self.values:
            if value.kpi == kpi:
                return value
        raise InvalidInput("the report has no such KPI", field="kpi")


@attrs.frozen
class KpiReport:
    """A KPI report: its question (``spec``) and one row per slice with data, in order."""

    spec: ReportSpec
    rows: tuple[KpiRow, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (``globalcrm metrics report --format json`` prints it)."""
        spec = self.spec
        return {
            "kpis": list(spec.kpis),
            "by": list(spec.by),
            "period": spec.period,
            "start": spec.start.isoformat(),
            "end": spec.end.isoformat(),
            "time_zone": spec.time_zone,
            "rows": [
                {
                    "period": row.period,
                    **dict(zip(spec.by, row.key, strict=True)),
                    **{value.kpi: value.to_json() for value in row.values},
                }
                for row in self.rows
            ],
        }


def _order(item: tuple[str | None, tuple[str | None, ...]]) -> tuple[tuple[bool, str], ...]:
    period, key = item
    return tuple((part is None, part or "") for part in (period, *key))


def assemble(spec: ReportSpec, aggregates: Iterable[Aggregate]) -> KpiReport:
    """The report of ``aggregates``: one row per slice that has data, KPIs in ``spec`` order."""
    found: dict[tuple[str | None, tuple[str | None, ...]], dict[str, KpiValue]] = defaultdict(dict)
    for item in aggregates:
        if item.size <= 0 or item.kpi not in spec.kpis:
            continue
        found[(item.period, item.key)][item.kpi] = KpiValue(
            item.kpi, item.size, item.hits, item.misses, item.total,
            tuple(sorted(item.percentiles)),
        )
    rows = tuple(
        KpiRow(period, key, tuple(found[(period, key)].get(kpi, KpiValue(kpi))
                                  for kpi in spec.kpis))
        for period, key in sorted(found, key=_order)
    )
    return KpiReport(spec, rows)


# --------------------------------------------------------------------------- the reference


def _group(
    spec: ReportSpec,
    kpi: str,
    events: Iterable[tuple[dt.datetime, dict[str, str | None], int, int, int]],
) -> list[Aggregate]:
    """Aggregates of ``(when, dimensions, hit, miss, measure)`` events inside the period."""
    groups: dict[tuple[str | None, tuple[str | None, ...]], list[tuple[int, int, int]]] = (
        defaultdict(list)
    )
    for when, dims, hit, miss, measure in events:
        if spec.start <= when < spec.end:
            key = tuple(dims[name] for name in spec.by)
            groups[(spec.bucket_of(when), key)].append((hit, miss, measure))
    result = []
    for (period, key), items in groups.items():
        measures = [measure for _, _, measure in items]
        ranks = (
            tuple((p, nearest_rank(measures, p)) for p in spec.percentiles)
            if kpi in DURATION_KPIS else ()
        )
        result.append(Aggregate(
            kpi, period, key, len(items), sum(h for h, _, _ in items),
            sum(m for _, m, _ in items), sum(measures), ranks,
        ))
    return result


def _micro(delta: dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _MICRO + delta.microseconds


def compute(
    spec: ReportSpec,
    *,
    answers: Iterable[SurveyAnswer] = (),
    cases: Iterable[Case] = (),
    interactions: Iterable[Interaction] = (),
    countries: Mapping[str, str] | None = None,
) -> KpiReport:
    """The KPI report of ``spec`` over these records, in plain Python (the SQL's reference).

    ``countries`` maps customer ids to their country (the ``country`` dimension); an
    interaction's team and tier are those of the newest case on its conversation.
    """
    if not isinstance(spec, ReportSpec):
        raise InvalidFormat(f"expected a ReportSpec, got {type(spec).__name__}", field="spec")
    country_of = dict(countries or {})
    answers, cases, interactions = list(answers), list(cases), list(interactions)
    aggregates: list[Aggregate] = []
    for kind in SURVEY_KPIS:
        if kind in spec.kpis:
            aggregates += _group(spec, kind, (
                (a.answered_at,
                 {"country": country_of.get(a.customer_id or ""), "language": a.language,
                  "channel": a.channel, "team": a.team, "tier": a.tier},
                 int(a.satisfied or a.promoter), int(a.detractor), a.score)
                for a in answers if a.kind == kind
            ))

    def case_dims(case: Case) -> dict[str, str | None]:
        return {"country": country_of.get(case.customer_id), "language": case.language,
                "channel": case.channel, "team": case.team, "tier": case.tier}

    inbound: dict[str, list[dt.datetime]] = defaultdict(list)
    for item in interactions:
        if item.direction == "inbound" and item.conversation is not None:
            inbound[item.conversation].append(item.occurred_at)
    resolved = [c for c in cases if c.resolved_at is not None]
    if "fcr" in spec.kpis:
        aggregates += _group(spec, "fcr", (
            (c.resolved_at, case_dims(c),
             int(sum(c.opened_at <= t <= c.resolved_at
                     for t in inbound.get(c.conversation or "", ())) <= 1), 0, 0)
            for c in resolved if c.resolved_at is not None
        ))
    if "art" in spec.kpis:
        aggregates += _group(spec, "art", (
            (c.resolved_at, case_dims(c), 0, 0, _micro(c.resolved_at - c.opened_at))
            for c in resolved if c.resolved_at is not None
        ))
    if "frt" in spec.kpis:
        aggregates += _group(spec, "frt", (
            (c.first_response_at, case_dims(c), 0, 0, _micro(c.first_response_at - c.opened_at))
            for c in cases if c.first_response_at is not None
        ))
    if spec.wants("aht", "contacts"):
        newest: dict[str, Case] = {}
        for case in cases:
            if case.conversation is not None:
                known = newest.get(case.conversation)
                if known is None or (case.opened_at, case.id) > (known.opened_at, known.id):
                    newest[case.conversation] = case

        def dims(item: Interaction) -> dict[str, str | None]:
            owner = newest.get(item.conversation or "")
            return {"country": country_of.get(item.customer_id), "language": item.language,
                    "channel": item.channel, "team": owner.team if owner else None,
                    "tier": owner.tier if owner else None}

        if "aht" in spec.kpis:
            handled = [(i, handle_seconds(i)) for i in interactions]
            aggregates += _group(spec, "aht", (
                (i.occurred_at, dims(i), 0, 0, seconds * _MICRO)
                for i, seconds in handled if seconds is not None
            ))
        if "contacts" in spec.kpis:
            aggregates += _group(spec, "contacts", (
                (i.occurred_at, dims(i), 0, 0, 0) for i in interactions
                if i.direction == "inbound"
            ))
    return assemble(spec, aggregates)
