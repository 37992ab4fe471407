"""Honorifics and titles per locale, their position, and the T-V formality of the language.

Each locale's table is reviewed data with its source in ``HONORIFIC_SOURCES`` (see
``../shared/research/address.md`` §2 for the full citations). CLDR supplies only one sample
title per locale (``personNames.json``), so the sets here are wider: they say whether a title
goes before the name (``Herr Müller``) or after it (``山田様``, ``Bērziņa kungs``, ``Anvar aka``),
which gender it marks (``None`` = gender-neutral), and its vocative where the language has one
(``pone``).

``decide_formality`` chooses the T-V register (tu/vous, du/Sie, ты/Вы, sen/siz, tu/jūs) that
templates use, a ``Formality`` (``globalcrm.locale.formality``), from the customer's stated
preference, the relationship and the channel (any of ``globalcrm.interactions.CHANNELS``),
in that order of precedence.

```pycon
>>> [h.text for h in honorifics("lt") if h.gender == "female"]
['ponia', 'panelė']
>>> honorific_for("ja", formality="formal").text, honorific_for("ja").position
('様', 'suffix')
>>> decide_formality(locale="de", channel="whatsapp")
<Formality.FORMAL: 'formal'>
>>> decide_formality(locale="sv", channel="email")
<Formality.INFORMAL: 'informal'>
>>> pronouns("fr")
('tu', 'vous')

```
"""

from __future__ import annotations

from typing import Final, Literal

import attrs

from globalcrm import _checks
from globalcrm.interactions import medium_of
from globalcrm.locale.formality import Formality, parse_formality

__all__ = [
    "HONORIFICS",
    "HONORIFIC_SOURCES",
    "PRONOUNS",
    "Formality",
    "Honorific",
    "decide_formality",
    "honorific_for",
    "honorifics",
    "pronouns",
]

Position = Literal["prefix", "suffix"]


@attrs.frozen
class Honorific:
    """A title of address: its text, gender (None = any), position, register and vocative."""

    text: str
    gender: str | None
    position: Position
    formality: Formality
    vocative: str | None = None
    note: str = ""
    usual: bool = True
    """False for titles used only in some situations (academic, ceremonial, on request)."""


def _h(
    text: str,
    gender: str | None,
    position: Position = "prefix",
    formality: Formality = Formality.FORMAL,
    vocative: str | None = None,
    note: str = "",
    usual: bool = True,
) -> Honorific:
    return Honorific(text, gender, position, formality, vocative, note, usual)


_F = Formality.FORMAL
_I = Formality.INFORMAL

