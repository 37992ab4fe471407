"""The write steps of the points ledger, inside one unit of work, on accounts already locked.

``crm.loyalty`` opens the transaction and locks the account rows (id order); a :class:`Ledger`
then sweeps expired lots, appends entries, moves points between lots and judges upgrades, and
:meth:`Ledger.flush` writes what it gathered in a few statements run many times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Row

from globalcrm import _checks
from globalcrm.crm._context import queue_hook
from globalcrm.customers import Customer
from globalcrm.errors import Conflict, InvalidFormat, InvalidInput, NotFound, RuleViolation
from globalcrm.identifiers import check_id, new_id
from globalcrm.loyalty import DEFAULT_PROGRAM, Program
from globalcrm.loyalty_ledger import (
    Account,
    Lot,
    PointsEntry,
    check_reference,
    consume,
)
from globalcrm.loyalty_tiers import TierChange, qualified_tier, tier_rank
from globalcrm.money import Money, minor_units
from globalcrm.storage.loyalty_repository import entry_row
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = [
    "Ledger",
    "all_account_ids",
    "combine_members",
    "program_of",
    "qualifying_value",
    "repeat",
    "resolve",
    "reverse",
    "take",
    "take_back",
    "target_row",
]


def qualifying_value(program: Program, points: int, spend_minor: int) -> Decimal:
    """What counts toward tiers: points, or spend in units of the program's currency."""
    if program.tier_rules.basis == "points":
        return Decimal(points)
    return Decimal(spend_minor).scaleb(-minor_units(program.currency))


