"""Loyalty programs: earning rules, an append-only points ledger with expiring lots, and tiers.

The model follows the loyalty platforms surveyed in ``shared/research/peers.md``: Odoo's
``loyalty.history`` lines with expiry dates consumed soonest-expiring first, and Salesforce
Loyalty Management's ledger, tiers and member-tier changes (tiers: :mod:`globalcrm.loyalty_tiers`).

**Earning.** A :class:`Program` has a base currency and a time zone. An amount spent in another
currency is converted into the base currency at the stored rate in force when it was spent
(:func:`globalcrm.exchange_rates.convert`, half-even to the base currency's minor units). The
points are ``spend x points_per_unit x tier multiplier x channel multiplier x the multiplier of
every campaign running that day``, rounded once with ``rounding`` (``ROUND_DOWN`` by default:
a member never gets a point they did not fully earn), then each running campaign's bonus points
are added. A campaign runs from its first to its last day inclusive, as dates in the program's
time zone.

The ledger the points go into is :mod:`globalcrm.loyalty_ledger`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import zoneinfo
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm import exchange_rates as _rates
from globalcrm import money as _money
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput
from globalcrm.interactions import CHANNELS
from globalcrm.loyalty_ledger import MAX_POINTS, Posting
from globalcrm.loyalty_tiers import (
    Tier,
    TierRules,
    check_tiers,
    decimal_value,
    default_tiers,
    qualified_tier,
)
from globalcrm.money import Money

__all__ = [
    "DEFAULT_PROGRAM",
    "Campaign",
    "Earning",
    "EarningRule",
    "Pricing",
    "Program",
    "channel",
    "default_program",
    "earning",
    "local_day",
    "lot_expiry",
]

DEFAULT_PROGRAM = "default"
"""The code of the tenant's default program, made on first use by ``crm.loyalty.enroll``."""
_CONTEXT = decimal.Context(prec=40, traps=[decimal.InvalidOperation, decimal.Overflow])


def _code(value: object) -> str:
    return _checks.code(value, field="code")


def _multiplier(value: object, field: str) -> Decimal:
    number = decimal_value(value, field=field)
    if not Decimal(0) < number <= 1000:
        raise InvalidInput("a multiplier is above 0 and at most 1000", field=field)
    return number


def _multipliers(value: object, field: str, check_key: Callable[..., str]) -> Mapping[str, Decimal]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of codes to multipliers", field=field)
    result: dict[str, Decimal] = {}
    for index, (key, number) in enumerate(value.items()):
        name = check_key(key, field=f"{field}[#{index}]")
        result[name] = _multiplier(number, f"{field}.{name}")
    return MappingProxyType(dict(sorted(result.items())))


def _tier_multipliers(value: object) -> Mapping[str, Decimal]:
    return _multipliers(value, "tier_multipliers", _tier_key)


def _channel_multipliers(value: object) -> Mapping[str, Decimal]:
    return _multipliers(value, "channel_multipliers", _channel_key)


def channel(value: object, *, field: str = "channel") -> str:
    """An interaction channel (``globalcrm.interactions.CHANNELS``) in its canonical spelling."""
    return _checks.choice(value, CHANNELS, field=field, what="channel")


_channel_key = channel


def _tier_key(value: object, *, field: str) -> str:
    return _checks.code(value, field=field)


def _points_per_unit(value: object) -> Decimal:
    number = decimal_value(value, field="points_per_unit")
    if not Decimal(0) < number <= 1_000_000:
        raise InvalidInput("expected more than 0 and at most 1,000,000", field="points_per_unit")
    return number


def _rounding(value: object) -> str:
    with _checks.at("earning"):
        return _money.rounding_mode(value)


