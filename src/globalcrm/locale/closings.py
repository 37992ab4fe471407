"""Closing formulas of letters and messages, by locale, channel and the opening used.

A closing depends on the channel as the opening does: a formal Japanese letter ends ``敬具`` (the
pair of ``拝啓``), a Japanese e-mail ``よろしくお願いいたします。``; a formal British letter to a
named person ends ``Yours sincerely``, to ``Dear Sir or Madam`` ``Yours faithfully``, and an
e-mail ``Kind regards``; a French letter repeats the appel (``Veuillez agréer, Madame, …``). A
regional row (``fr-CH``, ``de-CH``, ``en-GB``, ``en-US``, ``pt-BR``…) is chosen before the
language's, and its own rules with it: Swiss French letters end ``Meilleures salutations,``.

A row's formal closings come from the source ``CLOSING_SOURCES`` names, else from the cnice
vector of that locale, else from the research table (verify); see
``../shared/research/address.md`` §7 and ``../shared/conformance/address/SOURCE.md``.
Punctuation is the source's: Czech, Slovak, Polish, German, Finnish and Norwegian put no comma
after the closing (ÚJČ, STN 01 6910, PWN, DIN 5008, Kotus, Språkrådet); British English writes
none when the opening has none (open punctuation).

```pycon
>>> closing(locale="ja")
'敬具'
>>> closing(locale="ja", channel="email")
'よろしくお願いいたします。'
>>> closing(locale="en-GB", salutation="Dear Sir or Madam")
'Yours faithfully'
>>> closing(locale="en-GB", gender="female", surname="Barber")
'Yours sincerely'
>>> closing(locale="en-GB", channel="email")
'Kind regards'
>>> closing(locale="fr-CH")
'Meilleures salutations,'
>>> closing(locale="fr", gender="female")
'Veuillez agréer, Madame, l’expression de mes sentiments distingués.'

```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import attrs

from globalcrm.errors import InvalidComponent
from globalcrm.locale.formality import Formality
from globalcrm.locale.recipients import CLOSING_FACTS, SALUTATION_FACTS, Recipient, recipient_from
from globalcrm.locale.salutation_styles import _informal
from globalcrm.locale.salutations import _options, salutation

__all__ = ["CLOSING_LOCALES", "CLOSING_SOURCES", "closing"]

_Rule = Callable[[str, Recipient, str], "str | None"]
"""A row's rule: (the opening, or ``""``; the recipient; the form) → a closing, or None."""


@attrs.frozen
class _Row:
    letter: str
    """The formal closing of a letter (and of an e-mail when ``email`` is None)."""
    informal: str
    """The informal closing, whatever the channel."""
    email: str | None = None
    """The formal closing of an e-mail or chat message, where the source gives another."""
    neutral: str | None = None
    """The closing of a less formal (``neutral``) message, where the source gives one."""
    rule: _Rule | None = None
    """A rule the source gives for formal messages (the French appel, the British faithfully)."""


def _british(opening: str, r: Recipient, form: str) -> str | None:
    """BBC, ego4u: ``Dear Sir``/``Madam`` → ``Yours faithfully``, a name → ``Yours sincerely``.

    The closing of a letter takes a comma when its opening has one (ego4u: open punctuation).
    """
    if form != "letter" or not opening:
        return None
    word = "Yours faithfully" if ("Sir" in opening or "Madam" in opening) else "Yours sincerely"
    return word + ("," if opening.rstrip().endswith((",", ":")) else "")


def _french(opening: str, r: Recipient, form: str) -> str | None:
    """OQLF, Français en affaires: a letter's closing repeats the appel between commas."""
    appel = opening.removeprefix("Bonjour, ").rstrip(",").strip()
    if form == "letter" and appel and appel != "Madame, Monsieur":
        return f"Veuillez agréer, {appel}, l’expression de mes sentiments distingués."
    return None


def _thai(opening: str, r: Recipient, form: str) -> str | None:
    """Thai correspondence regulation: ``กราบเรียน`` (high offices) pairs with ``…อย่างยิ่ง``."""
    if opening.startswith("กราบ") or r.recipient == "authority":
        return "ขอแสดงความนับถืออย่างยิ่ง"
    return None


def _brazilian(opening: str, r: Recipient, form: str) -> str | None:
    """Manual de Redação da Presidência, 2.2 Fechos: to a higher authority ``Respeitosamente,``."""
    return "Respeitosamente," if r.recipient == "authority" else None


def _indonesian(opening: str, r: Recipient, form: str) -> str | None:
    """format-contoh-surat: a person signing writes ``Hormat saya,`` (an organisation: kami)."""
    return "Hormat saya," if r.sender == "person" else None