class Ledger:
    """Pending ledger writes of locked accounts, checked as they are gathered."""

    def __init__(self, uow: UnitOfWork, now: dt.datetime) -> None:
        self._uow = uow
        self._repo = uow.loyalty
        self.now = now
        self.balances: dict[str, int] = {}
        self._changed: set[str] = set()
        self._rows: list[dict[str, Any]] = []
        self._moves: list[tuple[str, list[tuple[str, int]]]] = []
        self.tier_changes: list[TierChange] = []
        self._tiers: dict[str, tuple[str | None, dt.datetime | None]] = {}

    def open(self, account: Account) -> None:
        """Start from the account's stored balance (its row is locked by the caller)."""
        self.balances.setdefault(account.id, account.balance)

    def balance(self, account: Account) -> int:
        """The account's balance with the pending entries."""
        return self.balances[account.id]

    def credit(self, account_id: str, points: int) -> None:
        """Add ``points`` written by the caller (the bulk path) to the account's balance."""
        self.balances[account_id] += points
        self._changed.add(account_id)

    # ----------------------------------------------------------------- entries

    def append(self, entry: PointsEntry, *, moves: Sequence[tuple[str, int]] = ()) -> PointsEntry:
        """Append ``entry``: it opens a lot if it adds points and is not a reversal."""
        opens = entry.points > 0 and entry.kind != "reverse"
        self._rows.append(entry_row(entry, remaining=entry.points if opens else 0))
        if moves:
            self._moves.append((entry.id, list(moves)))
        self.balances[entry.account_id] += entry.points
        self._changed.add(entry.account_id)
        if self.balances[entry.account_id] < 0:  # pragma: no cover - every caller checks first
            raise RuleViolation("the balance would go negative", field="points")
        return entry

    def sweep(self, account: Account, lots: Sequence[Lot] | None = None) -> list[PointsEntry]:
        """Expire the account's lots past their expiry: one entry per expiry instant.

        An expiry takes effect when its lot expires (or when the lot was opened, if later), so
        the ledger read at any past moment shows what the member had then.
        """
        if lots is None:
            self.flush()  # lots touched earlier in this transaction are read as they are now
            lots = self._repo.overdue_lots(account.id, self.now)
        groups: dict[dt.datetime, list[Lot]] = {}
        for lot in lots:
            if lot.remaining > 0 and lot.expires_at is not None:
                when = max(lot.expires_at, lot.occurred_at)
                groups.setdefault(when, []).append(lot)
        entries = []
        for when in sorted(groups):
            taken = [(lot.entry_id, lot.remaining) for lot in sorted(groups[when], key=Lot.order)]
            entry = PointsEntry(
                id=new_id(self.now),
                account_id=account.id,
                kind="expire",
                points=-sum(n for _, n in taken),
                occurred_at=when,
                recorded_at=self.now,
                tenant=account.tenant,
            )
            entries.append(self.append(entry, moves=taken))
        return entries

    def flush(self) -> None:
        """Write the gathered entries, moves and balances."""
        if self._rows:
            self._repo.add_entries(self._rows)
            self._rows = []
        for entry_id, moves in self._moves:
            self._repo.move(entry_id, moves)
        self._moves = []
        if self._changed:
            self._repo.set_balances({key: self.balances[key] for key in sorted(self._changed)})
            self._changed = set()
        if self.tier_changes:
            self._repo.add_tier_changes(self.tier_changes)
            latest = {change.account_id: change for change in self.tier_changes}
            self._repo.set_tiers([(c.account_id, c.to_tier, c.effective_at)
                                  for c in latest.values()])
            self.tier_changes = []

    # ----------------------------------------------------------------- tiers

    def tier_of(self, account: Account) -> str | None:
        """The account's tier with the pending changes."""
        return self._tiers.get(account.id, (account.tier, account.tier_since))[0]

    def change_tier(
        self,
        account: Account,
        tier: str | None,
        *,
        reason: str,
        at: dt.datetime,
        qualifying: Decimal,
    ) -> TierChange:
        """Move the account to ``tier`` from ``at``; the event is stored on flush."""
        change = TierChange(
            id=new_id(self.now),
            account_id=account.id,
            from_tier=self.tier_of(account),
            to_tier=tier,
            reason=reason,
            effective_at=at,
            recorded_at=self.now,
            qualifying=qualifying,
        )
        self._tiers[account.id] = (tier, at)
        self.tier_changes.append(change)
        if tier is not None and tier != change.from_tier:
            queue_hook(  # hook, after the commit
                self._uow, "globalcrm_tier_changed", customer_id=account.customer_id,
                program=account.program, previous=change.from_tier, current=tier, at=at,
                tenant=account.tenant,
            )
        return change

    def upgrade(
        self, program: Program, account: Account, value: Decimal, *, at: dt.datetime
    ) -> TierChange | None:
        """Move up at once if ``value`` (the qualifying window ending ``at``) reaches higher."""
        target = qualified_tier(program.tiers, value)
        current = self.tier_of(account)
        if target is None or tier_rank(program.tiers, target.code) <= tier_rank(
            program.tiers, current
        ):
            return None
        return self.change_tier(account, target.code, reason="upgrade", at=at, qualifying=value)

    def at_top(self, program: Program, account: Account) -> bool:
        """Whether the account already holds the program's highest tier."""
        return bool(program.tiers) and self.tier_of(account) == program.tiers[-1].code


def combine_members(
    uow: UnitOfWork, keep_id: str, other_id: str, now: dt.datetime
) -> dict[str, dict[str, int]]:
    """Two customers being merged: each program they are both members of keeps one account.

    The kept customer's account takes the other's entries as they are (every lot with its
    points left and expiry date, the allocations, the qualifying history tiers read), its
    balance and its earlier enrolment; the other account's tier events join its history. The
    kept account then holds the higher of the two tiers (reason ``merged``, from when the
    other held it), or more if the combined history qualifies for more now (``upgrade``).
    Accounts in programs only the other customer is a member of move with the customer's
    other rows. Returns, per program combined, the entries moved and the points they carry.
    """
    mine = {account.program: account for account in uow.loyalty.accounts_of(keep_id)}
    pairs = [(mine[theirs.program], theirs) for theirs in uow.loyalty.accounts_of(other_id)
             if theirs.program in mine]
    if not pairs:
        return {}
    locked = {a.id: a for a in uow.loyalty.accounts(
        [a.id for pair in pairs for a in pair], lock=True
    )}
    combined: dict[str, dict[str, int]] = {}
    ledger = Ledger(uow, now)
    for kept_row, other_row in pairs:
        kept, other = locked[kept_row.id], locked[other_row.id]
        moved = uow.loyalty.move_ledger(other.id, kept.id)
        uow.loyalty.absorb(kept, other)
        combined[kept.program] = {"entries": moved, "points": other.balance}
        plan = program_of(uow, kept)
        if tier_rank(plan.tiers, other.tier) > tier_rank(plan.tiers, kept.tier):
            ledger.change_tier(kept, other.tier, reason="merged", at=other.tier_since or now,
                               qualifying=Decimal(0))
        window = uow.loyalty.window([kept.id], now - plan.tier_rules.window, now)
        ledger.upgrade(plan, kept, qualifying_value(plan, *window.get(kept.id, (0, 0))), at=now)
    ledger.flush()
    return combined


