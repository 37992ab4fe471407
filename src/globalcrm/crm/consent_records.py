"""Recording consent events in the store, and reading them back with their personal values.

One recording, in one transaction: check the event against the rules, lock the ledger's head,
return the first event for a repeated idempotency key (checked under that lock, so concurrent
retries agree on both databases), seal the evidence and the personal values under the
customer's own key (made and wrapped on first use), chain the entry, update the projection and
append the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.crm._context import Context
from globalcrm.crm.audit import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import Conflict, GlobalCRMError, InvalidFormat, StorageError
from globalcrm.identifiers import new_id
from globalcrm.privacy import rules
from globalcrm.privacy.events import ConsentEvent
from globalcrm.privacy.evidence import SubjectKey, seal_evidence
from globalcrm.privacy.ledger import same_event
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.privacy.purposes import Purpose
from globalcrm.privacy.rules import Subject
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["checked_event", "opened", "record", "subject_of"]


def subject_of(customer: Customer) -> Subject:
    """What the consent rules need about a customer: country, zone and birth date."""
    return Subject(
        subject_ref=customer.id,
        country=customer.country,
        zone=customer.time_zone,
        birth_date=customer.birth_date,
    )


def opened(
    uow: UnitOfWork, context: Context, events: Sequence[ConsentEvent]
) -> list[ConsentEvent]:
    """The events with their personal values in clear (``"erased"`` under a destroyed key).

    Raises:
        StorageError: sealed values do not authenticate (they were altered or moved).
    """
    wanted = {event.personal.key_id for event in events if event.personal is not None}
    keys: dict[str, SubjectKey] = {}
    if wanted:  # every key at once: one query per 500 keys, not one per key
        keys = uow.subject_keys.by_ids(wanted, provider=context.key_provider)
    result = []
    for event in events:
        if event.personal is None:
            result.append(event.opened(None, tenant=context.tenant))
            continue
        try:
            result.append(event.opened(keys.get(event.personal.key_id), tenant=context.tenant))
        except GlobalCRMError as error:
            raise StorageError(
                f"consent_events row seq {event.seq}: its sealed values do not authenticate"
            ) from error
    return result


def checked_event(
    subject: Subject,
    purpose: Purpose,
    notice: NoticeVersion | None,
    *,
    channel: str,
    state: str,
    occurred_at: dt.datetime,
    now: dt.datetime,
    details: Mapping[str, Any],
    default_method: str | None = None,
) -> ConsentEvent:
    """The event ``details`` describe, checked against the rules (what ``record`` stores).

    Shared by ``record`` and the bulk import, so both apply the same rules: the age assurance
    is what the customer's birth date allows (never assumed), the notice's id, hash and
    language are copied onto the event, and ``rules.check_event`` decides.
    """
    fields: dict[str, Any] = dict(details)
    # without a birth date the age is unknown, and the ledger says so (never assumed)
    fields.setdefault("age_assurance", "self_declared" if subject.birth_date else "unknown")
    if default_method is not None:
        fields.setdefault("collection_method", default_method)
    if notice is not None:
        fields.setdefault("notice_version_id", notice.id)
        fields.setdefault("notice_sha256", notice.content_sha256)
        fields.setdefault("language", notice.language)
    for reserved in ("evidence", "personal", "sealed_fields", "hash_scheme", "seq"):
        if reserved in fields:
            raise InvalidFormat("this field is set by the ledger", field=reserved)
    try:
        event = ConsentEvent(
            subject_ref=subject.subject_ref,
            purpose_key=purpose.key,
            purpose_version=purpose.version,
            channel=channel,
            state=state,
            occurred_at=occurred_at,
            event_id=new_id(),
            consent_type=fields.pop("consent_type", purpose.consent_type_required),
            **fields,
        )
    except TypeError as error:
        raise InvalidFormat("unknown consent event field", field="details") from error
    rules.check_event(event, purpose=purpose, now=now, notice=notice, subject=subject)
    return event


def record(
    uow: UnitOfWork,
    context: Context,
    person: Customer | Subject,
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
    """Record one event for ``person`` in ``uow`` and return it as stored (in clear).

    ``person`` is the customer, or what the rules need of them (a :class:`Subject`, read
    without loading the whole customer).
    """
    subject = person if isinstance(person, Subject) else subject_of(person)
    when = now if occurred_at is None else _checks.aware_utc(occurred_at, field="occurred_at")
    chosen = uow.purposes.get(
        _checks.text(purpose, field="purpose", max_length=64), purpose_version
    )
    notice = (
        None
        if notice_id is None
        else uow.notices.get(_checks.text(notice_id, field="notice_id", max_length=64))
    )
    if evidence is not None and not isinstance(evidence, Mapping):
        raise InvalidFormat("expected a JSON object", field="evidence")
    event = checked_event(
        subject,
        chosen,
        notice,
        channel=channel,
        state=state,
        occurred_at=when,
        now=now,
        details=details,
    )
    head = uow.consent.lock()
    if event.idempotency_key is not None:
        first = uow.consent.by_idempotency_key(event.idempotency_key)
        if first is not None:
            known = opened(uow, context, [first])[0]
            if not same_event(event, known):
                raise Conflict(
                    "the idempotency key was used for another event", field="idempotency_key"
                )
            return known
    key = None
    if evidence is not None or event.personal_values():
        key = uow.subject_keys.live(
            subject.subject_ref, provider=context.key_provider, create=True
        )
    if key is not None and evidence is not None:
        event = attrs.evolve(event, evidence=seal_evidence(evidence, key, aad=event.event_id))
    stored_form = event if key is None else event.sealed(key, tenant=context.tenant)
    stored = uow.consent.append(stored_form, now=now, head=head)
    record_audit(
        uow,
        context,
        "consent.recorded",
        "consent_event",
        stored.event_id,
        subject.subject_ref,
        {
            "purpose": chosen.key,
            "version": chosen.version,
            "channel": stored.channel,
            "state": stored.state,
            "actor_kind": stored.actor_kind,
            "seq": stored.seq,
        },
    )
    if stored.state != "requested":  # a request asks; every other state decides
        context.after_commit(  # hook
            uow, "globalcrm_consent_changed", subject_ref=subject.subject_ref,
            purpose=chosen.key, channel=stored.channel, state=stored.state,
        )
    return stored.opened(key, tenant=context.tenant)
