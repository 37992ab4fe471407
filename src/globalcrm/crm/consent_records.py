"""Recording consent events in the store, and reading them back with their personal values.

One recording, in one transaction: check the event against the rules, lock the ledger's head,
return the first event for a repeated idempotency key (checked under that lock, so concurrent
retries agree on both databases), seal the evidence and the personal values under the
customer's own key (made and wrapped on first use), chain the entry, update the projection and
append the audit entry. For an erased customer only an ending is recorded, and nothing personal
with it (``record_after_erasure``: no evidence, no personal field, no new key).
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
from globalcrm.errors import Conflict, GlobalCRMError, InvalidFormat, RuleViolation, StorageError
from globalcrm.identifiers import new_id
from globalcrm.privacy import rules
from globalcrm.privacy.events import ASKING, PERSONAL_FIELDS, ConsentEvent, event_like
from globalcrm.privacy.evidence import SubjectKey, seal_evidence
from globalcrm.privacy.ledger import same_event
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.privacy.purposes import Purpose
from globalcrm.privacy.rules import Subject
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["checked_event", "opened", "record", "record_after_erasure", "subject_of"]


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


def _fields(
    details: Mapping[str, Any],
    notice: NoticeVersion | None,
    *,
    age_assurance: str,
    default_method: str | None,
) -> dict[str, Any]:
    """The event's fields from the caller's ``details``, with the notice's copied in."""
    fields: dict[str, Any] = dict(details)
    fields.setdefault("age_assurance", age_assurance)
    if default_method is not None:
        fields.setdefault("collection_method", default_method)
    if notice is not None:
        fields.setdefault("notice_version_id", notice.id)
        fields.setdefault("notice_sha256", notice.content_sha256)
        fields.setdefault("language", notice.language)
    for reserved in ("evidence", "personal", "sealed_fields", "hash_scheme", "seq"):
        if reserved in fields:
            raise InvalidFormat("this field is set by the ledger", field=reserved)
    return fields


def _new_event(
    subject_ref: str,
    purpose: Purpose,
    *,
    channel: str,
    state: str,
    occurred_at: dt.datetime,
    fields: dict[str, Any],
) -> ConsentEvent:
    try:
        return ConsentEvent(
            subject_ref=subject_ref,
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
    templates: dict[tuple[Any, ...], ConsentEvent] | None = None,
) -> ConsentEvent:
    """The event ``details`` describe, checked against the rules (what ``record`` stores).

    Shared by ``record`` and the bulk import, so both apply the same rules: the age assurance
    is what the customer's birth date allows (never assumed), the notice's id, hash and
    language are copied onto the event, and ``rules.check_event`` decides. The import passes
    ``templates``, its events so far by their shared values: a row like an earlier one is made
    from it, its own values checked (the constructor's other checks have been run on equal
    values already).
    """
    # without a birth date the age is unknown, and the ledger says so (never assumed)
    fields = _fields(
        details,
        notice,
        age_assurance="self_declared" if subject.birth_date else "unknown",
        default_method=default_method,
    )
    key = None if templates is None else _template_key(purpose, channel, state, fields)
    template = None if key is None or templates is None else templates.get(key)
    if template is not None:
        event = event_like(
            template, subject_ref=subject.subject_ref, occurred_at=occurred_at, event_id=new_id()
        )
    else:
        event = _new_event(
            subject.subject_ref, purpose, channel=channel, state=state, occurred_at=occurred_at,
            fields=fields,
        )
    rules.check_event(event, purpose=purpose, now=now, notice=notice, subject=subject)
    if template is None and key is not None and templates is not None:
        if len(templates) >= _MAX_TEMPLATES:
            templates.clear()
        templates[key] = event
    return event


_MAX_TEMPLATES = 1024
_PLAIN = (str, int, bool, type(None))


def _template_key(
    purpose: Purpose, channel: object, state: object, fields: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """What an event's values are but its subject, time and id; ``None`` if not all plain.

    Two rows with the same key make events that differ only in those three values, so the
    second is made from the first (:func:`~globalcrm.privacy.events.event_like`).
    """
    if type(channel) is not str or type(state) is not str:
        return None
    for value in fields.values():
        if type(value) not in _PLAIN:
            return None
    return (purpose.key, purpose.version, channel, state, *sorted(fields.items()))


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
    return _append(uow, context, event, chosen, evidence, now=now)


def record_after_erasure(
    uow: UnitOfWork,
    context: Context,
    subject_ref: str,
    *,
    purpose: str,
    channel: str,
    state: str,
    now: dt.datetime,
    occurred_at: object,
    purpose_version: int | None,
    notice_id: str | None,
    details: Mapping[str, Any],
) -> ConsentEvent:
    """Record an ending (a withdrawal, refusal, objection...) for an erased subject, in ``uow``.

    Nothing personal is kept about an erased subject: the event is stored without the personal
    fields (contact point, collection point, actor, guardian verification) and without
    evidence, so no key is made for them again. A grant or a request is refused.

    Raises:
        RuleViolation: ``state`` asks to process (``given``, ``renewed``, ``requested``).
    """
    when = now if occurred_at is None else _checks.aware_utc(occurred_at, field="occurred_at")
    chosen = uow.purposes.get(
        _checks.text(purpose, field="purpose", max_length=64), purpose_version
    )
    notice = (
        None
        if notice_id is None
        else uow.notices.get(_checks.text(notice_id, field="notice_id", max_length=64))
    )
    kept = {name: value for name, value in details.items() if name not in PERSONAL_FIELDS}
    fields = _fields(kept, notice, age_assurance="unknown", default_method=None)
    event = _new_event(
        subject_ref, chosen, channel=channel, state=state, occurred_at=when, fields=fields
    )
    if event.state in ASKING:
        raise RuleViolation(
            "the customer has been erased: only a withdrawal, refusal or objection can be "
            "recorded for them",
            field="state",
        )
    rules.check_event(event, purpose=chosen, now=now, notice=notice)
    return _append(uow, context, event, chosen, None, now=now)


def _append(
    uow: UnitOfWork,
    context: Context,
    event: ConsentEvent,
    chosen: Purpose,
    evidence: Mapping[str, Any] | None,
    *,
    now: dt.datetime,
) -> ConsentEvent:
    """Chain ``event`` into the ledger (sealed under the subject's key where it needs one)."""
    subject_ref = event.subject_ref
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
        key = uow.subject_keys.live(subject_ref, provider=context.key_provider, create=True)
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
        subject_ref,
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
            uow, "globalcrm_consent_changed", subject_ref=subject_ref,
            purpose=chosen.key, channel=stored.channel, state=stored.state,
        )
    return stored.opened(key, tenant=context.tenant)
