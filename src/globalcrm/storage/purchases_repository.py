"""Purchases of one tenant, their line items and refunds, through SQLAlchemy Core.

A purchase is written and read whole (its lines with it); a refund or cancellation locks the
purchase row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's write transaction is already
exclusive) so that two refunds at once never give back more than was paid.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, insert, select, tuple_, update
from sqlalchemy.orm import Session

from globalcrm import money as _money
from globalcrm.errors import NotFound
from globalcrm.purchases import LineItem, Purchase, Refund, from_minor
from globalcrm.storage import bulk, tables

__all__ = [
    "PurchaseRepository",
    "existing_customers",
    "existing_purchase_ids",
    "item_rows",
    "purchase_row",
    "write_purchases",
]

_PURCHASE_ORDER = operator.itemgetter(*(column.name for column in tables.purchases.columns))
_ITEM_ORDER = operator.itemgetter(*(column.name for column in tables.purchase_items.columns))


def purchase_row(purchase: Purchase, recorded_at: dt.datetime) -> dict[str, Any]:
    """The ``purchases`` row of a purchase, in the table's column order."""
    return {
        "id": purchase.id,
        "tenant": purchase.tenant,
        "customer_id": purchase.customer_id,
        "occurred_at": purchase.occurred_at,
        "channel": purchase.channel,
        "currency": purchase.currency,
        "amount_minor": purchase.amount_minor,
        "refunded_minor": purchase.refunded_minor,
        "status": purchase.status,
        "idempotency_key": purchase.idempotency_key,
        "recorded_at": recorded_at,
    }


def item_rows(purchase: Purchase) -> list[dict[str, Any]]:
    """The ``purchase_items`` rows of a purchase, in order, each in the table's column order."""
    return [
        {
            "purchase_id": purchase.id,
            "position": position,
            "product": item.product,
            "category": item.category,
            "quantity": str(item.quantity),
            "unit_price": str(item.unit_price.amount),
            "total_minor": item.total_minor,
            "attributes": item.attributes,
        }
        for position, item in enumerate(purchase.items)
    ]


