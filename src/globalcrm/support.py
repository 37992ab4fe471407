"""Teams, SLA policies and the SLA clock, follow-the-sun routing, the best time to contact.

Pure: time is an argument, nothing here reads a clock or a database.

- **Teams** serve languages and regions from one time zone with :class:`BusinessHours`.
- **SLA policies** (after Zendesk's SLA policies and Freshdesk's ``respond_within`` /
  ``resolve_within``): first-response and resolution targets by priority, channel and loyalty
  tier, counted in the handling team's business time or around the clock. The clock pauses
  while the case waits on the customer (:data:`globalcrm.cases.PAUSED_STATUSES`).
- **Routing**: which teams can take a case now, given its language and the customer's country,
  and when the next one opens if none can; round-robin or least-loaded choice of an agent.
- **Best time to contact** a customer: inside their contact hours in their own zone, not on a
  public holiday of their country, not at night.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.business_hours import WEEKDAYS, BusinessHours, around_the_clock
from globalcrm.cases import PRIORITIES, Case
from globalcrm.contact_points import ContactHours
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.interactions import CHANNELS

__all__ = [
    "ASSIGNMENT_STRATEGIES",
    "DAYTIME",
    "METRICS",
    "Route",
    "SlaPolicy",
    "SlaTarget",
    "Team",
    "best_contact_time",
    "case_deadlines",
    "contact_schedule",
    "deadline",
    "elapsed",
    "pick_agent",
    "route",
]

METRICS = ("first_response", "resolution")
ASSIGNMENT_STRATEGIES = ("round_robin", "least_loaded")
DAYTIME = ("08:00", "21:00")
"""Local hours outside which nobody is contacted unprompted (unless their own window says so)."""


# --------------------------------------------------------------------------- teams


def _key(value: object) -> str:
    return _checks.code(value, field="key")


def _name(value: object) -> str:
    return _checks.text(value, field="name", max_length=200)


def _languages(value: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_checks.each(value, "languages", _checks.language)))


def _regions(value: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_checks.each(value, "regions", _checks.country)))


def _hours(value: object) -> BusinessHours:
    if isinstance(value, BusinessHours):
        return value
    with _checks.at("business_hours"):
        if isinstance(value, Mapping):
            return BusinessHours.from_json(value)
        raise InvalidFormat(f"expected BusinessHours, got {type(value).__name__}")


def _agent(value: object) -> str:
    return _checks.text(value, field="", max_length=200)


def _agents(value: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_checks.each(value, "agents", _agent)))


def _optional_code(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="sla_policy")


@attrs.frozen(kw_only=True)
class Team:
    """A support team: the languages it answers in, the countries it serves, its hours.

    An empty ``regions`` serves every country. ``agents`` are the caller's references to the
    team's agents (staff ids), in round-robin order; ``sla_policy`` names the policy its cases
    follow.
    """

    key: str = attrs.field(converter=_key)
    name: str = attrs.field(converter=_name)
    languages: tuple[str, ...] = attrs.field(converter=_languages)
    business_hours: BusinessHours = attrs.field(converter=_hours)
    regions: tuple[str, ...] = attrs.field(default=(), converter=_regions)
    agents: tuple[str, ...] = attrs.field(default=(), converter=_agents, repr=_checks.masked)
    sla_policy: str | None = attrs.field(default=None, converter=_optional_code)

    @property
    def time_zone(self) -> str:
        """The zone of the team's business hours."""
        return self.business_hours.time_zone

    def speaks(self, language: str | None) -> bool:
        """Whether the team answers in ``language`` (``pt-BR`` matches a ``pt`` team)."""
        if language is None:
            return True
        tag = _checks.language(language)
        base = tag.split("-")[0]
        return any(
            known in (tag, base) or known.split("-")[0] == base for known in self.languages
        )

    def serves(self, country: str | None) -> bool:
        """Whether the team serves customers in ``country`` (every one if it lists none)."""
        return not self.regions or country is None or _checks.country(country) in self.regions

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is ``Team(**data)``."""
        return {
            "key": self.key,
            "name": self.name,
            "languages": list(self.languages),
            "business_hours": self.business_hours.to_json(),
            "regions": list(self.regions),
            "agents": list(self.agents),
            "sla_policy": self.sla_policy,
        }


# --------------------------------------------------------------------------- SLA policies


def _metric(value: object) -> str:
    return _checks.choice(value, METRICS, field="metric", what="SLA metric")


def _target_priority(value: object) -> str | None:
    if value is None:
        return None
    return _checks.choice(value, PRIORITIES, field="priority", what="priority")


def _target_channel(value: object) -> str | None:
    if value is None:
        return None
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


def _tier(value: object) -> str | None:
    return None if value is None else _checks.code(value, field="tier")


def _within(value: object) -> dt.timedelta:
    if not isinstance(value, dt.timedelta):
        raise InvalidFormat(f"expected a timedelta, got {type(value).__name__}", field="within")
    if value <= dt.timedelta(0):
        raise InvalidInput("must be longer than zero", field="within")
    return value


@attrs.frozen(kw_only=True)
class SlaTarget:
    """Respond (``first_response``) or resolve (``resolution``) ``within`` this much time.

    ``priority``, ``channel`` and ``tier`` narrow where the target applies (``None``: any);
    ``business_hours=False`` counts around the clock instead of in the team's hours.
    """

    metric: str = attrs.field(converter=_metric)
    within: dt.timedelta = attrs.field(converter=_within)
    priority: str | None = attrs.field(default=None, converter=_target_priority)
    channel: str | None = attrs.field(default=None, converter=_target_channel)
    tier: str | None = attrs.field(default=None, converter=_tier)
    business_hours: bool = attrs.field(default=True, validator=_checks.is_flag)

    def applies(self, metric: str, priority: str, channel: str, tier: str | None) -> bool:
        """Whether the target covers a case of this priority, channel and tier."""
        return (
            self.metric == metric
            and self.priority in (None, priority)
            and self.channel in (None, channel)
            and self.tier in (None, tier)
        )

    @property
    def specificity(self) -> int:
        """How many of priority, channel and tier the target names (more wins)."""
        return sum(value is not None for value in (self.priority, self.channel, self.tier))

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (``within`` in seconds); the inverse is :meth:`from_json`."""
        return {
            "metric": self.metric,
            "within": self.within.total_seconds(),
            "priority": self.priority,
            "channel": self.channel,
            "tier": self.tier,
            "business_hours": self.business_hours,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SlaTarget:
        """Rebuild a target from :meth:`to_json`'s dict."""
        fields = dict(data)
        seconds = fields.get("within")
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            fields["within"] = dt.timedelta(seconds=seconds)
        return _checks.from_mapping(cls, fields)


def _targets(value: object) -> tuple[SlaTarget, ...]:
    def one(item: object) -> SlaTarget:
        if isinstance(item, SlaTarget):
            return item
        if isinstance(item, Mapping):
            return SlaTarget.from_json(item)
        raise InvalidFormat(f"expected an SlaTarget, got {type(item).__name__}")

    targets = _checks.each(value, "targets", one)
    if not targets:
        raise InvalidInput("a policy needs at least one target", field="targets")
    return targets


@attrs.frozen(kw_only=True)
class SlaPolicy:
    """A named set of SLA targets; for each metric the most specific target that applies wins.

    ```pycon
    >>> import datetime as dt
    >>> policy = SlaPolicy(key="standard", targets=[
    ...     SlaTarget(metric="first_response", within=dt.timedelta(hours=4)),
    ...     SlaTarget(metric="first_response", within=dt.timedelta(minutes=5),
    ...               channel="live_chat", business_hours=False),
    ...     SlaTarget(metric="resolution", within=dt.timedelta(hours=8))])
    >>> policy.target("first_response", priority="normal", channel="live_chat").within
    datetime.timedelta(seconds=300)
    >>> policy.target("first_response", priority="normal", channel="email").within
    datetime.timedelta(seconds=14400)

    ```
    """

    key: str = attrs.field(converter=_key)
    targets: tuple[SlaTarget, ...] = attrs.field(converter=_targets)
    name: str | None = attrs.field(default=None, converter=attrs.converters.optional(_name))

    def target(
        self, metric: str, *, priority: str, channel: str, tier: str | None = None
    ) -> SlaTarget | None:
        """The target for ``metric`` of a case like this, or ``None`` if the policy has none."""
        metric = _metric(metric)
        found = [t for t in self.targets if t.applies(metric, priority, channel, tier)]
        if not found:
            return None
        return max(found, key=lambda t: t.specificity)  # the first of the most specific

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is :meth:`from_json`."""
        return {
            "key": self.key,
            "name": self.name,
            "targets": [target.to_json() for target in self.targets],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SlaPolicy:
        """Rebuild a policy from :meth:`to_json`'s dict."""
        return _checks.from_mapping(cls, data)


# --------------------------------------------------------------------------- the SLA clock

Pauses = Sequence[tuple[dt.datetime, dt.datetime | None]]


def _clock_of(hours: object) -> BusinessHours:
    if hours is None:
        return _ALWAYS
    if not isinstance(hours, BusinessHours):
        raise InvalidFormat(f"expected BusinessHours, got {type(hours).__name__}", field="hours")
    return hours


def _pauses(value: object) -> list[tuple[dt.datetime, dt.datetime | None]]:
    def one(item: object) -> tuple[dt.datetime, dt.datetime | None]:
        pair = _checks.sequence(item, field="")
        if len(pair) != 2:
            raise InvalidFormat("a pause is a (from, until) pair")
        begin = _checks.aware_utc(pair[0], field="[0]")
        end = None if pair[1] is None else _checks.aware_utc(pair[1], field="[1]")
        if end is not None and end < begin:
            raise InvalidInput("the pause ends before it starts", field="[1]")
        return begin, end

    return sorted(_checks.each(value, "pauses", one), key=lambda pause: pause[0])


def deadline(
    start: dt.datetime, target: dt.timedelta, *, hours: BusinessHours | None, pauses: Pauses = ()
) -> dt.datetime | None:
    """When ``target`` of clock time since ``start`` runs out; ``None`` while paused.

    The clock runs in ``hours`` (around the clock when ``None``) and stands still in each pause
    ``(from, until)``; a pause with ``until=None`` has not ended, so there is no deadline yet.
    """
    clock = _clock_of(hours)
    moment = _checks.aware_utc(start, field="start")
    remaining = _within(target)
    for begin, end in _pauses(pauses):
        if end is not None and end <= moment:
            continue
        if begin > moment:
            ran = clock.between(moment, begin)
            if ran >= remaining:
                return clock.add(moment, remaining)
            remaining -= ran
        if end is None:
            return None
        moment = max(moment, end)
    return clock.add(moment, remaining)


def elapsed(
    start: dt.datetime, end: dt.datetime, *, hours: BusinessHours | None, pauses: Pauses = ()
) -> dt.timedelta:
    """Clock time from ``start`` to ``end``: in ``hours`` (or around the clock), less pauses."""
    clock = _clock_of(hours)
    total = clock.between(start, end)
    for begin, until in _pauses(pauses):
        low = max(begin, start)
        high = min(until or end, end)
        if low < high:
            total -= clock.between(low, high)
    return total


_ALWAYS = around_the_clock()


def case_deadlines(
    case: Case, policy: SlaPolicy | None, hours: BusinessHours | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The case's first-response and resolution deadlines under ``policy`` (UTC, or ``None``).

    ``hours`` are the handling team's; a target with ``business_hours=False`` ignores them.
    A met target keeps the deadline it had (to tell a breach from a hit); a paused clock has
    none.
    """
    if policy is None:
        return None, None
    pauses = case.pauses()
    result: list[dt.datetime | None] = []
    for metric, done in (("first_response", case.first_response_at),
                         ("resolution", case.resolved_at)):
        target = policy.target(metric, priority=case.priority, channel=case.channel,
                               tier=case.tier)
        if target is None:
            result.append(None)
            continue
        clock = hours if target.business_hours else None
        counted = [p for p in pauses if done is None or p[0] < done]
        if done is not None:  # the clock stopped when the target was met
            counted = [(b, e if e is not None and e <= done else done) for b, e in counted]
        due = deadline(case.opened_at, target.within, hours=clock, pauses=counted)
        result.append(None if due is None else due.astimezone(dt.UTC))
    return result[0], result[1]


# --------------------------------------------------------------------------- routing


def _team(value: object) -> Team:
    if not isinstance(value, Team):
        raise InvalidFormat(f"expected a Team, got {type(value).__name__}")
    return value


@attrs.frozen
class Route:
    """Where a case can go: the teams open now, else the team that opens first and when."""

    open_now: tuple[Team, ...]
    next_team: Team | None
    next_open: dt.datetime | None

    @property
    def team(self) -> Team | None:
        """The team to hand the case to: the first open now, else the next to open."""
        return self.open_now[0] if self.open_now else self.next_team


def route(
    teams: Iterable[Team], *, language: str | None, country: str | None, at: dt.datetime
) -> Route:
    """Follow the sun: the teams that speak ``language``, serve ``country`` and are open at ``at``.

    If none is open, the one among them that opens first (``next_open`` in its zone); a team
    that lists the exact language tag comes before one that matches only its base language.
    """
    moment = _checks.aware_utc(at, field="at")
    tag = None if language is None else _checks.language(language)
    where = None if country is None else _checks.country(country)
    able = [t for t in _checks.each(teams, "teams", _team) if t.speaks(tag) and t.serves(where)]
    able.sort(key=lambda t: (tag not in t.languages, not t.regions, t.key))
    open_now = tuple(t for t in able if t.business_hours.is_open(moment))
    if open_now or not able:
        return Route(open_now, None, None)
    openings = []
    for team in able:
        try:
            openings.append((team.business_hours.next_open(moment), team))
        except RuleViolation:  # a team closed for ten years is not a route
            continue
    if not openings:
        return Route((), None, None)
    when, team = min(openings, key=lambda pair: pair[0])
    return Route((), team, when)


def pick_agent(
    team: Team, strategy: str, *, last: str | None = None, load: Mapping[str, int] | None = None
) -> str:
    """An agent of ``team``: ``round_robin`` after ``last``, or ``least_loaded`` by ``load``.

    Least loaded breaks ties by the team's agent order.
    """
    strategy = _checks.choice(strategy, ASSIGNMENT_STRATEGIES, field="strategy", what="strategy")
    team = _team(team)
    if not team.agents:
        raise RuleViolation("the team has no agents", field="team")
    if strategy == "round_robin":
        if last not in team.agents:
            return team.agents[0]
        return team.agents[(team.agents.index(last) + 1) % len(team.agents)]
    counts = load or {}
    if not isinstance(counts, Mapping):
        raise InvalidFormat("expected a mapping of agent to active cases", field="load")
    return min(team.agents, key=lambda agent: (counts.get(agent, 0), team.agents.index(agent)))


# --------------------------------------------------------------------------- contacting


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:5])


def _text(minutes: int) -> str:
    return "24:00" if minutes == 1440 else f"{minutes // 60:02d}:{minutes % 60:02d}"


def contact_schedule(
    hours: ContactHours | None,
    *,
    time_zone: str,
    country: str | None,
    subdivision: str | None = None,
    daytime: tuple[str, str] = DAYTIME,
) -> BusinessHours:
    """A customer's contact hours, by day only, closed on their country's public holidays.

    The part of an overnight window after midnight belongs to the next day (so a holiday that
    day closes it). A window that lies entirely at night is kept as the customer gave it: their
    own choice wins over ours.
    """
    if hours is not None and not isinstance(hours, ContactHours):
        raise InvalidFormat(f"expected ContactHours, got {type(hours).__name__}", field="hours")
    window = _checks.sequence(daytime, field="daytime")
    if len(window) != 2:
        raise InvalidFormat("expected a (start, end) pair such as ('08:00', '21:00')",
                            field="daytime")
    day_start, day_end = (_minutes(_clock(text)) for text in window)
    weekly: dict[str, list[tuple[str, str]]] = {}
    if hours is None:
        spans = [(w, 0, 1440) for w in range(7)]
    else:
        start = hours.start.hour * 60 + hours.start.minute
        end = hours.end.hour * 60 + hours.end.minute + (hours.end.second > 0)
        spans = []
        for iso in hours.weekdays:
            day = iso - 1
            if start < end:
                spans.append((day, start, end))
            else:
                spans.append((day, start, 1440))
                if end:
                    spans.append(((day + 1) % 7, 0, end))
    for day, start, end in spans:
        low, high = max(start, day_start), min(end, day_end)
        if low < high:
            weekly.setdefault(WEEKDAYS[day], []).append((_text(low), _text(high)))
    if not weekly:  # only night hours: take the customer's own window
        for day, start, end in spans:
            weekly.setdefault(WEEKDAYS[day], []).append((_text(start), _text(end)))
    return BusinessHours(
        time_zone=time_zone, weekly=weekly, country=country, subdivision=subdivision
    )


def _clock(value: object) -> str:
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        raise InvalidFormat("expected a time such as '08:00'", field="daytime")
    try:
        dt.time.fromisoformat(value)
    except ValueError:
        raise InvalidFormat("expected a time such as '08:00'", field="daytime") from None
    return value


def best_contact_time(
    hours: ContactHours | None,
    *,
    time_zone: str,
    country: str | None,
    after: dt.datetime,
    subdivision: str | None = None,
    daytime: tuple[str, str] = DAYTIME,
) -> dt.datetime:
    """The first moment from ``after`` that suits the customer, in their own zone.

    ```pycon
    >>> import datetime as dt
    >>> from globalcrm.contact_points import ContactHours
    >>> hours = ContactHours(start="10:00", end="19:00", weekdays=(1, 2, 3, 4, 5))
    >>> best_contact_time(hours, time_zone="Europe/Vilnius", country="LT",
    ...                   after=dt.datetime(2026, 12, 23, 20, 0, tzinfo=dt.UTC)).isoformat()
    '2026-12-28T10:00:00+02:00'

    ```
    """
    schedule = contact_schedule(
        hours, time_zone=time_zone, country=country, subdivision=subdivision, daytime=daytime
    )
    return schedule.next_open(after)
