"""Default name order per language: ../shared/conformance/address/name-order.jsonl, run whole.

The records come from CLDR's ``personNamesDefaults`` (cldr-core 48.2.0); ``name_order`` reads the
same data from the generated package data, never a typed table.
"""

from __future__ import annotations

import json
from pathlib import Path

from globalcrm.locale import name_order

AREA = "address"
PART = "name-order"


def test_every_name_order_record(conformance_dir: Path, conformance_report: object) -> None:
    path = conformance_dir / "address" / "name-order.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    assert len(records) >= 31
    failures = []
    for record in records:
        got = name_order(record["input"]["name_locale"])
        if got != record["expected"]:
            failures.append(f"{record['locale']}: got {got}, want {record['expected']}")
    passed = len(records) - len(failures)
    conformance_report.add(AREA, PART, passed, len(failures), failures)  # type: ignore[attr-defined]
    assert not failures
