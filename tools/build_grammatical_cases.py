"""Build src/globalcrm/locale/data/grammatical_cases.json: CLDR's case inventory per language.

The source is ``supplemental/grammaticalFeatures.json`` of the npm package ``cldr-core`` pinned in
tools/package.json (run ``npm install --prefix tools`` first). Only the ``<lang>-targets-nominal``
entries that list a ``grammaticalCase`` are kept, in CLDR's own order; a language absent from the
output has no case inventory in CLDR. Sorted keys, no timestamps: running this twice gives the
same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parent
PACKAGE = TOOLS / "node_modules" / "cldr-core"
SOURCE = "supplemental/grammaticalFeatures.json"
OUTPUT = TOOLS.parent / "src" / "globalcrm" / "locale" / "data" / "grammatical_cases.json"
SUFFIX = "-targets-nominal"


def build() -> dict[str, Any]:
    """Return the dataset: a source block and the nominal case list per language."""
    package = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((TOOLS / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/cldr-core"]
    data = json.loads((PACKAGE / SOURCE).read_text(encoding="utf-8"))
    grammatical = data["supplemental"]["grammaticalData"]
    cases: dict[str, list[str]] = {}
    for key, features in grammatical.items():
        if not key.endswith(SUFFIX):
            continue
        listed = features.get("grammaticalCase")
        if listed:
            cases[key[: -len(SUFFIX)]] = [str(case) for case in listed]
    return {
        "cases": cases,
        "source": {
            "cldr_version": str(package["version"]).split(".")[0],
            "generator": "tools/build_grammatical_cases.py",
            "integrity": locked["integrity"],
            "licence": locked.get("license", "Unicode-3.0"),
            "package": "cldr-core",
            "path": SOURCE,
            "version": package["version"],
        },
    }


def main() -> None:
    """Write the dataset."""
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(build(), ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(TOOLS.parent)}")


if __name__ == "__main__":
    main()
