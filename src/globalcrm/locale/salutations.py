"""Opening and closing lines of letters and e-mails, following each country's style guide.

``salutation(locale=..., **facts)`` and ``closing(locale=..., **facts)`` take the recipient facts
named as in the shared conformance data: ``gender``, ``title``, ``given``, ``given_full``,
``surname``, ``patronymic``, ``initials``, ``function``, ``position``, ``company``,
``department``, ``recipient``, ``register``, ``greeting``, ``honorific`` (and ``salutation``,
``sender`` for closings). Facts a locale's style does not use are ignored (French never puts the
surname in the appel). Punctuation is part of the norm and of the result.

Style-guide choices (sources in ``SALUTATION_SOURCES``; full citations in
``../shared/research/address.md`` §7):

* German: DIN 5008, comma after the salutation; Switzerland and Liechtenstein write no comma; an
  academic ``Prof.`` is written out and supersedes ``Dr.``; gender-neutral ``Guten Tag Sam Lee``.
* French: OQLF, never the surname in the appel (``Monsieur,``), ``Madame ou Monsieur,`` when the
  gender is not known.
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
>>> salutation(locale="ja", surname="山田", given="太郎")
'山田太郎様'
>>> closing(locale="fr", salutation="Madame,")
'Veuillez agréer, Madame, l’expression de mes sentiments distingués.'

```
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Final

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.locale import vocatives
from globalcrm.locale.text import isolate

FORMALITIES: Final = (
    "official", "formal", "respectful_personal", "neutral", "informal", "familiar",
)
CHANNELS: Final = ("letter", "email", "spoken", "envelope")
FACTS: Final = (
    "gender", "title", "given", "given_full", "surname", "patronymic", "initials", "function",
    "position", "company", "department", "recipient", "register", "greeting", "honorific",
    "salutation", "sender",
)
MAX_FACT: Final = 200

SALUTATION_SOURCES: Final[dict[str, str]] = {
    "cs": "ÚJČ AV ČR, Internetová jazyková příručka: Oslovení a závěrečný pozdrav v dopise",
    "de": "DIN 5008 via sekretaria.de and HRM.de; Swiss no-comma rule (sekretaria.de)",
    "en-GB": "BBC Learning English, Beginning and ending the letter",
    "en-US": "US business-English textbook (files.library.nung.edu.ua p. 76)",
    "es": "Wikilengua (Fundéu), Carta — Saludo (DPD: colon)",
    "fi": "Kielikello, Pilkku ja puhutteluilmaus; Kielitoimiston ohjepankki",
    "fr": "OQLF BDL, Formules d'appel; Appel — Nom de famille; TERMIUM Plus, Appel",
    "he": "2all.co.il/ktovli, מבנה המכתב",
    "id": "format-contoh-surat.blogspot.com, Salam pembuka dan penutup",
    "it": "corbet-foss/cnice vectors (Gentile Sig.ra)",
    "ja": "kakikata.dkrht.com, 宛名の正しい書き方",
    "ko": "국립국어원 표준 언어 예절; 질의응답 (편지 봉투)",
    "lt": "Laiškai lietuviams 1993/4 (Rašome laišką); gestai.lt Kreipiniai",
    "lv": "LU MII Latviešu valoda, Darījumu vēstules — Uzruna",
    "nl": "Taaladvies.net vraag 304",
    "pl": "Poradnia językowa PWN, formuły otwierające list",
    "pt-BR": "Manual de Redação da Presidência da República, vocativos and fechos",
    "ru": "ГОСТ Р 7.0.97-2016 п. 5.18",
    "th": "ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ",
    "uk": "Довідник секретаря та офіс-менеджера; osvita.ukr-lit.com Звертання",
    "uz": "Embassy of Uzbekistan in India; Urganch State University course material",
    "zh": "佛山新闻网, 信的正确书写格式",
}
"""Style guide behind each locale's salutations; others follow the research table (verify)."""


@attrs.frozen
class Recipient:
    """Recipient facts after validation; ``gender`` is ``male``/``female`` or None (neutral)."""

    gender: str | None = None
    title: str | None = None
    given: str | None = None
    given_full: str | None = None
    surname: str | None = None
    patronymic: str | None = None
    initials: str | None = None
    function: str | None = None
    position: str | None = None
    company: str | None = None
    department: str | None = None
    recipient: str = "person"
    register: str | None = None
    greeting: str | None = None
    honorific: str | None = None
    salutation: str | None = None
    sender: str | None = None

    @property
    def has_name(self) -> bool:
        """Whether any part of the name is known."""
        return bool(self.surname or self.given or self.given_full or self.initials)

    def full(self, *, surname_first: bool = False, joiner: str = " ") -> str:
        """The name written plainly (given first, or surname first for East Asian names)."""
        if self.given_full:
            return self.given_full
        given = self.initials or self.given
        parts = [self.surname, given] if surname_first else [given, self.surname]
        return joiner.join(p for p in parts if p)


_RECIPIENT_KINDS: Final = (
    ("unknown", ("unknown", "plural")),
    ("organisation", ("institution", "organisation", "organization", "company", "firm")),
    ("impersonal", ("impersonal",)),
    ("customer", ("customer", "client")),
    ("user", ("user",)),
    ("monk", ("monk", "bhikkhu")),
    ("authority", ("authority", "minister", "prime", "office", "higher", "official")),
)


