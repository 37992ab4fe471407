"""Payments and their events in the store, scoped by tenant.

A payment is written through SQLAlchemy Core, not mapped: its amount spans two columns, its
events are an append-only log, and the bulk path (``add_events_in_bulk``, ``save_states``) must
stay close to plain inserts, so it hands the driver its rows (``executemany`` on SQLite,
``COPY`` and one ``UPDATE ... FROM unnest(...)`` on PostgreSQL). A row read back becomes a
:class:`globalcrm.payment_records.Payment` without running its checks again, as the ORM loads
mapped entities: only checked values were written. A payment that will change is read with
``for_update=True`` (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
already lets one writer in at a time), and every update also checks the version it read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from moneyed import Money
from sqlalchemy import Connection, Dialect, Row, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from globalcrm.errors import Conflict, NotFound, StorageError
from globalcrm.money import moneyed_currency
from globalcrm.payment_records import Payment, PaymentEvent
from globalcrm.storage import bulk, tables

__all__ = ["PaymentRepository"]

def _payment_row(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "tenant": payment.tenant,
        "customer_id": payment.customer_id,
        "purchase_id": payment.purchase_id,
        "method": payment.method,
        "amount": str(payment.amount.amount),
        "currency": payment.currency,
        "refunded": str(payment.refunded),
        "status": payment.status,
        "provider": payment.provider,
        "provider_reference": payment.provider_reference,
        "instrument": payment.instrument,
        "meta": payment.metadata,
        "idempotency_key": payment.idempotency_key,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
        "paid_at": payment.paid_at,
        "version": payment.version,
    }


def _event_row(event: PaymentEvent, tenant: str) -> dict[str, Any]:
    return {
        "payment_id": event.payment_id,
        "seq": event.seq,
        "tenant": tenant,
        "kind": event.kind,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "amount": None if event.amount is None else str(event.amount.amount),
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "source": event.source,
        "provider_event_id": event.provider_event_id,
        "idempotency_key": event.idempotency_key,
        "reason": event.reason,
    }


def _payment(row: Row[Any]) -> Payment:
    """The stored payment, built without running the checks its values passed when written."""
    payment: Payment = Payment.__new__(Payment)
    payment.__dict__.update(
        id=row.id,
        tenant=row.tenant,
        customer_id=row.customer_id,
        purchase_id=row.purchase_id,
        method=row.method,
        amount=Money(Decimal(row.amount), moneyed_currency(row.currency)),
        provider=row.provider,
        provider_reference=row.provider_reference,
        instrument=row.instrument,
        metadata=row.meta,
        idempotency_key=row.idempotency_key,
        status=row.status,
        refunded=Decimal(row.refunded),
        created_at=row.created_at,
        updated_at=row.updated_at,
        paid_at=row.paid_at,
        version=row.version,
    )
    return payment


def _event(row: Row[Any], currency: str) -> PaymentEvent:
    return PaymentEvent(
        payment_id=row.payment_id,
        seq=row.seq,
        kind=row.kind,
        from_status=row.from_status,
        to_status=row.to_status,
        amount=None
        if row.amount is None
        else Money(Decimal(row.amount), moneyed_currency(currency)),
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        source=row.source,
        provider_event_id=row.provider_event_id,
        idempotency_key=row.idempotency_key,
        reason=row.reason,
    )


_EVENT_COLUMNS = [column.name for column in tables.payment_events.columns]
_SQLITE_UPDATE = (
    "UPDATE payments SET status = ?, refunded = ?, paid_at = ?, updated_at = ?, version = ?"
    " WHERE id = ? AND tenant = ? AND version = ?"
)
_UNNEST_UPDATE = (
    "UPDATE payments AS p SET status = v.status, refunded = v.refunded, paid_at = v.paid_at,"
    " updated_at = v.updated_at, version = v.version"
    " FROM unnest(%s::text[], %s::int[], %s::text[], %s::text[], %s::timestamptz[],"
    " %s::timestamptz[], %s::int[]) AS v(id, read, status, refunded, paid_at, updated_at,"
    " version) WHERE p.tenant = %s AND p.id = v.id AND p.version = v.read"
)


def _stamper(dialect: Dialect) -> Callable[[dt.datetime], Any]:
    """The driver's form of an aware datetime, as ``UTCDateTime`` binds it for ``dialect``."""
    kind = tables.payment_events.c.occurred_at.type
    process = kind.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return lambda value: value
    last: list[Any] = [None, None]

    def stamp(value: dt.datetime) -> Any:
        if value is not last[0] and value != last[0]:  # a bulk call's times repeat, mostly
            last[0], last[1] = value, process(value)
        return last[1]

    return stamp


