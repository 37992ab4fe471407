"""``crm.privacy``: purposes, notices, the consent ledger, double opt-in, audiences, audit log.

Every consent write is one transaction that checks the event against the rules
(``globalcrm.privacy.consent.check_event``), chains it into the tenant's append-only ledger,
recomputes the projection of its key from the ledger (so a late, older event never overrides a
newer one) and appends an audit entry. ``can_contact`` answers from the ledger with the reason;
``audience`` gives the same decision for every customer as one SQL query.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from globalcrm import _checks
from globalcrm.crm._context import Context
from globalcrm.customers import Customer
from globalcrm.errors import Conflict, InvalidFormat, NotFound, RuleViolation
from globalcrm.identifiers import check_id
from globalcrm.privacy import consent, receipts
from globalcrm.privacy.audit_log import AuditEntry, Checkpoint, merkle_root, verify_chain
from globalcrm.privacy.consent import (
    GRANTS,
    ConsentEvent,
    Decision,
    Purpose,
    Subject,
    seal_evidence,
)
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.storage import consent_sql
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["Privacy"]


def subject_of(customer: Customer) -> Subject:
    """What the consent rules need about a customer: country, zone and birth date."""
    return Subject(
        subject_ref=customer.id,
        country=customer.country,
        zone=customer.time_zone,
        birth_date=customer.birth_date,
    )


class Privacy:
    """Consent and audit for one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    # ------------------------------------------------------------------ purposes and notices

    def add_purpose(self, purpose: Purpose, *, activate: bool = True) -> Purpose:
        """Store a purpose version (activated by default: from then on it cannot change)."""
        if not isinstance(purpose, Purpose):
            raise InvalidFormat("expected a Purpose", field="purpose")
        _checks.flag(activate, field="activate")
        if activate and purpose.status == "draft":
            purpose.activate()
        with self._context.work() as uow:
            uow.privacy.add_purpose(purpose)
            self._audit(
                uow,
                "purpose.added",
                "purpose",
                f"{purpose.key}@{purpose.version}",
                None,
                {"status": purpose.status},
            )
        return purpose

    def retire_purpose(self, key: str, version: int) -> Purpose:
        """Retire a purpose version: no new consents to it; withdrawals are still recorded."""
        with self._context.work() as uow:
            purpose = uow.privacy.purpose(_checks.text(key, field="key", max_length=64), version)
            purpose.retire()
            uow.privacy.set_purpose_status(purpose)
            self._audit(
                uow, "purpose.retired", "purpose", f"{purpose.key}@{purpose.version}", None, {}
            )
        return purpose

    def purpose(self, key: str, version: int | None = None) -> Purpose:
        """A stored purpose version, or the newest active one."""
        with self._context.work(write=False) as uow:
            return uow.privacy.purpose(_checks.text(key, field="key", max_length=64), version)

    def add_notice(self, notice: NoticeVersion) -> NoticeVersion:
        """Store a published notice version (``globalcrm.privacy.publish_notice`` makes one)."""
        if not isinstance(notice, NoticeVersion):
            raise InvalidFormat("expected a NoticeVersion", field="notice")
        with self._context.work() as uow:
            uow.privacy.add_notice(notice)
            self._audit(
                uow,
                "notice.published",
                "notice",
                notice.id,
                None,
                {"sha256": notice.content_sha256, "language": notice.language},
            )
        return notice

    # ------------------------------------------------------------------ the ledger

    def record(
        self,
        customer: Customer | str,
        *,
        purpose: str,
        channel: str,
        state: str,
        now: object = None,
        occurred_at: object = None,
        purpose_version: int | None = None,
        notice_id: str | None = None,
        evidence: Mapping[str, Any] | None = None,
        **details: Any,
    ) -> ConsentEvent:
        """Record one consent event for a customer and return it as stored.

        ``details`` are the other ``ConsentEvent`` fields (``consent_type``, ``actor_kind``,
        ``contact_point_ref``, ``collection_method``, ``idempotency_key``, ``valid_until``,
        ``confirmed_at``, ``age_assurance``, ``guardian_verification``...). ``evidence`` (a JSON
        object: the form submitted, the IP, a TC string) is sealed under the customer's own key.
        A repeated ``idempotency_key`` returns the event first recorded under it.
        """
        stamp = self._context.now(now)
        with self._context.work() as uow:
            person = self._customer(uow, customer)
            return self._record(
                uow,
                person,
                purpose=purpose,
                channel=channel,
                state=state,
                now=stamp,
                occurred_at=occurred_at,
                purpose_version=purpose_version,
                notice_id=notice_id,
                evidence=evidence,
                details=details,
            )

    def _record(
        self,
        uow: UnitOfWork,
        person: Customer,
        *,
        purpose: str,
        channel: str,
        state: str,
        now: dt.datetime,
        occurred_at: object,
        purpose_version: int | None,
        notice_id: str | None,
        evidence: Mapping[str, Any] | None,
        details: Mapping[str, Any],
    ) -> ConsentEvent:
        when = now if occurred_at is None else _checks.aware_utc(occurred_at, field="occurred_at")
        chosen = uow.privacy.purpose(
            _checks.text(purpose, field="purpose", max_length=64), purpose_version
        )
        notice = (
            None
            if notice_id is None
            else uow.privacy.notice(_checks.text(notice_id, field="notice_id", max_length=64))
        )
        event_id = str(uuid.uuid4())
        sealed = None
        if evidence is not None:
            key = uow.privacy.subject_key(person.id, create=True)
            assert key is not None  # noqa: S101
            sealed = seal_evidence(evidence, key, aad=event_id)
        fields: dict[str, Any] = dict(details)
        # without a birth date the age is unknown, and the ledger says so (never assumed)
        fields.setdefault("age_assurance", "self_declared" if person.birth_date else "unknown")
        if notice is not None:
            fields.setdefault("notice_version_id", notice.id)
            fields.setdefault("notice_sha256", notice.content_sha256)
            fields.setdefault("language", notice.language)
        try:
            event = ConsentEvent(
                subject_ref=person.id,
                purpose_key=chosen.key,
                purpose_version=chosen.version,
                channel=channel,
                state=state,
                occurred_at=when,
                event_id=event_id,
                evidence=sealed,
                consent_type=fields.pop("consent_type", chosen.consent_type_required),
                **fields,
            )
        except TypeError as error:
            raise InvalidFormat("unknown consent event field", field="details") from error
        consent.check_event(
            event, purpose=chosen, now=now, notice=notice, subject=subject_of(person)
        )
        if event.idempotency_key is not None:
            first = uow.privacy.event_by_idempotency_key(event.idempotency_key)
            if first is not None:
                return _same_or_conflict(event, first)
        stored = uow.privacy.append_event(event, now=now)
        self._audit(
            uow,
            "consent.recorded",
            "consent_event",
            stored.event_id,
            person.id,
            {
                "purpose": chosen.key,
                "version": chosen.version,
                "channel": stored.channel,
                "state": stored.state,
                "actor_kind": stored.actor_kind,
            },
        )
        return stored

    def history(self, customer: Customer | str) -> list[ConsentEvent]:
        """A customer's consent events in ledger order."""
        with self._context.work(write=False) as uow:
            person = self._customer(uow, customer)
            return sorted(uow.privacy.events(subject_ref=person.id), key=ConsentEvent.sort_key)

    def can_contact(
        self,
        customer: Customer | str,
        *,
        purpose: str,
        channel: str,
        at: object = None,
        contact_point_ref: str | None = None,
    ) -> Decision:
        """May we contact the customer for ``purpose`` on ``channel`` at ``at``, and why.

        The decision carries the reason, the deciding event (``event_id``) and the rule that
        applied (``rule``).
        """
        moment = self._context.now(at, field="at")
        with self._context.work(write=False) as uow:
            person = self._customer(uow, customer)
            chosen = uow.privacy.purpose(_checks.text(purpose, field="purpose", max_length=64))
            events = uow.privacy.events(subject_ref=person.id, purpose_key=chosen.key)
        return consent.can_contact(
            events,
            chosen,
            channel,
            moment,
            contact_point_ref=contact_point_ref,
            subject=subject_of(person),
        )

    def audience(self, *, purpose: str, channel: str, at: object = None) -> list[str]:
        """Ids of every customer ``can_contact`` allows for ``purpose`` on ``channel``: one query.

        The same rules as :meth:`can_contact` at the channel level, evaluated in SQL over the
        ledger's projection, for bulk sends and audiences. It answers for the ledger as recorded
        (events dated after ``at`` are not expected); purposes that sell or share data also
        check each minor's age in Python.
        """
        moment = self._context.now(at, field="at")
        name = _checks.text(channel, field="channel", max_length=64)
        with self._context.work(write=False) as uow:
            chosen = uow.privacy.purpose(_checks.text(purpose, field="purpose", max_length=64))
            assert uow.session is not None  # noqa: S101
            ids = consent_sql.audience(uow.session, self._context.tenant, chosen, name, moment)
            if chosen.sells_or_shares and not chosen.requires_consent:
                people = uow.customers.get_many(ids)
                ids = [
                    p.id for p in people if not consent.minor_sale(chosen, subject_of(p), moment)
                ]
        return ids

    # ------------------------------------------------------------------ double opt-in

    def request_double_opt_in(
        self,
        customer: Customer | str,
        *,
        purpose: str,
        channel: str,
        now: object = None,
        ttl: dt.timedelta = dt.timedelta(hours=48),
        contact_point_ref: str | None = None,
    ) -> str:
        """Issue a single-use confirmation token (only its hash is stored); send it in a link.

        A newer request supersedes the older pending token.
        """
        stamp = self._context.now(now)
        with self._context.work() as uow:
            person = self._customer(uow, customer)
            chosen = uow.privacy.purpose(_checks.text(purpose, field="purpose", max_length=64))
            challenges = uow.privacy.tokens(subject_ref=person.id)
            challenge, token = consent.issue_token(
                challenges,
                "confirm",
                subject_ref=person.id,
                purpose_key=chosen.key,
                channel=channel,
                now=stamp,
                ttl=ttl,
                contact_point_ref=contact_point_ref,
            )
            uow.privacy.save_tokens(challenges)
            self._audit(
                uow,
                "token.issued",
                "opt_in_token",
                challenge.id,
                person.id,
                {"purpose": chosen.key, "channel": challenge.channel},
            )
        return token

    def confirm_double_opt_in(self, token: str, *, now: object = None) -> ConsentEvent:
        """Redeem a confirmation token and record the confirmed grant (``confirmed_at`` set).

        A used, superseded, expired or stale token (the customer withdrew after it was sent) is
        a ``RuleViolation``; an unknown one is ``NotFound``.
        """
        stamp = self._context.now(now)
        plain = _checks.text(token, field="token", max_length=500)
        with self._context.work() as uow:
            found = uow.privacy.tokens(token_sha256=consent.token_hash(plain))
            if not found:
                raise NotFound("no such token", field="token")
            challenge = found[0]
            events = uow.privacy.events(
                subject_ref=challenge.subject_ref, purpose_key=challenge.purpose_key
            )
            consent.redeem_token(found, plain, now=stamp, events=events)
            uow.privacy.save_tokens(found)
            asked = [
                e
                for e in sorted(events, key=ConsentEvent.sort_key)
                if e.channel == challenge.channel and e.state in GRANTS
            ]
            if not asked:
                raise RuleViolation("nothing to confirm: no consent was given", field="token")
            original = asked[-1]
            self._audit(
                uow,
                "token.redeemed",
                "opt_in_token",
                challenge.id,
                challenge.subject_ref,
                {"status": challenge.status},
            )
            person = uow.customers.get(challenge.subject_ref)
            return self._record(
                uow,
                person,
                purpose=challenge.purpose_key,
                channel=challenge.channel,
                state="given",
                now=stamp,
                occurred_at=None,
                purpose_version=original.purpose_version,
                notice_id=original.notice_version_id,
                evidence=None,
                details={
                    "confirmed_at": stamp,
                    "collection_method": "doi_confirmation",
                    "contact_point_ref": challenge.contact_point_ref,
                    "doi_challenge_id": challenge.id,
                    "consent_type": original.consent_type,
                    "age_assurance": original.age_assurance,
                },
            )

    # ------------------------------------------------------------------ receipts

    def receipt(
        self,
        customer: Customer | str,
        *,
        controller: receipts.PiiController,
        jurisdiction: str,
        policy_url: str,
        service: str,
        pii_categories: Mapping[str, Sequence[str]],
        at: object = None,
    ) -> dict[str, Any]:
        """A Kantara Consent Receipt 1.1 (JSON) of the customer's grants in force at ``at``."""
        moment = self._context.now(at, field="at")
        with self._context.work(write=False) as uow:
            person = self._customer(uow, customer)
            events = uow.privacy.events(subject_ref=person.id)
            wanted = {(e.purpose_key, e.purpose_version) for e in events}
            purposes = [uow.privacy.purpose(key, version) for key, version in sorted(wanted)]
        made = receipts.kantara_receipt(
            events,
            purposes,
            controller=controller,
            principal_id=person.id,
            jurisdiction=jurisdiction,
            policy_url=policy_url,
            service=service,
            pii_categories=pii_categories,
            at=moment,
            language=person.language,
        )
        return receipts.to_kantara(made)

    # ------------------------------------------------------------------ verification

    def verify_ledger(self) -> int | None:
        """The position of the first tampered, missing or reordered ledger event, or ``None``."""
        with self._context.work(write=False) as uow:
            try:
                events = uow.privacy.events()
            except (ValueError, KeyError, TypeError) as error:
                raise RuleViolation("a ledger row cannot be read: it was altered") from error
        return consent.verify_ledger(events)

    def audit_entries(self) -> list[AuditEntry]:
        """The tenant's audit log, in order."""
        with self._context.work(write=False) as uow:
            return uow.privacy.audit_entries()

    def checkpoint(self) -> Checkpoint:
        """The audit log's current size and RFC 6962 root: publish it elsewhere to pin history."""
        entries = self.audit_entries()
        return Checkpoint(len(entries), merkle_root([e.canonical_bytes() for e in entries]))

    def verify_audit(self, *, checkpoint: Checkpoint | None = None) -> int | None:
        """The position of the first tampered audit entry, or ``None`` if the chain verifies.

        Edited, deleted and swapped rows break the chain; truncation and a rewritten history
        are caught against a ``checkpoint`` taken earlier.
        """
        return verify_chain(self.audit_entries(), checkpoint=checkpoint)

    # ------------------------------------------------------------------ helpers

    def _customer(self, uow: UnitOfWork, customer: Customer | str) -> Customer:
        if isinstance(customer, Customer):
            return uow.customers.get(customer.id)
        return uow.customers.get(check_id(customer, field="customer"))

    def _audit(
        self,
        uow: UnitOfWork,
        action: str,
        entity_type: str,
        entity_ref: str,
        subject_ref: str | None,
        payload: dict[str, Any],
    ) -> None:
        record_audit(uow, self._context, action, entity_type, entity_ref, subject_ref, payload)


def record_audit(
    uow: UnitOfWork,
    context: Context,
    action: str,
    entity_type: str,
    entity_ref: str,
    subject_ref: str | None,
    payload: dict[str, Any],
) -> None:
    """Append one audit entry (ids and facts only, never personal values) in ``uow``."""
    uow.privacy.append_audit(
        AuditEntry(
            seq=0,
            id=str(uuid.uuid4()),
            occurred_at=context.now(),
            actor_kind=context.actor_kind,
            actor_ref=context.actor_ref,
            action=action,
            entity_type=entity_type,
            entity_ref=entity_ref,
            subject_ref=subject_ref,
            tenant=context.tenant,
            payload=payload,
        )
    )


def _same_or_conflict(event: ConsentEvent, first: ConsentEvent) -> ConsentEvent:
    mine, theirs = event.content(), first.content()
    for data in (mine, theirs):
        for volatile in ("event_id", "evidence"):
            data.pop(volatile)
    if mine != theirs:
        raise Conflict("the idempotency key was used for another event", field="idempotency_key")
    return first
