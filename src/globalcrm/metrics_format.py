"""KPI values as the reader reads them: numbers, per cents and durations in their locale (CLDR).

Per cents use the locale's percent pattern with one decimal (``42,5 %`` in French, ``42.5%`` in
English), NPS points a signed number, durations CLDR's short units (``12.5 min``, ``3.2 h``), via
babel. :func:`table` lays a :class:`~globalcrm.metrics.KpiReport` out as rows of text for the
terminal and the dashboard.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import babel
from babel.numbers import format_decimal, parse_pattern
from babel.units import format_unit

from globalcrm import _checks
from globalcrm.errors import InvalidFormat
from globalcrm.metrics import DURATION_KPIS, KpiReport, KpiValue

__all__ = ["KPI_TITLES", "format_duration", "format_percent", "format_value", "table"]

KPI_TITLES = {
    "csat": "CSAT",
    "nps": "NPS",
    "ces": "CES",
    "fcr": "FCR",
    "aht": "AHT",
    "art": "ART",
    "frt": "FRT",
    "contacts": "Contacts",
}
"""The short name of each KPI (the same in every language: they are acronyms of the trade)."""


def _locale(value: object) -> babel.Locale:
    tag = _checks.language(value, field="locale")
    try:
        return babel.Locale.parse(tag.replace("-", "_"))
    except (ValueError, babel.UnknownLocaleError):
        return babel.Locale.parse(tag.split("-")[0])


def format_percent(value: Decimal, locale: str) -> str:
    """``value`` per cent (``42.5`` is 42.5 %) in the locale's percent pattern, one decimal.

    ```pycon
    >>> from decimal import Decimal
    >>> format_percent(Decimal("42.5"), "fr") == "42,5\N{NO-BREAK SPACE}%"
    True
    >>> format_percent(Decimal("42.5"), "en")
    '42.5%'

    ```
    """
    place = _locale(locale)
    pattern = parse_pattern(place.percent_formats[None].pattern)
    pattern.frac_prec = (1, 1)
    return str(pattern.apply(Decimal(value) / 100, place))


def format_duration(value: dt.timedelta, locale: str) -> str:
    """A duration in CLDR's short unit, one decimal.

    Seconds under two minutes, minutes under two hours, hours under two days, else days.

    ```pycon
    >>> import datetime as dt
    >>> format_duration(dt.timedelta(seconds=750), "de")
    '12,5 Min.'
    >>> format_duration(dt.timedelta(hours=5), "ja")
    '5.0 時間'

    ```
    """
    if not isinstance(value, dt.timedelta):
        raise InvalidFormat("expected a timedelta", field="value")
    place = _locale(locale)
    seconds = Decimal(value.days * 86_400 + value.seconds) + Decimal(value.microseconds) / 10**6
    for unit, size in (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86_400)):
        if unit == "day" or abs(seconds) < 2 * size * (60 if unit != "hour" else 24):
            amount = (seconds / size).quantize(Decimal("0.1"))
            return format_unit(amount, f"duration-{unit}", length="short", locale=place,
                               format="#,##0.0")
    raise AssertionError("unreachable")  # pragma: no cover


def format_value(value: KpiValue, locale: str) -> str:
    """A KPI's value for the reader (an en dash when there is no data).

    ```pycon
    >>> from globalcrm.metrics import KpiValue
    >>> format_value(KpiValue("nps", count=10, hits=5, misses=2), "lt")
    '+30,0'
    >>> format_value(KpiValue("csat", count=8, hits=6), "en"), format_value(KpiValue("ces"), "en")
    ('75.0%', '–')

    ```
    """
    if not isinstance(value, KpiValue):
        raise InvalidFormat(f"expected a KpiValue, got {type(value).__name__}", field="value")
    shown = value.value
    if shown is None:
        return "–"
    if isinstance(shown, dt.timedelta):
        return format_duration(shown, locale)
    if isinstance(shown, int):
        return format_decimal(shown, locale=_locale(locale))
    if value.kpi == "nps":
        return format_decimal(shown.quantize(Decimal("0.1")), format="+#,##0.0;-#,##0.0",
                              locale=_locale(locale))
    if value.kpi == "ces":
        return format_decimal(shown.quantize(Decimal("0.01")), format="#,##0.00",
                              locale=_locale(locale))
    return format_percent(shown, locale)


def table(report: KpiReport) -> tuple[list[str], list[list[str]]]:
    """The report as a header and rows of text in the reader's locale.

    Columns: the period (if sliced by one), each ``by`` dimension, then each KPI; a duration
    KPI adds one column per percentile (``FRT p90``).
    """
    if not isinstance(report, KpiReport):
        raise InvalidFormat(f"expected a KpiReport, got {type(report).__name__}", field="report")
    spec = report.spec
    header = (["period"] if spec.period else []) + list(spec.by)
    for kpi in spec.kpis:
        header.append(KPI_TITLES[kpi])
        if kpi in DURATION_KPIS:
            header += [f"{KPI_TITLES[kpi]} p{p}" for p in spec.percentiles]
    rows = []
    for row in report.rows:
        cells = ([row.period or ""] if spec.period else []) + [part or "–" for part in row.key]
        for kpi in spec.kpis:
            value = row.get(kpi)
            cells.append(format_value(value, spec.locale))
            if kpi in DURATION_KPIS:
                for p in spec.percentiles:
                    found = value.percentile(p)
                    cells.append("–" if found is None else format_duration(found, spec.locale))
        rows.append(cells)
    return header, rows
