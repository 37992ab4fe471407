"""crm.metrics on SQLite and PostgreSQL: the report, the dashboard's data and the at-risk list.

A synthetic service history (globalcrm.metrics_demo) whose churners are known; another tenant
sees none of it; bad questions are refused with the field named.
"""

from __future__ import annotations

import datetime as dt

import pytest

import globalcrm as gc
from globalcrm.errors import GlobalCRMError, NotFound
from globalcrm.metrics_demo import seed_service_history

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def test_report_dashboard_and_at_risk(crm: gc.CRM) -> None:
    people = seed_service_history(crm, now=NOW, customers=7, weeks=3)
    report = crm.metrics.report(["nps", "csat", "contacts"], now=NOW)
    [row] = report.rows
    assert row.get("nps").count > 0 and row.get("contacts").count > 0
    data = crm.metrics.dashboard(now=NOW, weeks=4, locale="fi", time_zone="Europe/Helsinki")
    assert {r.team for r in data.sla} == {"north", "south"}
    assert sum(r.get("contacts").count for r in data.channels.rows) == \
        data.summary.rows[0].get("contacts").count
    assert {r.key[0] for r in data.trend.rows} <= {"LT", "FI", "JP", "DE", "BR"}
    assert crm.metrics.dashboard_html(now=NOW).count("<svg") == 5
    listed = crm.metrics.at_risk(now=NOW)
    assert people[0].id in {risk.customer_id for risk in listed}  # people[::6] churned
    assert crm.metrics.churn_risk(people[0], now=NOW).at_risk
    other = crm.for_tenant("elsewhere")
    assert other.metrics.report("nps", now=NOW).rows == ()
    assert other.metrics.at_risk(now=NOW, threshold=0) == []
    with pytest.raises(NotFound):
        other.metrics.churn_risk(people[0].id, now=NOW)


@pytest.mark.parametrize(("arguments", "field"), [
    ({"kpis": "mood"}, "kpis[0]"),
    ({"kpis": "nps", "by": "shoe"}, "by[0]"),
    ({"kpis": "nps", "period": "year"}, "period"),
    ({"kpis": "nps", "time_zone": "Mars/Olympus"}, "time_zone"),
    ({"kpis": "nps", "start": NOW, "end": NOW - dt.timedelta(days=1)}, "end"),
    ({"kpis": "nps", "percentiles": [0]}, "percentiles[0]"),
    ({"kpis": []}, "kpis"),
])
def test_bad_questions_name_the_field(crm: gc.CRM, arguments: dict[str, object],
                                      field: str) -> None:
    with pytest.raises(GlobalCRMError) as caught:
        crm.metrics.report(now=NOW, **arguments)  # type: ignore[arg-type]
    assert caught.value.field == field
