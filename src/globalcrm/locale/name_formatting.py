"""Person names formatted the way each culture formats them: CLDR person names (UTS #35 Part 8).

Spec: https://www.unicode.org/reports/tr35/tr35-personNames.html (Unicode LDML Part 8, Person
Names). Data: CLDR 48 ``personNames`` of every CLDR locale, generated into
``locale/data/person_names.json`` by ``tools/build_person_names.py`` (see :func:`data_sources`).

The formatting process follows the spec's sections in order:

1. *Derive the name locale*: the script of the surname, then the given name, replaces the script
   of the name's own locale (``PersonName.locale``); without a locale, the likely language of that
   script is used.
2. *Derive the formatting locale*: when the name's script does not match the formatter's script,
   the name is formatted with its own locale's data (or the likely locale of its script).
3. *Derive the name order*: ``order="sorting"`` selects the sorting patterns; ``givenFirst`` and
   ``surnameFirst`` force an order; ``None`` looks the name's locale up in the formatting locale's
   ``nameOrderLocales`` along the parent-locale chain.
4. *Choose a namePattern* (the one using most of the name's fields), *access the name*
   (missing surname, prefix/core, derived initials), *process the pattern* (empty fields and their
   literals dropped, literals coalesced) and apply the native or foreign space replacement.

Initials split words with ICU's word break iterator (PyICU, from ``pyicu-wheels``), as CLDR's
reference formatter does: Thai, Lao, Khmer, Burmese and Han/kana names need its dictionaries.
One addition to the spec: a surname-only name never formats to an empty string (the spec assumes
every name has a given name); such a call falls back to the long, formal, referring pattern.

```pycon
>>> from globalcrm.locale import PersonName
>>> name = PersonName(given="Irene", surname="Adler", locale="en")
>>> format_person_name(name, locale="en", order="sorting", length="short")
'Adler, I.'
>>> format_person_name({"given": "太郎", "surname": "山田", "locale": "ja"}, locale="ja")
'山田太郎'

```
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Mapping
from typing import Literal

import regex

from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.locale import transforms
from globalcrm.locale.cldr_locales import (
    data_locale,
    has_own_data,
    join,
    locale_tag,
    maximize,
    name_script,
    parse_locale,
    person_name_body,
    scripts_match,
)
from globalcrm.locale.datasets import load
from globalcrm.locale.formality import T_V, Formality, parse_formality
from globalcrm.locale.person_names import PersonName

__all__ = ["FIELDS", "MODIFIERS", "format_person_name", "name_order"]

Order = Literal["givenFirst", "surnameFirst", "sorting"]
Length = Literal["long", "medium", "short"]
Usage = Literal["referring", "addressing", "monogram"]

_ORDERS = ("givenFirst", "surnameFirst", "sorting")
_LENGTHS = ("long", "medium", "short")
_USAGES = ("referring", "addressing", "monogram")

FIELDS = ("title", "given", "given2", "surname", "surname2", "generation", "credentials")
"""The name fields a CLDR pattern may use."""

MODIFIERS = (
    "informal", "allCaps", "initialCap", "initial", "retain", "monogram", "prefix", "core",
    "vocative", "genitive",
)
"""CLDR 48's field modifiers, in the order their fallbacks are applied."""

_JAVA_NOT_WHITESPACE = frozenset("\u00a0\u2007\u202f")
_ASCII_SPACES = re.compile(r"[ \t\n\x0b\f\r]+")
_SAME_LANGUAGE_GROUP = frozenset({"ja", "zh", "yue"})
_UPPER_SPECIAL = frozenset({"tr", "az", "el", "lt"})


# --------------------------------------------------------------------------- validation


def _choice(value: object, options: tuple[str, ...], field: str) -> str:
    if not isinstance(value, str):
        raise InvalidFormat(f"expected one of {', '.join(options)}", field=field)
    if value not in options:
        shown = value if len(value) <= 20 and value.isascii() and value.isprintable() else "value"
        raise InvalidComponent(
            f"unknown {field} {shown!r}: expected one of {', '.join(options)}", field=field
        )
    return value


def _person_name(value: object) -> PersonName:
    if isinstance(value, PersonName):
        return value
    if isinstance(value, Mapping):
        try:
            return PersonName.from_cldr_fields(value)
        except InvalidFormat as error:
            raise error.at(field="name") from None
        except InvalidComponent as error:
            raise error.at(field="name") from None
    raise InvalidFormat(
        f"expected a PersonName or a mapping of CLDR fields, got {type(value).__name__}",
        field="name",
    )


