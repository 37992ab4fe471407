"""Salutation styles of Western and Northern Europe, the Middle East, Asia and Africa.

One function per language writes the opening line the way that country's style guide prints it
(sources in ``SALUTATION_SOURCES`` and ``../shared/research/address.md`` §7); the Slavic, Baltic
and Greek styles are in ``salutation_styles_eastern``. The module is long because it is a table:
about thirty short, independent rules, one per language, each a few lines.

A style function takes the ``Recipient``, the full BCP 47 tag (for regional variants such as
``de-CH``), the ``Formality`` level and the form: a medium of ``globalcrm.interactions.MEDIA``
(``letter``, ``email``, ``chat``, ``spoken``) or ``envelope``. None of the cited guides has a
form of its own for chat messages, so a chat is written like an e-mail (``ONLINE``); a spoken
form exists only where a guide gives one (Lithuanian), elsewhere the letter's opening is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from globalcrm.errors import InvalidComponent
from globalcrm.locale import vocatives
from globalcrm.locale.honorifics import honorifics
from globalcrm.locale.recipients import Recipient
from globalcrm.locale.text import isolate

__all__ = ["FALLBACK", "ONLINE", "SALUTATION_SOURCES", "STYLES", "Builder"]

Builder = Callable[[Recipient, str, str, str], str]
"""A locale's salutation: recipient, full tag, formality level, form."""

ONLINE: Final = frozenset({"email", "chat"})
"""The forms written as an e-mail is (a chat message has no form of its own in the guides)."""

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


def _informal(level: str) -> bool:
    """Whether ``level`` is an informal register (``informal`` or ``familiar``)."""
    return level in ("informal", "familiar")


def _cap(text: str) -> str:
    """``text`` with its first letter upper-cased (the rest kept)."""
    return text[:1].upper() + text[1:]


def _voc(name: str | None, tag: str, gender: str | None, part: str) -> str | None:
    """The vocative of ``name`` (None stays None)."""
    if not name:
        return None
    return vocatives.vocative(name, locale=tag, gender=gender, name_part=part)


# --------------------------------------------------------------------------- Germanic


def _de(r: Recipient, tag: str, level: str, form: str) -> str:
    end = "" if tag.endswith(("-CH", "-LI")) else ","
    if _informal(level):
        greeting = r.greeting
        if r.given and r.gender and not greeting:
            return f"{'Liebe' if r.gender == 'female' else 'Lieber'} {r.given}{end}"
        return f"{greeting or 'Hallo'} {r.given or r.full()}".rstrip() + end
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


