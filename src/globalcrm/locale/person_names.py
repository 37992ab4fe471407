"""A person's name as CLDR person names structure it, and choosing among one person's names.

``PersonName`` follows the fields of CLDR person names (UTS #35 Part 8,
https://www.unicode.org/reports/tr35/tr35-personNames.html) so that it can be formatted the way
the name's own culture formats it (:func:`globalcrm.locale.format_person_name`). It knows how it
is found (``search_tokens``: folded words in its own script and its Latin spellings); a person
may have the same name in several scripts, and :func:`choose_name` picks the one a reader reads.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import attrs
import babel

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput
from globalcrm.locale.folding import fold, latin_forms, tokens
from globalcrm.locale.text import script_of

__all__ = ["NAME_FIELDS", "PersonName", "choose_name", "person_name", "reading_sort_key"]

NAME_FIELDS = (
    "title",
    "given",
    "given_informal",
    "given2",
    "surname",
    "surname_prefix",
    "surname_core",
    "surname2",
    "generation",
    "credentials",
)
"""The name fields of CLDR person names, in our spelling (``surname_core`` for ``surname-core``)."""


def _part(value: object, field: str) -> str | None:
    return _checks.optional_text(value, field=field, max_length=_checks.MAX_NAME_PART)


def _title(value: object) -> str | None:
    return _part(value, "title")


def _given(value: object) -> str | None:
    return _part(value, "given")


def _given_informal(value: object) -> str | None:
    return _part(value, "given_informal")


def _given2(value: object) -> str | None:
    return _part(value, "given2")


def _surname(value: object) -> str | None:
    return _part(value, "surname")


def _surname_prefix(value: object) -> str | None:
    return _part(value, "surname_prefix")


def _surname_core(value: object) -> str | None:
    return _part(value, "surname_core")


def _surname2(value: object) -> str | None:
    return _part(value, "surname2")


def _generation(value: object) -> str | None:
    return _part(value, "generation")


def _credentials(value: object) -> str | None:
    return _part(value, "credentials")


def _name_locale(value: object) -> str:
    if value is None or value in ("", "und"):
        return "und"
    return _checks.language(value, field="locale")


def _reading(value: object) -> PersonName | None:
    if value is None or isinstance(value, PersonName):
        return value
    if isinstance(value, Mapping):
        with _checks.at("reading"):
            return PersonName.from_json(value)
    raise InvalidFormat("expected a PersonName for the reading", field="reading")


@attrs.frozen(kw_only=True, repr=False)
class PersonName:
    """A person's name structured as CLDR person names are, in one script.

    ``locale`` is the BCP 47 tag of the language and script the name is written in; it decides
    how the name is formatted (UTS #35 Part 8). ``reading`` is the name's phonetic reading, such
    as the kana of a Japanese name, used for sorting and for addressing. The repr shows which
    parts are set, never what they say (reprs end up in logs).

    ```pycon
    >>> name = PersonName(given="Jonas", surname="Petraitis", locale="lt")
    >>> name.full
    'Jonas Petraitis'
    >>> name
    PersonName(given=<set>, surname=<set>, locale='lt')
    >>> PersonName(given="太郎", surname="山田", locale="ja").full
    '山田太郎'

    ```
    """

    FIELD_NAMES: ClassVar[tuple[str, ...]] = NAME_FIELDS

    given: str | None = attrs.field(default=None, converter=_given)
    surname: str | None = attrs.field(default=None, converter=_surname)
    title: str | None = attrs.field(default=None, converter=_title)
    given_informal: str | None = attrs.field(default=None, converter=_given_informal)
    given2: str | None = attrs.field(default=None, converter=_given2)
    surname_prefix: str | None = attrs.field(default=None, converter=_surname_prefix)
    surname_core: str | None = attrs.field(default=None, converter=_surname_core)
    surname2: str | None = attrs.field(default=None, converter=_surname2)
    generation: str | None = attrs.field(default=None, converter=_generation)
    credentials: str | None = attrs.field(default=None, converter=_credentials)
    locale: str = attrs.field(default="und", converter=_name_locale)
    reading: PersonName | None = attrs.field(default=None, converter=_reading)

    def __repr__(self) -> str:
        parts = [f"{name}=<set>" for name in NAME_FIELDS if getattr(self, name) is not None]
        if self.reading is not None:
            parts.append("reading=<set>")
        return f"PersonName({', '.join([*parts, f'locale={self.locale!r}'])})"

    def __attrs_post_init__(self) -> None:
        # Derived, not checked: a surname given as prefix + core is also the surname.
        if self.surname is None and self.surname_core is not None:
            prefix = f"{self.surname_prefix} " if self.surname_prefix else ""
            object.__setattr__(self, "surname", f"{prefix}{self.surname_core}")
        if self.given is None and self.surname is None:
            raise InvalidInput("a name needs at least a given name or a surname", field="given")

    @classmethod
    def from_cldr_fields(cls, fields: Mapping[str, str]) -> PersonName:
        """Build a name from CLDR field names (``given``, ``surname-core``, ``given-informal``...).

        ```pycon
        >>> PersonName.from_cldr_fields({"given": "Käthe", "surname-prefix": "von",
        ...                              "surname-core": "Müller", "locale": "de"}).surname
        'von Müller'

        ```
        """
        if not isinstance(fields, Mapping):
            raise InvalidFormat(f"expected a mapping, got {type(fields).__name__}")
        values: dict[str, Any] = {}
        for index, (key, value) in enumerate(fields.items()):
            if not isinstance(key, str):
                raise InvalidFormat("CLDR field names are text")
            name = key.strip().replace("-", "_")
            if name == "locale" or name in NAME_FIELDS:
                values[name] = value
            else:
                raise _checks.unknown_key(key, index, what="CLDR person-name field")
        return cls(**values)

    def to_cldr_fields(self) -> dict[str, str]:
        """Return the name's fields under their CLDR names (``surname-core``), without blanks."""
        result = {
            name.replace("_", "-"): value
            for name in NAME_FIELDS
            if (value := getattr(self, name)) is not None
        }
        result["locale"] = self.locale
        return result

    @property
    def full(self) -> str:
        """The name written plainly: surname first without a space for CJK, given first elsewhere.

        This is a display fallback; ``globalcrm.locale.format_person_name`` formats by CLDR.
        """
        given = " ".join(p for p in (self.given, self.given2) if p)
        surname = " ".join(p for p in (self.surname, self.surname2) if p)
        if _is_cjk(self.locale):
            return f"{surname}{given}"
        return " ".join(p for p in (given, surname) if p)

    def search_tokens(self) -> list[str]:
        """Folded words that find this name: each part, its reading, CJK names run together.

        A name in another script than Latin also gets its Latin spellings (``latin_forms``), so
        that ``Дилноза`` is found by ``dilnoza`` and ``张伟`` by ``zhang wei`` or ``zhangwei``.
        """
        words: dict[str, None] = {}
        for name in (self, self.reading):
            if name is None:
                continue
            for part in (
                "given",
                "given_informal",
                "given2",
                "surname",
                "surname_core",
                "surname2",
            ):
                value = getattr(name, part)
                if value:
                    found = tokens(value)
                    for token in found:
                        words.setdefault(token, None)
                    if value.isascii() or "".join(found).isascii():
                        continue  # Latin script (Mäkinen folds to ASCII): nothing to spell
                    surname = part.startswith("surname")
                    for form in latin_forms(value, name.locale, surname=surname):
                        for token in form.split():
                            words.setdefault(token, None)
                        words.setdefault(form.replace(" ", ""), None)  # pinyin "xin yi": xinyi
            if _is_cjk(name.locale):
                joined = fold(f"{name.surname or ''}{name.given or ''}").replace(" ", "")
                if joined:
                    words.setdefault(joined, None)
                family = name.surname and latin_forms(name.surname, name.locale, surname=True)
                own = name.given and latin_forms(name.given, name.locale)
                if family and own:  # 张伟: zhangwei
                    words.setdefault(f"{family[0]}{own[0]}".replace(" ", ""), None)
        return list(words)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse of :meth:`from_json`."""
        data: dict[str, Any] = {
            name: value for name in NAME_FIELDS if (value := getattr(self, name))
        }
        data["locale"] = self.locale
        if self.reading is not None:
            data["reading"] = self.reading.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PersonName:
        """Rebuild a name from :meth:`to_json` output."""
        if not isinstance(data, Mapping):
            raise InvalidFormat(f"expected a mapping, got {type(data).__name__}")
        for index, key in enumerate(data):
            if key not in _JSON_KEYS:
                raise _checks.unknown_key(key, index, what="name field")
        return cls(**data)


_JSON_KEYS = frozenset({*NAME_FIELDS, "locale", "reading"})


def _is_cjk(locale: str) -> bool:
    """Names in these languages and their own scripts are written surname first, unspaced."""
    parts = locale.split("-")
    return parts[0] in ("ja", "zh", "yue", "ko") and not {"Latn", "Cyrl"} & set(parts[1:])


def person_name(value: object) -> PersonName:
    """``value`` as a ``PersonName``: one already, or a mapping of its fields (``to_json`` form)."""
    if isinstance(value, PersonName):
        return value
    if isinstance(value, Mapping):
        return PersonName.from_json(value)
    raise InvalidFormat(f"expected a PersonName, got {type(value).__name__}")


def _name_script(name: PersonName) -> str | None:
    parts = " ".join(p for p in (name.given, name.surname, name.given2, name.surname2) if p)
    return script_of(parts) if parts else None


def _locale_script(locale: str) -> str | None:
    try:
        parsed = babel.Locale.parse(locale, sep="-")
    except (ValueError, babel.UnknownLocaleError):
        return None
    if parsed.script:
        return str(parsed.script)
    likely = babel.core.get_global("likely_subtags").get(parsed.language)
    if not likely:
        return None
    pieces = str(likely).split("_")
    return pieces[1] if len(pieces) > 1 and len(pieces[1]) == 4 else None


def _language(locale: str) -> str:
    return locale.split("-")[0].lower()


def _same_script(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    a = "Hani" if a in ("Hans", "Hant") else a
    b = "Hani" if b in ("Hans", "Hant") else b
    if a == b:
        return True
    japanese = {"Jpan", "Hani", "Hira", "Kana"}
    korean = {"Kore", "Hang", "Hani"}
    return (a in japanese and b in japanese) or (a in korean and b in korean)


def choose_name(names: Sequence[PersonName], *, reader_locale: str) -> PersonName:
    """Pick among one person's names in several scripts the one a reader of ``reader_locale`` reads.

    Preference: the same language and script, then the same script (``Olena`` for an English
    reader, ``Олена`` for a Ukrainian one; ``Yamada Tarō`` for a German reader of a Japanese
    customer), then a Latin-script name, then the first one.

    ```pycon
    >>> from globalcrm.locale import PersonName
    >>> names = [PersonName(given="Олена", surname="Шевчук", locale="uk"),
    ...          PersonName(given="Olena", surname="Shevchuk", locale="uk-Latn")]
    >>> choose_name(names, reader_locale="en").given
    'Olena'
    >>> choose_name(names, reader_locale="uk").given
    'Олена'

    ```
    """
    if not isinstance(names, list | tuple):
        raise InvalidFormat("expected a sequence of PersonName", field="names")
    if not names:
        raise InvalidFormat("must not be empty", field="names")
    for index, name in enumerate(names):
        if not isinstance(name, PersonName):
            raise InvalidFormat("expected a PersonName", field=f"names[{index}]")
    tag = _checks.language(reader_locale, field="reader_locale")
    want_script = _locale_script(tag)
    want_language = _language(tag)
    scored = []
    for index, name in enumerate(names):
        script = _name_script(name)
        score = 0
        if _same_script(script, want_script):
            score += 4
            if _language(name.locale) == want_language:
                score += 2
        elif script == "Latn":
            score += 1
        scored.append((-score, index, name))
    best: PersonName = min(scored, key=lambda item: (item[0], item[1]))[2]
    return best


def reading_sort_key(name: PersonName) -> tuple[str, ...]:
    """Sort key of a name by its phonetic reading where given (Japanese kana), else by the name.

    Readings in katakana and hiragana sort together (katakana is folded to hiragana); the key
    is surname first, then given name, as Japanese lists sort.

    ```pycon
    >>> from globalcrm.locale import PersonName
    >>> a = PersonName(given="太郎", surname="山田", locale="ja",
    ...                reading=PersonName(given="たろう", surname="やまだ", locale="ja"))
    >>> b = PersonName(given="一郎", surname="伊藤", locale="ja",
    ...                reading=PersonName(given="イチロウ", surname="イトウ", locale="ja"))
    >>> [n.surname for n in sorted([a, b], key=reading_sort_key)]
    ['伊藤', '山田']

    ```
    """
    if not isinstance(name, PersonName):
        raise InvalidFormat("expected a PersonName", field="name")
    source = name.reading if name.reading is not None else name
    return (
        _fold_kana(source.surname or ""),
        _fold_kana(source.given or ""),
        _fold_kana(name.surname or ""),
        _fold_kana(name.given or ""),
    )


def _fold_kana(text: str) -> str:
    folded = []
    for char in unicodedata.normalize("NFKC", text):
        point = ord(char)
        if 0x30A1 <= point <= 0x30F6:
            folded.append(chr(point - 0x60))
        else:
            folded.append(char)
    return "".join(folded).casefold()
