"""``crm.loyalty``: enrol members, earn and redeem points, expire lots, judge tiers.

Every write locks the member's account row first (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite's ``BEGIN IMMEDIATE`` already lets one writer in at a time), so workers redeeming from
one balance at once queue and never overspend. The rules themselves are in
:mod:`globalcrm.loyalty` and :mod:`globalcrm.loyalty_tiers`.

An *account* argument is a :class:`~globalcrm.loyalty.Account`, an account id, or a customer
(a ``Customer`` or a customer id), whose account in the default program (or ``program=``) is
meant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import attrs

from globalcrm import _checks
from globalcrm import loyalty as rules
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm._loyalty_ledger import (
    Ledger,
    all_account_ids,
    program_of,
    qualifying_value,
    repeat,
    resolve,
    reverse,
    take,
    target_row,
)
from globalcrm.crm._loyalty_posting import post_many
from globalcrm.crm.exchange_rates import DEFAULT_MAX_AGE
from globalcrm.crm.privacy import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, InvalidInput, NotFound, RuleViolation
from globalcrm.exchange_rates import RateTable
from globalcrm.identifiers import new_id
from globalcrm.loyalty import DEFAULT_PROGRAM, Program
from globalcrm.loyalty_ledger import (
    Account,
    Lot,
    PointsEntry,
    check_idempotency_key,
    check_reference,
)
from globalcrm.loyalty_ledger import points as check_points
from globalcrm.loyalty_tiers import TierChange, TierStatus, period_start, qualified_tier, tier_rank
from globalcrm.money import Money, checked_money, moneyed_currency
from globalcrm.pagination import Page, check_limit, decode_cursor, encode_cursor

__all__ = ["ExpiryReport", "LedgerCheck", "Loyalty", "PostingReport"]

AccountRef = Account | Customer | str
MAX_SPEND = Decimal(10) ** 14
"""The largest amount one earn may be for (in its currency)."""
_FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC)


@attrs.frozen
class ExpiryReport:
    """What ``expire`` did: how many accounts lost points, in how many entries, how many."""

    accounts: int
    entries: int
    points: int


@attrs.frozen
class LedgerCheck:
    """What ``verify`` found: the accounts checked and each disagreement, by account id."""

    accounts: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when every stored balance and lot agrees with the entries."""
        return not self.problems


@attrs.frozen
class PostingReport:
    """What ``post_many`` did: entries posted, repeats skipped (same idempotency key), points."""

    posted: int
    skipped: int
    points: int
    tier_changes: tuple[TierChange, ...]


