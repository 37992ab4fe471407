"""Erasure, export and suppression in the store, generated from the personal-data registry.

``erase`` runs inside the caller's unit of work (one transaction: an error anywhere rolls back
the rows, the ended consents, the destroyed keys and the audit entries together). In order: end
every consent of the subject with a ledger event (``invalidated``), so ``audience`` never
returns them and the projection still equals a replay; keep the suppression digests of their
e-mail addresses and phone numbers; destroy their data keys (what the ledger and the audit log
hold of them is sealed under those: crypto-shredded, every hash intact); then delete, null and
anonymise every table's rows as its columns say (:mod:`globalcrm.storage.personal_data`), keep a
tombstone and write one audit entry. ``crm.customers.delete`` is this erasure.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.contact_points import EmailAddress, PhoneNumber
from globalcrm.crm import consent_records as _records
from globalcrm.crm._context import Context
from globalcrm.crm.audit import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import GlobalCRMError, InvalidInput, NotFound, RuleViolation
from globalcrm.identifiers import new_id
from globalcrm.import_export import customer_to_document
from globalcrm.privacy.erasure import (
    SUPPRESSED_KINDS,
    SUPPRESSION_SUBJECT,
    ErasureReport,
    KeptData,
    suppression_digest,
)
from globalcrm.privacy.events import ASKING, ConsentEvent
from globalcrm.privacy.evidence import ERASED, SubjectKey, open_evidence
from globalcrm.privacy.retention import held
from globalcrm.storage import personal_data
from globalcrm.storage.erasure_repository import ErasureRepository
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = [
    "EXPORT_FORMAT",
    "check_not_suppressed",
    "erase",
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


def erase(
    uow: UnitOfWork,
    context: Context,
    subject_ref: str,
    *,
    now: dt.datetime,
    request_ref: str | None = None,
) -> ErasureReport:
    """Erase (or, under a legal hold, restrict) one subject in ``uow``; see the module doc.

    Raises:
        NotFound: the tenant has nothing about ``subject_ref``.
    """
    assert uow.session is not None  # noqa: S101
    session = uow.session
    store = repository(uow, context)
    uow.consent.lock()  # one erasure or consent write at a time in the tenant
    previous = store.tombstone(subject_ref)
    person = _customer(uow, subject_ref)
    live = uow.subject_keys.live(subject_ref, provider=context.key_provider, create=False)
    if person is None and live is None and previous is not None and previous.status == "erased":
        return attrs.evolve(previous, repeated=True)
    events = uow.consent.events(subject_ref=subject_ref)
    if person is None and previous is None and not events and not _has_rows(
        uow, context.tenant, subject_ref
    ):
        raise NotFound("no such customer", field="customer")
    holds = held(subject_ref, [hold for _, hold in store.holds(subject_ref=subject_ref)], now)
    ended = _end_consents(uow, context, subject_ref, events, now)
    if holds:
        grounds = "; ".join(f"{hold.cite}" for hold in holds)
        kept = [
            KeptData(table.name, _categories(table, everything=True), grounds, rows)
            for table, rows in personal_data.kept_rows(
                session, context.tenant, subject_ref, everything=True
            )
        ]
        report = ErasureReport(
            subject_ref=subject_ref,
            status="restricted",
            erased_at=now,
            request_ref=request_ref,
            consents_ended=ended,
            kept=kept,
            holds=[hold.cite for hold in holds],
        )
    else:
        suppressed = 0
        if person is not None:
            secret = _secret(uow, context, create=True)
            assert secret is not None  # noqa: S101
            digests = [
                (suppression_digest(secret, kind, key), kind)
                for kind, key in person.search_keys()
                if kind in SUPPRESSED_KINDS
            ]
            suppressed = store.suppress(digests, at=now)
        keys = uow.subject_keys.destroy(subject_ref, at=now)
        kept = [
            KeptData(table.name, _categories(table), _ground(table), rows)
            for table, rows in personal_data.kept_rows(session, context.tenant, subject_ref)
        ]
        changed = personal_data.erase_subject(session, context.tenant, subject_ref)
        report = ErasureReport(
            subject_ref=subject_ref,
            status="erased",
            erased_at=now,
            request_ref=request_ref,
            changed=changed,
            keys_destroyed=keys,
            consents_ended=ended,
            suppressed=suppressed,
            kept=kept,
        )
    store.save_tombstone(report)
    record_audit(
        uow,
        context,
        f"subject.{report.status}",
        "customer",
        subject_ref,
        subject_ref,
        {
            "changed": dict(report.changed),
            "keys_destroyed": report.keys_destroyed,
            "consents_ended": report.consents_ended,
            "kept": sorted(item.table for item in report.kept),
            "request": request_ref or "",
        },
    )
    if report.status == "erased":
        context.after_commit(uow, "globalcrm_customer_erased", subject_ref=subject_ref)  # hook
    return report


def _customer(uow: UnitOfWork, subject_ref: str) -> Customer | None:
    try:
        return uow.customers.get(subject_ref)
    except NotFound:
        return None


def _has_rows(uow: UnitOfWork, tenant: str, subject_ref: str) -> bool:
    assert uow.session is not None  # noqa: S101
    return any(
        True for _ in personal_data.export_rows(uow.session, tenant, subject_ref)
    ) or bool(personal_data.kept_rows(uow.session, tenant, subject_ref, everything=True))


def _categories(table: Any, *, everything: bool = False) -> list[str]:
    return sorted(
        {
            str(column.info["pii"])
            for column in table.columns
            if column.info.get("pii") not in ("none", "technical")
            and (everything or column.info.get("erase") == "keep")
        }
    ) or ["identifier"]


def _ground(table: Any) -> str:
    grounds = sorted(
        {str(c.info["ground"]) for c in table.columns if c.info.get("erase") == "keep"
         and c.info.get("pii") not in ("none", "technical")}
    )
    return " | ".join(grounds)


def _end_consents(
    uow: UnitOfWork,
    context: Context,
    subject_ref: str,
    events: list[ConsentEvent],
    now: dt.datetime,
) -> int:
    """Append an ``invalidated`` event for every key of the subject whose newest asks to process.

    The ledger then says why the consent ended, its projection follows, and ``audience`` (which
    reads the projection backed by the ledger) no longer returns the subject.
    """
    latest: dict[tuple[str, str, str | None], ConsentEvent] = {}
    for event in sorted(_records.opened(uow, context, events), key=ConsentEvent.sort_key):
        latest[(event.purpose_key, event.channel, event.contact_point_ref)] = event
    ended = 0
    for event in latest.values():
        if event.state not in ASKING:
            continue
        point = event.contact_point_ref if event.contact_point_ref != ERASED else None
        ending = ConsentEvent(
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
        key = None
        if ending.personal_values():
            key = uow.subject_keys.live(subject_ref, provider=context.key_provider, create=True)
        stored_form = ending if key is None else ending.sealed(key, tenant=context.tenant)
        stored = uow.consent.append(stored_form, now=now, head=uow.consent.lock())
        record_audit(
            uow,
            context,
            "consent.recorded",
            "consent_event",
            stored.event_id,
            subject_ref,
            {
                "purpose": stored.purpose_key,
                "version": stored.purpose_version,
                "channel": stored.channel,
                "state": stored.state,
                "actor_kind": stored.actor_kind,
                "seq": stored.seq,
            },
        )
        ended += 1
    return ended


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
