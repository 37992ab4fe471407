"""Privacy regimes as versioned data: lawful bases, rights, deadlines, age of digital consent.

Eleven regimes, keyed ``eu-gdpr``, ``uk-gdpr``, ``br-lgpd``, ``us-ca-ccpa``, ``cn-pipl``,
``in-dpdp``, ``jp-appi``, ``ca-pipeda``, ``za-popia``, ``kr-pipa`` and ``ch-fadp``. Every value in
``privacy/data/regimes.json`` carries its citation (article or section); a value of ``None``
means the law sets none. The data is stamped with ``as_of`` because the law changes.

Ages are computed on the subject's **local** date (the time zone where they live), so someone born
on 1 March turns 16 at local midnight, not at midnight UTC:

```pycon
>>> import datetime as dt
>>> at = dt.datetime(2026, 2, 28, 22, 30, tzinfo=dt.UTC)
>>> age_on(dt.date(2010, 3, 1), at, "Asia/Tokyo"), age_on(dt.date(2010, 3, 1), at, "Europe/Berlin")
(16, 15)
>>> age_of_consent("LT").age, age_of_consent("DE").age, age_of_consent("CN").age
(14, 16, 14)
>>> is_minor(dt.date(2010, 3, 1), "DE", at, "Europe/Berlin")
True

```
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import json
import zoneinfo
from collections.abc import Mapping
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat, NotFound

__all__ = [
    "REGIME_CODES",
    "AgeRule",
    "Regime",
    "Rule",
    "age_of_consent",
    "age_on",
    "data_as_of",
    "is_minor",
    "regime",
    "regime_code",
    "regimes_for_country",
]

REGIME_CODES = (
    "br-lgpd",
    "ca-pipeda",
    "ch-fadp",
    "cn-pipl",
    "eu-gdpr",
    "in-dpdp",
    "jp-appi",
    "kr-pipa",
    "uk-gdpr",
    "us-ca-ccpa",
    "za-popia",
)


@functools.cache
def _data() -> dict[str, Any]:
    resource = importlib.resources.files("globalcrm.privacy").joinpath("data/regimes.json")
    result: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return result


def data_as_of() -> dt.date:
    """The date the regime data was last checked against the law."""
    return dt.date.fromisoformat(_data()["as_of"])


@attrs.frozen
class Rule:
    """One rule of a regime: its value, the citation it comes from, and an optional note."""

    value: Any
    cite: str
    note: str | None = None


@attrs.frozen
class Regime:
    """A privacy regime: its name, law and rules, each rule with a citation."""

    code: str
    name: str
    law: str
    rules: Mapping[str, Rule]
    rights: Mapping[str, str]

    @property
    def lawful_bases(self) -> tuple[str, ...]:
        """The lawful-basis codes this regime knows (``consent``, ``contract`` ...)."""
        return tuple(self.rules["lawful_bases"].value)

    def rule(self, name: str) -> Rule | None:
        """The rule called ``name`` (``child_consent``, ``request_deadline`` ...), if any."""
        return self.rules.get(name)

    def values(self, name: str) -> tuple[str, ...]:
        """A list-valued rule as a tuple (empty if the regime has no such rule)."""
        rule = self.rules.get(name)
        return tuple(rule.value) if rule is not None and rule.value else ()


def regime_code(value: object, *, field: str = "regime") -> str:
    """Return ``value`` as a known regime code (``eu-gdpr`` ...), lower case."""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected a regime code, got {type(value).__name__}", field=field)
    code = value.strip().lower().replace("_", "-")
    if code not in REGIME_CODES:
        raise InvalidComponent(
            f"unknown regime (expected one of {', '.join(REGIME_CODES)})", field=field
        )
    return code


@functools.cache
def _regime(code: str) -> Regime:
    raw = _data()["regimes"][code]
    rules = {
        name: Rule(item["value"], item["cite"], item.get("note"))
        for name, item in raw.items()
        if isinstance(item, dict) and "value" in item
    }
    rights = {name: item["cite"] for name, item in raw["rights"].items()}
    return Regime(code, raw["name"], raw["law"], rules, rights)


def regime(code: str) -> Regime:
    """Return the regime with key ``code`` (``eu-gdpr`` ...).

    Raises:
        InvalidComponent: unknown regime code.
    """
    return _regime(regime_code(code).lower())


def regimes_for_country(country: str) -> tuple[str, ...]:
    """The regime codes covering residents of ``country`` (ISO 3166-1 alpha-2).

    ```pycon
    >>> regimes_for_country("LT")
    ('eu-gdpr',)

    ```
    """
    code = _checks.country(country)
    return tuple(key for key in REGIME_CODES if code in _regime(key).rules["countries"].value)


@attrs.frozen
class AgeRule:
    """The age of digital consent in a country under a regime (``None``: the law sets none)."""

    age: int | None
    regime: str
    country: str
    cite: str
    note: str | None = None


def age_of_consent(country: str, regime: str | None = None) -> AgeRule:
    """The age below which a guardian must consent, for residents of ``country``.

    ``regime`` defaults to the regime covering the country; GDPR countries get their national
    derogation (Art. 8(1) lets Member States choose 13-16), or the default of 16.

    Raises:
        InvalidComponent: unknown country or regime.
        NotFound: no regime in the data covers the country.
    """
    code = _checks.country(country)
    if regime is None:
        found = regimes_for_country(code)
        if not found:
            raise NotFound(f"no privacy regime in the data covers {code}", field="country")
        key = found[0]
    else:
        key = regime_code(regime).lower()
    data = _data()["regimes"][key]
    national = data.get("child_consent_by_country", {}).get(code)
    if national is not None:
        return AgeRule(national["value"], key, code, national["cite"], national.get("note"))
    rule = _regime(key).rules["child_consent"]
    return AgeRule(rule.value, key, code, rule.cite, rule.note)


def _local_date(at: object, zone: object) -> dt.date:
    instant = _checks.aware_utc(at, field="at")
    name = _checks.time_zone(zone, field="zone")
    return instant.astimezone(zoneinfo.ZoneInfo(name)).date()


def age_on(birth_date: dt.date, at: dt.datetime, zone: str) -> int:
    """Completed years of age at instant ``at`` on the local calendar of ``zone``.

    A 29 February birthday is reached on 1 March in common years.
    """
    if not isinstance(birth_date, dt.date) or isinstance(birth_date, dt.datetime):
        raise InvalidFormat("expected a date", field="birth_date")
    today = _local_date(at, zone)
    if birth_date > today:
        raise InvalidComponent("the birth date is after the given instant", field="birth_date")
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_minor(
    birth_date: dt.date, country: str, at: dt.datetime, zone: str, *, regime: str | None = None
) -> bool:
    """Whether the subject is below the age of digital consent at ``at`` on their local date.

    Where the law sets no age (Switzerland: capacity of discernment; Japan, Canada: guidance
    only) this returns ``False``: the controller must assess capacity case by case.
    """
    rule = age_of_consent(country, regime)
    years = age_on(birth_date, at, zone)
    return rule.age is not None and years < rule.age
