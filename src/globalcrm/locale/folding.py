"""Search keys: text folded so that case, accents and script variants do not stop a match.

Folding is what a person means by "the same name typed differently": ``Jonas``, ``JONAS`` and
``Jõnas`` match; ``Pētersons`` is found by ``petersons``; Hebrew points (niqqud) and Arabic
harakat are ignored; full-width Latin, half-width katakana and katakana/hiragana are unified so
that a Japanese reading typed either way is found; the apostrophes of Uzbek Latin (``oʻ``,
``o'``, ``o‘``) are all the same; traditional Han characters fold to simplified ones (ICU's
``Traditional-Simplified``), so ``張偉`` and ``张伟`` match.

:func:`latin_forms` spells a name part written in another script in Latin letters with ICU's
transforms (CLDR transliteration data), for names to be found by their Latin spelling too:
``Дилноза`` by ``dilnoza``, ``张伟`` by ``zhang wei``.
"""

from __future__ import annotations

import functools
import unicodedata

import regex

from globalcrm.errors import InvalidFormat
from globalcrm.locale import transforms

# Letters that NFKD does not decompose but people type without their stroke or ligature.
_SPECIAL = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ı": "i",
        "ł": "l",
        "ŀ": "l",
        "œ": "oe",
        "æ": "ae",
        "þ": "th",
        "ŧ": "t",
        "ŋ": "n",
        "ĸ": "k",
    }
)
# Apostrophes and modifier letters used as apostrophes (Uzbek oʻ/gʻ, Ukrainian ʼ) and dashes.
_DROP = frozenset("'’‘ʻʼʽ`´ʹ′")
_SPACE = frozenset("-‐‑‒–—_.,·・･/")
_KATAKANA_START, _KATAKANA_END = 0x30A1, 0x30F6
# Marks that are accents or vowel points, dropped; the vowel signs and viramas of Indic and
# other abugidas are letters in all but name and are kept (dropping them changes the word).
_DROPPED_MARKS = (
    (0x0300, 0x036F),  # combining diacritical marks (Latin, Greek, Cyrillic accents)
    (0x0483, 0x0489),  # Cyrillic titlo and friends
    (0x0591, 0x05C7),  # Hebrew cantillation and points (niqqud)
    (0x0610, 0x061A),  # Arabic honorific signs
    (0x064B, 0x065F),  # Arabic harakat
    (0x0670, 0x0670),  # Arabic superscript alef
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)


_ASCII = str.maketrans({**{c: "" for c in "'`"}, **{c: " " for c in "-_.,/"}})
_FIRST_HAN = "\u2e80"  # CJK Radicals Supplement: no Han character comes before it

# ICU transform ids (CLDR transliteration data, ICU 77) for Cyrillic names by language; other
# Cyrillic names get Russian's. uz_Cyrl-uz_Latn is CLDR's Uzbek transform (writes Uzbek Latin
# as Uzbekistan does: Oʻ, Gʻ, Sh, Q); Serbian-Latin/BGN is the Serbian Latin alphabet (Gaj).
_CYRILLIC_TO_LATIN = {
    "az": "az_Cyrl-az/BGN",
    "be": "Belarusian-Latin/BGN",
    "bg": "Bulgarian-Latin/BGN",
    "bs": "Serbian-Latin/BGN",
    "kk": "Kazakh-Latin/BGN",
    "ky": "Kirghiz-Latin/BGN",
    "mk": "Macedonian-Latin/BGN",
    "mn": "Mongolian-Latin/BGN",
    "ru": "Russian-Latin/BGN",
    "sr": "Serbian-Latin/BGN",
    "tk": "tk_Cyrl-tk/BGN",
    "uk": "Ukrainian-Latin/BGN",
    "uz": "uz_Cyrl-uz_Latn",
}
_OTHER_TO_LATIN = {
    "Cyrl": "Russian-Latin/BGN",
    "Grek": "Greek-Latin/UNGEGN",
    "Geor": "Georgian-Latin/BGN",
    "Armn": "Armenian-Latin/BGN",
}
# Han is read as Mandarin only in Chinese names (und: CLDR's likely language of Han is zh); the
# Names variant reads surname characters as surnames (曾 Zēng, not Céng; 单 Shàn, not Dān).
_HAN_LANGUAGES = frozenset({"zh", "yue", "und"})


def _is_dropped_mark(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _DROPPED_MARKS)


def _katakana_to_hiragana(char: str) -> str:
    code = ord(char)
    if _KATAKANA_START <= code <= _KATAKANA_END:
        return chr(code - 0x60)
    return char