def take_back(
    lots: Sequence[Lot], given: dict[str, int], wanted: int, now: dt.datetime
) -> list[tuple[str, int]]:
    """Give ``wanted`` points back to the lots a redemption took them from (moves are negative).

    Lots that have expired since get nothing back; the latest-expiring lots are refilled first
    (the reverse of the order they were used in).
    """
    moves: list[tuple[str, int]] = []
    left = wanted
    for lot in sorted(lots, key=Lot.order, reverse=True):
        if left <= 0:
            break
        if lot.expires_at is not None and lot.expires_at <= now:
            continue
        give = min(given.get(lot.entry_id, 0), left)
        if give > 0:
            moves.append((lot.entry_id, -give))
            left -= give
    return moves


# --------------------------------------------------------------------------- service steps


def all_account_ids(uow: UnitOfWork) -> Iterable[list[str]]:
    """Every account id of the tenant, 500 at a time."""
    after = None
    while True:
        ids = uow.loyalty.account_ids(after=after, limit=500)
        if not ids:
            return
        yield ids
        after = ids[-1]


def resolve(uow: UnitOfWork, account: object, program: str | None, *,
            lock: bool = False) -> Account:
    """The account meant by an Account, an account id, or a customer (Customer or id)."""
    code = DEFAULT_PROGRAM if program is None else _checks.code(program, field="program")
    if isinstance(account, Account):
        found = uow.loyalty.account(account.id, lock=lock)
    elif isinstance(account, Customer):
        found = uow.loyalty.account_of(account.id, code, lock=lock)
    elif isinstance(account, str):
        key = check_id(account, field="account")
        found = uow.loyalty.account(key, lock=lock)
        if found is None:
            found = uow.loyalty.account_of(key, code, lock=lock)
    else:
        raise InvalidFormat(
            f"expected an Account, a customer or an id, got {type(account).__name__}",
            field="account",
        )
    if found is None:
        raise NotFound("no loyalty account for this account or customer", field="account")
    return found


def take(uow: UnitOfWork, account_id: str, wanted: int) -> list[tuple[str, int]]:
    """The lots ``wanted`` points come from, read in use order only as far as needed."""
    moves: list[tuple[str, int]] = []
    left = wanted
    for batch in uow.loyalty.lots_in_order(account_id):
        taken = consume(batch, left)
        moves.extend(taken)
        left -= sum(n for _, n in taken)
        if left <= 0:
            break
    return moves


def program_of(uow: UnitOfWork, account: Account) -> Program:
    """The account's program."""
    found = uow.loyalty.program(account.program)
    if found is None:  # pragma: no cover - an account's program is never deleted
        raise NotFound("the account's program is missing", field="program")
    return found


def repeat(uow: UnitOfWork, key: str, program: Program, *, kind: str, account: Account,
           same: Callable[[PointsEntry], bool]) -> PointsEntry | None:
    """The entry stored under ``key`` if this call repeats it; ``Conflict`` if it differs."""
    row = uow.loyalty.row_by_key(key)
    if row is None:
        return None
    entry = uow.loyalty.to_entry(row, program.currency)
    if entry.kind != kind or entry.account_id != account.id or not same(entry):
        raise Conflict("the idempotency key was used for another entry", field="idempotency_key")
    return entry


