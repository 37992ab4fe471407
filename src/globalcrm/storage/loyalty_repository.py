"""Loyalty programs, accounts, the points ledger and tier events of one tenant (SQLAlchemy Core).

Entries are rows, never objects the session tracks: the ledger is appended to and read, and
only the ``remaining`` points of a lot change. Open lots are read through the partial indexes
on ``remaining > 0`` (the literal ``0`` lets SQLite and PostgreSQL prove the index applies).
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Row,
    String,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from globalcrm import money as _money
from globalcrm.loyalty import Program
from globalcrm.loyalty_ledger import Account, Lot, PointsEntry
from globalcrm.loyalty_tiers import TierChange
from globalcrm.money import Money
from globalcrm.storage import tables

__all__ = ["LoyaltyRepository", "entry_row", "minor", "open_lot"]

_E = tables.loyalty_entries.c
_A = tables.loyalty_accounts.c
_T = tables.loyalty_tier_events.c


def open_lot() -> ColumnElement[bool]:
    """``remaining > 0`` with a literal zero: the condition of the partial lot indexes."""
    return _E.remaining > literal_column("0")


@functools.lru_cache(maxsize=512)
def _digits(code: str) -> int:
    return _money.minor_units(code)


def minor(amount: Money | None) -> int:
    """``amount`` in its currency's minor units (half-even), 0 for ``None``."""
    if amount is None:
        return 0
    scaled = amount.amount.scaleb(_digits(amount.currency.code))
    return int(scaled.to_integral_value(rounding=decimal.ROUND_HALF_EVEN))


def _money_of(minor_units: int, currency: str) -> Money:
    digits = _money.minor_units(currency)
    return Money(Decimal(minor_units).scaleb(-digits), _money.moneyed_currency(currency))


def entry_row(entry: PointsEntry, *, remaining: int) -> dict[str, Any]:
    """The ``loyalty_entries`` row of ``entry`` whose lot holds ``remaining`` points."""
    return {
        "id": entry.id,
        "tenant": entry.tenant,
        "account_id": entry.account_id,
        "kind": entry.kind,
        "points": entry.points,
        "occurred_at": entry.occurred_at,
        "recorded_at": entry.recorded_at,
        "expires_at": entry.expires_at,
        "remaining": remaining,
        "reference": entry.reference,
        "idempotency_key": entry.idempotency_key,
        "reverses": entry.reverses,
        "reason": entry.reason,
        "channel": entry.channel,
        "amount": None if entry.amount is None else str(entry.amount.amount),
        "currency": None if entry.amount is None else entry.amount.currency.code,
        "spend_minor": minor(entry.spend),
        "qualifying": entry.qualifying,
        "shortfall": entry.shortfall,
        "detail": dict(entry.detail) or None,
    }


def _entry(row: Row[Any], currency: str) -> PointsEntry:
    amount = None
    if row.amount is not None:
        amount = Money(Decimal(row.amount), _money.moneyed_currency(row.currency))
    spend = None
    if row.kind == "earn" or (row.kind == "reverse" and row.spend_minor):
        spend = _money_of(row.spend_minor, currency)
    return PointsEntry(
        id=row.id,
        account_id=row.account_id,
        kind=row.kind,
        points=row.points,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        expires_at=row.expires_at,
        reference=row.reference,
        idempotency_key=row.idempotency_key,
        reverses=row.reverses,
        reason=row.reason,
        channel=row.channel,
        amount=amount,
        spend=spend,
        qualifying=row.qualifying,
        shortfall=row.shortfall,
        detail=row.detail or {},
        tenant=row.tenant,
    )


def _account(row: Row[Any]) -> Account:
    return Account(
        id=row.id,
        customer_id=row.customer_id,
        program=row.program,
        balance=row.balance,
        tier=row.tier,
        tier_since=row.tier_since,
        enrolled_at=row.enrolled_at,
        version=row.version,
        tenant=row.tenant,
    )


def _lot(row: Any) -> Lot:
    return Lot(row.id, row.points, row.remaining, row.occurred_at, row.expires_at)


def _change(row: Row[Any]) -> TierChange:
    return TierChange(
        id=row.id,
        account_id=row.account_id,
        from_tier=row.from_tier,
        to_tier=row.to_tier,
        reason=row.reason,
        effective_at=row.effective_at,
        recorded_at=row.recorded_at,
        qualifying=Decimal(row.qualifying),
    )


