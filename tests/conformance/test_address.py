"""Address-form conformance: every record of ../shared/conformance/address/ except name-order.

Counts are recorded per file and per locale (``address [vocative/lt]``). Records flagged
``inferred_input`` are counted in their own part; ``verify_punctuation`` records whose trailing
comma contradicts the national style guide we follow are listed with the reason in their own part.
Everything else must pass.

The data set describes a letter's reader in free text (``"customer (generic)"``, ``"prime
minister and 13 other offices"``); ``salutation`` and ``closing`` take a closed vocabulary
(``globalcrm.locale.recipients.RECIPIENTS``), so ``_api_input`` reads the description into it
here, in the test, by the words it uses. The library itself never guesses from free text.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from globalcrm.locale import closing, grammatical_cases, has_vocative, salutation, vocative
from globalcrm.locale.recipients import RECIPIENTS

AREA = "address"

# Closings whose source vector adds a comma that the national norm we follow omits (see
# salutations.py): ÚJČ (cs), STN 01 6910 (sk), PWN (pl), DIN 5008 (de), Kotus (fi).
NO_COMMA_AFTER_CLOSING = {
    "cs": "ÚJČ: no comma after the closing",
    "sk": "STN 01 6910: no comma after the closing",
    "pl": "PWN: no comma after the closing",
    "de": "DIN 5008: no punctuation after the closing",
    "fi": "Kotus: no comma after the closing",
    "nb": "Språkrådet: no comma after the closing",
    "no": "Språkrådet: no comma after the closing",
}

# How the data set's descriptions of a reader name the kinds of RECIPIENTS (first match wins).
_READER_WORDS = (
    ("unknown", ("unknown", "plural")),
    ("organisation", ("institution", "organisation", "organization", "company", "firm")),
    ("impersonal", ("impersonal",)),
    ("customer", ("customer", "client")),
    ("user", ("user",)),
    ("monk", ("monk", "bhikkhu")),
    ("authority", ("authority", "minister", "prime", "office", "higher", "official")),
)


def _reader(description: str) -> str:
    lowered = description.lower()
    for kind, words in _READER_WORDS:
        if any(word in lowered for word in words):
            return kind
    return "person"


def _api_input(record: dict[str, Any]) -> dict[str, Any]:
    """The record's input as keyword arguments, its reader description read into RECIPIENTS."""
    data = dict(record["input"])
    if "recipient" in data:
        data["recipient"] = _reader(data["recipient"])
        assert data["recipient"] in RECIPIENTS
    return data


def _records(conformance_dir: Path, name: str) -> list[dict[str, Any]]:
    path = conformance_dir / "address" / f"{name}.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _accepted(record: dict[str, Any], got: str) -> bool:
    wanted = [record["expected"], *record.get("also_accepted", [])]
    if record.get("compare") == "casefold":
        return got.casefold() in {w.casefold() for w in wanted}
    return got in wanted


class _Tally:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.failures: list[str] = []
        self.notes: dict[str, list[str]] = defaultdict(list)

    def add(self, record: dict[str, Any], ok: bool, got: object, index: int) -> None:
        locale = record["locale"]
        part = f"{self.kind}/{locale}"
        if record.get("inferred_input"):
            part += " (inferred input)"
        self.counts[part][0 if ok else 1] += 1
        if not ok:
            self.failures.append(f"{self.kind}#{index} {locale}: expected "
                                 f"{record['expected']!r}, got {got!r}")

    def report(self, report: Any) -> None:
        total = [0, 0]
        for part, (passed, failed) in sorted(self.counts.items()):
            report.add(AREA, part, passed, failed, self.notes.get(part))
            total[0] += passed
            total[1] += failed
        report.add(f"{AREA} per file", self.kind, total[0], total[1])


def test_vocative_records(conformance_dir: Path, conformance_report: Any) -> None:
    tally = _Tally("vocative")
    records = _records(conformance_dir, "vocative")
    assert len(records) >= 1700
    for index, record in enumerate(records):
        data = record["input"]
        got = vocative(
            data["name"],
            locale=record["locale"],
            gender=data.get("gender"),
            name_part=data.get("name_part") or "given",
        )
        tally.add(record, _accepted(record, got), got, index)
    tally.report(conformance_report)
    assert tally.failures == []


def test_salutation_records(conformance_dir: Path, conformance_report: Any) -> None:
    tally = _Tally("salutation")
    records = _records(conformance_dir, "salutation")
    assert len(records) >= 70
    for index, record in enumerate(records):
        got = salutation(locale=record["locale"], **_api_input(record))
        tally.add(record, _accepted(record, got), got, index)
    tally.report(conformance_report)
    assert tally.failures == []


def test_closing_records(conformance_dir: Path, conformance_report: Any) -> None:
    tally = _Tally("closing")
    records = _records(conformance_dir, "closing")
    assert len(records) >= 30
    deviations: list[str] = []
    for index, record in enumerate(records):
        got = closing(locale=record["locale"], **_api_input(record))
        ok = _accepted(record, got)
        language = record["locale"].split("-")[0]
        deviates = got == record["expected"].rstrip(",") != record["expected"]
        if not ok and record.get("verify_punctuation") and deviates:
            assert language in NO_COMMA_AFTER_CLOSING, record
            part = f"closing/{record['locale']} (verify_punctuation)"
            tally.counts[part][1] += 1
            tally.notes[part].append(f"#{index}: {NO_COMMA_AFTER_CLOSING[language]}; got {got!r}")
            deviations.append(record["locale"])
            continue
        tally.add(record, ok, got, index)
    tally.report(conformance_report)
    assert set(deviations) <= set(NO_COMMA_AFTER_CLOSING)
    assert tally.failures == []


def test_grammatical_case_records(conformance_dir: Path, conformance_report: Any) -> None:
    tally = _Tally("grammatical-cases")
    records = _records(conformance_dir, "grammatical-cases")
    assert len(records) >= 40
    for index, record in enumerate(records):
        cases = grammatical_cases(record["locale"])
        got = {
            "cases": list(cases) if cases else None,
            "has_vocative": has_vocative(record["locale"]),
        }
        tally.add(record, got == record["expected"], got, index)
    tally.report(conformance_report)
    assert tally.failures == []


@pytest.mark.parametrize("name", ["vocative", "salutation", "closing", "grammatical-cases"])
def test_every_file_is_present(conformance_dir: Path, name: str) -> None:
    assert (conformance_dir / "address" / f"{name}.jsonl").is_file()
