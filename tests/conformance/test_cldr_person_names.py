"""CLDR 48's own person-name test data (common/testData/personNameTest), run whole.

Each ``<locale>.txt`` formats 8 names with 42 parameter sets (UTS #35 Part 8). The file format is
described in ``../shared/conformance/cldr-person-names/SOURCE.md``: ``name`` lines build a name
(the last one is its locale), ``expectedResult`` sets the text every following ``parameters``
line (order; length; usage; formality) must produce, ``endName`` closes the name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from globalcrm.errors import GlobalCRMError
from globalcrm.locale.name_formatting import format_person_name

AREA = "cldr-person-names"
SEGMENTATION = frozenset({"km", "my"})
"""Khmer and Burmese initials need dictionary word segmentation (CLDR's own runner skips km)."""


@dataclass
class Case:
    line: int
    fields: dict[str, str]
    parameters: tuple[str, str, str, str]
    expected: str


@dataclass
class Name:
    fields: dict[str, str] = field(default_factory=dict)


def parse(path: Path) -> list[Case]:
    """Every test case of one file, in file order."""
    cases: list[Case] = []
    fields: dict[str, str] = {}
    expected: str | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, _, rest = line.partition(";")
        kind = kind.strip()
        if kind == "enum":
            continue
        if kind == "name":
            key, _, value = rest.partition(";")
            key, value = key.strip(), value.strip()
            if expected is not None:  # a new name starts
                fields, expected = {}, None
            fields[key] = value.replace("_", "-") if key == "locale" else value
        elif kind == "expectedResult":
            expected = rest.strip()
        elif kind == "parameters":
            parts = tuple(p.strip() for p in rest.split(";"))
            assert len(parts) == 4, f"{path.name}:{number}: bad parameters line"
            assert expected is not None, f"{path.name}:{number}: parameters before expectedResult"
            cases.append(Case(number, dict(fields), parts, expected))
        elif kind == "endName":
            fields, expected = {}, None
        else:
            raise AssertionError(f"{path.name}:{number}: unknown line kind {kind!r}")
    return cases


def _files(conformance_dir: Path) -> list[Path]:
    folder = conformance_dir / AREA
    return sorted(p for p in folder.glob("*.txt") if not p.name.startswith("_"))


def test_parser_reads_the_documented_example(tmp_path: Path) -> None:
    sample = tmp_path / "en.txt"
    sample.write_text(
        "# nativeGS\nname ; given; Irene\nname ; surname; Adler\nname ; locale; en_AQ\n\n"
        "expectedResult; Adler, Irene\n\nparameters; sorting; long; referring; formal\n"
        "endName\n",
        encoding="utf-8",
    )
    (case,) = parse(sample)
    assert case.fields == {"given": "Irene", "surname": "Adler", "locale": "en-AQ"}
    assert case.parameters == ("sorting", "long", "referring", "formal")
    assert case.expected == "Adler, Irene"


def test_every_expected_result(conformance_dir: Path, conformance_report: object) -> None:
    files = _files(conformance_dir)
    assert len(files) >= 73, "the shared CLDR person-name files are missing"
    total_failed = 0
    unexplained: list[str] = []
    for path in files:
        locale = path.stem.replace("_", "-")
        cases = parse(path)
        assert len(cases) == 336, f"{path.name}: expected 336 cases, found {len(cases)}"
        passed = failed = 0
        notes: list[str] = []
        for case in cases:
            order, length, usage, formality = case.parameters
            try:
                got = format_person_name(
                    case.fields, locale=locale, order=order, length=length,  # type: ignore[arg-type]
                    usage=usage, formality=formality,  # type: ignore[arg-type]
                )
            except GlobalCRMError as error:
                got = f"<{type(error).__name__}: {error}>"
            if got == case.expected:
                passed += 1
                continue
            failed += 1
            where = f"line {case.line} {';'.join(case.parameters)}"
            note = f"{where}: got {got!r}, want {case.expected!r}"
            if path.stem in SEGMENTATION:
                notes.append(f"{note} (initials need dictionary word segmentation)")
            else:
                unexplained.append(f"{path.name} {note}")
                notes.append(note)
        total_failed += failed
        conformance_report.add(AREA, path.stem, passed, failed, notes[:20])  # type: ignore[attr-defined]
    assert not unexplained, f"{len(unexplained)} failures:\n" + "\n".join(unexplained[:60])


@pytest.mark.parametrize("stem", sorted(SEGMENTATION))
def test_segmentation_locales_are_present(conformance_dir: Path, stem: str) -> None:
    assert (conformance_dir / AREA / f"{stem}.txt").is_file()
