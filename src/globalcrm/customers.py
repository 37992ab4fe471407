"""The Customer aggregate: who a customer is, how to reach them, what they need and prefer.

Every field is checked by an attrs converter built from :mod:`globalcrm._checks`, on
construction and on every later assignment; bulk imports call the same converters through
:func:`check_customer_fields` without building an entity per row. The one rule across fields,
reading national phone numbers and addresses with the customer's country, runs after them in
both paths. Names are :class:`globalcrm.locale.PersonName`; contact points are in
:mod:`globalcrm.contact_points` and :mod:`globalcrm.addresses`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.addresses import PostalAddress
from globalcrm.contact_points import (
    MESSAGING_SERVICES,
    ContactHours,
    EmailAddress,
    MessagingHandle,
    PhoneNumber,
    parse_phone,
)
from globalcrm.errors import Conflict, GlobalCRMError, InvalidFormat, InvalidInput
from globalcrm.identifiers import check_id, new_id
from globalcrm.interactions import CHANNELS
from globalcrm.locale.folding import fold
from globalcrm.locale.formality import T_V, Formality, parse_formality
from globalcrm.locale.person_names import PersonName, person_name

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
    "check_customer_fields",
    "field_defaults",
    "parse_phone",
    "search_keys",
]

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


# --------------------------------------------------------------------------- field converters
# One named function per field (mypy types named converters; lambdas and factories it cannot).


def _name(value: object) -> PersonName:
    if isinstance(value, PersonName):  # checked when it was made
        return value
    with _checks.at("name"):
        return person_name(value)


def _country(value: object) -> str:
    return _checks.country(value)


def _language(value: object) -> str:
    return _checks.language(value)


def _time_zone(value: object) -> str:
    return _checks.time_zone(value)


def _currency(value: object) -> str:
    return _checks.currency(value)


def _other_names(value: object) -> tuple[PersonName, ...]:
    return _checks.each(value, "other_names", person_name)


def _emails(value: object) -> tuple[EmailAddress, ...]:
    return _checks.each(value, "emails", _email)


# Phones, addresses and handles are taken as given here: the customer's country reads them
# afterwards (``_read_with_country``), as national numbers need it.


def _phone_inputs(value: object) -> tuple[Any, ...]:
    return () if value == () else tuple(_checks.sequence(value, field="phones"))


def _address_inputs(value: object) -> tuple[Any, ...]:
    return () if value == () else tuple(_checks.sequence(value, field="addresses"))


def _handle_inputs(value: object) -> tuple[Any, ...]:
    return () if value == () else tuple(_checks.sequence(value, field="handles"))


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="", what="channel")


def _preferred_channels(value: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_checks.each(value, "preferred_channels", _channel)))


def _contact_hours(value: object) -> ContactHours | None:
    if value is None or isinstance(value, ContactHours):
        return value
    with _checks.at("contact_hours"):
        if not isinstance(value, Mapping):
            raise InvalidFormat("expected ContactHours")
        return _checks.from_mapping(ContactHours, value)


def _formality(value: object) -> Formality | None:
    return None if value is None else parse_formality(value, levels=T_V)


def _gender(value: object) -> str | None:
    return None if value is None else _checks.choice(value, GENDERS, field="gender", what="gender")


def _pronouns(value: object) -> str | None:
    return _checks.optional_text(value, field="pronouns", max_length=64)


def _birth_date(value: object) -> dt.date | None:
    """A calendar date (not a datetime), from 1900 on; minors' rules are computed from it."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            message = "expected a date such as '1990-04-17'"
            raise InvalidFormat(message, field="birth_date") from None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidFormat("expected a date", field="birth_date")
    if value.year < 1900:
        raise InvalidFormat("a birth date before 1900 is not plausible", field="birth_date")
    return value


def _dietary_needs(value: object) -> tuple[str, ...]:
    return _checks.codes(value, field="dietary_needs")


def _allergen(value: object) -> str:
    return _checks.choice(value, ALLERGENS, field="", what="allergen")


def _allergens(value: object) -> tuple[str, ...]:
    return _checks.each(value, "allergens", _allergen)


