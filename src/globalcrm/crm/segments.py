"""``crm.segments``: count and list a rule's members in one SQL query; saved segments, snapshots.

A rule is a :class:`globalcrm.segments.Rule`, its JSON form (a mapping), or the name of a saved
segment. Before the one statement runs, the facts it binds are read in the same transaction:
the newest active version of each purpose a consent rule names, and, for totals, the
conversion factor of each currency the tenant's purchases use (rates in force at ``now``; a
missing or stale rate is an error, never a silent zero).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm import segments as rules
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.exchange_rates import DEFAULT_MAX_AGE
from globalcrm.crm.privacy import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, RuleViolation
from globalcrm.exchange_rates import RateTable
from globalcrm.identifiers import check_id, new_id
from globalcrm.loyalty import DEFAULT_PROGRAM
from globalcrm.pagination import Page, check_limit
from globalcrm.privacy.consent import Purpose
from globalcrm.segments import Facts, Rule
from globalcrm.storage import segments_sql
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["SavedSegment", "Segments", "Snapshot", "SnapshotDiff"]

RuleLike = Rule | Mapping[str, Any] | str


@attrs.frozen
class SavedSegment:
    """A rule stored under a name; ``version`` goes up each time it is saved again."""

    name: str
    rule: Rule
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


@attrs.frozen
class Snapshot:
    """A segment's membership materialised at ``taken_at`` (with the rule as it was then)."""

    id: str
    segment: str
    taken_at: dt.datetime
    size: int
    rule: Rule


@attrs.frozen
class SnapshotDiff:
    """Who entered and who left between two snapshots (customer ids, in id order)."""

    old: str
    new: str
    entered: tuple[str, ...]
    left: tuple[str, ...]


def _name(value: object) -> str:
    return _checks.text(value, field="name", max_length=64)