def _recipient_kind(text: str | None) -> str:
    if not text:
        return "person"
    lowered = text.lower()
    for kind, words in _RECIPIENT_KINDS:
        if any(word in lowered for word in words):
            return kind
    return "person"


def _fact(facts: Mapping[str, object], key: str) -> str | None:
    value = facts.get(key)
    if value is None:
        return None
    field = key
    if not isinstance(value, str):
        raise InvalidFormat(f"expected text, got {type(value).__name__}", field=field)
    multiline = key == "salutation"
    text = _checks.text(value, field=field, max_length=MAX_FACT, allow_empty=True,
                        multiline=multiline)
    return text or None


def _recipient(facts: Mapping[str, object]) -> Recipient:
    values = {key: _fact(facts, key) for key in FACTS if key in facts}
    gender = values.pop("gender", None)
    sex = None
    if gender is not None:
        sex = vocatives._check_gender(gender)
    kind = _recipient_kind(values.pop("recipient", None))
    return Recipient(gender=sex, recipient=kind, **values)


_FORMALITY_WORDS: Final = (
    ("official", "official"),
    ("respect", "respectful_personal"),
    ("less formal", "neutral"),
    ("semi", "neutral"),
    ("informal", "informal"),
    ("familiar", "familiar"),
    ("casual", "informal"),
    ("friendly", "informal"),
    ("personal", "informal"),
    ("formal", "formal"),
)


def _formality(value: object) -> str:
    """Return the formality level; descriptive values (``less formal``) map by keyword."""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected a formality, got {type(value).__name__}", field="formality")
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    if key in FORMALITIES:
        return key
    words = value.strip().lower().replace("-", " ").replace("_", " ")
    for word, level in _FORMALITY_WORDS:
        if word in words and len(words) <= 40:
            return level
    shown = ", ".join(FORMALITIES)
    raise InvalidComponent(f"unknown formality (expected one of {shown})", field="formality")


def _options(locale: object, formality: object, channel: object | None) -> tuple[str, str, str]:
    tag = vocatives.language_of(locale)
    level = _formality(formality)
    kind = "letter" if channel is None else _checks.choice(
        channel, CHANNELS, field="channel", what="channel"
    )
    return tag, level, kind


def _informal(level: str) -> bool:
    return level in ("informal", "familiar")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


_Builder = Callable[[Recipient, str, str, str], str]
"""A locale's salutation: recipient, full tag, formality level, channel."""


# --------------------------------------------------------------------------- Germanic


def _de(r: Recipient, tag: str, level: str, channel: str) -> str:
    end = "" if tag.endswith(("-CH", "-LI")) else ","
    if _informal(level):
        if r.given and r.gender:
            return f"{'Liebe' if r.gender == 'female' else 'Lieber'} {r.given}{end}"
        return f"{r.greeting or 'Hallo'} {r.given or r.full()}".rstrip() + end
    title = _de_title(r.title or "", r.gender)
    if r.function and r.gender:
        word = "Frau" if r.gender == "female" else "Herr"
        return f"Sehr geehrte{'' if r.gender == 'female' else 'r'} {word} {r.function}{end}"
    if r.surname and r.gender:
        word = "Frau" if r.gender == "female" else "Herr"
        head = "Sehr geehrte" if r.gender == "female" else "Sehr geehrter"
        name = " ".join(p for p in (word, title, r.surname) if p)
        return f"{head} {name}{end}"
    if r.has_name:
        return " ".join(p for p in ("Guten Tag", title, r.full()) if p) + end
    return f"Sehr geehrte Damen und Herren{end}"


def _de_title(title: str, gender: str | None) -> str:
    """The academic title a German salutation keeps (DIN 5008 practice).

    ``Prof.`` is written out and supersedes ``Dr.``; doctorates are kept (``Dr.``, ``Dr. Dr.``);
    diplomas and other degrees are left out of the salutation.
    """
    if "prof" in title.lower():
        return "Professorin" if gender == "female" else "Professor"
    doctor = [word for word in title.split() if word.lower().startswith("dr")]
    return " ".join(doctor)


