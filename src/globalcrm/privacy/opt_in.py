"""Double opt-in and unsubscribe links: single-use tokens stored only as SHA-256 hashes.

Issuing a token supersedes the pending one of the same kind for the same subject, purpose and
channel, so an older link never works once a newer one was sent. A confirmation token is stale
once the subject withdrew, refused or objected after it was issued (an old link must not opt
them back in); an unsubscribe token is stale once they subscribed again (re-subscribing rotates
it). The caller records the confirmation or withdrawal event the token stands for.

```pycon
>>> import datetime as dt
>>> t0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
>>> challenges = []
>>> challenge, token = issue_token(challenges, "confirm", subject_ref="s-1",
...                                purpose_key="newsletter", channel="email", now=t0)
>>> token in repr(vars(challenge)), challenge.token_sha256 == token_hash(token)
(False, True)
>>> redeem_token(challenges, token, now=t0 + dt.timedelta(hours=1)).status
'used'

```
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, NotFound, RuleViolation
from globalcrm.identifiers import new_id
from globalcrm.privacy import _converters as _c
from globalcrm.privacy.events import GRANTS, ConsentEvent
from globalcrm.privacy.projection import events_list

__all__ = [
    "TOKEN_KINDS",
    "TOKEN_STATUSES",
    "TokenChallenge",
    "issue_token",
    "redeem_token",
    "token_hash",
]

TOKEN_KINDS = ("confirm", "unsubscribe")
TOKEN_STATUSES = ("pending", "used", "expired", "superseded")


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which a link token is stored; the token itself never is."""
    text = _checks.text(token, field="token", max_length=500)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _kind(value: object) -> str:
    return _checks.choice(value, TOKEN_KINDS, field="kind", what="token kind")


def _subject_ref(value: object) -> str:
    return _checks.text(value, field="subject_ref", max_length=_c.MAX_REF)


def _purpose_key(value: object) -> str:
    return _c.slug(value, field="purpose_key")


def _channel(value: object) -> str:
    return _c.slug(value, field="channel")


def _token_sha256(value: object) -> str:
    return _checks.text(value, field="token_sha256", max_length=200)


def _issued_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="issued_at")


def _expires_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="expires_at")


def _contact_point_ref(value: object) -> str | None:
    return _c.optional_text(value, field="contact_point_ref")


def _id(value: object) -> str:
    return _checks.text(value, field="id", max_length=_c.MAX_REF)


def _status(value: object) -> str:
    return _checks.choice(value, TOKEN_STATUSES, field="status", what="token status")


def _used_at(value: object) -> dt.datetime | None:
    return _c.optional_time(value, field="used_at")


@attrs.define(slots=False, eq=False)
class TokenChallenge:
    """A single-use link token; only its SHA-256 is stored, never the token itself.

    ``status`` moves from ``pending`` to ``used``, ``expired`` or ``superseded``; every other
    field is fixed when the token is issued.
    """

    kind: str = attrs.field(converter=_kind)
    subject_ref: str = attrs.field(converter=_subject_ref)
    purpose_key: str = attrs.field(converter=_purpose_key)
    channel: str = attrs.field(converter=_channel)
    token_sha256: str = attrs.field(converter=_token_sha256)
    issued_at: dt.datetime = attrs.field(converter=_issued_at)
    expires_at: dt.datetime = attrs.field(converter=_expires_at)
    contact_point_ref: str | None = attrs.field(default=None, converter=_contact_point_ref)
    id: str = attrs.field(factory=new_id, converter=_id)
    status: str = attrs.field(default="pending", converter=_status)
    used_at: dt.datetime | None = attrs.field(default=None, converter=_used_at)


def _challenges(value: object) -> list[TokenChallenge]:
    if not isinstance(value, list):
        raise InvalidFormat("expected the list of challenges", field="challenges")
    for i, item in enumerate(value):
        if not isinstance(item, TokenChallenge):
            raise InvalidFormat("expected a TokenChallenge", field=f"challenges[{i}]")
    return value


def issue_token(
    challenges: list[TokenChallenge],
    kind: str,
    *,
    subject_ref: str,
    purpose_key: str,
    channel: str,
    now: dt.datetime,
    ttl: dt.timedelta = dt.timedelta(hours=48),
    contact_point_ref: str | None = None,
    token: str | None = None,
) -> tuple[TokenChallenge, str]:
    """Issue a new token (appended to ``challenges``) and return it with the plain token to send.

    Pending tokens of the same kind for the same subject, purpose and channel are superseded,
    so an older link can never be used once a newer one was sent.
    """
    rows = _challenges(challenges)
    issued = _checks.aware_utc(now, field="now")
    if not isinstance(ttl, dt.timedelta) or ttl <= dt.timedelta(0):
        raise InvalidFormat("expected a positive timedelta", field="ttl")
    plain = secrets.token_urlsafe(32) if token is None else _checks.text(token, field="token")
    challenge = TokenChallenge(
        kind=kind,
        subject_ref=subject_ref,
        purpose_key=purpose_key,
        channel=channel,
        token_sha256=token_hash(plain),
        issued_at=issued,
        expires_at=issued + ttl,
        contact_point_ref=contact_point_ref,
    )
    for old in rows:
        if old.status == "pending" and (
            old.kind,
            old.subject_ref,
            old.purpose_key,
            old.channel,
        ) == (challenge.kind, challenge.subject_ref, challenge.purpose_key, challenge.channel):
            old.status = "superseded"
    rows.append(challenge)
    return challenge, plain


def redeem_token(
    challenges: list[TokenChallenge],
    token: str,
    *,
    now: dt.datetime,
    events: Iterable[ConsentEvent] = (),
) -> TokenChallenge:
    """Use a token once; the caller then records the confirmation or the withdrawal event.

    A *confirm* token is stale after a later withdrawal, refusal or objection (a stale link must
    not opt someone back in); an *unsubscribe* token is stale after a later grant (re-subscribing
    rotates it).

    Raises:
        NotFound: no such token.
        RuleViolation: the token was used, superseded, expired or is stale.
    """
    rows = _challenges(challenges)
    plain = _checks.text(token, field="token", max_length=500)
    current = _checks.aware_utc(now, field="now")
    digest = token_hash(plain)
    found = next((c for c in rows if hmac.compare_digest(c.token_sha256, digest)), None)
    if found is None:
        raise NotFound("no such token", field="token")
    if found.status != "pending":
        raise RuleViolation(f"the token is {found.status}", field="token")
    if current >= found.expires_at:
        found.status = "expired"
        raise RuleViolation("the token has expired", field="token")
    stale_states = ("withdrawn", "refused", "objected") if found.kind == "confirm" else GRANTS
    for event in events_list(events):
        if (
            event.subject_ref == found.subject_ref
            and event.purpose_key == found.purpose_key
            and event.channel == found.channel
            and event.state in stale_states
            and event.occurred_at > found.issued_at
        ):
            found.status = "superseded"
            raise RuleViolation(
                "the token is stale: the subject acted after it was issued", field="token"
            )
    found.status = "used"
    found.used_at = current
    return found
