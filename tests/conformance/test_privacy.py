"""Conformance: RFC 6962 Merkle vectors, IAB TCF v2 decode vectors, Kantara CR 1.1 round trip."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import attrs
import jsonschema

from globalcrm.privacy import audit_log, receipts, tcf
from tests.conftest import ConformanceReport


def _hex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def test_merkle_rfc6962(conformance_dir: Path, conformance_report: ConformanceReport) -> None:
    data = json.loads((conformance_dir / "privacy/merkle-rfc6962/vectors.json").read_text())
    leaves = _hex(data["leaf_inputs_hex"])
    passed, failed, notes = 0, 0, []
    for case in data["roots"]:
        got = audit_log.merkle_root(leaves[: case["tree_size"]]).hex()
        ok = got == case["root_hash"]
        passed, failed = passed + ok, failed + (not ok)
        if not ok:
            notes.append(f"root size {case['tree_size']}")
    for case in data["inclusion"]:
        result = audit_log.verify_inclusion(
            bytes.fromhex(case["leaf_hash"]),
            case["leaf_index"],
            case["tree_size"],
            _hex(case["audit_path"]),
            bytes.fromhex(case["root_hash"]),
        )
        ok = result == (case["expect"] == "valid")
        if ok and case["expect"] == "valid":
            index, size = case["leaf_index"], case["tree_size"]
            if size <= len(leaves):  # our generated proof must equal the upstream one
                ok = audit_log.inclusion_proof(leaves[:size], index) == _hex(case["audit_path"])
        passed, failed = passed + ok, failed + (not ok)
        if not ok:
            notes.append(f"inclusion {case['leaf_index']}/{case['tree_size']} {case['expect']}")
    for case in data["consistency"]:
        result = audit_log.verify_consistency(
            case["size1"],
            case["size2"],
            bytes.fromhex(case["root1"]),
            bytes.fromhex(case["root2"]),
            _hex(case["proof"]),
        )
        ok = result == (case["expect"] == "valid")
        if ok and case["expect"] == "valid" and case["size2"] <= len(leaves):
            proof = audit_log.consistency_proof(leaves[: case["size2"]], case["size1"])
            ok = proof == _hex(case["proof"])
        passed, failed = passed + ok, failed + (not ok)
        if not ok:
            notes.append(f"consistency {case['size1']}->{case['size2']} {case['expect']}")
    conformance_report.add("privacy", "merkle-rfc6962", passed, failed, notes)
    assert passed == len(data["roots"]) + len(data["inclusion"]) + len(data["consistency"])
    assert failed == 0, notes


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if attrs.has(type(value)):
        return {k: _plain(v) for k, v in attrs.asdict(value, recurse=False).items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def test_iab_tcf_v2(conformance_dir: Path, conformance_report: ConformanceReport) -> None:
    data = json.loads((conformance_dir / "privacy/iab-tcf-v2/decode-vectors.json").read_text())
    passed, failed, notes = 0, 0, []
    for case in data["cases"]:
        decoded = tcf.decode(case["tc_string"])
        wrong = [k for k, v in case["expect"].items() if _plain(getattr(decoded, k)) != v]
        passed, failed = passed + (not wrong), failed + bool(wrong)
        if wrong:
            notes.append(f"{case['id']}: {', '.join(wrong)}")
    conformance_report.add("privacy", "iab-tcf-v2", passed, failed, notes)
    assert passed == len(data["cases"]) > 0
    assert failed == 0, notes


def _schema(conformance_dir: Path) -> dict[str, Any]:
    text = (
        conformance_dir / "privacy/kantara-consent-receipt-v1.1/schema-draft6.jsonc"
    ).read_text()
    schema: dict[str, Any] = json.loads(re.sub(r"(?m)^\s*//.*$", "", text))
    return schema


def test_kantara_example_round_trip(
    conformance_dir: Path, conformance_report: ConformanceReport
) -> None:
    folder = conformance_dir / "privacy/kantara-consent-receipt-v1.1"
    example = json.loads((folder / "example.json").read_text())
    validator = jsonschema.Draft4Validator(_schema(conformance_dir))
    receipt = receipts.from_kantara(example)
    exported = receipts.to_kantara(receipt)
    checks = {
        "round trip equal": exported == example,
        "export validates": not list(validator.iter_errors(exported)),
        "no field lost": json.dumps(exported, sort_keys=True)
        == json.dumps(example, sort_keys=True),
        "text round trip": receipts.from_kantara(json.dumps(example)) == receipt,
        "timestamp aware": receipt.consent_timestamp
        == dt.datetime(2017, 11, 13, 17, 0, tzinfo=dt.UTC),
    }
    failed = [name for name, ok in checks.items() if not ok]
    conformance_report.add(
        "privacy", "kantara-consent-receipt-v1.1", len(checks) - len(failed), len(failed), failed
    )
    assert not failed
