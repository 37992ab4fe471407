"""Loyalty tiers: who qualifies, when a tier changes, and what each tier is called.

A member qualifies for the highest tier whose threshold their *qualifying value* reaches: the
points earned (``basis="points"``), or the spend in the program's currency (``basis="spend"``),
over a rolling window that ends at the moment judged (365 days by default). Redemptions, expiry
and manual adjustments do not count; a reversal of an earn (a refund) takes its share back.

- **Upgrade at once**: when an earn is recorded and the window ending then qualifies for a
  higher tier, the member moves up on the spot.
- **Downgrade only at the end of a period**: periods are ``period_months`` long and start on the
  first of the month at midnight in the program's time zone, aligned to January (12 months:
  calendar years; 3: quarters). After a period ends and ``grace_days`` more have passed,
  :meth:`globalcrm.crm.loyalty.Loyalty.review_tiers` moves a member who no longer qualifies to
  the tier they do qualify for, judged on the window ending with the period plus what they
  earned during the grace period. A member who moved up after the period ended keeps the tier
  until the next period's review.

This follows the model of Salesforce Loyalty Management's tier groups (qualifying points,
upgrade at once, downgrade at the tier period's end) rather than ERPNext's spend-only tiers.
Tier names are given per language (BCP 47) and looked up along CLDR's likely-subtags and
truncation chain (``zh`` finds ``zh-Hans``, ``pt-BR`` finds ``pt``, ``en-US`` finds ``en``):
UTS #35 Part 1, https://unicode.org/reports/tr35/#Likely_Subtags.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput
from globalcrm.locale import cldr_locales

__all__ = [
    "BASES",
    "DEFAULT_TIER_NAMES",
    "PERIOD_MONTHS",
    "TIER_CHANGE_REASONS",
    "Tier",
    "TierChange",
    "TierRules",
    "TierStatus",
    "check_tiers",
    "decimal_value",
    "default_tiers",
    "localized",
    "period_start",
    "qualified_tier",
    "tier_rank",
]

BASES = ("points", "spend")
"""What qualifies a member for a tier: points earned, or spend in the program's currency."""
PERIOD_MONTHS = (1, 2, 3, 4, 6, 12)
"""Period lengths that tile a calendar year, so every period starts on the same months."""
TIER_CHANGE_REASONS = ("enrolled", "upgrade", "downgrade", "merged")
"""Why a member's tier changed: joining the program, qualifying higher, a period review, or a
merge of two customers (the kept member takes the higher tier)."""

DEFAULT_TIER_NAMES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "silver": MappingProxyType({
        "de": "Silber", "en": "Silver", "es": "Plata", "fi": "Hopea", "fr": "Argent",
        "he": "כסף", "hi": "सिल्वर", "ja": "シルバー", "ko": "실버", "lt": "Sidabrinis",
        "lv": "Sudraba", "nl": "Zilver", "pt": "Prata", "uz": "Kumush", "uz-Cyrl": "Кумуш",
        "zh-Hans": "银卡", "zh-Hant": "銀卡",
    }),
    "gold": MappingProxyType({
        "de": "Gold", "en": "Gold", "es": "Oro", "fi": "Kulta", "fr": "Or",
        "he": "זהב", "hi": "गोल्ड", "ja": "ゴールド", "ko": "골드", "lt": "Auksinis",
        "lv": "Zelta", "nl": "Goud", "pt": "Ouro", "uz": "Oltin", "uz-Cyrl": "Олтин",
        "zh-Hans": "金卡", "zh-Hant": "金卡",
    }),
    "platinum": MappingProxyType({
        "de": "Platin", "en": "Platinum", "es": "Platino", "fi": "Platina", "fr": "Platine",
        "he": "פלטינום", "hi": "प्लैटिनम", "ja": "プラチナ", "ko": "플래티넘",
        "lt": "Platininis", "lv": "Platīna", "nl": "Platina", "pt": "Platina",
        "uz": "Platina", "uz-Cyrl": "Платина", "zh-Hans": "白金卡", "zh-Hant": "白金卡",
    }),
})
"""The default tiers' names: the demo's languages (``pt`` serves ``pt-BR``) and a few more."""


# --------------------------------------------------------------------------- names


def _names(value: object) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidFormat("expected a mapping of language tags to names", field="names")
    result: dict[str, str] = {}
    for index, (tag, name) in enumerate(value.items()):
        key = _checks.language(tag, field=f"names[#{index}]")
        if key in result:
            raise InvalidInput("two tags name the same language", field=f"names[#{index}]")
        result[key] = _checks.text(name, field=f"names.{key}", max_length=100)
    return MappingProxyType(dict(sorted(result.items())))


