"""The vocative case of personal names, for the languages that address people in it.

CLDR 48 (``supplemental/grammaticalFeatures.json``) lists a vocative for cs, sk, el, hr, sr, lt, lv,
pl, ru and uk, but no CLDR or ICU API produces one, so this module does. Where a well-kept library
passes the shared conformance data it is used: Czech through `vokativ
<https://github.com/Mimino666/vokativ>`_ (MIT), Ukrainian through `shevchenko-py
<https://pypi.org/project/shevchenko-py/>`_ (MIT, a port of shevchenko-js), Serbian and Croatian
through `deklinacija <https://github.com/urelja/deklinacija>`_ (MIT, Latin and Cyrillic).
Lithuanian, Latvian, Polish, Greek, Irish, Bulgarian and Romanian are rule tables written here from
the grammars cited beside each rule.

Choices made here (style, not grammar):

* Russian and Slovak return the nominative: standard written Russian addresses people in the
  nominative (ГОСТ Р 7.0.97-2016 п. 5.18, ``Уважаемый Николай Петрович!``) and Slovak names keep
  the nominative after ``pán``/``pani``, although CLDR lists a vocative for both.
* Latvian feminine names keep the full form (``Silvija``), which letters use; the short spoken form
  (``Silvij``) is colloquial.
* Bulgarian and Romanian feminine names keep the nominative: their ``-o`` vocatives (``Марийо``,
  ``Mario``) are familiar or rude in writing.
* When ``gender`` is None a consonant-final Polish, Bulgarian or Romanian given name is declined as
  masculine; pass the gender for women's names ending in a consonant (``Ingrid``).

The caller's capitalisation is kept (``JONAS`` gives ``JONAI``), every part of a hyphenated or
multi-word name is inflected, a name no rule recognises comes back unchanged, and a language
without a vocative returns the name as given (trimmed, in Unicode NFC).

```pycon
>>> vocative("Jonas", locale="lt")
'Jonai'
>>> vocative("Piotr", locale="pl", gender="male")
'Piotrze'
>>> vocative("Novák", locale="cs", gender="male", name_part="surname")
'Nováku'
>>> vocative("Тарас", locale="uk", gender="male")
'Тарасе'
>>> vocative("Γιάννης", locale="el")
'Γιάννη'
>>> vocative("Anna", locale="de")
'Anna'

```
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Final, Literal

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat

Gender = Literal["female", "male", "nonbinary", "unknown"]
NamePart = Literal["given", "surname", "patronymic", "title"]

GENDERS: Final = ("female", "male", "nonbinary", "unknown")
NAME_PARTS: Final = ("given", "surname", "patronymic", "title")
MAX_NAME: Final = 200
"""The longest name accepted (a name part in ``PersonName`` is at most 200 characters too)."""

_Rule = Callable[[str, "str | None", str], str]
"""A rule takes a lower-case word, the gender (``male``/``female``/None) and the name part."""


# --------------------------------------------------------------------------- input checks


def language_of(locale: object, *, field: str = "locale") -> str:
    """Return the canonical BCP 47 tag of ``locale`` (``sr-Cyrl``, ``de-CH``), or raise."""
    return _checks.language(locale, field=field)


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise InvalidFormat(f"expected text, got {type(name).__name__}", field="name")
    text = _checks.text(name, field="name", max_length=MAX_NAME, allow_empty=True)
    return text


def _check_gender(gender: object) -> str | None:
    if gender is None:
        return None
    value = _checks.choice(gender, GENDERS, field="gender", what="gender")
    return value if value in ("female", "male") else None


def _check_part(name_part: object) -> str:
    return _checks.choice(name_part, NAME_PARTS, field="name_part", what="name part")


# --------------------------------------------------------------------------- capitalisation


def _recase(original: str, inflected: str) -> str:
    """Give ``inflected`` (lower-case) the capitalisation pattern of ``original``."""
    letters = [c for c in original if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters if c.lower() != c.upper()):
        return inflected.upper()
    chars = []
    for index, char in enumerate(inflected):
        if index < len(original) and original[index].isupper():
            chars.append(char.upper())
        else:
            chars.append(char)
    return "".join(chars)


def _by_word(rule: _Rule, name: str, gender: str | None, part: str) -> str:
    """Apply ``rule`` to every word and hyphen-joined part of ``name``, keeping separators."""
    pieces = re.split(r"([\s\-‐]+)", name)
    out = []
    for piece in pieces:
        if not piece or not piece[0].isalpha() or len(piece) < 2:
            out.append(piece)
            continue
        out.append(_recase(piece, rule(piece.lower(), gender, part)))
    return "".join(out)


# --------------------------------------------------------------------------- Lithuanian


def _lt(word: str, gender: str | None, part: str) -> str:
    """Lithuanian: names ``-as→-ai``, ``-is→-i``, ``-ys→-y``, ``-us/-ius→-(i)au``, ``-ė→-e``.

    Common nouns (titles) take ``-as→-e`` and ``-jas→-jau`` instead (``ministras→ministre``,
    ``mokytojas→mokytojau``); diminutive given names ``-ukas/-iukas`` drop to ``-uk/-iuk``.
    Sources: learning-lithuanian.blogspot.com "The Vocative Case" (2014); gestai.lt, Kreipiniai.
    """
    if part == "title":
        if word.endswith("jas"):
            return word[:-2] + "au"
        if word.endswith("as"):
            return word[:-2] + "e"
    elif part == "given" and word.endswith("ukas"):
        return word[:-2]
    if word.endswith("ius") or (word.endswith("us") and len(word) > 3):
        return word[:-2] + "au"
    if word.endswith("as"):
        return word[:-2] + "ai"
    if word.endswith(("is", "ys")):
        return word[:-1]
    if word.endswith("ė"):
        return word[:-1] + "e"
    return word


# --------------------------------------------------------------------------- Latvian


def _lv(word: str, gender: str | None, part: str) -> str:
    """Latvian masculine nouns: ``-is→-i``, ``-us→-u``, ``-s/-š`` dropped; ``-ais`` kept.

    ``Jānis→Jāni``, ``Mikus→Miku``, ``Mārtiņš→Mārtiņ``, ``Toms→Tom``; definite adjectival surnames
    (``Platais``) and feminine names stay (LU MII morphology tests; latvianapps/deklinators).
    """
    if gender == "female" or word.endswith("ais") or len(word) < 3:
        return word
    if word.endswith(("is", "us")):
        return word[:-1]
    if word.endswith(("s", "š")) and word[-2] not in "aeiouāēīū":
        return word[:-1]
    return word


# --------------------------------------------------------------------------- Polish

_PL_VOWELS: Final = "aąeęioóuy"
_PL_SOFT: Final = {"ś": "si", "ć": "ci", "ź": "zi", "ń": "ni"}
_PL_IRREGULAR: Final = {
    "lew": "lwie", "ksiądz": "księże", "bóg": "boże", "ojciec": "ojcze", "poseł": "pośle",
}
_PL_SOFTEN_BEFORE_C: Final = {"n": "ń", "s": "ś", "z": "ź"}
_PL_SOFT_BEFORE_CONSONANT: Final = {"ni": "ń", "si": "ś", "ci": "ć", "zi": "ź"}
"""A soft consonant spelt with ``i`` before a vowel is spelt with an accent before a consonant:
``Maciek → Maćku``, ``Stasieniek → Stasieńku`` (when the fleeting ``e`` drops)."""
_PL_FIXED_O: Final = ("król", "chór", "stróż", "wójt", "tchórz", "mózg", "wiór")
"""Nouns whose ``ó`` does not alternate (ó niewymienne: ``króla``, ``stróża``, ``wójta``)."""


def _pl_vowel_groups(stem: str) -> int:
    return len(re.findall(f"[{_PL_VOWELS}]+", stem))


def _pl_open_o(word: str) -> str:
    """``ó`` in the last syllable of a masculine noun becomes ``o`` once an ending opens it.

    ``pokój → pokoju``, ``stół → stole``, ``Mściwój → Mściwoju``, ``Mróz → Mrozie``: the
    alternation holds in every case but the nominative (polishnative.pl, "dół — na dole; stół —
    na stole"; jpmatura.pl, Wymiana ó na o), except in the few nouns whose ``ó`` never alternates
    (``_PL_FIXED_O``: ``król → królu``).
    """
    match = re.search(f"ó([^{_PL_VOWELS}]+)$", word)
    if match is None or word.endswith(_PL_FIXED_O):
        return word
    return word[: match.start()] + "o" + match.group(1)


def _pl_masculine(word: str) -> str:
    """Polish masculine nouns (Nagórko, *Zarys gramatyki polskiej*, vocative = locative form).

    Hypocoristics in ``-io`` after a soft consonant take ``-u`` (``Kazio → Kaziu``, ``Józio →
    Józiu``: the vocative the PWN and Zaleski's *Wołacz w funkcji mianownika*, Język Polski
    XXXIX, cite for the Stasio type); a fleeting ``e`` drops before ``-ku``/``-cu`` and a soft
    consonant before it takes its accent (``Maciek → Maćku``, Narodowe Centrum Kultury, Wołacz:
    ``Stasieńku``).
    """
    if word in _PL_IRREGULAR:
        return _PL_IRREGULAR[word]
    if word.endswith("a"):
        return word[:-1] + "o"
    if word.endswith("ko"):
        return word[:-1] + "u"
    if word.endswith("io") and word[-3:-2] in ("s", "c", "z", "n") and \
            _pl_vowel_groups(word[:-2]) <= 1:
        return word[:-1] + "u"
    if word[-1] in _PL_VOWELS or word[-1] == "e":
        return word
    word = _pl_open_o(word)
    if word.endswith("ek") and len(word) > 3:
        stem = word[:-2]
        soft = _PL_SOFT_BEFORE_CONSONANT.get(stem[-2:])
        if soft and len(stem) > 2:
            stem = stem[:-2] + soft
        return stem + "ku"
    if word.endswith("iec") and len(word) > 4 and word[-4] not in _PL_VOWELS:
        return word[:-4] + _PL_SOFTEN_BEFORE_C.get(word[-4], word[-4]) + "cu"
    if word.endswith("ec") and len(word) > 3:
        return word[:-2] + "cu"
    if word[-1] in _PL_SOFT:
        return word[:-1] + _PL_SOFT[word[-1]] + "u"
    if word.endswith(("k", "g", "h", "j", "l", "c", "sz", "cz", "rz", "ż", "dz")):
        return word + "u"
    if word.endswith("r"):
        if re.search("[ncsz][dtp]er$", word):  # fleeting e: Aleksander, Kacper, Sylwester
            word = word[:-2] + "r"
        return word + "ze"
    if word.endswith("weł"):
        return word[:-2] + "le"
    if word.endswith("sł"):
        return word[:-2] + "śle"
    if word.endswith("ł"):
        return word[:-1] + "le"
    if word.endswith("st"):
        return word[:-2] + "ście"
    if word.endswith("zd"):
        return word[:-2] + "ździe"
    if word.endswith("t"):
        return word[:-1] + "cie"
    if word.endswith("d"):
        return word + "zie"
    if word.endswith("x"):
        return word[:-1] + "ksie"
    if word.endswith("sn"):
        return word[:-2] + "śnie"
    if word[-1] in "bfmnpswzv":
        return word + "ie"
    return word


def _pl_feminine(word: str) -> str:
    """Polish feminine ``-a→-o``; a soft stem, the mark of a hypocoristic, takes ``-u``.

    The rule (Poradnia PWN, J. Grzenia, "wołacz", 2006): feminine nouns whose stem ends in a
    soft consonant take ``-o`` or ``-u``, names and words for people mostly ``-u`` (``Kasiu``,
    ``Olu``, ``mamusiu``); stems in ``-l`` take both (E. Kołodziejek, "Nikolo!", 2023). Spelt:

    * ``-sia``, ``-zia``, ``-dzia``, ``-cia`` (ś, ź, dź, ć) always: ``Kasia → Kasiu``,
      ``Marysia → Marysiu``, ``Małgosia → Małgosiu``, ``Jadzia → Jadziu``;
    * ``-nia`` in a two-syllable name or after the diminutive ``-unia``: ``Ania → Aniu``,
      ``Elżunia → Elżuniu``; longer names in ``-nia`` are borrowed full names whose ``ni``
      is n + j (``Stefania → Stefanio``, ``Eugenia → Eugenio``);
    * ``-ja`` after a vowel in a two-syllable name: ``Maja → Maju``;
    * the short hypocoristics in ``-la`` (one vowel before the ``l``: ``Ala, Ela, Ola, Ula,
      Jola → Alu, Elu, Olu, Ulu, Jolu``; NSPP via jezykowedylematy.pl, pisze-czytam.pl) and
      names in ``-ola`` (``Mariola → Mariolu``, SGJP); other ``-la`` names keep the ``-o`` that
      SGJP lists first (``Kamila → Kamilo``, ``Paula → Paulo``).
    """
    if not word.endswith("a"):
        return word
    if word.endswith(("sia", "zia", "cia")) and len(word) > 3:
        return word[:-1] + "u"
    if word.endswith("nia") and (_pl_vowel_groups(word[:-3]) <= 1 or word.endswith("unia")):
        return word[:-1] + "u"
    if word.endswith("ja") and len(word) > 2 and _pl_vowel_groups(word[:-2]) <= 1 and (
        word[-3] in _PL_VOWELS
    ):
        return word[:-1] + "u"
    if word.endswith("ola") or re.fullmatch(f"[^{_PL_VOWELS}]*[{_PL_VOWELS}]la", word):
        return word[:-1] + "u"
    return word[:-1] + "o"


_PL_ADJECTIVAL: Final = re.compile(r"(ski|cki|dzki|ska|cka|dzka|ny|na|owy|owa)$")


def _pl(word: str, gender: str | None, part: str) -> str:
    if part == "surname" and _PL_ADJECTIVAL.search(word):
        return word
    if gender == "female" or (gender is None and word.endswith("a") and part != "title"):
        return _pl_feminine(word)
    return _pl_masculine(word)


# --------------------------------------------------------------------------- Greek

_EL_VOWELS: Final = "αεηιουωάέήίόύώϊϋΐΰ"
_EL_ACCENTED: Final = "άέήίόύώΐΰ"
_EL_DIMINUTIVE: Final = ("άκος", "ίτσος", "ούλος", "ούδος", "άκης")
_EL_HYPOCORISTIC_OXYTONE: Final = frozenset({"δημητρός", "μανολιός", "μανωλιός"})
"""Oxytone pet names that keep ``-ό`` (Desquared/Greek-vocative-name lists the same three)."""


def _el_syllables(word: str) -> list[str]:
    """Vowel groups of a Greek word: diphthongs are one group, ``ι`` before a vowel glides."""
    groups = re.findall(r"(?:αι|αί|ει|εί|οι|οί|ου|ού|υι|αυ|αύ|ευ|εύ|ι(?=[αεοουω])|[" + _EL_VOWELS
                        + r"])", word)
    merged: list[str] = []
    for group in groups:
        if merged and merged[-1] == "ι":
            merged[-1] = "ι" + group
        else:
            merged.append(group)
    return merged


def _el(word: str, gender: str | None, part: str) -> str:
    """Modern Greek masculine names: ``-ας/-ης`` drop ``ς``, ``-ος`` takes ``-ε`` or ``-ο``.

    ``-ος→-ε`` in names of three or more syllables and in proparoxytones, ``-ο`` in
    two-syllable names and diminutives; ``-ός→-έ``; feminine names unchanged.

    Source: Triantafyllides, *Μικρή νεοελληνική γραμματική* §305; test data Desquared.
    """
    if word.endswith(("ας", "άς", "ης", "ής")):
        return word[:-1]
    if word.endswith("ός"):
        return word[:-2] + ("ό" if word in _EL_HYPOCORISTIC_OXYTONE else "έ")
    if word.endswith("ος"):
        if word.endswith(_EL_DIMINUTIVE):
            return word[:-2] + "ο"
        syllables = _el_syllables(word)
        stressed = [i for i, s in enumerate(syllables) if any(c in _EL_ACCENTED for c in s)]
        from_end = len(syllables) - stressed[-1] if stressed else 2
        if from_end >= 3 or len(syllables) >= 3:
            return word[:-2] + "ε"
        return word[:-2] + "ο"
    return word


# --------------------------------------------------------------------------- Irish

_GA_LENITABLE: Final = "bcdfgmpt"
_GA_BROAD: Final = "aouáóú"


def _ga_lenite(word: str) -> str:
    if len(word) < 2 or word[1] == "h":
        return word
    first = word[0]
    if first in _GA_LENITABLE or (first == "s" and word[1] in "aeiouáéíóúlnr"):
        return first + "h" + word[1:]
    return word


def _ga(word: str, gender: str | None, part: str) -> str:
    """Irish: lenite the initial and slenderise masculine names ending in a broad consonant.

    ``Máire→Mháire``; ``Seán→Sheáin``, ``Micheál→Mhichíl``. The particle *a* is not included.

    Source: Ó Dónaill / Christian Brothers' *New Irish Grammar* §§ 6, 60; data UD Irish-IDT.
    """
    word = _ga_lenite(word)
    if gender != "male" or part == "title":
        return word
    match = re.search(r"([aeiouyáéíóú]+)([^aeiouyáéíóú]+)$", word)
    if match is None or len(word) < 4:
        return word
    vowels, tail = match.group(1), match.group(2)
    if vowels[-1] not in _GA_BROAD:
        return word
    head = word[: match.start()]
    if vowels in ("eá", "ea") and tail == "l":
        return head + "í" + tail
    return head + vowels + "i" + tail


# --------------------------------------------------------------------------- Bulgarian, Romanian


def _bg(word: str, gender: str | None, part: str) -> str:
    """Bulgarian masculine names: consonant ``+е`` (``Иван→Иване``), ``-ър→-ре``, ``-й→-ю``.

    Source: *Граматика на съвременния български книжовен език* (БАН, 1983), т. 2, звателна форма.
    Feminine and vowel-final names are left unchanged (the ``-о`` forms are familiar).
    """
    if gender == "female" or part == "surname" or not word or word[-1] in "аеиоуъюя":
        return word
    if word.endswith("ър") and len(word) > 3:
        return word[:-2] + "ре"
    if word.endswith("й"):
        return word[:-1] + "ю"
    if word[-1] in "бвгдзклмнпрстфхцчшщж":
        return word + "е"
    return word


def _ro(word: str, gender: str | None, part: str) -> str:
    """Romanian masculine vocative: ``domn→domnule``, ``-u→-ule``, consonant ``+e``.

    ``Radu→Radule``, ``Dan→Dane``; ``Ion→Ioane`` is lexical; feminine names unchanged.

    Source: *Gramatica limbii române* (Academia Română, 2005), vol. I, vocativul.
    """
    if gender == "female" or not word:
        return word
    if part == "title" or word in ("domn", "domnul"):
        if word.endswith("ul"):
            return word + "e"
        return word + "ule" if word[-1] not in "aeiouăâî" else word
    if part == "surname":
        return word
    if word == "ion":
        return "ioane"
    if word.endswith("u") and len(word) > 2 and word[-2] not in "aeiouăâî":
        return word + "le"
    if word[-1] in "bcdfghjklmnprstvzșț" and not word.endswith("ian") and len(word) > 2:
        return word + "e"
    return word


_RULES: Final[dict[str, _Rule]] = {
    "lt": _lt,
    "lv": _lv,
    "pl": _pl,
    "el": _el,
    "ga": _ga,
    "bg": _bg,
    "ro": _ro,
}


# --------------------------------------------------------------------------- library backends


def _cs(name: str, gender: str | None, part: str) -> str:
    import vokativ as _vokativ  # imported on first use: keeps ``import globalcrm`` light

    woman = None if gender is None else gender == "female"
    pieces = re.split(r"([\s\-]+)", name)
    out = []
    for piece in pieces:
        if not piece or not piece[0].isalpha() or len(piece) < 2:
            out.append(piece)
            continue
        result = _vokativ.vokativ(piece, woman=woman, last_name=part == "surname")
        out.append(_recase(piece, result) if isinstance(result, str) else piece)
    return "".join(out)


_UK_FIELDS: Final = {
    "given": "given_name",
    "surname": "family_name",
    "patronymic": "patronymic_name",
    "title": "given_name",
}


def _uk(name: str, gender: str | None, part: str) -> str:
    import shevchenko  # imported on first use

    field = _UK_FIELDS[part]
    kwargs: dict[str, str] = {field: name}
    if gender is not None:
        kwargs["gender"] = "feminine" if gender == "female" else "masculine"
    elif part == "title":
        kwargs["gender"] = "masculine"
    try:
        result = shevchenko.in_vocative(**kwargs)
    except (shevchenko.InputValidationError, ValueError, KeyError, IndexError, TypeError):
        return name
    value = result.get(field) if isinstance(result, dict) else None
    return value if isinstance(value, str) and value else name


def _sr(name: str, gender: str | None, part: str) -> str:
    if len(name) < 3 or part == "title":
        return name
    import deklinacija  # imported on first use

    kind = deklinacija.Gender.FEMALE if gender == "female" else deklinacija.Gender.MALE
    try:
        result = deklinacija.vokativ(name, kind)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return name
    return result if isinstance(result, str) and result else name


_BACKENDS: Final[dict[str, Callable[[str, str | None, str], str]]] = {
    "cs": _cs,
    "uk": _uk,
    "sr": _sr,
    "hr": _sr,
    "bs": _sr,
    "me": _sr,
}

VOCATIVE_LANGUAGES: Final = frozenset({*_RULES, *_BACKENDS})
"""Languages for which ``vocative`` inflects; every other language returns the name unchanged."""


@functools.lru_cache(maxsize=16384)
def _inflect(name: str, language: str, gender: str | None, part: str) -> str:
    backend = _BACKENDS.get(language)
    if backend is not None:
        return backend(name, gender, part)
    rule = _RULES.get(language)
    if rule is None:
        return name
    return _by_word(rule, name, gender, part)


def vocative(
    name: str,
    *,
    locale: str,
    gender: str | None = None,
    name_part: str = "given",
) -> str:
    """Return ``name`` in the vocative case of ``locale``'s language (the form used to address).

    ``gender`` is ``"female"``, ``"male"``, ``"nonbinary"``, ``"unknown"`` or None; only the first
    two select a declension (never guessed for salutations). ``name_part`` is ``"given"``,
    ``"surname"``, ``"patronymic"`` or ``"title"`` (a title or function noun such as
    ``ministras`` declines differently from a name). Raises ``InvalidFormat`` for non-text input
    and ``InvalidComponent`` for an unknown locale; never for an unknown name.

    ```pycon
    >>> vocative("JONAS", locale="lt")
    'JONAI'
    >>> vocative("ministras", locale="lt", name_part="title")
    'ministre'
    >>> vocative("Anna-Maria", locale="pl", gender="female")
    'Anno-Mario'
    >>> vocative("Predrag", locale="sr-Latn", gender="male")
    'Predraže'

    ```
    """
    text = _check_name(name)
    language = language_of(locale).split("-")[0]
    sex = _check_gender(gender)
    part = _check_part(name_part)
    if not text.strip() or language not in VOCATIVE_LANGUAGES:
        return text
    text = unicodedata.normalize("NFC", text)
    try:
        return _inflect(text, language, sex, part)
    except RecursionError as exc:  # pragma: no cover - defensive: a dependency misbehaved
        raise InvalidComponent("the vocative could not be formed", field="name") from exc