def _accessibility_needs(value: object) -> tuple[str, ...]:
    return _checks.codes(value, field="accessibility_needs")


def _tags(value: object) -> tuple[str, ...]:
    return _checks.codes(value, field="tags")


SEARCH_KEY_LENGTH = 512
"""The longest search key: an e-mail's (254 bytes, RFC 5321, case-folded up to 381 characters)
and a handle's (up to 384) fit; a longer name word is found by its first 512 characters."""

MAX_EXTERNAL_ID = 128
"""The longest id of a customer in another system (Shopify, Stripe, a CRM, a loyalty card)."""


def _external_ids(value: object) -> dict[str, str]:
    """``{source: id}``: a source is a code (``shopify``), an id is one line of text."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of source to id", field="external_ids")
    checked: dict[str, str] = {}
    for index, (source, identifier) in enumerate(value.items()):
        name = _checks.code(source, field=f"external_ids[#{index}]")
        checked[name] = _checks.text(
            identifier, field=f"external_ids.{name}", max_length=MAX_EXTERNAL_ID
        )
    return dict(sorted(checked.items()))


def _attributes(value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidFormat("expected a mapping of JSON-safe values", field="attributes")
    if not value:
        return {}
    checked: dict[str, Any] = _checks.json_safe(value, field="attributes")
    _checks.json_size(checked, field="attributes")
    return checked


def _tenant(value: object) -> str:
    return _checks.tenant(value)


def _id(value: object) -> str:
    return check_id(value)


def _created_at(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="created_at")


def _updated_at(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="updated_at")


def _version(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidFormat("expected a non-negative integer", field="version")
    return value


# --------------------------------------------------------------------------- contact points


def _email(value: object) -> EmailAddress:
    if isinstance(value, EmailAddress):
        return value
    if isinstance(value, Mapping):
        return _checks.from_mapping(EmailAddress, value)
    try:
        return EmailAddress.parse(value)  # type: ignore[arg-type]  # parse checks the type
    except GlobalCRMError as error:
        raise _leaf_dropped(error, "address") from None


def _phone(value: object, country: str) -> PhoneNumber:
    if isinstance(value, PhoneNumber):
        return value
    if isinstance(value, Mapping):
        data = dict(value)
        data.pop("type", None)
        parsed = PhoneNumber.parse(data.get("number"), region=country)  # type: ignore[arg-type]
        return _checks.from_mapping(PhoneNumber, {**data, "number": parsed.number})
    if isinstance(value, str):
        try:
            return PhoneNumber.parse(value, region=country)
        except GlobalCRMError as error:
            raise _leaf_dropped(error, "number") from None
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
        return _checks.from_mapping(PostalAddress, data)
    raise InvalidFormat(f"expected a PostalAddress, got {type(value).__name__}")


def _handle(value: object, country: str) -> MessagingHandle:
    if isinstance(value, MessagingHandle):
        return value
    if not isinstance(value, Mapping):
        raise InvalidFormat(f"expected a MessagingHandle, got {type(value).__name__}")
    for index, key in enumerate(value):
        if key not in ("service", "handle", "primary", "verified"):
            raise _checks.unknown_key(key, index, what="field")
    parsed = MessagingHandle.parse(
        value.get("handle"),  # type: ignore[arg-type]  # checked by parse
        service=value.get("service"),  # type: ignore[arg-type]
        region=country,
    )
    data = {**value, "handle": parsed.handle, "service": parsed.service}
    return _checks.from_mapping(MessagingHandle, data)


def _read_with_country(values: dict[str, Any]) -> None:
    """Read phones, addresses and handles with the customer's country; one primary of each."""
    country = values["country"]
    if values["phones"]:
        values["phones"] = _checks.each(values["phones"], "phones", lambda v: _phone(v, country))
    if values["addresses"]:
        values["addresses"] = _checks.each(
            values["addresses"], "addresses", lambda v: _address(v, country)
        )
    if values["handles"]:
        values["handles"] = _checks.each(
            values["handles"], "handles", lambda v: _handle(v, country)
        )
    for field in ("emails", "phones", "addresses"):
        points = values[field]
        if len(points) > 1 and sum(1 for point in points if point.primary) > 1:
            raise InvalidInput("only one may be primary", field=field)