def localized(names: Mapping[str, str], language: object) -> str:
    """The name for ``language`` from ``names`` (tag -> text), along CLDR's fallback chain.

    Tried in turn: the tag as given, its likely-subtags form and the shorter forms of it
    (``zh`` -> ``zh-Hans-CN``, ``zh-Hans``, ``zh``), then English, then the first name given.

    ```pycon
    >>> names = DEFAULT_TIER_NAMES["gold"]
    >>> localized(names, "zh"), localized(names, "pt-BR"), localized(names, "en-US")
    ('金卡', 'Ouro', 'Gold')
    >>> localized(names, "uz"), localized(names, "uz-Cyrl"), localized(names, "sw")
    ('Oltin', 'Олтин', 'Gold')

    ```
    """
    tag = _checks.language(language)
    for candidate in _chain(tag):
        if candidate in names:
            return names[candidate]
    return names.get("en") or next(iter(names.values()))


@functools.lru_cache(maxsize=512)
def _chain(tag: str) -> tuple[str, ...]:
    language, script, region = cldr_locales.parse_locale(tag)
    full_language, full_script, full_region = cldr_locales.maximize(language, script, region)
    candidates = [
        tag,
        cldr_locales.join(full_language, full_script, full_region),
        cldr_locales.join(full_language, "", region),
        cldr_locales.join(full_language, full_script),
        full_language,
    ]
    return tuple(dict.fromkeys(candidates))


# --------------------------------------------------------------------------- tiers


def _code(value: object) -> str:
    return _checks.code(value, field="code")


def _threshold(value: object) -> Decimal:
    number = decimal_value(value, field="threshold")
    if number < 0:
        raise InvalidInput("must not be negative", field="threshold")
    return number


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def decimal_value(value: object, *, field: str) -> Decimal:
    """A finite ``Decimal`` from a Decimal, an int or plain decimal text (no floats, no exponents).

    Below 10**15 and with at most 12 decimals: loyalty figures are counts and rates, never
    astronomical.
    """
    if isinstance(value, (bool, float)):
        raise InvalidFormat("expected a Decimal, a whole number or decimal text", field=field)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        if abs(value) >= 10**15:
            raise InvalidInput("too large", field=field)
        number = Decimal(value)
    elif isinstance(value, str) and len(value) <= 40 and _NUMBER.fullmatch(value.strip()):
        number = Decimal(value.strip())
    else:
        raise InvalidFormat("expected a Decimal, a whole number or decimal text", field=field)
    if not number.is_finite():
        raise InvalidFormat("not a finite number", field=field)
    exponent = number.as_tuple().exponent
    if number.adjusted() >= 15 or (isinstance(exponent, int) and exponent < -12):
        raise InvalidInput("too large, or more than 12 decimals", field=field)
    return number + 0  # no negative zero


def _perks(value: object) -> tuple[str, ...]:
    return _checks.codes(value, field="perks")


@attrs.frozen(kw_only=True)
class Tier:
    """One tier: its code, names per language, the qualifying value it needs, and its perks.

    ``threshold`` is in points, or in units of the program's currency for ``basis="spend"``.
    ``perks`` are codes your application gives meaning to (``free_shipping``).
    """

    code: str = attrs.field(converter=_code)
    names: Mapping[str, str] = attrs.field(converter=_names, eq=False, repr=False)
    threshold: Decimal = attrs.field(converter=_threshold)
    perks: tuple[str, ...] = attrs.field(default=(), converter=_perks)

    def name(self, language: object = "en") -> str:
        """The tier's name in ``language`` (see :func:`localized`)."""
        return localized(self.names, language)

    def to_document(self) -> dict[str, Any]:
        """The tier as JSON-safe data (stored with its program)."""
        return {
            "code": self.code,
            "names": dict(self.names),
            "threshold": str(self.threshold),
            "perks": list(self.perks),
        }


def default_tiers() -> tuple[Tier, ...]:
    """Silver from the first point, Gold from 1,000 and Platinum from 5,000 (points basis)."""
    perks = {
        "silver": ("member_prices",),
        "gold": ("member_prices", "free_shipping", "birthday_gift"),
        "platinum": ("member_prices", "free_shipping", "birthday_gift", "priority_support"),
    }
    thresholds = {"silver": 0, "gold": 1000, "platinum": 5000}
    return tuple(
        Tier(code=code, names=DEFAULT_TIER_NAMES[code], threshold=thresholds[code],
             perks=perks[code])
        for code in ("silver", "gold", "platinum")
    )


def check_tiers(value: object) -> tuple[Tier, ...]:
    """Tiers ordered by threshold, with distinct codes and distinct thresholds."""
    if value == ():
        return ()
    tiers = _checks.each(value, "tiers", _tier)
    ordered = tuple(sorted(tiers, key=lambda tier: tier.threshold))
    for index, tier in enumerate(ordered):
        if any(other.code == tier.code for other in ordered[:index]):
            raise InvalidInput(f"tier {tier.code!r} is given twice", field="tiers")
        if index and ordered[index - 1].threshold == tier.threshold:
            raise InvalidInput("two tiers have the same threshold", field="tiers")
    return ordered


