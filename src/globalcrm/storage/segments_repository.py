"""Segments of one tenant: saved rules, the queries a rule compiles to, and snapshots.

Membership queries take the condition :func:`globalcrm.storage.segments_sql.condition` built;
a snapshot is written by one ``INSERT ... SELECT``, so its members never pass through Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from globalcrm.customers import Customer
from globalcrm.errors import NotFound
from globalcrm.interactions import Interaction
from globalcrm.storage import tables

__all__ = ["SegmentRepository"]

_C = tables.customers.c


class SegmentRepository:
    """Saved segments, membership queries and snapshots of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    # ------------------------------------------------------------------ saved rules

    def save(self, name: str, rule: dict[str, Any], *, now: dt.datetime) -> int:
        """Store ``rule`` (its JSON form) under ``name``, replacing one; return its version."""
        s = tables.segments.c
        found = self._session.execute(
            select(s.version).where(s.tenant == self._tenant, s.name == name).with_for_update()
        ).first()
        if found is None:
            self._session.execute(
                insert(tables.segments).values(
                    tenant=self._tenant, name=name, rule=rule, created_at=now, updated_at=now,
                    version=1,
                )
            )
            return 1
        version = int(found.version) + 1
        self._session.execute(
            update(tables.segments)
            .where(s.tenant == self._tenant, s.name == name)
            .values(rule=rule, updated_at=now, version=version)
        )
        return version

    def get(self, name: str) -> Any:
        """The stored row of segment ``name`` (rule, created_at, updated_at, version)."""
        s = tables.segments.c
        row = self._session.execute(
            select(tables.segments).where(s.tenant == self._tenant, s.name == name)
        ).first()
        if row is None:
            raise NotFound("no segment with this name", field="name")
        return row

    def names(self) -> list[str]:
        """The names of the tenant's saved segments."""
        s = tables.segments.c
        return list(
            self._session.scalars(select(s.name).where(s.tenant == self._tenant).order_by(s.name))
        )

    def delete(self, name: str) -> None:
        """Forget segment ``name`` and its snapshots."""
        self.get(name)
        snapshots = tables.segment_snapshots.c
        ids = select(snapshots.id).where(
            snapshots.tenant == self._tenant, snapshots.segment == name
        )
        self._session.execute(
            delete(tables.segment_members).where(
                tables.segment_members.c.snapshot_id.in_(ids)
            )
        )
        self._session.execute(
            delete(tables.segment_snapshots).where(
                snapshots.tenant == self._tenant, snapshots.segment == name
            )
        )
        s = tables.segments.c
        self._session.execute(
            delete(tables.segments).where(s.tenant == self._tenant, s.name == name)
        )

    # ------------------------------------------------------------------ membership

    def _where(self, condition: ColumnElement[bool]) -> list[ColumnElement[bool]]:
        return [_C.tenant == self._tenant, condition]

    def count(self, condition: ColumnElement[bool]) -> int:
        """How many of the tenant's customers meet ``condition``."""
        query = select(func.count()).select_from(tables.customers).where(*self._where(condition))
        return int(self._session.execute(query).scalar_one())

    def ids(
        self, condition: ColumnElement[bool], *, after: str | None, limit: int
    ) -> list[str]:
        """Ids of customers meeting ``condition``, in id order, after ``after``."""
        query = select(_C.id).where(*self._where(condition))
        if after is not None:
            query = query.where(_C.id > after)
        return list(self._session.scalars(query.order_by(_C.id).limit(limit)))

    def members(
        self, condition: ColumnElement[bool], *, after: str | None, limit: int
    ) -> list[Customer]:
        """Customers meeting ``condition`` (detached), in id order, after ``after``."""
        query = select(Customer).where(*self._where(condition))
        if after is not None:
            query = query.where(_C.id > after)
        found = list(self._session.scalars(query.order_by(_C.id).limit(limit)))
        for customer in found:
            self._session.expunge(customer)
        return found

    def interactions_of(self, customer_ids: Sequence[str]) -> list[Interaction]:
        """Every interaction of these customers (what a rule evaluated in memory reads)."""
        if not customer_ids:
            return []
        i = tables.interactions.c
        found = list(
            self._session.scalars(
                select(Interaction).where(
                    i.tenant == self._tenant, i.customer_id.in_(list(customer_ids))
                )
            )
        )
        for interaction in found:
            self._session.expunge(interaction)
        return found

    def breakdown(self, condition: ColumnElement[bool], by: str) -> dict[str, int]:
        """Members counted by ``country`` or ``language``."""
        column = _C.country if by == "country" else _C.language
        query = (
            select(column, func.count())
            .where(*self._where(condition))
            .group_by(column)
            .order_by(column)
        )
        return {str(key): int(count) for key, count in self._session.execute(query)}

    # ------------------------------------------------------------------ snapshots

    def snapshot(
        self,
        snapshot_id: str,
        name: str,
        rule: dict[str, Any],
        condition: ColumnElement[bool],
        *,
        now: dt.datetime,
    ) -> int:
        """Materialise the members of ``condition`` as snapshot ``snapshot_id``; return its size."""
        self._session.execute(
            insert(tables.segment_snapshots).values(
                id=snapshot_id, tenant=self._tenant, segment=name, taken_at=now, size=0, rule=rule
            )
        )
        chosen = select(literal(snapshot_id), _C.id).where(*self._where(condition))
        self._session.execute(
            insert(tables.segment_members).from_select(["snapshot_id", "customer_id"], chosen)
        )
        m = tables.segment_members.c
        size = int(
            self._session.execute(
                select(func.count()).select_from(tables.segment_members).where(
                    m.snapshot_id == snapshot_id
                )
            ).scalar_one()
        )
        sn = tables.segment_snapshots.c
        self._session.execute(
            update(tables.segment_snapshots).where(sn.id == snapshot_id).values(size=size)
        )
        return size

    def snapshot_row(self, snapshot_id: str) -> Any:
        """The stored row of a snapshot, or ``NotFound``."""
        sn = tables.segment_snapshots.c
        row = self._session.execute(
            select(tables.segment_snapshots).where(
                sn.id == snapshot_id, sn.tenant == self._tenant
            )
        ).first()
        if row is None:
            raise NotFound("no snapshot with this id", field="snapshot_id")
        return row

    def snapshots(self, name: str) -> list[Any]:
        """The snapshots of segment ``name``, oldest first."""
        sn = tables.segment_snapshots.c
        return list(
            self._session.execute(
                select(tables.segment_snapshots)
                .where(sn.tenant == self._tenant, sn.segment == name)
                .order_by(sn.taken_at, sn.id)
            )
        )

    def snapshot_members(self, snapshot_id: str, *, after: str | None, limit: int) -> list[str]:
        """Ids in a snapshot, in id order, after ``after``."""
        m = tables.segment_members.c
        query = select(m.customer_id).where(m.snapshot_id == snapshot_id)
        if after is not None:
            query = query.where(m.customer_id > after)
        return list(self._session.scalars(query.order_by(m.customer_id).limit(limit)))

    def only_in(self, first: str, second: str) -> list[str]:
        """Ids in snapshot ``first`` and not in ``second``, in id order."""
        m = tables.segment_members.c
        other = tables.segment_members.alias("other")
        query = (
            select(m.customer_id)
            .where(
                m.snapshot_id == first,
                ~select(literal(1))
                .where(other.c.snapshot_id == second, other.c.customer_id == m.customer_id)
                .exists(),
            )
            .order_by(m.customer_id)
        )
        return list(self._session.scalars(query))
