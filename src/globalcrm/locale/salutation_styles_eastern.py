"""Salutation styles of Central and Eastern Europe: Slavic, Baltic and Greek.

Most of these languages address people in the vocative (``Vážený pane Nováku``, ``Gerbiamasis
pone Petrauskai``, ``Шановний пане Тарасе``), so the styles here call
``globalcrm.locale.vocatives``; Russian and Slovak keep the nominative, as their written standards
do. Sources are in ``salutation_styles.SALUTATION_SOURCES``. The module is long because it is a
table: one short rule per language. The arguments are those of ``salutation_styles.Builder``.
"""

from __future__ import annotations

import re
from typing import Final

from globalcrm.errors import InvalidComponent
from globalcrm.locale.recipients import Recipient
from globalcrm.locale.salutation_styles import ONLINE, Builder, _cap, _informal, _voc

__all__ = ["STYLES"]

# --------------------------------------------------------------------------- Slavic


def _pl(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        if r.given and r.gender:
            vocative = _voc(r.given, tag, r.gender, "given")
            return f"{'Droga' if r.gender == 'female' else 'Drogi'} {vocative},"
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


def _cs(r: Recipient, tag: str, level: str, form: str) -> str:
    if r.recipient in ("unknown", "organisation"):
        return "Vážené paní, vážení pánové,"
    if _informal(level):
        if r.given and r.gender:
            vocative = _voc(r.given, tag, r.gender, "given")
            return f"{'Milá' if r.gender == 'female' else 'Milý'} {vocative},"
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


def _sk(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Ahoj {r.given or r.full()},"
    if r.gender and (r.surname or r.function):
        if r.gender == "female":
            return f"Vážená pani {r.function or r.surname},"
        return f"Vážený pán {r.function or r.surname},"
    if r.has_name:
        return f"Dobrý deň, {r.full()},"
    return "Vážené dámy, vážení páni,"


def _uk(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        vocative = _voc(r.given, tag, r.gender, "given") if r.gender else r.given
        return f"{'Привіт, ' + vocative if vocative else 'Привіт'}!"
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


def _ru(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _bg(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Здравей, {r.given or r.full()},"
    if r.gender and (r.surname or r.function):
        if r.gender == "female":
            return f"Уважаема госпожо {r.function or r.surname},"
        return f"Уважаеми господин {r.function or r.surname},"
    if r.has_name:
        return f"Добър ден, {r.full()},"
    return "Уважаеми дами и господа,"


def _sr(r: Recipient, tag: str, level: str, form: str) -> str:
    cyrillic = "Cyrl" in tag or (tag.split("-")[0] == "sr" and "Latn" not in tag and
                                 bool(re.search("[\u0400-\u04ff]", r.full() or "")))
    if _informal(level):
        vocative = _voc(r.given, tag, r.gender, "given") if r.given else ""
        return (f"Здраво {vocative}," if cyrillic else f"Zdravo {vocative},").replace(" ,", ",")
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


def _hr(r: Recipient, tag: str, level: str, form: str) -> str:
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


def _sl(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        return f"Živjo {r.given or r.full()},"
    if r.gender and r.surname:
        head = "Spoštovana gospa" if r.gender == "female" else "Spoštovani gospod"
        return f"{head} {r.surname},"
    if r.has_name:
        return f"Dober dan, {r.full()},"
    return "Spoštovani,"


# --------------------------------------------------------------------------- Baltic, Greek


def _lt(r: Recipient, tag: str, level: str, form: str) -> str:
    end = "" if form == "spoken" else ("," if form in ONLINE else "!")
    if _informal(level):
        name = _voc(r.given, tag, r.gender, "given")
        return f"Sveiki, {name}{end}" if name else f"Sveiki{end}"
    function = _voc(r.function, tag, r.gender, "title")
    surname = _voc(r.surname, tag, r.gender, "surname")
    given = _voc(r.given, tag, r.gender, "given")
    if form == "spoken":
        if r.gender == "female":
            title = "ponia" if (surname or function) else "panele"
        elif r.gender == "male":
            title = "pone"
        else:
            title = None
        return " ".join(p for p in (title, function or surname or given) if p) or "Laba diena"
    register = _lt_register(r.register)
    if function:
        adjective = {"female": "Gerbiamoji ponia"}.get(r.gender or "", "Gerbiamasis")
        return f"{register or adjective} {_cap(function)}{end}"
    if r.gender and (surname or given):
        female = r.gender == "female"
        adjective = register or ("Gerbiamoji" if female else "Gerbiamasis")
        title = ("ponia" if female else "pone") if surname else None
        return " ".join(p for p in (adjective, title, surname or given) if p) + end
    if r.has_name:
        return "Laba diena, " + " ".join(p for p in (given, surname) if p) + end
    return f"Gerbiamieji{end}"


def _lt_register(text: str | None) -> str | None:
    """The address adjective the caller chose (``gerbiamas``, ``mielasis``), capitalised."""
    if text is None:
        return None
    if not _ADJECTIVE.fullmatch(text):
        raise InvalidComponent("expected an address adjective such as 'gerbiamasis'",
                               field="register")
    return _cap(text)


_ADJECTIVE: Final = re.compile(r"[^\W\d_]+(?: [^\W\d_]+)?")
"""One or two words of letters: an address adjective, possibly with an adverb (augsti godātais)."""

_LV_REGISTER: Final = re.compile(
    r"(?P<adjective>[^\W\d_]+(?: [^\W\d_]+)?)"
    r"(?:\s*\+\s*(?:kungs|kundze)|\s*,\s*(?P<without>no|bez)\s+(?:kungs|kundze|kunga|kundzes))?",
    re.IGNORECASE,
)
"""Latvian ``register``: an address adjective (``godātais``, ``cienījamā``, ``augsti godātais``),
then optionally ``+ kungs``/``+ kundze`` (with the title after the surname, the default) or
``, no kungs``/``, no kundze`` (``, bez kunga``/``, bez kundzes``: without it, names in the
vocative), as the LU MII guide writes the two forms."""


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


def _lv(r: Recipient, tag: str, level: str, form: str) -> str:
    if _informal(level):
        name = _voc(r.given, tag, r.gender, "given")
        return f"Sveiki, {name}!" if name else "Sveiki!"
    if r.gender is None:
        return f"Labdien, {r.full()}!" if r.has_name else "Godātie kungi un dāmas!"
    female = r.gender == "female"
    adjective, with_title = "godātā" if female else "godātais", True
    register = r.register
    if register is not None:
        match = _LV_REGISTER.fullmatch(register.strip())
        if match is None:
            raise InvalidComponent(
                "expected an address adjective, optionally followed by '+ kungs' or "
                "', no kungs' (kundze for a woman)", field="register")
        adjective, with_title = match.group("adjective"), match.group("without") is None
    given = _voc(r.given, tag, r.gender, "given")
    if with_title and r.surname:
        title = "kundze" if female else "kungs"
        name = " ".join(p for p in (given, _lv_genitive(r.surname, r.gender), title) if p)
    else:
        surname = _voc(r.surname, tag, r.gender, "surname")
        name = " ".join(p for p in (given, surname) if p)
    return f"{_cap(adjective)} {name}!"


def _el(r: Recipient, tag: str, level: str, form: str) -> str:
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


STYLES: Final[dict[str, Builder]] = {
    "bg": _bg, "bs": _hr, "cs": _cs, "el": _el, "hr": _hr, "lt": _lt, "lv": _lv, "pl": _pl,
    "ru": _ru, "sk": _sk, "sl": _sl, "sr": _sr, "uk": _uk,
}
"""The styles of this module, by language."""
