"""``crm.service``: cases across channels, teams, SLA deadlines, routing, the agent's view.

Every write is one transaction that changes the case through its own methods, works out its SLA
deadlines again (:func:`globalcrm.support.case_deadlines`, in the handling team's business
hours) and appends an audit entry. Reads of lists and reports run as SQL
(:mod:`globalcrm.storage.service_sql`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.cases import ACTIVE_STATUSES, STATUSES, Case
from globalcrm.crm._context import Context, collector_paused, customer_id_of
from globalcrm.crm.customers import Customers
from globalcrm.crm.privacy import Privacy, record_audit
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.identifiers import check_id
from globalcrm.interactions import Interaction
from globalcrm.loyalty import DEFAULT_PROGRAM
from globalcrm.pagination import Page, check_limit, decode_cursor, encode_cursor
from globalcrm.privacy.consent import Decision
from globalcrm.storage import service_sql
from globalcrm.storage.service_sql import SlaItem, TeamAttainment
from globalcrm.storage.unit_of_work import UnitOfWork, storage_errors
from globalcrm.support import (
    METRICS,
    Route,
    SlaPolicy,
    Team,
    best_contact_time,
    case_deadlines,
    pick_agent,
    route,
)

__all__ = ["AgentContext", "CaseThread", "Service"]

RECENT_INTERACTIONS = 10
"""How many recent interactions :meth:`Service.context` shows."""
OPEN_CASES = 20
"""How many of the customer's active cases :meth:`Service.context` shows."""


@attrs.frozen
class CaseThread:
    """A case with its whole thread: every interaction of its conversation, on any channel."""

    case: Case
    interactions: tuple[Interaction, ...]

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels the thread went through, in order."""
        return self.case.channels


@attrs.frozen(kw_only=True)
class AgentContext:
    """Everything an agent needs about a customer, in one call (the repr shows no personal data).

    ``tier`` is the tier code of the customer's account in the default loyalty program.
    """

    customer_id: str
    name: str = attrs.field(repr=_checks.masked)
    """The name as the customer's culture writes it (CLDR person names, their locale)."""
    salutation: str = attrs.field(repr=_checks.masked)
    """The opening line for the case's channel, in their language and register."""
    channel: str
    language: str
    local_time: dt.datetime = attrs.field(repr=False)
    inside_contact_hours: bool
    preferred_channels: tuple[str, ...]
    open_cases: tuple[Case, ...] = attrs.field(repr=False)
    recent_interactions: tuple[Interaction, ...] = attrs.field(repr=False)
    dietary_needs: tuple[str, ...] = attrs.field(repr=False)
    allergens: tuple[str, ...] = attrs.field(repr=False)
    accessibility_needs: tuple[str, ...] = attrs.field(repr=False)
    purpose: str | None
    consent: Decision | None = attrs.field(repr=False)
    """``crm.privacy.can_contact`` for the case's purpose on its channel (``None``: no purpose)."""
    tier: str | None = None
    """The tier code in the default loyalty program; ``None`` for a customer without one."""


def _case_id(case: Case | str) -> str:
    if isinstance(case, Case):
        return case.id
    if isinstance(case, str):
        return check_id(case, field="case")
    raise InvalidFormat(f"expected a Case or a case id, got {type(case).__name__}", field="case")


def _not_closed(case: Case) -> None:
    if case.status == "closed":
        raise RuleViolation(
            "the case is closed: open a new case on the same conversation", field="case"
        )


