"""The recipient facts that ``salutation`` and ``closing`` take, as closed vocabularies.

The facts are keyword arguments named as in the shared conformance data. A fact not in the
vocabulary raises ``InvalidComponent`` naming it (fact names are code words; their values may
be personal data and are never echoed). Three kinds of fact:

* **the recipient** (``gender``, ``title``, ``given``, ``given_full``, ``surname``,
  ``patronymic``, ``initials``, ``function``, ``position``, ``company``, ``department``): each
  locale's style guide decides which of them the opening uses (French never puts the surname in
  the appel, Polish neither); ``recipient`` says who reads the letter when it is not one named
  person (``RECIPIENTS``);
* **wording the caller chooses** (``greeting``, ``register``, ``honorific``): honoured where
  the locale's style has a place for it, otherwise ``InvalidComponent`` says the fact is not
  used there, rather than dropping it silently;
* **closing only**: ``salutation`` (the opening used) and ``sender`` (``SENDERS``).

```pycon
>>> recipient_from({"gender": "female", "surname": "Meyer"}, allowed=SALUTATION_FACTS)
<Recipient: gender, surname>
>>> recipient_from({"nickname": "Mo"}, allowed=SALUTATION_FACTS)
Traceback (most recent call last):
...
globalcrm.errors.InvalidComponent: nickname: unknown fact (expected one of gender, title, ...)

```
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat
from globalcrm.locale import vocatives

__all__ = [
    "CLOSING_FACTS",
    "NAME_FACTS",
    "RECIPIENTS",
    "SALUTATION_FACTS",
    "SENDERS",
    "STYLE_FACTS",
    "Recipient",
    "recipient_from",
]

NAME_FACTS: Final = (
    "gender", "title", "given", "given_full", "surname", "patronymic", "initials", "function",
    "position", "company", "department",
)
"""Facts about the recipient; the locale's style decides which appear in the opening."""

STYLE_FACTS: Final = ("greeting", "register", "honorific")
"""Wording the caller chooses: the opening word (``Hei``, ``Hola``), the address adjective
(Latvian ``godātais``, Lithuanian ``gerbiamasis``) and a kinship honorific (Uzbek ``aka``)."""

SALUTATION_FACTS: Final = (*NAME_FACTS, "recipient", *STYLE_FACTS)
"""Every fact ``salutation`` takes."""

CLOSING_FACTS: Final = (*SALUTATION_FACTS, "salutation", "sender")
"""Every fact ``closing`` takes: the recipient facts (to work out the opening when
``salutation`` is not given), the opening used, and who signs."""

RECIPIENTS: Final = (
    "person", "unknown", "organisation", "customer", "user", "impersonal", "authority", "monk",
)
"""Who reads the letter: ``person`` (one person, the default); ``unknown`` (a reader not known
by name and gender, or several people: ``Sehr geehrte Damen und Herren``, ``Szanowni
Państwo``); ``organisation`` (a company or institution as a whole: ``Mesdames, Messieurs``,
``御中``); ``customer`` and ``user`` (a generic customer or user: ``Hyvä asiakas!``,
``Hurmatli foydalanuvchi!``); ``impersonal`` (Hebrew ``א.ג.נ.``); ``authority`` (a high office:
Thai ``กราบเรียน``, Brazilian ``Respeitosamente``); ``monk`` (Thai ``นมัสการ``). A locale whose
style does not distinguish a kind uses its form for an unknown reader or for the named person."""

SENDERS: Final = ("person", "organisation")
"""Who signs: one person or the organisation (Indonesian ``Hormat saya`` / ``Hormat kami``)."""

MAX_FACT: Final = 200


@attrs.frozen(repr=False)
class Recipient:
    """Recipient facts after validation; ``gender`` is ``male``/``female`` or None (neutral).

    The wording facts (``greeting``, ``register``, ``honorific``) are read through properties
    that record the reading, so that a fact the locale's style never consulted is reported.
    Its repr names which facts are set, never their values (they are personal data).
    """

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
    salutation: str | None = None
    sender: str | None = None
    style: Mapping[str, str] = attrs.field(factory=dict)
    consulted: set[str] = attrs.field(factory=set, eq=False)

    def __repr__(self) -> str:
        named = [name for name in (*NAME_FACTS, "salutation", "sender") if getattr(self, name)]
        if self.recipient != "person":
            named.append("recipient")
        named.extend(sorted(self.style))
        return f"<Recipient: {', '.join(named) or 'no facts'}>"

    def _style_fact(self, name: str) -> str | None:
        self.consulted.add(name)
        return self.style.get(name)

    @property
    def greeting(self) -> str | None:
        """The opening word the caller chose (``Hei``, ``Hola``), if any."""
        return self._style_fact("greeting")

    @property
    def register(self) -> str | None:
        """The address adjective the caller chose (``godātais``, ``gerbiamasis``), if any."""
        return self._style_fact("register")

    @property
    def honorific(self) -> str | None:
        """The honorific the caller chose (Uzbek ``aka``), if any."""
        return self._style_fact("honorific")

    def unconsulted(self) -> list[str]:
        """The wording facts given but never read (the locale's style has no place for them)."""
        return [name for name in STYLE_FACTS if name in self.style and name not in self.consulted]

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


def _fact(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidFormat(f"expected text, got {type(value).__name__}", field=field)
    text = _checks.text(value, field=field, max_length=MAX_FACT, allow_empty=True,
                        multiline=field == "salutation")
    return text or None


def recipient_from(facts: Mapping[str, object], *, allowed: tuple[str, ...]) -> Recipient:
    """Validate ``facts`` against the ``allowed`` vocabulary and return the ``Recipient``.

    Raises ``InvalidComponent`` for a fact not in ``allowed`` (named when its key is a
    ``snake_case`` code, else by position: a key may be personal data) and for a ``recipient``
    or ``sender`` outside ``RECIPIENTS``/``SENDERS``; ``InvalidFormat`` for non-text values.
    """
    values: dict[str, str | None] = {}
    for index, (key, value) in enumerate(facts.items()):
        if key not in allowed:
            shown = ", ".join(allowed)
            raise InvalidComponent(f"unknown fact (expected one of {shown})",
                                   field=_checks.key_path("facts", key, index).removeprefix(
                                       "facts."))
        values[key] = _fact(value, key)
    gender = values.pop("gender", None)
    sex = vocatives._check_gender(gender) if gender is not None else None
    kind = values.pop("recipient", None)
    if kind is not None:
        kind = _checks.choice(kind, RECIPIENTS, field="recipient", what="recipient")
    sender = values.pop("sender", None)
    if sender is not None:
        sender = _checks.choice(sender, SENDERS, field="sender", what="sender")
    style = {name: text for name in STYLE_FACTS if (text := values.pop(name, None)) is not None}
    names: dict[str, Any] = values  # what is left: the name facts and the opening
    return Recipient(gender=sex, recipient=kind or "person", sender=sender, style=style, **names)
