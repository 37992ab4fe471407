"""Decode IAB Transparency & Consent Framework v2 TC strings captured from a website's CMP.

Spec: IAB Tech Lab, "Consent string and vendor list formats v2"
(https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework,
``TCFv2/IAB Tech Lab - Consent string and vendor list formats v2.md``). A CRM is not a CMP: it
must neither create nor alter TC strings, so this module only *reads* them, to store beside the
raw string as consent evidence. Never map TCF's ad-tech purposes onto CRM purposes.

The string is dot-separated base64url segments: the core segment, then optional segments whose
first 3 bits name them (1 disclosed vendors, 2 allowed vendors, 3 publisher TC); unknown segment
types are skipped, as the IAB's Java decoder does. Purpose, feature and vendor sets come back as
sorted tuples of 1-based ids; times as aware UTC datetimes.

We decode ourselves rather than with the ``iab-tcf`` package (last release 2022; it exposes
range-encoded vendors under different attributes and has no publisher-restriction vendor ids).

```pycon
>>> tc = decode("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA")
>>> tc.cmp_id, tc.consent_language, tc.purposes_consent
(675, 'EN', (2, 10))
>>> tc.created.isoformat()
'2020-01-26T17:01:00+00:00'

```
"""

from __future__ import annotations

import datetime as dt

import attrs

from globalcrm.errors import InvalidFormat, InvalidLength

__all__ = ["MAX_LENGTH", "PublisherRestriction", "TCString", "decode"]

MAX_LENGTH = 100_000
"""Longer strings are refused before decoding (real TC strings are a few hundred characters)."""
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_VALUES = {char: index for index, char in enumerate(_ALPHABET)}
_RESTRICTION_TYPES = ("NOT_ALLOWED", "REQUIRE_CONSENT", "REQUIRE_LEGITIMATE_INTEREST", "UNDEFINED")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@attrs.frozen
class PublisherRestriction:
    """A publisher's restriction of one purpose for some vendors (``restriction_type`` by name)."""

    purpose_id: int
    restriction_type: str
    vendor_ids: tuple[int, ...]


@attrs.frozen
class TCString:
    """A decoded TC string; attribute names are snake_case of the spec's field names."""

    version: int
    created: dt.datetime
    last_updated: dt.datetime
    cmp_id: int
    cmp_version: int
    consent_screen: int
    consent_language: str
    vendor_list_version: int
    tcf_policy_version: int
    is_service_specific: bool
    use_non_standard_texts: bool
    special_feature_opt_ins: tuple[int, ...]
    purposes_consent: tuple[int, ...]
    purposes_li_transparency: tuple[int, ...]
    purpose_one_treatment: bool
    publisher_cc: str
    vendor_consent: tuple[int, ...]
    vendor_legitimate_interest: tuple[int, ...]
    publisher_restrictions: tuple[PublisherRestriction, ...]
    disclosed_vendors: tuple[int, ...] = ()
    allowed_vendors: tuple[int, ...] = ()
    pub_purposes_consent: tuple[int, ...] = ()
    pub_purposes_li_transparency: tuple[int, ...] = ()
    custom_purposes_consent: tuple[int, ...] = ()
    custom_purposes_li_transparency: tuple[int, ...] = ()

    @property
    def use_non_standard_stacks(self) -> bool:
        """The TCF 2.0 name of ``use_non_standard_texts``."""
        return self.use_non_standard_texts

    @property
    def publisher_purposes_consent(self) -> tuple[int, ...]:
        """Alias of ``pub_purposes_consent`` (the spec's long name)."""
        return self.pub_purposes_consent

    @property
    def publisher_purposes_li_transparency(self) -> tuple[int, ...]:
        """Alias of ``pub_purposes_li_transparency`` (the spec's long name)."""
        return self.pub_purposes_li_transparency