# --------------------------------------------------------------------------- text operations


@functools.lru_cache(maxsize=4096)
def _first_grapheme(text: str) -> str:
    match = regex.match(r"\X", text)
    return match.group() if match else ""


_WORDS = regex.compile(
    r"[\p{L}\p{M}\p{N}\p{Pc}\p{Cf}\u05f3]+(?:['’.·:\u05f4\u2018\u2024\ufe52\uff07\uff0e]"
    r"[\p{L}\p{M}\p{N}\p{Pc}\p{Cf}\u05f3]+)*|\s+|."
)
_PLAIN_LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ɏ]+(?:[ -][A-Za-zÀ-ÖØ-öø-ɏ]+)*")


def _segments(text: str, language: str) -> list[str]:
    """Word-break segments of ``text``: words, runs of white space, other characters.

    ICU's word break iterator decides, as in CLDR's reference formatter: it keeps ZWJ and ZWNJ
    inside Indic words and splits Thai, Lao, Khmer, Burmese and Han/kana text (written without
    spaces) with its dictionaries. Plain Latin names take a fast path with the same result;
    without PyICU, Unicode word boundaries are approximated.
    """
    if _PLAIN_LATIN.fullmatch(text) or transforms.icu() is None:
        return [match.group() for match in _WORDS.finditer(text)]
    breaker = transforms.word_breaker(language)
    breaker.setText(text)
    bounds = [breaker.first(), *breaker]  # offsets in UTF-16 code units
    if any(ord(char) > 0xFFFF for char in text):
        index = {0: 0}
        units = 0
        for position, char in enumerate(text, start=1):
            units += 2 if ord(char) > 0xFFFF else 1
            index[units] = position
        bounds = [index[bound] for bound in bounds]
    return [text[start:end] for start, end in itertools.pairwise(bounds) if end > start]


def _upper(text: str, language: str) -> str:
    """Full Unicode upper-casing with CLDR's language-specific rules (tr, az, el, lt)."""
    if language not in _UPPER_SPECIAL:
        return text.upper()
    if language in ("tr", "az"):
        return text.replace("i", "İ").upper()
    if language == "lt":
        return unicodedata.normalize(
            # SpecialCasing: the dot above goes after a soft-dotted letter (i, j, with an
            # ogonek or dot below between), not after a capital I: 'İ' stays 'İ'.
            "NFC", re.sub(r"([ij][\u0323\u0328]*)\u0307", r"\1", unicodedata.normalize("NFD", text))
        ).upper()
    decomposed = unicodedata.normalize("NFD", text.upper())
    stripped = re.sub(r"[\u0300\u0301\u0342\u0313\u0314\u0343\u0344\u0345]", "", decomposed)
    return unicodedata.normalize("NFC", stripped)


def _initial_cap(text: str, language: str) -> str:
    """Title-case the first letter of the whole value, leaving the rest as written."""
    for index, char in enumerate(text):
        if unicodedata.category(char)[0] == "L":
            if language == "nl" and text[index : index + 2].lower() == "ij":
                return text[:index] + "IJ" + text[index + 2 :]
            if language in ("tr", "az") and char == "i":
                return text[:index] + "İ" + text[index + 1 :]
            return text[:index] + char.title() + text[index + 1 :]
    return text


class _Initials:
    """The locale's initial and initialSequence patterns (``{0}.`` and ``{0} {1}`` in English)."""

    __slots__ = ("initial", "sequence")

    def __init__(self, initial: str, sequence: str) -> None:
        self.initial = initial
        self.sequence = sequence

    def one(self, letter: str) -> str:
        return self.initial.replace("{0}", letter)

    def join(self, first: str, second: str) -> str:
        return self.sequence.replace("{0}", first, 1).replace("{1}", second, 1)

    def of(self, value: str, retain: bool, language: str) -> str:
        """Derive initials: the first grapheme of each word (spec: Derive initials)."""
        result: str | None = None
        separator = ""
        for word in _segments(value, language):
            first = word[0]
            if unicodedata.category(first)[0] == "L":
                initial = self.one(_first_grapheme(word))
                if result is None:
                    result = initial
                elif retain:
                    result = result + separator + initial
                else:
                    result = self.join(result, initial)
                separator = ""
            elif _is_whitespace(first):
                separator += first
            else:
                separator += word
        return result or ""


def _is_whitespace(char: str) -> bool:
    return char.isspace() and char not in _JAVA_NOT_WHITESPACE


