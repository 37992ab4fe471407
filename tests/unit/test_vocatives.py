"""Vocatives: regression cases for the rules, each from the public source cited beside it."""

from __future__ import annotations

import pytest

from globalcrm.locale import vocative

# Polish feminine: a soft stem takes -u, a hard one -o.
#   PWN  Poradnia językowa PWN, J. Grzenia, "wołacz" (2006): Kasiu, Olu, mamusiu, dzidziu
#   JD   P. Pomianek, jezykowedylematy.pl, "Ulu czy Ulo" (2013), after the Nowy słownik poprawnej
#        polszczyzny: Urszulo but Ulu; Haniu, Dominisiu, Marysiu, Zosiu; Mario, Zofio, Dominiko
#   PC   pisze-czytam.pl, "Zawołaj mnie, czyli wołacz w roli głównej": Alu, Elu, Olu, Ulu, Jolu
#   EK   E. Kołodziejek, 24kurier.pl, "Nikolo!" (2023): Elżuniu, Aniu, Magdusiu, Małgosiu,
#        Krysiu; hard stems Adelko, Lenko
POLISH_FEMININE = [
    ("Ala", "Alu", "PC"), ("Ela", "Elu", "PC"), ("Ula", "Ulu", "JD"), ("Ola", "Olu", "PWN"),
    ("Jola", "Jolu", "PC"), ("Kasia", "Kasiu", "PWN"), ("Hania", "Haniu", "JD"),
    ("Dominisia", "Dominisiu", "JD"), ("Marysia", "Marysiu", "JD"), ("Zosia", "Zosiu", "JD"),
    ("Elżunia", "Elżuniu", "EK"), ("Magdusia", "Magdusiu", "EK"),
    ("Małgosia", "Małgosiu", "EK"), ("Krysia", "Krysiu", "EK"), ("mamusia", "mamusiu", "PWN"),
    ("dzidzia", "dzidziu", "PWN"), ("Adelka", "Adelko", "EK"), ("Lenka", "Lenko", "EK"),
    ("Urszula", "Urszulo", "JD"), ("Maria", "Mario", "JD"), ("Zofia", "Zofio", "JD"),
    ("Dominika", "Dominiko", "JD"), ("Katarzyna", "Katarzyno", "JD"),
]

# Polish masculine.
#   PN   polishnative.pl, "dÓł — na dOle; stÓł — na stOle": ó in the last syllable of a
#        masculine noun alternates with o in every other case (samochodzie, spokoju, bobrze,
#        miodzie, głodzie, stole)
#   ORT  ppprybnik.pl, ćwiczenia ortograficzne: ó that never alternates (król, stróż, wójt)
#   DS   dobryslownik.pl, reguła 271 (wołaczowe mianowniki): Stasiu, Krzysiu, Józiu
#   NCK  Narodowe Centrum Kultury, "Wołacz": Kubo, Zygfrydzie, Stasieńku, Wojtku, Kacprze
POLISH_MASCULINE = [
    ("samochód", "samochodzie", "PN"), ("spokój", "spokoju", "PN"), ("bóbr", "bobrze", "PN"),
    ("miód", "miodzie", "PN"), ("głód", "głodzie", "PN"), ("stół", "stole", "PN"),
    ("Mściwój", "Mściwoju", "PN"), ("król", "królu", "ORT"), ("stróż", "stróżu", "ORT"),
    ("wójt", "wójcie", "ORT"), ("Stasio", "Stasiu", "DS"), ("Krzysio", "Krzysiu", "DS"),
    ("Józio", "Józiu", "DS"), ("Kuba", "Kubo", "NCK"), ("Zygfryd", "Zygfrydzie", "NCK"),
    ("Stasieniek", "Stasieńku", "NCK"), ("Wojtek", "Wojtku", "NCK"), ("Kacper", "Kacprze", "NCK"),
]


@pytest.mark.parametrize(("name", "expected", "source"), POLISH_FEMININE)
def test_polish_feminine_soft_stems_take_u(name: str, expected: str, source: str) -> None:
    assert vocative(name, locale="pl", gender="female") == expected, source


@pytest.mark.parametrize(("name", "expected", "source"), POLISH_MASCULINE)
def test_polish_masculine_o_alternation_and_hypocoristics(
    name: str, expected: str, source: str
) -> None:
    part = "given" if name[0].isupper() else "title"
    assert vocative(name, locale="pl", gender="male", name_part=part) == expected, source


def test_the_rules_keep_the_callers_capitalisation() -> None:
    assert vocative("MŚCIWÓJ", locale="pl", gender="male") == "MŚCIWOJU"
    assert vocative("ULA", locale="pl", gender="female") == "ULU"
    assert vocative("Maciek", locale="pl", gender="male") == "Maćku"


def test_a_borrowed_full_name_in_nia_keeps_o() -> None:
    assert vocative("Stefania", locale="pl", gender="female") == "Stefanio"
    assert vocative("Eugenia", locale="pl", gender="female") == "Eugenio"
    assert vocative("Paula", locale="pl", gender="female") == "Paulo"
