"""Tombstones, suppression digests, legal holds, retention policies and notices, in SQL.

The tombstone of an erased subject (``erasures``) holds its id, when, the request and the
report (counts and grounds, no personal values): ``replay_erasures`` re-applies erasures from it
after a restore. Suppression digests (``suppressions``) are keyed hashes of erased addresses with
no link to the subject.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, delete, func, insert, select, update
from sqlalchemy.orm import Session

from globalcrm.errors import GlobalCRMError, NotFound, StorageError
from globalcrm.identifiers import new_id
from globalcrm.privacy.erasure import SUPPRESSED_KINDS, ErasureReport
from globalcrm.privacy.retention import LegalHold, RetentionNotice, RetentionPolicy
from globalcrm.storage import bulk, tables

__all__ = ["ErasureRepository"]


def _insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows: one through SQLAlchemy, many by the driver (``executemany`` or ``COPY``)."""
    if len(rows) == 1:
        session.execute(insert(table).values(rows[0]))
    elif rows:
        in_order = operator.itemgetter(*(column.name for column in table.columns))
        bulk.insert_rows(session.connection(), table, [in_order(row) for row in rows])


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), 500):
        yield items[start : start + 500]


class ErasureRepository:
    """A tenant's erasure log, suppression list, legal holds, retention policies and notices."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    # ------------------------------------------------------------------ tombstones

    def tombstone(self, subject_ref: str) -> ErasureReport | None:
        """The stored report of the subject's erasure (or restriction), if any."""
        e = tables.erasures.c
        row = self._session.execute(
            select(e.report).where(e.tenant == self._tenant, e.subject_ref == subject_ref)
        ).first()
        return None if row is None else self._report(row.report, subject_ref)

    @staticmethod
    def _report(value: Any, subject_ref: str) -> ErasureReport:
        try:
            return ErasureReport.from_json(value)
        except (ValueError, TypeError):
            raise StorageError("erasures row cannot be read: it was altered") from None

    def save_tombstone(self, report: ErasureReport) -> None:
        """Insert or replace the subject's tombstone."""
        e = tables.erasures.c
        values = {
            "status": report.status,
            "erased_at": report.erased_at,
            "request_ref": report.request_ref,
            "report": report.to_json(),
        }
        changed = self._session.execute(
            update(tables.erasures)
            .where(e.tenant == self._tenant, e.subject_ref == report.subject_ref)
            .values(values)
        )
        if not getattr(changed, "rowcount", 0):
            self._session.execute(
                insert(tables.erasures).values(
                    tenant=self._tenant, subject_ref=report.subject_ref, **values
                )
            )

    def tombstones_of(self, subject_refs: Iterable[str]) -> dict[str, ErasureReport]:
        """The tombstones of many subjects (those that have one): one query per 500."""
        e = tables.erasures.c
        found: dict[str, ErasureReport] = {}
        for chunk in _chunks(subject_refs):
            rows = self._session.execute(
                select(e.subject_ref, e.report).where(
                    e.tenant == self._tenant, e.subject_ref.in_(chunk)
                )
            )
            for row in rows:
                found[row.subject_ref] = self._report(row.report, row.subject_ref)
        return found

    def save_tombstones(self, reports: Sequence[ErasureReport]) -> None:
        """Insert or replace many tombstones: the old ones deleted, the new inserted at once."""
        e = tables.erasures.c
        for chunk in _chunks(report.subject_ref for report in reports):
            self._session.execute(
                delete(tables.erasures).where(e.tenant == self._tenant, e.subject_ref.in_(chunk))
            )
        rows = [
            {
                "tenant": self._tenant,
                "subject_ref": report.subject_ref,
                "status": report.status,
                "erased_at": report.erased_at,
                "request_ref": report.request_ref,
                "report": report.to_json(),
            }
            for report in reports
        ]
        _insert(self._session, tables.erasures, rows)

    def tombstones(self) -> list[ErasureReport]:
        """Every tombstone of the tenant, oldest first."""
        e = tables.erasures.c
        rows = self._session.execute(
            select(e.subject_ref, e.report)
            .where(e.tenant == self._tenant)
            .order_by(e.erased_at, e.subject_ref)
        )
        return [self._report(row.report, row.subject_ref) for row in rows]

    # ------------------------------------------------------------------ suppression

    def suppress(self, digests: Iterable[tuple[str, str]], *, at: dt.datetime) -> int:
        """Add (digest, kind) pairs not yet listed; returns how many were new."""
        return self.suppress_many([digests], at=at)[0]

    def suppress_many(
        self, batches: Sequence[Iterable[tuple[str, str]]], *, at: dt.datetime
    ) -> list[int]:
        """Add each batch's (digest, kind) pairs not yet listed, in order; how many each added.

        One lookup and one insert for all: a digest listed by an earlier batch (two customers
        who shared an address) is not new for a later one, as if they were added one by one.
        """
        wanted = [dict(batch) for batch in batches]
        known = self.suppressed(sorted({digest for batch in wanted for digest in batch}))
        counts = []
        new: dict[str, str] = {}
        for batch in wanted:
            added = {d: k for d, k in batch.items() if d not in known and d not in new}
            new.update(added)
            counts.append(len(added))
        _insert(self._session, tables.suppressions, [
            {"tenant": self._tenant, "digest": d, "kind": k, "created_at": at}
            for d, k in sorted(new.items())
        ])
        return counts

    def contact_keys(self, customer_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """The stored customers among ``customer_ids``, with their e-mail and phone search keys.

        The (kind, key) pairs of the suppressed kinds are what erasure puts on the list. One
        query per 500 ids: the customer rows, joined to their search keys of those kinds.
        """
        c, k = tables.customers.c, tables.customer_keys.c
        found: dict[str, list[tuple[str, str]]] = {}
        joined = tables.customers.outerjoin(
            tables.customer_keys,
            and_(k.customer_id == c.id, k.tenant == c.tenant, k.kind.in_(SUPPRESSED_KINDS)),
        )
        for chunk in _chunks(customer_ids):
            rows = self._session.execute(
                select(c.id, k.kind, k.key)
                .select_from(joined)
                .where(c.tenant == self._tenant, c.id.in_(chunk))
            )
            for row in rows:
                keys = found.setdefault(row.id, [])
                if row.kind is not None:
                    keys.append((str(row.kind), str(row.key)))
        return found

    def suppressed(self, digests: Sequence[str]) -> set[str]:
        """Which of ``digests`` are on the suppression list."""
        s = tables.suppressions.c
        found: set[str] = set()
        for start in range(0, len(digests), 500):
            chunk = list(digests[start : start + 500])
            found.update(
                self._session.execute(
                    select(s.digest).where(s.tenant == self._tenant, s.digest.in_(chunk))
                ).scalars()
            )
        return found

    def any_suppressed(self) -> bool:
        """Whether the tenant's suppression list has any entry (skips the digests otherwise)."""
        s = tables.suppressions.c
        row = self._session.execute(
            select(s.digest).where(s.tenant == self._tenant).limit(1)
        ).first()
        return row is not None

    # ------------------------------------------------------------------ legal holds

    def place_hold(self, hold_id: str, hold: LegalHold) -> None:
        """Store a legal hold."""
        self._session.execute(
            insert(tables.legal_holds).values(
                id=hold_id,
                tenant=self._tenant,
                subject_ref=hold.subject_ref,
                reason=hold.reason,
                cite=hold.cite,
                placed_at=hold.placed_at,
                released_at=hold.released_at,
            )
        )

    def release_hold(self, hold_id: str, *, at: dt.datetime) -> LegalHold:
        """Set the release instant of a hold; ``NotFound`` if the tenant has no such hold."""
        h = tables.legal_holds.c
        changed = self._session.execute(
            update(tables.legal_holds)
            .where(h.tenant == self._tenant, h.id == hold_id, h.released_at.is_(None))
            .values(released_at=at)
        )
        if not getattr(changed, "rowcount", 0):
            raise NotFound("no such legal hold in force", field="hold")
        return self.holds(ids=[hold_id])[0][1]

    def holds(
        self, *, subject_ref: str | None = None, ids: Sequence[str] | None = None
    ) -> list[tuple[str, LegalHold]]:
        """Stored holds (all, one subject's, or by id), with their ids, oldest first."""
        h = tables.legal_holds.c
        query = select(tables.legal_holds).where(h.tenant == self._tenant)
        if subject_ref is not None:
            query = query.where(h.subject_ref == subject_ref)
        if ids is not None:
            query = query.where(h.id.in_(list(ids)))
        rows = self._session.execute(query.order_by(h.placed_at, h.id))
        return [
            (
                row.id,
                LegalHold(
                    subject_ref=row.subject_ref,
                    reason=row.reason,
                    cite=row.cite,
                    placed_at=row.placed_at,
                    released_at=row.released_at,
                ),
            )
            for row in rows
        ]

    # ------------------------------------------------------------------ retention policies

    def save_policy(self, policy: RetentionPolicy) -> None:
        """Insert or replace a retention policy (by name)."""
        p = tables.retention_policies.c
        document = {
            "scope": policy.scope,
            "trigger": policy.trigger,
            "duration": policy.duration,
            "action": policy.action,
            "cite": policy.cite,
            "time_zone": policy.time_zone,
            "pre_notice": policy.pre_notice,
        }
        self._session.execute(
            delete(tables.retention_policies).where(
                p.tenant == self._tenant, p.name == policy.name
            )
        )
        self._session.execute(
            insert(tables.retention_policies).values(
                tenant=self._tenant, name=policy.name, document=document
            )
        )

    def remove_policy(self, name: str) -> None:
        """Delete a policy; ``NotFound`` if there is none of that name."""
        p = tables.retention_policies.c
        gone = self._session.execute(
            delete(tables.retention_policies).where(p.tenant == self._tenant, p.name == name)
        )
        if not getattr(gone, "rowcount", 0):
            raise NotFound("no such retention policy", field="name")

    def policies(self) -> list[RetentionPolicy]:
        """The tenant's retention policies, by name."""
        p = tables.retention_policies.c
        rows = self._session.execute(
            select(p.name, p.document).where(p.tenant == self._tenant).order_by(p.name)
        )
        found = []
        for row in rows:
            try:
                found.append(RetentionPolicy(name=row.name, **row.document))
            except GlobalCRMError as error:  # stored before the combinations were checked
                raise StorageError(
                    f"retention policy {row.name!r} is not one the sweep can apply "
                    f"({error.field}: {error.message}); set it again or remove it"
                ) from None
            except (ValueError, TypeError):
                message = "retention_policies row cannot be read: it was altered"
                raise StorageError(message) from None
        return found

    # ------------------------------------------------------------------ pre-erasure notices

    def noticed(self, policy: str, subjects: Sequence[str]) -> dict[str, dt.datetime]:
        """The newest notice under ``policy`` per subject of ``subjects`` that has one."""
        n = tables.retention_notices.c
        found: dict[str, dt.datetime] = {}
        wanted = sorted(set(subjects))
        for start in range(0, len(wanted), 500):
            rows = self._session.execute(
                select(n.subject_ref, func.max(n.noticed_at).label("latest"))
                .where(
                    n.tenant == self._tenant,
                    n.policy == policy,
                    n.subject_ref.in_(wanted[start : start + 500]),
                )
                .group_by(n.subject_ref)
            )
            for row in rows:
                latest = row.latest
                if isinstance(latest, str):  # SQLite returns an aggregate's instant as text
                    latest = dt.datetime.fromisoformat(latest)
                found[row.subject_ref] = (
                    latest.replace(tzinfo=dt.UTC) if latest.tzinfo is None
                    else latest.astimezone(dt.UTC)
                )
        return found

    def save_notices(self, notices: Sequence[RetentionNotice]) -> None:
        """Insert recorded notices."""
        if notices:
            self._session.execute(
                insert(tables.retention_notices),
                [
                    {
                        "id": new_id(),
                        "tenant": self._tenant,
                        "policy": notice.policy,
                        "subject_ref": notice.subject_ref,
                        "noticed_at": notice.noticed_at,
                        "due_at": notice.due_at,
                    }
                    for notice in notices
                ],
            )

    def notices(self, *, subject_ref: str | None = None) -> list[RetentionNotice]:
        """Recorded notices (all, or one subject's), oldest first."""
        n = tables.retention_notices.c
        query = select(tables.retention_notices).where(n.tenant == self._tenant)
        if subject_ref is not None:
            query = query.where(n.subject_ref == subject_ref)
        rows = self._session.execute(query.order_by(n.noticed_at, n.policy, n.subject_ref))
        return [
            RetentionNotice(
                policy=row.policy,
                subject_ref=row.subject_ref,
                noticed_at=row.noticed_at,
                due_at=row.due_at,
            )
            for row in rows
        ]