HONORIFICS: Final[dict[str, tuple[Honorific, ...]]] = {
    "ar": (
        _h("السيد", "male"),
        _h("السيدة", "female"),
        _h("الدكتور", None, note="doctor", usual=False),
    ),
    "bg": (
        _h("господин", "male", vocative="господине"),
        _h("госпожа", "female", vocative="госпожо"),
    ),
    "cs": (_h("pan", "male", vocative="pane"), _h("paní", "female", vocative="paní")),
    "da": (_h("hr.", "male"), _h("fru", "female")),
    "de": (
        _h("Herr", "male"),
        _h("Frau", "female"),
        _h("Dr.", None, note="academic, kept", usual=False),
    ),
    "el": (_h("κύριος", "male", vocative="κύριε"), _h("κυρία", "female", vocative="κυρία")),
    "en": (_h("Mr", "male"), _h("Ms", "female"), _h("Mx", None), _h("Dr", None, usual=False)),
    "en-US": (
        _h("Mr.", "male"),
        _h("Ms.", "female"),
        _h("Mx.", None),
        _h("Dr.", None, usual=False),
    ),
    "es": (
        _h("Sr.", "male"),
        _h("Sra.", "female"),
        _h("don", "male", note="+ given name", usual=False),
        _h("doña", "female", note="+ given name", usual=False),
    ),
    "et": (_h("härra", "male"), _h("proua", "female")),
    "fi": (
        _h("herra", "male", note="ceremonial", usual=False),
        _h("rouva", "female", note="ceremonial", usual=False),
    ),
    "fr": (_h("Monsieur", "male"), _h("Madame", "female")),
    "ga": (_h("an tUasal", "male"), _h("Bean", "female")),
    "he": (_h("מר", "male"), _h("גב׳", "female")),
    "hi": (
        _h("श्री", "male"),
        _h("श्रीमती", "female"),
        _h("सुश्री", "female"),
        _h("जी", None, "suffix"),
    ),
    "hr": (
        _h("gospodin", "male", vocative="gospodine"),
        _h("gospođa", "female", vocative="gospođo"),
    ),
    "hu": (_h("úr", "male", "suffix"), _h("asszony", "female", "suffix")),
    "id": (_h("Bapak", "male"), _h("Ibu", "female"), _h("Saudara", None, formality=_I)),
    "it": (
        _h("Sig.", "male"),
        _h("Sig.ra", "female"),
        _h("Dott.", "male", usual=False),
        _h("Dott.ssa", "female", usual=False),
    ),
    "ja": (
        _h("様", None, "suffix"),
        _h("さん", None, "suffix", _I),
        _h("先生", None, "suffix", note="teachers, doctors", usual=False),
    ),
    "ko": (_h("님", None, "suffix"), _h("씨", None, "suffix", _I), _h("선생님", None, "suffix")),
    "lt": (
        _h("ponas", "male", vocative="pone"),
        _h("ponia", "female", vocative="ponia"),
        _h(
            "panelė",
            "female",
            vocative="panele",
            note="young or unmarried; on request",
            usual=False,
        ),
    ),
    "lv": (
        _h("kungs", "male", "suffix", note="surname in the genitive"),
        _h("kundze", "female", "suffix", note="surname in the genitive"),
    ),
    "ms": (_h("Encik", "male"), _h("Puan", "female"), _h("Tuan", "male", usual=False)),
    "nl": (_h("heer", "male"), _h("mevrouw", "female")),
    "no": (_h("herr", "male"), _h("fru", "female")),
    "pl": (
        _h("Pan", "male", vocative="Panie"),
        _h("Pani", "female", vocative="Pani"),
        _h("Państwo", None, note="plural; neutral", usual=False),
    ),
    "pt": (_h("Senhor", "male"), _h("Senhora", "female")),
    "ro": (_h("domnul", "male", vocative="domnule"), _h("doamna", "female", vocative="doamnă")),
    "ru": (_h("господин", "male"), _h("госпожа", "female")),
    "sk": (_h("pán", "male"), _h("pani", "female")),
    "sl": (_h("gospod", "male"), _h("gospa", "female")),
    "sr": (
        _h("gospodin", "male", vocative="gospodine"),
        _h("gospođa", "female", vocative="gospođo"),
    ),
    "sv": (_h("herr", "male"), _h("fru", "female")),
    "sw": (_h("Bwana", "male"), _h("Bibi", "female"), _h("Ndugu", None)),
    "th": (
        _h("คุณ", None),
        _h("นาย", "male", note="documents", usual=False),
        _h("นาง", "female", note="documents", usual=False),
    ),
    "tr": (_h("Sayın", None), _h("Bey", "male", "suffix", _I), _h("Hanım", "female", "suffix", _I)),
    "uk": (_h("пан", "male", vocative="пане"), _h("пані", "female", vocative="пані")),
    "uz": (
        _h("janob", "male"),
        _h("xonim", "female"),
        _h("aka", "male", "suffix"),
        _h("opa", "female", "suffix"),
    ),
    "vi": (_h("Ông", "male"), _h("Bà", "female"), _h("Quý khách", None)),
    "zh": (_h("先生", "male", "suffix"), _h("女士", "female", "suffix")),
    "zh-TW": (_h("先生", "male", "suffix"), _h("小姐", "female", "suffix")),
}
"""Honorifics per language (or language-region where the region differs)."""

HONORIFIC_SOURCES: Final[dict[str, str]] = {
    "ar": "KUPDF Correspondencia en árabe; CLDR 48 personNames",
    "cs": "ÚJČ Internetová jazyková příručka, Oslovení",
    "de": "DIN 5008 (sekretaria.de); HRM.de",
    "en": "BBC Learning English; US business-English textbook (NUNG)",
    "fr": "OQLF Banque de dépannage linguistique",
    "ja": "kakikata.dkrht.com 宛名の正しい書き方",
    "ko": "국립국어원 표준 언어 예절",
    "lt": "gestai.lt Kreipiniai; Laiškai lietuviams 1993/4",
    "lv": "LU MII Latviešu valoda, Darījumu vēstules",
    "pl": "Poradnia językowa PWN",
    "uk": "Довідник секретаря та офіс-менеджера",
    "uz": "Urganch State University course material; CLDR 48 personNames (Janob)",
    "zh": "佛山新闻网 信的正确书写格式",
}
"""Where each table comes from; locales not listed follow CLDR 48's sample titles (verify)."""

PRONOUNS: Final[dict[str, tuple[str, str]]] = {
    "bg": ("ти", "Вие"),
    "cs": ("ty", "vy"),
    "da": ("du", "De"),
    "de": ("du", "Sie"),
    "el": ("εσύ", "εσείς"),
    "es": ("tú", "usted"),
    "et": ("sina", "teie"),
    "fi": ("sinä", "te"),
    "fr": ("tu", "vous"),
    "hi": ("तुम", "आप"),
    "hr": ("ti", "Vi"),
    "hu": ("te", "ön"),
    "id": ("kamu", "Anda"),
    "it": ("tu", "Lei"),
    "lt": ("tu", "Jūs"),
    "lv": ("tu", "Jūs"),
    "ms": ("awak", "anda"),
    "nl": ("jij", "u"),
    "no": ("du", "De"),
    "pl": ("ty", "Pan/Pani"),
    "pt": ("tu", "o senhor/a senhora"),
    "pt-BR": ("você", "o senhor/a senhora"),
    "ro": ("tu", "dumneavoastră"),
    "ru": ("ты", "Вы"),
    "sk": ("ty", "vy"),
    "sl": ("ti", "vi"),
    "sr": ("ti", "Vi"),
    "sv": ("du", "ni"),
    "sw": ("wewe", "ninyi"),
    "tr": ("sen", "siz"),
    "uk": ("ти", "Ви"),
    "uz": ("sen", "siz"),
    "vi": ("bạn", "quý khách"),
    "zh": ("你", "您"),
}
"""Informal and formal "you" per language (T-V); languages without the distinction are absent."""

