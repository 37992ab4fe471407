"""Receipts: our Kantara export validates against the schema; ISO 27560 records (scenario 39)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from globalcrm.errors import InvalidFormat, InvalidInput, NotFound
from globalcrm.privacy import consent as c
from globalcrm.privacy import receipts
from globalcrm.privacy.notices import publish_notice

T0 = dt.datetime(2026, 1, 5, 9, 0, 30, 123456, tzinfo=dt.UTC)
CONTROLLER = receipts.PiiController(
    pii_controller="Shop UAB",
    contact="Data Protection Officer",
    address={"streetAddress": "Gedimino pr. 1", "addressCountry": "LT"},
    email="dpo@shop.example",
    phone="+370 5 000 0000",
)


def _schema(conformance_dir: Path) -> dict[str, Any]:
    text = (
        conformance_dir / "privacy/kantara-consent-receipt-v1.1/schema-draft6.jsonc"
    ).read_text()
    result: dict[str, Any] = json.loads(re.sub(r"(?m)^\s*//.*$", "", text))
    return result


def _ledger() -> tuple[list[c.ConsentEvent], list[c.Purpose], Any]:
    notice = publish_notice(
        "newsletter",
        1,
        language="en",
        title="News",
        body="Offers by e-mail",
        effective_from=T0 - dt.timedelta(days=1),
        notice_id="n-1",
    )
    news = c.Purpose(
        "newsletter",
        1,
        name="Newsletter",
        dpv_purpose="DirectMarketing",
        legal_basis={"eu-gdpr": "consent"},
        kantara_category=6,
    )
    news.activate()
    given = c.ConsentEvent(
        subject_ref="s-1",
        purpose_key="newsletter",
        purpose_version=1,
        channel="email",
        state="given",
        consent_type="explicit",
        occurred_at=T0,
        notice_version_id="n-1",
        notice_sha256=notice.content_sha256,
        event_id="e-1",
    )
    return [given], [news], notice


def test_39_our_receipt_validates_against_the_kantara_schema(conformance_dir: Path) -> None:
    events, purposes, _ = _ledger()
    receipt = receipts.kantara_receipt(
        events,
        purposes,
        controller=CONTROLLER,
        principal_id="s-1",
        jurisdiction="LT",
        policy_url="https://shop.example/privacy",
        service="Newsletter",
        pii_categories={"newsletter": ["2 - Contact"]},
        at=T0 + dt.timedelta(days=1),
        language="en",
        receipt_id="r-1",
    )
    data = receipts.to_kantara(receipt)
    assert not list(jsonschema.Draft4Validator(_schema(conformance_dir)).iter_errors(data))
    assert data["consentTimestamp"] == int(T0.replace(microsecond=0).timestamp())
    assert data["services"][0]["purposes"][0]["purposeCategory"] == ["6 - Marketing"]
    assert data["services"][0]["purposes"][0]["consentType"] == "EXPLICIT"
    assert receipts.from_kantara(data) == receipt


def test_39_withdrawn_consent_gives_no_receipt() -> None:
    events, purposes, _ = _ledger()
    withdrawn = c.ConsentEvent(
        subject_ref="s-1",
        purpose_key="newsletter",
        purpose_version=1,
        channel="email",
        state="withdrawn",
        consent_type="explicit",
        occurred_at=T0 + dt.timedelta(hours=1),
    )
    with pytest.raises(NotFound):
        receipts.kantara_receipt(
            [*events, withdrawn],
            purposes,
            controller=CONTROLLER,
            principal_id="s-1",
            jurisdiction="LT",
            policy_url="https://x",
            service="News",
            pii_categories={"newsletter": ["2 - Contact"]},
            at=T0 + dt.timedelta(days=1),
        )
    with pytest.raises(InvalidInput):
        receipts.kantara_receipt(
            events,
            purposes,
            controller=CONTROLLER,
            principal_id="s-1",
            jurisdiction="LT",
            policy_url="https://x",
            service="News",
            pii_categories={},
            at=T0 + dt.timedelta(days=1),
        )


ISO_MANDATORY = {
    "header": ["schema_version", "record_id", "pii_principal_id"],
    "processing": [
        "privacy_notice",
        "language",
        "purposes",
        "pii_information",
        "pii_controllers",
        "storage_locations",
        "retention_period",
        "jurisdiction",
        "recipient_third_parties",
        "withdrawal_method",
    ],
    "parties": ["party_id", "party_name", "party_address", "party_contact", "party_type"],
    "events": ["event_time", "validity_duration", "entity_id", "event_type", "event_state"],
}


def test_39_iso27560_record_has_every_mandatory_field() -> None:
    events, purposes, notice = _ledger()
    record = receipts.iso27560_record(
        events,
        purposes,
        notice=notice,
        controller=CONTROLLER,
        principal_id="s-1",
        jurisdiction="LT",
        pii_types=["dpv-pd:EmailAddress"],
        storage_locations=["EU"],
        retention_period="until withdrawn + 3 years",
        recipients=[],
        withdrawal_method="unsubscribe link in every e-mail",
        at=T0 + dt.timedelta(days=1),
        record_id="rec-1",
    )
    for section, fields in ISO_MANDATORY.items():
        rows = record[section] if isinstance(record[section], list) else [record[section]]
        assert rows, section
        for row in rows:
            assert all(field in row for field in fields), (section, row)
    assert record["events"][0]["event_state"] == "ConsentGiven"
    assert record["events"][0]["event_time"] == "2026-01-05T09:00:30.123456Z"
    assert record["processing"]["privacy_notice"]["sha256"] == notice.content_sha256
    assert record["processing"]["purposes"][0]["purpose_type"] == "dpv:DirectMarketing"


def test_import_reports_the_missing_field() -> None:
    with pytest.raises(InvalidFormat) as err:
        receipts.from_kantara({"version": "KI-CR-v1.1.0"})
    assert err.value.field == "services"
    with pytest.raises(InvalidFormat) as third:
        receipts.from_kantara(
            {
                "version": "v",
                "jurisdiction": "LT",
                "consentTimestamp": 1,
                "collectionMethod": "web",
                "consentReceiptID": "r",
                "piiPrincipalId": "p",
                "piiControllers": [],
                "policyUrl": "u",
                "sensitive": False,
                "spiCat": [],
                "services": [
                    {
                        "service": "s",
                        "purposes": [
                            {
                                "consentType": "EXPLICIT",
                                "purposeCategory": [],
                                "piiCategory": [],
                                "termination": "t",
                                "thirdPartyDisclosure": True,
                            }
                        ],
                    }
                ],
            }
        )
    assert third.value.field == "services[0].purposes[0].thirdPartyName"
    with pytest.raises(InvalidFormat):
        receipts.from_kantara("{not json")


def test_unknown_top_level_fields_survive_a_round_trip() -> None:
    example = {
        "version": "KI-CR-v1.1.0",
        "jurisdiction": "LT",
        "consentTimestamp": 1,
        "collectionMethod": "web",
        "consentReceiptID": "r",
        "piiPrincipalId": "p",
        "piiControllers": [],
        "policyUrl": "u",
        "sensitive": False,
        "spiCat": [],
        "services": [],
        "x-vendor": {"kept": True},
    }
    assert receipts.to_kantara(receipts.from_kantara(example)) == example
