"""Address text in Latin letters: ICU transliteration chosen by country and script.

Mail from abroad is addressed in Latin script (UPU S42). For each run of a non-Latin script, the
country's national romanisation is used where ICU has one (``uz_Cyrl-uz_Latn``; BGN/PCGN's
``ru-ru_Latn/BGN`` and kin follow the national standards of Russia, Greece, Bulgaria...), else
ICU's ``Any-Latin``; Latin-ASCII then drops the diacritics (tone marks, ``ŭ``) that foreign mail
systems mangle. Scripts written without spaces are split into words by ICU's dictionary-based
word breaker first. Where no romanisation is reliable (kanji in a Japanese address, Hebrew and
Arabic written without vowels) the text comes back as it is, marked unreliable: never guessed.

```pycon
>>> romanise("Тошкент", "UZ")
('Toshkent', True)
>>> is_latin("Vilnius"), is_latin("東京")
(True, False)

```
"""

from __future__ import annotations

import functools
import itertools

import regex

from globalcrm.locale import transforms

__all__ = ["is_latin", "romanise"]

_FOREIGN_LETTER = regex.compile(r"[\p{L}--\p{Latin}--\p{Common}--\p{Inherited}]", regex.V1)
"""A letter of a script other than Latin (digits, punctuation and ``ʻ`` belong to no script)."""
_FOREIGN_RUN = regex.compile(r"[[\p{L}\p{M}]--\p{Latin}]+", regex.V1)
_NON_LETTERS = "[^[:L:][:M:]] Any-Latin; [^[:L:][:M:]] Latin-ASCII"
"""ICU transform for the punctuation and digits between words (``、`` -> ``,``, ``１`` -> ``1``)."""
_PINYIN_COUNTRIES = frozenset({"CN", "SG", "TW"})
"""Where Hanyu Pinyin is the official romanisation of Han text. Elsewhere ICU would still read
Han as Mandarin: Japanese kanji (丸の内 is Marunouchi, not "wan nei"), the Cantonese names of
Hong Kong and Macau, Korean hanja. Those fields are left as written."""
_UNSPACED_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Khmr", "Laoo", "Mymr", "Thai"})
"""Scripts written without spaces between words: ICU's word breaker splits them first."""
_GUESSED_SCRIPTS = frozenset({"Arab", "Hebr", "Khmr", "Laoo", "Syrc", "Thai"})
"""Scripts whose vowels are mostly unwritten (Hebrew, Arabic) or implicit (Thai, Lao, Khmer):
ICU's transliteration is a consonant skeleton (רחוב הרצל -> "rhwv hrzl"), not a reading."""
_NOT_NATIONAL = frozenset({"ko-ko_Latn/BGN"})
"""ICU transforms that are not the romanisation the country uses: BGN/PCGN's Korean is
McCune-Reischauer, while South Korea uses the Revised Romanization (ICU's Hangul-Latin)."""


@functools.cache
def _romaniser(country: str, script: str) -> tuple[str, str] | None:
    """The ICU transform romanising ``script`` text in ``country``'s addresses, and its language.

    ICU's likely subtags name the language (``und_Cyrl_UZ`` is Uzbek); its national system is
    preferred where ICU has one (``uz_Cyrl-uz_Latn``, then BGN/PCGN's ``ru-ru_Latn/BGN``, which
    follow the national standards of Russia, Greece, Bulgaria...), else ICU's ``Any-Latin``.
    Latin-ASCII drops the diacritics (tone marks, ``ŭ``) that foreign mail systems mangle.
    """
    if script == "Hani" and country not in _PINYIN_COUNTRIES:
        return None
    icu = transforms.icu()
    locale = icu.Locale(f"und_{script}_{country}")
    locale.addLikelySubtags()
    language = str(locale.getLanguage())
    available = set(icu.Transliterator.getAvailableIDs())
    for candidate in (f"{language}_{script}-{language}_Latn", f"{language}-{language}_Latn/BGN"):
        if candidate in available and candidate not in _NOT_NATIONAL:
            return f"{candidate}; Any-Latin; Latin-ASCII", language
    return "Any-Latin; Latin-ASCII", language


