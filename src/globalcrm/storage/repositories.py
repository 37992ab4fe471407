"""Repositories: how aggregates are found and kept, one class per aggregate, scoped by tenant.

Queries go through ``tables.<table>.c.<column>`` (typed under ``mypy --strict``); listings use
keyset pagination over indexed columns, never ``OFFSET``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, intersect, select, tuple_
from sqlalchemy.orm import Session

from globalcrm.customers import Customer
from globalcrm.errors import NotFound
from globalcrm.interactions import Interaction
from globalcrm.storage import tables

__all__ = ["CustomerRepository", "InteractionRepository", "key_rows", "prefix_upper_bound"]

_MAX_CHAR = "\U0010ffff"


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (byte order)."""
    return prefix + _MAX_CHAR


def key_rows(customer: Customer) -> list[dict[str, str]]:
    """The ``customer_keys`` rows of one customer."""
    return [
        {"customer_id": customer.id, "tenant": customer.tenant, "kind": kind, "key": key}
        for kind, key in customer.search_keys()
    ]


class CustomerRepository:
    """Customers of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def add(self, customer: Customer) -> None:
        """Stage a new customer and its search keys."""
        self._session.add(customer)
        self._session.flush()
        self._write_keys(customer)

    def get(self, customer_id: str) -> Customer:
        """The customer with this id, or ``NotFound``."""
        customer = self._session.get(Customer, customer_id)
        if customer is None or customer.tenant != self._tenant:
            raise NotFound("no customer with this id", field="customer_id")
        return customer

    def exists(self, customer_id: str) -> bool:
        """Whether the tenant has a customer with this id."""
        query = select(tables.customers.c.id).where(
            tables.customers.c.id == customer_id, tables.customers.c.tenant == self._tenant
        )
        return self._session.execute(query).first() is not None

    def refresh_keys(self, customer: Customer) -> None:
        """Rewrite the search keys after a change."""
        self._session.execute(
            delete(tables.customer_keys).where(tables.customer_keys.c.customer_id == customer.id)
        )
        self._write_keys(customer)

    def _write_keys(self, customer: Customer) -> None:
        rows = key_rows(customer)
        if rows:
            self._session.execute(insert(tables.customer_keys), rows)

    def remove(self, customer: Customer) -> None:
        """Delete a customer; keys and interactions go with it (foreign keys cascade)."""
        self._session.execute(
            delete(tables.customer_keys).where(tables.customer_keys.c.customer_id == customer.id)
        )
        self._session.execute(
            delete(tables.interactions).where(tables.interactions.c.customer_id == customer.id)
        )
        self._session.delete(customer)

    def page(self, *, after: str | None, limit: int) -> list[Customer]:
        """Customers in id (creation) order, after the id ``after``."""
        c = tables.customers.c
        query = select(Customer).where(c.tenant == self._tenant)
        if after is not None:
            query = query.where(c.id > after)
        return list(self._session.scalars(query.order_by(c.id).limit(limit)))

    def count(self) -> int:
        """How many customers the tenant has."""
        query = (
            select(func.count())
            .select_from(tables.customers)
            .where(tables.customers.c.tenant == self._tenant)
        )
        return int(self._session.execute(query).scalar_one())

    def ids_by_key(
        self, kind: str, key: str, *, prefix: bool = False, limit: int = 1000
    ) -> list[str]:
        """Customer ids having the key (or a key starting with it)."""
        k = tables.customer_keys.c
        condition = k.key == key
        if prefix:
            condition = and_(k.key >= key, k.key < prefix_upper_bound(key))
        query = (
            select(k.customer_id)
            .where(k.tenant == self._tenant, k.kind == kind, condition)
            .distinct()
            .order_by(k.customer_id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def search_name(self, words: Sequence[str], *, after: str | None, limit: int) -> list[Customer]:
        """Customers having, for every word, a name key starting with it."""
        k = tables.customer_keys.c
        parts = [
            select(k.customer_id).where(
                k.tenant == self._tenant,
                k.kind == "name",
                k.key >= word,
                k.key < prefix_upper_bound(word),
            )
            for word in words
        ]
        if not parts:
            return []
        ids = (parts[0] if len(parts) == 1 else intersect(*parts)).subquery()
        c = tables.customers.c
        query = select(Customer).where(
            c.id.in_(select(ids.c.customer_id)), c.tenant == self._tenant
        )
        if after is not None:
            query = query.where(c.id > after)
        return list(self._session.scalars(query.order_by(c.id).limit(limit)))

    def get_many(self, ids: Sequence[str]) -> list[Customer]:
        """The customers with these ids, in id order."""
        if not ids:
            return []
        c = tables.customers.c
        query = select(Customer).where(c.tenant == self._tenant, c.id.in_(list(ids)))
        return list(self._session.scalars(query.order_by(c.id)))


class InteractionRepository:
    """Interactions of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def add(self, interaction: Interaction) -> None:
        """Stage a new interaction."""
        self._session.add(interaction)
        self._session.flush()

    def get(self, interaction_id: str) -> Interaction:
        """The interaction with this id, or ``NotFound``."""
        found = self._session.get(Interaction, interaction_id)
        if found is None or found.tenant != self._tenant:
            raise NotFound("no interaction with this id", field="interaction_id")
        return found

    def timeline(
        self,
        customer_id: str,
        *,
        after: tuple[dt.datetime, str] | None,
        limit: int,
        newest_first: bool,
    ) -> list[Interaction]:
        """A customer's interactions in time order (ties broken by id), after a position."""
        i = tables.interactions.c
        query = select(Interaction).where(i.tenant == self._tenant, i.customer_id == customer_id)
        return self._ordered(query, after=after, limit=limit, newest_first=newest_first)

    def conversation(
        self, conversation: str, *, after: tuple[dt.datetime, str] | None, limit: int
    ) -> list[Interaction]:
        """One conversation across channels, oldest first."""
        i = tables.interactions.c
        query = select(Interaction).where(i.tenant == self._tenant, i.conversation == conversation)
        return self._ordered(query, after=after, limit=limit, newest_first=False)

    def _ordered(
        self,
        query: Select[Any],
        *,
        after: tuple[dt.datetime, str] | None,
        limit: int,
        newest_first: bool,
    ) -> list[Interaction]:
        i = tables.interactions.c
        position = tuple_(i.occurred_at, i.id)
        if after is not None:
            last = tuple_(*after)
            query = query.where(position < last if newest_first else position > last)
        if newest_first:
            query = query.order_by(i.occurred_at.desc(), i.id.desc())
        else:
            query = query.order_by(i.occurred_at, i.id)
        return list(self._session.scalars(query.limit(limit)))
