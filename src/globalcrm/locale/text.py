"""Right-to-left safety and mixed scripts: bidi isolation, script and direction detection.

A name inserted into text of the other direction is wrapped in Unicode bidi isolates, FIRST STRONG
ISOLATE (U+2068) ... POP DIRECTIONAL ISOLATE (U+2069), as UAX #9 §6.3 recommends
(https://www.unicode.org/reports/tr9/#Explicit_Directional_Isolates), so that its punctuation and
digits do not jump across the surrounding text. Plain-text channels that cannot carry isolates can
use marks instead (``isolate(..., marks=True)`` appends an LRM/RLM after the value).

A string's direction comes from its first strong character (UAX #9 rules P2-P3), never from the
customer's locale; a locale's direction comes from CLDR through babel.

```pycon
>>> direction("שלום")
'rtl'
>>> isolate("John Smith", within="rtl") == FSI + "John Smith" + PDI
True
>>> script_of("Олена")
'Cyrl'

```
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final, Literal

import babel

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidLength, translate_errors

Direction = Literal["ltr", "rtl"]

FSI: Final = "\u2068"
"""FIRST STRONG ISOLATE: opens an isolate whose direction is its first strong character."""
LRI: Final = "\u2066"
RLI: Final = "\u2067"
PDI: Final = "\u2069"
"""POP DIRECTIONAL ISOLATE: closes the isolate."""
LRM: Final = "\u200e"
RLM: Final = "\u200f"
BIDI_CONTROLS: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
"""Every explicit bidi formatting character (embeddings, overrides, isolates, marks)."""
MAX_TEXT: Final = 100_000

# Unicode script of a code point, by block ranges (Scripts.txt, the ranges names use).
_SCRIPT_RANGES: Final[tuple[tuple[int, int, str], ...]] = (
    (0x0041, 0x024F, "Latn"),
    (0x0250, 0x02AF, "Latn"),
    (0x0370, 0x03FF, "Grek"),
    (0x0400, 0x052F, "Cyrl"),
    (0x0530, 0x058F, "Armn"),
    (0x0590, 0x05FF, "Hebr"),
    (0x0600, 0x06FF, "Arab"),
    (0x0700, 0x074F, "Syrc"),
    (0x0750, 0x077F, "Arab"),
    (0x0780, 0x07BF, "Thaa"),
    (0x0800, 0x08FF, "Arab"),
    (0x0900, 0x097F, "Deva"),
    (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"),
    (0x0A80, 0x0AFF, "Gujr"),
    (0x0B00, 0x0B7F, "Orya"),
    (0x0B80, 0x0BFF, "Taml"),
    (0x0C00, 0x0C7F, "Telu"),
    (0x0C80, 0x0CFF, "Knda"),
    (0x0D00, 0x0D7F, "Mlym"),
    (0x0D80, 0x0DFF, "Sinh"),
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Laoo"),
    (0x0F00, 0x0FFF, "Tibt"),
    (0x1000, 0x109F, "Mymr"),
    (0x10A0, 0x10FF, "Geor"),
    (0x1100, 0x11FF, "Hang"),
    (0x1200, 0x139F, "Ethi"),
    (0x1780, 0x17FF, "Khmr"),
    (0x1800, 0x18AF, "Mong"),
    (0x1C90, 0x1CBF, "Geor"),
    (0x1E00, 0x1EFF, "Latn"),
    (0x1F00, 0x1FFF, "Grek"),
    (0x2C00, 0x2C5F, "Glag"),
    (0x2C60, 0x2C7F, "Latn"),
    (0x2D00, 0x2D2F, "Geor"),
    (0x2DE0, 0x2DFF, "Cyrl"),
    (0x2E80, 0x2FDF, "Hani"),
    (0x3040, 0x309F, "Hira"),
    (0x30A0, 0x30FF, "Kana"),
    (0x3100, 0x312F, "Bopo"),
    (0x3130, 0x318F, "Hang"),
    (0x31F0, 0x31FF, "Kana"),
    (0x3400, 0x4DBF, "Hani"),
    (0x4E00, 0x9FFF, "Hani"),
    (0xA640, 0xA69F, "Cyrl"),
    (0xA720, 0xA7FF, "Latn"),
    (0xAC00, 0xD7AF, "Hang"),
    (0xF900, 0xFAFF, "Hani"),
    (0xFB1D, 0xFB4F, "Hebr"),
    (0xFB50, 0xFDFF, "Arab"),
    (0xFE70, 0xFEFF, "Arab"),
    (0xFF21, 0xFF5A, "Latn"),
    (0xFF66, 0xFF9F, "Kana"),
    (0x20000, 0x3134F, "Hani"),
)
_RTL_SCRIPTS: Final = frozenset({"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Yezi"})
_CJK_FAMILY: Final = {"Hira": "Jpan", "Kana": "Jpan", "Hani": "Hani", "Hang": "Kore"}


def _text(value: object, *, field: str = "text", allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise InvalidFormat(f"expected text, got {type(value).__name__}", field=field)
    if len(value) > MAX_TEXT:
        raise InvalidLength(f"longer than {MAX_TEXT} characters", field=field)
    for index, char in enumerate(value):
        if unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r":
            raise InvalidFormat("contains a control character", field=field, position=index)
    if not value and not allow_empty:
        raise InvalidFormat("must not be empty", field=field)
    return value


@functools.lru_cache(maxsize=4096)
def _char_script(char: str) -> str | None:
    point = ord(char)
    if not unicodedata.category(char).startswith(("L", "M")):
        return None
    for start, end, script in _SCRIPT_RANGES:
        if start <= point <= end:
            return script
    return "Zyyy"


def script_of(text: str) -> str | None:
    """Return the ISO 15924 code of the script most letters of ``text`` are written in.

    Japanese kana with kanji give ``Jpan``, Hangul with hanja ``Kore``; ``None`` for text with no
    letters (digits and punctuation have no script of their own).

    ```pycon
    >>> script_of("山田太郎"), script_of("やまだ たろう"), script_of("Yamada Tarō")
    ('Hani', 'Jpan', 'Latn')
    >>> script_of("123") is None
    True

    ```
    """
    counts: dict[str, int] = {}
    for char in _text(text):
        script = _char_script(char)
        if script is not None and unicodedata.category(char).startswith("L"):
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return None
    if "Hira" in counts or "Kana" in counts:
        return "Jpan"
    if "Hang" in counts:
        return "Kore"
    return max(sorted(counts), key=lambda s: counts[s])


def direction(text: str) -> Direction | None:
    """Return ``"rtl"`` or ``"ltr"`` from the first strong character of ``text`` (UAX #9 P2).

    Characters inside isolates are skipped, as P2 says; ``None`` when there is no strong character
    (digits, punctuation, blank text).

    ```pycon
    >>> direction("123 Main St."), direction("١٢٣"), direction("O'Brien 2nd")
    ('ltr', None, 'ltr')

    ```
    """
    depth = 0
    for char in _text(text):
        if char in (FSI, LRI, RLI):
            depth += 1
            continue
        if char == PDI:
            depth = max(0, depth - 1)
            continue
        if depth:
            continue
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def locale_direction(locale: str) -> Direction:
    """Return the writing direction of ``locale`` from CLDR (babel's ``Locale.text_direction``).

    ```pycon
    >>> locale_direction("he"), locale_direction("ar-EG"), locale_direction("uz-Latn")
    ('rtl', 'rtl', 'ltr')

    ```
    """
    tag = _checks.language(locale, field="locale")
    with translate_errors(
        (ValueError, babel.UnknownLocaleError),
        InvalidComponent,
        f"locale {tag!r} is not known to CLDR",
        field="locale",
    ):
        parsed = babel.Locale.parse(tag, sep="-")
    return "rtl" if parsed.text_direction == "rtl" else "ltr"


def isolate(value: str, *, within: str | None = None, marks: bool = False) -> str:
    """Wrap ``value`` in FSI ... PDI so it cannot reorder the text around it.

    With ``within`` (``"ltr"``/``"rtl"``, the direction of the surrounding text) the value is
    wrapped only when its own direction differs or cannot be known (a value of digits and
    punctuation inside right-to-left text is still wrapped, because its neutral characters would
    otherwise take the surrounding direction). ``marks=True`` appends a mark of the surrounding
    direction instead (LRM/RLM), for plain-text channels that strip isolates.

    ```pycon
    >>> isolate("אברהם", within="rtl")
    'אברהם'
    >>> isolate("Smith 2nd", within="rtl") == FSI + "Smith 2nd" + PDI
    True

    ```
    """
    text = _text(value, field="value")
    if within is not None:
        within = _checks.choice(within, ("ltr", "rtl"), field="within", what="direction")
    if not text:
        return text
    own = direction(text)
    if within is not None and own == within and not (own == "rtl" and _ends_weak(text)):
        return text
    if marks:
        surrounding = within or ("ltr" if own == "rtl" else "rtl")
        return text + (RLM if surrounding == "rtl" else LRM)
    return FSI + text + PDI


def _ends_weak(text: str) -> bool:
    return unicodedata.bidirectional(text[-1]) not in ("L", "R", "AL")


def strip_isolates(text: str) -> str:
    """Remove every bidi formatting character (isolates, embeddings, overrides, marks).

    ```pycon
    >>> strip_isolates(isolate("John", within="rtl"))
    'John'

    ```
    """
    return "".join(c for c in _text(text) if c not in BIDI_CONTROLS)
