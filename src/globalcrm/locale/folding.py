"""Search keys: text folded so that case, accents and script variants do not stop a match.

Folding is what a person means by "the same name typed differently": ``Jonas``, ``JONAS`` and
``Jõnas`` match; ``Pētersons`` is found by ``petersons``; Hebrew points (niqqud) and Arabic
harakat are ignored; full-width Latin, half-width katakana and katakana/hiragana are unified so
that a Japanese reading typed either way is found; the apostrophes of Uzbek Latin (``oʻ``,
``o'``, ``o‘``) are all the same.
"""

from __future__ import annotations

import functools
import unicodedata

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
    >>> fold("प्रिया") == "प्रिया"   # Devanagari vowel signs are part of the word
    True

    ```
    """
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII).split())
    normal = unicodedata.normalize("NFKC", text).casefold()
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
