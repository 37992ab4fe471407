"""KPI values in the reader's locale (globalcrm.metrics_format) and notice planning (proactive)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from globalcrm.demo_data import sample_customers
from globalcrm.errors import GlobalCRMError
from globalcrm.metrics import KpiValue
from globalcrm.metrics_format import format_duration, format_percent, format_value
from globalcrm.proactive import plan_notice

SATURDAY = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "42.5%"), ("de", "42,5\xa0%"), ("lt", "42,5\xa0%"), ("ja", "42.5%"),
    ("he", "42.5%"),
])
def test_percent_follows_the_locale_s_pattern(locale: str, expected: str) -> None:
    assert format_percent(Decimal("42.5"), locale).replace("\u200e", "") == expected


@pytest.mark.parametrize(("seconds", "unit"), [
    (59, "sec"), (119, "sec"), (120, "min"), (7199, "min"), (7200, "hr"), (172_800, "day"),
])
def test_durations_pick_a_readable_unit(seconds: int, unit: str) -> None:
    assert unit in format_duration(dt.timedelta(seconds=seconds), "en")


def test_values_and_refusals() -> None:
    assert format_value(KpiValue("nps", count=4, hits=1, misses=3), "en") == "-50.0"
    assert format_value(KpiValue("ces", count=3, total=16), "en") == "5.33"
    assert format_value(KpiValue("contacts", count=12345), "de") == "12.345"
    with pytest.raises(GlobalCRMError):
        format_value("nps", "en")  # type: ignore[arg-type]
    with pytest.raises(GlobalCRMError):
        format_duration(60, "en")  # type: ignore[arg-type]


def test_a_plan_skips_unusable_channels_and_waits_for_good_hours() -> None:
    jonas = sample_customers()[0]  # Vilnius; WhatsApp, then e-mail; weekdays 09:00-18:00
    nobody = plan_notice(jonas, event="order_delayed", allowed={}, now=SATURDAY)
    assert nobody.channel is None and nobody.send_at is None and not nobody.sendable
    assert all(reason.startswith(("consent", "no contact point")) for _, reason in nobody.skipped)
    whatsapp = plan_notice(jonas, event="tier_upgrade", allowed={"whatsapp": (True, "given")},
                           now=SATURDAY)
    assert whatsapp.channel == "whatsapp" and whatsapp.template == "tier_upgrade"
    assert whatsapp.send_at is not None and whatsapp.send_at.weekday() == 0
    assert not whatsapp.due(SATURDAY) and whatsapp.due(whatsapp.send_at)
    with pytest.raises(GlobalCRMError) as caught:
        plan_notice(jonas, event="birthday", allowed={}, now=SATURDAY)
    assert caught.value.field == "event"