def _nl(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Beste {r.given or r.full()},"
    surname = _cap(r.surname) if r.surname else None
    word = {"male": "heer", "female": "mevrouw"}.get(r.gender or "", "heer of mevrouw")
    return " ".join(p for p in ("Geachte", word, surname) if p) + ","


def _en(r: Recipient, tag: str, level: str, channel: str) -> str:
    region = tag.split("-")[-1]
    british = region in ("GB", "IE", "AU", "NZ")
    end = "" if british else ","
    greeting = r.greeting or "Dear"
    if _informal(level):
        if not r.has_name:
            return f"{r.greeting or 'Hello'}{end}"
        return f"{greeting} {r.given or r.full()}".rstrip() + end
    dot = "." if region == "US" else ""
    title = r.title
    if title is None and r.gender:
        title = ("Ms" if r.gender == "female" else "Mr") + dot
    if r.surname and title:
        return f"{greeting} {title} {r.surname}{end}"
    if r.has_name:
        return f"{greeting} {r.full()}{end}"
    if r.gender and r.recipient == "person":
        return f"{greeting} {'Madam' if r.gender == 'female' else 'Sir'}{end}"
    if r.recipient == "customer":
        return f"{greeting} Customer{end}"
    return f"{greeting} Sir or Madam{end}"


def _nordic(words: tuple[str, str, str]) -> _Builder:
    hello, dear, unknown = words

    def build(r: Recipient, tag: str, level: str, channel: str) -> str:
        if _informal(level) or not r.has_name:
            name = r.given or r.full()
            return f"{hello} {name}," if name else f"{unknown},"
        return f"{dear} {r.full()},"

    return build


def _fi(r: Recipient, tag: str, level: str, channel: str) -> str:
    greeting = r.greeting or ("Hei" if _informal(level) else "Hyvä")
    if r.recipient in ("customer", "user") and not r.has_name:
        noun = "asiakas" if r.recipient == "customer" else "käyttäjä"
        return f"{greeting} {noun}!"
    if _informal(level):
        return f"{greeting} {r.given or r.full()},"
    if r.has_name:
        return f"{greeting} {r.full()},"
    return "Hyvä vastaanottaja,"


# --------------------------------------------------------------------------- Romance


def _fr(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        if r.given and r.gender:
            return f"{'Chère' if r.gender == 'female' else 'Cher'} {r.given},"
        return f"Bonjour {r.given or r.full()},".replace(" ,", ",")
    if r.recipient == "organisation":
        return "Mesdames, Messieurs,"
    word = {"male": "Monsieur", "female": "Madame"}.get(r.gender or "")
    if word and r.function:
        article = "la" if r.gender == "female" else "le"
        appel = f"{word} {article} {r.function}"
    elif word:
        appel = word
    elif r.has_name:
        appel = "Madame ou Monsieur"
    else:
        appel = "Madame, Monsieur"
    if channel == "email":
        return f"Bonjour, {appel},"
    return f"{appel},"


def _es(r: Recipient, tag: str, level: str, channel: str) -> str:
    if r.greeting:
        interjection = r.greeting.lower().startswith(("hola", "buen", "saludos"))
        name = r.given if _informal(level) else r.full()
        if not _informal(level) and r.gender and r.surname:
            name = f"{r.title or ('Sra.' if r.gender == 'female' else 'Sr.')} {r.surname}"
        return f"{r.greeting}{',' if interjection else ''} {name or r.full()}:".replace(" :", ":")
    if _informal(level):
        if r.given and r.gender:
            return f"{'Querida' if r.gender == 'female' else 'Querido'} {r.given}:"
        return f"Hola, {r.given or r.full()}:"
    if r.gender and (r.surname or r.function):
        title = r.title or ("Sra." if r.gender == "female" else "Sr.")
        head = "Estimada" if r.gender == "female" else "Estimado"
        return f"{head} {title} {r.surname or r.function}:"
    if r.has_name:
        return f"Buenos días, {r.full()}:"
    return "A quien corresponda:"


def _pt(r: Recipient, tag: str, level: str, channel: str) -> str:
    brazil = tag.endswith("-BR")
    if _informal(level):
        return f"Olá, {r.given or r.full()},"
    word = {"male": "Senhor", "female": "Senhora"}.get(r.gender or "")
    if word and r.function:
        heads = ("presidente da república", "presidente do congresso", "presidente do supremo")
        if any(r.function.lower().startswith(h) for h in heads):
            return f"Excelentíssim{'a' if r.gender == 'female' else 'o'} {word} {r.function},"
        return f"{word} {r.function},"
    if word:
        if brazil:
            head = "Prezada" if r.gender == "female" else "Prezado"
        else:
            head = "Exma." if r.gender == "female" else "Exmo."
        return " ".join(p for p in (head, word, r.full() if r.has_name else None) if p) + ","
    if r.has_name:
        return f"{'Prezado(a)' if brazil else 'Caro(a)'} {r.full()},"
    return "A quem possa interessar,"


def _it(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        if r.given and r.gender:
            return f"{'Cara' if r.gender == 'female' else 'Caro'} {r.given},"
        return f"Ciao {r.given or r.full()},"
    if r.gender and r.surname:
        title = r.title or ("Sig.ra" if r.gender == "female" else "Sig.")
        return f"Gentile {title} {r.surname},"
    if r.has_name:
        return f"Gentile {r.full()},"
    return "Gentili Signore e Signori,"


def _ro(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Dragă {r.given or r.full()},"
    if r.gender and (r.surname or r.function):
        if r.gender == "female":
            return f"Stimată doamnă {r.surname or r.function},"
        return f"Stimate domnule {r.surname or r.function},"
    if r.has_name:
        return f"Bună ziua, {r.full()},"
    return "Stimate doamne și stimați domni,"


# --------------------------------------------------------------------------- Slavic


def _voc(name: str | None, tag: str, gender: str | None, part: str) -> str | None:
    if not name:
        return None
    return vocatives.vocative(name, locale=tag, gender=gender, name_part=part)


def _pl(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        if r.given and r.gender:
            voc = _voc(r.given, tag, r.gender, "given")
            return f"{'Droga' if r.gender == 'female' else 'Drogi'} {voc},"
        return "Dzień dobry,"
    if r.gender is None or r.recipient in ("unknown", "organisation"):
        return "Szanowni Państwo,"
    function = _voc(r.function, tag, r.gender, "title")
    head = "Szanowna Pani" if r.gender == "female" else "Szanowny Panie"
    return " ".join(p for p in (head, _cap(function) if function else None) if p) + ","


_CS_TITLES: Final = {
    "ing": ("inženýre", "inženýrko"),
    "mgr": ("magistře", "magistro"),
    "judr": ("doktore", "doktorko"),
    "mudr": ("doktore", "doktorko"),
    "phdr": ("doktore", "doktorko"),
    "rndr": ("doktore", "doktorko"),
    "dr": ("doktore", "doktorko"),
    "doc": ("docente", "docentko"),
    "prof": ("profesore", "profesorko"),
}
"""Czech academic titles in the vocative: the title replaces the surname (ÚJČ, Oslovení)."""


def _cs(r: Recipient, tag: str, level: str, channel: str) -> str:
    if r.recipient in ("unknown", "organisation"):
        return "Vážené paní, vážení pánové,"
    if _informal(level):
        if r.given and r.gender:
            voc = _voc(r.given, tag, r.gender, "given")
            return f"{'Milá' if r.gender == 'female' else 'Milý'} {voc},"
        return "Dobrý den,"
    if r.gender is None:
        return "Vážená paní, vážený pane,"
    academic = _CS_TITLES.get((r.title or "").lower().rstrip("."), (None, None))
    academic_title = academic[r.gender == "female"]
    if r.function:
        name = _voc(r.function, tag, r.gender, "title")
    elif academic_title:
        name = academic_title
    else:
        name = _voc(r.surname, tag, r.gender, "surname")
    if r.gender == "female":
        return " ".join(p for p in ("Vážená paní", name) if p) + ","
    return " ".join(p for p in ("Vážený pane", name) if p) + ","


def _sk(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Ahoj {r.given or r.full()},"
    if r.gender and (r.surname or r.function):
        if r.gender == "female":
            return f"Vážená pani {r.function or r.surname},"
        return f"Vážený pán {r.function or r.surname},"
    if r.has_name:
        return f"Dobrý deň, {r.full()},"
    return "Vážené dámy, vážení páni,"


def _uk(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        voc = _voc(r.given, tag, r.gender, "given") if r.gender else r.given
        return f"{'Привіт, ' + voc if voc else 'Привіт'}!"
    if r.recipient in ("unknown", "organisation") or (not r.has_name and not r.function):
        return "Шановні пані та панове"
    if r.gender is None:
        return "Доброго дня, " + r.full() if r.has_name else "Доброго дня"
    head = "Шановна" if r.gender == "female" else "Шановний"
    if r.given and r.patronymic:
        given = _voc(r.given, tag, r.gender, "given")
        patronymic = _voc(r.patronymic, tag, r.gender, "patronymic")
        return f"{head} {given} {patronymic}"
    title = "пані" if r.gender == "female" else "пане"
    if r.function:
        rest = _voc(r.function, tag, r.gender, "title")
    else:
        given = r.initials or _voc(r.given, tag, r.gender, "given")
        rest = " ".join(p for p in (given, r.surname) if p)
    return f"{head} {title} {rest}"


def _ru(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        if r.given and r.gender:
            return f"{'Дорогая' if r.gender == 'female' else 'Дорогой'} {r.given}!"
        return f"Привет, {r.given}!" if r.given else "Привет!"
    if r.recipient in ("unknown", "organisation") or (not r.has_name and not r.function):
        return "Уважаемые господа!"
    if r.gender is None:
        return f"Здравствуйте, {r.full()}!"
    head = "Уважаемая" if r.gender == "female" else "Уважаемый"
    if r.given and r.patronymic:
        return f"{head} {r.given} {r.patronymic}!"
    title = "госпожа" if r.gender == "female" else "господин"
    return f"{head} {title} {r.function or r.surname or r.full()}!"


def _bg(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Здравей, {r.given or r.full()},"
    if r.gender and (r.surname or r.function):
        if r.gender == "female":
            return f"Уважаема госпожо {r.function or r.surname},"
        return f"Уважаеми господин {r.function or r.surname},"
    if r.has_name:
        return f"Добър ден, {r.full()},"
    return "Уважаеми дами и господа,"


def _sr(r: Recipient, tag: str, level: str, channel: str) -> str:
    cyrillic = "Cyrl" in tag or (tag.split("-")[0] == "sr" and "Latn" not in tag and
                                 bool(re.search("[\u0400-\u04ff]", r.full() or "")))
    if _informal(level):
        voc = _voc(r.given, tag, r.gender, "given") if r.given else ""
        return (f"Здраво {voc}," if cyrillic else f"Zdravo {voc},").replace(" ,", ",")
    if r.gender and r.surname:
        surname = _voc(r.surname, tag, r.gender, "surname")
        if cyrillic:
            head = "Поштована госпођо" if r.gender == "female" else "Поштовани господине"
        else:
            head = "Poštovana gospođo" if r.gender == "female" else "Poštovani gospodine"
        return f"{head} {surname},"
    if r.has_name:
        return f"{'Добар дан' if cyrillic else 'Dobar dan'}, {r.full()},"
    return "Поштовани," if cyrillic else "Poštovani,"


def _hr(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        given = _voc(r.given, tag, r.gender, "given") if r.gender else r.given
        return f"Bok {given or r.full()},"
    if r.gender and r.surname:
        surname = _voc(r.surname, tag, r.gender, "surname")
        head = "Poštovana gospođo" if r.gender == "female" else "Poštovani gospodine"
        return f"{head} {surname},"
    if r.has_name:
        return f"Dobar dan, {r.full()},"
    return "Poštovani,"


def _sl(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Živjo {r.given or r.full()},"
    if r.gender and r.surname:
        head = "Spoštovana gospa" if r.gender == "female" else "Spoštovani gospod"
        return f"{head} {r.surname},"
    if r.has_name:
        return f"Dober dan, {r.full()},"
    return "Spoštovani,"


# --------------------------------------------------------------------------- Baltic, Greek, Irish


def _lt(r: Recipient, tag: str, level: str, channel: str) -> str:
    end = "" if channel == "spoken" else ("," if channel == "email" else "!")
    if _informal(level):
        name = _voc(r.given, tag, r.gender, "given")
        return f"Sveiki, {name}{end}" if name else f"Sveiki{end}"
    function = _voc(r.function, tag, r.gender, "title")
    surname = _voc(r.surname, tag, r.gender, "surname")
    given = _voc(r.given, tag, r.gender, "given")
    if channel == "spoken":
        if r.gender == "female":
            title = "ponia" if (surname or function) else "panele"
        elif r.gender == "male":
            title = "pone"
        else:
            title = None
        return " ".join(p for p in (title, function or surname or given) if p) or "Laba diena"
    if function:
        adjective = {"female": "Gerbiamoji ponia"}.get(r.gender or "", "Gerbiamasis")
        if r.register:
            adjective = _cap(r.register)
        return f"{adjective} {_cap(function)}{end}"
    if r.gender and (surname or given):
        head = "Gerbiamoji ponia" if r.gender == "female" else "Gerbiamasis pone"
        if not surname:
            head = "Gerbiamoji" if r.gender == "female" else "Gerbiamasis"
        return f"{head} {surname or given}{end}"
    if r.has_name:
        return "Laba diena, " + " ".join(p for p in (given, surname) if p) + end
    return f"Gerbiamieji{end}"


_LV_SOFTEN: Final = {
    "ln": "ļņ", "sn": "šņ", "zn": "žņ", "sl": "šļ", "zl": "žļ", "t": "š", "d": "ž", "s": "š",
    "z": "ž", "c": "č", "l": "ļ", "n": "ņ", "b": "bj", "p": "pj", "m": "mj", "v": "vj", "f": "fj",
}


def _lv_genitive(surname: str, gender: str | None) -> str:
    """Latvian genitive singular: ``-s/-š/-is → -a`` (``-is`` alternates), feminine ``-as/-es``."""
    lower = surname.lower()
    if gender == "female":
        if lower.endswith(("a", "e")):
            return surname + "s"
        return surname
    if lower.endswith("us"):
        return surname
    if lower.endswith("is") and len(surname) > 3:
        stem = surname[:-2]
        for tail in sorted(_LV_SOFTEN, key=len, reverse=True):
            if stem.lower().endswith(tail) and not stem.lower().endswith(("sk", "ck")):
                return stem[: -len(tail)] + _LV_SOFTEN[tail] + "a"
        return stem + "a"
    if lower.endswith(("s", "š")):
        return surname[:-1] + "a"
    return surname


def _lv(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        name = _voc(r.given, tag, r.gender, "given")
        return f"Sveiki, {name}!" if name else "Sveiki!"
    register = (r.register or "").lower()
    if r.gender is None:
        return f"Labdien, {r.full()}!" if r.has_name else "Godātie kungi un dāmas!"
    female = r.gender == "female"
    adjective = register.split("+")[0].split(",")[0].strip() if register else ""
    if not adjective:
        adjective = "godātā" if female else "godātais"
    with_title = ("no kundze" not in register and "no kungs" not in register
                  and "bez" not in register)
    given = _voc(r.given, tag, r.gender, "given")
    if with_title and r.surname:
        title = "kundze" if female else "kungs"
        name = " ".join(p for p in (given, _lv_genitive(r.surname, r.gender), title) if p)
    else:
        surname = _voc(r.surname, tag, r.gender, "surname")
        name = " ".join(p for p in (given, surname) if p)
    return f"{_cap(adjective)} {name}!"


def _el(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        name = _voc(r.given, tag, r.gender, "given")
        return f"{'Αγαπητή' if r.gender == 'female' else 'Αγαπητέ'} {name}," if name and r.gender \
            else f"Γεια σου {r.given or ''},".replace(" ,", ",")
    if r.gender and r.surname:
        if r.gender == "female":
            return f"Αγαπητή κυρία {r.surname},"
        return f"Αγαπητέ κύριε {_voc(r.surname, tag, r.gender, 'surname')},"
    if r.has_name:
        return f"Καλημέρα σας, {r.full()},"
    return "Αξιότιμες κυρίες και κύριοι,"


def _ga(r: Recipient, tag: str, level: str, channel: str) -> str:
    if r.given:
        return f"A {_voc(r.given, tag, r.gender, 'given')}, a chara,"
    return "A chara,"


def _et(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Tere, {r.given or r.full()}!"
    if r.gender and r.surname:
        return f"Lugupeetud {'proua' if r.gender == 'female' else 'härra'} {r.surname}!"
    if r.has_name:
        return f"Lugupeetud {r.full()}!"
    return "Lugupeetud adressaat!"


def _hu(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Kedves {r.given or r.full()}!"
    if r.gender and r.surname:
        return f"Tisztelt {r.surname} {'Asszony' if r.gender == 'female' else 'Úr'}!"
    if r.has_name:
        return f"Tisztelt {r.full(surname_first=True)}!"
    return "Tisztelt Hölgyem/Uram!"


def _tr(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Merhaba {r.given or r.full()},"
    if r.function and not r.has_name:
        return f"Sayın {r.function},"
    if r.has_name:
        return f"Sayın {r.full()},"
    return "Sayın Yetkili,"


# --------------------------------------------------------------------------- right to left


def _he(r: Recipient, tag: str, level: str, channel: str) -> str:
    if r.recipient == "impersonal" or not r.has_name:
        return "א.ג.נ.,"
    name = isolate(r.full(), within="rtl")
    if _informal(level):
        return f"{isolate(r.given or r.full(), within='rtl')} שלום רב,"
    title = {"male": "מר", "female": "גב׳"}.get(r.gender or "")
    if title and level == "neutral":
        return f"{title} {name} שלום רב,"
    if r.gender == "male":
        return f"מר {name} הנכבד,"
    if r.gender == "female":
        return f"גב׳ {name} הנכבדה,"
    return f"{name} שלום רב,"


def _ar(r: Recipient, tag: str, level: str, channel: str) -> str:
    if not r.has_name:
        return "السادة المحترمون،"
    name = isolate(r.full(), within="rtl")
    if _informal(level):
        return f"عزيزي {name}،" if r.gender == "male" else f"مرحبًا {name}،"
    if r.gender == "male":
        return f"السيد {name} المحترم،"
    if r.gender == "female":
        return f"السيدة {name} المحترمة،"
    return f"{name}، تحية طيبة وبعد،"


# --------------------------------------------------------------------------- Asia


def _cjk_name(r: Recipient) -> str:
    if r.given_full:
        return r.given_full
    parts = [p for p in (r.surname, r.given) if p]
    latin = all(re.fullmatch(r"[\w\s'.\-]+", p, re.ASCII) for p in parts)
    if latin:
        return " ".join(p for p in (r.given, r.surname) if p)
    return "".join(parts)


def _ja(r: Recipient, tag: str, level: str, channel: str) -> str:
    lines = [p for p in (r.company, r.department) if p]
    if r.has_name:
        informal = _informal(level)
        person = f"{r.surname or _cjk_name(r)}さん" if informal else f"{_cjk_name(r)}様"
        if r.position:
            person = f"{r.position} {person}"
        lines.append(person)
    elif r.company:
        lines[-1] = f"{lines[-1]} 御中"
    else:
        lines.append("ご担当者様")
    return "\n".join(lines)


def _ko(r: Recipient, tag: str, level: str, channel: str) -> str:
    name = _cjk_name(r) if r.has_name else None
    if name is None:
        return "고객님께" if r.recipient == "customer" else "안녕하세요."
    if _informal(level):
        return f"{name} 씨, 안녕하세요."
    if channel == "envelope":
        return f"{name} {r.position}" if r.position else f"{name} 귀하"
    if r.position:
        return f"{name} {r.position}께 드립니다."
    if channel == "email":
        return f"{name} 님, 안녕하세요."
    return f"{name} 님께 드립니다."


def _zh(r: Recipient, tag: str, level: str, channel: str) -> str:
    taiwan = tag.endswith(("-TW", "-HK", "-MO")) or "Hant" in tag
    title = {"male": "先生", "female": "小姐" if taiwan else "女士"}.get(r.gender or "")
    if _informal(level):
        dear = "親愛的" if taiwan else "亲爱的"
        return f"{dear}{r.given or _cjk_name(r)}：" if r.has_name else "你好！"
    if r.surname and r.position:
        return f"{r.surname}{r.position}您好：" if taiwan else f"尊敬的{r.surname}{r.position}："
    if taiwan:
        if r.surname and title:
            return f"{r.surname}{title}您好："
        return f"{_cjk_name(r)}您好：" if r.has_name else "敬啟者："
    if r.surname and title:
        return f"尊敬的{r.surname}{title}："
    if r.has_name:
        return f"尊敬的{_cjk_name(r)}："
    return "尊敬的先生/女士："


def _vi(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Chào {r.given or r.full()},"
    if r.has_name and r.gender:
        return f"Kính gửi {'Bà' if r.gender == 'female' else 'Ông'} {r.full(surname_first=True)},"
    if r.has_name:
        return f"Kính gửi {r.full(surname_first=True)},"
    return "Kính gửi Quý khách,"


def _th(r: Recipient, tag: str, level: str, channel: str) -> str:
    head = "กราบเรียน" if r.recipient == "authority" else "เรียน"
    if r.recipient == "monk":
        head = "นมัสการ"
    if r.given:
        return f"{head} คุณ{r.given}"
    if r.function:
        return f"{head} {r.function}"
    return head


def _id(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"Halo {r.given or r.full()},"
    if not r.has_name:
        return "Dengan hormat,"
    word = {"male": "Bapak", "female": "Ibu"}.get(r.gender or "")
    return " ".join(p for p in ("Yth.", word, r.given or r.full()) if p) + ","


def _ms(r: Recipient, tag: str, level: str, channel: str) -> str:
    if not r.has_name:
        return "Tuan/Puan,"
    word = {"male": "Encik", "female": "Puan"}.get(r.gender or "")
    return " ".join(p for p in (word, r.full()) if p) + ","


def _hi(r: Recipient, tag: str, level: str, channel: str) -> str:
    if _informal(level):
        return f"प्रिय {r.given or r.full()},"
    if not r.has_name:
        return "महोदय/महोदया,"
    word = {"male": "श्री", "female": "सुश्री"}.get(r.gender or "")
    return "आदरणीय " + " ".join(p for p in (word, r.surname or r.full(), "जी") if p) + ","


def _uz(r: Recipient, tag: str, level: str, channel: str) -> str:
    cyrillic = "Cyrl" in tag
    head = "Ҳурматли" if cyrillic else "Hurmatli"
    if r.recipient in ("user", "customer") and not r.has_name:
        noun = {"user": ("foydalanuvchi", "фойдаланувчи"), "customer": ("mijoz", "мижоз")}
        return f"{head} {noun[r.recipient][1 if cyrillic else 0]}!"
    if r.given and r.honorific:
        greeting = "ассалому алайкум" if cyrillic else "assalomu alaykum"
        return f"{head} {r.given} {r.honorific}, {greeting}."
    if _informal(level):
        return f"{'Салом' if cyrillic else 'Salom'}, {r.given or r.full()}!"
    if r.gender and r.surname:
        titles = ("janob", "xonim") if not cyrillic else ("жаноб", "хоним")
        return f"{head} {titles[r.gender == 'female']} {r.surname}!"
    if r.has_name:
        return f"{head} {r.full()}!"
    return f"{head} {'мижоз' if cyrillic else 'mijoz'}!"


def _sw(r: Recipient, tag: str, level: str, channel: str) -> str:
    if not r.has_name:
        return "Ndugu,"
    word = {"male": "Bw.", "female": "Bi."}.get(r.gender or "")
    return " ".join(p for p in ("Mpendwa", word, r.surname or r.full()) if p) + ","


def _fallback(r: Recipient, tag: str, level: str, channel: str) -> str:
    return f"{r.full()}," if r.has_name else ""


_BUILDERS: Final[dict[str, _Builder]] = {
    "ar": _ar, "bg": _bg, "cs": _cs, "da": _nordic(("Hej", "Kære", "Til rette vedkommende")),
    "de": _de, "el": _el, "en": _en, "es": _es, "et": _et, "fi": _fi, "fr": _fr, "ga": _ga,
    "he": _he, "hi": _hi, "hr": _hr, "bs": _hr, "hu": _hu, "id": _id, "it": _it, "ja": _ja,
    "ko": _ko, "lt": _lt, "lv": _lv, "ms": _ms,
    "nb": _nordic(("Hei", "Kjære", "Til den det gjelder")),
    "nl": _nl, "no": _nordic(("Hei", "Kjære", "Til den det gjelder")), "pl": _pl, "pt": _pt,
    "ro": _ro, "ru": _ru, "sk": _sk, "sl": _sl, "sr": _sr, "sv": _nordic(("Hej", "Hej", "Hej")),
    "sw": _sw, "th": _th, "tr": _tr, "uk": _uk, "uz": _uz, "vi": _vi, "zh": _zh,
}

SALUTATION_LOCALES: Final = frozenset(_BUILDERS)
"""Languages with a style-guide table; every other language gets the full name and a comma."""


def salutation(
    *, locale: str, formality: str = "formal", channel: str = "letter", **facts: object
) -> str:
    """Return the opening line for a letter or e-mail (or the spoken address) in ``locale``.

    ``formality`` is ``official``, ``formal``, ``respectful-personal``, ``neutral``, ``informal``
    or ``familiar``; ``channel`` is ``letter``, ``email``, ``spoken`` or ``envelope``. ``facts``
    are the recipient facts (see the module docstring). Without a gender the result never uses a
    gendered title. A name in the other writing direction is isolated (FSI ... PDI).

    ```pycon
    >>> salutation(locale="fr", gender="male", surname="Dubois")
    'Monsieur,'
    >>> salutation(locale="es", gender="male", title="Sr.", surname="López")
    'Estimado Sr. López:'
    >>> salutation(locale="pl", gender="male", surname="Nowak")
    'Szanowny Panie,'
    >>> salutation(locale="de", given="Sam", surname="Lee")
    'Guten Tag Sam Lee,'
    >>> salutation(locale="zh-CN", gender="male", surname="张")
    '尊敬的张先生：'

    ```
    """
    tag, level, kind = _options(locale, formality, channel)
    recipient = _recipient(facts)
    builder = _BUILDERS.get(tag.split("-")[0], _fallback)
    return _tidy(builder(recipient, tag, level, kind))


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


# --------------------------------------------------------------------------- closings

_CLOSINGS: Final[dict[str, tuple[str, str]]] = {
    "ar": ("مع أطيب التحيات،", "مع التحية،"),
    "bg": ("С уважение,", "Поздрави,"),
    "cs": ("S pozdravem", "Zdraví"),
    "da": ("Med venlig hilsen", "Kærlig hilsen"),
    "de": ("Mit freundlichen Grüßen", "Viele Grüße"),
    "de-CH": ("Freundliche Grüsse", "Liebe Grüsse"),
    "de-LI": ("Freundliche Grüsse", "Liebe Grüsse"),
    "el": ("Με εκτίμηση,", "Φιλικά,"),
    "en": ("Kind regards,", "Best wishes,"),
    "en-GB": ("Yours sincerely", "Best wishes"),
    "en-US": ("Sincerely,", "Best,"),
    "es": ("Atentamente,", "Un saludo,"),
    "et": ("Lugupidamisega,", "Parimate soovidega"),
    "fi": ("Ystävällisin terveisin", "Terveisin"),
    "fr": ("Veuillez agréer, Madame, Monsieur, mes salutations distinguées.", "Cordialement,"),
    "ga": ("Le meas,", "Slán,"),
    "he": ("בברכה,", "להתראות,"),
    "hi": ("भवदीय,", "शुभकामनाओं सहित,"),
    "hr": ("S poštovanjem,", "Pozdrav,"),
    "hu": ("Tisztelettel,", "Üdvözlettel,"),
    "id": ("Hormat kami,", "Salam,"),
    "it": ("Cordiali saluti,", "Un caro saluto,"),
    "ja": ("よろしくお願いいたします。", "よろしくね。"),
    "ko": ("감사합니다.", "고마워요."),
    "lt": ("Pagarbiai,", "Linkėjimai,"),
    "lv": ("Ar cieņu,", "Ar sveicieniem,"),
    "ms": ("Yang benar,", "Salam,"),
    "nb": ("Med vennlig hilsen", "Hilsen"),
    "nl": ("Met vriendelijke groet,", "Groetjes,"),
    "nl-BE": ("Met vriendelijke groeten,", "Groetjes,"),
    "no": ("Med vennlig hilsen", "Hilsen"),
    "pl": ("Z poważaniem", "Pozdrawiam"),
    "pt": ("Atenciosamente,", "Abraços,"),
    "ro": ("Cu stimă,", "Cu drag,"),
    "ru": ("С уважением,", "Всего доброго,"),
    "sk": ("S pozdravom", "Zdravím"),
    "sl": ("S spoštovanjem,", "Lep pozdrav,"),
    "sr": ("S poštovanjem,", "Pozdrav,"),
    "sr-Cyrl": ("С поштовањем,", "Поздрав,"),
    "sv": ("Med vänliga hälsningar,", "Hälsningar,"),
    "sw": ("Wako mwaminifu,", "Wako,"),
    "th": ("ขอแสดงความนับถือ", "ด้วยความเคารพ"),
    "tr": ("Saygılarımla,", "Sevgiler,"),
    "uk": ("З повагою,", "Бувай!"),
    "uz": ("Hurmat bilan,", "Salom bilan,"),
    "uz-Cyrl": ("Ҳурмат билан,", "Салом билан,"),
    "vi": ("Trân trọng,", "Thân,"),
    "zh": ("此致\n敬礼！", "祝好！"),
    "zh-TW": ("敬祝 商祺", "祝好！"),
}
"""Formal and informal closing per locale. Czech, Slovak, Polish, German and Finnish put no
comma after the closing (ÚJČ, STN 01 6910, PWN, DIN 5008, Kotus); others follow cnice's vectors."""


def closing(*, locale: str, formality: str = "formal", **facts: object) -> str:
    """Return the closing formula of a letter or e-mail in ``locale``.

    The facts ``salutation`` (the opening used), ``recipient`` and ``sender`` refine it: a French
    closing repeats the appel, a British ``Dear Sir or Madam`` ends ``Yours faithfully``, a Thai
    ``กราบเรียน`` letter ends ``ขอแสดงความนับถืออย่างยิ่ง``, a Brazilian official letter to a higher
    authority ends ``Respeitosamente,``. ``formality="neutral"`` gives the short form.

    ```pycon
    >>> closing(locale="de-CH")
    'Freundliche Grüsse'
    >>> closing(locale="en-GB", salutation="Dear Sir or Madam")
    'Yours faithfully'

    ```
    """
    channel = facts.pop("channel", None)
    tag, level, kind = _options(locale, formality, channel)
    r = _recipient(facts)
    language = tag.split("-")[0]
    region = tag.split("-")[-1] if "-" in tag else ""
    greeting = (r.salutation or "").strip()
    if language == "fr" and not _informal(level):
        appel = greeting.rstrip(",").strip()
        if not appel and (r.gender or r.function or r.recipient == "organisation"):
            appel = salutation(locale=tag, formality=level, channel=kind, **facts).rstrip(",")
        if appel and appel != "Madame, Monsieur":
            return f"Veuillez agréer, {appel}, l’expression de mes sentiments distingués."
    british = language == "en" and region in ("GB", "IE", "AU", "NZ")
    if british and not _informal(level) and ("Sir" in greeting or "Madam" in greeting):
        return "Yours faithfully"
    if language == "th":
        return "ขอแสดงความนับถืออย่างยิ่ง" if greeting.startswith("กราบ") or \
            r.recipient == "authority" else "ขอแสดงความนับถือ"
    if language == "pt" and region == "BR" and r.recipient == "authority":
        return "Respeitosamente,"
    if language == "id" and r.sender == "person":
        return "Hormat saya,"
    if language == "zh" and kind != "letter" and not _informal(level):
        return "顺祝商祺！"
    if language == "fi" and level == "neutral":
        return "Terveisin"
    keys = [tag, f"{language}-{region}" if region else language, language]
    if "Cyrl" in tag:
        keys.insert(1, f"{language}-Cyrl")
    for key in keys:
        if key in _CLOSINGS:
            formal, informal = _CLOSINGS[key]
            return informal if _informal(level) else formal
    return ""