def target_row(uow: UnitOfWork, value: object, account: object) -> Row[Any]:
    """The row of the entry to reverse: by entry, entry id, or an earn's reference."""
    if isinstance(value, PointsEntry):
        row = uow.loyalty.entry_row(value.id)
        if row is None:
            raise NotFound("no such loyalty entry", field="entry")
        return row
    if not isinstance(value, str):
        raise InvalidFormat(f"expected an entry or a reference, got {type(value).__name__}",
                            field="entry")
    try:
        row = uow.loyalty.entry_row(check_id(value, field="entry"))
    except InvalidInput:
        row = None
    if row is not None:
        return row
    reference = check_reference(value)
    if reference is None:
        raise InvalidFormat("expected an entry id or a reference", field="entry")
    rows = uow.loyalty.rows_by_reference(reference, ("earn",))
    if account is not None:
        member = resolve(uow, account, None)
        rows = [r for r in rows if r.account_id == member.id]
    if not rows:
        raise NotFound("no earn with this reference", field="entry")
    if len(rows) > 1:
        raise InvalidInput("several earns carry this reference; pass the account or the entry",
                           field="account")
    return rows[0]


def reverse(uow: UnitOfWork, plan: Program, member: Account, target: PointsEntry,
            wanted: int | None, reason: str | None, key: str | None,
            moment: dt.datetime) -> PointsEntry:
    """Reverse ``wanted`` points (all that are left if ``None``) of ``target`` (see the docs)."""
    if target.kind in ("expire", "reverse"):
        raise RuleViolation("expiries and reversals cannot be reversed", field="entry")
    prior = [uow.loyalty.to_entry(r, plan.currency) for r in uow.loyalty.reversals(target.id)]
    size = abs(target.points)
    moved_before = sum(abs(r.points) + r.shortfall for r in prior)
    left = size - moved_before
    if prior and left <= 0:
        raise RuleViolation("the entry is reversed in full already", field="entry")
    want = left if wanted is None else wanted
    if want > left:
        raise InvalidInput("more points than are left to reverse", field="points")
    ledger = Ledger(uow, moment)
    ledger.open(member)
    ledger.sweep(member)
    ledger.flush()
    final = want == left
    qualifying = -(target.qualifying + sum(r.qualifying for r in prior)) if final else (
        -(target.qualifying * want // size))
    spend = _spend_share(target, prior, want, size, final)
    if target.points >= 0:
        own = uow.loyalty.lots([target.id]).get(target.id)
        moved = 0 if own is None else min(own.remaining, want)
        moves = [(target.id, moved)] if moved else []
        points = -moved
    else:
        given = uow.loyalty.moved([target.id, *(r.id for r in prior)])
        lots = list(uow.loyalty.lots(sorted(given)).values())
        moves = take_back(lots, given, want, moment)
        moved = -sum(n for _, n in moves)
        points = moved
    entry = ledger.append(
        PointsEntry(
            id=new_id(moment), account_id=member.id, kind="reverse", points=points,
            occurred_at=moment, recorded_at=moment, reference=target.reference,
            idempotency_key=key, reverses=target.id, reason=reason,
            spend=spend, qualifying=qualifying,
            shortfall=want - moved, tenant=member.tenant,
        ),
        moves=moves,
    )
    ledger.flush()
    return entry


def _spend_share(target: PointsEntry, prior: list[PointsEntry], want: int, size: int,
                 final: bool) -> Money | None:
    if target.spend is None:
        return None
    spend = target.spend
    if final:
        reversed_before = sum((r.spend.amount for r in prior if r.spend is not None), Decimal(0))
        return Money(-(spend.amount + reversed_before), spend.currency)
    share = (spend.amount * want / size).quantize(spend.amount)
    return Money(-share, spend.currency)