def _tier(value: object) -> Tier:
    if isinstance(value, Tier):
        return value
    if isinstance(value, Mapping):
        return _checks.from_mapping(Tier, value)
    raise InvalidFormat(f"expected a Tier, got {type(value).__name__}")


def qualified_tier(tiers: Sequence[Tier], value: Decimal) -> Tier | None:
    """The highest of ``tiers`` (ordered by threshold) whose threshold ``value`` reaches."""
    found = None
    for tier in tiers:
        if value >= tier.threshold:
            found = tier
    return found


def tier_rank(tiers: Sequence[Tier], code: str | None) -> int:
    """0 for no tier, 1 for the lowest, and so on; an unknown code ranks as no tier."""
    for index, tier in enumerate(tiers):
        if tier.code == code:
            return index + 1
    return 0


# --------------------------------------------------------------------------- rules and periods


def _basis(value: object) -> str:
    return _checks.choice(value, BASES, field="basis", what="tier basis")


def _days(value: object, *, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFormat("expected a whole number of days", field=field)
    if not minimum <= value <= 36_600:
        raise InvalidInput(f"expected from {minimum} to 36600 days", field=field)
    return value


def _window_days(value: object) -> int:
    return _days(value, field="window_days", minimum=1)


def _grace_days(value: object) -> int:
    return _days(value, field="grace_days", minimum=0)


def _period_months(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in PERIOD_MONTHS:
        shown = ", ".join(str(n) for n in PERIOD_MONTHS)
        raise InvalidComponent(f"expected one of {shown} months", field="period_months")
    return value


@attrs.frozen(kw_only=True)
class TierRules:
    """How tiers are judged: the basis, the rolling window, the review period and its grace."""

    basis: str = attrs.field(default="points", converter=_basis)
    window_days: int = attrs.field(default=365, converter=_window_days)
    period_months: int = attrs.field(default=12, converter=_period_months)
    grace_days: int = attrs.field(default=0, converter=_grace_days)

    @property
    def window(self) -> dt.timedelta:
        """The rolling window as a duration."""
        return dt.timedelta(days=self.window_days)

    @property
    def grace(self) -> dt.timedelta:
        """The grace period after a period's end, before a downgrade takes effect."""
        return dt.timedelta(days=self.grace_days)

    def to_document(self) -> dict[str, Any]:
        """The rules as JSON-safe data."""
        return attrs.asdict(self)


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def period_start(at: dt.datetime, *, time_zone: str, months: int) -> dt.datetime:
    """The start (UTC) of the review period holding ``at``: local midnight, the 1st of a month.

    ```pycon
    >>> at = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)   # already 2027 in Vilnius
    >>> period_start(at, time_zone="Europe/Vilnius", months=12).isoformat()
    '2026-12-31T22:00:00+00:00'
    >>> period_start(at, time_zone="America/New_York", months=3).isoformat()
    '2026-10-01T04:00:00+00:00'

    ```
    """
    local = at.astimezone(_zone(time_zone))
    index = local.year * 12 + local.month - 1
    index -= index % months
    start = dt.datetime(index // 12, index % 12 + 1, 1, tzinfo=_zone(time_zone))
    return start.astimezone(dt.UTC)


# --------------------------------------------------------------------------- events and status


@attrs.frozen(kw_only=True)
class TierChange:
    """A member's tier changed: an event with its time, stored for segments and hooks."""

    id: str
    account_id: str
    from_tier: str | None
    to_tier: str | None
    reason: str
    """``enrolled``, ``upgrade``, ``downgrade`` or ``merged`` (:data:`TIER_CHANGE_REASONS`): a
    merge of two customers gave the kept member the tier the other held."""
    effective_at: dt.datetime
    recorded_at: dt.datetime
    qualifying: Decimal
    """The qualifying value (points, or spend in the program's currency) that decided it."""


@attrs.frozen(kw_only=True)
class TierStatus:
    """Where a member stands: their tier, what qualifies them now, and what the next tier needs."""

    account_id: str
    tier: Tier | None
    since: dt.datetime | None
    basis: str
    qualifying: Decimal
    """Points earned, or spend in the program's currency, over the window ending at ``at``."""
    at: dt.datetime
    next_tier: Tier | None
    needed: Decimal
    """How much more qualifying value the next tier needs (0 at the top tier)."""
    qualified: Tier | None
    """The tier the window qualifies for today; lower than ``tier`` means a downgrade is due at
    the next review unless the member earns it back."""
    perks: tuple[str, ...]

    def name(self, language: object = "en") -> str | None:
        """The current tier's name in ``language``; ``None`` without a tier."""
        return None if self.tier is None else self.tier.name(language)
