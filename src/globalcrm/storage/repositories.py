"""Repositories: how aggregates are found and kept, one class per aggregate, scoped by tenant.

Queries go through ``tables.<table>.c.<column>`` (typed under ``mypy --strict``); listings use
keyset pagination over indexed columns, never ``OFFSET``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from moneyed import Money
from sqlalchemy import Select, and_, delete, func, insert, intersect, select, tuple_, update
from sqlalchemy.orm import Session

from globalcrm.customers import Customer
from globalcrm.errors import NotFound
from globalcrm.exchange_rates import ExchangeRate
from globalcrm.interactions import Interaction
from globalcrm.prices import Market, PriceBook, PriceBounds, PriceEnding, PriceEntry
from globalcrm.storage import tables

__all__ = [
    "CustomerRepository",
    "ExchangeRateRepository",
    "InteractionRepository",
    "PriceBookRepository",
    "key_rows",
    "prefix_upper_bound",
]

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


_CUSTOMER_LINKED = tuple(
    table
    for table in tables.metadata.sorted_tables
    if "customer_id" in table.c and "tenant" in table.c
    and table.name not in ("customers", "customer_keys")
)
"""Tables whose rows belong to a customer by ``customer_id``: a merge moves them."""

_LINKS_NULLED_ON_DELETE = tuple(
    table
    for table in tables.metadata.sorted_tables
    if "customer_id" in table.c and "tenant" in table.c
    and table.c.customer_id.info.get("erase") == "null" and not table.c.customer_id.foreign_keys
    and not any("customer_id" in fk.column_keys for fk in table.foreign_key_constraints)
)
"""Tables whose rows outlive their customer (sales records): deleting one nulls the link."""


class CustomerRepository:
    """Customers of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def add(self, customer: Customer) -> None:
        """Write a new customer and its search keys (the object is detached afterwards)."""
        self._session.add(customer)
        self._session.flush()
        self._write_keys(customer)
        self._session.expunge(customer)

    def get(self, customer_id: str, *, for_update: bool = False) -> Customer:
        """The tenant's customer with this id, or ``NotFound``.

        Only ``for_update=True`` hands out an object the session tracks (the service layer's
        ``update`` and ``delete``); every other object is detached, so a change made to it
        reaches the store only through ``crm.customers.update``, which audits it.
        """
        customer = self._session.get(Customer, {"tenant": self._tenant, "id": customer_id})
        if customer is None:
            merged_into = self.redirect(customer_id)
            if merged_into is not None:  # a merged customer: the one it was merged into
                return self.get(merged_into, for_update=for_update)
            raise NotFound("no customer with this id", field="customer_id")
        if not for_update:
            self._session.expunge(customer)
        return customer

    def flush(self) -> None:
        """Write pending changes (the version check of an update happens here)."""
        self._session.flush()

    def detach(self, customer: Customer) -> None:
        """Stop tracking ``customer``: later changes to the object stay out of the store."""
        self._session.expunge(customer)

    def _detached(self, customers: list[Customer]) -> list[Customer]:
        for customer in customers:
            self._session.expunge(customer)
        return customers

    def exists(self, customer_id: str) -> bool:
        """Whether the tenant has a customer with this id."""
        query = select(tables.customers.c.id).where(
            tables.customers.c.id == customer_id, tables.customers.c.tenant == self._tenant
        )
        return self._session.execute(query).first() is not None

    def refresh_keys(self, customer: Customer) -> None:
        """Rewrite the search keys after a change."""
        self._delete_keys(customer.id)
        self._write_keys(customer)

    def _delete_keys(self, customer_id: str) -> None:
        k = tables.customer_keys.c
        condition = and_(k.tenant == self._tenant, k.customer_id == customer_id)
        self._session.execute(delete(tables.customer_keys).where(condition))

    def rebuild_keys(self, customers: Sequence[Customer]) -> None:
        """Rewrite the search keys of ``customers`` from scratch (after folding changed)."""
        if not customers:
            return
        k = tables.customer_keys.c
        self._session.execute(
            delete(tables.customer_keys).where(
                k.tenant == self._tenant, k.customer_id.in_([c.id for c in customers])
            )
        )
        rows = [row for customer in customers for row in key_rows(customer)]
        if rows:
            self._session.execute(insert(tables.customer_keys), rows)

    def _write_keys(self, customer: Customer) -> None:
        rows = key_rows(customer)
        if rows:
            self._session.execute(insert(tables.customer_keys), rows)

    def drop(self, customer: Customer) -> None:
        """Delete the customer's row and search keys only (a merge has moved the rest)."""
        self._delete_keys(customer.id)
        self._session.delete(customer)
        self._session.flush()

    def remove(self, customer: Customer) -> None:
        """Delete a customer with its keys and interactions (the tenant's, by the same id)."""
        self._delete_keys(customer.id)
        i = tables.interactions.c
        self._session.execute(
            delete(tables.interactions).where(
                i.tenant == self._tenant, i.customer_id == customer.id
            )
        )
        for table in _LINKS_NULLED_ON_DELETE:  # records kept without the person (the registry)
            self._session.execute(
                update(table)
                .where(table.c.tenant == self._tenant, table.c.customer_id == customer.id)
                .values(customer_id=None)
            )
        self._session.delete(customer)

    def page(self, *, after: str | None, limit: int) -> list[Customer]:
        """Customers in id (creation) order, after the id ``after``."""
        c = tables.customers.c
        query = select(Customer).where(c.tenant == self._tenant)
        if after is not None:
            query = query.where(c.id > after)
        return self._detached(list(self._session.scalars(query.order_by(c.id).limit(limit))))

    def redirect(self, customer_id: str) -> str | None:
        """The id of the customer ``customer_id`` was merged into, if it was."""
        r = tables.customer_redirects.c
        query = select(r.new_id).where(r.tenant == self._tenant, r.old_id == customer_id)
        return self._session.scalars(query).first()

    def add_redirect(self, old_id: str, new_id: str, *, at: dt.datetime) -> None:
        """Lead ``old_id`` (and every id that led to it) to ``new_id``: one hop, always."""
        r = tables.customer_redirects.c
        self._session.execute(
            update(tables.customer_redirects)
            .where(r.tenant == self._tenant, r.new_id == old_id)
            .values(new_id=new_id)
        )
        self._session.execute(
            insert(tables.customer_redirects).values(
                tenant=self._tenant, old_id=old_id, new_id=new_id, merged_at=at
            )
        )

    def move_rows(self, old_id: str, new_id: str) -> dict[str, int]:
        """Give every row that names ``old_id`` as its customer to ``new_id``: how many, per table.

        The tables are those with ``tenant`` and ``customer_id`` columns, found in the schema
        (a table added later moves too); the customer's own row and search keys are not moved.
        """
        moved: dict[str, int] = {}
        for table in _CUSTOMER_LINKED:
            result = self._session.execute(
                update(table)
                .where(table.c.tenant == self._tenant, table.c.customer_id == old_id)
                .values(customer_id=new_id)
            )
            count = int(result.rowcount)  # type: ignore[attr-defined]
            if count:
                moved[table.name] = count
        return moved

    def countries(self) -> list[str]:
        """The countries the tenant's customers live in."""
        c = tables.customers.c
        query = select(c.country).where(c.tenant == self._tenant).distinct()
        return sorted(self._session.scalars(query))

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
        query = (
            self._having(kind, key, prefix=prefix)
            .distinct()
            .order_by(k.customer_id)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def ids_by_all_keys(
        self, kind: str, keys: Sequence[tuple[str, bool]], *, limit: int = 1000
    ) -> list[str]:
        """Customer ids having every key of ``keys``: ``(key, prefix)``, prefix as in ids_by_key."""
        if not keys:
            return []
        parts = [self._having(kind, key, prefix=prefix) for key, prefix in keys]
        ids = (parts[0] if len(parts) == 1 else intersect(*parts)).subquery()
        query = select(ids.c.customer_id).distinct().order_by(ids.c.customer_id).limit(limit)
        return list(self._session.scalars(query))

    def _having(self, kind: str, key: str, *, prefix: bool) -> Select[tuple[str]]:
        """Ids of the tenant's customers with the key (with ``prefix``: a key starting with it)."""
        k = tables.customer_keys.c
        condition = and_(k.key >= key, k.key < prefix_upper_bound(key)) if prefix else k.key == key
        return select(k.customer_id).where(k.tenant == self._tenant, k.kind == kind, condition)

    def search_name(self, words: Sequence[str], *, after: str | None, limit: int) -> list[Customer]:
        """Customers having, for every word, a name key starting with it."""
        parts = [self._having("name", word, prefix=True) for word in words]
        if not parts:
            return []
        ids = (parts[0] if len(parts) == 1 else intersect(*parts)).subquery()
        c = tables.customers.c
        query = select(Customer).where(
            c.id.in_(select(ids.c.customer_id)), c.tenant == self._tenant
        )
        if after is not None:
            query = query.where(c.id > after)
        return self._detached(list(self._session.scalars(query.order_by(c.id).limit(limit))))

    def get_many(self, ids: Sequence[str]) -> list[Customer]:
        """The customers with these ids, in id order."""
        if not ids:
            return []
        c = tables.customers.c
        query = select(Customer).where(c.tenant == self._tenant, c.id.in_(list(ids)))
        return self._detached(list(self._session.scalars(query.order_by(c.id))))


class InteractionRepository:
    """Interactions of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def add(self, interaction: Interaction) -> None:
        """Write a new interaction; the object is detached afterwards (it never changes)."""
        self._session.add(interaction)
        self._session.flush()
        self._session.expunge(interaction)

    def get(self, interaction_id: str) -> Interaction:
        """The tenant's interaction with this id (detached), or ``NotFound``."""
        found = self._session.get(Interaction, {"tenant": self._tenant, "id": interaction_id})
        if found is None:
            raise NotFound("no interaction with this id", field="interaction_id")
        self._session.expunge(found)
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
        found = list(self._session.scalars(query.limit(limit)))
        for interaction in found:
            self._session.expunge(interaction)
        return found


class ExchangeRateRepository:
    """Published exchange rates (shared by every tenant: a rate is a fact about the world)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add_many(self, rates: Sequence[ExchangeRate], *, now: dt.datetime) -> int:
        """Store direct rates not stored yet (same source, pair and time); return how many."""
        r = tables.exchange_rates.c
        added = 0
        seen: set[tuple[str, str, str, dt.datetime]] = set()
        for rate in rates:
            key = (rate.source, rate.base, rate.quote, rate.as_of)
            if key in seen:
                continue
            seen.add(key)
            exists = self._session.execute(
                select(r.id).where(
                    r.source == rate.source,
                    r.base == rate.base,
                    r.quote == rate.quote,
                    r.as_of == rate.as_of,
                )
            ).first()
            if exists is not None:
                continue
            self._session.execute(
                insert(tables.exchange_rates).values(
                    base=rate.base,
                    quote=rate.quote,
                    rate=str(rate.rate),
                    source=rate.source,
                    as_of=rate.as_of,
                    imported_at=now,
                )
            )
            added += 1
        return added

    def latest(self, at: dt.datetime, *, since: dt.datetime | None = None) -> list[ExchangeRate]:
        """For each pair and source, the newest rate published at or before ``at``."""
        r = tables.exchange_rates.c
        newest = (
            select(r.base, r.quote, r.source, func.max(r.as_of).label("as_of"))
            .where(r.as_of <= at)
            .group_by(r.base, r.quote, r.source)
        )
        if since is not None:
            newest = newest.where(r.as_of >= since)
        latest = newest.subquery()
        query = select(r.base, r.quote, r.rate, r.source, r.as_of).join(
            latest,
            and_(
                r.base == latest.c.base,
                r.quote == latest.c.quote,
                r.source == latest.c.source,
                r.as_of == latest.c.as_of,
            ),
        )
        return [
            ExchangeRate(
                base=row.base,
                quote=row.quote,
                rate=Decimal(row.rate),
                source=row.source,
                as_of=row.as_of,
            )
            for row in self._session.execute(query.order_by(r.base, r.quote, r.source))
        ]

    def history(self, base: str, quote: str, *, limit: int) -> list[ExchangeRate]:
        """The newest ``limit`` rates of one pair, newest first."""
        r = tables.exchange_rates.c
        query = (
            select(r.base, r.quote, r.rate, r.source, r.as_of)
            .where(r.base == base, r.quote == quote)
            .order_by(r.as_of.desc(), r.source)
            .limit(limit)
        )
        return [
            ExchangeRate(
                base=row.base,
                quote=row.quote,
                rate=Decimal(row.rate),
                source=row.source,
                as_of=row.as_of,
            )
            for row in self._session.execute(query)
        ]


def _bounds_currency(bounds: PriceBounds, default: str) -> str:
    limit = bounds.minimum if bounds.minimum is not None else bounds.maximum
    return default if limit is None else str(limit.currency.code)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class PriceBookRepository:
    """Price books of one tenant: each saved and loaded whole."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def save(self, book: PriceBook) -> int:
        """Replace the stored book of the same name with ``book``; return its new version."""
        b = tables.price_books.c
        found = self._session.execute(
            select(b.version).where(b.tenant == self._tenant, b.name == book.name)
        ).first()
        version = 1 if found is None else int(found.version) + 1
        for table in (tables.price_bounds, tables.price_entries, tables.markets):
            self._session.execute(
                delete(table).where(table.c.tenant == self._tenant, table.c.book == book.name)
            )
        if found is None:
            self._session.execute(
                insert(tables.price_books).values(
                    tenant=self._tenant,
                    name=book.name,
                    base_currency=book.base_currency,
                    version=version,
                )
            )
        else:
            self._session.execute(
                tables.price_books.update()
                .where(b.tenant == self._tenant, b.name == book.name)
                .values(base_currency=book.base_currency, version=version)
            )
        common = {"tenant": self._tenant, "book": book.name}
        markets = [
            {
                **common,
                "code": m.code,
                "currency": m.currency,
                "locale": m.locale,
                "tax_display": m.tax_display,
                "tax_rate": str(m.tax_rate),
                "ending_step": _text(m.ending.step if m.ending else None),
                "ending_value": _text(m.ending.ending if m.ending else None),
                "ending_direction": m.ending.direction if m.ending else None,
                "markup": str(m.markup),
                "cash_rounding": m.cash_rounding,
            }
            for m in book.markets.values()
        ]
        entries = [
            {
                **common,
                "product": e.product,
                "market": e.market,
                "amount": str(e.amount.amount),
                "currency": e.amount.currency.code,
                "tax_included": e.tax_included,
                "valid_from": e.valid_from,
                "valid_until": e.valid_until,
            }
            for e in book.entries
        ]
        bounds = [
            {
                **common,
                "product": x.product,
                "market": x.market,
                "currency": _bounds_currency(x, book.base_currency),
                "minimum": _text(x.minimum.amount if x.minimum else None),
                "maximum": _text(x.maximum.amount if x.maximum else None),
            }
            for x in book.bounds.values()
        ]
        for table, rows in (
            (tables.markets, markets),
            (tables.price_entries, entries),
            (tables.price_bounds, bounds),
        ):
            if rows:
                self._session.execute(insert(table), rows)
        return version

    def load(self, name: str) -> PriceBook:
        """The stored book ``name``, or ``NotFound``."""
        b = tables.price_books.c
        head = self._session.execute(
            select(b.base_currency).where(b.tenant == self._tenant, b.name == name)
        ).first()
        if head is None:
            raise NotFound("no price book with this name", field="book")
        book = PriceBook(name=name, base_currency=head.base_currency)
        m = tables.markets.c
        for row in self._session.execute(
            select(tables.markets).where(m.tenant == self._tenant, m.book == name)
        ):
            ending = None
            if row.ending_step is not None:
                ending = PriceEnding(
                    step=Decimal(row.ending_step),
                    ending=Decimal(row.ending_value or "0"),
                    direction=row.ending_direction or "nearest",
                )
            book.add_market(
                Market(
                    code=row.code,
                    currency=row.currency,
                    locale=row.locale,
                    tax_display=row.tax_display,
                    tax_rate=Decimal(row.tax_rate),
                    ending=ending,
                    markup=Decimal(row.markup),
                    cash_rounding=row.cash_rounding,
                )
            )
        e = tables.price_entries.c
        for row in self._session.execute(
            select(tables.price_entries)
            .where(e.tenant == self._tenant, e.book == name)
            .order_by(e.id)
        ):
            book.add_entry(
                PriceEntry(
                    product=row.product,
                    market=row.market,
                    amount=Money(Decimal(row.amount), row.currency),
                    tax_included=row.tax_included,
                    valid_from=row.valid_from,
                    valid_until=row.valid_until,
                )
            )
        x = tables.price_bounds.c
        for row in self._session.execute(
            select(tables.price_bounds).where(x.tenant == self._tenant, x.book == name)
        ):
            book.add_bounds(
                PriceBounds(
                    product=row.product,
                    market=row.market,
                    minimum=None
                    if row.minimum is None
                    else Money(Decimal(row.minimum), row.currency),
                    maximum=None
                    if row.maximum is None
                    else Money(Decimal(row.maximum), row.currency),
                )
            )
        return book

    def names(self) -> list[str]:
        """The names of the tenant's price books."""
        b = tables.price_books.c
        query = select(b.name).where(b.tenant == self._tenant).order_by(b.name)
        return list(self._session.scalars(query))