_INFORMAL_BY_DEFAULT: Final = frozenset({"sv", "da", "no", "nb", "nn", "is", "fi", "et"})
"""Languages whose customer service addresses customers informally by default (du-reform in
Sweden, Finnish business usage per Kotus); a stated preference still wins."""

_INFORMAL_RELATIONSHIPS: Final = frozenset({"close", "friend", "family", "peer", "colleague"})
_FORMAL_RELATIONSHIPS: Final = frozenset({"new", "business", "official", "complaint", "legal"})
_RELATIONSHIPS: Final = _INFORMAL_RELATIONSHIPS | _FORMAL_RELATIONSHIPS | {"customer", "unknown"}


def _keys(locale: object) -> list[str]:
    tag = _checks.language(locale, field="locale")
    parts = tag.split("-")
    keys = [tag]
    if len(parts) > 1:
        keys.append(f"{parts[0]}-{parts[-1]}")
        if parts[0] == "zh" and parts[1] == "Hant":
            keys.append("zh-TW")
    keys.append(parts[0])
    return keys


def honorifics(locale: str) -> tuple[Honorific, ...]:
    """Return the honorifics of ``locale`` (most specific table first), or ``()`` if none known.

    ```pycon
    >>> [h.text for h in honorifics("en-US")][:2]
    ['Mr.', 'Ms.']

    ```
    """
    for key in _keys(locale):
        if key in HONORIFICS:
            return HONORIFICS[key]
    return ()


def honorific_for(
    locale: str, *, gender: str | None = None, formality: str = "formal"
) -> Honorific | None:
    """Return the usual honorific for a person of ``gender`` (None: a gender-neutral one only).

    Never guesses a gender: without one, only an honorific marked gender-neutral is returned
    (``様``, ``Sayın``, ``Mx``), else None, and callers fall back to the full name.

    ```pycon
    >>> honorific_for("de", gender="female").text
    'Frau'
    >>> honorific_for("de") is None
    True

    ```
    """
    wanted = parse_formality(formality).tv
    if gender is not None:
        gender = _checks.choice(
            gender, ("female", "male", "nonbinary", "unknown"), field="gender", what="gender"
        )
    sex = gender if gender in ("female", "male") else None
    candidates = [item for item in honorifics(locale) if item.gender == sex and item.usual]
    for item in candidates:
        if item.formality == wanted:
            return item
    return candidates[0] if candidates else None


def pronouns(locale: str) -> tuple[str, str] | None:
    """Return ``(informal, formal)`` second-person pronouns, or None where there is no T-V."""
    for key in _keys(locale):
        if key in PRONOUNS:
            return PRONOUNS[key]
    return None


def decide_formality(
    *,
    locale: str,
    preference: str | None = None,
    channel: str | None = None,
    relationship: str | None = None,
) -> Formality:
    """Decide T-V formality from preference, relationship and channel, in that order.

    The customer's ``preference`` (a ``Formality`` level, folded to formal or informal, or
    ``auto`` for none) wins; then a close ``relationship``; then the channel: a letter (any
    channel whose medium is ``letter``, or ``envelope``) is always formal; then the language's
    default (formal, except sv, da, no, nb, nn, is, fi, et, whose customer service uses the
    informal you). ``channel`` is any value of ``globalcrm.interactions.CHANNELS`` or a medium.

    Style choice: a chat channel alone never makes a German, French or Polish reply informal.

    ```pycon
    >>> decide_formality(locale="fi", channel="letter")
    <Formality.FORMAL: 'formal'>
    >>> decide_formality(locale="fi", channel="whatsapp")
    <Formality.INFORMAL: 'informal'>

    ```
    """
    language = _checks.language(locale, field="locale").split("-")[0]
    stated = None
    if preference is not None:
        auto = isinstance(preference, str) and preference.strip().lower() == "auto"
        stated = None if auto else parse_formality(preference, field="preference").tv
    rel = None
    if relationship is not None:
        rel = _checks.choice(
            relationship, _RELATIONSHIPS, field="relationship", what="relationship"
        )
    letter = False
    if channel is not None:
        envelope = isinstance(channel, str) and channel.strip().lower() == "envelope"
        letter = envelope or medium_of(channel) == "letter"
    if stated is not None:
        return stated
    if rel in _INFORMAL_RELATIONSHIPS:
        return Formality.INFORMAL
    if rel in _FORMAL_RELATIONSHIPS or letter:
        return Formality.FORMAL
    return Formality.INFORMAL if language in _INFORMAL_BY_DEFAULT else Formality.FORMAL