@functools.lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Return the search key of ``text``: case, accents, marks and variant forms removed.

    ```pycon
    >>> fold("Pētersons"), fold("JÕNAS"), fold("Oʻlmasbek"), fold("ヤマダ"), fold("שָׁלוֹם")
    ('petersons', 'jonas', 'olmasbek', 'やまだ', 'שלום')
    >>> fold("張偉") == fold("张伟") == "张伟"
    True
    >>> fold("प्रिया") == "प्रिया"   # Devanagari vowel signs are part of the word
    True

    ```
    """
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII).split())
    normal = unicodedata.normalize("NFKC", text).casefold()
    if max(normal) >= _FIRST_HAN and _han().search(normal):
        normal = _simplified(normal)
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", normal):
        category = unicodedata.category(char)
        if category == "Cf" or (category in ("Mn", "Me") and _is_dropped_mark(char)):
            continue
        if char in _DROP:
            continue
        if char in _SPACE or char.isspace():
            out.append(" ")
            continue
        out.append(_katakana_to_hiragana(char))
    folded = unicodedata.normalize("NFC", "".join(out)).translate(_SPECIAL)
    return " ".join(folded.split())


def tokens(text: str) -> list[str]:
    """Return the folded words of ``text`` in order, without duplicates.

    ```pycon
    >>> tokens("Anna-Liisa  VIRTANEN")
    ['anna', 'liisa', 'virtanen']

    ```
    """
    seen: dict[str, None] = {}
    for word in fold(text).split():
        seen.setdefault(word, None)
    return list(seen)


def latin_forms(text: str, locale: str = "und", *, surname: bool = False) -> tuple[str, ...]:
    """Return folded Latin spellings of a name part written in another script, for search.

    The ICU transform follows the text's script and the language of ``locale`` (the name's):
    Cyrillic by language (``uz_Cyrl-uz_Latn``, ``Serbian-Latin/BGN``, ``Russian-Latin/BGN``,
    ``Ukrainian-Latin/BGN``...), Greek ``Greek-Latin/UNGEGN``, Chinese Han as pinyin without
    tones (``Han-Latin``, ``Han-Latin/Names`` for a ``surname``), Korean Hangul as Revised
    Romanization (``Hangul-Latin``; a surname also as McCune-Reischauer, ``김`` ``kim``).
    Latin text gives ``()``, and so do Japanese names (their kana reading finds them; Han-Latin
    would read kanji as Mandarin), Hebrew and Arabic (written without vowels, a transform gives
    consonants nobody types) and every name when PyICU is not installed.

    ```pycon
    >>> latin_forms("Дилноза", "uz-Cyrl"), latin_forms("Ђорђе", "sr"), latin_forms("张伟", "zh")
    (('dilnoza',), ('dorde',), ('zhang wei',))
    >>> latin_forms("김", "ko", surname=True), latin_forms("山田", "ja"), latin_forms("Jonas")
    (('gim', 'kim'), (), ())

    ```
    """
    if not isinstance(text, str) or not isinstance(locale, str):
        raise InvalidFormat("expected a name part and a locale as text")
    if text.isascii():
        return ()
    return _latin_forms(text, locale, bool(surname))


@functools.lru_cache(maxsize=65_536)
def _latin_forms(text: str, locale: str, surname: bool) -> tuple[str, ...]:
    scripts = {match.lastgroup for match in _scripts().finditer(text)}
    if not scripts or "Kana" in scripts or transforms.icu() is None:
        return ()
    language = locale.partition("-")[0].lower()
    ids: tuple[str, ...]
    if "Hang" in scripts:
        ids = ("Hangul-Latin", "NFD; Korean-Latin/BGN") if surname else ("Hangul-Latin",)
    elif "Hani" in scripts:
        if language not in _HAN_LANGUAGES:
            return ()
        ids = ("Han-Latin/Names",) if surname else ("Han-Latin",)
    elif "Cyrl" in scripts:
        ids = (_CYRILLIC_TO_LATIN.get(language, _OTHER_TO_LATIN["Cyrl"]),)
    else:
        ids = tuple(_OTHER_TO_LATIN[script] for script in sorted(scripts) if script)
    forms: dict[str, None] = {}
    for transform in ids:
        # Any-Latin spells what the language's transform leaves (a Russian letter in an Uzbek
        # name); a word still not in ASCII letters is nothing a person would type: left out.
        converter = transforms.transliterator(f"{transform}; Any-Latin; Latin-ASCII")
        if converter is None:
            continue
        words = [word for word in fold(converter.transliterate(text)).split() if word.isascii()]
        if words:
            forms.setdefault(" ".join(words), None)
    return tuple(forms)


def _simplified(text: str) -> str:
    """``text`` with traditional Han characters simplified (ICU ``Traditional-Simplified``).

    The mapping has a cycle (苧 → 苎 → 苧); where a second pass changes a character again, the
    smaller of the two is kept, so that :func:`fold` stays idempotent and both forms meet.
    """
    if transforms.icu() is None:
        return text
    convert = transforms.transliterator("Traditional-Simplified")
    if convert is None:
        return text
    once: str = convert.transliterate(text)
    twice: str = convert.transliterate(once)
    if twice == once or len(twice) != len(once):
        return once
    return "".join(min(a, b) for a, b in zip(once, twice, strict=True))


@functools.cache
def _han() -> regex.Pattern[str]:
    return regex.compile(r"\p{sc=Han}")


@functools.cache
def _scripts() -> regex.Pattern[str]:
    """Letters of the scripts :func:`latin_forms` knows, each in a group named by its code."""
    return regex.compile(
        r"(?P<Kana>[\p{sc=Hiragana}\p{sc=Katakana}])|(?P<Hang>\p{sc=Hangul})|(?P<Hani>\p{sc=Han})"
        r"|(?P<Cyrl>\p{sc=Cyrillic})|(?P<Grek>\p{sc=Greek})|(?P<Geor>\p{sc=Georgian})"
        r"|(?P<Armn>\p{sc=Armenian})"
    )
