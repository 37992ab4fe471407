"""Junk into every public function of globalcrm.privacy: only GlobalCRMError may come out."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

import globalcrm as gc
from globalcrm.errors import GlobalCRMError
from globalcrm.privacy import (
    audit_log,
    chains,
    consent,
    key_wrapping,
    ledger,
    notices,
    receipts,
    regimes,
    tcf,
)

JUNK: list[Any] = [
    None,
    b"bytes",
    12,
    1.5,
    [],
    "x" * 100_000,
    "\x00\x1b",
    "",
    {},
    True,
    dt.datetime(2026, 1, 1),
    object(),
]
T0 = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
NOTICE = notices.publish_notice(
    "n",
    1,
    language="en",
    title="T",
    body="B",
    effective_from=T0 - dt.timedelta(days=1),
    notice_id="n-1",
)
PURPOSE = consent.Purpose("newsletter", 1, name="News", dpv_purpose="Marketing", kantara_category=6)
PURPOSE.activate()
EVENT = consent.ConsentEvent(
    subject_ref="s",
    purpose_key="newsletter",
    purpose_version=1,
    channel="email",
    state="given",
    consent_type="expressed",
    occurred_at=T0,
    notice_version_id="n-1",
    notice_sha256=NOTICE.content_sha256,
)
KEY = consent.SubjectKey.generate("s", key_id="k")
SEALED = consent.seal_evidence({"ip": "x"}, KEY, aad="e")
SUBJECT = consent.Subject("s", "DE", "Europe/Berlin", dt.date(2000, 1, 1))
CONTROLLER = receipts.PiiController("C", "c", {}, "e", "p")
RECEIPT = receipts.from_kantara(
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
        "services": [],
    }
)
H = b"\x00" * 32


def _event_kwargs() -> dict[str, Any]:
    return {
        "subject_ref": "s",
        "purpose_key": "newsletter",
        "purpose_version": 1,
        "channel": "email",
        "state": "given",
        "consent_type": "expressed",
        "occurred_at": T0,
    }


CASES: list[tuple[str, Callable[..., Any], list[Any], dict[str, Any]]] = [
    ("leaf_hash", audit_log.leaf_hash, [b"x"], {}),
    ("node_hash", audit_log.node_hash, [H, H], {}),
    ("merkle_root", audit_log.merkle_root, [[b"x"]], {}),
    ("inclusion_proof", audit_log.inclusion_proof, [[b"x", b"y"], 0], {}),
    ("consistency_proof", audit_log.consistency_proof, [[b"x", b"y"], 1], {}),
    ("verify_inclusion", audit_log.verify_inclusion, [H, 0, 1, [], H], {}),
    ("verify_consistency", audit_log.verify_consistency, [1, 2, H, H, [H]], {}),
    ("canonical_json", audit_log.canonical_json, [{"a": 1}], {}),
    ("commit", audit_log.commit, [b"k" * 32, "v"], {}),
    ("verify_chain", audit_log.verify_chain, [[]], {}),
    ("AuditEntry", audit_log.AuditEntry, [0, "a", T0, "staff", "u", "act", "type", "ref"], {}),
    (
        "AuditLog.append",
        audit_log.AuditLog().append,
        [T0],
        {
            "actor_kind": "staff",
            "actor_ref": "u",
            "action": "a",
            "entity_type": "t",
            "entity_ref": "r",
        },
    ),
    ("tcf.decode", tcf.decode, ["COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA"], {}),
    ("regime", regimes.regime, ["eu-gdpr"], {}),
    ("regime_code", regimes.regime_code, ["eu-gdpr"], {}),
    ("regimes_for_country", regimes.regimes_for_country, ["LT"], {}),
    ("age_of_consent", regimes.age_of_consent, ["LT", "eu-gdpr"], {}),
    ("age_on", regimes.age_on, [dt.date(2000, 1, 1), T0, "Europe/Vilnius"], {}),
    ("is_minor", regimes.is_minor, [dt.date(2000, 1, 1), "LT", T0, "Europe/Vilnius"], {}),
    ("canonical_text", notices.canonical_text, ["t", "b"], {}),
    ("content_sha256", notices.content_sha256, ["t", "b"], {}),
    (
        "publish_notice",
        notices.publish_notice,
        ["k", 1],
        {"language": "en", "title": "t", "body": "b", "effective_from": T0},
    ),
    (
        "supersede_notice",
        notices.supersede_notice,
        [NOTICE],
        {"body": "b", "effective_from": T0, "material_change": False},
    ),
    ("verify_notice", notices.verify_notice, [NOTICE], {}),
    ("Purpose", consent.Purpose, ["k", 1, "Name", "Marketing"], {}),
    ("Subject", consent.Subject, ["s", "LT", "Europe/Vilnius"], {}),
    ("SubjectKey.generate", consent.SubjectKey.generate, ["s"], {}),
    ("seal_evidence", consent.seal_evidence, [{"ip": "x"}, KEY], {"aad": "e"}),
    ("open_evidence", consent.open_evidence, [SEALED, KEY], {"aad": "e"}),
    ("tcf_evidence", consent.tcf_evidence, ["COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA"], {}),
    ("add_duration", consent.add_duration, [T0, "P1Y"], {}),
    ("fold", consent.fold, [[EVENT]], {}),
    ("status", consent.status, [[EVENT], PURPOSE, "email", T0], {}),
    ("can_contact", consent.can_contact, [[EVENT], PURPOSE, "email", T0], {}),
    (
        "check_event",
        consent.check_event,
        [EVENT],
        {"purpose": PURPOSE, "now": T0, "notice": NOTICE},
    ),
    ("Projection.apply", consent.Projection().apply, [EVENT], {}),
    ("verify_ledger", consent.verify_ledger, [[EVENT]], {}),
    (
        "ConsentLedger.record",
        consent.ConsentLedger().record,
        [EVENT],
        {"purpose": PURPOSE, "now": T0, "notice": NOTICE},
    ),
    (
        "issue_token",
        consent.issue_token,
        [[], "confirm"],
        {"subject_ref": "s", "purpose_key": "p", "channel": "email", "now": T0},
    ),
    ("redeem_token", consent.redeem_token, [[], "token"], {"now": T0}),
    ("from_kantara", receipts.from_kantara, ["{}"], {}),
    ("to_kantara", receipts.to_kantara, [RECEIPT], {}),
    (
        "kantara_receipt",
        receipts.kantara_receipt,
        [[EVENT], [PURPOSE]],
        {
            "controller": CONTROLLER,
            "principal_id": "s",
            "jurisdiction": "LT",
            "policy_url": "u",
            "service": "s",
            "pii_categories": {"newsletter": ["2 - Contact"]},
            "at": T0,
        },
    ),
    (
        "iso27560_record",
        receipts.iso27560_record,
        [[EVENT], [PURPOSE]],
        {
            "notice": NOTICE,
            "controller": CONTROLLER,
            "principal_id": "s",
            "jurisdiction": "LT",
            "pii_types": [],
            "storage_locations": [],
            "retention_period": "1y",
            "recipients": [],
            "withdrawal_method": "link",
            "at": T0,
        },
    ),
    ("replay", consent.replay, [[EVENT]], {"at": T0}),
    ("keyed_digest", consent.keyed_digest, [KEY, "v"], {"purpose": "contact_point"}),
    ("ConsentEvent.sealed", EVENT.sealed, [KEY], {"tenant": "default"}),
    ("ConsentEvent.opened", EVENT.opened, [KEY], {"tenant": "default"}),
    ("SealedEvidence.from_text", consent.SealedEvidence.from_text, [SEALED.as_text()], {}),
    ("advance", consent.advance, [None, EVENT], {}),
    (
        "parse_entry",
        ledger.parse_entry,
        ["{}"],
        {"scheme": 2, "seq": 0, "recorded_at": T0, "prev_hash": H, "entry_hash": H},
    ),
    ("entry_document", ledger.entry_document, [EVENT], {"tenant": "default", "after": None}),
    ("same_event", ledger.same_event, [EVENT, EVENT], {}),
    ("first_bad_link", chains.first_bad_link, [[]], {"head": chains.ChainHead(0, H)}),
    ("ChainHead", chains.ChainHead, [0, H], {}),
    ("StoreCheckpoint.from_json", chains.StoreCheckpoint.from_json, [{}], {}),
    ("EnvKeyProvider", key_wrapping.EnvKeyProvider, ["GLOBALCRM_NO_SUCH_VARIABLE"], {}),
    ("LocalKeyFile", key_wrapping.LocalKeyFile, ["/nonexistent/dir/crm.kek"], {}),
    ("wrap", key_wrapping.EphemeralKeyProvider().wrap, [b"k" * 32], {"context": b"c"}),
    (
        "unwrap",
        key_wrapping.EphemeralKeyProvider().unwrap,
        [b"x" * 60],
        {"kek_id": "kek-0", "context": b"c"},
    ),
    ("open(key_provider)", gc.open, ["sqlite://"], {"key_provider": None}),
]


def _call(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> None:
    with contextlib.suppress(GlobalCRMError):
        func(*args, **kwargs)


@pytest.mark.parametrize(("name", "func", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_junk_gives_only_our_errors(
    name: str, func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]
) -> None:
    _call(func, args, kwargs)  # the valid call works or refuses cleanly
    calls = 0
    for position in range(len(args)):
        for junk in JUNK:
            mutated = list(args)
            mutated[position] = junk
            _call(func, mutated, kwargs)
            calls += 1
    for key in kwargs:
        for junk in JUNK:
            _call(func, args, {**kwargs, key: junk})
            calls += 1
    assert calls == len(JUNK) * (len(args) + len(kwargs))


def test_consent_event_fields_take_junk() -> None:
    for key in _event_kwargs():
        for junk in JUNK:
            if (key, junk) == ("purpose_version", 12):
                continue  # a valid version number
            with pytest.raises(GlobalCRMError):
                consent.ConsentEvent(**{**_event_kwargs(), key: junk})


def test_verifiers_return_false_for_junk() -> None:
    for junk in JUNK:
        assert audit_log.verify_inclusion(junk, 0, 1, [], H) is False
        assert audit_log.verify_consistency(1, 2, H, H, junk) is False


def test_crm_privacy_methods_take_junk() -> None:
    crm = gc.open("sqlite://")
    calls: list[Callable[[Any], object]] = [
        lambda junk: crm.privacy.verify(checkpoint=junk),
        lambda junk: crm.privacy.verify_ledger(checkpoint=junk),
        lambda junk: crm.privacy.verify_audit(checkpoint=junk),
        lambda junk: crm.privacy.evidence(junk),
        lambda junk: gc.open("sqlite://", key_provider=junk),
    ]
    for call in calls:
        for junk in JUNK:
            with contextlib.suppress(GlobalCRMError):
                call(junk)
    assert crm.privacy.verify().ok and crm.privacy.store_checkpoint().consent.size == 0
    assert crm.privacy.rewrap_keys() == 0
    crm.close()