class _Bits:
    """A big-endian bit reader over one decoded segment."""

    def __init__(self, segment: str, offset: int) -> None:
        self.offset = offset
        value = 0
        for index, char in enumerate(segment):
            digit = _VALUES.get(char)
            if digit is None:
                raise InvalidFormat(
                    "not a base64url TC string", field="tc_string", position=offset + index
                )
            value = value << 6 | digit
        self.value = value
        self.size = 6 * len(segment)
        self.pos = 0

    def read(self, width: int) -> int:
        if self.pos + width > self.size:
            raise InvalidLength(
                "the TC string is truncated", field="tc_string", position=self.offset
            )
        shift = self.size - self.pos - width
        self.pos += width
        return self.value >> shift & ((1 << width) - 1)

    def flag(self) -> bool:
        return self.read(1) == 1

    def bitfield(self, width: int) -> tuple[int, ...]:
        bits = self.read(width)
        return tuple(i + 1 for i in range(width) if bits >> (width - 1 - i) & 1)

    def time(self) -> dt.datetime:
        return _EPOCH + dt.timedelta(milliseconds=self.read(36) * 100)

    def letters(self) -> str:
        first, second = self.read(6), self.read(6)
        if first > 25 or second > 25:
            raise InvalidFormat("not a two-letter code", field="tc_string", position=self.offset)
        return chr(65 + first) + chr(65 + second)

    def ranges(self) -> tuple[int, ...]:
        ids: set[int] = set()
        for _ in range(self.read(12)):
            is_range = self.flag()
            start = self.read(16)
            end = self.read(16) if is_range else start
            if start < 1 or end < start:
                raise InvalidFormat("invalid vendor range", field="tc_string", position=self.offset)
            ids.update(range(start, end + 1))
        return tuple(sorted(ids))

    def vendors(self) -> tuple[int, ...]:
        max_vendor = self.read(16)
        if self.flag():
            return self.ranges()
        return self.bitfield(max_vendor)


def decode(s: str) -> TCString:
    """Decode a TC string (version 2); malformed strings raise ``InvalidFormat``.

    Raises:
        InvalidFormat: not text, bad base64url, not version 2, or a segment ends early
            (``InvalidLength``).
    """
    if not isinstance(s, str):
        raise InvalidFormat(f"expected a TC string, got {type(s).__name__}", field="tc_string")
    text = s.strip()
    if not text:
        raise InvalidFormat("the TC string is empty", field="tc_string")
    if len(text) > MAX_LENGTH:
        raise InvalidLength("the TC string is too long", field="tc_string")
    segments, offset = [], 0
    for part in text.split("."):
        body = part.rstrip("=")
        if not body or len(part) - len(body) > 2:
            raise InvalidFormat("empty or badly padded segment", field="tc_string", position=offset)
        segments.append(_Bits(body, offset))
        offset += len(part) + 1
    core = segments[0]
    version = core.read(6)
    if version != 2:
        raise InvalidFormat(f"unsupported TC string version {version}", field="tc_string")
    fields: dict[str, object] = {
        "version": version,
        "created": core.time(),
        "last_updated": core.time(),
        "cmp_id": core.read(12),
        "cmp_version": core.read(12),
        "consent_screen": core.read(6),
        "consent_language": core.letters(),
        "vendor_list_version": core.read(12),
        "tcf_policy_version": core.read(6),
        "is_service_specific": core.flag(),
        "use_non_standard_texts": core.flag(),
        "special_feature_opt_ins": core.bitfield(12),
        "purposes_consent": core.bitfield(24),
        "purposes_li_transparency": core.bitfield(24),
        "purpose_one_treatment": core.flag(),
        "publisher_cc": core.letters(),
        "vendor_consent": core.vendors(),
        "vendor_legitimate_interest": core.vendors(),
    }
    restrictions = []
    for _ in range(core.read(12)):
        purpose_id = core.read(6)
        restriction_type = _RESTRICTION_TYPES[core.read(2)]
        restrictions.append(PublisherRestriction(purpose_id, restriction_type, core.ranges()))
    fields["publisher_restrictions"] = tuple(restrictions)
    for segment in segments[1:]:
        kind = segment.read(3)
        if kind == 1:
            fields["disclosed_vendors"] = segment.vendors()
        elif kind == 2:
            fields["allowed_vendors"] = segment.vendors()
        elif kind == 3:
            fields["pub_purposes_consent"] = segment.bitfield(24)
            fields["pub_purposes_li_transparency"] = segment.bitfield(24)
            count = segment.read(6)
            fields["custom_purposes_consent"] = segment.bitfield(count)
            fields["custom_purposes_li_transparency"] = segment.bitfield(count)
    return TCString(**fields)  # type: ignore[arg-type]