_GB = _Row("Yours sincerely", "Best wishes", email="Kind regards", rule=_british)

_ROWS: Final[dict[str, _Row]] = {
    "ar": _Row("مع أطيب التحيات،", "مع التحية،"),
    "bg": _Row("С уважение,", "Поздрави,"),
    "cs": _Row("S pozdravem", "Zdraví"),
    "da": _Row("Med venlig hilsen,", "Kærlig hilsen,"),
    "de": _Row("Mit freundlichen Grüßen", "Viele Grüße"),
    "de-CH": _Row("Freundliche Grüsse", "Liebe Grüsse"),
    "de-LI": _Row("Freundliche Grüsse", "Liebe Grüsse"),
    "el": _Row("Με εκτίμηση,", "Φιλικά,"),
    "en": _Row("Yours sincerely,", "Best wishes,", email="Kind regards,", rule=_british),
    "en-GB": _GB,
    "en-IE": _GB,
    "en-AU": _GB,
    "en-NZ": _GB,
    "en-US": _Row("Sincerely,", "Best,", email="Kind regards,"),
    "es": _Row("Atentamente,", "Un saludo,"),
    "et": _Row("Lugupidamisega,", "Parimate soovidega"),
    "fi": _Row("Ystävällisin terveisin", "Terveisin", neutral="Terveisin"),
    "fr": _Row("Veuillez agréer, Madame, Monsieur, mes salutations distinguées.", "Cordialement,",
               email="Meilleures salutations,", rule=_french),
    "fr-CH": _Row("Meilleures salutations,", "Cordialement,"),
    "ga": _Row("Le meas,", "Slán,"),
    "he": _Row("בברכה,", "להתראות,"),
    "hi": _Row("भवदीय,", "शुभकामनाओं सहित,"),
    "hr": _Row("S poštovanjem,", "Pozdrav,"),
    "hu": _Row("Tisztelettel,", "Üdvözlettel,"),
    "id": _Row("Hormat kami,", "Salam,", rule=_indonesian),
    "it": _Row("Cordiali saluti,", "Un caro saluto,"),
    "ja": _Row("敬具", "よろしくね。", email="よろしくお願いいたします。"),
    "ko": _Row("감사합니다.", "고마워요."),
    "lt": _Row("Pagarbiai,", "Linkėjimai,"),
    "lv": _Row("Ar cieņu,", "Ar sveicieniem,"),
    "ms": _Row("Yang benar,", "Salam,"),
    "nb": _Row("Med vennlig hilsen", "Hilsen"),
    "nl": _Row("Met vriendelijke groet,", "Groetjes,"),
    "nl-BE": _Row("Met vriendelijke groeten,", "Groetjes,"),
    "no": _Row("Med vennlig hilsen", "Hilsen"),
    "pl": _Row("Z poważaniem", "Pozdrawiam"),
    "pt": _Row("Atenciosamente,", "Abraços,"),
    "pt-BR": _Row("Atenciosamente,", "Abraços,", rule=_brazilian),
    "ro": _Row("Cu stimă,", "Cu drag,"),
    "ru": _Row("С уважением,", "Всего доброго,"),
    "sk": _Row("S pozdravom", "Zdravím"),
    "sl": _Row("S spoštovanjem,", "Lep pozdrav,"),
    "sr": _Row("S poštovanjem,", "Pozdrav,"),
    "sr-Cyrl": _Row("С поштовањем,", "Поздрав,"),
    "sv": _Row("Med vänliga hälsningar,", "Hälsningar,"),
    "sw": _Row("Wako mwaminifu,", "Wako,"),
    "th": _Row("ขอแสดงความนับถือ", "ด้วยความเคารพ", rule=_thai),
    "tr": _Row("Saygılarımla,", "Sevgiler,"),
    "uk": _Row("З повагою,", "Бувай!"),
    "uz": _Row("Hurmat bilan,", "Salom bilan,"),
    "uz-Cyrl": _Row("Ҳурмат билан,", "Салом билан,"),
    "vi": _Row("Trân trọng,", "Thân,"),
    "zh": _Row("此致\n敬礼！", "祝好！", email="顺祝商祺！"),
    "zh-TW": _Row("敬祝 商祺", "祝好！"),
}

CLOSING_LOCALES: Final = frozenset(_ROWS)
"""Locales (languages and regional variants) with a closing row; others get an empty string."""

