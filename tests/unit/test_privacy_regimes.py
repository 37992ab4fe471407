"""Regime data: every value cited; ages of digital consent on the local date (scenarios 18-19)."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from globalcrm.errors import InvalidComponent, NotFound, RuleViolation
from globalcrm.privacy import consent as c
from globalcrm.privacy import regimes
from globalcrm.privacy.notices import publish_notice

ROOT = Path(__file__).resolve().parents[2]


def _data() -> dict[str, Any]:
    text = importlib.resources.files("globalcrm.privacy").joinpath("data/regimes.json").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def _uncited(node: Any, path: str) -> list[str]:
    missing = []
    if isinstance(node, dict):
        if "value" in node and not (isinstance(node.get("cite"), str) and node["cite"].strip()):
            missing.append(path)
        for key, child in node.items():
            if key != "value":
                missing.extend(_uncited(child, f"{path}.{key}"))
    return missing


def test_every_value_has_a_citation() -> None:
    data = _data()
    assert sorted(data["regimes"]) == sorted(regimes.REGIME_CODES)
    missing = _uncited(data["regimes"], "regimes")
    for code, regime in data["regimes"].items():
        for right, item in regime["rights"].items():
            if not item.get("cite", "").strip():
                missing.append(f"{code}.rights.{right}")
        for name, item in regime.items():
            if (
                isinstance(item, dict)
                and name != "rights"
                and "value" not in item
                and not all(isinstance(v, dict) and "value" in v for v in item.values())
            ):
                missing.append(f"{code}.{name} (no value)")
    assert missing == []


def test_uncited_value_is_caught() -> None:
    assert _uncited({"x": {"value": 3, "cite": " "}}, "r") == ["r.x"]
    assert _uncited({"x": {"y": {"value": 3}}}, "r") == ["r.x.y"]


def test_regime_lookup() -> None:
    gdpr = regimes.regime("EU_GDPR")
    assert gdpr.code == "eu-gdpr" and gdpr.rights["withdraw_consent"] == "Art. 7(3)"
    assert "recognised_legitimate_interests" in regimes.regime("uk-gdpr").lawful_bases
    assert regimes.regime("us-ca-ccpa").rule("request_deadline.opt_out_sale_share") is not None
    assert regimes.data_as_of() == dt.date(2026, 2, 1)
    with pytest.raises(InvalidComponent):
        regimes.regime("xx-law")
    assert regimes.regimes_for_country("NO") == ("eu-gdpr",)
    with pytest.raises(NotFound):
        regimes.age_of_consent("AR")


@pytest.mark.parametrize(
    ("country", "age"),
    [
        ("DE", 16),
        ("LT", 14),
        ("LV", 13),
        ("FI", 13),
        ("FR", 15),
        ("CY", 14),
        ("SI", 16),
        ("GB", 13),
        ("CN", 14),
        ("IN", 18),
        ("KR", 14),
        ("ZA", 18),
        ("BR", 12),
        ("US", 13),
        ("CH", None),
        ("JP", None),
        ("CA", None),
    ],
)
def test_age_of_consent(country: str, age: int | None) -> None:
    rule = regimes.age_of_consent(country)
    assert rule.age == age and rule.cite


T = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)


def _notice() -> Any:
    return publish_notice(
        "app",
        1,
        language="en",
        title="App",
        body="Terms",
        effective_from=T - dt.timedelta(days=10),
        notice_id="n-1",
    )


@pytest.mark.parametrize(
    ("country", "zone", "age", "regime", "guardian_needed"),
    [
        ("DE", "Europe/Berlin", 15, "eu-gdpr", True),
        ("LT", "Europe/Vilnius", 14, "eu-gdpr", False),
        ("LV", "Europe/Riga", 13, "eu-gdpr", False),
        ("FI", "Europe/Helsinki", 13, "eu-gdpr", False),
        ("CN", "Asia/Shanghai", 13, "cn-pipl", True),
        ("IN", "Asia/Kolkata", 17, "in-dpdp", True),
        ("KR", "Asia/Seoul", 13, "kr-pipa", True),
    ],
)
def test_18_minors_need_a_guardian_below_the_local_threshold(
    country: str, zone: str, age: int, regime: str, guardian_needed: bool
) -> None:
    p = c.Purpose(
        "app", 1, name="App", dpv_purpose="ServiceProvision", legal_basis={regime: "consent"}
    )
    p.activate()
    n = _notice()
    subject = c.Subject("s-1", country, zone, dt.date(T.year - age - 1, 6, 1))
    assert regimes.age_on(subject.birth_date, T, zone) == age  # type: ignore[arg-type]
    own = c.ConsentEvent(
        subject_ref="s-1",
        purpose_key="app",
        purpose_version=1,
        channel="web",
        state="given",
        consent_type="explicit",
        occurred_at=T,
        notice_version_id=n.id,
        notice_sha256=n.content_sha256,
    )
    if guardian_needed:
        with pytest.raises(RuleViolation) as err:
            c.check_event(own, purpose=p, now=T, notice=n, subject=subject)
        assert err.value.field == "actor_kind" and regime in err.value.message
        guardian = c.ConsentEvent(
            subject_ref="s-1",
            purpose_key="app",
            purpose_version=1,
            channel="web",
            state="given",
            consent_type="explicit",
            occurred_at=T,
            notice_version_id=n.id,
            notice_sha256=n.content_sha256,
            actor_kind="guardian",
            actor_ref="g-1",
            guardian_verification="id_document",
        )
        c.check_event(guardian, purpose=p, now=T, notice=n, subject=subject)
    else:
        c.check_event(own, purpose=p, now=T, notice=n, subject=subject)


def test_19_birthday_uses_the_local_date() -> None:
    born = dt.date(2010, 3, 1)
    # privacy.md §5.2 scenario 19 names 2026-02-28T23:30Z, but that is already 1 March 00:30 in
    # Berlin (UTC+1); 22:30Z is the instant at which Tokyo and Berlin disagree.
    at = dt.datetime(2026, 2, 28, 22, 30, tzinfo=dt.UTC)
    assert regimes.age_on(born, at, "Asia/Tokyo") == 16
    assert regimes.age_on(born, at, "Europe/Berlin") == 15
    assert regimes.is_minor(born, "DE", at, "Europe/Berlin")
    assert not regimes.is_minor(born, "DE", at, "Asia/Tokyo")
    assert not regimes.is_minor(born, "DE", at + dt.timedelta(hours=1), "Europe/Berlin")
    leap = dt.date(2008, 2, 29)
    assert regimes.age_on(leap, dt.datetime(2024, 2, 28, 12, tzinfo=dt.UTC), "UTC") == 15
    assert regimes.age_on(leap, dt.datetime(2024, 2, 29, 12, tzinfo=dt.UTC), "UTC") == 16
    assert regimes.age_on(leap, dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC), "UTC") == 17
    assert regimes.age_on(leap, dt.datetime(2025, 2, 28, 12, tzinfo=dt.UTC), "UTC") == 16


def test_regimes_page_is_generated_from_the_data() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "tools" / "build_regimes_page.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_dpv_package_data_is_rebuilt_byte_for_byte() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "tools" / "build_dpv.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    purposes = c.dpv_purposes()
    assert purposes["DirectMarketing"]["broader"] == ["Marketing"]
    assert len(purposes) > 100
