r"""Privacy and consent notices: versioned per language, immutable once published, content-hashed.

A consent event copies the exact notice version and its SHA-256, so the record proves *what* the
subject was shown. The hash is taken over a stated canonical form, ``nfc-lf-utf8-v1``:

1. title and body are normalised to Unicode NFC;
2. line endings (CR LF, CR) become LF;
3. the text hashed is ``title + "\n\n" + body``, encoded as UTF-8.

Whether a new version is a *material* change (existing consents then need renewal) is a human
decision recorded on the version, not something a hash can tell: a typo fix changes the hash too.

```pycon
>>> import datetime as dt
>>> v1 = publish_notice("newsletter", 1, language="en", title="Newsletter",
...                     body="We e-mail you offers.\r\n",
...                     effective_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
>>> v1.content_sha256 == content_sha256("Newsletter", "We e-mail you offers.\n")
True
>>> verify_notice(v1)
True

```
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.identifiers import new_id
from globalcrm.privacy.regimes import regime_code

__all__ = [
    "CANONICALISATION",
    "NOTICE_KINDS",
    "NoticeVersion",
    "canonical_text",
    "content_sha256",
    "publish_notice",
    "supersede_notice",
    "verify_notice",
]

CANONICALISATION = "nfc-lf-utf8-v1"
NOTICE_KINDS = ("privacy_notice", "consent_notice", "terms")


def canonical_text(title: str, body: str) -> str:
    r"""The canonical form that is hashed: NFC, LF line endings, ``title + "\n\n" + body``."""
    parts = []
    for name, value in (("title", title), ("body", body)):
        if not isinstance(value, str):
            raise InvalidFormat(f"expected text, got {type(value).__name__}", field=name)
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        parts.append(unicodedata.normalize("NFC", value))
    return parts[0] + "\n\n" + parts[1]


def content_sha256(title: str, body: str) -> str:
    """Hex SHA-256 of :func:`canonical_text` encoded as UTF-8."""
    return hashlib.sha256(canonical_text(title, body).encode("utf-8")).hexdigest()


def _immutable(instance: Any, attribute: Any, value: Any) -> Any:
    raise RuleViolation(
        "a published notice version is immutable; publish a new version", field=attribute.name
    )


def _version(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise InvalidFormat("expected a version number from 1", field="version")
    return value


def _key(value: object) -> str:
    key = _checks.text(value, field="key", max_length=100)
    if not all(c.isascii() and (c.isalnum() or c in "-_.") for c in key):
        raise InvalidFormat("use letters, digits, '-', '_' or '.'", field="key")
    return key


def _language(value: object) -> str:
    return _checks.language(value)


def _title(value: object) -> str:
    return _checks.text(value, field="title", max_length=500)


def _body(value: object) -> str:
    return _checks.text(value, field="body", max_length=_checks.MAX_BODY, multiline=True)


def _effective_from(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="effective_from")


def _effective_to(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="effective_to")


def _kind(value: object) -> str:
    return _checks.choice(value, NOTICE_KINDS, field="kind", what="notice kind")


def _jurisdiction(value: object, *, field: str) -> str:
    if isinstance(value, str) and "-" in value:
        return regime_code(value, field=field)
    return _checks.country(value, field=field)


def _countries(value: object) -> tuple[str, ...]:
    items = _checks.sequence(value, field="jurisdictions")
    return tuple(_jurisdiction(item, field=f"jurisdictions[{i}]") for i, item in enumerate(items))


def _material_change(value: object) -> bool:
    return _checks.flag(value, field="material_change")


def _canonicalisation(value: object) -> str:
    return _checks.text(value, field="canonicalisation", max_length=64)


def _id(value: object) -> str:
    return _checks.text(value, field="id", max_length=64)


def _published_at(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="published_at")


def _content_sha256(value: object) -> str:
    return _checks.text(value, field="content_sha256", max_length=64, allow_empty=True)


@attrs.define(slots=False, eq=False, on_setattr=_immutable)
class NoticeVersion:
    """One published version of a notice in one language; attributes cannot change afterwards."""

    notice_key: str = attrs.field(converter=_key)
    version: int = attrs.field(converter=_version)
    language: str = attrs.field(converter=_language)
    title: str = attrs.field(converter=_title)
    body: str = attrs.field(converter=_body)
    effective_from: dt.datetime = attrs.field(converter=_effective_from)
    content_sha256: str = attrs.field(converter=_content_sha256)
    effective_to: dt.datetime | None = attrs.field(default=None, converter=_effective_to)
    kind: str = attrs.field(default="consent_notice", converter=_kind)
    jurisdictions: tuple[str, ...] = attrs.field(default=(), converter=_countries)
    material_change: bool = attrs.field(default=False, converter=_material_change)
    canonicalisation: str = attrs.field(default=CANONICALISATION, converter=_canonicalisation)
    id: str = attrs.field(factory=new_id, converter=_id)
    published_at: dt.datetime | None = attrs.field(default=None, converter=_published_at)

    def is_effective(self, at: dt.datetime) -> bool:
        """Whether this version was the one in force at instant ``at``."""
        instant = _checks.aware_utc(at, field="at")
        return self.effective_from <= instant and (
            self.effective_to is None or instant < self.effective_to
        )


def publish_notice(
    notice_key: str,
    version: int,
    *,
    language: str,
    title: str,
    body: str,
    effective_from: dt.datetime,
    effective_to: dt.datetime | None = None,
    kind: str = "consent_notice",
    jurisdictions: tuple[str, ...] = (),
    material_change: bool = False,
    published_at: dt.datetime | None = None,
    notice_id: str | None = None,
) -> NoticeVersion:
    """Publish a notice version: normalise the text and compute its SHA-256 once, for good."""
    if not isinstance(body, str):
        raise InvalidFormat("expected text", field="body")
    if not isinstance(title, str):
        raise InvalidFormat("expected text", field="title")
    clean_body = body.replace("\r\n", "\n").replace("\r", "\n")
    result = NoticeVersion(
        notice_key=notice_key,
        version=version,
        language=language,
        title=title,
        body=clean_body,
        effective_from=effective_from,
        effective_to=effective_to,
        kind=kind,
        jurisdictions=jurisdictions,
        material_change=material_change,
        content_sha256="",
        published_at=published_at,
        **({"id": _checks.text(notice_id, field="id", max_length=100)} if notice_id else {}),
    )
    if result.effective_to is not None and result.effective_to <= result.effective_from:
        raise InvalidInput("effective_to must be after effective_from", field="effective_to")
    object.__setattr__(result, "content_sha256", content_sha256(result.title, result.body))
    return result


def supersede_notice(
    previous: NoticeVersion,
    *,
    body: str,
    effective_from: dt.datetime,
    material_change: bool,
    title: str | None = None,
    published_at: dt.datetime | None = None,
) -> NoticeVersion:
    """Publish the next version of ``previous`` (same key, language); the old one stays."""
    if not isinstance(previous, NoticeVersion):
        raise InvalidFormat("expected a NoticeVersion", field="previous")
    return publish_notice(
        previous.notice_key,
        previous.version + 1,
        language=previous.language,
        title=previous.title if title is None else title,
        body=body,
        effective_from=effective_from,
        kind=previous.kind,
        jurisdictions=previous.jurisdictions,
        material_change=material_change,
        published_at=published_at,
    )


def verify_notice(notice: NoticeVersion) -> bool:
    """Whether the stored text still hashes to the stored ``content_sha256`` (tamper check)."""
    if not isinstance(notice, NoticeVersion):
        raise InvalidFormat("expected a NoticeVersion", field="notice")
    title, body = notice.__dict__.get("title"), notice.__dict__.get("body")
    if not isinstance(title, str) or not isinstance(body, str):
        return False
    return content_sha256(title, body) == notice.content_sha256