class Loyalty:
    """Loyalty programs, members' points ledgers and tiers of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    # ----------------------------------------------------------------- programs

    def save_program(self, program: Program, *, now: object = None) -> Program:
        """Store ``program``, replacing the stored program of the same code."""
        if not isinstance(program, Program):
            raise InvalidFormat(f"expected a Program, got {type(program).__name__}",
                                field="program")
        moment = self._context.now(now)
        with self._context.work() as uow:
            uow.loyalty.save_program(program, now=moment)
        return program

    def program(self, code: str = DEFAULT_PROGRAM) -> Program:
        """The stored program ``code``."""
        checked = _checks.code(code, field="program")
        with self._context.work(write=False) as uow:
            found = uow.loyalty.program(checked)
        if found is None:
            raise NotFound("no loyalty program with this code", field="program")
        return found

    # ----------------------------------------------------------------- members

    def enroll(
        self,
        customer: Customer | str,
        program: str | None = None,
        now: object = None,
        *,
        currency: str | None = None,
        time_zone: str | None = None,
    ) -> Account:
        """Make ``customer`` a member of ``program`` (the default program if ``None``).

        The tenant's default program is made on first use, in ``currency`` and ``time_zone``
        if given, else in the enrolling customer's (see
        :func:`globalcrm.loyalty.default_program`). Enrolling a member again returns their
        account. A new member starts in the tier that needs nothing (Silver by default).
        """
        customer_id = customer_id_of(customer)
        code = DEFAULT_PROGRAM if program is None else _checks.code(program, field="program")
        moment = self._context.now(now)
        with self._context.work() as uow:
            found = uow.loyalty.program(code)
            if found is None:
                if code != DEFAULT_PROGRAM:
                    raise NotFound("no loyalty program with this code", field="program")
                stored = uow.customers.get(customer_id)
                found = rules.default_program(
                    currency=stored.currency if currency is None else currency,
                    time_zone=stored.time_zone if time_zone is None else time_zone,
                )
                uow.loyalty.save_program(found, now=moment)
            elif not uow.customers.exists(customer_id):
                raise NotFound("no customer with this id", field="customer")
            existing = uow.loyalty.account_of(customer_id, code)
            if existing is not None:
                return existing
            tier = found.entry_tier()
            account = Account(
                id=new_id(moment),
                customer_id=customer_id,
                program=code,
                balance=0,
                tier=None,
                tier_since=None,
                enrolled_at=moment,
                version=1,
                tenant=self._context.tenant,
            )
            uow.loyalty.add_account(account)
            ledger = Ledger(uow, moment)
            if tier is not None:
                ledger.change_tier(account, tier.code, reason="enrolled", at=moment,
                                   qualifying=Decimal(0))
                ledger.flush()
            record_audit(uow, self._context, "loyalty.enrolled", "loyalty_account", account.id,
                         customer_id, {"program": code})
            stored_account = uow.loyalty.account(account.id)
        assert stored_account is not None  # noqa: S101 - written just above
        return stored_account

    def account(self, account: AccountRef, *, program: str | None = None) -> Account:
        """The member's account as stored now."""
        with self._context.work(write=False) as uow:
            return resolve(uow, account, program)

    # ----------------------------------------------------------------- the ledger

    def earn(
        self,
        account: AccountRef,
        *,
        amount: Money,
        channel: str,
        occurred_at: object = None,
        reference: str | None = None,
        idempotency_key: str | None = None,
        program: str | None = None,
        now: object = None,
    ) -> PointsEntry:
        """Record a purchase of ``amount`` on ``channel`` and the points it earns (the entry).

        ``occurred_at`` (aware, default ``now``) is when the purchase happened: the rate of an
        amount in another currency, the running campaigns and the lot's expiry follow from it.
        The same ``idempotency_key`` again returns the first entry (a ``Conflict`` if it was
        used for something else). The member moves up a tier at once if the earn qualifies them.
        """
        moment = self._context.now(now)
        when = _checks.event_time(moment if occurred_at is None else occurred_at,
                                  field="occurred_at", now=moment)
        number, code = checked_money(amount, "amount")
        if number <= 0:
            raise InvalidInput("an earn needs a positive amount (a refund reverses its earn)",
                               field="amount")
        if number >= MAX_SPEND:
            raise InvalidInput("too large for one earn", field="amount")
        spent = Money(number, moneyed_currency(code))
        checked_channel = rules.channel(channel)
        ref = check_reference(reference)
        key = check_idempotency_key(idempotency_key)
        with self._context.work() as uow:
            member = resolve(uow, account, program, lock=True)
            plan = program_of(uow, member)
            if key is not None:
                found = repeat(uow, key, plan, kind="earn", account=member,
                               same=lambda e: e.amount == spent
                               and e.reference == ref and e.channel == checked_channel)
                if found is not None:
                    return found
            table = None
            if code != plan.currency:
                table = RateTable(max_age=DEFAULT_MAX_AGE)
                table.extend(uow.exchange_rates.latest(when))
            ledger = Ledger(uow, moment)
            ledger.open(member)
            earned = rules.earning(plan, spent, channel=checked_channel, occurred_at=when,
                                   tier=member.tier, table=table)
            entry = ledger.append(
                PointsEntry(
                    id=new_id(moment),
                    account_id=member.id,
                    kind="earn",
                    points=earned.points,
                    occurred_at=when,
                    recorded_at=moment,
                    expires_at=earned.expires_at,
                    reference=ref,
                    idempotency_key=key,
                    channel=checked_channel,
                    amount=spent,
                    spend=earned.spend,
                    qualifying=earned.points,
                    detail=earned.detail(),
                    tenant=member.tenant,
                )
            )
            ledger.flush()
            if not ledger.at_top(plan, member):
                at = max(moment, when)
                points, spend = uow.loyalty.window(
                    [member.id], at - plan.tier_rules.window, at
                ).get(member.id, (0, 0))
                ledger.upgrade(plan, member, qualifying_value(plan, points, spend), at=at)
                ledger.flush()
        return entry

    def redeem(
        self,
        account: AccountRef,
        *,
        points: int,
        now: object = None,
        idempotency_key: str | None = None,
        reference: str | None = None,
        program: str | None = None,
    ) -> PointsEntry:
        """Spend ``points`` from the balance, soonest-expiring lots first; returns the entry.

        ``RuleViolation`` if the balance is short. The same ``idempotency_key`` again returns
        the first redemption: a retried request never redeems twice.
        """
        wanted = check_points(points)
        moment = self._context.now(now)
        ref = check_reference(reference)
        key = check_idempotency_key(idempotency_key)
        with self._context.work() as uow:
            member = resolve(uow, account, program, lock=True)
            plan = program_of(uow, member)
            if key is not None:
                found = repeat(uow, key, plan, kind="redeem", account=member,
                               same=lambda e: e.points == -wanted and e.reference == ref)
                if found is not None:
                    return found
            ledger = Ledger(uow, moment)
            ledger.open(member)
            ledger.sweep(member)
            if wanted > ledger.balance(member):
                raise RuleViolation("not enough points for this redemption", field="points")
            ledger.flush()
            moves = take(uow, member.id, wanted)
            entry = ledger.append(
                PointsEntry(
                    id=new_id(moment), account_id=member.id, kind="redeem", points=-wanted,
                    occurred_at=moment, recorded_at=moment, reference=ref, idempotency_key=key,
                    tenant=member.tenant,
                ),
                moves=moves,
            )
            ledger.flush()
        return entry

    def adjust(
        self,
        account: AccountRef,
        *,
        points: int,
        reason: str,
        now: object = None,
        idempotency_key: str | None = None,
        program: str | None = None,
    ) -> PointsEntry:
        """Add (or, negative, take) points by hand, with the reason; audited.

        Added points form a lot that expires like earned ones; adjustments do not count
        toward tiers. Taking more than the balance is a ``RuleViolation``.
        """
        change = check_points(points, allow_negative=True)
        why = _checks.text(reason, field="reason", max_length=1000)
        moment = self._context.now(now)
        key = check_idempotency_key(idempotency_key)
        with self._context.work() as uow:
            member = resolve(uow, account, program, lock=True)
            plan = program_of(uow, member)
            if key is not None:
                found = repeat(uow, key, plan, kind="adjust", account=member,
                               same=lambda e: e.points == change and e.reason == why)
                if found is not None:
                    return found
            ledger = Ledger(uow, moment)
            ledger.open(member)
            moves: list[tuple[str, int]] = []
            if change < 0:
                ledger.sweep(member)
                if -change > ledger.balance(member):
                    raise RuleViolation("the adjustment would take more than the balance",
                                        field="points")
                ledger.flush()
                moves = take(uow, member.id, -change)
            entry = ledger.append(
                PointsEntry(
                    id=new_id(moment), account_id=member.id, kind="adjust", points=change,
                    occurred_at=moment, recorded_at=moment,
                    expires_at=rules.lot_expiry(plan, moment) if change > 0 else None,
                    reason=why, idempotency_key=key, tenant=member.tenant,
                ),
                moves=moves,
            )
            ledger.flush()
            record_audit(uow, self._context, "loyalty.adjusted", "loyalty_entry", entry.id,
                         member.customer_id, {"points": change})
        return entry

    def reverse(
        self,
        entry_or_reference: PointsEntry | str,
        *,
        points: int | None = None,
        account: AccountRef | None = None,
        reason: str | None = None,
        now: object = None,
        idempotency_key: str | None = None,
    ) -> PointsEntry:
        """Undo an entry (a refund reverses its earn), in full or ``points`` of it.

        ``entry_or_reference`` is an entry, an entry id, or the ``reference`` of an earn (pass
        ``account`` when several accounts earned with it). What is left of an earn's points
        (its lot) is taken back; what the member already spent, or what expired, is not taken
        from their other points (the balance never goes negative) and is returned as the
        entry's ``shortfall``. A redemption's points go back to the lots they came from, except
        those that expired meanwhile (the shortfall).
        """
        moment = self._context.now(now)
        wanted = None if points is None else check_points(points)
        why = None if reason is None else _checks.text(reason, field="reason", max_length=1000)
        key = check_idempotency_key(idempotency_key)
        with self._context.work() as uow:
            row = target_row(uow, entry_or_reference, account)
            member = resolve(uow, row.account_id, None, lock=True)
            plan = program_of(uow, member)
            target = uow.loyalty.to_entry(row, plan.currency)
            if key is not None:
                found = repeat(uow, key, plan, kind="reverse", account=member,
                               same=lambda e: e.reverses == target.id)
                if found is not None:
                    return found
            return reverse(uow, plan, member, target, wanted, why, key, moment)

    # ----------------------------------------------------------------- reads

    def balance(self, account: AccountRef, *, at: object = None,
                program: str | None = None) -> int:
        """The points the member can use now, or had at ``at``.

        The current balance is the stored one less any lot past its expiry that ``expire`` has
        not swept yet: it reads one row and the open lots, whatever the ledger's length. At
        another instant it adds up the entries that took effect by then (a future instant: what
        will be left once the lots expiring by then are gone, if nothing else happens).
        """
        moment = self._context.now(at, field="at")
        with self._context.work(write=False) as uow:
            member = resolve(uow, account, program)
            if at is None:
                return member.balance - uow.loyalty.overdue_points(
                    member.id, moment, opened_by=_FOREVER
                )
            return uow.loyalty.sum_until(member.id, moment) - uow.loyalty.overdue_points(
                member.id, moment, opened_by=moment
            )

    def lots(self, account: AccountRef, *, now: object = None,
             program: str | None = None) -> list[Lot]:
        """The member's unused points by lot, in the order they will be used (expiring first).

        Lots past their expiry that ``expire`` has not swept yet are left out.
        """
        moment = self._context.now(now)
        with self._context.work(write=False) as uow:
            member = resolve(uow, account, program)
            found = uow.loyalty.open_lots(member.id)
        live = [lot for lot in found if lot.expires_at is None or lot.expires_at > moment]
        return sorted(live, key=Lot.order)

    def statement(
        self,
        account: AccountRef,
        *,
        after: str | None = None,
        limit: int = 50,
        program: str | None = None,
    ) -> Page[PointsEntry]:
        """The member's entries, newest first, a page at a time (keyset pagination)."""
        limit = check_limit(limit)
        position = _position(after)
        with self._context.work(write=False) as uow:
            member = resolve(uow, account, program)
            plan = program_of(uow, member)
            items = uow.loyalty.statement(member.id, plan.currency, after=position,
                                          limit=limit + 1)
        if len(items) > limit:
            last = items[limit - 1]
            return Page(items[:limit], encode_cursor(last.occurred_at.isoformat(), last.id))
        return Page(items, None)

    def tier(self, account: AccountRef, *, at: object = None,
             program: str | None = None) -> TierStatus:
        """The member's tier, what qualifies them over the window ending ``at``, what is next."""
        moment = self._context.now(at, field="at")
        with self._context.work(write=False) as uow:
            member = resolve(uow, account, program)
            plan = program_of(uow, member)
            points, spend = uow.loyalty.window(
                [member.id], moment - plan.tier_rules.window, moment
            ).get(member.id, (0, 0))
        value = qualifying_value(plan, points, spend)
        current = plan.tier(member.tier)
        rank = tier_rank(plan.tiers, member.tier)
        following = plan.tiers[rank] if rank < len(plan.tiers) else None
        return TierStatus(
            account_id=member.id,
            tier=current,
            since=member.tier_since,
            basis=plan.tier_rules.basis,
            qualifying=value,
            at=moment,
            next_tier=following,
            needed=Decimal(0) if following is None else max(Decimal(0),
                                                            following.threshold - value),
            qualified=qualified_tier(plan.tiers, value),
            perks=() if current is None else current.perks,
        )

    def tier_changes(
        self,
        account: AccountRef | None = None,
        *,
        after: str | None = None,
        limit: int = 100,
        program: str | None = None,
    ) -> Page[TierChange]:
        """Tier events, oldest first: of one member, or of every member of the tenant."""
        limit = check_limit(limit)
        position = _position(after)
        with self._context.work(write=False) as uow:
            member_id = None if account is None else resolve(uow, account, program).id
            items = uow.loyalty.tier_changes(member_id, after=position, limit=limit + 1)
        if len(items) > limit:
            last = items[limit - 1]
            return Page(items[:limit], encode_cursor(last.effective_at.isoformat(), last.id))
        return Page(items, None)

    # ----------------------------------------------------------------- batch jobs

    def expire(self, *, now: object = None) -> ExpiryReport:
        """Expire every lot of the tenant past its expiry: run it daily (one transaction)."""
        moment = self._context.now(now)
        with self._context.work() as uow:
            first = {account_id for account_id, _ in uow.loyalty.expiring(moment)}
            members = uow.loyalty.accounts(sorted(first), lock=True)
            # read again under the locks: a redemption may have swept some lots meanwhile
            by_account: dict[str, list[Lot]] = {}
            for account_id, lot in uow.loyalty.expiring(moment):
                if account_id in first:
                    by_account.setdefault(account_id, []).append(lot)
            ledger = Ledger(uow, moment)
            entries = points = 0
            for member in members:
                if member.id not in by_account:
                    continue
                ledger.open(member)
                for entry in ledger.sweep(member, by_account[member.id]):
                    entries += 1
                    points -= entry.points
            ledger.flush()
        return ExpiryReport(accounts=len(by_account), entries=entries, points=points)

    def review_tiers(self, *, now: object = None) -> list[TierChange]:
        """Move down members who no longer qualify, once a period and its grace have ended.

        For every program, the latest period whose grace period is over is reviewed once: a
        member who has held their tier since before that period ended, and whose window ending
        with the period (plus what they earned during the grace period) no longer reaches it,
        drops to the tier it reaches. Run it daily.
        """
        moment = self._context.now(now)
        changes: list[TierChange] = []
        with self._context.work() as uow:
            ledger = Ledger(uow, moment)
            for plan in uow.loyalty.programs():
                rules_ = plan.tier_rules
                boundary = period_start(moment - rules_.grace, time_zone=plan.time_zone,
                                        months=rules_.period_months)
                effective = boundary + rules_.grace
                candidates = uow.loyalty.tiered_accounts(plan.code, boundary)
                members = uow.loyalty.accounts([a.id for a in candidates], lock=True)
                sums = uow.loyalty.window([m.id for m in members],
                                          boundary - rules_.window, effective)
                members = [m for m in members  # as read under the lock: still due a review
                           if m.tier is not None and m.tier_since is not None
                           and m.tier_since < boundary]
                for member in members:
                    value = qualifying_value(plan, *sums.get(member.id, (0, 0)))
                    target = qualified_tier(plan.tiers, value)
                    target_code = None if target is None else target.code
                    if tier_rank(plan.tiers, target_code) < tier_rank(plan.tiers, member.tier):
                        changes.append(ledger.change_tier(member, target_code, reason="downgrade",
                                                          at=effective, qualifying=value))
                uow.loyalty.mark_reviewed([m.id for m in members], boundary)
            ledger.flush()
        return changes

    def post_many(self, postings: Iterable[object], *, now: object = None) -> PostingReport:
        """Post many earns in one transaction (a purchase history): all of them, or none.

        Each posting is a :class:`~globalcrm.loyalty.Posting` or a mapping of its fields
        (``account`` is an account id). They are priced by the same rules as :meth:`earn`, in
        the order given; tiers move up as they would have one earn at a time. A posting whose
        idempotency key is stored already (for the same earn) is skipped.
        """
        moment = self._context.now(now)
        with self._context.work() as uow:
            posted, skipped, total, changes = post_many(uow, postings, now=moment)
        return PostingReport(posted=posted, skipped=skipped, points=total,
                             tier_changes=tuple(changes))

    def verify(self, account: AccountRef | None = None, *,
               program: str | None = None) -> LedgerCheck:
        """Check stored balances and lots against the entries (one member, or all of them)."""
        problems: list[str] = []
        checked = 0
        with self._context.work(write=False) as uow:
            if account is not None:
                batches: Iterable[list[str]] = [[resolve(uow, account, program).id]]
            else:
                batches = all_account_ids(uow)
            for ids in batches:
                checked += len(ids)
                for member_id, (stored, summed, remaining) in sorted(
                    uow.loyalty.ledger_sums(ids).items()
                ):
                    if stored != summed:
                        problems.append(f"account {member_id}: stored balance {stored}, "
                                        f"entries add up to {summed}")
                    if remaining != summed:
                        problems.append(f"account {member_id}: lots hold {remaining}, "
                                        f"entries add up to {summed}")
                    if summed < 0:
                        problems.append(f"account {member_id}: negative balance {summed}")
                for member_id, entry_id in uow.loyalty.lot_mismatches(ids):
                    problems.append(f"account {member_id}: entry {entry_id} disagrees with "
                                    "the points moved between lots")
        return LedgerCheck(accounts=checked, problems=tuple(problems))


def _position(after: str | None) -> tuple[dt.datetime, str] | None:
    if after is None:
        return None
    moment, last_id = decode_cursor(after, 2)
    try:
        return dt.datetime.fromisoformat(moment), last_id
    except ValueError:
        raise InvalidFormat("not a cursor returned by this library", field="after") from None
