"""``crm.loyalty.post_many``: many earns in one transaction, written in bulk.

Each posting is checked and priced by the same functions as ``crm.loyalty.earn``
(:class:`globalcrm.loyalty.Posting`, :func:`globalcrm.loyalty.earning`), in the order given;
the rows then go to the table in one ``executemany`` (SQLite) or one ``COPY`` (PostgreSQL), the
balances in one statement run once per account. An error names the 1-based ``row`` of the
posting and nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from globalcrm import _checks
from globalcrm import loyalty as rules
from globalcrm.crm._context import collector_paused
from globalcrm.crm._loyalty_ledger import Ledger, qualifying_value
from globalcrm.crm.exchange_rates import DEFAULT_MAX_AGE
from globalcrm.errors import Conflict, GlobalCRMError, InvalidFormat, NotFound
from globalcrm.exchange_rates import RateTable
from globalcrm.identifiers import new_id
from globalcrm.loyalty import Program
from globalcrm.loyalty_ledger import Account, Posting
from globalcrm.loyalty_tiers import TierChange, tier_rank
from globalcrm.money import minor_units
from globalcrm.storage.loyalty_repository import minor
from globalcrm.storage.loyalty_sql import (
    ENTRY_COLUMNS,
    rates_between,
    refresh_statistics,
    write_entries,
)
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["post_many"]

_ROW = (
    "id", "tenant", "account_id", "kind", "points", "occurred_at", "recorded_at", "expires_at",
    "remaining", "reference", "idempotency_key", "reverses", "reason", "channel", "amount",
    "currency", "spend_minor", "qualifying", "shortfall", "detail",
)
"""The order :func:`post_many` builds a row's values in: the table's (checked on import)."""
if ENTRY_COLUMNS != _ROW:  # pragma: no cover - a schema change must update the row above
    raise ImportError("loyalty_entries columns changed: update _ROW in _loyalty_posting")


def _checked(postings: Iterable[object], now: dt.datetime) -> list[tuple[Posting, dt.datetime]]:
    if isinstance(postings, str | bytes) or not isinstance(postings, Iterable):
        raise InvalidFormat("expected an iterable of postings", field="postings")
    items = []
    latest = now + _checks.MAX_CLOCK_SKEW
    for index, value in enumerate(postings):
        try:
            posting = Posting.of(value)
            when = now if posting.occurred_at is None else posting.occurred_at
            if when > latest:  # the Posting holds an aware UTC time: event_time's rule
                _checks.event_time(when, field="occurred_at", now=now)
            items.append((posting, when))
        except GlobalCRMError as error:
            raise error.at(row=index + 1) from None
    return items


def post_many(
    uow: UnitOfWork, postings: Iterable[object], *, now: dt.datetime
) -> tuple[int, int, int, list[TierChange]]:
    """Post the earns; returns (posted, skipped repeats, points, tier changes)."""
    with collector_paused():
        return _post_many(uow, postings, now=now)


def _post_many(
    uow: UnitOfWork, postings: Iterable[object], *, now: dt.datetime
) -> tuple[int, int, int, list[TierChange]]:
    items = _checked(postings, now)
    if not items:
        return 0, 0, 0, []
    repo = uow.loyalty
    members = {member.id: member for member in repo.accounts(
        sorted({posting.account for posting, _ in items}), lock=True
    )}
    plans: dict[str, Program] = {}
    for index, (posting, _when) in enumerate(items):
        member = members.get(posting.account)
        if member is None:
            raise NotFound("no loyalty account with this id", field="account", row=index + 1)
        if member.program not in plans:
            found = repo.program(member.program)
            assert found is not None  # noqa: S101 - an account's program is never deleted
            plans[member.program] = found
    table = _rates(uow, items, members, plans)
    stored = repo.keys_taken(sorted({p.idempotency_key for p, _ in items if p.idempotency_key}))
    batch_keys: dict[str, Posting] = {}
    ledger = Ledger(uow, now)
    running: dict[str, list[int]] = {}
    for program_code, plan in plans.items():
        ids = [m.id for m in members.values()
               if m.program == program_code and not ledger.at_top(plan, m)]
        sums = repo.window(ids, now - plan.tier_rules.window, now)  # not needed at the top
        for member_id in ids:
            running[member_id] = list(sums.get(member_id, (0, 0)))
    for member in members.values():
        ledger.open(member)
    starts = {code: now - plan.tier_rules.window for code, plan in plans.items()}
    pricing = {code: rules.Pricing(plan) for code, plan in plans.items()}
    goals = {m.id: _next_goal(plans[m.program], ledger.tier_of(m)) for m in members.values()}
    details: dict[tuple[Any, ...], Any] = {}  # rows with the same detail share one (encoded once)
    counts = [0, 0, 0]  # posted, skipped, points

    def rows() -> Iterator[tuple[Any, ...]]:
        """Each posting's row, priced as it is written (PostgreSQL meanwhile stores the last)."""
        for index, (posting, when) in enumerate(items):
            member = members[posting.account]
            plan = plans[member.program]
            key = posting.idempotency_key
            if key is not None:
                if (key in batch_keys or key in stored) and _repeats(
                    key, posting, member, stored, batch_keys, row=index + 1
                ):
                    counts[1] += 1
                    continue
                batch_keys[key] = posting
            try:
                earned = pricing[member.program].posting(
                    posting, occurred_at=when, tier=ledger.tier_of(member), table=table
                )
            except GlobalCRMError as error:
                raise error.at(row=index + 1) from None
            spend_minor = minor(earned.spend)
            amount = posting.amount
            shape = (earned.multiplier, earned.campaigns, earned.bonus_points, earned.conversion)
            detail = details.get(shape)
            if detail is None:
                detail = details[shape] = earned.detail() or None
            yield (
                new_id(now), member.tenant, member.id, "earn", earned.points, when, now,
                earned.expires_at, earned.points, posting.reference, key, None, None,
                posting.channel, str(amount.amount), amount.currency.code, spend_minor,
                earned.points, 0, detail,
            )
            counts[0] += 1
            counts[2] += earned.points
            ledger.credit(member.id, earned.points)
            if when > starts[member.program] and member.id in running:
                window = running[member.id]
                window[0] += earned.points
                window[1] += spend_minor
                goal = goals[member.id]
                if goal is not None and window[goal[0]] >= goal[1]:
                    ledger.upgrade(plan, member, qualifying_value(plan, window[0], window[1]),
                                   at=max(now, when))
                    goals[member.id] = _next_goal(plan, ledger.tier_of(member))

    write_entries(uow.loyalty.connection(), rows())
    changes = list(ledger.tier_changes)
    ledger.flush()
    refresh_statistics(uow.loyalty.connection(), counts[0])
    return counts[0], counts[1], counts[2], changes