def _nl(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"{r.greeting or 'Beste'} {r.given or r.full()},".replace(" ,", ",")
    surname = _cap(r.surname) if r.surname else None
    word = {"male": "heer", "female": "mevrouw"}.get(r.gender or "", "heer of mevrouw")
    return " ".join(p for p in ("Geachte", word, surname) if p) + ","


def _en(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _nordic(words: tuple[str, str, str]) -> Builder:
    hello, dear, unknown = words

    def build(r: Recipient, tag: str, level: str, form: str) -> str:
        greeting = r.greeting
        if _informal(level) or not r.has_name:
            name = r.given or r.full()
            return f"{greeting or hello} {name}," if name else f"{greeting or unknown},"
        return f"{greeting or dear} {r.full()},"

    return build


def _fi(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _fr(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        greeting = r.greeting
        if r.given and r.gender and not greeting:
            return f"{'Chère' if r.gender == 'female' else 'Cher'} {r.given},"
        return f"{greeting or 'Bonjour'} {r.given or r.full()},".replace(" ,", ",")
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
    if form in ONLINE:
        return f"Bonjour, {appel},"
    return f"{appel},"


def _es(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _pt(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _it(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        greeting = r.greeting
        if r.given and r.gender and not greeting:
            return f"{'Cara' if r.gender == 'female' else 'Caro'} {r.given},"
        return f"{greeting or 'Ciao'} {r.given or r.full()},".replace(" ,", ",")
    if r.gender and r.surname:
        title = r.title or ("Sig.ra" if r.gender == "female" else "Sig.")
        return f"Gentile {title} {r.surname},"
    if r.has_name:
        return f"Gentile {r.full()},"
    return "Gentili Signore e Signori,"


def _ro(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Dragă {r.given or r.full()},"
    if r.gender and (r.surname or r.function):
        if r.gender == "female":
            return f"Stimată doamnă {r.surname or r.function},"
        return f"Stimate domnule {r.surname or r.function},"
    if r.has_name:
        return f"Bună ziua, {r.full()},"
    return "Stimate doamne și stimați domni,"


# ------------------------------------------------------------ Irish, Estonian, Hungarian, Turkish


def _ga(r: Recipient, tag: str, level: str, form: str) -> str:
    if r.given:
        return f"A {_voc(r.given, tag, r.gender, 'given')}, a chara,"
    return "A chara,"


def _et(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Tere, {r.given or r.full()}!"
    if r.gender and r.surname:
        return f"Lugupeetud {'proua' if r.gender == 'female' else 'härra'} {r.surname}!"
    if r.has_name:
        return f"Lugupeetud {r.full()}!"
    return "Lugupeetud adressaat!"


def _hu(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Kedves {r.given or r.full()}!"
    if r.gender and r.surname:
        return f"Tisztelt {r.surname} {'Asszony' if r.gender == 'female' else 'Úr'}!"
    if r.has_name:
        return f"Tisztelt {r.full(surname_first=True)}!"
    return "Tisztelt Hölgyem/Uram!"


def _tr(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Merhaba {r.given or r.full()},"
    if r.function and not r.has_name:
        return f"Sayın {r.function},"
    if r.has_name:
        return f"Sayın {r.full()},"
    return "Sayın Yetkili,"


# --------------------------------------------------------------------------- right to left


def _he(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _ar(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _ja(r: Recipient, tag: str, level: str, form: str) -> str:
    lines = [p for p in (r.company, r.department) if p]
    if r.has_name:
        casual = _informal(level)
        person = f"{r.surname or _cjk_name(r)}さん" if casual else f"{_cjk_name(r)}様"
        if r.position:
            person = f"{r.position} {person}"
        lines.append(person)
    elif r.company:
        lines[-1] = f"{lines[-1]} 御中"
    else:
        lines.append("ご担当者様")
    return "\n".join(lines)


def _ko(r: Recipient, tag: str, level: str, form: str) -> str:
    name = _cjk_name(r) if r.has_name else None
    if name is None:
        return "고객님께" if r.recipient == "customer" else "안녕하세요."
    if _informal(level):
        return f"{name} 씨, 안녕하세요."
    if form == "envelope":
        return f"{name} {r.position}" if r.position else f"{name} 귀하"
    if r.position:
        return f"{name} {r.position}께 드립니다."
    if form in ONLINE:
        return f"{name} 님, 안녕하세요."
    return f"{name} 님께 드립니다."


def _zh(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _vi(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Chào {r.given or r.full()},"
    if r.has_name and r.gender:
        return f"Kính gửi {'Bà' if r.gender == 'female' else 'Ông'} {r.full(surname_first=True)},"
    if r.has_name:
        return f"Kính gửi {r.full(surname_first=True)},"
    return "Kính gửi Quý khách,"


def _th(r: Recipient, tag: str, level: str, form: str) -> str:
    head = "กราบเรียน" if r.recipient == "authority" else "เรียน"
    if r.recipient == "monk":
        head = "นมัสการ"
    if r.given:
        return f"{head} คุณ{r.given}"
    if r.function:
        return f"{head} {r.function}"
    return head


def _id(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Halo {r.given or r.full()},"
    if not r.has_name:
        return "Dengan hormat,"
    word = {"male": "Bapak", "female": "Ibu"}.get(r.gender or "")
    return " ".join(p for p in ("Yth.", word, r.given or r.full()) if p) + ","


def _ms(r: Recipient, tag: str, level: str, form: str) -> str:
    if not r.has_name:
        return "Tuan/Puan,"
    word = {"male": "Encik", "female": "Puan"}.get(r.gender or "")
    return " ".join(p for p in (word, r.full()) if p) + ","


def _hi(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"प्रिय {r.given or r.full()},"
    if not r.has_name:
        return "महोदय/महोदया,"
    word = {"male": "श्री", "female": "सुश्री"}.get(r.gender or "")
    return "आदरणीय " + " ".join(p for p in (word, r.surname or r.full(), "जी") if p) + ","


def _uz(r: Recipient, tag: str, level: str, form: str) -> str:
    cyrillic = "Cyrl" in tag
    head = "Ҳурматли" if cyrillic else "Hurmatli"
    if r.recipient in ("user", "customer") and not r.has_name:
        noun = {"user": ("foydalanuvchi", "фойдаланувчи"), "customer": ("mijoz", "мижоз")}
        return f"{head} {noun[r.recipient][1 if cyrillic else 0]}!"
    if r.given and r.honorific:
        greeting = "ассалому алайкум" if cyrillic else "assalomu alaykum"
        return f"{head} {r.given} {_uz_honorific(r.honorific, tag)}, {greeting}."
    if _informal(level):
        return f"{'Салом' if cyrillic else 'Salom'}, {r.given or r.full()}!"
    if r.gender and r.surname:
        titles = ("janob", "xonim") if not cyrillic else ("жаноб", "хоним")
        return f"{head} {titles[r.gender == 'female']} {r.surname}!"
    if r.has_name:
        return f"{head} {r.full()}!"
    return f"{head} {'мижоз' if cyrillic else 'mijoz'}!"


_UZ_CYRILLIC: Final = {"aka": "ака", "opa": "опа"}


def _uz_honorific(text: str, tag: str) -> str:
    """A kinship honorific written after the given name (``aka``, ``opa``), checked."""
    known = [h.text for h in honorifics(tag) if h.position == "suffix"]
    spelled = {word.casefold(): word for word in (*known, *(_UZ_CYRILLIC.get(w, w) for w in known))}
    if text.casefold() not in spelled:
        shown = ", ".join(known)
        raise InvalidComponent(
            f"not an honorific used after a name in uz (expected one of {shown})",
            field="honorific",
        )
    return spelled[text.casefold()]


def _sw(r: Recipient, tag: str, level: str, form: str) -> str:
    if not r.has_name:
        return "Ndugu,"
    word = {"male": "Bw.", "female": "Bi."}.get(r.gender or "")
    return " ".join(p for p in ("Mpendwa", word, r.surname or r.full()) if p) + ","


def _fallback(r: Recipient, tag: str, level: str, form: str) -> str:
    return f"{r.full()}," if r.has_name else ""


STYLES: Final[dict[str, Builder]] = {
    "ar": _ar, "da": _nordic(("Hej", "Kære", "Til rette vedkommende")), "de": _de, "en": _en,
    "es": _es, "et": _et, "fi": _fi, "fr": _fr, "ga": _ga, "he": _he, "hi": _hi, "hu": _hu,
    "id": _id, "it": _it, "ja": _ja, "ko": _ko, "ms": _ms,
    "nb": _nordic(("Hei", "Kjære", "Til den det gjelder")), "nl": _nl,
    "no": _nordic(("Hei", "Kjære", "Til den det gjelder")), "pt": _pt, "ro": _ro,
    "sv": _nordic(("Hej", "Hej", "Hej")), "sw": _sw, "th": _th, "tr": _tr, "uz": _uz, "vi": _vi,
    "zh": _zh,
}
"""The styles of this module, by language."""

FALLBACK: Final[Builder] = _fallback
"""The style of a language without a table: the full name and a comma (empty without a name)."""
