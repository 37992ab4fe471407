"""Formality: the one register vocabulary of the package (CLDR's ``formal``/``informal`` and finer).

CLDR (UTS #35 Part 8, person names) knows two registers, ``formal`` and ``informal``, which are
also the T-V choice of a language (tu/vous, du/Sie, ты/Вы). Style guides for letters distinguish
more: an official letter to an authority (``official``), an ordinary business letter
(``formal``), a respectful personal letter (``respectful-personal``: Uzbek ``Hurmatli Anvar
aka``), a less formal note (``neutral``: Finnish ``Terveisin``), and informal and familiar
messages. ``Formality`` holds all six, ordered from the most to the least formal;
``Formality.tv`` folds any of them to the two-way T-V choice that CLDR and pronouns use.

```pycon
>>> Formality.OFFICIAL.tv
<Formality.FORMAL: 'formal'>
>>> parse_formality("Respectful_Personal")
<Formality.RESPECTFUL_PERSONAL: 'respectful-personal'>
>>> parse_formality("familiar", levels=T_V)
Traceback (most recent call last):
...
globalcrm.errors.InvalidComponent: formality: unknown formality 'familiar' (expected one of ...)

```
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Final

from globalcrm.errors import InvalidComponent, InvalidFormat

__all__ = ["FORMALITIES", "T_V", "Formality", "parse_formality"]


class Formality(enum.StrEnum):
    """A register of address, from ``official`` (most formal) to ``familiar``.

    ``FORMAL`` and ``INFORMAL`` are CLDR's two registers and the T-V choice; the other four
    are finer steps that letter-writing style guides make.
    """

    OFFICIAL = "official"
    FORMAL = "formal"
    RESPECTFUL_PERSONAL = "respectful-personal"
    NEUTRAL = "neutral"
    INFORMAL = "informal"
    FAMILIAR = "familiar"

    @property
    def tv(self) -> Formality:
        """The T-V register of this level: ``INFORMAL`` if informal or familiar, else ``FORMAL``."""
        if self in (Formality.INFORMAL, Formality.FAMILIAR):
            return Formality.INFORMAL
        return Formality.FORMAL


FORMALITIES: Final = tuple(Formality)
"""Every level, most formal first."""

T_V: Final = (Formality.INFORMAL, Formality.FORMAL)
"""The two registers CLDR person names and T-V pronouns know."""


_CODE: Final = re.compile(r"[a-z][a-z_-]{0,19}")
"""A value shaped like a code (``casual``) is echoed in an error; anything else may be personal."""


def _key(text: str) -> str:
    return text.strip().lower().replace("_", "-").replace(" ", "-")


_BY_KEY: Final = {_key(level.value): level for level in Formality}


def parse_formality(
    value: object, *, field: str = "formality", levels: Iterable[Formality] | None = None
) -> Formality:
    """Return the ``Formality`` named by ``value`` (any case; ``-``, ``_`` or a space in between).

    ``levels`` narrows the accepted levels (``T_V`` for CLDR's two). Anything else raises
    ``InvalidComponent``: descriptive text (``"semi-formal"``) is not guessed at.
    """
    allowed = tuple(levels) if levels is not None else FORMALITIES
    if isinstance(value, Formality):
        level: Formality | None = value
    elif isinstance(value, str):
        level = _BY_KEY.get(_key(value))
    else:
        raise InvalidFormat(f"expected a formality, got {type(value).__name__}", field=field)
    if level is None or level not in allowed:
        shown = ", ".join(item.value for item in allowed)
        given = f" {value!r}" if isinstance(value, str) and _CODE.fullmatch(value) else ""
        raise InvalidComponent(f"unknown formality{given} (expected one of {shown})", field=field)
    return level
