"""How to reach a customer: email addresses, phone numbers, messaging handles, contact hours.

Each is a frozen value normalised on construction by the library that knows its rules
(email-validator for addresses, phonenumbers for numbers in E.164), so the store only ever holds
canonical forms. Reprs show which values are set, never the values (reprs end up in logs).
Postal addresses are in :mod:`globalcrm.addresses`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Literal, TypeVar

import attrs
import email_validator
import phonenumbers

from globalcrm import _checks
from globalcrm.errors import InvalidFormat
from globalcrm.interactions import MESSAGING_CHANNELS

__all__ = [
    "MESSAGING_SERVICES",
    "ContactHours",
    "EmailAddress",
    "MessagingHandle",
    "PhoneNumber",
    "PhoneType",
    "parse_phone",
]

MESSAGING_SERVICES = MESSAGING_CHANNELS
"""Messaging services a customer may give a handle on (each is also an interaction channel)."""
_PHONE_HANDLE_SERVICES = frozenset({"whatsapp", "viber", "signal", "imessage"})
_TELEGRAM = re.compile(r"@?[A-Za-z][A-Za-z0-9_]{3,31}")


def _label(value: object) -> str | None:
    return _checks.optional_text(value, field="label", max_length=64)


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


_V = TypeVar("_V")


def _checked_value(cls: type[_V], **fields: Any) -> _V:
    """A frozen value whose every field was already checked, built without checking it again."""
    value = object.__new__(cls)
    for name, field_value in fields.items():
        object.__setattr__(value, name, field_value)
    return value


# --------------------------------------------------------------------------- email


def _normalise_email(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidFormat(
            f"expected an email address, got {type(value).__name__}", field="address"
        )
    if len(value) > 320:
        raise InvalidFormat("not a valid email address (too long)", field="address")
    text = value.strip()
    return _plain_address(text) or _validated_email(text)


def _validated_email(text: str) -> str:
    """``text`` normalised by email-validator; its refusal as ours, without the address."""
    try:
        result = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as error:
        reason = _email_reason(str(error))
        # from None: email-validator's message quotes parts of the address.
        raise InvalidFormat(f"not a valid email address ({reason})", field="address") from None
    return str(result.normalized)


_ATEXT = r"[A-Za-z0-9_!#$%&'*+\-/=?^`{|}~]+"
_PLAIN_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
"""An unquoted ASCII local part (RFC 5322 dot-atom): email-validator keeps it as it is."""
_HOST_TEXT = re.compile(r"[A-Za-z0-9.\-\u0080-\U0010FFFF]+")
"""Text that can only be a domain name after the @ (no brackets, quotes, spaces or @)."""
try:
    from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
except ImportError:  # pragma: no cover - another email-validator: no short cut
    _MAILBOX_NAMES: frozenset[str] | None = None
else:
    _MAILBOX_NAMES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
    """Local parts email-validator folds to lower case (RFC 2142: ``Postmaster``...)."""
_MAX_ADDRESS_BYTES = 254


def _plain_address(text: str) -> str | None:
    """email-validator's normal form of a common address, its domain checked once per domain.

    Most of email-validator's time goes to the domain (IDNA, UTS #46), and a customer list has
    a few domains for many addresses. For an address whose local part is a plain dot-atom (which
    email-validator keeps unchanged, unless it is an RFC 2142 mailbox name) at a domain it has
    accepted before, the normal form is that local part, ``@`` and the domain's normal form, if
    the address stays within 254 bytes in every form. Anything else returns ``None`` and goes
    through email-validator whole (a property test checks the two agree).
    """
    local, at, domain = text.rpartition("@")
    if (
        not at
        or _MAILBOX_NAMES is None
        or len(local) > 64
        or _PLAIN_LOCAL.fullmatch(local) is None
        or local.lower() in _MAILBOX_NAMES
        or _HOST_TEXT.fullmatch(domain) is None
    ):
        return None
    forms = _domain_forms(
        domain, email_validator.TEST_ENVIRONMENT, email_validator.GLOBALLY_DELIVERABLE
    )
    if forms is None:
        return None
    unicode_domain, longest = forms
    if len(local) + 1 + longest > _MAX_ADDRESS_BYTES:
        return None
    return f"{local}@{unicode_domain}"


@functools.lru_cache(maxsize=4096)
def _domain_forms(
    domain: str, test_environment: object, globally_deliverable: object
) -> tuple[str, int] | None:
    """A domain's normal form, and its longest form in bytes (as given, Unicode or ASCII).

    Asked of email-validator with a one-letter local part; ``None`` if it refuses the domain.
    Keyed by the library's settings that change how a domain is judged.
    """
    try:
        result = email_validator.validate_email(f"a@{domain}", check_deliverability=False)
    except email_validator.EmailNotValidError:
        return None
    normal = str(result.domain)
    forms = (domain, normal, str(result.ascii_domain))
    return normal, max(len(form.encode()) for form in forms)


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


@attrs.frozen(kw_only=True)
class EmailAddress:
    """An email address normalised by email-validator (international domains kept in Unicode).

    ```pycon
    >>> email = EmailAddress(address="Jonas.Petraitis@Example.LT")
    >>> email.address
    'Jonas.Petraitis@example.lt'
    >>> email
    EmailAddress(address=<set>, primary=False, verified=False, label=None)

    ```
    """

    address: str = attrs.field(converter=_normalise_email, repr=_checks.masked)
    primary: bool = attrs.field(default=False, validator=_checks.is_flag)
    verified: bool = attrs.field(default=False, validator=_checks.is_flag)
    label: str | None = attrs.field(default=None, converter=_label)

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


# --------------------------------------------------------------------------- phone

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
        raise InvalidFormat(message, field="number") from None
    # number_type() is UNKNOWN exactly when is_valid_number() is False (same region lookup and
    # pattern match), so one call answers both.
    kind = phonenumbers.number_type(number)
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        possible = phonenumbers.is_possible_number_with_reason(number)
        reason = _LENGTH_REASONS.get(possible, "no such number range")
        raise InvalidFormat(f"not a valid phone number{where} ({reason})", field="number")
    return number, _PHONE_TYPES.get(kind, "other")


@functools.lru_cache(maxsize=4096)
def _international(text: str) -> tuple[str, str]:
    """E.164 and type of a number in international form (cached: stored numbers load often)."""
    parsed, kind = _parse_typed(text, None)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), kind


def _e164(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidFormat(f"expected a phone number, got {type(value).__name__}", field="number")
    return _international(value)[0]


@attrs.frozen(kw_only=True)
class PhoneNumber:
    """A phone number in E.164 form with its type (mobile, fixed...) as phonenumbers knows it.

    ``PhoneNumber(number=...)`` takes international input; :meth:`parse` also reads national
    input with the country it belongs to.

    ```pycon
    >>> phone = PhoneNumber.parse("8 612 34567", region="LT")
    >>> phone.number, phone.type, phone.national()
    ('+37061234567', 'mobile', '(0-612) 34567')

    ```
    """

    number: str = attrs.field(converter=_e164, repr=_checks.masked)
    primary: bool = attrs.field(default=False, validator=_checks.is_flag)
    verified: bool = attrs.field(default=False, validator=_checks.is_flag)
    label: str | None = attrs.field(default=None, converter=_label)
    type: str = attrs.field(init=False, eq=False)
    """Derived from the number: ``mobile``, ``fixed``, ``fixed_or_mobile``, ``voip``..."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "type", _international(self.number)[1])

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


