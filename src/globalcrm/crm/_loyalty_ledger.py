"""The write steps of the points ledger, inside one unit of work, on accounts already locked.

``crm.loyalty`` opens the transaction and locks the account rows (id order); a :class:`Ledger`
then sweeps expired lots, appends entries, moves points between lots and judges upgrades, and
:meth:`Ledger.flush` writes what it gathered in a few statements run many times.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from globalcrm.identifiers import new_id
from globalcrm.loyalty import Account, Lot, PointsEntry, Program
from globalcrm.loyalty_tiers import TierChange, qualified_tier, tier_rank
from globalcrm.money import minor_units
from globalcrm.storage.loyalty_repository import entry_row
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["Ledger", "qualifying_value", "take_back"]


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
            raise AssertionError("the ledger would go negative")
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
            for change in self.tier_changes:
                self._repo.set_tier(change.account_id, change.to_tier, change.effective_at)
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