def _next_goal(plan: Program, tier: str | None) -> tuple[int, Decimal] | None:
    """Which running sum (0: points, 1: spend in minor units) reaches the next tier, and where."""
    rank = tier_rank(plan.tiers, tier)
    if rank >= len(plan.tiers):
        return None
    threshold = plan.tiers[rank].threshold
    if plan.tier_rules.basis == "points":
        return 0, threshold
    return 1, threshold.scaleb(minor_units(plan.currency))


def _rates(
    uow: UnitOfWork,
    items: list[tuple[Posting, dt.datetime]],
    members: dict[str, Account],
    plans: dict[str, Program],
) -> RateTable | None:
    """The stored rates the batch's foreign-currency earns need, or ``None`` if none do."""
    times = [
        when for posting, when in items
        if posting.amount.currency.code != plans[members[posting.account].program].currency
    ]
    if not times:
        return None
    table = RateTable(max_age=DEFAULT_MAX_AGE)
    table.extend(rates_between(uow.loyalty.connection(), min(times) - DEFAULT_MAX_AGE, max(times)))
    return table


def _repeats(
    key: str,
    posting: Posting,
    member: Account,
    stored: dict[str, Any],
    batch: dict[str, Posting],
    *,
    row: int,
) -> bool:
    """Whether ``posting`` repeats an earn already stored or posted earlier in the batch."""
    earlier = batch.get(key)
    if earlier is not None:
        if earlier == posting:
            return True
        raise Conflict("the idempotency key was used for another posting",
                       field="idempotency_key", row=row)
    found = stored.get(key)
    if found is None:
        return False
    same = (
        found.kind == "earn"
        and found.account_id == member.id
        and found.currency == posting.amount.currency.code
        and Decimal(found.amount) == posting.amount.amount
        and found.reference == posting.reference
        and found.channel == posting.channel
    )
    if not same:
        raise Conflict("the idempotency key was used for another entry",
                       field="idempotency_key", row=row)
    return True