@contextmanager
def _driver_errors(connection: Connection) -> Iterator[None]:
    """Translate the driver's own errors (the bulk path talks to it directly)."""
    dbapi = connection.dialect.loaded_dbapi
    try:
        yield
    except (dbapi.IntegrityError, IntegrityError):
        raise Conflict("the write conflicts with a record already stored") from None
    except (dbapi.Error, DBAPIError):
        raise StorageError("the database refused the bulk write") from None


class PaymentRepository:
    """Payments of one tenant, with their events."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    # ----------------------------------------------------------------- reads

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment:
        """The payment with this id, or ``NotFound``; ``for_update`` locks its row."""
        p = tables.payments.c
        query = select(tables.payments).where(p.id == payment_id, p.tenant == self._tenant)
        if for_update:
            query = query.with_for_update()
        row = self._session.execute(query).first()
        if row is None:
            raise NotFound("no payment with this id", field="payment_id")
        return _payment(row)

    def get_many(self, ids: Sequence[str], *, for_update: bool = False) -> dict[str, Payment]:
        """The payments with these ids that the tenant has, by id (locked in id order)."""
        p = tables.payments.c
        found: dict[str, Payment] = {}
        ordered = sorted(set(ids))
        for start in range(0, len(ordered), 500):
            query = (
                select(tables.payments)
                .where(p.tenant == self._tenant, p.id.in_(ordered[start : start + 500]))
                .order_by(p.id)
            )
            if for_update:
                query = query.with_for_update()
            for row in self._session.execute(query):
                found[row.id] = _payment(row)
        return found

    def lock_states(self, ids: Collection[str]) -> dict[str, Payment]:
        """What the bulk path needs of these payments, their rows locked (in id order).

        The payments come back with their amount, status, refunded total, version and
        ``paid_at`` only (the other fields empty): ``record_steps`` takes steps on them and
        writes them back with :meth:`save_states`; they never leave the service layer.
        """
        connection = self._session.connection()
        dialect = connection.dialect
        postgresql = dialect.name == "postgresql"
        read_time = tables.payments.c.paid_at.type.dialect_impl(dialect).result_processor(
            dialect, None
        )
        found: dict[str, Payment] = {}
        amounts: dict[tuple[str, str], Money] = {}  # a file's amounts repeat: one Money each
        refunds: dict[str, Decimal] = {}
        ordered = sorted(set(ids))
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            mark = "%s" if postgresql else "?"
            sql = (
                "SELECT id, customer_id, method, amount, currency, refunded, status, version,"  # noqa: S608
                f" paid_at FROM payments WHERE tenant = {mark} AND id IN"
                f" ({', '.join([mark] * len(chunk))}) ORDER BY id"
                + (" FOR UPDATE" if postgresql else "")
            )
            with _driver_errors(connection):  # the driver's tuples: no Row per payment
                cursor = connection.connection.cursor()
                cursor.execute(sql, (self._tenant, *chunk))
                rows = cursor.fetchall()
                cursor.close()
            for pid, customer, method, amount, code, refunded, status, version, paid in rows:
                money = amounts.get((amount, code))
                if money is None:
                    money = amounts[amount, code] = Money(Decimal(amount), moneyed_currency(code))
                total = refunds.get(refunded)
                if total is None:
                    total = refunds[refunded] = Decimal(refunded)
                payment: Payment = Payment.__new__(Payment)
                payment.__dict__.update(
                    id=pid, tenant=self._tenant, customer_id=customer, method=method,
                    amount=money, refunded=total, status=status, version=version,
                    paid_at=None if paid is None or read_time is None else read_time(paid),
                    updated_at=None, created_at=None, purchase_id=None, provider=None,
                    provider_reference=None, instrument=None, metadata={},
                    idempotency_key=None,
                )
                found[pid] = payment
        return found

    def by_idempotency_key(self, key: str) -> Payment | None:
        """The payment recorded with this idempotency key, if any."""
        p = tables.payments.c
        row = self._session.execute(
            select(tables.payments).where(p.tenant == self._tenant, p.idempotency_key == key)
        ).first()
        return None if row is None else _payment(row)

    def by_reference(
        self, method: str, reference: str, *, for_update: bool = False
    ) -> Payment | None:
        """The payment whose provider reference (for ``method``) is ``reference``, if any."""
        p = tables.payments.c
        query = select(tables.payments).where(
            p.tenant == self._tenant, p.method == method, p.provider_reference == reference
        )
        if for_update:
            query = query.with_for_update()
        row = self._session.execute(query).first()
        return None if row is None else _payment(row)

    def events(self, payment: Payment) -> list[PaymentEvent]:
        """Every event of ``payment``, in order."""
        e = tables.payment_events.c
        query = (
            select(tables.payment_events)
            .where(e.payment_id == payment.id, e.tenant == self._tenant)
            .order_by(e.seq)
        )
        return [_event(row, payment.currency) for row in self._session.execute(query)]

    def event_by_key(self, key: str) -> PaymentEvent | None:
        """The event recorded with this idempotency key, if any."""
        e = tables.payment_events.c
        p = tables.payments.c
        row = self._session.execute(
            select(tables.payment_events, p.currency)
            .join(tables.payments, p.id == e.payment_id)
            .where(e.tenant == self._tenant, e.idempotency_key == key)
        ).first()
        return None if row is None else _event(row, row.currency)

    def has_provider_event(self, payment_id: str, provider_event_id: str) -> bool:
        """Whether a step of the payment came from this provider message already."""
        e = tables.payment_events.c
        query = select(e.seq).where(
            e.payment_id == payment_id, e.provider_event_id == provider_event_id
        )
        return self._session.execute(query.limit(1)).first() is not None

    def page(
        self,
        *,
        customer_id: str | None,
        status: str | None,
        method: str | None,
        before: str | None,
        limit: int,
    ) -> list[Payment]:
        """Payments newest first (ids sort by creation), before the id ``before``."""
        p = tables.payments.c
        query = select(tables.payments).where(p.tenant == self._tenant)
        if customer_id is not None:
            query = query.where(p.customer_id == customer_id)
        if status is not None:
            query = query.where(p.status == status)
        if method is not None:
            query = query.where(p.method == method)
        if before is not None:
            query = query.where(p.id < before)
        rows = self._session.execute(query.order_by(p.id.desc()).limit(limit))
        return [_payment(row) for row in rows]

    # ----------------------------------------------------------------- writes

    def add(self, payment: Payment, events: Sequence[PaymentEvent]) -> None:
        """Write a new payment and its first events."""
        self._session.execute(insert(tables.payments), [_payment_row(payment)])
        self.add_events(events)

    def add_events(self, events: Iterable[PaymentEvent]) -> None:
        """Append events (``executemany``)."""
        rows = [_event_row(event, self._tenant) for event in events]
        if rows:
            self._session.execute(insert(tables.payment_events), rows)

    def save(
        self, payment: Payment, events: Sequence[PaymentEvent], *, read_version: int
    ) -> None:
        """Write the payment's new state and its new events.

        ``Conflict`` if the stored payment is no longer at ``read_version``.
        """
        p = tables.payments.c
        values = _payment_row(payment)
        for fixed in ("id", "tenant", "customer_id", "method", "amount", "currency", "created_at",
                      "idempotency_key"):
            values.pop(fixed)
        result = self._session.execute(
            update(tables.payments)
            .where(p.id == payment.id, p.tenant == self._tenant, p.version == read_version)
            .values(**values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("the payment was changed by someone else; try again", field="version")
        self.add_events(events)

    def add_events_in_bulk(self, events: Sequence[PaymentEvent]) -> None:
        """Append many events: the driver's ``executemany`` (SQLite) or ``COPY`` (PostgreSQL)."""
        if not events:
            return
        connection = self._session.connection()
        stamp = _stamper(connection.dialect)
        stamps: dict[dt.datetime, Any] = {}  # a bulk call's times repeat: each bound once
        tenant = self._tenant
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        for e in events:
            amount = e.amount
            occurred = stamps.get(e.occurred_at)
            if occurred is None:
                occurred = stamps[e.occurred_at] = stamp(e.occurred_at)
            recorded = stamps.get(e.recorded_at)
            if recorded is None:
                recorded = stamps[e.recorded_at] = stamp(e.recorded_at)
            append((
                e.payment_id, e.seq, tenant, e.kind, e.from_status, e.to_status,
                None if amount is None else str(amount.amount), occurred, recorded, e.source,
                e.provider_event_id, e.idempotency_key, e.reason,
            ))
        with _driver_errors(connection):
            if connection.dialect.name == "postgresql":
                driver = connection.connection.driver_connection
                assert driver is not None  # noqa: S101
                names = ", ".join(_EVENT_COLUMNS)
                with driver.cursor() as cursor, cursor.copy(
                    f"COPY payment_events ({names}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                bulk.insert_tuples(connection, "payment_events", _EVENT_COLUMNS, rows)

    def save_states(self, payments: Sequence[Payment], read: Mapping[str, int]) -> None:
        """Write the state of many payments at once (the bulk path: their rows locked before).

        ``Conflict`` if one of them is no longer at the version ``read`` says.
        """
        if not payments:
            return
        connection = self._session.connection()
        stamp = _stamper(connection.dialect)
        columns = [
            [p.id for p in payments],
            [read[p.id] for p in payments],
            [p.status for p in payments],
            [str(p.refunded) for p in payments],
            [None if p.paid_at is None else stamp(p.paid_at) for p in payments],
            [None if p.updated_at is None else stamp(p.updated_at) for p in payments],
            [p.version for p in payments],
        ]
        with _driver_errors(connection):
            if connection.dialect.name == "postgresql":
                result = connection.exec_driver_sql(_UNNEST_UPDATE, (*columns, self._tenant))
            else:
                rows = [(*values[2:], values[0], self._tenant, values[1])
                        for values in zip(*columns, strict=True)]
                result = connection.exec_driver_sql(_SQLITE_UPDATE, rows)
        if result.rowcount != len(payments):
            raise Conflict("a payment was changed by someone else; try again", field="version")

    def erase_customer(self, customer_id: str) -> int:
        """Erase what the customer's payments hold beyond the tax record; return how many.

        Follows each column's ``erase`` action in ``tables`` (``null``: set to NULL,
        ``anonymise``: the empty document): the instrument reference, the metadata and the
        idempotency keys go; amounts, currency, method, dates, status and references are kept
        (``keep``, with its ground). Erasure of a data subject calls it in its transaction.
        """
        p = tables.payments.c
        ids = select(p.id).where(p.tenant == self._tenant, p.customer_id == customer_id)
        count = 0
        for table, where in (
            (tables.payments, p.id.in_(ids)),
            (tables.payment_events, tables.payment_events.c.payment_id.in_(ids)),
        ):
            values: dict[str, Any] = {}
            for column in table.columns:
                action = column.info.get("erase")
                if action == "null":
                    values[column.name] = None
                elif action == "anonymise":
                    values[column.name] = {}  # the payment tables anonymise JSON documents only
            result = self._session.execute(update(table).where(where).values(**values))
            if table is tables.payments:
                count = int(result.rowcount)  # type: ignore[attr-defined]
        return count