# --------------------------------------------------------------------------- patterns


class _Field:
    """A ``{field-modifier...}`` element of a namePattern."""

    __slots__ = ("field", "informal", "initial", "part", "retain", "steps")

    def __init__(self, text: str) -> None:
        names = text.split("-")
        self.field = names[0]
        modifiers = set(names[1:])
        self.informal = "informal" in modifiers
        self.part = "prefix" if "prefix" in modifiers else "core" if "core" in modifiers else ""
        self.retain = "retain" in modifiers
        self.initial = "initial" in modifiers
        self.steps = tuple(
            m for m in ("allCaps", "initialCap", "initial", "monogram") if m in modifiers
        )


class _Pattern:
    """A parsed namePattern: literals (``str``) and fields, plus the set of fields it uses."""

    __slots__ = ("elements", "fields", "non_initial_given")

    def __init__(self, text: str) -> None:
        elements: list[str | _Field] = []
        literal: list[str] = []
        index = 0
        while index < len(text):
            char = text[index]
            if char == "\\" and index + 1 < len(text):
                literal.append(text[index + 1])
                index += 2
                continue
            if char == "{":
                end = text.index("}", index)
                if literal:
                    elements.append("".join(literal))
                    literal = []
                elements.append(_Field(text[index + 1 : end]))
                index = end + 1
                continue
            literal.append(char)
            index += 1
        if literal:
            elements.append("".join(literal))
        self.elements = tuple(elements)
        fields = [e for e in elements if isinstance(e, _Field)]
        self.fields = frozenset(f.field for f in fields)
        self.non_initial_given = any(f.field == "given" and not f.initial for f in fields)


@functools.lru_cache(maxsize=2048)
def _patterns(
    data_locale: str, order: str, length: str, usage: str, formality: str
) -> tuple[_Pattern, ...]:
    by_order = person_name_body(data_locale)["personName"][order]
    by_usage = by_order[length]
    entry = by_usage.get(usage) or by_usage["referring"]
    found = [entry[formality]]
    alternate = entry.get(f"{formality}-alt-1")
    if alternate:
        found.append(alternate)
    return tuple(_Pattern(text) for text in found)


# --------------------------------------------------------------------------- the name's values


class _Values:
    """A PersonName seen through the spec's "Access PersonName object" rules."""

    __slots__ = ("available", "name", "swap")

    def __init__(self, name: PersonName) -> None:
        self.name = name
        self.swap = False
        available = {
            field for field in FIELDS if getattr(name, field) is not None
        }
        if name.given_informal:
            available.add("given")
        self.available = frozenset(available)

    def raw(self, field: _Field) -> str | None:
        name = self.name
        kind = field.field
        if self.swap:
            if kind == "given":
                return None
            if kind == "surname":  # the given name read as a surname: it has no prefix
                return None if field.part == "prefix" else name.given
        if kind == "given":
            if field.informal and name.given_informal:
                return name.given_informal
            return name.given
        if kind == "surname":
            if field.part == "prefix":
                return name.surname_prefix if name.surname_core else None
            if field.part == "core":
                return name.surname_core or name.surname
            return name.surname
        value: str | None = getattr(name, kind, None)
        return value

    def value(self, field: _Field, initials: _Initials, language: str) -> str:
        text = self.raw(field)
        if not text:
            return ""
        for step in field.steps:
            if step == "allCaps":
                text = _upper(text, language)
            elif step == "initialCap":
                text = _initial_cap(text, language)
            elif step == "initial":
                text = initials.of(text, field.retain, language)
            else:
                text = _first_grapheme(text)
        return text


def _coalesce(before: str, after: str) -> str:
    """Join the literals around dropped fields, up to the nearest white space on each side."""
    if after and before.endswith(after):
        after = ""
    p1 = 0
    while p1 < len(before) and not _is_whitespace(before[p1]):
        p1 += 1
    p2 = len(after) - 1
    while p2 >= 0 and not _is_whitespace(after[p2]):
        p2 -= 1
    if p1 < len(before):
        p1 += 1
    elif p2 >= 0:
        p2 -= 1
    return before[:p1] + after[p2 + 1 :]


