"""Opening lines of letters and e-mails, following each country's style guide.

``salutation(locale=..., formality=..., channel=..., **facts)`` takes the recipient facts named
as in the shared conformance data (the closed vocabulary of ``globalcrm.locale.recipients``:
``gender``, ``title``, ``given``, ``surname``, ``function``, ``recipient``, ``greeting``...). A
fact outside the vocabulary, or a wording fact (``greeting``, ``register``, ``honorific``) that
the locale's style has no place for, raises ``InvalidComponent`` naming the fact. Which name
parts appear is the style guide's choice (French never puts the surname in the appel).
Punctuation is part of the norm and of the result.

``channel`` is any channel of ``globalcrm.interactions.CHANNELS`` (``whatsapp``, ``phone``,
``email``, ``letter``...), mapped by ``CHANNEL_MEDIA`` to its medium (``chat``, ``spoken``,
``email``, ``letter``), or a medium itself; ``envelope`` asks for the address line on an
envelope, where a style has one (Korean ``홍길동 귀하``). The per-locale styles are in
``salutation_styles`` and ``salutation_styles_eastern``.

Style-guide choices (sources in ``SALUTATION_SOURCES``; full citations in
``../shared/research/address.md`` §7):

* German: DIN 5008, comma after the salutation; Switzerland and Liechtenstein write no comma; an
  academic ``Prof.`` is written out and supersedes ``Dr.``; gender-neutral ``Guten Tag Sam Lee``.
* French: OQLF, never the surname in the appel (``Monsieur,``), ``Madame ou Monsieur,`` when the
  gender is not known; an e-mail opens ``Bonjour, Madame,``.
* Spanish: colon after the salutation (DPD, Fundéu): ``Estimado Sr. López:``.
* English: British open punctuation (``Dear Ms Barber``), American ``Dear Ms. Lanes,``.
* Polish: no surname (PWN): ``Szanowny Panie,``; gender-neutral ``Szanowni Państwo,``.
* Czech: surname in the vocative for men (``Vážený pane Nováku,``).
* Lithuanian: vocative names and titles, ``!`` after a letter's salutation (*Laiškai lietuviams*).
* Latvian: ``Godātais Juri Bērziņa kungs!`` (surname in the genitive before kungs/kundze).
* Ukrainian: given name in the vocative, surname in the nominative, no final mark.
* Japanese ``様`` after the name, Korean ``님``, Chinese ``尊敬的张先生：``, Hebrew gendered
  ``הנכבד/הנכבדה``, Uzbek ``Hurmatli ...!``.

Every locale has a gender-neutral form, used when ``gender`` is missing, ``unknown`` or
``nonbinary``: the full name without a gendered title, or the locale's form for an unknown
recipient. Locales without a table fall back to the full name followed by a comma (and to an
empty string when no name is known, rather than a salutation in another language).

```pycon
>>> salutation(locale="de", gender="female", title="Dr.", surname="Meyer")
'Sehr geehrte Frau Dr. Meyer,'
>>> salutation(locale="de-CH", gender="female", title="Dr.", surname="Meyer")
'Sehr geehrte Frau Dr. Meyer'
>>> salutation(locale="lt", gender="male", surname="Petrauskas")
'Gerbiamasis pone Petrauskai!'
>>> salutation(locale="lt", gender="male", surname="Petrauskas", channel="whatsapp")
'Gerbiamasis pone Petrauskai,'
>>> salutation(locale="ja", surname="山田", given="太郎")
'山田太郎様'

```
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.interactions import medium_of
from globalcrm.locale import salutation_styles, salutation_styles_eastern, vocatives
from globalcrm.locale.formality import FORMALITIES, Formality, parse_formality
from globalcrm.locale.recipients import SALUTATION_FACTS, Recipient, recipient_from
from globalcrm.locale.salutation_styles import SALUTATION_SOURCES, Builder

if TYPE_CHECKING:
    from globalcrm.locale.closings import closing

__all__ = [
    "FORMALITIES",
    "GREETING_STYLES",
    "SALUTATION_FACTS",
    "SALUTATION_LOCALES",
    "SALUTATION_SOURCES",
    "Recipient",
    "closing",
    "salutation",
]

_STYLES: Final[dict[str, Builder]] = {
    **salutation_styles.STYLES, **salutation_styles_eastern.STYLES,
}

SALUTATION_LOCALES: Final = frozenset(_STYLES)
"""Languages with a style-guide table; every other language gets the full name and a comma."""

GREETING_STYLES: Final[dict[str, tuple[Formality, ...]]] = {
    **dict.fromkeys(("en", "es", "fi", "da", "nb", "no", "sv"), tuple(Formality)),
    **dict.fromkeys(("de", "fr", "it", "nl"), (Formality.INFORMAL, Formality.FAMILIAR)),
}
"""Where the ``greeting`` fact replaces the opening word, and at which formalities: a style with
a free opening word (``Dear``, ``Hei``, ``Hola``; German ``Hallo`` but not ``Sehr geehrte``)."""


def _form(channel: object) -> str:
    """The form a ``channel`` asks for: its medium, or ``envelope``."""
    if not isinstance(channel, str):
        raise InvalidFormat(f"expected a channel, got {type(channel).__name__}", field="channel")
    if channel.strip().lower() == "envelope":
        return "envelope"
    return medium_of(channel)


def _options(locale: object, formality: object, channel: object) -> tuple[str, Formality, str]:
    return vocatives.language_of(locale), parse_formality(formality), _form(channel)


def salutation(
    *, locale: str, formality: str = "formal", channel: str = "letter", **facts: object
) -> str:
    """Return the opening line for a letter or message (or the spoken address) in ``locale``.

    ``formality`` is a ``Formality`` level (``official``, ``formal``, ``respectful-personal``,
    ``neutral``, ``informal``, ``familiar``); ``channel`` any value of
    ``globalcrm.interactions.CHANNELS``, a medium (``chat``, ``spoken``...) or ``envelope``.
    ``facts`` are the recipient facts (see ``globalcrm.locale.recipients``). Without a gender
    the result never uses a gendered title. A name in the other writing direction is isolated
    (FSI ... PDI).

    ```pycon
    >>> salutation(locale="fr", gender="male", surname="Dubois")
    'Monsieur,'
    >>> salutation(locale="fr", gender="male", surname="Dubois", channel="email")
    'Bonjour, Monsieur,'
    >>> salutation(locale="es", gender="male", title="Sr.", surname="López")
    'Estimado Sr. López:'
    >>> salutation(locale="pl", gender="male", surname="Nowak")
    'Szanowny Panie,'
    >>> salutation(locale="de", given="Sam", surname="Lee")
    'Guten Tag Sam Lee,'
    >>> salutation(locale="de", gender="male", surname="Knoch", greeting="Guten Tag")
    Traceback (most recent call last):
    ...
    globalcrm.errors.InvalidComponent: greeting: not used by the de style at formality formal

    ```
    """
    tag, level, form = _options(locale, formality, channel)
    recipient = recipient_from(facts, allowed=SALUTATION_FACTS)
    language = tag.split("-")[0]
    style = _STYLES.get(language, salutation_styles.FALLBACK)
    text = style(recipient, tag, level, form)
    unused = recipient.unconsulted()
    if unused:
        raise InvalidComponent(
            f"not used by the {language} style at formality {level.value}", field=unused[0]
        )
    return _tidy(text)


_SPACE_BEFORE_MARK = re.compile(r"[ \t]+([,:!،：，])")
_REPEATED_MARK = re.compile(r"([,،，])\s*([,:!،：，])")


def _tidy(text: str) -> str:
    """Close the gaps a missing fact leaves (``Hallo ,`` → ``Hallo,``; double spaces)."""
    lines = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t]{2,}", " ", line).strip()
        line = _SPACE_BEFORE_MARK.sub(r"\1", line)
        line = _REPEATED_MARK.sub(r"\2", line)
        lines.append(line)
    return "\n".join(line for line in lines if line)


def __getattr__(name: str) -> Any:
    """``closing`` lives in ``globalcrm.locale.closings``; it stays importable from here."""
    if name == "closing":
        from globalcrm.locale.closings import closing

        return closing
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