class Segments:
    """Segments of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    # ------------------------------------------------------------------ saved segments

    def save(
        self, name: str, rule: Rule | Mapping[str, Any], *, now: object = None
    ) -> SavedSegment:
        """Store ``rule`` under ``name`` (replacing a segment of that name)."""
        key = _name(name)
        checked = rule if isinstance(rule, Rule) else rules.parse(rule)
        stamp = self._context.now(now)
        with self._context.work() as uow:
            version = uow.segments.save(key, checked.to_json(), now=stamp)
            record_audit(uow, self._context, "segment.saved", "segment", key, None,
                         {"version": version})
            return _saved(uow.segments.get(key))

    def get(self, name: str) -> SavedSegment:
        """The saved segment ``name``."""
        key = _name(name)
        with self._context.work(write=False) as uow:
            return _saved(uow.segments.get(key))

    def names(self) -> list[str]:
        """The names of the saved segments."""
        with self._context.work(write=False) as uow:
            return uow.segments.names()

    def delete(self, name: str) -> None:
        """Forget the saved segment ``name`` and its snapshots."""
        key = _name(name)
        with self._context.work() as uow:
            uow.segments.delete(key)
            record_audit(uow, self._context, "segment.deleted", "segment", key, None, {})

    # ------------------------------------------------------------------ membership

    def count(self, rule: RuleLike, *, now: object = None) -> int:
        """How many customers the rule selects at ``now``, counted by one SQL statement."""
        moment = self._context.now(now)
        with self._context.work(write=False) as uow:
            return uow.segments.count(self._condition(uow, rule, moment))

    def members(
        self,
        rule: RuleLike,
        *,
        now: object = None,
        after: str | None = None,
        limit: int = 50,
    ) -> Page[Customer]:
        """The customers the rule selects at ``now``, in id order, a keyset page at a time."""
        moment = self._context.now(now)
        limit = check_limit(limit)
        position = None if after is None else check_id(after, field="after")
        with self._context.work(write=False) as uow:
            found = uow.segments.members(
                self._condition(uow, rule, moment), after=position, limit=limit + 1
            )
        if len(found) > limit:
            return Page(found[:limit], found[limit - 1].id)
        return Page(found, None)

    def ids(
        self,
        rule: RuleLike,
        *,
        now: object = None,
        after: str | None = None,
        limit: int = 1000,
    ) -> Page[str]:
        """The ids of the customers the rule selects (cheaper than :meth:`members`)."""
        moment = self._context.now(now)
        limit = check_limit(limit)
        position = None if after is None else check_id(after, field="after")
        with self._context.work(write=False) as uow:
            found = uow.segments.ids(
                self._condition(uow, rule, moment), after=position, limit=limit + 1
            )
        if len(found) > limit:
            return Page(found[:limit], found[limit - 1])
        return Page(found, None)

    def iter_members(
        self, rule: RuleLike, *, now: object = None, batch_size: int = 500
    ) -> Iterator[Customer]:
        """Every customer the rule selects at ``now``, page by page (each page a transaction)."""
        moment = self._context.now(now)
        after: str | None = None
        while True:
            page = self.members(rule, now=moment, after=after, limit=batch_size)
            yield from page
            if page.next_cursor is None:
                return
            after = page.next_cursor

    def breakdown(self, rule: RuleLike, *, now: object = None, by: str = "country") -> dict[
        str, int
    ]:
        """The rule's members counted by ``country`` or ``language``."""
        if by not in ("country", "language"):
            raise InvalidFormat("expected country or language", field="by")
        moment = self._context.now(now)
        with self._context.work(write=False) as uow:
            return uow.segments.breakdown(self._condition(uow, rule, moment), by)

    def matches(self, rule: RuleLike, customer: Customer | str, *, now: object = None) -> bool:
        """The rule evaluated in memory for one stored customer, from the stored facts."""
        moment = self._context.now(now)
        customer_id = customer_id_of(customer)
        with self._context.work(write=False) as uow:
            checked = self._rule(uow, rule)
            person = uow.customers.get(customer_id)
            facts = self._facts(uow, checked, [person.id], moment)
        return checked.matches(person, facts, now=moment)

    # ------------------------------------------------------------------ snapshots

    def snapshot(self, name: str, *, now: object = None) -> Snapshot:
        """Materialise the saved segment's members at ``now`` (one ``INSERT ... SELECT``)."""
        key = _name(name)
        moment = self._context.now(now)
        with self._context.work() as uow:
            row = uow.segments.get(key)
            rule = rules.parse(row.rule)
            snapshot_id = new_id(moment)
            size = uow.segments.snapshot(
                snapshot_id, key, rule.to_json(), self._condition(uow, rule, moment), now=moment
            )
            record_audit(uow, self._context, "segment.snapshot", "segment", key, None,
                         {"snapshot": snapshot_id, "size": size})
            return Snapshot(snapshot_id, key, moment, size, rule)

    def snapshots(self, name: str) -> list[Snapshot]:
        """The snapshots of a saved segment, oldest first."""
        key = _name(name)
        with self._context.work(write=False) as uow:
            uow.segments.get(key)
            return [_snapshot(row) for row in uow.segments.snapshots(key)]

    def snapshot_members(
        self, snapshot: Snapshot | str, *, after: str | None = None, limit: int = 1000
    ) -> Page[str]:
        """The customer ids in a snapshot, in id order, a page at a time."""
        snapshot_id = _snapshot_id(snapshot)
        limit = check_limit(limit)
        position = None if after is None else check_id(after, field="after")
        with self._context.work(write=False) as uow:
            uow.segments.snapshot_row(snapshot_id)
            found = uow.segments.snapshot_members(snapshot_id, after=position, limit=limit + 1)
        if len(found) > limit:
            return Page(found[:limit], found[limit - 1])
        return Page(found, None)

    def diff(self, old: Snapshot | str, new: Snapshot | str) -> SnapshotDiff:
        """Who entered and who left between snapshot ``old`` and snapshot ``new``."""
        first, second = _snapshot_id(old), _snapshot_id(new)
        with self._context.work(write=False) as uow:
            uow.segments.snapshot_row(first)
            uow.segments.snapshot_row(second)
            entered = uow.segments.only_in(second, first)
            left = uow.segments.only_in(first, second)
        return SnapshotDiff(first, second, tuple(entered), tuple(left))

    # ------------------------------------------------------------------ compiling

    def _rule(self, uow: UnitOfWork, rule: RuleLike) -> Rule:
        if isinstance(rule, Rule):
            return rule
        if isinstance(rule, str):
            return rules.parse(uow.segments.get(_name(rule)).rule)
        if isinstance(rule, Mapping):
            return rules.parse(rule)
        raise InvalidFormat(
            f"expected a Rule, its JSON form or a segment name, got {type(rule).__name__}",
            field="rule",
        )

    def _condition(self, uow: UnitOfWork, rule: RuleLike, now: dt.datetime) -> Any:
        checked = self._rule(uow, rule)
        assert uow.session is not None  # noqa: S101
        inputs = segments_sql.SqlInputs(
            tenant=self._context.tenant,
            now=now,
            dialect=uow.session.get_bind().dialect.name,
            purposes=_purposes(uow, checked),
            factors=_factors(uow, checked, now, self._context.tenant),
        )
        return segments_sql.condition(checked, inputs)

    def _facts(
        self, uow: UnitOfWork, rule: Rule, customer_ids: list[str], now: dt.datetime
    ) -> Facts:
        kinds = {type(part) for part in rule.walk()}
        purposes = _purposes(uow, rule)
        events = []
        for key in purposes:
            for customer_id in customer_ids:
                events.extend(uow.consent.events(subject_ref=customer_id, purpose_key=key))
        totals = any(
            isinstance(part, rules.PurchaseRule) and part.measure == "total"
            for part in rule.walk()
        )
        return Facts(
            interactions=(
                uow.segments.interactions_of(customer_ids)
                if rules.InteractionRule in kinds else ()
            ),
            purchases=(
                uow.purchases.of_customers(customer_ids) if rules.PurchaseRule in kinds else ()
            ),
            consent_events=tuple(events),
            purposes=purposes,
            rates=_rate_table(uow, now) if totals else None,
            tiers=(
                uow.loyalty.tiers_of(customer_ids, DEFAULT_PROGRAM)
                if any(isinstance(p, rules.FieldRule) and p.field == "tier" for p in rule.walk())
                else {}
            ),
        )


