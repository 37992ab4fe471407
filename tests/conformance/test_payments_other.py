"""Every case of the UPI, EPC QR, Swiss QR, IBAN, Alipay and WeChat Pay conformance files.

For each record: the verdict (``is_valid`` / ``verify_*``) equals ``valid``, and for a valid
record every decoded field the record carries equals the attribute of ``parse`` with that name.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from globalcrm.errors import InvalidInput, InvalidSignature
from globalcrm.payments import alipay, epc_qr, iban, swiss_qr, upi, wechat_pay

# Keys of a record that describe the case rather than a decoded field.
_META = {
    "id", "valid", "input", "payload", "kind", "reason", "source", "also_in", "constructed",
    "source_expectation", "note", "schwifty_note", "iso13616_checksum_ok",
}


def _records(directory: Path, name: str) -> list[dict[str, Any]]:
    with (directory / "payments" / f"{name}.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _same(expected: object, actual: object) -> bool:
    if isinstance(actual, Decimal):
        return isinstance(expected, str | int) and Decimal(str(expected)) == actual
    return expected == actual


def _field_problems(record: dict[str, Any], parsed: object) -> list[str]:
    problems = []
    for key, expected in record.items():
        if key in _META:
            continue
        if not hasattr(parsed, key):
            problems.append(f"{record['id']}: parse() has no attribute {key}")
        elif not _same(expected, getattr(parsed, key)):
            problems.append(f"{record['id']}: {key} = {getattr(parsed, key)!r}, want {expected!r}")
    return problems


def _run(
    records: list[dict[str, Any]],
    check: Callable[[dict[str, Any]], list[str]],
) -> tuple[int, list[str]]:
    passed = 0
    failures: list[str] = []
    for record in records:
        problems = check(record)
        if problems:
            failures.extend(problems)
        else:
            passed += 1
    return passed, failures


def _report(report: Any, name: str, passed: int, failures: list[str]) -> None:
    report.add("payments", f"{name}.jsonl", passed, len(failures), failures)
    assert failures == []
    assert passed > 0


def _verdict(record: dict[str, Any], got: bool) -> list[str]:
    if got != record["valid"]:
        return [f"{record['id']}: verdict {got}, want {record['valid']}"]
    return []


def test_upi(conformance_dir: Path, conformance_report: Any) -> None:
    def check(record: dict[str, Any]) -> list[str]:
        if record["kind"] == "vpa":
            return _verdict(record, upi.is_valid_vpa(record["input"]))
        problems = _verdict(record, upi.is_valid(record["input"]))
        if not problems and record["valid"]:
            problems = _field_problems(record, upi.parse(record["input"]))
        return problems

    passed, failures = _run(_records(conformance_dir, "upi"), check)
    _report(conformance_report, "upi", passed, failures)


def _payload_check(module: Any) -> Callable[[dict[str, Any]], list[str]]:
    def check(record: dict[str, Any]) -> list[str]:
        problems = _verdict(record, module.is_valid(record["payload"]))
        if not problems and record["valid"]:
            problems = _field_problems(record, module.parse(record["payload"]))
        return problems

    return check


def test_epc_qr(conformance_dir: Path, conformance_report: Any) -> None:
    passed, failures = _run(_records(conformance_dir, "epc_qr"), _payload_check(epc_qr))
    _report(conformance_report, "epc_qr", passed, failures)


def test_swiss_qr(conformance_dir: Path, conformance_report: Any) -> None:
    passed, failures = _run(_records(conformance_dir, "swiss_qr"), _payload_check(swiss_qr))
    _report(conformance_report, "swiss_qr", passed, failures)


def test_swiss_qr_reference(conformance_dir: Path, conformance_report: Any) -> None:
    def check(record: dict[str, Any]) -> list[str]:
        problems = _verdict(record, swiss_qr.is_valid_reference(record["input"]))
        if not problems and record["valid"]:
            kind = swiss_qr.reference_type(record["input"])
            if kind != record["kind"]:
                problems = [f"{record['id']}: reference_type {kind}, want {record['kind']}"]
        return problems

    passed, failures = _run(_records(conformance_dir, "swiss_qr_reference"), check)
    _report(conformance_report, "swiss_qr_reference", passed, failures)


def test_iban(conformance_dir: Path, conformance_report: Any) -> None:
    def check(record: dict[str, Any]) -> list[str]:
        problems = _verdict(record, iban.is_valid(record["input"]))
        if iban.compact(record["input"]) != record["compact"]:
            problems.append(f"{record['id']}: compact differs")
        if "iso13616_checksum_ok" in record and (
            iban.checksum_ok(record["input"]) != record["iso13616_checksum_ok"]
        ):
            problems.append(f"{record['id']}: checksum_ok differs")
        if not problems and record["valid"]:
            problems = _field_problems(record, iban.parse(record["input"]))
        return problems

    passed, failures = _run(_records(conformance_dir, "iban"), check)
    _report(conformance_report, "iban", passed, failures)


def test_alipay_notify(conformance_dir: Path, conformance_report: Any) -> None:
    def check(record: dict[str, Any]) -> list[str]:
        problems = _verdict(
            record,
            alipay.verify_notification(
                record["params"], public_key_pem=record["alipay_public_key_pem"]
            ),
        )
        if alipay.sign_content(record["params"]) != record["sign_content"]:
            problems.append(f"{record['id']}: sign_content differs")
        return problems

    passed, failures = _run(_records(conformance_dir, "alipay_notify"), check)
    _report(conformance_report, "alipay_notify", passed, failures)


def _aead_ok(record: dict[str, Any]) -> tuple[bool, str | None]:
    try:
        plain = wechat_pay.decrypt_resource(
            record["ciphertext"],
            nonce=record["nonce"],
            associated_data=record["associated_data"],
            api_v3_key=record["apiv3_key"],
        )
    except InvalidInput:
        return False, None
    return True, plain


def test_wechatpay_notify(conformance_dir: Path, conformance_report: Any) -> None:
    def check(record: dict[str, Any]) -> list[str]:
        kind = record["kind"]
        if kind == "notification":
            at = record.get("verify_at_unix_time") or int(record["headers"]["Wechatpay-Timestamp"])
            now = dt.datetime.fromtimestamp(at, tz=dt.UTC)
            verdict = wechat_pay.verify_notification(
                record["headers"],
                record["body"],
                platform_certificate_pem=record["platform_certificate_pem"],
                now=now,
            )
            problems = _verdict(record, verdict)
            message = wechat_pay.signed_message(
                record["headers"]["Wechatpay-Timestamp"],
                record["headers"]["Wechatpay-Nonce"],
                record["body"],
            )
            if message != record["signed_message"]:
                problems.append(f"{record['id']}: signed message differs")
            if verdict and "expected_plaintext" in record:
                plain = wechat_pay.decrypt_notification(
                    record["body"], api_v3_key=record["apiv3_key"]
                )
                if plain != record["expected_plaintext"]:
                    problems.append(f"{record['id']}: plaintext differs")
            # Five minutes and one second later the same notification is stale.
            late = now + dt.timedelta(minutes=5, seconds=1)
            if wechat_pay.verify_notification(
                record["headers"],
                record["body"],
                platform_certificate_pem=record["platform_certificate_pem"],
                now=late,
            ):
                problems.append(f"{record['id']}: accepted outside the 5-minute window")
            return problems
        if kind == "signature":
            return _verdict(
                record,
                wechat_pay.verify_signature(
                    record["message"],
                    record["signature"],
                    platform_certificate_pem=record["platform_certificate_pem"],
                ),
            )
        if kind == "aead":
            ok, decrypted = _aead_ok(record)
            problems = _verdict(record, ok)
            if ok and "expected_plaintext" in record and decrypted != record["expected_plaintext"]:
                problems.append(f"{record['id']}: plaintext differs")
            return problems
        return [f"{record['id']}: unknown kind {kind}"]

    passed, failures = _run(_records(conformance_dir, "wechatpay_notify"), check)
    _report(conformance_report, "wechatpay_notify", passed, failures)


def test_failed_tag_raises_invalid_signature(conformance_dir: Path) -> None:
    wrong_key = [
        r
        for r in _records(conformance_dir, "wechatpay_notify")
        if r["kind"] == "aead" and "key" in r.get("reason", "")
    ]
    assert wrong_key
    for record in wrong_key:
        with pytest.raises(InvalidSignature):
            wechat_pay.decrypt_resource(
                record["ciphertext"],
                nonce=record["nonce"],
                associated_data=record["associated_data"],
                api_v3_key=record["apiv3_key"],
            )
