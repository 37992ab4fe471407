"""Locale ids and CLDR's inheritance, as person-name formatting needs them (UTS #35 Part 1).

Parsing a BCP 47 / CLDR locale id, adding likely subtags (Part 1, "Likely Subtags"), walking the
parent chain (explicit ``parentLocales``, the non-likely-script rule, truncation) to the locale
whose ``personNames`` data applies, and telling the script of a name. The data are CLDR 48's,
generated into ``locale/data/person_names.json`` (see :func:`globalcrm.locale.data_sources`).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import regex

from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.locale.datasets import load

__all__ = [
    "data_locale",
    "has_own_data",
    "join",
    "locale_tag",
    "maximize",
    "name_script",
    "parent",
    "parse_locale",
    "person_name_body",
    "scripts_match",
]

_MAX_LOCALE = 35
_LOCALE_SHAPE = re.compile(r"[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*")
_MULTI_SCRIPTS = {
    "Jpan": frozenset({"Jpan", "Hani", "Hira", "Kana", "Hrkt"}),
    "Kore": frozenset({"Kore", "Hang", "Hani"}),
    "Hans": frozenset({"Hans", "Hani"}),
    "Hant": frozenset({"Hant", "Hani"}),
    "Hanb": frozenset({"Hanb", "Hani", "Bopo"}),
    "Hrkt": frozenset({"Hrkt", "Hira", "Kana"}),
}
"""Scripts that stand for several (Japanese is Han + kana): two match when their sets meet."""
_NOT_A_SCRIPT = frozenset({"Zyyy", "Zinh", "Zzzz"})


@functools.lru_cache(maxsize=1024)
def parse_locale(value: str, field: str = "locale") -> tuple[str, str, str]:
    """Split a BCP 47 / CLDR locale id into (language, script, region), canonical case."""
    tag = value.strip()
    if not _LOCALE_SHAPE.fullmatch(tag):
        raise InvalidFormat("expected a locale such as 'lt', 'pt-BR' or 'zh-Hant'", field=field)
    parts = re.split(r"[-_]", tag)
    language = parts[0].lower()
    if language == "root":
        language = "und"
    if not 2 <= len(language) <= 3:
        raise InvalidFormat("expected a locale such as 'lt', 'pt-BR' or 'zh-Hant'", field=field)
    script = region = ""
    rest = parts[1:]
    if rest and len(rest[0]) == 4 and rest[0].isalpha():
        script = rest.pop(0).title()
    if rest and _is_region(rest[0]):
        region = rest.pop(0).upper()
    data = load("person_names")
    known = _languages()
    if language not in known and language not in data["likely_subtags"]:
        raise InvalidComponent(f"locale {language!r} is not known to CLDR", field=field)
    return language, script, region


def _is_region(subtag: str) -> bool:
    return (len(subtag) == 2 and subtag.isalpha()) or (len(subtag) == 3 and subtag.isdigit())


@functools.cache
def _languages() -> frozenset[str]:
    return frozenset(tag.split("-")[0] for tag in load("person_names")["locales"])


def join(language: str, script: str = "", region: str = "") -> str:
    """``language-Script-REGION`` from its parts, leaving out the empty ones."""
    return "-".join(part for part in (language, script, region) if part)


def locale_tag(value: object, field: str = "locale") -> tuple[str, str, str]:
    """A caller's locale checked and split into (language, script, region)."""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected a locale code, got {type(value).__name__}", field=field)
    if not value.strip() or len(value) > _MAX_LOCALE:
        raise InvalidFormat("expected a locale such as 'lt', 'pt-BR' or 'zh-Hant'", field=field)
    return parse_locale(value, field)


# --------------------------------------------------------------------------- CLDR locale data


