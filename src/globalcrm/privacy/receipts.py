"""Consent receipts: Kantara Consent Receipt 1.1 in and out, and ISO/IEC TS 27560-shaped records.

Kantara Initiative, Consent Receipt Specification v1.1.0 (KI-CR-v1.1.0; schema and example in
KantaraInitiative/consent-receipt-v-next ``CR_v1_1/``). :func:`from_kantara` reads a receipt
into :class:`ConsentReceipt` keeping every field (unknown top-level fields too, in
``extensions``), and :func:`to_kantara` writes it back equal. :func:`kantara_receipt` builds one
from the consent ledger. Category strings (``"2 - Contact"``) are kept verbatim: the official
example's labels differ from the spec's appendix, so match on the number.

:func:`iso27560_record` emits the record structure of ISO/IEC TS 27560:2023 (header, processing,
parties, events; field names as tabulated by the W3C DPVCG guide "Consent Records and Receipts
as per ISO/IEC TS 27560:2023 using DPV", https://w3id.org/dpv/guides/consent-27560).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, InvalidLength, NotFound
from globalcrm.privacy.events import GRANTS, ConsentEvent
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.privacy.projection import replay
from globalcrm.privacy.purposes import Purpose

__all__ = [
    "KANTARA_PURPOSE_CATEGORIES",
    "KANTARA_VERSION",
    "ConsentReceipt",
    "PiiController",
    "ReceiptPurpose",
    "ReceiptService",
    "from_kantara",
    "iso27560_record",
    "kantara_receipt",
    "to_kantara",
]

KANTARA_VERSION = "KI-CR-v1.1.0"
KANTARA_PURPOSE_CATEGORIES = {
    1: "Core Function",
    2: "Contracted Service",
    3: "Delivery",
    4: "Contact Requested",
    5: "Personalized Experience",
    6: "Marketing",
    7: "Marketing Third Parties",
    8: "Sharing for Delivery",
    9: "Sharing for Marketing",
    10: "3rd Party Sharing for Core Function",
    11: "3rd Party Sharing for Others",
    12: "Legally Required Data Retention",
    13: "Required by Law Enforcement or Government",
    14: "Protecting Your Health",
    15: "Protecting Our Interests",
    16: "Improve Performance",
}
"""Kantara CR 1.1 purpose categories (appendix), rendered as ``"N - Label"``."""
_MAX_RECEIPT = 1_000_000


@attrs.frozen
class ReceiptPurpose:
    """One purpose of a service in a receipt (``services[].purposes[]``)."""

    consent_type: str
    purpose_category: tuple[str, ...]
    pii_category: tuple[str, ...]
    termination: str
    third_party_disclosure: bool
    purpose: str | None = None
    primary_purpose: bool | None = None
    third_party_name: str | None = None


@attrs.frozen
class ReceiptService:
    """A service and the purposes consented to for it."""

    service: str
    purposes: tuple[ReceiptPurpose, ...]


@attrs.frozen(hash=False)
class PiiController:
    """A PII controller as Kantara lists it (``address`` is a free JSON object)."""

    pii_controller: str
    contact: str
    address: Mapping[str, Any]
    email: str
    phone: str
    on_behalf: bool | None = None
    pii_controller_url: str | None = None


@attrs.frozen(hash=False)
class ConsentReceipt:
    """A Kantara Consent Receipt 1.1; ``consent_timestamp`` is an aware UTC datetime."""

    version: str
    jurisdiction: str
    consent_timestamp: dt.datetime
    collection_method: str
    consent_receipt_id: str
    pii_principal_id: str
    pii_controllers: tuple[PiiController, ...]
    policy_url: str
    services: tuple[ReceiptService, ...]
    sensitive: bool
    spi_cat: tuple[str, ...]
    public_key: str | None = None
    language: str | None = None
    extensions: Mapping[str, Any] = attrs.field(factory=dict)


# --- reading ---------------------------------------------------------------------------------

_TOP = (
    "version",
    "jurisdiction",
    "consentTimestamp",
    "collectionMethod",
    "consentReceiptID",
    "publicKey",
    "language",
    "piiPrincipalId",
    "piiControllers",
    "policyUrl",
    "services",
    "sensitive",
    "spiCat",
)


def _get(data: Mapping[str, Any], key: str, field: str, kind: type, *, required: bool) -> Any:
    if key not in data:
        if required:
            raise InvalidFormat("missing", field=f"{field}{key}")
        return None
    value = data[key]
    if kind is str:
        return _checks.text(
            value, field=f"{field}{key}", allow_empty=True, multiline=True, max_length=100_000
        )
    if kind is bool:
        return _checks.flag(value, field=f"{field}{key}")
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidFormat("expected a non-negative integer", field=f"{field}{key}")
        return value
    if kind is list:
        return _checks.sequence(value, field=f"{field}{key}")
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected an object", field=f"{field}{key}")
    return value


def _strings(items: list[object], field: str) -> tuple[str, ...]:
    return tuple(
        _checks.text(item, field=f"{field}[{i}]", allow_empty=True, max_length=1000)
        for i, item in enumerate(items)
    )


def _object(value: object, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected an object", field=field)
    return value


def _purpose(data: object, field: str) -> ReceiptPurpose:
    item = _object(data, field)
    prefix = f"{field}."
    disclosure = _get(item, "thirdPartyDisclosure", prefix, bool, required=True)
    name = _get(item, "thirdPartyName", prefix, str, required=False)
    if disclosure and name is None:
        raise InvalidFormat(
            "a third-party disclosure needs thirdPartyName", field=f"{prefix}thirdPartyName"
        )
    return ReceiptPurpose(
        consent_type=_get(item, "consentType", prefix, str, required=True),
        purpose_category=_strings(
            _get(item, "purposeCategory", prefix, list, required=True), f"{prefix}purposeCategory"
        ),
        pii_category=_strings(
            _get(item, "piiCategory", prefix, list, required=True), f"{prefix}piiCategory"
        ),
        termination=_get(item, "termination", prefix, str, required=True),
        third_party_disclosure=disclosure,
        purpose=_get(item, "purpose", prefix, str, required=False),
        primary_purpose=_get(item, "primaryPurpose", prefix, bool, required=False),
        third_party_name=name,
    )


def _controller(data: object, field: str) -> PiiController:
    item = _object(data, field)
    prefix = f"{field}."
    address = _checks.json_safe(
        _get(item, "address", prefix, dict, required=True), field=f"{prefix}address"
    )
    return PiiController(
        pii_controller=_get(item, "piiController", prefix, str, required=True),
        contact=_get(item, "contact", prefix, str, required=True),
        address=address,
        email=_get(item, "email", prefix, str, required=True),
        phone=_get(item, "phone", prefix, str, required=True),
        on_behalf=_get(item, "onBehalf", prefix, bool, required=False),
        pii_controller_url=_get(item, "piiControllerUrl", prefix, str, required=False),
    )


def from_kantara(receipt: Mapping[str, Any] | str) -> ConsentReceipt:
    """Read a Kantara CR 1.1 receipt (a parsed JSON object or its JSON text), losing no field.

    Raises:
        InvalidFormat: not JSON, a required field missing, or a field of the wrong type.
    """
    if isinstance(receipt, str):
        if len(receipt) > _MAX_RECEIPT:
            raise InvalidLength("the receipt is too large", field="receipt")
        try:
            receipt = json.loads(receipt)
        except (ValueError, RecursionError) as error:
            raise InvalidFormat("not JSON", field="receipt") from error
    data = _object(receipt, "receipt")
    services = []
    for i, raw in enumerate(_get(data, "services", "", list, required=True)):
        item = _object(raw, f"services[{i}]")
        purposes = _get(item, "purposes", f"services[{i}].", list, required=True)
        services.append(
            ReceiptService(
                service=_get(item, "service", f"services[{i}].", str, required=True),
                purposes=tuple(
                    _purpose(p, f"services[{i}].purposes[{j}]") for j, p in enumerate(purposes)
                ),
            )
        )
    controllers = _get(data, "piiControllers", "", list, required=True)
    stamp = _get(data, "consentTimestamp", "", int, required=True)
    try:
        when = dt.datetime.fromtimestamp(stamp, dt.UTC)
    except (OverflowError, OSError, ValueError) as error:
        raise InvalidFormat("timestamp out of range", field="consentTimestamp") from error
    extensions = {k: _checks.json_safe(v, field=k) for k, v in data.items() if k not in _TOP}
    return ConsentReceipt(
        version=_get(data, "version", "", str, required=True),
        jurisdiction=_get(data, "jurisdiction", "", str, required=True),
        consent_timestamp=when,
        collection_method=_get(data, "collectionMethod", "", str, required=True),
        consent_receipt_id=_get(data, "consentReceiptID", "", str, required=True),
        pii_principal_id=_get(data, "piiPrincipalId", "", str, required=True),
        pii_controllers=tuple(
            _controller(c, f"piiControllers[{i}]") for i, c in enumerate(controllers)
        ),
        policy_url=_get(data, "policyUrl", "", str, required=True),
        services=tuple(services),
        sensitive=_get(data, "sensitive", "", bool, required=True),
        spi_cat=_strings(_get(data, "spiCat", "", list, required=True), "spiCat"),
        public_key=_get(data, "publicKey", "", str, required=False),
        language=_get(data, "language", "", str, required=False),
        extensions=extensions,
    )


# --- writing ---------------------------------------------------------------------------------


def _put(target: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        target[key] = value


def to_kantara(receipt: ConsentReceipt) -> dict[str, Any]:
    """Write a receipt as a Kantara CR 1.1 JSON object (optional fields only when set)."""
    if not isinstance(receipt, ConsentReceipt):
        raise InvalidFormat("expected a ConsentReceipt", field="receipt")
    result: dict[str, Any] = dict(receipt.extensions)
    result.update(
        {
            "version": receipt.version,
            "jurisdiction": receipt.jurisdiction,
            "consentTimestamp": int(receipt.consent_timestamp.timestamp()),
            "collectionMethod": receipt.collection_method,
            "consentReceiptID": receipt.consent_receipt_id,
            "piiPrincipalId": receipt.pii_principal_id,
            "policyUrl": receipt.policy_url,
            "sensitive": receipt.sensitive,
            "spiCat": list(receipt.spi_cat),
        }
    )
    _put(result, "publicKey", receipt.public_key)
    _put(result, "language", receipt.language)
    controllers = []
    for c in receipt.pii_controllers:
        item: dict[str, Any] = {
            "piiController": c.pii_controller,
            "contact": c.contact,
            "address": dict(c.address),
            "email": c.email,
            "phone": c.phone,
        }
        _put(item, "onBehalf", c.on_behalf)
        _put(item, "piiControllerUrl", c.pii_controller_url)
        controllers.append(item)
    result["piiControllers"] = controllers
    services = []
    for s in receipt.services:
        purposes = []
        for p in s.purposes:
            entry: dict[str, Any] = {
                "consentType": p.consent_type,
                "purposeCategory": list(p.purpose_category),
                "piiCategory": list(p.pii_category),
                "termination": p.termination,
                "thirdPartyDisclosure": p.third_party_disclosure,
            }
            _put(entry, "purpose", p.purpose)
            _put(entry, "primaryPurpose", p.primary_purpose)
            _put(entry, "thirdPartyName", p.third_party_name)
            purposes.append(entry)
        services.append({"service": s.service, "purposes": purposes})
    result["services"] = services
    return result


def _controller_arg(value: object) -> PiiController:
    if not isinstance(value, PiiController):
        raise InvalidFormat("expected a PiiController", field="controller")
    return value


def _granted(
    events: Sequence[object], purposes: Sequence[object], at: dt.datetime
) -> list[tuple[Purpose, ConsentEvent]]:
    by_key: dict[str, Purpose] = {}
    for i, purpose in enumerate(purposes):
        if not isinstance(purpose, Purpose):
            raise InvalidFormat("expected a Purpose", field=f"purposes[{i}]")
        by_key[purpose.key] = purpose
    checked: list[ConsentEvent] = []
    for i, event in enumerate(events):
        if not isinstance(event, ConsentEvent):
            raise InvalidFormat("expected a ConsentEvent", field=f"events[{i}]")
        checked.append(event)
    states = replay(checked, at=at)
    ids = {e.event_id: e for e in checked}
    result = []
    for state in states.values():
        match = by_key.get(state.purpose_key)
        if match is not None and state.state in GRANTS:
            result.append((match, ids[state.event_id]))
    if not result:
        raise NotFound("no consent given for these purposes", field="events")
    return sorted(result, key=lambda pair: pair[0].key)


def kantara_receipt(
    events: Sequence[ConsentEvent],
    purposes: Sequence[Purpose],
    *,
    controller: PiiController,
    principal_id: str,
    jurisdiction: str,
    policy_url: str,
    service: str,
    pii_categories: Mapping[str, Sequence[str]],
    at: dt.datetime,
    termination: str = "until withdrawn",
    language: str | None = None,
    sensitive_categories: Sequence[str] = (),
    receipt_id: str | None = None,
) -> ConsentReceipt:
    """A Kantara receipt for the purposes currently consented to (one service, one controller).

    ``principal_id`` should be a pseudonymous reference, not an e-mail address; each purpose needs
    its ``kantara_category`` and an entry in ``pii_categories`` (``"2 - Contact"`` ...).
    """
    owner = _controller_arg(controller)
    instant = _checks.aware_utc(at, field="at")
    granted = _granted(
        _checks.sequence(events, field="events"),
        _checks.sequence(purposes, field="purposes"),
        instant,
    )
    if not isinstance(pii_categories, Mapping):
        raise InvalidFormat(
            "expected a mapping of purpose key to categories", field="pii_categories"
        )
    items = []
    for purpose, event in granted:
        if purpose.kantara_category is None:
            raise InvalidInput("the purpose has no Kantara category", field="kantara_category")
        if purpose.key not in pii_categories:
            raise InvalidInput("no PII categories given for a purpose", field="pii_categories")
        label = KANTARA_PURPOSE_CATEGORIES[purpose.kantara_category]
        items.append(
            ReceiptPurpose(
                consent_type=event.consent_type.upper(),
                purpose_category=(f"{purpose.kantara_category} - {label}",),
                pii_category=_strings(
                    _checks.sequence(pii_categories[purpose.key], field="pii_categories"),
                    "pii_categories",
                ),
                termination=_checks.text(termination, field="termination"),
                third_party_disclosure=False,
                purpose=purpose.name,
            )
        )
    latest = max(event.occurred_at for _, event in granted)
    spi = _strings(
        _checks.sequence(sensitive_categories, field="sensitive_categories"),
        "sensitive_categories",
    )
    return ConsentReceipt(
        version=KANTARA_VERSION,
        jurisdiction=_checks.text(jurisdiction, field="jurisdiction", max_length=100),
        consent_timestamp=latest.replace(microsecond=0),
        collection_method=", ".join(sorted({e.collection_method for _, e in granted})),
        # a UUID as Kantara CR 1.1 asks (ISO/IEC TS 27560 recommends UUID-4 for record ids);
        # the ledger's own ids are ULIDs (globalcrm.identifiers.new_id)
        consent_receipt_id=receipt_id or str(uuid.uuid4()),
        pii_principal_id=_checks.text(principal_id, field="principal_id", max_length=200),
        pii_controllers=(owner,),
        policy_url=_checks.text(policy_url, field="policy_url", max_length=2000),
        services=(ReceiptService(_checks.text(service, field="service"), tuple(items)),),
        sensitive=bool(spi),
        spi_cat=spi,
        language=None if language is None else _checks.language(language),
    )


def _duration(event: ConsentEvent) -> str:
    if event.valid_until is None:
        return "until withdrawn"
    seconds = int((event.valid_until - (event.valid_from or event.occurred_at)).total_seconds())
    return f"PT{seconds}S"


def iso27560_record(
    events: Sequence[ConsentEvent],
    purposes: Sequence[Purpose],
    *,
    notice: NoticeVersion,
    controller: PiiController,
    principal_id: str,
    jurisdiction: str,
    pii_types: Sequence[str],
    storage_locations: Sequence[str],
    retention_period: str,
    recipients: Sequence[str],
    withdrawal_method: str,
    at: dt.datetime,
    record_id: str | None = None,
) -> dict[str, Any]:
    """An ISO/IEC TS 27560 consent record (header, processing, parties, events) as JSON."""
    owner = _controller_arg(controller)
    if not isinstance(notice, NoticeVersion):
        raise InvalidFormat("expected a NoticeVersion", field="notice")
    instant = _checks.aware_utc(at, field="at")
    rows = _checks.sequence(events, field="events")
    granted = _granted(rows, _checks.sequence(purposes, field="purposes"), instant)
    lists = {
        name: [
            _checks.text(v, field=f"{name}[{i}]")
            for i, v in enumerate(_checks.sequence(value, field=name))
        ]
        for name, value in (
            ("pii_types", pii_types),
            ("storage_locations", storage_locations),
            ("recipients", recipients),
        )
    }
    chosen = {p.key for p, _ in granted}
    history = sorted(
        (e for e in rows if isinstance(e, ConsentEvent) and e.purpose_key in chosen),
        key=ConsentEvent.sort_key,
    )
    return {
        "header": {
            "schema_version": "ISO/IEC TS 27560:2023",
            "record_id": record_id or str(uuid.uuid4()),
            "pii_principal_id": _checks.text(principal_id, field="principal_id"),
        },
        "processing": {
            "privacy_notice": {
                "id": notice.id,
                "version": notice.version,
                "sha256": notice.content_sha256,
            },
            "language": notice.language,
            "purposes": [
                {
                    "purpose": p.name,
                    "purpose_id": p.key,
                    "purpose_version": p.version,
                    "purpose_type": f"dpv:{p.dpv_purpose}",
                    "lawful_basis": dict(p.legal_basis),
                }
                for p, _ in granted
            ],
            "pii_information": [
                {"pii_type": _checks.text(t, field="pii_types")} for t in pii_types
            ],
            "pii_controllers": [owner.pii_controller],
            "collection_method": sorted({e.collection_method for _, e in granted}),
            "storage_locations": [
                _checks.text(s, field="storage_locations") for s in storage_locations
            ],
            "retention_period": _checks.text(retention_period, field="retention_period"),
            "jurisdiction": _checks.text(jurisdiction, field="jurisdiction"),
            "recipient_third_parties": lists["recipients"],
            "withdrawal_method": _checks.text(withdrawal_method, field="withdrawal_method"),
        },
        "parties": [
            {
                "party_id": owner.pii_controller,
                "party_name": owner.pii_controller,
                "party_address": dict(owner.address),
                "party_contact": owner.contact,
                "party_email": owner.email,
                "party_phone": owner.phone,
                "party_type": "controller",
            }
        ],
        "events": [
            {
                "event_time": e.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "validity_duration": _duration(e),
                "entity_id": e.actor_ref or e.actor_kind,
                "entity_kind": e.actor_kind,
                "event_type": e.consent_type,
                "event_state": e.dpv_status,
                "purpose_id": e.purpose_key,
            }
            for e in history
        ],
    }
