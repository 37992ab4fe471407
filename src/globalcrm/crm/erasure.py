"""Erasure, export and suppression in the store, generated from the personal-data registry.

``erase_many`` runs inside the caller's unit of work (one transaction: an error anywhere rolls
back the rows, the ended consents, the destroyed keys and the audit entries together), and
``erase`` is ``erase_many`` of one. It locks the consent ledger's head once, reads the tenant's
holds once and every subject's tombstone, customer row, live key and ledger events with ``IN``
queries, and refuses the call (``NotFound``) before writing if one of them is unknown. Then, a
batch of 500 subjects at a time: end every consent with a ledger event (``invalidated``), so
``audience`` never returns them and the projection still equals a replay; keep the suppression
digests of their e-mail addresses and phone numbers; destroy their data keys (what the ledger
and the audit log hold of them is sealed under those: crypto-shredded, every hash intact); then
delete, null and anonymise every table's rows as its columns say, one statement per table
(:mod:`globalcrm.storage.personal_data`), keep a tombstone and write one audit entry each. The
result is what erasing the subjects one by one in that order leaves (a property test compares
every table). ``crm.customers.delete`` is this erasure.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.contact_points import EmailAddress, PhoneNumber
from globalcrm.crm import consent_records as _records
from globalcrm.crm._context import Context
from globalcrm.crm.audit import audit_entry, record_audit, record_audits
from globalcrm.customers import Customer
from globalcrm.errors import GlobalCRMError, InvalidInput, NotFound, RuleViolation
from globalcrm.identifiers import new_id
from globalcrm.import_export import customer_to_document
from globalcrm.privacy.chains import ChainHead
from globalcrm.privacy.erasure import (
    SUPPRESSED_KINDS,
    SUPPRESSION_SUBJECT,
    ErasureReport,
    KeptData,
    suppression_digest,
)
from globalcrm.privacy.events import ASKING, ConsentEvent
from globalcrm.privacy.evidence import ERASED, SubjectKey, open_evidence
from globalcrm.privacy.retention import LegalHold, held
from globalcrm.storage import personal_data
from globalcrm.storage.erasure_repository import ErasureRepository
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = [
    "EXPORT_FORMAT",
    "check_not_suppressed",
    "erase",
    "erase_many",
    "export",
    "jsonable",
    "repository",
    "suppress_contact",
    "suppress_keys",
    "suppressed_keys",
    "text_keys",
]

EXPORT_FORMAT = "globalcrm.export/1"
"""The ``format`` of an export document."""


def repository(uow: UnitOfWork, context: Context) -> ErasureRepository:
    """The tenant's erasure log, suppression list, holds and policies inside ``uow``."""
    assert uow.session is not None  # noqa: S101
    return ErasureRepository(uow.session, context.tenant)


# ----------------------------------------------------------------------------- suppression


def _secret(uow: UnitOfWork, context: Context, *, create: bool) -> SubjectKey | None:
    return uow.subject_keys.live(SUPPRESSION_SUBJECT, provider=context.key_provider, create=create)