def _purposes(uow: UnitOfWork, rule: Rule) -> dict[str, Purpose]:
    found: dict[str, Purpose] = {}
    for part in rule.walk():
        if isinstance(part, rules.ConsentRule) and part.purpose not in found:
            purpose = uow.purposes.get(part.purpose)
            if purpose.sells_or_shares and not purpose.requires_consent:
                raise RuleViolation(
                    "a segment cannot apply the minors' opt-in rule of a purpose that sells or "
                    "shares data; use crm.privacy.audience",
                    field="consent.purpose",
                )
            found[part.purpose] = purpose
    return found


def _rate_table(uow: UnitOfWork, now: dt.datetime) -> RateTable:
    table = RateTable(max_age=DEFAULT_MAX_AGE)
    table.extend(uow.exchange_rates.latest(now))
    return table


def _factors(
    uow: UnitOfWork, rule: Rule, now: dt.datetime, tenant: str
) -> dict[tuple[str, str], Decimal]:
    targets = sorted({
        part.currency
        for part in rule.walk()
        if isinstance(part, rules.PurchaseRule) and part.currency is not None
    })
    if not targets:
        return {}
    assert uow.session is not None  # noqa: S101
    sources = segments_sql.currencies_in_use(uow.session, tenant)
    table = _rate_table(uow, now) if set(sources) - set(targets) or len(targets) > 1 else None
    return {
        (source, target): rules.conversion_factor(source, target, rates=table, at=now)
        for target in targets
        for source in sources
    }


def _saved(row: Any) -> SavedSegment:
    return SavedSegment(row.name, rules.parse(row.rule), row.version, row.created_at,
                        row.updated_at)


def _snapshot(row: Any) -> Snapshot:
    return Snapshot(row.id, row.segment, row.taken_at, row.size, rules.parse(row.rule))


def _snapshot_id(snapshot: Snapshot | str) -> str:
    if isinstance(snapshot, Snapshot):
        return snapshot.id
    return check_id(snapshot, field="snapshot")