@attrs.frozen(kw_only=True)
class EarningRule:
    """Points per unit of the base currency, and multipliers per tier code and per channel.

    ``channel_multipliers`` keys are interaction channels (``globalcrm.interactions.CHANNELS``);
    channels not named earn at 1. ``rounding`` is one of decimal's ``ROUND_*`` modes, applied
    once to the product of the spend and every multiplier.
    """

    points_per_unit: Decimal = attrs.field(default=Decimal(1), converter=_points_per_unit)
    tier_multipliers: Mapping[str, Decimal] = attrs.field(
        factory=dict, converter=_tier_multipliers
    )
    channel_multipliers: Mapping[str, Decimal] = attrs.field(
        factory=dict, converter=_channel_multipliers
    )
    rounding: str = attrs.field(default=decimal.ROUND_DOWN, converter=_rounding)

    def to_document(self) -> dict[str, Any]:
        """The rule as JSON-safe data."""
        return {
            "points_per_unit": str(self.points_per_unit),
            "tier_multipliers": {k: str(v) for k, v in self.tier_multipliers.items()},
            "channel_multipliers": {k: str(v) for k, v in self.channel_multipliers.items()},
            "rounding": self.rounding,
        }


def _date(value: object, field: str) -> dt.date:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidFormat("expected a date such as 2026-12-24", field=field) from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidFormat("expected a date (not a datetime)", field=field)
    return value


def _starts(value: object) -> dt.date:
    return _date(value, "starts")


def _ends(value: object) -> dt.date:
    return _date(value, "ends")


def _campaign_multiplier(value: object) -> Decimal:
    return _multiplier(value, "multiplier")


