"""Parse one free-text name (an import column) into ``PersonName`` fields, never guessing silently.

Latin-, Cyrillic- and Greek-script names go through `nameparser
<https://pypi.org/project/nameparser/>`_ (LGPL-2.1-or-later, maintained, 2.6.0 of 2026), which
finds titles, particles (``van der``), suffixes and nicknames and reports the ambiguities it sees;
any reported ambiguity is raised rather than resolved by a guess. Chinese and Korean names written
without a space are split after a known surname (compound surnames first: 欧阳, 司马, 남궁...);
Japanese names without a space are split only after a surname in the list of common surnames, and
otherwise reported as ambiguous. A comma means "surname, given" everywhere; without one, a name
in a surname-first language (CLDR's ``name_order``: hu, vi...) is read surname first.

```pycon
>>> parse_name("Dr. Juan de la Vega", locale="es").surname
'de la Vega'
>>> parse_name("王小明", locale="zh").given
'小明'
>>> parse_name("Kovács János", locale="hu").surname
'Kovács'

```
"""

from __future__ import annotations

from typing import Final

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput
from globalcrm.locale.person_names import PersonName
from globalcrm.locale.text import script_of

MAX_NAME: Final = 400

_ZH_COMPOUND: Final = frozenset({
    "欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "东方", "東方", "皇甫", "尉迟", "尉遲",
    "公孙", "公孫", "慕容", "长孙", "長孫", "宇文", "司徒", "夏侯", "令狐", "澹台", "轩辕", "軒轅",
    "端木", "西门", "西門", "南宫", "南宮", "闻人", "聞人", "申屠", "太史", "钟离", "鍾離",
})
"""Two-character Chinese surnames (复姓) from the *Hundred Family Surnames* (百家姓)."""

_KO_COMPOUND: Final = frozenset({"남궁", "황보", "제갈", "선우", "독고", "사공", "서문", "동방"})
"""Two-syllable Korean surnames (Statistics Korea, 2015 census surname list)."""

_JA_SURNAMES: Final = frozenset({
    "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "渡邊", "山本", "中村", "小林", "加藤", "吉田",
    "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水", "山崎", "森", "池田",
    "橋本", "阿部", "石川", "山下", "中島", "石井", "小川", "前田", "岡田", "長谷川", "藤田",
    "後藤", "近藤", "村上", "遠藤", "青木", "坂本", "斉藤", "福田", "太田", "西村", "藤井", "金子",
    "岡本",
    "藤原", "中野", "三浦", "原田", "中川", "松田", "竹内", "小野", "田村", "中山", "和田", "石田",
    "森田", "上田", "原", "内田", "柴田", "酒井", "宮崎", "横山", "高木", "安藤", "宮本", "大野",
    "小島", "工藤", "谷口", "今井", "高田", "丸山", "増田", "杉山", "村田", "大塚", "新井", "小山",
    "平野", "藤本", "河野", "上野", "野口", "武田", "松井", "千葉", "岩崎", "菅原", "木下", "久保",
    "佐野", "野村", "松尾", "菊地", "杉本", "市川", "古川", "大西", "島田", "水野", "桜井", "高野",
    "渡部", "吉川", "山内", "西田", "飯田", "菊池", "西川", "小松", "北村", "安田", "五十嵐",
    "川口",
})
"""The most common Japanese surnames (Meiji Yasuda name survey, top 130)."""


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidFormat(f"expected text, got {type(value).__name__}", field="text")
    text = _checks.text(value, field="text", max_length=MAX_NAME)
    return " ".join(text.split())


def _ambiguous(reason: str) -> InvalidInput:
    return InvalidInput(f"the name can be read more than one way ({reason}); split it by hand",
                        field="text")


def _split_cjk(text: str, language: str, script: str) -> tuple[str, str]:
    if script == "Kore" or language == "ko":
        if text[:2] in _KO_COMPOUND and len(text) > 2:
            return text[:2], text[2:]
        if 2 <= len(text) <= 4:
            return text[:1], text[1:]
        raise _ambiguous("Korean name of unusual length")
    if script == "Jpan" or language == "ja":
        for size in (3, 2, 1):
            if text[:size] in _JA_SURNAMES and len(text) > size:
                return text[:size], text[size:]
        raise _ambiguous("Japanese surname not in the list of common surnames")
    if text[:2] in _ZH_COMPOUND:
        if 3 <= len(text) <= 4:
            return text[:2], text[2:]
        raise _ambiguous("Chinese compound surname with an unusual given name")
    if 2 <= len(text) <= 3:
        return text[:1], text[1:]
    raise _ambiguous("Chinese name of four or more characters")


def parse_name(text: str, *, locale: str) -> PersonName:
    """Parse ``text`` into a ``PersonName`` in ``locale`` (the language the name is written in).

    Raises ``InvalidInput`` when the name can be read more than one way (nameparser's
    ambiguities, an unknown Japanese surname, a title that may be a name) instead of guessing.

    ```pycon
    >>> name = parse_name("Smith, John", locale="en")
    >>> (name.given, name.surname)
    ('John', 'Smith')
    >>> parse_name("山田太郎", locale="ja").surname
    '山田'

    ```
    """
    import nameparser  # imported on first use: it takes 60 ms

    from globalcrm.locale.name_formatting import name_order

    value = _text(text)
    tag = _checks.language(locale, field="locale")
    language = tag.split("-")[0]
    script = script_of(value)
    if script is None:
        raise InvalidFormat("a name needs at least one letter", field="text")
    if script in ("Hani", "Jpan", "Kore", "Hang"):
        if "," in value:
            family, _, own = (p.strip() for p in value.partition(","))
        elif " " in value:
            family, _, own = value.partition(" ")
        else:
            family, own = _split_cjk(value, language, script)
        return PersonName(given=own or None, surname=family or None, locale=tag)
    parsed = nameparser.parse(value)
    if parsed.ambiguities:
        kinds = sorted({str(getattr(a, "kind", a)) for a in parsed.ambiguities})
        raise _ambiguous(", ".join(k.split(".")[-1].lower() for k in kinds))
    given: str | None = parsed.given or None
    middle: str | None = parsed.middle or None
    surname: str | None = parsed.family or None
    surname_first = name_order(tag) == "surnameFirst"
    if surname_first and "," not in value and given and surname:
        words = value.split(" ")
        if len(words) >= 2 and not parsed.title and not parsed.suffix:
            surname, given, middle = words[0], " ".join(words[1:]), None
    return PersonName(
        given=given,
        given2=middle,
        surname=surname,
        title=parsed.title or None,
        generation=parsed.suffix or None,
        given_informal=parsed.nickname or None,
        locale=tag,
    )
