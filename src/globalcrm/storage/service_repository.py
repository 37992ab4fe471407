"""Teams, SLA policies and cases of one tenant: how ``crm.service`` finds and keeps them.

Cases are mapped entities (versioned: a concurrent change is a ``Conflict``); teams and
policies are value objects stored as JSON documents. Lists use keyset pages over the case id.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from globalcrm.cases import ACTIVE_STATUSES, Case
from globalcrm.errors import NotFound
from globalcrm.storage import tables
from globalcrm.support import SlaPolicy, Team

__all__ = ["ServiceRepository"]


class ServiceRepository:
    """Teams, policies and cases of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    # ----------------------------------------------------------------- teams

    def save_team(self, team: Team) -> None:
        """Store ``team``, replacing the stored team of the same key (round robin kept)."""
        t = tables.teams.c
        values = {"name": team.name, "document": team.to_json()}
        found = self._session.execute(
            select(t.key).where(t.tenant == self._tenant, t.key == team.key)
        ).first()
        if found is not None:
            self._session.execute(
                update(tables.teams)
                .where(t.tenant == self._tenant, t.key == team.key)
                .values(values)
            )
        else:
            self._session.execute(
                insert(tables.teams).values(tenant=self._tenant, key=team.key, **values)
            )

    def team(self, key: str) -> Team:
        """The team ``key``, or ``NotFound``."""
        t = tables.teams.c
        document = self._session.execute(
            select(t.document).where(t.tenant == self._tenant, t.key == key)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound("no team with this key", field="team")
        return Team(**document)

    def teams(self) -> list[Team]:
        """Every team of the tenant, by key."""
        t = tables.teams.c
        query = select(t.document).where(t.tenant == self._tenant).order_by(t.key)
        return [Team(**document) for document in self._session.scalars(query)]

    def last_agent(self, key: str) -> str | None:
        """The agent round robin gave a case to last, locking the team's row until commit."""
        t = tables.teams.c
        query = (
            select(t.last_agent).where(t.tenant == self._tenant, t.key == key).with_for_update()
        )
        return self._session.execute(query).scalar_one_or_none()

    def set_last_agent(self, key: str, agent: str) -> None:
        """Remember where round robin stands."""
        t = tables.teams.c
        self._session.execute(
            update(tables.teams)
            .where(t.tenant == self._tenant, t.key == key)
            .values(last_agent=agent)
        )

    def load(self, team: str) -> dict[str, int]:
        """How many active cases each agent of ``team`` holds."""
        c = tables.cases.c
        query = (
            select(c.agent, func.count())
            .where(
                c.tenant == self._tenant,
                c.team == team,
                c.status.in_(ACTIVE_STATUSES),
                c.agent.is_not(None),
            )
            .group_by(c.agent)
        )
        return {str(agent): int(count) for agent, count in self._session.execute(query)}

    # ----------------------------------------------------------------- SLA policies

    def save_policy(self, policy: SlaPolicy) -> None:
        """Store ``policy``, replacing the stored one of the same key."""
        p = tables.sla_policies.c
        self._session.execute(
            delete(tables.sla_policies).where(p.tenant == self._tenant, p.key == policy.key)
        )
        self._session.execute(
            insert(tables.sla_policies).values(
                tenant=self._tenant, key=policy.key, document=policy.to_json()
            )
        )

    def policy(self, key: str) -> SlaPolicy:
        """The SLA policy ``key``, or ``NotFound``."""
        p = tables.sla_policies.c
        document = self._session.execute(
            select(p.document).where(p.tenant == self._tenant, p.key == key)
        ).scalar_one_or_none()
        if document is None:
            raise NotFound("no SLA policy with this key", field="sla_policy")
        return SlaPolicy.from_json(document)

    # ----------------------------------------------------------------- cases

    def add_case(self, case: Case) -> None:
        """Write a new case; the object is detached afterwards."""
        self._session.add(case)
        self._session.flush()
        self._session.expunge(case)

    def case(self, case_id: str, *, for_update: bool = False) -> Case:
        """The case with this id, or ``NotFound``; detached unless ``for_update``."""
        found = self._session.get(Case, case_id)
        if found is None or found.tenant != self._tenant:
            raise NotFound("no case with this id", field="case")
        if not for_update:
            self._session.expunge(found)
        return found

    def flush(self) -> None:
        """Write pending changes (the version check of an update happens here)."""
        self._session.flush()

    def detach(self, case: Case) -> None:
        """Stop tracking ``case``."""
        self._session.expunge(case)

    def cases(
        self,
        *,
        status: Sequence[str] | None,
        team: str | None,
        agent: str | None,
        customer_id: str | None,
        after: str | None,
        limit: int,
    ) -> list[Case]:
        """Cases in id (opening) order after ``after``, filtered by what is given."""
        c = tables.cases.c
        query = select(Case).where(c.tenant == self._tenant)
        if status is not None:
            query = query.where(c.status.in_(list(status)))
        if team is not None:
            query = query.where(c.team == team)
        if agent is not None:
            query = query.where(c.agent == agent)
        if customer_id is not None:
            query = query.where(c.customer_id == customer_id)
        if after is not None:
            query = query.where(c.id > after)
        found = list(self._session.scalars(query.order_by(c.id).limit(limit)))
        for case in found:
            self._session.expunge(case)
        return found