def _bonus(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFormat("expected a whole number of points", field="bonus_points")
    if not 0 <= value < MAX_POINTS:
        raise InvalidInput("expected zero or more points", field="bonus_points")
    return value


def _channels(value: object) -> tuple[str, ...]:
    if value == ():
        return ()
    return tuple(
        dict.fromkeys(_checks.each(value, "channels", lambda item: _channel_key(item, field="")))
    )


@attrs.frozen(kw_only=True)
class Campaign:
    """A bonus campaign: a multiplier and/or bonus points on every earn in a date window.

    ``starts`` and ``ends`` are dates in the program's time zone, both included; ``channels``
    limits the campaign to those channels (empty: every channel).
    """

    code: str = attrs.field(converter=_code)
    starts: dt.date = attrs.field(converter=_starts)
    ends: dt.date = attrs.field(converter=_ends)
    multiplier: Decimal = attrs.field(default=Decimal(1), converter=_campaign_multiplier)
    bonus_points: int = attrs.field(default=0, converter=_bonus)
    channels: tuple[str, ...] = attrs.field(default=(), converter=_channels)

    def __attrs_post_init__(self) -> None:
        if self.ends < self.starts:
            raise InvalidInput("a campaign cannot end before it starts", field="ends")

    def runs(self, day: dt.date, channel: str) -> bool:
        """Whether the campaign applies to an earn on local ``day`` through ``channel``."""
        return self.starts <= day <= self.ends and (not self.channels or channel in self.channels)

    def to_document(self) -> dict[str, Any]:
        """The campaign as JSON-safe data."""
        return {
            "code": self.code,
            "starts": self.starts.isoformat(),
            "ends": self.ends.isoformat(),
            "multiplier": str(self.multiplier),
            "bonus_points": self.bonus_points,
            "channels": list(self.channels),
        }


def _name(value: object) -> str:
    return _checks.text(value, field="name", max_length=200)


def _currency(value: object) -> str:
    return _money.validate_currency(value)


def _time_zone(value: object) -> str:
    return _checks.time_zone(value)


def _earning_rule(value: object) -> EarningRule:
    if isinstance(value, EarningRule):
        return value
    if isinstance(value, Mapping):
        with _checks.at("earning"):
            return _checks.from_mapping(EarningRule, value)
    raise InvalidFormat("expected an EarningRule", field="earning")


def _tier_rules(value: object) -> TierRules:
    if isinstance(value, TierRules):
        return value
    if isinstance(value, Mapping):
        with _checks.at("tier_rules"):
            return _checks.from_mapping(TierRules, value)
    raise InvalidFormat("expected TierRules", field="tier_rules")


def _tiers(value: object) -> tuple[Tier, ...]:
    return check_tiers(value)


def _campaign(value: object) -> Campaign:
    if isinstance(value, Campaign):
        return value
    if isinstance(value, Mapping):
        return _checks.from_mapping(Campaign, value)
    raise InvalidFormat(f"expected a Campaign, got {type(value).__name__}")


def _campaigns(value: object) -> tuple[Campaign, ...]:
    if value == ():
        return ()
    return _checks.each(value, "campaigns", _campaign)


def _expire_after(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFormat("expected a whole number of days, or None", field="expire_after_days")
    if not 0 <= value <= 36_600:
        raise InvalidInput("expected from 0 to 36600 days", field="expire_after_days")
    return value


@attrs.frozen(kw_only=True)
class Program:
    """A loyalty program: base currency and time zone, earning, tiers, campaigns and expiry.

    ```pycon
    >>> program = Program(code="club", name="Klubas", currency="EUR",
    ...                   time_zone="Europe/Vilnius", expire_after_days=730)
    >>> [t.name("lt") for t in program.tiers]
    ['Sidabrinis', 'Auksinis', 'Platininis']

    ```
    """

    code: str = attrs.field(default=DEFAULT_PROGRAM, converter=_code)
    name: str = attrs.field(default="Loyalty", converter=_name)
    currency: str = attrs.field(converter=_currency)
    time_zone: str = attrs.field(converter=_time_zone)
    earning: EarningRule = attrs.field(factory=EarningRule, converter=_earning_rule)
    tiers: tuple[Tier, ...] = attrs.field(factory=default_tiers, converter=_tiers)
    tier_rules: TierRules = attrs.field(factory=TierRules, converter=_tier_rules)
    campaigns: tuple[Campaign, ...] = attrs.field(default=(), converter=_campaigns)
    expire_after_days: int | None = attrs.field(default=365, converter=_expire_after)
    """Points expire at the end of the day this many days after they were earned; None: never."""

    def __attrs_post_init__(self) -> None:
        codes = {tier.code for tier in self.tiers}
        for code in self.earning.tier_multipliers:
            if code not in codes:
                raise InvalidComponent(
                    f"no tier {code!r} in the program", field=f"earning.tier_multipliers.{code}"
                )
        seen: set[str] = set()
        for index, campaign in enumerate(self.campaigns):
            if campaign.code in seen:
                raise InvalidInput(
                    f"campaign {campaign.code!r} is given twice", field=f"campaigns[{index}]"
                )
            seen.add(campaign.code)

    def tier(self, code: str | None) -> Tier | None:
        """The tier with this code (``None`` for no tier or a code the program no longer has)."""
        return next((tier for tier in self.tiers if tier.code == code), None)

    def entry_tier(self) -> Tier | None:
        """The tier a new member starts in: the one that needs nothing, if any."""
        return qualified_tier(self.tiers, Decimal(0))

    def to_document(self) -> dict[str, Any]:
        """The program as JSON-safe data; :meth:`from_document` reads it back."""
        return {
            "code": self.code,
            "name": self.name,
            "currency": self.currency,
            "time_zone": self.time_zone,
            "earning": self.earning.to_document(),
            "tiers": [tier.to_document() for tier in self.tiers],
            "tier_rules": self.tier_rules.to_document(),
            "campaigns": [campaign.to_document() for campaign in self.campaigns],
            "expire_after_days": self.expire_after_days,
        }

    @classmethod
    def from_document(cls, document: object) -> Program:
        """A program from :meth:`to_document`'s data (checked like any other input)."""
        if not isinstance(document, Mapping):
            raise InvalidFormat("expected a mapping", field="program")
        return _checks.from_mapping(cls, document)


def default_program(*, currency: object, time_zone: object) -> Program:
    """The tenant's default program: 1 point per unit spent, Silver/Gold/Platinum, 365 days.

    Gold earns 1.25 and Platinum 1.5 points per unit. One point per unit suits currencies worth
    about a euro; for ``JPY``, ``KRW`` or ``UZS`` define the program yourself
    (``crm.loyalty.save_program``) with a smaller ``points_per_unit``.
    """
    return Program(
        code=DEFAULT_PROGRAM,
        name="Loyalty",
        currency=currency,
        time_zone=time_zone,
        earning=EarningRule(tier_multipliers={"gold": Decimal("1.25"), "platinum": Decimal("1.5")}),
    )


# --------------------------------------------------------------------------- earning


@attrs.frozen(kw_only=True)
class Earning:
    """What one purchase earns, and how it was worked out (shown on statements)."""

    points: int
    spend: Money
    """The amount in the program's base currency (converted if it was spent in another)."""
    multiplier: Decimal
    """Tier x channel x campaign multipliers, as applied."""
    campaigns: tuple[str, ...]
    bonus_points: int
    conversion: _rates.Disclosure | None
    expires_at: dt.datetime | None = None
    """When the points expire (the program's rule); ``None`` if they never do or are none."""

    def detail(self) -> dict[str, Any]:
        """How the points were worked out, as JSON-safe data (empty for a plain earn)."""
        result: dict[str, Any] = {}
        if self.multiplier != 1:
            result["multiplier"] = str(self.multiplier)
        if self.campaigns:
            result["campaigns"] = list(self.campaigns)
        if self.bonus_points:
            result["bonus_points"] = self.bonus_points
        if self.conversion is not None:
            result["rate"] = str(self.conversion.rate)
            result["rate_source"] = self.conversion.source
            result["rate_as_of"] = self.conversion.as_of.isoformat()
        return result


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_day(program: Program, at: dt.datetime) -> dt.date:
    """The date ``at`` falls on in the program's time zone."""
    return at.astimezone(_zone(program.time_zone)).date()


def earning(
    program: Program,
    amount: object,
    *,
    channel: object,
    occurred_at: object,
    tier: str | None = None,
    table: _rates.RateTable | None = None,
) -> Earning:
    """The points ``amount`` spent on ``channel`` at ``occurred_at`` earns a member in ``tier``.

    An amount in another currency than the program's is converted with ``table`` (stored
    rates, see ``crm.exchange_rates.table``) at ``occurred_at``.

    ```pycon
    >>> import datetime as dt
    >>> from globalcrm.money import money
    >>> program = Program(currency="EUR", time_zone="Europe/Helsinki",
    ...     earning=EarningRule(channel_multipliers={"in_app": 2}),
    ...     campaigns=[Campaign(code="black_friday", starts="2026-11-27", ends="2026-11-27",
    ...                         multiplier=3, bonus_points=50)])
    >>> late = dt.datetime(2026, 11, 26, 22, 30, tzinfo=dt.UTC)   # 00:30 on the 27th in Helsinki
    >>> e = earning(program, money("19.99", "EUR"), channel="in_app", occurred_at=late)
    >>> e.points, e.multiplier, e.campaigns
    (169, Decimal('6'), ('black_friday',))

    ```
    """
    number, code = _money.checked_money(amount, "amount")
    if number <= 0:
        raise InvalidInput("an earn needs a positive amount (a refund reverses its earn)",
                           field="amount")
    checked_channel = _channel_key(channel, field="channel")
    when = _checks.aware_utc(occurred_at, field="occurred_at")
    spend = Money(number, _money.moneyed_currency(code))
    return Pricing(program).price(spend, checked_channel, when, tier, table)


class Pricing:
    """A program's earning rule, remembering what it worked out for each channel, day and tier.

    A batch prices many earns on few channels, days and tiers: the multipliers, the running
    campaigns and the lots' expiry are worked out once for each (``post_many`` uses one per
    program and batch; :func:`earning` a new one each time).
    """

    def __init__(self, program: Program) -> None:
        if not isinstance(program, Program):
            raise InvalidFormat(f"expected a Program, got {type(program).__name__}",
                                field="program")
        self.program = program
        self._zone = _zone(program.time_zone)
        self._factors: dict[tuple[str, dt.date, str | None], _Factors] = {}

    def posting(
        self,
        posting: Posting,
        *,
        occurred_at: dt.datetime,
        tier: str | None = None,
        table: _rates.RateTable | None = None,
    ) -> Earning:
        """What a :class:`~globalcrm.loyalty_ledger.Posting` earns (``post_many``'s path).

        The posting's fields were checked when it was made and are not checked again;
        ``occurred_at`` is when it happened (its own time, or the time of posting).
        """
        if not isinstance(posting, Posting):
            raise InvalidFormat(f"expected a Posting, got {type(posting).__name__}",
                                field="posting")
        when = occurred_at
        if when.tzinfo is not dt.UTC:  # a Posting's own time is UTC already
            when = _checks.aware_utc(occurred_at, field="occurred_at")
        return self.price(posting.amount, posting.channel, when, tier, table)

    def price(
        self,
        spend: Money,
        channel: str,
        when: dt.datetime,
        tier: str | None,
        table: _rates.RateTable | None,
    ) -> Earning:
        """The rule itself, on checked values: an amount, a channel, an aware UTC time."""
        program = self.program
        code = spend.currency.code
        conversion = None
        if code != program.currency:
            if table is None:
                raise InvalidInput(
                    f"the amount is in {code}, the program in {program.currency}: rates are "
                    "needed",
                    field="amount",
                )
            converted = _rates.convert(spend, program.currency, at=when, table=table)
            spend, conversion = converted.converted, converted.disclosure
        day = when.astimezone(self._zone).date()
        factors = self._factors.get((channel, day, tier))
        if factors is None:
            factors = self._factors[(channel, day, tier)] = _factors(program, channel, day, tier)
        rule = program.earning
        exact = _CONTEXT.multiply(
            _CONTEXT.multiply(spend.amount, rule.points_per_unit), factors.multiplier
        )
        total = int(exact.to_integral_value(rounding=rule.rounding, context=_CONTEXT))
        total += factors.bonus_points
        if total >= MAX_POINTS:
            raise InvalidInput("the purchase would earn too many points", field="amount")
        return Earning(
            points=total,
            spend=spend,
            multiplier=factors.multiplier,
            campaigns=factors.campaigns,
            bonus_points=factors.bonus_points,
            conversion=conversion,
            expires_at=factors.expires_at if total else None,
        )


@attrs.frozen
class _Factors:
    multiplier: Decimal
    campaigns: tuple[str, ...]
    bonus_points: int
    expires_at: dt.datetime | None


def _factors(program: Program, channel: str, day: dt.date, tier: str | None) -> _Factors:
    """Tier x channel x running campaigns' multipliers, their bonus, and the expiry of the day."""
    rule = program.earning
    multiplier = rule.channel_multipliers.get(channel, _ONE)
    if tier is not None:
        multiplier *= rule.tier_multipliers.get(tier, _ONE)
    running = [c for c in program.campaigns if c.runs(day, channel)]
    for campaign in running:
        multiplier *= campaign.multiplier
    expires_at = None if program.expire_after_days is None else _expiry(program, day)
    return _Factors(
        multiplier=_plain(multiplier),
        campaigns=tuple(c.code for c in running),
        bonus_points=sum(c.bonus_points for c in running),
        expires_at=expires_at,
    )


_ONE = Decimal(1)


def _plain(number: Decimal) -> Decimal:
    """``6`` rather than ``6.00``, ``1.25`` as it is: multipliers as people write them."""
    if number == number.to_integral_value():
        return number.quantize(_ONE, context=_CONTEXT)
    return number.normalize(_CONTEXT)


@functools.lru_cache(maxsize=8192)
def _end_of_day(time_zone: str, day: dt.date) -> dt.datetime:
    """The instant (UTC) the local ``day`` ends: midnight at the start of the next day."""
    start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=_zone(time_zone))
    return start.astimezone(dt.UTC)


def lot_expiry(program: Program, earned_at: dt.datetime) -> dt.datetime | None:
    """When points earned at ``earned_at`` expire: the end of the local day, N days on.

    ```pycon
    >>> import datetime as dt
    >>> p = Program(currency="JPY", time_zone="Asia/Tokyo", expire_after_days=30)
    >>> lot_expiry(p, dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.UTC)).isoformat()
    '2026-04-01T15:00:00+00:00'

    ```
    """
    if program.expire_after_days is None:
        return None
    return _expiry(program, local_day(program, earned_at))


def _expiry(program: Program, day: dt.date) -> dt.datetime | None:
    assert program.expire_after_days is not None  # noqa: S101 - callers check
    try:
        return _end_of_day(program.time_zone, day + dt.timedelta(days=program.expire_after_days))
    except OverflowError:
        return None  # beyond the year 9999: as good as never
