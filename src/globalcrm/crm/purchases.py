"""``crm.purchases``: record purchases, refund or cancel them, read a customer's history, import.

Each method is one transaction (or joins ``crm.transaction()``). A retried call with the same
``idempotency_key`` returns what the first call stored; the same key with other content is a
``Conflict``. Refunds lock the purchase row, so concurrent refunds never exceed what was paid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from globalcrm import _checks
from globalcrm import purchases as domain
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.loyalty import Loyalty
from globalcrm.crm.privacy import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import Conflict, GlobalCRMError, InvalidFormat, NotFound, translate_errors
from globalcrm.identifiers import check_id
from globalcrm.import_export import ImportReport, RowError
from globalcrm.loyalty import DEFAULT_PROGRAM
from globalcrm.money import Money
from globalcrm.pagination import Page, check_limit, decode_cursor, encode_cursor
from globalcrm.purchases import Purchase, Refund
from globalcrm.storage import purchases_repository as store
from globalcrm.storage.unit_of_work import UnitOfWork, storage_errors

__all__ = ["Purchases"]

ProgressCallback = Callable[[int], None]
_BATCH = 2000
"""Rows checked, then stored, per transaction in an import."""


def _purchase_id(purchase: Purchase | str) -> str:
    if isinstance(purchase, Purchase):
        return purchase.id
    return check_id(purchase, field="purchase")


class Purchases:
    """The purchases of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def record(
        self,
        customer: Customer | str,
        *,
        occurred_at: dt.datetime,
        channel: str,
        amount: Money,
        items: Sequence[Any] = (),
        status: str = "completed",
        idempotency_key: str | None = None,
        now: dt.datetime | None = None,
    ) -> Purchase:
        """Record a purchase by ``customer`` (a ``Customer`` or its id); returns it as stored.

        ``amount`` is what was charged, in whole minor units of its currency; ``items`` are
        :class:`~globalcrm.purchases.LineItem` or mappings (``product``, ``quantity``,
        ``unit_price`` in the purchase's currency, ``category``, ``attributes``). ``status`` is
        ``completed`` or ``cancelled``; refunds come later through :meth:`refund`.
        ``occurred_at`` may be at most five minutes after ``now`` (clocks differ).
        """
        stamp = self._context.now(now)
        buyer = customer_id_of(customer)
        purchase = domain.check_new(
            Purchase(
                customer_id=buyer,
                occurred_at=_checks.event_time(occurred_at, field="occurred_at", now=stamp),
                channel=channel,
                amount=amount,
                items=items,
                status=status,
                idempotency_key=idempotency_key,
                tenant=self._context.tenant,
            )
        )
        with self._context.work() as uow:
            if purchase.idempotency_key is not None:
                first = uow.purchases.by_idempotency_key(purchase.idempotency_key)
                if first is not None:
                    if first.content() != purchase.content():
                        raise Conflict(
                            "the idempotency key was used for another purchase",
                            field="idempotency_key",
                        )
                    return first
            if not uow.customers.exists(buyer):
                raise NotFound("no customer with this id", field="customer_id")
            uow.purchases.add(purchase, now=stamp)
            record_audit(
                uow, self._context, "purchase.recorded", "purchase", purchase.id,
                purchase.customer_id, {"status": purchase.status, "lines": len(purchase.items)},
            )
            if purchase.status == "completed" and purchase.amount.amount > 0:
                self._earn(uow, purchase, stamp)
            return uow.purchases.get(purchase.id)

    def _earn(self, uow: UnitOfWork, purchase: Purchase, stamp: dt.datetime) -> None:
        """A member of the default loyalty program earns for the purchase, in its transaction."""
        if purchase.customer_id is None:
            return
        member = uow.loyalty.account_of(purchase.customer_id, DEFAULT_PROGRAM)
        if member is None:
            return
        Loyalty(self._context.joined(uow)).earn(
            member.id, amount=purchase.amount, channel=purchase.channel,
            occurred_at=purchase.occurred_at, reference=purchase.id,
            idempotency_key=f"purchase:{purchase.id}", now=stamp,
        )

    def _take_back(
        self, uow: UnitOfWork, purchase: Purchase, share: Decimal | None, key: str,
        stamp: dt.datetime,
    ) -> None:
        """Reverse the purchase's earn: ``share`` of its points (all that is left if None)."""
        if purchase.customer_id is None:
            return
        member = uow.loyalty.account_of(purchase.customer_id, DEFAULT_PROGRAM)
        if member is None:
            return
        earns = [row for row in uow.loyalty.rows_by_reference(purchase.id, ["earn"])
                 if row.account_id == member.id]
        if not earns:
            return
        points = None if share is None else int(earns[0].points * share)
        if points == 0:
            return
        Loyalty(self._context.joined(uow)).reverse(
            earns[0].id, points=points, reason="refund", idempotency_key=key, now=stamp,
        )

    def get(self, purchase: Purchase | str) -> Purchase:
        """The stored purchase with this id."""
        purchase_id = _purchase_id(purchase)
        with self._context.work(write=False) as uow:
            return uow.purchases.get(purchase_id)

    def refund(
        self,
        purchase: Purchase | str,
        *,
        amount: Money | None = None,
        occurred_at: dt.datetime | None = None,
        reason: str | None = None,
        idempotency_key: str | None = None,
        now: dt.datetime | None = None,
    ) -> Purchase:
        """Give back ``amount`` (everything left if ``None``); returns the purchase after it.

        More than the purchase's net amount, or a refund of a cancelled purchase, is a
        ``RuleViolation``. The purchase becomes ``partially_refunded`` or ``refunded``.
        """
        purchase_id = _purchase_id(purchase)
        stamp = self._context.now(now)
        when = _checks.event_time(
            stamp if occurred_at is None else occurred_at, field="occurred_at", now=stamp
        )
        key = _checks.optional_text(idempotency_key, field="idempotency_key", max_length=200)
        with self._context.work() as uow:
            if key is not None:
                first = uow.purchases.refund_by_idempotency_key(key)
                if first is not None:
                    if first.purchase_id != purchase_id or (
                        amount is not None and first.amount != amount
                    ):
                        raise Conflict(
                            "the idempotency key was used for another refund",
                            field="idempotency_key",
                        )
                    return uow.purchases.get(purchase_id)
            current = uow.purchases.get(purchase_id, for_update=True)
            after, made = domain.refund(
                current, amount, occurred_at=when, reason=reason, idempotency_key=key
            )
            uow.purchases.add_refund(made, now=stamp)
            uow.purchases.set_state(after)
            record_audit(
                uow, self._context, "purchase.refunded", "purchase", purchase_id,
                current.customer_id, {"refund": made.id, "status": after.status},
            )
            share = (
                None if after.status == "refunded"
                else made.amount.amount / current.amount.amount
            )
            self._take_back(uow, current, share, f"refund:{made.id}", stamp)
            return after

    def cancel(self, purchase: Purchase | str, *, now: dt.datetime | None = None) -> Purchase:
        """Cancel a purchase (it then never counts); one with refunds is refunded instead."""
        purchase_id = _purchase_id(purchase)
        stamp = self._context.now(now)
        with self._context.work() as uow:
            current = uow.purchases.get(purchase_id, for_update=True)
            after = domain.cancel(current)
            if after is not current:
                uow.purchases.set_state(after)
                record_audit(
                    uow, self._context, "purchase.cancelled", "purchase", purchase_id,
                    current.customer_id, {"status": after.status},
                )
                self._take_back(uow, current, None, f"cancel:{purchase_id}", stamp)
            return after

    def refunds(self, purchase: Purchase | str) -> list[Refund]:
        """A purchase's refunds, oldest first."""
        purchase_id = _purchase_id(purchase)
        with self._context.work(write=False) as uow:
            uow.purchases.get(purchase_id)
            return uow.purchases.refunds(purchase_id)

    def history(
        self, customer: Customer | str, *, after: str | None = None, limit: int = 50
    ) -> Page[Purchase]:
        """A customer's purchases, newest first, a page at a time."""
        customer_id = customer_id_of(customer)
        limit = check_limit(limit)
        position = None
        if after is not None:
            moment, last_id = decode_cursor(after, 2)
            with translate_errors(
                ValueError, InvalidFormat, "not a cursor returned by this library", field="after"
            ):
                position = (dt.datetime.fromisoformat(moment), last_id)
        with self._context.work(write=False) as uow:
            if not uow.customers.exists(customer_id):
                raise NotFound("no customer with this id", field="customer_id")
            items = uow.purchases.history(customer_id, after=position, limit=limit + 1)
        if len(items) > limit:
            last = items[limit - 1]
            return Page(items[:limit], encode_cursor(last.occurred_at.isoformat(), last.id))
        return Page(items, None)

    def import_rows(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        atomic: bool = False,
        now: dt.datetime | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ImportReport:
        """Import purchase history; every bad row is reported with its number, column, reason.

        Columns: ``customer_id, occurred_at, channel, amount, currency`` and optionally
        ``items`` (a JSON list of lines), ``status``, ``refunded``, ``idempotency_key``, ``id``.
        With ``atomic`` nothing is stored unless every row is good; otherwise good rows are
        stored in batches of 2000, each its own transaction. Rows go in without the ORM
        (``COPY`` on PostgreSQL), after the same checks :class:`Purchase` runs.
        """
        source: object = rows
        if isinstance(source, str | bytes | Mapping) or not isinstance(source, Iterable):
            raise InvalidFormat("expected an iterable of rows", field="rows")
        if on_progress is not None and not callable(on_progress):
            raise InvalidFormat("expected a function taking the number of rows read",
                                field="on_progress")
        _checks.flag(atomic, field="atomic")
        stamp = self._context.now(now)
        report = ImportReport()
        held: list[tuple[int, Purchase]] = []
        seen_ids: set[str] = set()
        seen_keys: set[str] = set()
        batch: list[tuple[int, Purchase]] = []
        for number, row in enumerate(rows, start=1):
            report.rows = number
            try:
                purchase = domain.purchase_from_row(row, tenant=self._context.tenant)
                _checks.event_time(purchase.occurred_at, field="occurred_at", now=stamp)
            except GlobalCRMError as error:
                report.errors.append(RowError(number, error.field, error.message, error.code))
                continue
            if purchase.id in seen_ids:
                report.errors.append(
                    RowError(number, "id", "the same id appears twice in the file", "conflict")
                )
                continue
            key = purchase.idempotency_key
            if key is not None and key in seen_keys:
                report.errors.append(RowError(
                    number, "idempotency_key", "the same key appears twice in the file",
                    "conflict",
                ))
                continue
            seen_ids.add(purchase.id)
            if key is not None:
                seen_keys.add(key)
            batch.append((number, purchase))
            if len(batch) >= _BATCH:
                kept = self._store(batch, report, stamp, write=not atomic)
                held.extend(kept if atomic else [])
                batch = []
                if on_progress is not None:
                    on_progress(report.rows)
        kept = self._store(batch, report, stamp, write=not atomic)
        held.extend(kept if atomic else [])
        if atomic:
            if report.errors:
                report.committed = False
            else:
                self._write(held, report, stamp)
        if on_progress is not None:
            on_progress(report.rows)
        report.errors.sort(key=lambda error: error.row)
        return report

    def _store(
        self,
        batch: list[tuple[int, Purchase]],
        report: ImportReport,
        stamp: dt.datetime,
        *,
        write: bool,
    ) -> list[tuple[int, Purchase]]:
        """Check a batch against the store (customers, ids, keys); write it unless told not to."""
        if not batch:
            return []
        with self._context.work(write=write) as uow:
            assert uow.session is not None  # noqa: S101
            connection = uow.session.connection()
            with storage_errors():
                customers = store.existing_customers(
                    connection, self._context.tenant, [p.customer_id or "" for _, p in batch]
                )
                taken_ids = store.existing_purchase_ids(connection, [p.id for _, p in batch])
                taken_keys = uow.purchases.existing_keys(
                    p.idempotency_key for _, p in batch if p.idempotency_key is not None
                )
            good: list[tuple[int, Purchase]] = []
            for number, purchase in batch:
                if purchase.customer_id not in customers:
                    report.errors.append(RowError(
                        number, "customer_id", "no customer with this id", NotFound.code
                    ))
                elif purchase.id in taken_ids:
                    report.errors.append(RowError(
                        number, "id", "a purchase with this id is already stored", Conflict.code
                    ))
                elif purchase.idempotency_key in taken_keys:
                    report.errors.append(RowError(
                        number, "idempotency_key", "a purchase with this key is already stored",
                        Conflict.code,
                    ))
                else:
                    good.append((number, purchase))
            if write and good:
                with storage_errors():
                    store.write_purchases(connection, [p for _, p in good], now=stamp)
                record_audit(
                    uow, self._context, "purchases.imported", "import", good[0][1].id, None,
                    {"count": len(good)},
                )
                report.imported += len(good)
                report.ids.extend(p.id for _, p in good)
        return good

    def _write(
        self, held: list[tuple[int, Purchase]], report: ImportReport, stamp: dt.datetime
    ) -> None:
        """Write an atomic import's rows in one transaction."""
        if not held:
            return
        with self._context.work() as uow:
            assert uow.session is not None  # noqa: S101
            with storage_errors():
                store.write_purchases(
                    uow.session.connection(), [p for _, p in held], now=stamp
                )
            record_audit(
                uow, self._context, "purchases.imported", "import", held[0][1].id, None,
                {"count": len(held), "atomic": True},
            )
        report.imported += len(held)
        report.ids.extend(p.id for _, p in held)