class PurchaseRepository:
    """Purchases of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def add(self, purchase: Purchase, *, now: dt.datetime) -> None:
        """Write a new purchase and its lines."""
        self._session.execute(insert(tables.purchases), [purchase_row(purchase, now)])
        rows = item_rows(purchase)
        if rows:
            self._session.execute(insert(tables.purchase_items), rows)

    def get(self, purchase_id: str, *, for_update: bool = False) -> Purchase:
        """The purchase with this id (its row locked with ``for_update``), or ``NotFound``."""
        p = tables.purchases.c
        query = select(tables.purchases).where(p.id == purchase_id, p.tenant == self._tenant)
        if for_update:
            query = query.with_for_update()
        row = self._session.execute(query).first()
        if row is None:
            raise NotFound("no purchase with this id", field="purchase_id")
        return self._load([row])[0]

    def by_idempotency_key(self, key: str) -> Purchase | None:
        """The purchase recorded under ``key``, if any."""
        p = tables.purchases.c
        row = self._session.execute(
            select(tables.purchases).where(p.tenant == self._tenant, p.idempotency_key == key)
        ).first()
        return None if row is None else self._load([row])[0]

    def refund_by_idempotency_key(self, key: str) -> Refund | None:
        """The refund recorded under ``key``, if any."""
        r = tables.purchase_refunds.c
        row = self._session.execute(
            select(tables.purchase_refunds, tables.purchases.c.currency)
            .join(tables.purchases, tables.purchases.c.id == r.purchase_id)
            .where(r.tenant == self._tenant, r.idempotency_key == key)
        ).first()
        return None if row is None else _refund(row)

    def set_state(self, purchase: Purchase) -> None:
        """Store a purchase's status and refunded amount (after a refund or a cancellation)."""
        p = tables.purchases.c
        self._session.execute(
            update(tables.purchases)
            .where(p.id == purchase.id, p.tenant == self._tenant)
            .values(status=purchase.status, refunded_minor=purchase.refunded_minor)
        )

    def add_refund(self, made: Refund, *, now: dt.datetime) -> None:
        """Write a refund."""
        self._session.execute(
            insert(tables.purchase_refunds),
            [
                {
                    "id": made.id,
                    "tenant": made.tenant,
                    "purchase_id": made.purchase_id,
                    "amount_minor": made.amount_minor,
                    "occurred_at": made.occurred_at,
                    "reason": made.reason,
                    "idempotency_key": made.idempotency_key,
                    "recorded_at": now,
                }
            ],
        )

    def refunds(self, purchase_id: str) -> list[Refund]:
        """A purchase's refunds, oldest first."""
        r = tables.purchase_refunds.c
        rows = self._session.execute(
            select(tables.purchase_refunds, tables.purchases.c.currency)
            .join(tables.purchases, tables.purchases.c.id == r.purchase_id)
            .where(r.tenant == self._tenant, r.purchase_id == purchase_id)
            .order_by(r.occurred_at, r.id)
        )
        return [_refund(row) for row in rows]

    def history(
        self, customer_id: str, *, after: tuple[dt.datetime, str] | None, limit: int
    ) -> list[Purchase]:
        """A customer's purchases, newest first (ties broken by id), after a position."""
        p = tables.purchases.c
        query = select(tables.purchases).where(
            p.tenant == self._tenant, p.customer_id == customer_id
        )
        if after is not None:
            query = query.where(tuple_(p.occurred_at, p.id) < tuple_(*after))
        query = query.order_by(p.occurred_at.desc(), p.id.desc()).limit(limit)
        return self._load(list(self._session.execute(query)))

    def of_customers(self, customer_ids: Sequence[str]) -> list[Purchase]:
        """Every purchase of these customers (what a rule evaluated in memory needs)."""
        if not customer_ids:
            return []
        p = tables.purchases.c
        rows = self._session.execute(
            select(tables.purchases)
            .where(p.tenant == self._tenant, p.customer_id.in_(list(customer_ids)))
            .order_by(p.occurred_at, p.id)
        )
        return self._load(list(rows))

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these idempotency keys are already used in the tenant."""
        wanted = sorted(set(keys))
        p = tables.purchases.c
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found.update(
                self._session.scalars(
                    select(p.idempotency_key).where(
                        p.tenant == self._tenant, p.idempotency_key.in_(chunk)
                    )
                )
            )
        return found

    def _load(self, rows: Sequence[Row[Any]]) -> list[Purchase]:
        if not rows:
            return []
        i = tables.purchase_items.c
        ids = [row.id for row in rows]
        lines: dict[str, list[Row[Any]]] = {}
        for start in range(0, len(ids), 500):
            for line in self._session.execute(
                select(tables.purchase_items)
                .where(i.purchase_id.in_(ids[start : start + 500]))
                .order_by(i.purchase_id, i.position)
            ):
                lines.setdefault(line.purchase_id, []).append(line)
        return [_purchase(row, lines.get(row.id, [])) for row in rows]


def _purchase(row: Row[Any], lines: Sequence[Row[Any]]) -> Purchase:
    currency = row.currency
    code = _money.moneyed_currency(currency)
    return Purchase(
        id=row.id,
        tenant=row.tenant,
        customer_id=row.customer_id,
        occurred_at=row.occurred_at,
        channel=row.channel,
        amount=from_minor(row.amount_minor, currency),
        refunded=from_minor(row.refunded_minor, currency),
        status=row.status,
        idempotency_key=row.idempotency_key,
        recorded_at=row.recorded_at,
        items=tuple(
            LineItem(
                product=line.product,
                category=line.category,
                quantity=Decimal(line.quantity),
                unit_price=_money.Money(Decimal(line.unit_price), code),
                attributes=tuple(line.attributes),
            )
            for line in lines
        ),
    )


def _refund(row: Row[Any]) -> Refund:
    return Refund(
        id=row.id,
        tenant=row.tenant,
        purchase_id=row.purchase_id,
        amount=from_minor(row.amount_minor, row.currency),
        occurred_at=row.occurred_at,
        reason=row.reason,
        idempotency_key=row.idempotency_key,
    )


def write_purchases(
    connection: Connection, purchases: Sequence[Purchase], *, now: dt.datetime
) -> None:
    """Insert new purchases and their lines in bulk (``COPY`` on PostgreSQL), unchecked.

    The purchases were built through :class:`~globalcrm.purchases.Purchase`, which checked them;
    the caller checked that their customers exist and their idempotency keys are new.
    """
    if not purchases:
        return
    rows = [_PURCHASE_ORDER(purchase_row(p, now)) for p in purchases]
    lines = [_ITEM_ORDER(line) for p in purchases for line in item_rows(p)]
    bulk.insert_rows(connection, tables.purchases, rows)
    bulk.insert_rows(connection, tables.purchase_items, lines)


def existing_customers(connection: Connection, tenant: str, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are customers of ``tenant``."""
    wanted = sorted(set(ids))
    c = tables.customers.c
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            connection.scalars(select(c.id).where(c.tenant == tenant, c.id.in_(chunk)))
        )
    return found


def existing_purchase_ids(connection: Connection, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` are stored purchases (any tenant: ids are global)."""
    wanted = sorted(set(ids))
    p = tables.purchases.c
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(connection.scalars(select(p.id).where(p.id.in_(chunk))))
    return found