# --------------------------------------------------------------------------- the customer

_FIXED = frozenset({"id", "tenant"})
"""Fields that never change once a customer exists (a customer cannot move tenant)."""
_CONTACT_POINTS = ("emails", "phones", "addresses", "handles")


def _on_setattr(instance: Customer, attribute: attrs.Attribute[Any], value: Any) -> Any:
    """Assignments are checked as construction checks them; the id and tenant never change."""
    if attribute.name in _FIXED:
        raise InvalidInput(
            f"the {attribute.name} of a customer cannot be changed", field=attribute.name
        )
    if attribute.converter is not None:
        value = attribute.converter(value)  # type: ignore[operator]  # a named function
    if attribute.name in _CONTACT_POINTS:
        values = {name: getattr(instance, name) for name in ("country", *_CONTACT_POINTS)}
        values[attribute.name] = value
        _read_with_country(values)
        value = values[attribute.name]
    return value


@attrs.define(slots=False, eq=False, kw_only=True, on_setattr=_on_setattr)
class Customer:
    """A customer: who they are, where they live, how and when they like to be contacted.

    Contact points may be given as text: ``emails=["..."]``, ``phones=["8 612 34567"]`` (national
    numbers are read with the customer's ``country``). Every value is validated here and on
    every later assignment; an error names its field (``phones[0]``). The repr shows the id and
    codes, never a name, contact point or free text (reprs end up in logs).

    ```pycon
    >>> c = Customer(name=PersonName(given="Jonas", surname="Petraitis", locale="lt"),
    ...              country="lt", language="lt", time_zone="Europe/Vilnius", currency="eur",
    ...              emails=["Jonas.Petraitis@Example.lt"], phones=["8 612 34567"])
    >>> c.country, c.currency, c.emails[0].address, c.phones[0].number
    ('LT', 'EUR', 'Jonas.Petraitis@example.lt', '+37061234567')
    >>> c.country = "Latvia"
    Traceback (most recent call last):
    globalcrm.errors.InvalidFormat: country: expected an ISO 3166-1 alpha-2 country code

    ```
    """

    name: PersonName = attrs.field(converter=_name, repr=_checks.masked)
    country: str = attrs.field(converter=_country)
    language: str = attrs.field(converter=_language)
    time_zone: str = attrs.field(converter=_time_zone)
    currency: str = attrs.field(converter=_currency)
    other_names: tuple[PersonName, ...] = attrs.field(
        default=(), converter=_other_names, repr=_checks.masked
    )
    emails: tuple[EmailAddress, ...] = attrs.field(
        default=(), converter=_emails, repr=_checks.masked
    )
    phones: tuple[PhoneNumber, ...] = attrs.field(
        default=(), converter=_phone_inputs, repr=_checks.masked
    )
    addresses: tuple[PostalAddress, ...] = attrs.field(
        default=(), converter=_address_inputs, repr=_checks.masked
    )
    handles: tuple[MessagingHandle, ...] = attrs.field(
        default=(), converter=_handle_inputs, repr=_checks.masked
    )
    preferred_channels: tuple[str, ...] = attrs.field(
        default=(), converter=_preferred_channels, repr=False
    )
    contact_hours: ContactHours | None = attrs.field(
        default=None, converter=_contact_hours, repr=False
    )
    formality: Formality | None = attrs.field(default=None, converter=_formality, repr=False)
    gender: str | None = attrs.field(default=None, converter=_gender, repr=False)
    pronouns: str | None = attrs.field(default=None, converter=_pronouns, repr=False)
    birth_date: dt.date | None = attrs.field(default=None, converter=_birth_date, repr=False)
    dietary_needs: tuple[str, ...] = attrs.field(
        default=(), converter=_dietary_needs, repr=False
    )
    allergens: tuple[str, ...] = attrs.field(default=(), converter=_allergens, repr=False)
    accessibility_needs: tuple[str, ...] = attrs.field(
        default=(), converter=_accessibility_needs, repr=False
    )
    tags: tuple[str, ...] = attrs.field(default=(), converter=_tags, repr=False)
    external_ids: dict[str, str] = attrs.field(factory=dict, converter=_external_ids, repr=False)
    """The customer's ids in other systems, ``{"shopify": "123"}``: unique per tenant and source."""
    attributes: dict[str, Any] = attrs.field(factory=dict, converter=_attributes, repr=False)
    tenant: str = attrs.field(default="default", converter=_tenant)
    id: str = attrs.field(factory=new_id, converter=_id)
    created_at: dt.datetime | None = attrs.field(default=None, converter=_created_at, repr=False)
    updated_at: dt.datetime | None = attrs.field(default=None, converter=_updated_at, repr=False)
    version: int = attrs.field(default=0, converter=_version)

    def __attrs_post_init__(self) -> None:
        values = {name: getattr(self, name) for name in ("country", *_CONTACT_POINTS)}
        _read_with_country(values)
        for name in _CONTACT_POINTS:
            object.__setattr__(self, name, values[name])

    def validate(self) -> None:
        """Check every field again as construction does; raise ``InvalidInput`` naming the first."""
        values = check_customer_fields({f.name: getattr(self, f.name) for f in _FIELDS})
        for name, value in values.items():
            if getattr(self, name) is not value:
                object.__setattr__(self, name, value)

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
        return search_keys(
            self.names, self.emails, self.phones, self.handles, self.external_ids
        )

    def name_key(self) -> str:
        """The folded full name with its words sorted: equal for near-identical spellings."""
        return " ".join(sorted(fold(self.name.full).split()))

    @classmethod
    def fields_changeable(cls) -> frozenset[str]:
        """Names of the fields ``crm.customers.update`` may change."""
        fixed = {"id", "tenant", "created_at", "updated_at", "version"}
        return frozenset(f.name for f in attrs.fields(cls) if f.name not in fixed)


