"""Every case of the shared Pix, PromptPay, PayNow/SGQR, Boleto and due-date-factor data.

For each record: ``is_valid`` equals ``valid``; where the record says ``crc_valid``, the EMV CRC
check agrees; for valid records every decoded field equals ``parse``'s attribute of that name.
Three fields hold a code followed by a label in the data (``template`` "29 (credit transfer)",
``check_digit_method`` "mod10 (value id 6/7)", ``due_date_cycle`` "1997 base (...)"): the
attribute is the code, compared with the first word. Boleto records without a
``reference_date`` were written by their source at the time of the slip, so the slip's stated
due date serves as the reference (both cycles are 9000 days apart, so this still checks that
the factor lands on that date); records with a ``reference_date`` use it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from globalcrm.errors import GlobalCRMError
from globalcrm.payments import boleto, emv_qr, paynow, pix, promptpay

META = frozenset(
    {
        "id", "valid", "payload", "input", "source", "constructed", "source_expectation",
        "crc_valid", "note", "also_in", "reason", "reference_date", "due_date_note",
    }
)
LABELLED = frozenset({"template", "check_digit_method", "due_date_cycle"})


def _records(conformance_dir: Path, name: str) -> list[dict[str, Any]]:
    path = conformance_dir / "payments" / name
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    assert records, f"{name} is empty"
    return records


def _expected(name: str, value: Any) -> Any:
    if name == "amount":
        return None if value is None else Decimal(value)
    if name == "due_date":
        return None if value is None else dt.date.fromisoformat(value)
    if name in LABELLED:
        return value.split()[0]
    if isinstance(value, list):
        return tuple(value)
    return value


def _actual(name: str, value: Any) -> Any:
    if name == "due_date_candidates" and value is not None:
        return {label: date.isoformat() for label, date in value}
    return value


def _compare_fields(record: dict[str, Any], parsed: object) -> list[str]:
    problems = []
    for name, value in record.items():
        if name in META:
            continue
        if not hasattr(parsed, name):
            problems.append(f"no attribute {name}")
            continue
        got = _actual(name, getattr(parsed, name))
        want = _expected(name, value)
        if got != want:
            problems.append(f"{name}: {got!r} != {want!r}")
    return problems


def _crc_ok(payload: str) -> bool:
    try:
        emv_qr.verify_crc(payload)
    except GlobalCRMError:
        return False
    return True


def _check_emv(record: dict[str, Any], module: Any) -> list[str]:
    payload = record["payload"]
    problems = []
    verdict = module.is_valid(payload)
    if verdict != record["valid"]:
        problems.append(f"is_valid {verdict} != {record['valid']}")
    if "crc_valid" in record and _crc_ok(payload) != record["crc_valid"]:
        problems.append(f"crc_valid {not record['crc_valid']} != {record['crc_valid']}")
    if record["valid"] and verdict:
        problems += _compare_fields(record, module.parse(payload))
    return problems


def _reference(record: dict[str, Any]) -> dt.date | None:
    text = record.get("reference_date") or record.get("due_date")
    return None if text is None else dt.date.fromisoformat(text)


def _check_boleto(record: dict[str, Any], module: Any) -> list[str]:
    problems = []
    verdict = boleto.is_valid(record["input"])
    if verdict != record["valid"]:
        problems.append(f"is_valid {verdict} != {record['valid']}")
    if record["valid"] and verdict:
        parsed = boleto.parse(record["input"], reference_date=_reference(record))
        problems += _compare_fields(record, parsed)
        if "due_date_candidates" in record and "due_date" not in record:
            unresolved = boleto.parse(record["input"])
            if unresolved.due_date is not None:
                problems.append("due_date resolved without a reference date")
    return problems


def _check_factor(record: dict[str, Any], module: Any) -> list[str]:
    problems = []
    date = dt.date.fromisoformat(record["due_date"])
    if record["direction"] == "date_to_factor":
        factor = boleto.due_date_factor(date)
        if factor != record["factor"]:
            problems.append(f"factor {factor} != {record['factor']}")
    reference = _reference(record)
    assert reference is not None
    back = boleto.due_date_from_factor(record["factor"], reference_date=reference)
    if back != date:
        problems.append(f"due date {back} != {date}")
    return problems


Checker = Callable[[dict[str, Any], Any], list[str]]
FILES: list[tuple[str, Any, Checker]] = [
    ("pix.jsonl", pix, _check_emv),
    ("promptpay.jsonl", promptpay, _check_emv),
    ("paynow_sgqr.jsonl", paynow, _check_emv),
    ("boleto.jsonl", boleto, _check_boleto),
    ("boleto_due_date_factor.jsonl", boleto, _check_factor),
]


@pytest.mark.parametrize(("name", "module", "check"), FILES, ids=[f[0] for f in FILES])
def test_every_case(
    conformance_dir: Path, conformance_report: Any, name: str, module: Any, check: Checker
) -> None:
    passed = 0
    failures: list[str] = []
    for record in _records(conformance_dir, name):
        try:
            problems = check(record, module)
        except GlobalCRMError as error:
            problems = [f"raised {type(error).__name__}: {error}"]
        if problems:
            failures.append(f"{record['id']}: {'; '.join(problems)}")
        else:
            passed += 1
    conformance_report.add("payments", name, passed, len(failures), failures)
    assert not failures, "\n".join(failures)