def _apply(pattern: _Pattern, values: _Values, initials: _Initials, language: str) -> str:
    """Process a namePattern (spec: Process a namePattern): drop empty fields and literals."""
    values.swap = "surname" not in values.available and not pattern.non_initial_given
    result: list[str] = []
    seen_field = seen_empty_leading = seen_empty = False
    before = after = ""
    for element in pattern.elements:
        if isinstance(element, str):
            if seen_empty_leading:
                continue
            if seen_empty:
                after += element
            else:
                before += element
            continue
        text = values.value(element, initials, language)
        if not text:
            if not seen_field:
                seen_empty_leading = True
                before = ""
            else:
                seen_empty = True
                after = ""
            continue
        seen_field = True
        seen_empty_leading = False
        if seen_empty:
            result.append(_coalesce(before, after))
            seen_empty = False
        else:
            result.append(before)
        before = after = ""
        result.append(text)
    if not seen_empty:
        result.append(before)
    return "".join(result)


def _best(patterns: tuple[_Pattern, ...], available: frozenset[str]) -> _Pattern:
    """Choose a namePattern: most of the name's fields, then fewest fields the name lacks."""
    if len(patterns) == 1:
        return patterns[0]
    best = patterns[0]
    best_key = (-1, 0)
    for pattern in patterns:
        used = len(pattern.fields & available)
        key = (used, -len(pattern.fields))
        if key > best_key:
            best, best_key = pattern, key
    return best


# --------------------------------------------------------------------------- order


def _order_chain(language: str, script: str, region: str) -> list[str]:
    """The lookup chain of the name ordering locale: ``de-Latn-DE, de-Latn, de-DE, de``."""
    chain = []
    if script and region:
        chain.append(join(language, script, region))
    if script:
        chain.append(join(language, script))
    if region:
        chain.append(join(language, "", region))
    chain.append(language)
    result = []
    for tag in chain:
        result.append(tag)
        result.append("und" + tag[len(language) :] if tag != language else "und")
    return result


def _lookup_order(
    chain: list[str], given_first: frozenset[str], surname_first: frozenset[str]
) -> str:
    for tag in chain:
        if tag in given_first:
            return "givenFirst"
        if tag in surname_first:
            return "surnameFirst"
    return "givenFirst"


@functools.lru_cache(maxsize=256)
def _order_lists(data_locale: str) -> tuple[frozenset[str], frozenset[str]]:
    body = person_name_body(data_locale)
    return frozenset(body["givenFirst"]), frozenset(body["surnameFirst"])


def _ordering_locale(language: str, script: str, region: str) -> tuple[str, str, str]:
    if script in ("Hani", "Hira", "Kana"):
        script = maximize(language, "", region)[1]
    return language, script, region


def name_order(locale: str, *, formatting_locale: str | None = None) -> Order:
    """The customary order of a name in ``locale``: ``"givenFirst"`` or ``"surnameFirst"``.

    Without ``formatting_locale`` this is CLDR's default (``personNamesDefaults``); with it, the
    order that formatting locale's ``nameOrderLocales`` give names from ``locale`` (UTS #35
    Part 8, *Derive the name order*).

    ```pycon
    >>> name_order("ja"), name_order("hu"), name_order("lt"), name_order("zh-Hant-TW")
    ('surnameFirst', 'surnameFirst', 'givenFirst', 'surnameFirst')

    ```
    """
    parsed = _ordering_locale(*locale_tag(locale))
    chain = _order_chain(*parsed)
    if formatting_locale is None:
        defaults = load("person_names")["name_order_defaults"]
        lists = (frozenset(defaults["givenFirst"]), frozenset(defaults["surnameFirst"]))
    else:
        lists = _order_lists(data_locale(*locale_tag(formatting_locale, "formatting_locale")))
    if _lookup_order(chain, *lists) == "surnameFirst":
        return "surnameFirst"
    return "givenFirst"


# --------------------------------------------------------------------------- formatting


class _Formatter:
    """The per-locale state of a formatting call: data locale, script, initials, replacements."""

    __slots__ = (
        "data_locale", "foreign_space", "initials", "language", "lists", "native_space", "script",
    )

    def __init__(self, language: str, script: str, region: str) -> None:
        self.data_locale = data_locale(language, script, region)
        full = maximize(language, script, region)
        self.language = full[0]
        self.script = full[1]
        body = person_name_body(self.data_locale)
        self.initials = _Initials(body["initial"], body["initialSequence"])
        self.native_space = body["nativeSpaceReplacement"]
        self.foreign_space = body["foreignSpaceReplacement"]
        self.lists = _order_lists(self.data_locale)


@functools.lru_cache(maxsize=1024)
def _formatter(language: str, script: str, region: str) -> _Formatter:
    return _Formatter(language, script, region)


