"""``crm.privacy.retention``: stored retention policies, legal holds, notices, and the sweep.

Policies are stored (``retention_policies``), so every process (the CLI, a scheduled job) sweeps
by the same ones. Per policy the sweep reads each record's clock from the store
(:mod:`globalcrm.storage.retention_sql`) and :func:`~globalcrm.privacy.retention.decide` says,
on the wall clock of the policy's zone (exact across summer-time changes), who is told first
(a pre-notice: a ``retention_notices`` row, and the ``globalcrm_retention_notice`` hook after
the commit), who is acted on, who waits out their notice and who is under a legal hold. Then it
acts one batch per transaction, deciding each batch again inside it: ``erase`` as
``crm.privacy.erase``, ``shred`` destroys the subject's key, ``delete`` and ``anonymise`` change
interactions and closed requests as the registry says, ``review`` only lists. A dry run takes
the same decision and changes nothing. An interrupted sweep is resumed by running it again:
what was done is no longer due, and who was told is not told again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import attrs

from globalcrm import _checks
from globalcrm.crm import erasure as _erasure
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.audit import record_audit
from globalcrm.errors import InvalidFormat
from globalcrm.identifiers import check_id, new_id
from globalcrm.pagination import check_limit
from globalcrm.privacy.retention import (
    Decision,
    LegalHold,
    Notice,
    PolicyOutcome,
    RetentionNotice,
    RetentionPolicy,
    SweepReport,
    decide,
)
from globalcrm.storage import retention_sql
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["Retention"]

Progress = Callable[[int, int], None]
_ERASED_WITH_THE_CUSTOMER = frozenset({"customer", "interactions", "consent_evidence"})
"""Scopes whose records a customer's erasure removes or empties (their rows, their key)."""


@attrs.frozen(kw_only=True)
class _Plan:
    """One policy's decision at the sweep's instant, and what acting on it covers."""

    rule: RetentionPolicy
    records: tuple[str, ...]
    """What acting takes in batches: subject ids, or row ids where each row has its own clock."""
    subjects: tuple[str, ...]
    rows: int
    notify: tuple[Notice, ...]
    waiting: tuple[str, ...]
    held: tuple[str, ...]

    @property
    def policy(self) -> str:
        """The policy's name."""
        return self.rule.name

    @property
    def action(self) -> str:
        """The policy's action."""
        return self.rule.action


