"""Build ``src/globalcrm/privacy/data/dpv_purposes.json`` from the W3C DPV 2.3 CSV modules.

Reads ``../shared/conformance/privacy/dpv-2.3`` (w3c/dpv commit f01a55c3, release 2.3) at build
time; the output is package data with a ``source`` block (version, commit, licence notice,
generator) and sorted keys, so rebuilding gives the same bytes.

Usage: ``python tools/build_dpv.py [--check]``
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "conformance" / "privacy" / "dpv-2.3"
OUTPUT = ROOT / "src" / "globalcrm" / "privacy" / "data" / "dpv_purposes.json"
DPV = "https://w3id.org/dpv#"
MODULES = {
    "purposes": "core/purposes.csv",
    "consent_status": "core/consent_status.csv",
    "consent_types": "core/consent_types.csv",
    "legal_basis": "core/legal_basis.csv",
}


def _term(iri: str) -> str:
    return iri[len(DPV) :] if iri.startswith(DPV) else iri


def _read(path: Path) -> dict[str, dict[str, object]]:
    result: dict[str, dict[str, object]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["type"] != "class":
                continue
            broader = [
                _term(iri) for iri in (row["hasbroader"] or row["subclassof"]).split(",") if iri
            ]
            result[row["term"]] = {
                "broader": sorted(b.strip() for b in broader),
                "definition": row["definition"],
                "iri": row["iri"],
                "label": row["label"],
            }
    return result


def build() -> str:
    """Return the JSON text of the package data."""
    digest = hashlib.sha256()
    data: dict[str, object] = {}
    for name, relative in sorted(MODULES.items()):
        path = SOURCE / relative
        digest.update(path.read_bytes())
        data[name] = _read(path)
    data["source"] = {
        "commit": "f01a55c3c0983e35cdfdf80593ece3353faba7b8",
        "files": sorted(f"2.3/dpv/modules/{Path(p).name}" for p in MODULES.values()),
        "generator": "tools/build_dpv.py",
        "integrity": "sha256-" + digest.hexdigest(),
        "licence": "W3C Software and Document License 2023",
        "notice": (SOURCE / "LICENSE.md").read_text(encoding="utf-8"),
        "package": "W3C Data Privacy Vocabulary (DPV)",
        "repository": "https://github.com/w3c/dpv",
        "version": "2.3",
        "changes": "selected columns (term, iri, label, definition, broader) of the class rows",
    }
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write the output, or with ``--check`` report whether it is up to date."""
    text = build()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        print("up to date" if current == text else "out of date")
        return 0 if current == text else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