@functools.lru_cache(maxsize=4096)
def maximize(language: str, script: str, region: str) -> tuple[str, str, str]:
    """Add likely subtags (UTS #35 Part 1, Likely Subtags): the lookup order of CLDR 45+."""
    likely: dict[str, str] = load("person_names")["likely_subtags"]
    candidates = []
    if script and region:
        candidates.append(join(language, script, region))
    if region:
        candidates.append(join(language, "", region))
    if script:
        candidates.append(join(language, script))
    candidates.append(language)
    if language != "und" and script:
        candidates.append(join("und", script))
    match = next((likely[c] for c in candidates if c in likely), None)
    if match is None:
        match = likely.get("und", "en-Latn-US")
    m_language, m_script, m_region = [*match.split("-"), "", ""][:3]
    return (
        language if language != "und" else m_language,
        script or m_script,
        region or m_region,
    )


def parent(tag: str) -> str:
    """The CLDR parent locale: explicit parentLocales, the nonlikelyScript rule, truncation."""
    data = load("person_names")
    explicit: dict[str, str] = data["parent_locales"]
    if tag in explicit:
        parent = explicit[tag]
        return "und" if parent == "root" else parent
    parts = tag.split("-")
    if len(parts) == 1:
        return "und"
    if len(parts) == 2 and len(parts[1]) == 4:
        language, script = parts
        if maximize(language, "", "")[1] != script:
            return "und"
    return "-".join(parts[:-1])


@functools.lru_cache(maxsize=1024)
def data_locale(language: str, script: str, region: str) -> str:
    """The locale whose personNames data applies: the first of the fallback chain with data."""
    locales: dict[str, int] = load("person_names")["locales"]
    if not script and region:
        full = maximize(language, "", region)[1]
        if full != maximize(language, "", "")[1]:
            script = full  # zh-TW uses zh-Hant data, as ICU's locale fallback does
    tag = join(language, script, region)
    while tag not in locales and tag != "und":
        tag = parent(tag)
    return tag


def person_name_body(data_locale: str) -> dict[str, Any]:
    """The ``personNames`` data of a locale that has some (see :func:`data_locale`)."""
    data = load("person_names")
    body: dict[str, Any] = data["bodies"][data["locales"][data_locale]]
    return body


def has_own_data(language: str, script: str, region: str) -> bool:
    """Whether a locale has person-name data of its own language (not root's)."""
    found = data_locale(language, script, region)
    return found != "und" and found.split("-")[0] == language


def scripts_match(first: str, second: str) -> bool:
    """Whether two script codes overlap (``Jpan`` matches ``Hani``, ``Kore`` matches ``Hang``)."""
    a = _MULTI_SCRIPTS.get(first, frozenset({first}))
    b = _MULTI_SCRIPTS.get(second, frozenset({second}))
    return bool(a & b)


# --------------------------------------------------------------------------- scripts


@functools.cache
def _script_regex() -> regex.Pattern[str]:
    import pycountry

    codes = {s.alpha_4 for s in pycountry.scripts}
    codes.update(
        key[4:] for key in load("person_names")["likely_subtags"]
        if key.startswith("und-") and len(key) == 8 and key[4:].isalpha()
    )
    groups = []
    for script in sorted(codes):
        if script in ("Zyyy", "Zinh", "Zzzz") or not script.isalpha():
            continue
        try:
            regex.compile(rf"\p{{sc={script}}}")
        except regex.error:
            continue
        groups.append(rf"(?P<{script}>\p{{sc={script}}})")
    return regex.compile("|".join(groups))


@functools.lru_cache(maxsize=8192)
def _char_script(char: str) -> str:
    match = _script_regex().match(char)
    return match.lastgroup or "Zzzz" if match else "Zzzz"


def name_script(surname: str | None, given: str | None) -> str:
    """The script of the first letter of the surname, then the given name (spec: name script)."""
    for text in (surname, given):
        for char in text or "":
            script = _char_script(char)
            if script not in _NOT_A_SCRIPT:
                return script
    return "Zzzz"
