"""Build src/globalcrm/locale/data/person_names.json: CLDR person-name data for every locale.

Sources, pinned in tools/package.json (run ``npm install --prefix tools`` first):

- ``cldr-person-names-full``: ``main/<locale>/personNames.json`` for 766 locales (UTS #35 Part 8,
  already resolved by CLDR: inherited values filled in). Only 148 distinct bodies exist, so each
  body is stored once and every locale maps to a body number.
- ``cldr-core``: ``supplemental/likelySubtags.json`` (to maximise locales and to guess a name's
  language from its script), ``supplemental/parentLocales.json`` (the locale fallback chain) and
  ``supplemental/personNamesDefaults.json`` (the default name order of each language).

Bodies are numbered in the order of the first (sorted) locale that uses them; keys are sorted and
there are no timestamps, so running this twice gives the same bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TOOLS = Path(__file__).resolve().parent
MODULES = TOOLS / "node_modules"
NAMES = MODULES / "cldr-person-names-full"
CORE = MODULES / "cldr-core"
OUTPUT = TOOLS.parent / "src" / "globalcrm" / "locale" / "data" / "person_names.json"
CORE_PATHS = (
    "supplemental/likelySubtags.json",
    "supplemental/parentLocales.json",
    "supplemental/personNamesDefaults.json",
)


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _package(directory: Path, name: str, lock: dict[str, Any]) -> dict[str, str]:
    package = _read(directory / "package.json")
    locked = lock["packages"][f"node_modules/{name}"]
    if locked["version"] != package["version"]:
        raise SystemExit(f"{name}: installed {package['version']} but locked {locked['version']}")
    return {
        "cldr_version": str(package.get("cldrVersion", package["version"].split(".")[0])),
        "integrity": str(locked["integrity"]),
        "licence": str(locked.get("license", "Unicode-3.0")),
        "package": name,
        "version": str(package["version"]),
    }


def build() -> dict[str, Any]:
    """Return the dataset: source block, de-duplicated bodies, locale map and supplemental data."""
    lock = _read(TOOLS / "package-lock.json")
    bodies: list[dict[str, Any]] = []
    numbers: dict[str, int] = {}
    locales: dict[str, int] = {}
    for folder in sorted(p for p in (NAMES / "main").iterdir() if p.is_dir()):
        data = _read(folder / "personNames.json")["main"][folder.name]["personNames"]
        key = json.dumps(data, ensure_ascii=False, sort_keys=True)
        if key not in numbers:
            numbers[key] = len(bodies)
            bodies.append(data)
        locales[folder.name] = numbers[key]
    likely = _read(CORE / CORE_PATHS[0])["supplemental"]["likelySubtags"]
    parents = _read(CORE / CORE_PATHS[1])["supplemental"]["parentLocales"]
    defaults = _read(CORE / CORE_PATHS[2])["supplemental"]["personNamesDefaults"]
    core = _package(CORE, "cldr-core", lock)
    core["paths"] = ", ".join(CORE_PATHS)
    source: dict[str, Any] = dict(_package(NAMES, "cldr-person-names-full", lock))
    source.update(
        {
            "also": [core],
            "generator": "tools/build_person_names.py",
            "path": "main/<locale>/personNames.json",
        }
    )
    return {
        "bodies": bodies,
        "likely_subtags": likely,
        "locales": locales,
        "name_order_defaults": {order: str(value).split() for order, value in defaults.items()},
        "parent_locales": parents["parentLocale"],
        "parent_locale_rules": parents.get("_localeRules", {}).get("parentLocale", {}),
        "source": source,
    }


def main() -> None:
    """Write the dataset."""
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    dataset = build()
    text = json.dumps(dataset, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    OUTPUT.write_text(text, encoding="utf-8")
    print(
        f"wrote {OUTPUT.relative_to(TOOLS.parent)}: {len(dataset['locales'])} locales, "
        f"{len(dataset['bodies'])} distinct bodies"
    )


if __name__ == "__main__":
    main()