# --------------------------------------------------------------------------- messaging


def _service(value: object) -> str:
    return _checks.choice(value, MESSAGING_SERVICES, field="service", what="messaging service")


def _handle_text(value: object) -> str:
    return _checks.text(value, field="handle", max_length=128)


@attrs.frozen(kw_only=True)
class MessagingHandle:
    """An account on a messaging service; phone-based services store the number in E.164.

    ```pycon
    >>> MessagingHandle(service="WhatsApp", handle="+55 11 91234-5678").handle
    '+5511912345678'

    ```
    """

    service: str = attrs.field(converter=_service)
    handle: str = attrs.field(converter=_handle_text, repr=_checks.masked)
    primary: bool = attrs.field(default=False, validator=_checks.is_flag)
    verified: bool = attrs.field(default=False, validator=_checks.is_flag)

    def __attrs_post_init__(self) -> None:
        # How a handle is written depends on the service: a rule across two fields.
        handle = self.handle
        if self.service in _PHONE_HANDLE_SERVICES:
            if not handle.startswith("+"):
                raise InvalidFormat(
                    f"a {self.service} handle is a phone number in international format",
                    field="handle",
                )
            handle = _as_handle(handle, None)
        elif self.service == "telegram":
            if not _TELEGRAM.fullmatch(handle):
                raise InvalidFormat(
                    "a Telegram username has 5-32 letters, digits or '_'", field="handle"
                )
            handle = "@" + handle.lstrip("@")
        object.__setattr__(self, "handle", handle)

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
            handle = _as_handle(handle, region)
        return cls(service=service, handle=handle)


def _as_handle(number: str, region: str | None) -> str:
    """The E.164 form of a phone-number handle; its error names ``handle``, the caller's field."""
    try:
        if region is None:
            return _international(number)[0]
        return PhoneNumber.parse(number, region=region).number
    except InvalidFormat as error:
        raise InvalidFormat(error.message, field="handle") from None


# --------------------------------------------------------------------------- contact hours


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
        except ValueError:
            raise InvalidFormat("expected a time such as '09:00'", field=field) from None
    raise InvalidFormat(f"expected a time, got {type(value).__name__}", field=field)


def _clock(moment: dt.time) -> str:
    """``09:00``; seconds only when there are some, so a window stored round-trips exactly."""
    return moment.isoformat("minutes" if not (moment.second or moment.microsecond) else "auto")


def _start_time(value: str | dt.time) -> dt.time:
    return _time(value, field="start")


def _end_time(value: str | dt.time) -> dt.time:
    return _time(value, field="end")


def _weekdays(value: object) -> tuple[int, ...]:
    days = _checks.sequence(value, field="weekdays")
    numbers: set[int] = set()
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 7:
            raise InvalidFormat(
                "weekdays are ISO numbers 1 (Monday) to 7 (Sunday)", field="weekdays"
            )
        numbers.add(day)
    if not numbers:
        raise InvalidFormat("weekdays are ISO numbers 1 (Monday) to 7 (Sunday)", field="weekdays")
    return tuple(sorted(numbers))


def _not_the_start(
    instance: ContactHours, attribute: attrs.Attribute[dt.time], end: dt.time
) -> None:
    if end == instance.start:
        raise InvalidFormat("start and end are the same time", field="end")


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
    end: dt.time = attrs.field(converter=_end_time, validator=_not_the_start)
    weekdays: tuple[int, ...] = attrs.field(default=(1, 2, 3, 4, 5, 6, 7), converter=_weekdays)

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
