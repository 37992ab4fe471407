"""Build src/globalcrm/locale/data/currency_symbols.json: CLDR's narrow currency symbols.

babel ships each locale's standard currency symbol but not ``symbol-alt-narrow``, which
``format_money(..., currency_display="narrow")`` needs. The source is the npm package
``cldr-numbers-full`` pinned in tools/package.json (run ``npm install --prefix tools`` first).

The output holds the root locale's narrow symbols once and, per locale, only the symbols that
differ from root (cldr-json files are resolved, so most locales repeat root). Sorted keys, no
timestamps: running this twice gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parent
PACKAGE = TOOLS / "node_modules" / "cldr-numbers-full"
OUTPUT = TOOLS.parent / "src" / "globalcrm" / "locale" / "data" / "currency_symbols.json"


def _narrow(locale_dir: Path) -> dict[str, str]:
    data = json.loads((locale_dir / "currencies.json").read_text(encoding="utf-8"))
    currencies = next(iter(data["main"].values()))["numbers"]["currencies"]
    return {
        code: str(entry["symbol-alt-narrow"])
        for code, entry in currencies.items()
        if "symbol-alt-narrow" in entry
    }


def build() -> dict[str, Any]:
    """Return the dataset: a source block and the narrow symbols (root plus overrides)."""
    package = json.loads((PACKAGE / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((TOOLS / "package-lock.json").read_text(encoding="utf-8"))
    locked = lock["packages"]["node_modules/cldr-numbers-full"]
    root = _narrow(PACKAGE / "main" / "und")
    narrow: dict[str, dict[str, str]] = {"root": root}
    for locale_dir in sorted((PACKAGE / "main").iterdir()):
        if locale_dir.name == "und" or not (locale_dir / "currencies.json").is_file():
            continue
        overrides = {
            code: symbol
            for code, symbol in _narrow(locale_dir).items()
            if root.get(code) != symbol
        }
        if overrides:
            narrow[locale_dir.name] = overrides
    return {
        "narrow": narrow,
        "source": {
            "cldr_version": str(package["version"]).split(".")[0],
            "generator": "tools/build_currency_symbols.py",
            "integrity": locked["integrity"],
            "licence": locked.get("license", "Unicode-3.0"),
            "package": "cldr-numbers-full",
            "path": "main/<locale>/currencies.json (symbol-alt-narrow)",
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