_FIELDS = attrs.fields(Customer)
_FACTORY: type = type(attrs.Factory(dict))
_CONVERTERS: dict[str, Any] = {field.name: field.converter for field in _FIELDS}
"""Each field's converter: construction, assignment and the bulk path all call these."""
_REQUIRED = object()
_NEW_ID = object()
_NEW_DICT = object()
_PLAN: tuple[tuple[str, Any, Any], ...] = tuple(
    (
        field.name,
        field.converter,
        _NEW_ID if field.name == "id"
        else _NEW_DICT if isinstance(field.default, _FACTORY)
        else _REQUIRED if field.default is attrs.NOTHING
        else field.default,
    )
    for field in _FIELDS
)
"""Each field in order: its converter, and its default (a plain value, or made per customer)."""


def field_defaults() -> dict[str, Any]:
    """The fields whose default is one plain value (``()``, ``None``...), and that value.

    :func:`check_customer_fields` puts that very object in a field the values leave out.
    """
    return {
        name: default
        for name, _, default in _PLAN
        if default is not _REQUIRED and default is not _NEW_ID and default is not _NEW_DICT
    }


_POSITION = {name: index for index, (name, _, _) in enumerate(_PLAN)}
_TEMPLATE: dict[str, Any] = {name: default for name, _, default in _PLAN}
"""Every field in order at its plain default; a copy is filled in by the given values."""
_MUST = frozenset(name for name, _, default in _PLAN if default is _REQUIRED)
_NEW_DICTS = tuple(name for name, _, default in _PLAN if default is _NEW_DICT)