@functools.lru_cache(maxsize=256)
def _program(document: str) -> Program:
    """A program from its stored document, checked once per distinct document (they repeat)."""
    return Program.from_document(json.loads(document))


_LOT_COLUMNS = (_E.id, _E.points, _E.remaining, _E.occurred_at, _E.expires_at)


class LoyaltyRepository:
    """The loyalty rows of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant
        self._programs: dict[str, Program] = {}

    def connection(self) -> Connection:
        """The transaction's connection, for the bulk writes of ``loyalty_sql``."""
        return self._session.connection()

    # ----------------------------------------------------------------- programs

    def program(self, code: str) -> Program | None:
        """The stored program ``code`` (read once per unit of work)."""
        if code in self._programs:
            return self._programs[code]
        p = tables.loyalty_programs.c
        document = self._session.execute(
            select(p.document).where(p.tenant == self._tenant, p.code == code)
        ).scalar()
        if document is None:
            return None
        program = _program(json.dumps(document, sort_keys=True, ensure_ascii=False))
        self._programs[code] = program
        return program

    def save_program(self, program: Program, *, now: dt.datetime) -> int:
        """Store ``program``, replacing the one of the same code; returns its version."""
        p = tables.loyalty_programs.c
        found = self._session.execute(
            select(p.version).where(p.tenant == self._tenant, p.code == program.code)
        ).scalar()
        document = program.to_document()
        if found is None:
            self._session.execute(
                insert(tables.loyalty_programs).values(
                    tenant=self._tenant, code=program.code, version=1, document=document,
                    updated_at=now,
                )
            )
            version = 1
        else:
            version = int(found) + 1
            self._session.execute(
                update(tables.loyalty_programs)
                .where(p.tenant == self._tenant, p.code == program.code)
                .values(version=version, document=document, updated_at=now)
            )
        self._programs[program.code] = program
        return version

    def programs(self) -> list[Program]:
        """Every program of the tenant, by code."""
        p = tables.loyalty_programs.c
        rows = self._session.execute(
            select(p.document).where(p.tenant == self._tenant).order_by(p.code)
        )
        return [
            _program(json.dumps(row.document, sort_keys=True, ensure_ascii=False)) for row in rows
        ]

    # ----------------------------------------------------------------- accounts

    def add_account(self, account: Account) -> None:
        """Write a new account."""
        self._session.execute(
            insert(tables.loyalty_accounts).values(
                id=account.id,
                tenant=self._tenant,
                customer_id=account.customer_id,
                program=account.program,
                balance=account.balance,
                tier=account.tier,
                tier_since=account.tier_since,
                tier_reviewed_through=None,
                enrolled_at=account.enrolled_at,
                version=account.version,
            )
        )

    def account(self, account_id: str, *, lock: bool = False) -> Account | None:
        """The account with this id; ``lock`` holds its row until the transaction ends."""
        query = select(tables.loyalty_accounts).where(
            _A.id == account_id, _A.tenant == self._tenant
        )
        if lock:
            query = query.with_for_update()
        row = self._session.execute(query).first()
        return None if row is None else _account(row)

    def account_of(self, customer_id: str, program: str, *, lock: bool = False) -> Account | None:
        """The customer's account in ``program``."""
        query = select(tables.loyalty_accounts).where(
            _A.tenant == self._tenant, _A.customer_id == customer_id, _A.program == program
        )
        if lock:
            query = query.with_for_update()
        row = self._session.execute(query).first()
        return None if row is None else _account(row)

    def tiers_of(self, customer_ids: Sequence[str], program: str) -> dict[str, str | None]:
        """The tier code of each of these customers who is a member of ``program``."""
        a = tables.loyalty_accounts.c
        found: dict[str, str | None] = {}
        for start in range(0, len(customer_ids), 500):
            query = select(a.customer_id, a.tier).where(
                a.tenant == self._tenant, a.program == program,
                a.customer_id.in_(list(customer_ids[start : start + 500])),
            )
            found.update((row.customer_id, row.tier) for row in self._session.execute(query))
        return found

    def accounts(self, ids: Sequence[str], *, lock: bool = False) -> list[Account]:
        """The accounts with these ids, in id order (the order locks are taken in)."""
        found: list[Account] = []
        for start in range(0, len(ids), 500):
            query = (
                select(tables.loyalty_accounts)
                .where(_A.tenant == self._tenant, _A.id.in_(list(ids[start : start + 500])))
                .order_by(_A.id)
            )
            if lock:
                query = query.with_for_update()
            found.extend(_account(row) for row in self._session.execute(query))
        return sorted(found, key=lambda account: account.id)

    def accounts_of(self, customer_id: str) -> list[Account]:
        """The customer's accounts, one per program they are a member of, in id order."""
        query = (
            select(tables.loyalty_accounts)
            .where(_A.tenant == self._tenant, _A.customer_id == customer_id)
            .order_by(_A.id)
        )
        return [_account(row) for row in self._session.execute(query)]

    def move_ledger(self, from_account: str, to_account: str) -> int:
        """Give every entry and tier event of one account to another: how many entries.

        For a merge of two members: the entries keep everything they say (points, lots and
        their expiry, allocations, qualifying values, references); only their account changes.
        """
        moved = self._session.execute(
            update(tables.loyalty_entries)
            .where(_E.tenant == self._tenant, _E.account_id == from_account)
            .values(account_id=to_account)
        )
        self._session.execute(
            update(tables.loyalty_tier_events)
            .where(_T.tenant == self._tenant, _T.account_id == from_account)
            .values(account_id=to_account)
        )
        return int(moved.rowcount)  # type: ignore[attr-defined]

    def absorb(self, keep: Account, other: Account) -> None:
        """``keep`` takes ``other``'s balance and earlier enrolment; ``other``'s row goes.

        Its entries and tier events must have been moved first (:meth:`move_ledger`).
        """
        self._session.execute(
            update(tables.loyalty_accounts)
            .where(_A.id == keep.id, _A.tenant == self._tenant)
            .values(
                balance=keep.balance + other.balance,
                enrolled_at=min(keep.enrolled_at, other.enrolled_at),
                version=_A.version + 1,
            )
        )
        self._session.execute(
            delete(tables.loyalty_accounts).where(_A.id == other.id, _A.tenant == self._tenant)
        )

    def set_balance(self, account_id: str, balance: int) -> None:
        """Store the account's new balance."""
        self._session.execute(
            update(tables.loyalty_accounts)
            .where(_A.id == account_id)
            .values(balance=balance, version=_A.version + 1)
        )

    def set_balances(self, balances: Mapping[str, int]) -> None:
        """Store several accounts' new balances in one statement run many times."""
        if not balances:
            return
        self._session.execute(
            update(tables.loyalty_accounts)
            .where(_A.id == bindparam("account"))
            .values(balance=bindparam("balance"), version=_A.version + 1),
            [{"account": key, "balance": value} for key, value in balances.items()],
        )

    def set_tiers(self, tiers: Sequence[tuple[str, str | None, dt.datetime]]) -> None:
        """Store accounts' new tiers: (account id, tier, since)."""
        if not tiers:
            return
        self._session.execute(
            update(tables.loyalty_accounts)
            .where(_A.id == bindparam("account"))
            .values(tier=bindparam("tier"), tier_since=bindparam("since"),
                    version=_A.version + 1),
            [{"account": a, "tier": t, "since": since} for a, t, since in tiers],
        )

    def tiered_accounts(self, program: str, before: dt.datetime) -> list[Account]:
        """Accounts of ``program`` with a tier held since before ``before``, not reviewed there."""
        query = (
            select(tables.loyalty_accounts)
            .where(
                _A.tenant == self._tenant,
                _A.program == program,
                _A.tier.is_not(None),
                _A.tier_since < before,
                or_(_A.tier_reviewed_through.is_(None), _A.tier_reviewed_through < before),
            )
            .order_by(_A.id)
        )
        return [_account(row) for row in self._session.execute(query)]

    def mark_reviewed(self, account_ids: Sequence[str], through: dt.datetime) -> None:
        """Record that these accounts' tiers were reviewed for the period ending ``through``."""
        for start in range(0, len(account_ids), 500):
            self._session.execute(
                update(tables.loyalty_accounts)
                .where(_A.id.in_(list(account_ids[start : start + 500])))
                .values(tier_reviewed_through=through)
            )

    # ----------------------------------------------------------------- entries

    def add_entry(self, entry: PointsEntry, *, remaining: int) -> None:
        """Append one entry; its lot holds ``remaining`` points."""
        self._session.execute(
            insert(tables.loyalty_entries), [entry_row(entry, remaining=remaining)]
        )

    def add_entries(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append entries given as :func:`entry_row` rows."""
        if rows:
            self._session.execute(insert(tables.loyalty_entries), list(rows))

    def entry_row(self, entry_id: str) -> Row[Any] | None:
        """The raw row of an entry (service code rebuilds it once the program is known)."""
        return self._session.execute(
            select(tables.loyalty_entries).where(_E.id == entry_id, _E.tenant == self._tenant)
        ).first()

    def rows_by_reference(self, reference: str, kinds: Sequence[str]) -> list[Row[Any]]:
        """Entries of these kinds carrying ``reference``, oldest first."""
        return list(
            self._session.execute(
                select(tables.loyalty_entries)
                .where(
                    _E.tenant == self._tenant, _E.reference == reference, _E.kind.in_(kinds)
                )
                .order_by(_E.occurred_at, _E.id)
            )
        )

    def row_by_key(self, key: str) -> Row[Any] | None:
        """The entry recorded with this idempotency key."""
        return self._session.execute(
            select(tables.loyalty_entries).where(
                _E.tenant == self._tenant, _E.idempotency_key == key
            )
        ).first()

    def keys_taken(self, keys: Sequence[str]) -> dict[str, Row[Any]]:
        """Which of these idempotency keys are stored, with their entries."""
        found: dict[str, Row[Any]] = {}
        postgresql = self._session.get_bind().dialect.name == "postgresql"
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            # PostgreSQL: one array parameter (hashed if the planner ever scans; separate
            # parameters are compared one by one with every row), few enough keys for the
            # unique index to be the cheaper plan
            wanted = (
                _E.idempotency_key == any_(bindparam("keys", chunk, type_=ARRAY(String(200))))
                if postgresql
                else _E.idempotency_key.in_(chunk)
            )
            query = select(tables.loyalty_entries).where(_E.tenant == self._tenant, wanted)
            found.update((row.idempotency_key, row) for row in self._session.execute(query))
        return found

    def to_entry(self, row: Row[Any], currency: str) -> PointsEntry:
        """The entry of a raw row."""
        return _entry(row, currency)

    def reversals(self, entry_id: str) -> list[Row[Any]]:
        """The entries that reversed ``entry_id`` so far."""
        return list(
            self._session.execute(
                select(tables.loyalty_entries).where(
                    _E.reverses == entry_id, _E.tenant == self._tenant
                )
            )
        )

    def statement(
        self,
        account_id: str,
        currency: str,
        *,
        after: tuple[dt.datetime, str] | None,
        limit: int,
    ) -> list[PointsEntry]:
        """The account's entries, newest first (ties in time broken by id)."""
        query = select(tables.loyalty_entries).where(_E.account_id == account_id)
        if after is not None:
            query = query.where(tuple_(_E.occurred_at, _E.id) < tuple_(*after))
        query = query.order_by(_E.occurred_at.desc(), _E.id.desc()).limit(limit)
        return [_entry(row, currency) for row in self._session.execute(query)]

    def sum_until(self, account_id: str, at: dt.datetime) -> int:
        """The sum of the account's entries that took effect at or before ``at``."""
        total = self._session.execute(
            select(func.coalesce(func.sum(_E.points), 0)).where(
                _E.account_id == account_id, _E.occurred_at <= at
            )
        ).scalar()
        return int(total or 0)

    def window(
        self, account_ids: Sequence[str], start: dt.datetime, end: dt.datetime
    ) -> dict[str, tuple[int, int]]:
        """Qualifying points and spend (minor units) per account, in ``(start, end]``."""
        result: dict[str, tuple[int, int]] = {}
        for first in range(0, len(account_ids), 500):
            chunk = list(account_ids[first : first + 500])
            query = (
                select(
                    _E.account_id,
                    func.coalesce(func.sum(_E.qualifying), 0),
                    func.coalesce(func.sum(_E.spend_minor), 0),
                )
                .where(_E.account_id.in_(chunk), _E.occurred_at > start, _E.occurred_at <= end)
                .group_by(_E.account_id)
            )
            for account_id, points, spend in self._session.execute(query):
                result[account_id] = (int(points), int(spend))
        return result

    # ----------------------------------------------------------------- lots

    def open_lots(self, account_id: str) -> list[Lot]:
        """The account's lots with points left."""
        query = select(*_LOT_COLUMNS).where(_E.account_id == account_id, open_lot())
        return [_lot(row) for row in self._session.execute(query)]

    def lots_in_order(self, account_id: str, *, batch: int = 200) -> Iterator[list[Lot]]:
        """The account's lots with points left in the order they are used, a batch at a time.

        Read through the open-lot index in ``(expires_at, id)`` order, then the lots that never
        expire by id: a redemption reads only the lots it uses, however many the member holds.
        """
        expiring: tuple[dt.datetime, str] | None = None
        while True:
            query = select(*_LOT_COLUMNS).where(
                _E.account_id == account_id, open_lot(), _E.expires_at.is_not(None)
            )
            if expiring is not None:
                query = query.where(tuple_(_E.expires_at, _E.id) > tuple_(*expiring))
            found = [_lot(r) for r in self._session.execute(
                query.order_by(_E.expires_at, _E.id).limit(batch)
            )]
            if found:
                yield found
            if len(found) < batch:
                break
            last = found[-1]
            assert last.expires_at is not None  # noqa: S101 - selected so
            expiring = (last.expires_at, last.entry_id)
        never: str | None = None
        while True:
            query = select(*_LOT_COLUMNS).where(
                _E.account_id == account_id, open_lot(), _E.expires_at.is_(None)
            )
            if never is not None:
                query = query.where(_E.id > never)
            found = [_lot(r) for r in self._session.execute(query.order_by(_E.id).limit(batch))]
            if found:
                yield found
            if len(found) < batch:
                return
            never = found[-1].entry_id

    def overdue_lots(self, account_id: str, at: dt.datetime) -> list[Lot]:
        """The account's lots with points left whose expiry is at or before ``at``."""
        query = select(*_LOT_COLUMNS).where(
            _E.account_id == account_id, open_lot(), _E.expires_at <= at
        )
        return [_lot(row) for row in self._session.execute(query)]

    def overdue_points(self, account_id: str, at: dt.datetime, *, opened_by: dt.datetime) -> int:
        """Points left in lots opened by ``opened_by`` and expired by ``at``, not yet swept."""
        total = self._session.execute(
            select(func.coalesce(func.sum(_E.remaining), 0)).where(
                _E.account_id == account_id,
                open_lot(),
                _E.expires_at <= at,
                _E.occurred_at <= opened_by,
            )
        ).scalar()
        return int(total or 0)

    def expiring(self, at: dt.datetime) -> list[tuple[str, Lot]]:
        """Every lot of the tenant with points left that expired by ``at``, with its account."""
        query = (
            select(_E.account_id, *_LOT_COLUMNS)
            .where(_E.tenant == self._tenant, open_lot(), _E.expires_at <= at)
            .order_by(_E.account_id, _E.expires_at, _E.id)
        )
        return [(row.account_id, _lot(row)) for row in self._session.execute(query)]

    def move(self, entry_id: str, moves: Iterable[tuple[str, int]]) -> None:
        """Record the points ``entry_id`` took from lots (positive) or gave back (negative)."""
        rows = [{"entry_id": entry_id, "lot_id": lot, "points": n} for lot, n in moves if n]
        if not rows:
            return
        self._session.execute(insert(tables.loyalty_allocations), rows)
        self._session.execute(
            update(tables.loyalty_entries)
            .where(_E.id == bindparam("lot"))
            .values(remaining=_E.remaining - bindparam("taken")),
            [{"lot": row["lot_id"], "taken": row["points"]} for row in rows],
        )

    def moved(self, entry_ids: Sequence[str]) -> dict[str, int]:
        """Points the entries took, net of what they gave back, per lot."""
        a = tables.loyalty_allocations.c
        query = (
            select(a.lot_id, func.sum(a.points))
            .where(a.entry_id.in_(list(entry_ids)))
            .group_by(a.lot_id)
        )
        return {lot: int(total) for lot, total in self._session.execute(query)}

    def lots(self, lot_ids: Sequence[str]) -> dict[str, Lot]:
        """The lots with these ids (with or without points left)."""
        query = select(*_LOT_COLUMNS).where(_E.id.in_(list(lot_ids)))
        return {row.id: _lot(row) for row in self._session.execute(query)}

    # ----------------------------------------------------------------- tier events

    def add_tier_changes(self, changes: Sequence[TierChange]) -> None:
        """Store tier-change events."""
        if not changes:
            return
        self._session.execute(
            insert(tables.loyalty_tier_events),
            [
                {
                    "id": change.id,
                    "tenant": self._tenant,
                    "account_id": change.account_id,
                    "from_tier": change.from_tier,
                    "to_tier": change.to_tier,
                    "reason": change.reason,
                    "effective_at": change.effective_at,
                    "recorded_at": change.recorded_at,
                    "qualifying": str(change.qualifying),
                }
                for change in changes
            ],
        )

    def tier_changes(
        self,
        account_id: str | None,
        *,
        after: tuple[dt.datetime, str] | None,
        limit: int,
    ) -> list[TierChange]:
        """Tier events, oldest first: of one account, or of the whole tenant."""
        query = select(tables.loyalty_tier_events)
        if account_id is None:
            query = query.where(_T.tenant == self._tenant)
        else:
            query = query.where(_T.account_id == account_id)
        if after is not None:
            query = query.where(tuple_(_T.effective_at, _T.id) > tuple_(*after))
        query = query.order_by(_T.effective_at, _T.id).limit(limit)
        return [_change(row) for row in self._session.execute(query)]

    # ----------------------------------------------------------------- verification

    def account_ids(self, *, after: str | None, limit: int) -> list[str]:
        """Account ids of the tenant in id order, a page at a time."""
        query = select(_A.id).where(_A.tenant == self._tenant)
        if after is not None:
            query = query.where(_A.id > after)
        return list(self._session.scalars(query.order_by(_A.id).limit(limit)))

    def ledger_sums(self, account_ids: Sequence[str]) -> dict[str, tuple[int, int, int]]:
        """Per account: stored balance, sum of entries, sum of lots' remaining points."""
        sums = (
            select(
                _E.account_id,
                func.sum(_E.points).label("points"),
                func.sum(_E.remaining).label("remaining"),
            )
            .where(_E.account_id.in_(list(account_ids)))
            .group_by(_E.account_id)
            .subquery()
        )
        query = select(
            _A.id, _A.balance, func.coalesce(sums.c.points, 0), func.coalesce(sums.c.remaining, 0)
        ).select_from(tables.loyalty_accounts.outerjoin(sums, sums.c.account_id == _A.id)).where(
            _A.id.in_(list(account_ids))
        )
        return {
            row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in self._session.execute(query)
        }

    def lot_mismatches(self, account_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(account, entry) pairs whose stored lot or moves disagree with the allocations.

        An entry that adds points (not a reversal) opens a lot: its ``remaining`` must be its
        points less the net points taken from it, between 0 and its points. Any other entry
        holds no points and must have moved exactly its own points between lots.
        """
        a = tables.loyalty_allocations.c
        taken_from = (
            select(a.lot_id, func.sum(a.points).label("taken")).group_by(a.lot_id).subquery()
        )
        moved_by = (
            select(a.entry_id, func.sum(a.points).label("moved")).group_by(a.entry_id).subquery()
        )
        taken = func.coalesce(taken_from.c.taken, 0)
        moved = func.coalesce(moved_by.c.moved, 0)
        opens = and_(_E.points > 0, _E.kind != "reverse")
        query = (
            select(_E.account_id, _E.id)
            .select_from(
                tables.loyalty_entries.outerjoin(taken_from, taken_from.c.lot_id == _E.id)
                .outerjoin(moved_by, moved_by.c.entry_id == _E.id)
            )
            .where(
                _E.account_id.in_(list(account_ids)),
                or_(
                    and_(
                        opens,
                        or_(
                            _E.remaining != _E.points - taken,
                            _E.remaining < 0,
                            _E.remaining > _E.points,
                        ),
                    ),
                    and_(~opens, or_(_E.remaining != 0, moved != -_E.points, taken != 0)),
                ),
            )
            .order_by(_E.account_id, _E.id)
        )
        return [(row[0], row[1]) for row in self._session.execute(query)]
