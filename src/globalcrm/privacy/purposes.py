"""Processing purposes: versioned, immutable once active, with DPV 2.3 purpose codes.

A purpose says why data is processed (W3C DPV 2.3 purpose taxonomy, https://w3id.org/dpv),
under which lawful basis per regime (:mod:`globalcrm.privacy.regimes`), on which channels, and
which processing categories it involves (some need explicit or separate consent). ISO/IEC TS
27560:2023 records point at the exact purpose version consented to; a *material* change makes a
new version whose ``renewal_from`` invalidates earlier consents ("renewal required").

```pycon
>>> news = Purpose("newsletter", 1, name="Newsletter", dpv_purpose="dpv:DirectMarketing",
...                legal_basis={"eu-gdpr": "consent"}, channels=("email",))
>>> news.activate()
>>> news.dpv_purpose, news.requires_consent
('DirectMarketing', True)
>>> news.supersede(material_change=True, channels=("email", "sms")).renewal_from
2

```
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import importlib.resources
import json
import re
from collections.abc import Mapping
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.privacy import _converters as _c
from globalcrm.privacy import regimes as _regimes

__all__ = [
    "CATEGORIES",
    "CONSENT_TYPES",
    "PURPOSE_STATUSES",
    "Purpose",
    "add_duration",
    "dpv_purposes",
]

CONSENT_TYPES = ("implied", "expressed", "explicit")
"""Weakest first: DPV ``ImpliedConsent`` < ``ExpressedConsent`` < ``ExplicitlyExpressedConsent``."""
CATEGORIES = (
    "special_category",
    "automated_decision",
    "cross_border_transfer",
    "third_party_provision",
    "public_disclosure",
    "unique_identifier",
    "high_risk_profiling",
    "direct_marketing",
)
"""Processing categories a purpose may declare; some need explicit or separate consent."""
PURPOSE_STATUSES = ("draft", "active", "retired")

_DURATION = re.compile(
    r"P(?:(?P<y>\d{1,4})Y)?(?:(?P<mo>\d{1,5})M)?(?:(?P<w>\d{1,5})W)?(?:(?P<d>\d{1,6})D)?"
    r"(?:T(?:(?P<h>\d{1,7})H)?(?:(?P<mi>\d{1,9})M)?(?:(?P<s>\d{1,10})S)?)?"
)


def _duration_text(value: object, *, field: str) -> str:
    if (
        not isinstance(value, str)
        or value in ("P", "PT")
        or value.endswith("T")
        or not _DURATION.fullmatch(value)
    ):
        raise InvalidFormat("expected an ISO 8601 duration such as 'P2Y'", field=field)
    return value


def add_duration(instant: dt.datetime, duration: str) -> dt.datetime:
    """Add an ISO 8601 duration in UTC, calendar-wise for years and months (day clamped).

    ```pycon
    >>> add_duration(dt.datetime(2024, 2, 29, tzinfo=dt.UTC), "P1Y").date()
    datetime.date(2025, 2, 28)

    ```
    """
    start = _checks.aware_utc(instant, field="instant")
    match = _DURATION.fullmatch(_duration_text(duration, field="duration"))
    if match is None:  # pragma: no cover - _duration_text matched it already
        raise InvalidFormat("expected an ISO 8601 duration such as 'P2Y'", field="duration")
    part = {k: int(v or 0) for k, v in match.groupdict().items()}
    months = start.month - 1 + part["mo"] + 12 * part["y"]
    year, month = start.year + months // 12, months % 12 + 1
    if year > 9999:
        raise InvalidInput("the duration goes past the year 9999", field="duration")
    day = min(start.day, calendar.monthrange(year, month)[1])
    try:
        return start.replace(year=year, month=month, day=day) + dt.timedelta(
            weeks=part["w"], days=part["d"], hours=part["h"], minutes=part["mi"], seconds=part["s"]
        )
    except OverflowError as error:
        raise InvalidInput("the duration is too long", field="duration") from error


@functools.cache
def dpv_purposes() -> Mapping[str, Mapping[str, Any]]:
    """DPV 2.3 purpose concepts by term (``DirectMarketing`` ...), from package data."""
    resource = importlib.resources.files("globalcrm.privacy").joinpath("data/dpv_purposes.json")
    data: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    result: dict[str, Mapping[str, Any]] = data["purposes"]
    return result


# --- field converters (one per field: attrs calls them at construction and on assignment) ----


def _key(value: object) -> str:
    return _c.slug(value, field="key")


def _version(value: object) -> int:
    return _c.whole(value, field="version")


def _name(value: object) -> str:
    return _checks.text(value, field="name", max_length=200)


def _dpv(value: object) -> str:
    term = _checks.text(value, field="dpv_purpose", max_length=200)
    term = term.removeprefix("https://w3id.org/dpv#").removeprefix("dpv:")
    if term not in dpv_purposes():
        raise InvalidFormat("not a DPV 2.3 purpose term", field="dpv_purpose")
    return term


def _legal_basis(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of regime to lawful basis", field="legal_basis")
    result = {}
    for key, basis in value.items():
        code = _regimes.regime_code(key, field="legal_basis")
        field = f"legal_basis[{code!r}]"
        if not isinstance(basis, str) or basis not in _regimes.regime(code).lawful_bases:
            raise InvalidFormat(f"not a lawful basis under {code}", field=field)
        result[code] = basis
    return result


def _channels(value: object) -> tuple[str, ...]:
    return _c.slugs(value, field="channels")


def _description(value: object) -> str | None:
    return _checks.optional_text(value, field="description")


def _status(value: object) -> str:
    return _checks.choice(value, PURPOSE_STATUSES, field="status", what="purpose status")


def _consent_type_required(value: object) -> str:
    return _checks.choice(value, CONSENT_TYPES, field="consent_type_required", what="type")


def _categories(value: object) -> frozenset[str]:
    items = _checks.sequence(
        sorted(value, key=str) if isinstance(value, set | frozenset) else value, field="categories"
    )
    return frozenset(
        _checks.choice(item, CATEGORIES, field=f"categories[{i}]", what="category")
        for i, item in enumerate(items)
    )


def _direct_marketing(value: object) -> bool:
    return _checks.flag(value, field="direct_marketing")


def _sells_or_shares(value: object) -> bool:
    return _checks.flag(value, field="sells_or_shares")


def _requires_double_opt_in(value: object) -> bool:
    return _checks.flag(value, field="requires_double_opt_in")


def _requires_age_assurance(value: object) -> bool:
    return _checks.flag(value, field="requires_age_assurance")


def _consent_validity(value: object) -> str | None:
    return None if value is None else _duration_text(value, field="consent_validity")


def _kantara(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 16:
        raise InvalidFormat(
            "expected a Kantara purpose category from 1 to 16", field="kantara_category"
        )
    return value


def _renewal_from(value: object) -> int:
    return _c.whole(value, field="renewal_from")


def _material_change(value: object) -> bool:
    return _checks.flag(value, field="material_change")


def _supersedes(value: object) -> int | None:
    return None if value is None else _c.whole(value, field="supersedes")


def _withdrawal_method(value: object) -> str | None:
    return _checks.optional_text(value, field="withdrawal_method")


_MUTABLE_WHEN_ACTIVE = frozenset({"status"})


def _guard(instance: Any, attribute: Any, value: Any) -> Any:
    if instance.__dict__.get("status", "draft") != "draft" and attribute.name not in (
        _MUTABLE_WHEN_ACTIVE
    ):
        raise RuleViolation(
            "an active purpose is immutable; supersede it with a new version", field=attribute.name
        )
    return value


@attrs.define(slots=False, eq=False, on_setattr=attrs.setters.pipe(_guard, attrs.setters.convert))
class Purpose:
    """One version of a processing purpose; immutable once active (supersede to change it).

    ``legal_basis`` maps regime to lawful basis (``{"eu-gdpr": "consent"}``); ``renewal_from`` is
    the oldest version whose consents are still valid (raised by a material change).
    """

    key: str = attrs.field(converter=_key)
    version: int = attrs.field(converter=_version)
    name: str = attrs.field(converter=_name)
    dpv_purpose: str = attrs.field(converter=_dpv)
    legal_basis: dict[str, str] = attrs.field(factory=dict, converter=_legal_basis)
    channels: tuple[str, ...] = attrs.field(default=(), converter=_channels)
    description: str | None = attrs.field(default=None, converter=_description)
    status: str = attrs.field(default="draft", converter=_status)
    consent_type_required: str = attrs.field(default="expressed", converter=_consent_type_required)
    categories: frozenset[str] = attrs.field(factory=frozenset, converter=_categories)
    direct_marketing: bool = attrs.field(default=False, converter=_direct_marketing)
    sells_or_shares: bool = attrs.field(default=False, converter=_sells_or_shares)
    requires_double_opt_in: bool = attrs.field(default=False, converter=_requires_double_opt_in)
    requires_age_assurance: bool = attrs.field(default=False, converter=_requires_age_assurance)
    consent_validity: str | None = attrs.field(default=None, converter=_consent_validity)
    kantara_category: int | None = attrs.field(default=None, converter=_kantara)
    renewal_from: int = attrs.field(default=1, converter=_renewal_from)
    material_change: bool = attrs.field(default=False, converter=_material_change)
    supersedes: int | None = attrs.field(default=None, converter=_supersedes)
    withdrawal_method: str | None = attrs.field(default=None, converter=_withdrawal_method)

    @property
    def requires_consent(self) -> bool:
        """Whether consent is the lawful basis (under any regime, or when none is declared)."""
        return not self.legal_basis or "consent" in self.legal_basis.values()

    def activate(self) -> None:
        """Make this draft version the active one; from now on it cannot change."""
        if self.status != "draft":
            raise RuleViolation("only a draft purpose can be activated", field="status")
        self.status = "active"

    def retire(self) -> None:
        """Retire this version: no new consents to it (withdrawals are still recorded)."""
        if self.status == "retired":
            raise RuleViolation("the purpose is already retired", field="status")
        self.status = "retired"

    def supersede(self, *, material_change: bool, **changes: Any) -> Purpose:
        """A new draft version with ``changes``; a material change raises ``renewal_from``."""
        if "key" in changes or "version" in changes:
            raise InvalidInput("a new version keeps the key and numbers itself", field="key")
        fields = {a.name: getattr(self, a.name) for a in attrs.fields(Purpose)}
        fields.update(changes)
        version = self.version + 1
        flag = _checks.flag(material_change, field="material_change")
        fields.update(
            version=version,
            status="draft",
            supersedes=self.version,
            material_change=flag,
            renewal_from=version if flag else self.renewal_from,
        )
        try:
            return Purpose(**fields)
        except TypeError as error:
            raise InvalidInput("unknown purpose field", field="changes") from error
