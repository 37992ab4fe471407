"""The consent ledger, its projection, purposes, notices, keys, tokens and the audit log in SQL.

Both chains (consent ledger and audit log) are append-only per tenant: an append locks the
chain's head row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
serialises writers), so concurrent writers never lose an event or fork the chain.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from globalcrm.errors import Conflict, NotFound
from globalcrm.privacy.audit_log import GENESIS_HASH, AuditEntry, canonical_json
from globalcrm.privacy.consent import (
    ConsentEvent,
    ConsentStatus,
    Purpose,
    SealedEvidence,
    SubjectKey,
    TokenChallenge,
    advance,
    fold,
)
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.storage import tables

__all__ = ["PrivacyRepository"]

_TIMES = ("occurred_at", "valid_from", "valid_until", "confirmed_at")
_NO_POINT = ""


def _time(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def _event_from_row(row: Any) -> ConsentEvent:
    document = json.loads(row.document)
    for name in _TIMES:
        document[name] = _time(document.get(name))
    document["regimes"] = tuple(document.get("regimes") or ())
    document["bundled_with"] = tuple(document.get("bundled_with") or ())
    sealed = document.pop("evidence", None)
    evidence = None
    if sealed:
        _, key_id, blob = sealed.split(":", 2)
        evidence = SealedEvidence(key_id, base64.b64decode(blob))
    return ConsentEvent(
        **document,
        evidence=evidence,
        seq=row.seq,
        recorded_at=row.recorded_at,
        prev_hash=bytes(row.prev_hash),
        entry_hash=bytes(row.entry_hash),
    )


def _purpose_document(purpose: Purpose) -> dict[str, Any]:
    data = {a.name: getattr(purpose, a.name) for a in attrs.fields(Purpose)}
    data["channels"] = list(purpose.channels)
    data["categories"] = sorted(purpose.categories)
    return data


def _purpose_from_document(document: dict[str, Any]) -> Purpose:
    data = dict(document)
    data["channels"] = tuple(data.get("channels") or ())
    data["categories"] = frozenset(data.get("categories") or ())
    return Purpose(**data)


def _notice_document(notice: NoticeVersion) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        canonical_json({a.name: getattr(notice, a.name) for a in attrs.fields(NoticeVersion)})
    )
    return data


def _notice_from_document(document: dict[str, Any]) -> NoticeVersion:
    data = dict(document)
    for name in ("effective_from", "effective_to", "published_at"):
        data[name] = _time(data.get(name))
    data["jurisdictions"] = tuple(data.get("jurisdictions") or ())
    return NoticeVersion(**data)


class PrivacyRepository:
    """Consent, notices, keys, tokens and audit entries of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    # ------------------------------------------------------------------ purposes and notices

    def add_purpose(self, purpose: Purpose) -> None:
        """Store a purpose version; a version already stored is a ``Conflict``."""
        p = tables.purposes.c
        found = self._session.execute(
            select(p.key).where(
                p.tenant == self._tenant, p.key == purpose.key, p.version == purpose.version
            )
        ).first()
        if found is not None:
            raise Conflict("this purpose version is already stored", field="purpose.version")
        self._session.execute(
            insert(tables.purposes).values(
                tenant=self._tenant,
                key=purpose.key,
                version=purpose.version,
                status=purpose.status,
                document=_purpose_document(purpose),
            )
        )

    def set_purpose_status(self, purpose: Purpose) -> None:
        """Store a purpose's new status (activation, retirement): the only change allowed."""
        p = tables.purposes.c
        self._session.execute(
            update(tables.purposes)
            .where(p.tenant == self._tenant, p.key == purpose.key, p.version == purpose.version)
            .values(status=purpose.status, document=_purpose_document(purpose))
        )

    def purpose(self, key: str, version: int | None = None) -> Purpose:
        """A purpose version, or (``version=None``) the newest active one."""
        p = tables.purposes.c
        query = select(p.document).where(p.tenant == self._tenant, p.key == key)
        if version is None:
            query = query.where(p.status == "active").order_by(p.version.desc()).limit(1)
        else:
            query = query.where(p.version == version)
        row = self._session.execute(query).first()
        if row is None:
            raise NotFound("no such purpose (or no active version)", field="purpose")
        return _purpose_from_document(row.document)

    def purposes(self) -> list[Purpose]:
        """Every purpose version of the tenant."""
        p = tables.purposes.c
        query = select(p.document).where(p.tenant == self._tenant).order_by(p.key, p.version)
        return [_purpose_from_document(row.document) for row in self._session.execute(query)]

    def add_notice(self, notice: NoticeVersion) -> None:
        """Store a published notice version."""
        self._session.execute(
            insert(tables.notices).values(
                id=notice.id,
                tenant=self._tenant,
                notice_key=notice.notice_key,
                version=notice.version,
                language=notice.language,
                content_sha256=notice.content_sha256,
                document=_notice_document(notice),
            )
        )

    def notice(self, notice_id: str) -> NoticeVersion:
        """A stored notice version by id."""
        n = tables.notices.c
        row = self._session.execute(
            select(n.document).where(n.tenant == self._tenant, n.id == notice_id)
        ).first()
        if row is None:
            raise NotFound("no such notice version", field="notice_id")
        return _notice_from_document(row.document)

    # ------------------------------------------------------------------ chains

    def _head(self, ledger: str) -> tuple[int, bytes]:
        """Lock the head of a chain and return (next seq, last hash)."""
        h = tables.ledger_heads.c
        query = select(h.next_seq, h.last_hash).where(h.tenant == self._tenant, h.ledger == ledger)
        row = self._session.execute(query.with_for_update()).first()
        if row is None:
            try:  # the chain's first append; a concurrent first append may win the insert
                with self._session.begin_nested():
                    self._session.execute(
                        insert(tables.ledger_heads).values(
                            tenant=self._tenant,
                            ledger=ledger,
                            next_seq=0,
                            last_hash=GENESIS_HASH,
                        )
                    )
            except IntegrityError:
                # the other writer made the head row: lock it like any later append does
                self._session.expire_all()
            row = self._session.execute(query.with_for_update()).one()
        return int(row.next_seq), bytes(row.last_hash)

    def _advance(self, ledger: str, next_seq: int, last_hash: bytes) -> None:
        h = tables.ledger_heads.c
        self._session.execute(
            update(tables.ledger_heads)
            .where(h.tenant == self._tenant, h.ledger == ledger)
            .values(next_seq=next_seq, last_hash=last_hash)
        )

    # ------------------------------------------------------------------ the consent ledger

    def event_by_idempotency_key(self, key: str) -> ConsentEvent | None:
        """The event recorded under an idempotency key, if any."""
        e = tables.consent_events.c
        row = self._session.execute(
            select(tables.consent_events).where(e.tenant == self._tenant, e.idempotency_key == key)
        ).first()
        return None if row is None else _event_from_row(row)

    def append_event(self, event: ConsentEvent, *, now: dt.datetime) -> ConsentEvent:
        """Chain and insert ``event`` (its ``seq``, hashes and ``recorded_at`` are set here)."""
        seq, previous = self._head("consent")
        event.seq = seq
        event.recorded_at = now
        event.prev_hash = previous
        event.entry_hash = event.chained_hash()
        self._session.execute(
            insert(tables.consent_events).values(
                tenant=self._tenant,
                seq=seq,
                event_id=event.event_id,
                subject_ref=event.subject_ref,
                purpose_key=event.purpose_key,
                channel=event.channel,
                contact_point_ref=event.contact_point_ref or _NO_POINT,
                occurred_at=event.occurred_at,
                idempotency_key=event.idempotency_key,
                document=event.canonical_bytes().decode("utf-8"),
                recorded_at=now,
                prev_hash=event.prev_hash,
                entry_hash=event.entry_hash,
            )
        )
        self._advance("consent", seq + 1, event.entry_hash)
        self._refold(event)
        return event

    def _refold(self, event: ConsentEvent) -> None:
        """Bring the projection row of the event's key up to date.

        The usual event is the newest of its key: one step from the stored state. A late,
        older event (or one at the same instant) refolds the key's whole history from the
        ledger, so it can never override a newer one.
        """
        point = event.contact_point_ref or _NO_POINT
        s = tables.consent_states.c
        where = (
            s.tenant == self._tenant,
            s.subject_ref == event.subject_ref,
            s.purpose_key == event.purpose_key,
            s.channel == event.channel,
            s.contact_point_ref == point,
        )
        row = self._session.execute(select(tables.consent_states).where(*where)).first()
        current = None if row is None else _state_from_row(row)
        e = tables.consent_events.c
        newest = self._session.execute(
            select(func.max(e.occurred_at)).where(
                e.tenant == self._tenant,
                e.subject_ref == event.subject_ref,
                e.purpose_key == event.purpose_key,
                e.channel == event.channel,
                e.contact_point_ref == point,
                e.seq != event.seq,
            )
        ).scalar()
        # the stored state may be older than the key's newest event (a sticky objection keeps
        # its own time), so compare with the newest event the ledger holds for the key
        if newest is None or event.occurred_at > newest:
            state = advance(current, event)
        else:
            events = self.events(
                subject_ref=event.subject_ref,
                purpose_key=event.purpose_key,
                channel=event.channel,
                contact_point_ref=point,
            )
            state = fold(events).get((event.purpose_key, event.channel, event.contact_point_ref))
        self._session.execute(delete(tables.consent_states).where(*where))
        if state is not None:
            self._session.execute(
                insert(tables.consent_states).values(
                    tenant=self._tenant,
                    subject_ref=event.subject_ref,
                    contact_point_ref=point,
                    **_state_columns(state),
                )
            )

    def events(
        self,
        *,
        subject_ref: str | None = None,
        purpose_key: str | None = None,
        channel: str | None = None,
        contact_point_ref: str | None = None,
    ) -> list[ConsentEvent]:
        """Ledger events (all, or filtered), in ``seq`` order."""
        e = tables.consent_events.c
        query = select(tables.consent_events).where(e.tenant == self._tenant)
        if subject_ref is not None:
            query = query.where(e.subject_ref == subject_ref)
        if purpose_key is not None:
            query = query.where(e.purpose_key == purpose_key)
        if channel is not None:
            query = query.where(e.channel == channel)
        if contact_point_ref is not None:
            query = query.where(e.contact_point_ref == contact_point_ref)
        if subject_ref is None:
            query = query.order_by(e.seq)  # the whole ledger: walk the primary key in order
        # for one subject, no ORDER BY: the planner then picks the subject index, not a scan
        # of the tenant's whole ledger in seq order; a subject's few events sort here
        rows = sorted(self._session.execute(query), key=lambda row: int(row.seq))
        return [_event_from_row(row) for row in rows]

    def event(self, event_id: str) -> ConsentEvent:
        """One event by id."""
        e = tables.consent_events.c
        row = self._session.execute(
            select(tables.consent_events).where(e.tenant == self._tenant, e.event_id == event_id)
        ).first()
        if row is None:
            raise NotFound("no such consent event", field="event_id")
        return _event_from_row(row)

    def states(self, subject_ref: str) -> list[ConsentStatus]:
        """The projection rows of one subject."""
        s = tables.consent_states.c
        query = (
            select(tables.consent_states)
            .where(s.tenant == self._tenant, s.subject_ref == subject_ref)
            .order_by(s.purpose_key, s.channel, s.contact_point_ref)
        )
        return [_state_from_row(row) for row in self._session.execute(query)]

    # ------------------------------------------------------------------ keys and tokens

    def subject_key(self, subject_ref: str, *, create: bool) -> SubjectKey | None:
        """The subject's live data key (made on first use when ``create``)."""
        k = tables.subject_keys.c
        row = self._session.execute(
            select(tables.subject_keys).where(
                k.tenant == self._tenant, k.subject_ref == subject_ref, k.destroyed_at.is_(None)
            )
        ).first()
        if row is not None:
            return SubjectKey(row.subject_ref, row.key_id, bytes(row.key))
        if not create:
            return None
        key = SubjectKey.generate(subject_ref)
        self._session.execute(
            insert(tables.subject_keys).values(
                key_id=key.key_id,
                tenant=self._tenant,
                subject_ref=subject_ref,
                key=key.key,
            )
        )
        return key

    def key_by_id(self, key_id: str) -> SubjectKey | None:
        """A data key by id, destroyed or not (``key`` is ``None`` once destroyed)."""
        k = tables.subject_keys.c
        row = self._session.execute(
            select(tables.subject_keys).where(k.tenant == self._tenant, k.key_id == key_id)
        ).first()
        if row is None:
            return None
        return SubjectKey(
            row.subject_ref,
            row.key_id,
            None if row.key is None else bytes(row.key),
            row.destroyed_at,
        )

    def save_tokens(self, challenges: Sequence[TokenChallenge]) -> None:
        """Insert new challenges and store the status of existing ones."""
        t = tables.opt_in_tokens.c
        for challenge in challenges:
            values = {
                "tenant": self._tenant,
                "kind": challenge.kind,
                "subject_ref": challenge.subject_ref,
                "purpose_key": challenge.purpose_key,
                "channel": challenge.channel,
                "contact_point_ref": challenge.contact_point_ref,
                "token_sha256": challenge.token_sha256,
                "issued_at": challenge.issued_at,
                "expires_at": challenge.expires_at,
                "status": challenge.status,
                "used_at": challenge.used_at,
            }
            found = self._session.execute(
                select(t.id).where(t.id == challenge.id, t.tenant == self._tenant)
            ).first()
            if found is None:
                self._session.execute(
                    insert(tables.opt_in_tokens).values(id=challenge.id, **values)
                )
            else:
                self._session.execute(
                    update(tables.opt_in_tokens)
                    .where(t.id == challenge.id)
                    .values(status=challenge.status, used_at=challenge.used_at)
                )

    def tokens(
        self, *, subject_ref: str | None = None, token_sha256: str | None = None
    ) -> list[TokenChallenge]:
        """The tenant's challenges for one subject, or the one with a token hash (locked)."""
        t = tables.opt_in_tokens.c
        query = select(tables.opt_in_tokens).where(t.tenant == self._tenant)
        if subject_ref is not None:
            query = query.where(t.subject_ref == subject_ref)
        if token_sha256 is not None:
            query = query.where(t.token_sha256 == token_sha256).with_for_update()
        return [
            TokenChallenge(
                kind=row.kind,
                subject_ref=row.subject_ref,
                purpose_key=row.purpose_key,
                channel=row.channel,
                token_sha256=row.token_sha256,
                issued_at=row.issued_at,
                expires_at=row.expires_at,
                contact_point_ref=row.contact_point_ref,
                id=row.id,
                status=row.status,
                used_at=row.used_at,
            )
            for row in self._session.execute(query.order_by(t.issued_at))
        ]

    # ------------------------------------------------------------------ the audit log

    def append_audit(self, entry: AuditEntry) -> AuditEntry:
        """Chain and insert an audit entry (``seq`` and hashes set here)."""
        seq, previous = self._head("audit")
        entry.seq = seq
        entry.prev_hash = previous
        entry.entry_hash = entry.compute_hash()
        self._session.execute(
            insert(tables.audit_entries).values(
                tenant=self._tenant,
                seq=seq,
                id=entry.id,
                occurred_at=entry.occurred_at,
                actor_kind=entry.actor_kind,
                actor_ref=entry.actor_ref,
                action=entry.action,
                entity_type=entry.entity_type,
                entity_ref=entry.entity_ref,
                subject_ref=entry.subject_ref,
                payload=entry.payload,
                sealed=entry.sealed,
                prev_hash=entry.prev_hash,
                entry_hash=entry.entry_hash,
            )
        )
        self._advance("audit", seq + 1, entry.entry_hash)
        return entry

    def audit_entries(self) -> list[AuditEntry]:
        """The tenant's audit log in ``seq`` order, as stored (tampering included)."""
        a = tables.audit_entries.c
        query = select(tables.audit_entries).where(a.tenant == self._tenant).order_by(a.seq)
        return [
            AuditEntry(
                seq=row.seq,
                id=row.id,
                occurred_at=row.occurred_at,
                actor_kind=row.actor_kind,
                actor_ref=row.actor_ref,
                action=row.action,
                entity_type=row.entity_type,
                entity_ref=row.entity_ref,
                subject_ref=row.subject_ref,
                tenant=row.tenant,
                payload=dict(row.payload),
                sealed=dict(row.sealed),
                prev_hash=bytes(row.prev_hash),
                entry_hash=bytes(row.entry_hash),
            )
            for row in self._session.execute(query)
        ]


def _state_from_row(row: Any) -> ConsentStatus:
    return ConsentStatus(
        purpose_key=row.purpose_key,
        channel=row.channel,
        contact_point_ref=row.contact_point_ref or None,
        state=row.state,
        event_id=row.event_id,
        occurred_at=row.occurred_at,
        purpose_version=row.purpose_version,
        consent_type=row.consent_type,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        confirmed_at=row.confirmed_at,
        objection=row.objection,
        actor_kind=row.actor_kind,
        age_assurance=row.age_assurance,
    )


def _state_columns(state: ConsentStatus) -> dict[str, Any]:
    return {
        "purpose_key": state.purpose_key,
        "channel": state.channel,
        "state": state.state,
        "event_id": state.event_id,
        "occurred_at": state.occurred_at,
        "purpose_version": state.purpose_version,
        "consent_type": state.consent_type,
        "valid_from": state.valid_from,
        "valid_until": state.valid_until,
        "confirmed_at": state.confirmed_at,
        "objection": state.objection,
        "actor_kind": state.actor_kind,
        "age_assurance": state.age_assurance,
    }