@functools.lru_cache(maxsize=4096)
def _name_locale(locale: str, script: str) -> tuple[str, str, str]:
    """The name locale (spec: Derive the name locale): the name's locale with the name script."""
    if locale == "und":
        if script == "Zzzz":
            return "und", "", ""
        return _with_script(maximize("und", script, "")[0], "", script, "")
    language, own_script, region = parse_locale(locale)
    if script == "Zzzz":
        return language, own_script, region
    return _with_script(language, own_script, script, region)


def _with_script(language: str, own_script: str, script: str, region: str) -> tuple[str, str, str]:
    """``language`` written in ``script``; Han in Japanese is ``Jpan``, in Chinese ``Hans``..."""
    likely_script = maximize(language, own_script, region)[1]
    if script != likely_script and scripts_match(script, likely_script):
        script = likely_script
    return language, script, region


def _languages_match(first: str, second: str) -> bool:
    return first == second or (first in _SAME_LANGUAGE_GROUP and second in _SAME_LANGUAGE_GROUP)


def format_person_name(
    name: PersonName | Mapping[str, str],
    *,
    locale: str,
    length: Length = "medium",
    usage: Usage = "referring",
    formality: Formality | str = Formality.FORMAL,
    order: Order | None = None,
) -> str:
    """Format ``name`` for a reader of ``locale`` as CLDR person names do (UTS #35 Part 8).

    ``name`` is a :class:`~globalcrm.PersonName` or a mapping of CLDR field names (``given``,
    ``surname-core``, ``given-informal``, ``locale``...). ``order`` forces ``"givenFirst"`` or
    ``"surnameFirst"``, or asks for the ``"sorting"`` form; by default the name's own locale
    decides. The name's locale also decides whether it is native or foreign to the reader
    (Japanese puts ``・`` between the parts of a foreign name).

    ```pycon
    >>> format_person_name({"given": "Jonas", "surname": "Petraitis", "locale": "lt"},
    ...                    locale="lt", length="long")
    'Jonas Petraitis'
    >>> format_person_name({"given": "Albert", "surname": "Einstein", "locale": "de"},
    ...                    locale="en", usage="monogram", length="long")
    'AE'

    ```

    Raises:
        InvalidFormat: ``name`` or ``locale`` is not of the right type or shape.
        InvalidComponent: the locale or an option value is unknown.
    """
    person = _person_name(name)
    language, script, region = locale_tag(locale)
    length = _choice(length, _LENGTHS, "length")  # type: ignore[assignment]
    usage = _choice(usage, _USAGES, "usage")  # type: ignore[assignment]
    register = parse_formality(formality, levels=T_V)
    if order is not None:
        order = _choice(order, _ORDERS, "order")  # type: ignore[assignment]
    if order == "sorting":
        if usage == "monogram":
            order = None
        else:
            usage = "referring"

    written_in = name_script(person.surname, person.given)
    name_language, name_script_tag, name_region = _name_locale(person.locale, written_in)
    formatter = _formatter(language, script, region)
    if written_in != "Zzzz" and not scripts_match(written_in, formatter.script):
        if name_language != "und" and has_own_data(name_language, name_script_tag, name_region):
            formatter = _formatter(name_language, name_script_tag, name_region)
        else:
            likely = maximize("und", written_in, name_region)[0]
            formatter = _formatter(*_with_script(likely, "", written_in, name_region))

    if order is None:  # spec: the name ordering locale is the name's own locale if it has one
        if person.locale != "und":
            ordering = _ordering_locale(*parse_locale(person.locale))
        elif written_in != "Zzzz":
            ordering = maximize("und", written_in, "")
        else:
            ordering = ("und", "", "")
        chosen = _lookup_order(_order_chain(*ordering), *formatter.lists)
    else:
        chosen = order

    patterns = _patterns(formatter.data_locale, chosen, length, usage, register.value)
    values = _Values(person)
    pattern = _best(patterns, values.available)
    text = _apply(pattern, values, formatter.initials, formatter.language)
    if not text:
        # Beyond the spec, which assumes every name has a given name: a surname-only name asked
        # for in a given-name-only form ("{given-informal}") falls back to the long formal form.
        patterns = _patterns(formatter.data_locale, chosen, "long", "referring", "formal")
        text = _apply(_best(patterns, values.available), values, formatter.initials,
                      formatter.language)
    if formatter.native_space != " " or formatter.foreign_space != " ":
        native = _languages_match(name_language, formatter.language)
        space = formatter.native_space if native else formatter.foreign_space
        text = _ASCII_SPACES.sub(space, text)
    return text
