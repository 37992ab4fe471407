"""``crm.privacy.retention``: stored retention policies, legal holds, and the batch sweep.

Policies are stored (``retention_policies``), so every process (the CLI, a scheduled job) sweeps
by the same ones. The sweep finds, per policy, the customers whose clock ran out
(:meth:`~globalcrm.privacy.retention.RetentionPolicy.is_due`, on the wall clock of the policy's
zone, exact across summer-time changes), leaves out those under a legal hold, and acts one batch
per transaction: ``erase`` as ``crm.privacy.erase``, ``shred`` destroys the data key, ``review``
only lists. A dry run computes the same lists and acts on none. An interrupted sweep is resumed
by running it again: what was done is no longer due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from globalcrm import _checks
from globalcrm.crm import erasure as _erasure
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.audit import record_audit
from globalcrm.errors import InvalidFormat
from globalcrm.identifiers import check_id, new_id
from globalcrm.pagination import check_limit
from globalcrm.privacy.retention import (
    LegalHold,
    PolicyOutcome,
    RetentionPolicy,
    SweepReport,
    due_subjects,
)
from globalcrm.storage import tables
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["SWEPT_TRIGGERS", "Retention"]

SWEPT_TRIGGERS = ("created", "last_interaction", "last_purchase")
"""Triggers the sweep reads from the store for customer policies (others are listed, skipped)."""
_SWEPT_ACTIONS = ("erase", "shred", "review")

Progress = Callable[[int, int], None]


class Retention:
    """Retention policies and legal holds of one tenant, and the sweep that applies them."""

    def __init__(self, context: Context) -> None:
        self._context = context

    # ------------------------------------------------------------------ policies

    def set_policy(self, policy: RetentionPolicy) -> RetentionPolicy:
        """Store a policy (one of that name is replaced)."""
        if not isinstance(policy, RetentionPolicy):
            raise InvalidFormat("expected a RetentionPolicy", field="policy")
        with self._context.work() as uow:
            _erasure.repository(uow, self._context).save_policy(policy)
            record_audit(
                uow, self._context, "retention.policy_set", "retention_policy", policy.name,
                None, {"duration": policy.duration, "action": policy.action},
            )
        return policy

    def remove_policy(self, name: str) -> None:
        """Delete a stored policy (``NotFound`` if there is none of that name)."""
        chosen = _checks.code(name, field="name")
        with self._context.work() as uow:
            _erasure.repository(uow, self._context).remove_policy(chosen)
            record_audit(
                uow, self._context, "retention.policy_removed", "retention_policy", chosen,
                None, {},
            )

    def policies(self) -> list[RetentionPolicy]:
        """The stored policies, by name."""
        with self._context.work(write=False) as uow:
            return _erasure.repository(uow, self._context).policies()

    # ------------------------------------------------------------------ legal holds

    def place_hold(
        self, customer: object, *, reason: str, cite: str, now: object = None
    ) -> str:
        """Put a customer under a legal hold from ``now``; returns the hold's id.

        While it applies, erasure restricts instead of erasing and the sweep passes them by.
        """
        subject = customer_id_of(customer)
        hold = LegalHold(
            subject_ref=subject, reason=reason, cite=cite, placed_at=self._context.now(now)
        )
        hold_id = new_id()
        with self._context.work() as uow:
            uow.customers.get(subject)
            _erasure.repository(uow, self._context).place_hold(hold_id, hold)
            record_audit(
                uow, self._context, "legal_hold.placed", "legal_hold", hold_id, subject,
                {"cite": hold.cite},
            )
        return hold_id

    def release_hold(self, hold_id: str, *, now: object = None) -> LegalHold:
        """End a legal hold at ``now``."""
        chosen = check_id(hold_id, field="hold")
        stamp = self._context.now(now)
        with self._context.work() as uow:
            hold = _erasure.repository(uow, self._context).release_hold(chosen, at=stamp)
            record_audit(
                uow, self._context, "legal_hold.released", "legal_hold", chosen,
                hold.subject_ref, {},
            )
        return hold

    def holds(self, customer: object = None) -> list[tuple[str, LegalHold]]:
        """Stored holds with their ids (all, or one customer's), oldest first."""
        subject = None if customer is None else customer_id_of(customer)
        with self._context.work(write=False) as uow:
            return _erasure.repository(uow, self._context).holds(subject_ref=subject)

    # ------------------------------------------------------------------ the sweep

    def sweep(
        self,
        *,
        now: object = None,
        dry_run: bool = False,
        batch_size: int = 500,
        on_progress: Progress | None = None,
    ) -> SweepReport:
        """Apply every stored policy at ``now``: one transaction per ``batch_size`` customers.

        ``on_progress(done, total)`` is called after each batch. A dry run reports the same
        subjects and counts and changes nothing.
        """
        stamp = self._context.now(now)
        _checks.flag(dry_run, field="dry_run")
        size = check_limit(batch_size)
        if on_progress is not None and not callable(on_progress):
            raise InvalidFormat("expected a function taking (done, total)", field="on_progress")
        with self._context.work(write=False) as uow:
            store = _erasure.repository(uow, self._context)
            holds = [hold for _, hold in store.holds()]
            plans = [self._plan(uow, policy, stamp, holds) for policy in store.policies()]
        total = sum(len(plan.subjects) for plan in plans if plan.skipped is None)
        outcomes = []
        done = 0
        for plan in plans:
            acted = 0
            if not dry_run and plan.skipped is None and plan.action != "review":
                for start in range(0, len(plan.subjects), size):
                    chunk = plan.subjects[start : start + size]
                    acted += self._act(plan, chunk, stamp)
                    done += len(chunk)
                    if on_progress is not None:
                        on_progress(done, total)
            elif plan.skipped is None:
                done += len(plan.subjects)
                if on_progress is not None and plan.subjects:
                    on_progress(done, total)
            outcomes.append(
                PolicyOutcome(
                    policy=plan.policy,
                    action=plan.action,
                    subjects=plan.subjects,
                    held=plan.held,
                    acted=acted if not dry_run else 0,
                    skipped=plan.skipped,
                )
            )
        return SweepReport(at=stamp, dry_run=dry_run, outcomes=tuple(outcomes))

    def _plan(
        self, uow: UnitOfWork, policy: RetentionPolicy, now: dt.datetime, holds: list[LegalHold]
    ) -> PolicyOutcome:
        skipped = None
        if policy.scope != "customer":
            skipped = f"the sweep does not act on scope {policy.scope!r} yet"
        elif policy.trigger not in SWEPT_TRIGGERS:
            skipped = f"the sweep does not read the trigger {policy.trigger!r} yet"
        elif policy.action not in _SWEPT_ACTIONS:
            skipped = f"the sweep does not {policy.action} whole customers"
        if skipped is not None:
            return PolicyOutcome(
                policy=policy.name, action=policy.action, subjects=(), held=(), acted=0,
                skipped=skipped,
            )
        triggers = _triggers(uow, self._context.tenant, policy, now)
        due, on_hold = due_subjects(policy, triggers, now, holds)
        return PolicyOutcome(
            policy=policy.name, action=policy.action, subjects=tuple(due), held=tuple(on_hold),
            acted=0,
        )

    def _act(self, plan: PolicyOutcome, subjects: tuple[str, ...], now: dt.datetime) -> int:
        with self._context.work() as uow:
            if plan.action == "erase":  # the batch at once, as crm.privacy.erase_many
                _erasure.erase_many(uow, self._context, list(subjects), now=now,
                                    request_ref=f"retention:{plan.policy}")
            else:  # shred
                for subject in subjects:
                    uow.subject_keys.destroy(subject, at=now)
            record_audit(
                uow, self._context, f"retention.{plan.action}", "retention_policy", plan.policy,
                None, {"count": len(subjects)},
            )
        return len(subjects)


def _triggers(
    uow: UnitOfWork, tenant: str, policy: RetentionPolicy, now: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    """(customer id, when its clock started) for the customers that may be due at ``now``."""
    assert uow.session is not None  # noqa: S101
    c = tables.customers.c
    started: Any
    query: Any
    if policy.trigger == "created":
        started = c.created_at
        query = select(c.id, started.label("started")).where(c.tenant == tenant)
    else:
        source = tables.interactions if policy.trigger == "last_interaction" else tables.purchases
        s = source.c
        latest = (
            select(s.customer_id, func.max(s.occurred_at).label("latest"))
            .where(s.tenant == tenant)
            .group_by(s.customer_id)
            .subquery()
        )
        started = func.coalesce(latest.c.latest, c.created_at)
        query = (
            select(c.id, started.label("started"))
            .select_from(tables.customers.outerjoin(latest, latest.c.customer_id == c.id))
            .where(c.tenant == tenant)
        )
    if policy.action == "shred":
        k = tables.subject_keys.c
        live = select(k.subject_ref).where(k.tenant == tenant, k.destroyed_at.is_(None))
        query = query.where(c.id.in_(live))
    bound = policy.candidates_before(now)
    rows = uow.session.execute(query.where(started < bound))
    return [(row.id, _checks.aware_utc(_utc(row.started), field="started")) for row in rows]


def _utc(value: Any) -> Any:
    """A timestamp from an aggregate (SQLite returns text, PostgreSQL an aware datetime)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value