class Retention:
    """Retention policies and legal holds of one tenant, and the sweep that applies them."""

    def __init__(self, context: Context) -> None:
        self._context = context

    # ------------------------------------------------------------------ policies

    def set_policy(self, policy: RetentionPolicy) -> RetentionPolicy:
        """Store a policy (one of that name is replaced; its notices still count)."""
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

    # ------------------------------------------------------------------ notices

    def notices(self, customer: object = None) -> list[RetentionNotice]:
        """Pre-erasure notices the sweep recorded (all, or one customer's), oldest first."""
        subject = None if customer is None else customer_id_of(customer)
        with self._context.work(write=False) as uow:
            return _erasure.repository(uow, self._context).notices(subject_ref=subject)

    # ------------------------------------------------------------------ the sweep

    def sweep(
        self,
        *,
        now: object = None,
        dry_run: bool = False,
        batch_size: int = 500,
        on_progress: Progress | None = None,
    ) -> SweepReport:
        """Apply every stored policy at ``now``: one transaction per ``batch_size`` records.

        Pre-erasure notices go out first (recorded, then the hook after each commit); then each
        batch is decided again inside its transaction and acted on. ``on_progress(done,
        total)`` is called after each batch (notices and acts). A dry run reports the same
        notices, subjects and counts and changes nothing.
        """
        stamp = self._context.now(now)
        _checks.flag(dry_run, field="dry_run")
        size = check_limit(batch_size)
        if on_progress is not None and not callable(on_progress):
            raise InvalidFormat("expected a function taking (done, total)", field="on_progress")
        with self._context.work(write=False) as uow:
            store = _erasure.repository(uow, self._context)
            holds = [hold for _, hold in store.holds()]
            plans = []
            erasing: set[str] = set()  # customers an earlier policy of this sweep erases
            for policy in store.policies():
                plans.append(self._plan(uow, policy, stamp, holds, erasing))
                if policy.scope == "customer" and policy.action == "erase":
                    erasing.update(plans[-1].subjects)
        total = sum(len(plan.notify) + len(plan.records) for plan in plans)
        outcomes = []
        done = 0
        for plan in plans:
            acted = 0
            noticed: list[str] = []
            if dry_run or plan.action == "review":
                noticed = [notice.subject for notice in plan.notify]
                done += len(plan.notify) + len(plan.records)
                if on_progress is not None and (plan.notify or plan.records):
                    on_progress(done, total)
            else:
                for start in range(0, len(plan.notify), size):
                    chunk = plan.notify[start : start + size]
                    noticed += self._notify(plan, chunk, stamp)
                    done += len(chunk)
                    if on_progress is not None:
                        on_progress(done, total)
                for start in range(0, len(plan.records), size):
                    batch = plan.records[start : start + size]
                    acted += self._act(plan, batch, stamp)
                    done += len(batch)
                    if on_progress is not None:
                        on_progress(done, total)
            outcomes.append(
                PolicyOutcome(
                    policy=plan.policy,
                    scope=plan.rule.scope,
                    action=plan.action,
                    subjects=plan.subjects,
                    records=plan.rows,
                    held=plan.held,
                    noticed=tuple(noticed),
                    waiting=plan.waiting,
                    acted=acted,
                )
            )
        return SweepReport(at=stamp, dry_run=dry_run, outcomes=tuple(outcomes))

    def _decision(
        self,
        uow: UnitOfWork,
        policy: RetentionPolicy,
        now: dt.datetime,
        holds: list[LegalHold],
        only: Sequence[str] | None = None,
    ) -> Decision:
        assert uow.session is not None  # noqa: S101
        clocks = retention_sql.clocks(uow.session, self._context.tenant, policy, now, only=only)
        noticed = {}
        if policy.pre_notice is not None:
            subjects = [clock.subject for clock in clocks if clock.subject is not None]
            noticed = _erasure.repository(uow, self._context).noticed(policy.name, subjects)
        return decide(policy, clocks, now, holds=holds, noticed=noticed)

    def _plan(
        self,
        uow: UnitOfWork,
        policy: RetentionPolicy,
        now: dt.datetime,
        holds: list[LegalHold],
        erasing: set[str],
    ) -> _Plan:
        """The policy's decision, less what an earlier policy of the sweep erases.

        Erasure already removes or empties what a later policy would act on for those
        customers (their interactions, their key), so the dry run counts what the real run
        does; closed requests and audit entries outlive erasure and stay in.
        """
        decision = self._decision(uow, policy, now, holds)
        gone = erasing if policy.scope in _ERASED_WITH_THE_CUSTOMER else set()
        act = [clock for clock in decision.act if clock.subject not in gone]
        records = tuple(clock.record for clock in act)
        assert uow.session is not None  # noqa: S101
        return _Plan(
            rule=policy,
            records=records,
            subjects=tuple(sorted({c.subject for c in act if c.subject is not None})),
            rows=retention_sql.count_records(uow.session, self._context.tenant, policy, records),
            notify=tuple(notice for notice in decision.notify if notice.subject not in gone),
            waiting=decision.waiting,
            held=decision.held,
        )

    def _again(
        self, uow: UnitOfWork, plan: _Plan, records: Sequence[str], now: dt.datetime
    ) -> Decision:
        """The plan's decision for ``records`` taken again inside the writing transaction.

        Nothing stale is acted on: a customer who came back, a consent given again, a hold
        placed or a notice sent by another sweep since the plan was made all count.
        """
        if plan.rule.trigger == "consent_withdrawn":
            uow.consent.lock()  # no consent is recorded until this batch commits
        store = _erasure.repository(uow, self._context)
        holds = [hold for _, hold in store.holds()]
        return self._decision(uow, plan.rule, now, holds, only=records)

    def _notify(self, plan: _Plan, chunk: tuple[Notice, ...], now: dt.datetime) -> list[str]:
        with self._context.work() as uow:
            again = self._again(uow, plan, [notice.subject for notice in chunk], now)
            still = {notice.subject for notice in again.notify}
            sent = [
                RetentionNotice(
                    policy=plan.policy, subject_ref=n.subject, noticed_at=now, due_at=n.due_at
                )
                for n in chunk
                if n.subject in still
            ]
            _erasure.repository(uow, self._context).save_notices(sent)
            record_audit(
                uow, self._context, "retention.noticed", "retention_policy", plan.policy,
                None, {"count": len(sent)},
            )
            for notice in sent:
                self._context.after_commit(  # hook
                    uow, "globalcrm_retention_notice", customer_id=notice.subject_ref,
                    policy=plan.policy, due_at=notice.due_at,
                )
        return [notice.subject_ref for notice in sent]

    def _act(self, plan: _Plan, subjects: tuple[str, ...], now: dt.datetime) -> int:
        """Act on one batch (``subjects``: the plan's records) in one transaction."""
        with self._context.work() as uow:
            due = {clock.record for clock in self._again(uow, plan, subjects, now).act}
            subjects = tuple(record for record in subjects if record in due)
            if plan.action == "erase":  # the batch at once, as crm.privacy.erase_many
                _erasure.erase_many(uow, self._context, list(subjects), now=now,
                                    request_ref=f"retention:{plan.policy}")
                count = len(subjects)
            elif plan.action == "shred":
                for subject in subjects:
                    uow.subject_keys.destroy(subject, at=now)
                count = len(subjects)
            else:  # delete or anonymise rows: interactions, closed requests
                assert uow.session is not None  # noqa: S101
                count = retention_sql.act(
                    uow.session, self._context.tenant, plan.rule, subjects, now=now
                )
            record_audit(
                uow, self._context, f"retention.{plan.action}", "retention_policy", plan.policy,
                None, {"count": count, "scope": plan.rule.scope},
            )
        return count