CLOSING_SOURCES: Final[dict[str, str]] = {
    "cs": "ÚJČ, Oslovení a závěrečný pozdrav v dopise (no comma)",
    "sk": "STN 01 6910 (no comma)",
    "pl": "Poradnia językowa PWN (no comma)",
    "de": "DIN 5008 (workingoffice.de, Grußformel; no comma)",
    "de-CH": "cnice vector 'swiss german' (Freundliche Grüsse)",
    "de-LI": "as de-CH (Swiss spelling, sekretaria.de)",
    "da": "cnice vector 'danish'",
    "en": "cnice vector 'english'; e-mail: ego4u.com Business English, Greeting",
    "en-GB": "BBC Learning English, Beginning and ending the letter; ego4u.com (faithfully after "
             "Dear Sir or Madam, e-mail Kind regards, open punctuation); en-IE, en-AU and en-NZ "
             "follow it as their salutations do (verify)",
    "en-US": "US business-English textbook (NUNG p. 76); ego4u.com (Sincerely; in e-mail "
             "Kind regards)",
    "fi": "Kotus, Kielitoimiston ohjepankki (Sähköposti, kirje; nosto 16.8.2023), no comma",
    "fr": "OQLF BDL, Formules de salutation dans la lettre; Français en affaires (the appel "
          "repeated); cnice vector 'french'; e-mail: TERMIUM Plus, Clefs du français pratique, "
          "Salutation (a short formula followed by a comma)",
    "fr-CH": "cnice vector 'swiss french'",
    "id": "format-contoh-surat.blogspot.com (Hormat saya / Hormat kami)",
    "ja": "letter: civillink.net 文例の森, 拝啓と敬具 (拝啓 pairs with 敬具); cnice vector "
          "'japanese'; e-mail: kakikata.dkrht.com",
    "nb": "Språkrådet, Formell e-post — Avslutningshelsing (no comma)",
    "no": "Språkrådet, Formell e-post — Avslutningshelsing (no comma)",
    "nl-BE": "cnice vector 'belgian dutch'",
    "pt-BR": "Manual de Redação da Presidência da República, 2.2 Fechos para Comunicações",
    "ru": "ГОСТ Р 7.0.97-2016 п. 5.18",
    "th": "ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ (baanjomyut.com)",
    "zh": "letter: 佛山新闻网, 信的正确书写格式; e-mail 顺祝商祺: research table (verify)",
}
"""Source of each row that is not a cnice vector of the same locale (corbet-foss/cnice
``tests/vectors/closing.json``); rows of other locales follow the research table (verify)."""

_ALIASES: Final = {"zh-Hant": "zh-TW"}


def _row(tag: str) -> tuple[str, _Row] | None:
    parts = tag.split("-")
    language = parts[0]
    keys = [tag]
    if len(parts) > 1:
        keys += [f"{language}-{parts[-1]}", f"{language}-{parts[1]}"]
    keys.append(language)
    for key in keys:
        key = _ALIASES.get(key, key)
        if key in _ROWS:
            return key, _ROWS[key]
    return None


def closing(
    *, locale: str, formality: str = "formal", channel: str = "letter", **facts: object
) -> str:
    """Return the closing formula of a letter or message in ``locale``.

    ``formality`` and ``channel`` take the values ``salutation`` takes (except ``envelope``);
    a spoken channel has no closing formula and gives ``""``, as does a locale without a row.
    ``salutation`` (the opening used) or, without it, the recipient facts (from which the
    opening is worked out) decide the French appel, the British faithfully and the Thai
    high-office form; ``recipient="authority"`` gives the Brazilian ``Respeitosamente,``,
    ``sender="person"`` the Indonesian ``Hormat saya,``; ``formality="neutral"`` the short
    Finnish form.

    ```pycon
    >>> closing(locale="de-CH")
    'Freundliche Grüsse'
    >>> closing(locale="en-US", channel="whatsapp")
    'Kind regards,'
    >>> closing(locale="pt-BR", recipient="authority")
    'Respeitosamente,'
    >>> closing(locale="de", channel="phone")
    ''

    ```
    """
    tag, level, form = _options(locale, formality, channel)
    if form == "envelope":
        raise InvalidComponent("a closing has no envelope form", field="channel")
    r = recipient_from(facts, allowed=CLOSING_FACTS)
    opening = r.salutation or ""
    recipient_facts = {key: value for key, value in facts.items() if key in SALUTATION_FACTS}
    if not opening and recipient_facts and form != "spoken":
        opening = salutation(locale=tag, formality=level, channel=form, **recipient_facts)
    found = _row(tag)
    if found is None or form == "spoken":
        return ""
    row = found[1]
    if _informal(level):
        return row.informal
    if level == Formality.NEUTRAL and row.neutral:
        return row.neutral
    if row.rule is not None:
        ruled = row.rule(opening, r, form)
        if ruled is not None:
            return ruled
    if form != "letter" and row.email is not None:
        return row.email
    return row.letter