def suppressed_keys(
    uow: UnitOfWork, context: Context, keys: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which (kind, search key) pairs (e-mail, E.164 phone) belong to an erased customer."""
    wanted = [(kind, key) for kind, key in keys if kind in SUPPRESSED_KINDS]
    if not wanted:
        return set()
    store = repository(uow, context)
    if not store.any_suppressed():
        return set()
    secret = _secret(uow, context, create=False)
    if secret is None or secret.key is None:
        return set()
    digests = {suppression_digest(secret, kind, key): (kind, key) for kind, key in wanted}
    return {digests[digest] for digest in store.suppressed(list(digests))}


def check_not_suppressed(uow: UnitOfWork, context: Context, customer: Customer) -> None:
    """Refuse a customer whose e-mail address or phone number was erased (do not contact).

    Raises:
        RuleViolation: ``field`` names the first such contact point (``emails[0]``...).
    """
    hits = suppressed_keys(uow, context, customer.search_keys())
    if not hits:
        return
    for field, points in (("emails", customer.emails), ("phones", customer.phones)):
        for index, point in enumerate(points):
            if any(key in hits for key in _point_keys(point)):
                raise RuleViolation(
                    "an erased customer had this contact point: do not contact",
                    field=f"{field}[{index}]",
                )
    raise RuleViolation("a contact point belongs to an erased customer", field="customer")


def suppress_keys(
    uow: UnitOfWork, context: Context, keys: Iterable[tuple[str, str]], *, now: dt.datetime
) -> int:
    """Put (kind, search key) pairs on the suppression list; how many were new there.

    Only e-mail addresses and E.164 numbers are kept (as keyed digests), and none a stored
    customer holds: their consent is theirs to record, and the list would refuse their next
    change.
    """
    wanted = sorted({(kind, key) for kind, key in keys if kind in SUPPRESSED_KINDS})
    wanted = [(kind, key) for kind, key in wanted if not uow.customers.ids_by_key(kind, key)]
    if not wanted:
        return 0
    secret = _secret(uow, context, create=True)
    assert secret is not None  # noqa: S101 - made if missing
    digests = [(suppression_digest(secret, kind, key), kind) for kind, key in wanted]
    return repository(uow, context).suppress(digests, at=now)


def text_keys(text: object) -> list[tuple[str, str]]:
    """A contact point given as text, as the search key suppression keeps (none if neither).

    An e-mail address, or a phone number in international form; anything else (an id of the
    caller's) names nothing the suppression list can hold.
    """
    if not isinstance(text, str):
        return []
    try:
        if "@" in text:
            return [("email", EmailAddress(address=text).key)]
        return [("phone", PhoneNumber.parse(text).number)]
    except GlobalCRMError:
        return []


def suppress_contact(
    uow: UnitOfWork,
    context: Context,
    *,
    email: str | None,
    phone: str | None,
    region: str | None,
    now: dt.datetime,
) -> int:
    """``crm.privacy.suppress``: an address no stored customer holds onto the list, audited.

    Raises:
        InvalidInput: neither given, or not an e-mail address or phone number (``field``).
        RuleViolation: a stored customer holds it (record their withdrawal instead).
    """
    if email is None and phone is None:
        raise InvalidInput("give an e-mail address or a phone number", field="email")
    keys: list[tuple[str, str]] = []
    if email is not None:
        with _checks.at("email"):
            keys.append(("email", EmailAddress(address=email).key))
    if phone is not None:
        with _checks.at("phone"):
            keys.append(("phone", PhoneNumber.parse(phone, region=region).number))
    for kind, key in keys:
        if uow.customers.ids_by_key(kind, key, limit=1):
            raise RuleViolation(
                "a stored customer has this contact point: record their withdrawal with "
                "crm.privacy.record",
                field=kind,
            )
    added = suppress_keys(uow, context, keys, now=now)
    record_audit(
        uow, context, "suppression.added", "suppression", "-", None,
        {"kinds": sorted(kind for kind, _ in keys), "new": added},
    )
    return added


def _point_keys(point: Any) -> list[tuple[str, str]]:
    key = getattr(point, "key", None)
    number = getattr(point, "number", None)
    found = []
    if isinstance(key, str):
        found.append(("email", key))
    if isinstance(number, str):
        found.append(("phone", number))
    return found


# ----------------------------------------------------------------------------- erasure


@attrs.frozen
class _Subject:
    """What erasure read about one subject before it writes anything."""

    ref: str
    contacts: list[tuple[str, str]] | None
    """The customer's e-mail and phone search keys; ``None``: no customer row."""
    previous: ErasureReport | None
    live: SubjectKey | None
    events: list[ConsentEvent]

    @property
    def repeated(self) -> bool:
        """Erased before, and nothing of theirs came back (a restore would bring a row or key)."""
        return (
            self.contacts is None
            and self.live is None
            and self.previous is not None
            and self.previous.status == "erased"
        )


def erase(
    uow: UnitOfWork,
    context: Context,
    subject_ref: str,
    *,
    now: dt.datetime,
    request_ref: str | None = None,
) -> ErasureReport:
    """Erase (or, under a legal hold, restrict) one subject in ``uow``: ``erase_many`` of one.

    Raises:
        NotFound: the tenant has nothing about ``subject_ref``.
    """
    return _erase(
        uow, context, [subject_ref], now=now, request_ref=request_ref, where=lambda _: "customer"
    )[0]


def erase_many(
    uow: UnitOfWork,
    context: Context,
    subject_refs: Sequence[str],
    *,
    now: dt.datetime,
    request_ref: str | None = None,
) -> list[ErasureReport]:
    """Erase (or restrict) many subjects in ``uow``, set-based; one report per position.

    Each subject ends as erasing them one by one in this order would leave them (the same rows,
    counts, ledger events, digests and tombstones), with a few statements per table for every
    500 subjects instead of some forty per subject. A subject named twice is erased once; its
    later positions report ``repeated``.

    Raises:
        NotFound: the tenant has nothing about one of them (``field`` names its position:
            ``customers[3]``); every subject is checked before anything is written.
    """
    return _erase(
        uow, context, subject_refs, now=now, request_ref=request_ref,
        where=lambda index: f"customers[{index}]",
    )


def _erase(
    uow: UnitOfWork,
    context: Context,
    subject_refs: Sequence[str],
    *,
    now: dt.datetime,
    request_ref: str | None,
    where: Callable[[int], str],
) -> list[ErasureReport]:
    """The one erasure: read every subject, check them all, then write batch by batch."""
    assert uow.session is not None  # noqa: S101
    head = uow.consent.lock()  # one lock: no consent write or other erasure in the tenant meanwhile
    personal_data.plan_each_batch(uow.session)
    refs = list(dict.fromkeys(subject_refs))
    batches = [
        _read(uow, context, refs[start : start + personal_data.CHUNK])
        for start in range(0, len(refs), personal_data.CHUNK)
    ]
    _check_known(uow, context, [s for batch in batches for s in batch], subject_refs, where)
    holds: dict[str, list[LegalHold]] = {}
    for _, hold in repository(uow, context).holds():  # the tenant's holds, read once
        holds.setdefault(hold.subject_ref, []).append(hold)
    reports: dict[str, ErasureReport] = {}
    for batch in batches:
        head = _erase_batch(
            uow, context, batch, holds, head=head, now=now, request_ref=request_ref,
            reports=reports,
        )
    result = []
    seen: set[str] = set()
    for ref in subject_refs:
        report = reports[ref]
        result.append(attrs.evolve(report, repeated=True) if ref in seen else report)
        seen.add(ref)
    return result


def _read(uow: UnitOfWork, context: Context, refs: list[str]) -> list[_Subject]:
    """Tombstones, customers, live keys and ledger events of up to 500 subjects: four queries."""
    store = repository(uow, context)
    tombstones = store.tombstones_of(refs)
    people = store.contact_keys(refs)
    live = uow.subject_keys.live_many(refs, provider=context.key_provider, create=False)
    events = uow.consent.events_of(refs)
    return [
        _Subject(ref, people.get(ref), tombstones.get(ref), live.get(ref), events[ref])
        for ref in refs
    ]


def _check_known(
    uow: UnitOfWork,
    context: Context,
    subjects: list[_Subject],
    subject_refs: Sequence[str],
    where: Callable[[int], str],
) -> None:
    """Refuse the batch when the tenant has nothing about one of its subjects (NotFound)."""
    unsure = [
        s.ref for s in subjects
        if not s.repeated and s.contacts is None and s.previous is None and not s.events
    ]
    if not unsure:
        return
    assert uow.session is not None  # noqa: S101
    counts = personal_data.row_counts(uow.session, context.tenant, unsure)
    unknown = {ref for ref in unsure if not personal_data.found_anything(counts[ref])}
    for index, ref in enumerate(subject_refs):
        if ref in unknown:
            raise NotFound("no such customer", field=where(index))


def _erase_batch(
    uow: UnitOfWork,
    context: Context,
    batch: list[_Subject],
    holds: dict[str, list[LegalHold]],
    *,
    head: ChainHead,
    now: dt.datetime,
    request_ref: str | None,
    reports: dict[str, ErasureReport],
) -> ChainHead:
    """Erase or restrict up to 500 subjects as the module doc says; returns the ledger's head."""
    assert uow.session is not None  # noqa: S101
    session = uow.session
    for subject in batch:
        if subject.repeated:
            assert subject.previous is not None  # noqa: S101
            reports[subject.ref] = attrs.evolve(subject.previous, repeated=True)
    acting = [subject for subject in batch if not subject.repeated]
    if not acting:
        return head
    holding = {s.ref: held(s.ref, holds.get(s.ref, ()), now) for s in acting}
    ended, head = _end_consents(uow, context, acting, now, head)
    counts = personal_data.row_counts(session, context.tenant, [s.ref for s in acting])
    erased = [s for s in acting if not holding[s.ref]]
    suppressed = _suppress(uow, context, erased, now)
    destroyed = uow.subject_keys.destroy_many([s.ref for s in erased], at=now)
    changed = personal_data.erase_subjects(
        session, context.tenant, {s.ref: counts[s.ref] for s in erased}
    )
    done = []
    for subject in acting:
        ref = subject.ref
        if holding[ref]:
            grounds = "; ".join(hold.cite for hold in holding[ref])
            report = ErasureReport(
                subject_ref=ref,
                status="restricted",
                erased_at=now,
                request_ref=request_ref,
                consents_ended=ended.get(ref, 0),
                kept=[
                    KeptData(table.name, _categories(table, everything=True), grounds, rows)
                    for table, rows in personal_data.kept_counts(counts[ref], everything=True)
                ],
                holds=[hold.cite for hold in holding[ref]],
            )
        else:
            report = ErasureReport(
                subject_ref=ref,
                status="erased",
                erased_at=now,
                request_ref=request_ref,
                changed=changed[ref],
                keys_destroyed=destroyed.get(ref, 0),
                consents_ended=ended.get(ref, 0),
                suppressed=suppressed.get(ref, 0),
                kept=[
                    KeptData(table.name, _categories(table), _ground(table), rows)
                    for table, rows in personal_data.kept_counts(counts[ref])
                ],
            )
        reports[ref] = report
        done.append(report)
    repository(uow, context).save_tombstones(done)
    record_audits(uow, [
        audit_entry(
            context,
            f"subject.{report.status}",
            "customer",
            report.subject_ref,
            report.subject_ref,
            {
                "changed": dict(report.changed),
                "keys_destroyed": report.keys_destroyed,
                "consents_ended": report.consents_ended,
                "kept": sorted(item.table for item in report.kept),
                "request": request_ref or "",
            },
        )
        for report in done
    ])
    for report in done:
        if report.status == "erased":
            context.after_commit(  # hook
                uow, "globalcrm_customer_erased", subject_ref=report.subject_ref
            )
    return head


def _suppress(
    uow: UnitOfWork, context: Context, erased: list[_Subject], now: dt.datetime
) -> dict[str, int]:
    """Put the customers' e-mail and phone digests on the suppression list; new ones per subject."""
    people = [subject for subject in erased if subject.contacts is not None]
    if not people:
        return {}
    secret = _secret(uow, context, create=True)
    assert secret is not None  # noqa: S101
    batches = [
        [(suppression_digest(secret, kind, key), kind) for kind, key in subject.contacts or ()]
        for subject in people
    ]
    counts = repository(uow, context).suppress_many(batches, at=now)
    return {subject.ref: count for subject, count in zip(people, counts, strict=True)}


def _customer(uow: UnitOfWork, subject_ref: str) -> Customer | None:
    try:
        return uow.customers.get(subject_ref)
    except NotFound:
        return None


@functools.cache
def _categories(table: Any, *, everything: bool = False) -> list[str]:
    return sorted(
        {
            str(column.info["pii"])
            for column in table.columns
            if column.info.get("pii") not in ("none", "technical")
            and (everything or column.info.get("erase") == "keep")
        }
    ) or ["identifier"]


@functools.cache
def _ground(table: Any) -> str:
    grounds = sorted(
        {str(c.info["ground"]) for c in table.columns if c.info.get("erase") == "keep"
         and c.info.get("pii") not in ("none", "technical")}
    )
    return " | ".join(grounds)


def _end_consents(
    uow: UnitOfWork,
    context: Context,
    subjects: list[_Subject],
    now: dt.datetime,
    head: ChainHead,
) -> tuple[dict[str, int], ChainHead]:
    """Append an ``invalidated`` event for every key of each subject whose newest asks to process.

    The ledger then says why each consent ended, its projection follows, and ``audience``
    (which reads the projection backed by the ledger) no longer returns the subjects. The
    events are chained after ``head`` in one insert, with one audit entry each in one insert.
    Returns how many consents each subject had ended, and the ledger's new head.
    """
    with_events = [subject for subject in subjects if subject.events]
    if not with_events:
        return {}, head
    opened: dict[str, list[ConsentEvent]] = {}
    for event in _records.opened(uow, context, [e for s in with_events for e in s.events]):
        opened.setdefault(event.subject_ref, []).append(event)
    endings: list[ConsentEvent] = []
    for subject in with_events:
        latest: dict[tuple[str, str, str | None], ConsentEvent] = {}
        for event in sorted(opened.get(subject.ref, ()), key=ConsentEvent.sort_key):
            latest[(event.purpose_key, event.channel, event.contact_point_ref)] = event
        endings.extend(
            _ending(subject.ref, event, now) for event in latest.values() if event.state in ASKING
        )
    if not endings:
        return {}, head
    sealing = {ending.subject_ref for ending in endings if ending.personal_values()}
    keys = {s.ref: s.live for s in with_events if s.ref in sealing and s.live is not None}
    if sealing - keys.keys():  # made and wrapped on first use, as ``record`` does
        keys.update(uow.subject_keys.live_many(
            sealing - keys.keys(), provider=context.key_provider, create=True
        ))
    stored, head = uow.consent.append_many(
        [
            ending.sealed(keys[ending.subject_ref], tenant=context.tenant)
            if ending.personal_values() else ending
            for ending in endings
        ],
        now=now,
        head=head,
        known={subject.ref: subject.events for subject in with_events},
    )
    record_audits(uow, [
        audit_entry(
            context,
            "consent.recorded",
            "consent_event",
            event.event_id,
            event.subject_ref,
            {
                "purpose": event.purpose_key,
                "version": event.purpose_version,
                "channel": event.channel,
                "state": event.state,
                "actor_kind": event.actor_kind,
                "seq": event.seq,
            },
        )
        for event in stored
    ])
    ended: dict[str, int] = {}
    for event in stored:
        ended[event.subject_ref] = ended.get(event.subject_ref, 0) + 1
    return ended, head


def _ending(subject_ref: str, event: ConsentEvent, now: dt.datetime) -> ConsentEvent:
    """The ``invalidated`` event that ends the consent ``event`` (opened) recorded."""
    point = event.contact_point_ref if event.contact_point_ref != ERASED else None
    return ConsentEvent(
        subject_ref=subject_ref,
        purpose_key=event.purpose_key,
        purpose_version=event.purpose_version,
        channel=event.channel,
        state="invalidated",
        consent_type=event.consent_type,
        occurred_at=max(now, event.occurred_at),
        contact_point_ref=point,
        legal_basis=event.legal_basis,
        collection_method="api",
        actor_kind="system",
        age_assurance=event.age_assurance,
    )


# ----------------------------------------------------------------------------- export


def jsonable(value: Any) -> Any:
    """A stored or domain value as JSON (datetimes ISO 8601, bytes base64, attrs as objects)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if attrs.has(type(value)):
        return {f.name: jsonable(getattr(value, f.name)) for f in attrs.fields(type(value))}
    return str(value)


def export(
    uow: UnitOfWork, context: Context, subject_ref: str, *, now: dt.datetime
) -> dict[str, Any]:
    """Everything stored about the subject, as one JSON document (see ``crm.privacy.export``).

    Raises:
        NotFound: the tenant has nothing about ``subject_ref``.
    """
    assert uow.session is not None  # noqa: S101
    person = _customer(uow, subject_ref)
    tombstone = repository(uow, context).tombstone(subject_ref)
    if person is None and tombstone is None:
        raise NotFound("no such customer", field="customer")
    found: dict[str, list[dict[str, Any]]] = {}
    for table, columns, rows in personal_data.export_rows(
        uow.session, context.tenant, subject_ref
    ):
        found[table.name] = [
            {name: jsonable(value) for name, value in zip(columns, row, strict=True)}
            for row in rows
        ]
    history = []
    events = _records.opened(uow, context, uow.consent.events(subject_ref=subject_ref))
    for event in sorted(events, key=ConsentEvent.sort_key):
        item = jsonable(attrs.evolve(event, evidence=None))
        for name in ("prev_hash", "entry_hash", "personal", "sealed_fields"):
            item.pop(name, None)
        item["evidence"] = _evidence(uow, context, event)
        history.append(item)
    return {
        "format": EXPORT_FORMAT,
        "tenant": context.tenant,
        "subject_ref": subject_ref,
        "exported_at": jsonable(now),
        "customer": None if person is None else customer_to_document(person),
        "consent_history": history,
        "tables": found,
        "redacted": sorted(
            f"{table.name}.{column.name}"
            for table in personal_data.subject_tables()
            for column in table.columns
            if column.info.get("export") is not True
            and column.info.get("pii") not in ("none", "technical")
        ),
    }


def _evidence(uow: UnitOfWork, context: Context, event: ConsentEvent) -> Any:
    if event.evidence is None:
        return None
    key = uow.subject_keys.by_id(event.evidence.key_id, provider=context.key_provider)
    if key is None:
        return ERASED
    return open_evidence(event.evidence, key, aad=event.event_id)


def new_hold_id() -> str:
    """The id of a new legal hold."""
    return new_id()