def _scripts(text: str) -> list[str]:
    """ISO 15924 codes of the scripts of ``text``'s letters, in order of first appearance."""
    icu = transforms.icu()
    found: dict[str, None] = {}
    for char in text:
        script = str(icu.Script.getScript(char).getShortName())
        if script not in ("Zyyy", "Zinh", "Latn"):
            found.setdefault(script, None)
    return list(found)


def _words(text: str, language: str) -> list[str]:
    """``text`` split into words by ICU's dictionary-based word breaker (王府井 | 大街)."""
    if any(ord(char) > 0xFFFF for char in text):
        return [text]  # the breaker counts UTF-16 units; keep such rare text whole
    breaker = transforms.word_breaker(language)
    breaker.setText(text)
    bounds = [breaker.first(), *breaker]
    return [text[start:end] for start, end in itertools.pairwise(bounds)]


def _capitalised(text: str) -> str:
    """Capitalise each word: text from a caseless script comes out of ICU in lower case."""
    return str(regex.sub(r"(?<!\S)(\W*)(\w)", lambda m: m[1] + m[2].upper(), text))


def romanise(text: str, country: str) -> tuple[str, bool]:
    """``text`` in Latin letters, and whether that is a reliable reading of it.

    Text already in Latin script comes back as it is. Each run of another script goes through
    the transform :func:`_romaniser` picks; text that has no reliable romanisation here (kanji in
    a Japanese address) comes back unchanged, marked unreliable, rather than guessed.
    """
    if not _FOREIGN_LETTER.search(text):
        return text, True
    icu = transforms.icu()
    if icu is None:
        return text, False
    try:
        return _transliterated(text, country)
    except icu.ICUError:  # pragma: no cover - defensive: ICU's errors never leave a format()
        return text, False


def _transliterated(text: str, country: str) -> tuple[str, bool]:
    pieces: list[str] = []
    reliable = True
    end = 0
    for run in _FOREIGN_RUN.finditer(text):
        scripts = _scripts(run.group())
        if not scripts:
            continue  # combining marks or script-neutral letters (ʻ) in Latin text
        romanisers = [_romaniser(country, script) for script in scripts]
        if any(romaniser is None for romaniser in romanisers):
            return text, False
        transform_id, language = romanisers[0]  # type: ignore[misc]  # checked just above
        transform = transforms.transliterator(transform_id)
        unspaced = scripts[0] in _UNSPACED_SCRIPTS
        words = _words(run.group(), language) if unspaced else [run.group()]
        latin = " ".join(
            str(transform.transliterate(word)).replace(" ", "") for word in words if word
        )
        if run.group().lower() == run.group().upper():
            latin = _capitalised(latin)
        between = _punctuation(text[end : run.start()])
        if unspaced and between[-1:].isalnum():
            latin = f" {latin}"
        if unspaced and text[run.end() : run.end() + 1].isalnum():
            latin = f"{latin} "
        pieces += [between, latin]
        reliable = reliable and scripts[0] not in _GUESSED_SCRIPTS
        end = run.end()
    pieces.append(_punctuation(text[end:]))
    latin = "".join(pieces)
    return latin, reliable and is_latin(latin)  # ICU leaves letters it has no rule for


def _punctuation(text: str) -> str:
    """Non-Latin punctuation and digits made ASCII; letters are left alone."""
    if text.isascii():
        return text
    text = text.replace("\u30fb", " ")  # the katakana middle dot separates words
    return str(transforms.transliterator(_NON_LETTERS).transliterate(text))


def is_latin(text: str) -> bool:
    """Whether ``text`` has no letter of a script other than Latin (digits and marks have none)."""
    return not _FOREIGN_LETTER.search(text)