def check_customer_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalise a customer's fields given as a mapping, exactly as ``Customer`` does.

    Bulk imports call this directly: the same converters and the same rule across fields, with
    no entity built (and instrumented) per row. Unknown fields are refused. Fields are checked
    in the order ``Customer`` declares them, so the first problem reported is its first one.
    """
    if not isinstance(values, Mapping):
        raise InvalidFormat(
            f"expected a mapping of customer fields, got {type(values).__name__}"
        )
    if not _CONVERTERS.keys() >= values.keys():
        for index, key in enumerate(values):
            if key not in _CONVERTERS:
                raise _checks.unknown_key(key, index, what="customer field")
    missing = _MUST - values.keys()
    first_missing = min(map(_POSITION.__getitem__, missing)) if missing else len(_PLAN)
    out = _TEMPLATE.copy()  # keeps the fields' order; only the given ones are replaced
    for name in sorted(values, key=_POSITION.__getitem__):
        if _POSITION[name] > first_missing:
            break
        out[name] = _CONVERTERS[name](values[name])
    if missing:
        raise InvalidFormat("is required", field=_PLAN[first_missing][0])
    if "id" not in values:
        out["id"] = new_id()
    for name in _NEW_DICTS:
        if name not in values:
            out[name] = {}
    _read_with_country(out)
    return out


def search_keys(
    names: Iterable[PersonName],
    emails: Iterable[EmailAddress],
    phones: Iterable[PhoneNumber],
    handles: Iterable[MessagingHandle],
    external_ids: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """``(kind, key)`` pairs under which the store finds a customer.

    An external id's key is ``source:id`` as given (ids of other systems are compared exactly).
    """
    keys: dict[tuple[str, str], None] = {}
    for name in names:
        for token in name.search_tokens():
            keys.setdefault(("name", token[:SEARCH_KEY_LENGTH]), None)
    for email in emails:
        keys.setdefault(("email", email.key), None)
    for phone in phones:
        keys.setdefault(("phone", phone.number), None)
    for handle in handles:
        keys.setdefault(("handle", handle.key[:SEARCH_KEY_LENGTH]), None)
        if handle.handle.startswith("+"):
            keys.setdefault(("phone", handle.handle), None)
    for source, identifier in (external_ids or {}).items():
        keys.setdefault(("external", external_key(source, identifier)), None)
    return list(keys)


def external_key(source: str, identifier: str) -> str:
    """The search key of the id ``identifier`` in the system ``source``."""
    return f"{source}:{identifier}"


def merged_fields(keep: Customer, other: Customer) -> dict[str, Any]:
    """What ``keep`` holds after ``other`` (the same person) is merged into it: the changes.

    ``keep``'s own values stand; ``other`` adds what ``keep`` lacks: its names as other names,
    contact points not already there (never as primary), channels, needs, tags, external ids
    and attribute keys, and single values ``keep`` has not set. Needs (dietary, allergens,
    accessibility) are the union: leaving one out could harm the customer. An external id of
    the same source with two different values is a ``Conflict``: one of them is wrong.
    """
    changes: dict[str, Any] = {}
    names = list(keep.other_names)
    for name in (other.name, *other.other_names):
        if name != keep.name and name not in names:
            names.append(name)
    if names != list(keep.other_names):
        changes["other_names"] = tuple(names)
    identities: tuple[tuple[str, Callable[[Any], str]], ...] = (
        ("emails", lambda point: str(point.key)),
        ("phones", lambda point: str(point.number)),
        ("addresses", lambda point: str(point.format())),
        ("handles", lambda point: str(point.key)),
    )
    for field, identity in identities:
        mine = list(getattr(keep, field))
        known = {identity(point) for point in mine}
        added = [
            attrs.evolve(point, primary=False)
            for point in getattr(other, field)
            if identity(point) not in known
        ]
        if added:
            changes[field] = (*mine, *added)
    for field in ("preferred_channels", "dietary_needs", "allergens", "accessibility_needs",
                  "tags"):
        union = tuple(dict.fromkeys((*getattr(keep, field), *getattr(other, field))))
        if union != getattr(keep, field):
            changes[field] = union
    for field in ("contact_hours", "formality", "gender", "pronouns", "birth_date"):
        if getattr(keep, field) is None and getattr(other, field) is not None:
            changes[field] = getattr(other, field)
    ids = dict(keep.external_ids)
    for source, identifier in other.external_ids.items():
        if ids.setdefault(source, identifier) != identifier:
            raise Conflict("the two customers have different ids in this system",
                           field=f"external_ids.{source}")
    if ids != keep.external_ids:
        changes["external_ids"] = ids
    extra = {k: v for k, v in other.attributes.items() if k not in keep.attributes}
    if extra:
        changes["attributes"] = {**keep.attributes, **extra}
    return changes