class Service:
    """The customer service of one tenant."""

    def __init__(self, context: Context, customers: Customers, privacy: Privacy) -> None:
        self._context = context
        self._customers = customers
        self._privacy = privacy

    # ----------------------------------------------------------------- teams and policies

    def save_team(self, team: Team) -> Team:
        """Store a team (replacing the one with its key); returns it."""
        if not isinstance(team, Team):
            raise InvalidFormat(f"expected a Team, got {type(team).__name__}", field="team")
        with self._context.work() as uow:
            uow.service.save_team(team)
            self._audit(uow, "team.saved", "team", team.key, None, {})
        return team

    def team(self, key: str) -> Team:
        """The team ``key``."""
        name = _checks.code(key, field="team")
        with self._context.work(write=False) as uow:
            return uow.service.team(name)

    def teams(self) -> list[Team]:
        """Every team, by key."""
        with self._context.work(write=False) as uow:
            return uow.service.teams()

    def save_policy(self, policy: SlaPolicy) -> SlaPolicy:
        """Store an SLA policy (replacing the one with its key).

        Stored cases keep the deadlines they have until they next change.
        """
        if not isinstance(policy, SlaPolicy):
            raise InvalidFormat(
                f"expected an SlaPolicy, got {type(policy).__name__}", field="policy"
            )
        with self._context.work() as uow:
            uow.service.save_policy(policy)
            self._audit(uow, "sla_policy.saved", "sla_policy", policy.key, None, {})
        return policy

    def policy(self, key: str) -> SlaPolicy:
        """The SLA policy ``key``."""
        name = _checks.code(key, field="sla_policy")
        with self._context.work(write=False) as uow:
            return uow.service.policy(name)

    # ----------------------------------------------------------------- cases

    def open_case(
        self,
        customer: Customer | str,
        *,
        channel: str,
        body: str = "",
        subject: str | None = None,
        language: str | None = None,
        priority: str = "normal",
        team: str | None = None,
        agent: str | None = None,
        tags: tuple[str, ...] = (),
        purpose: str | None = None,
        tier: str | None = None,
        sla_policy: str | None = None,
        conversation: str | None = None,
        now: dt.datetime | None = None,
    ) -> Case:
        """Open a case for the customer's first message on ``channel`` (recorded if ``body``).

        Without ``team``, the case follows the sun: the first team that speaks its language
        (the customer's, unless given), serves the customer's country and is open now, else the
        one that opens first. Its SLA policy is ``sla_policy``, else the team's; ``tier`` (by
        default the customer's tier in the default loyalty program) picks the policy's targets
        for that tier. ``conversation`` joins an existing thread (its earlier interactions
        become the case's).
        """
        moment = self._context.now(now)
        customer_id = customer_id_of(customer)
        with self._context.work() as uow:
            person = uow.customers.get(customer_id)
            customer_id = person.id  # a merged customer's id leads to the one kept
            if tier is None:
                tier = uow.loyalty.tiers_of([customer_id], DEFAULT_PROGRAM).get(customer_id)
            case = Case.open(
                customer_id,
                channel=channel,
                now=moment,
                subject=subject,
                language=language or person.language,
                priority=priority,
                tags=tags,
                purpose=purpose,
                tier=tier,
                sla_policy=sla_policy,
                conversation=conversation,
                tenant=self._context.tenant,
                updated_at=moment,
            )
            if team is None:
                chosen = route(
                    uow.service.teams(), language=case.language, country=person.country, at=moment
                ).team
            else:
                chosen = uow.service.team(_checks.code(team, field="team"))
            if chosen is not None:
                case.team = chosen.key
                if case.sla_policy is None:
                    case.sla_policy = chosen.sla_policy
            if agent is not None:
                case.assign(agent=agent, now=moment)
            self._deadlines(uow, case, chosen)  # NotFound for an unknown policy
            uow.service.add_case(case)
            if body:
                uow.interactions.add(self._interaction(case, "inbound", case.channel, body,
                                                       moment, None))
            self._audit(uow, "case.opened", "case", case.id, customer_id,
                        {"channel": case.channel, "team": case.team, "priority": case.priority})
        return case

    def case(self, case: Case | str, *, limit: int = 500) -> CaseThread:
        """The case and its whole thread across channels, oldest first (up to ``limit``)."""
        case_id = _case_id(case)
        limit = check_limit(limit)
        with self._context.work(write=False) as uow:
            found = uow.service.case(case_id)
            assert found.conversation is not None  # noqa: S101 - set on construction
            thread = uow.interactions.conversation(found.conversation, after=None, limit=limit)
        return CaseThread(found, tuple(thread))

    def cases(
        self,
        *,
        status: str | tuple[str, ...] | None = None,
        team: str | None = None,
        agent: str | None = None,
        customer: Customer | str | None = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Case]:
        """Cases oldest first, filtered by status (one or several), team, agent or customer."""
        statuses: tuple[str, ...] | None = None
        if status is not None:
            given = (status,) if isinstance(status, str) else status
            statuses = _checks.each(
                given, "status",
                lambda s: _checks.choice(s, STATUSES, field="", what="case status"),
            )
        team_key = None if team is None else _checks.code(team, field="team")
        agent_ref = None if agent is None else _checks.text(agent, field="agent", max_length=200)
        customer_id = None if customer is None else customer_id_of(customer)
        limit = check_limit(limit)
        last = None if after is None else check_id(decode_cursor(after, 1)[0], field="after")
        with self._context.work(write=False) as uow:
            items = uow.service.cases(
                status=statuses, team=team_key, agent=agent_ref, customer_id=customer_id,
                after=last, limit=limit + 1,
            )
        if len(items) > limit:
            return Page(items[:limit], encode_cursor(items[limit - 1].id))
        return Page(items, None)

    def message(
        self, case: Case | str, *, channel: str, body: str, now: dt.datetime | None = None
    ) -> Interaction:
        """Record the customer's message on the case's thread, on any channel.

        A case waiting on the customer becomes open again (its clock runs again); a resolved
        one is reopened; a channel other than the case's is recorded as a channel switch.
        """
        moment = self._context.now(now)
        with self._context.work() as uow:
            found = uow.service.case(_case_id(case), for_update=True)
            _not_closed(found)
            found.switch_channel(channel, now=moment)
            if found.status == "pending_customer":
                found.change_status("open", now=moment)
            elif found.status == "resolved":
                found.change_status("reopened", now=moment)
            item = self._interaction(found, "inbound", found.channel, body, moment, None)
            self._store(uow, found, "case.message", item)
        return item

    def reply(
        self,
        case: Case | str,
        *,
        body: str,
        channel: str | None = None,
        agent: str | None = None,
        now: dt.datetime | None = None,
    ) -> Interaction:
        """Record an agent's reply on the thread (the case's channel unless given).

        The first reply meets the first-response target.
        """
        moment = self._context.now(now)
        with self._context.work() as uow:
            found = uow.service.case(_case_id(case), for_update=True)
            _not_closed(found)
            if channel is not None:
                found.switch_channel(channel, now=moment)
            found.responded(now=moment)
            item = self._interaction(found, "outbound", found.channel, body, moment,
                                     agent or found.agent)
            self._store(uow, found, "case.reply", item)
        return item

    def set_status(self, case: Case | str, status: str, *, now: dt.datetime | None = None) -> Case:
        """Move the case to ``status`` (``RuleViolation`` for a transition not allowed)."""
        moment = self._context.now(now)
        with self._context.work() as uow:
            found = uow.service.case(_case_id(case), for_update=True)
            found.change_status(status, now=moment)
            self._store(uow, found, "case.status", None)
            if found.status == "closed":
                self._context.after_commit(  # hook
                    uow, "globalcrm_case_closed", case_id=found.id,
                    customer_id=found.customer_id, at=moment,
                )
            return found

    def set_priority(
        self, case: Case | str, priority: str, *, now: dt.datetime | None = None
    ) -> Case:
        """Change the priority; the deadlines follow the policy's target for it."""
        moment = self._context.now(now)
        with self._context.work() as uow:
            found = uow.service.case(_case_id(case), for_update=True)
            found.set_priority(priority, now=moment)
            self._store(uow, found, "case.priority", None)
            return found

    def assign(
        self,
        case: Case | str,
        *,
        team: str | None = None,
        agent: str | None = None,
        strategy: str | None = None,
        now: dt.datetime | None = None,
    ) -> Case:
        """Give the case to ``team`` and/or ``agent``, or to an agent chosen by ``strategy``.

        ``strategy`` is ``round_robin`` (the team's agents in turn) or ``least_loaded`` (the
        agent with the fewest active cases in the team).
        """
        moment = self._context.now(now)
        if agent is not None and strategy is not None:
            raise InvalidInput("give an agent or a strategy, not both", field="strategy")
        with self._context.work() as uow:
            found = uow.service.case(_case_id(case), for_update=True)
            key = found.team if team is None else _checks.code(team, field="team")
            chosen = None if key is None else uow.service.team(key)
            if strategy is not None:
                if chosen is None:
                    raise InvalidInput("the case has no team to choose an agent in", field="team")
                if strategy == "round_robin":
                    agent = pick_agent(chosen, strategy, last=uow.service.last_agent(chosen.key))
                    uow.service.set_last_agent(chosen.key, agent)
                else:
                    agent = pick_agent(chosen, strategy, load=uow.service.load(chosen.key))
            found.assign(team=key, agent=agent, now=moment)
            if found.sla_policy is None and chosen is not None:
                found.sla_policy = chosen.sla_policy
            self._store(uow, found, "case.assigned", None)
            return found

    # ----------------------------------------------------------------- routing

    def route(
        self, *, language: str | None, country: str | None, at: dt.datetime | None = None
    ) -> Route:
        """Which teams can take a case of ``language`` from ``country`` now, or next."""
        moment = self._context.now(at, field="at")
        with self._context.work(write=False) as uow:
            teams = uow.service.teams()
        return route(teams, language=language, country=country, at=moment)

    def best_contact_time(
        self, customer: Customer | str, *, after: dt.datetime | None = None
    ) -> dt.datetime:
        """When to contact the customer: their hours, their zone, no holiday, not at night."""
        moment = self._context.now(after, field="after")
        person = self._customers.get(customer_id_of(customer))
        return best_contact_time(
            person.contact_hours, time_zone=person.time_zone, country=person.country, after=moment
        )

    # ----------------------------------------------------------------- SLA lists and report

    def breaches(
        self,
        *,
        now: dt.datetime | None = None,
        team: str | None = None,
        metric: str | None = None,
    ) -> list[SlaItem]:
        """Targets not met whose deadline has passed, the most overdue first."""
        moment = self._context.now(now)
        return self._list(None, moment, team, metric)

    def at_risk(
        self,
        *,
        within: dt.timedelta = dt.timedelta(hours=1),
        now: dt.datetime | None = None,
        team: str | None = None,
        metric: str | None = None,
    ) -> list[SlaItem]:
        """Targets not met whose deadline falls within ``within`` from now, soonest first."""
        moment = self._context.now(now)
        if not isinstance(within, dt.timedelta) or within <= dt.timedelta(0):
            raise InvalidFormat("expected a positive timedelta", field="within")
        return self._list(moment, moment + within, team, metric)

    def sla_report(
        self,
        *,
        start: dt.datetime,
        end: dt.datetime,
        now: dt.datetime | None = None,
        team: str | None = None,
    ) -> list[TeamAttainment]:
        """SLA attainment per team for the cases opened in ``[start, end)``, judged now."""
        low = _checks.aware_utc(start, field="start")
        high = _checks.aware_utc(end, field="end")
        if high <= low:
            raise InvalidInput("the period ends before it starts", field="end")
        moment = self._context.now(now)
        key = None if team is None else _checks.code(team, field="team")
        with self._context.work(write=False) as uow:
            assert uow.session is not None  # noqa: S101
            return service_sql.report(
                uow.session, self._context.tenant, start=low, end=high, now=moment, team=key
            )

    # ----------------------------------------------------------------- the agent's view

    def context(
        self,
        customer: Customer | str,
        *,
        case: Case | str | None = None,
        channel: str | None = None,
        purpose: str | None = None,
        now: dt.datetime | None = None,
    ) -> AgentContext:
        """Everything an agent needs about the customer, in a fixed number of queries.

        The channel is ``channel``, else the case's, else the customer's first preferred one,
        else e-mail; the purpose is ``purpose``, else the case's (no consent answer without
        one). The salutation is ``crm.customers.salutation_for`` on that channel, passed
        through as it is.
        """
        moment = self._context.now(now)
        customer_id = customer_id_of(customer)
        with self._context.work(write=False) as uow:
            person = uow.customers.get(customer_id)
            chosen = None if case is None else uow.service.case(_case_id(case))
            if chosen is not None and chosen.customer_id != customer_id:
                raise InvalidInput("the case is another customer's", field="case")
            active = uow.service.cases(
                status=ACTIVE_STATUSES, team=None, agent=None, customer_id=customer_id,
                after=None, limit=OPEN_CASES,
            )
            recent = uow.interactions.timeline(
                customer_id, after=None, limit=RECENT_INTERACTIONS, newest_first=True
            )
            tier = uow.loyalty.tiers_of([customer_id], DEFAULT_PROGRAM).get(customer_id)
        way = channel or (chosen.channel if chosen else None) or next(
            iter(person.preferred_channels), "email"
        )
        reason = purpose or (chosen.purpose if chosen else None)
        consent = None
        if reason is not None:
            consent = self._privacy.can_contact(person, purpose=reason, channel=way, at=moment)
        return AgentContext(
            customer_id=customer_id,
            name=self._customers.display_name(person, length="long"),
            salutation=self._customers.salutation_for(person, channel=way),
            channel=way,
            language=person.language,
            local_time=person.local_time(moment),
            inside_contact_hours=person.welcomes_contact(moment),
            preferred_channels=person.preferred_channels,
            open_cases=tuple(active),
            recent_interactions=tuple(recent),
            dietary_needs=person.dietary_needs,
            allergens=person.allergens,
            accessibility_needs=person.accessibility_needs,
            purpose=reason,
            consent=consent,
            tier=tier,
        )

    # ----------------------------------------------------------------- helpers

    def _list(
        self, since: dt.datetime | None, until: dt.datetime, team: str | None, metric: str | None
    ) -> list[SlaItem]:
        metrics = METRICS if metric is None else (
            _checks.choice(metric, METRICS, field="metric", what="SLA metric"),
        )
        key = None if team is None else _checks.code(team, field="team")
        query = service_sql.breaches_query(
            self._context.tenant, until=until, since=since, metrics=metrics, team=key
        )
        with self._context.work(write=False) as uow, collector_paused():
            assert uow.session is not None  # noqa: S101
            return service_sql.breaches(uow.session, query)  # a list can be 100,000s of rows

    def _deadlines(self, uow: UnitOfWork, case: Case, team: Team | None = None) -> None:
        """Work out the case's SLA deadlines again in its team's business hours."""
        policy = None if case.sla_policy is None else uow.service.policy(case.sla_policy)
        if team is None and case.team is not None:
            team = uow.service.team(case.team)
        hours = None if team is None else team.business_hours
        case.first_response_due, case.resolution_due = case_deadlines(case, policy, hours)

    def _interaction(
        self,
        case: Case,
        direction: str,
        channel: str,
        body: str,
        moment: dt.datetime,
        agent: str | None,
    ) -> Interaction:
        return Interaction(
            customer_id=case.customer_id,
            channel=channel,
            direction=direction,
            body=body,
            occurred_at=moment,
            conversation=case.conversation,
            language=case.language,
            agent=agent,
            tenant=self._context.tenant,
        )

    def _store(
        self, uow: UnitOfWork, case: Case, action: str, interaction: Interaction | None
    ) -> None:
        """Deadlines again, the version-checked write, the interaction and the audit entry."""
        self._deadlines(uow, case)
        with storage_errors():
            uow.service.flush()
        if interaction is not None:
            uow.interactions.add(interaction)
        self._audit(uow, action, "case", case.id, case.customer_id,
                    {"status": case.status, "channel": case.channel, "team": case.team})
        uow.service.detach(case)

    def _audit(
        self,
        uow: UnitOfWork,
        action: str,
        entity_type: str,
        entity_ref: str,
        subject_ref: str | None,
        payload: dict[str, Any],
    ) -> None:
        record_audit(uow, self._context, action, entity_type, entity_ref, subject_ref, payload)
