"""Interactions: every contact with a customer, on any channel, threaded into conversations.

A conversation id ties a WhatsApp message, the email reply and the phone call about the same
order into one thread, whatever the channel.

``CHANNELS`` is the package's one channel vocabulary: every function that asks for a channel
(``salutation``, ``closing``, ``decide_formality``, ``crm.customers.salutation_for``...) takes
these values. ``CHANNEL_MEDIA`` maps each channel, once, to the medium that decides the form of
address: a WhatsApp message is a ``chat``, a letter a ``letter``, a phone call ``spoken``.

```pycon
>>> CHANNEL_MEDIA["whatsapp"], CHANNEL_MEDIA["letter"], CHANNEL_MEDIA["video_call"]
('chat', 'letter', 'spoken')
>>> medium_of("WhatsApp"), medium_of("chat")
('chat', 'chat')

```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput
from globalcrm.identifiers import check_id, new_id

__all__ = [
    "CHANNELS",
    "CHANNEL_MEDIA",
    "DIRECTIONS",
    "MEDIA",
    "MESSAGING_CHANNELS",
    "Interaction",
    "medium_of",
]

MESSAGING_CHANNELS = (
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
"""Messaging services: channels a customer can also give a handle on (``MessagingHandle``)."""

CHANNELS = (
    "email",
    "phone",
    "sms",
    "live_chat",
    *MESSAGING_CHANNELS,
    "social",
    "in_app",
    "push",
    "in_person",
    "web_form",
    "letter",
    "video_call",
)
"""The channels an interaction can happen on."""

MEDIA: Final = ("letter", "email", "chat", "spoken")
"""The media a channel reaches the customer through, which decide the form of address.

``letter``: paper post, the most formal written form; ``email``: a written electronic message
(a reply to a web form is one); ``chat``: a short message in a messaging app, an SMS, a social
post or an in-app or push notification; ``spoken``: a call, a video call or a visit."""

CHANNEL_MEDIA: Final[Mapping[str, str]] = MappingProxyType({
    "email": "email",
    "phone": "spoken",
    "sms": "chat",
    "live_chat": "chat",
    "whatsapp": "chat",
    "wechat": "chat",
    "line": "chat",
    "telegram": "chat",
    "viber": "chat",
    "kakaotalk": "chat",
    "signal": "chat",
    "zalo": "chat",
    "facebook_messenger": "chat",
    "instagram": "chat",
    "imessage": "chat",
    "skype": "chat",
    "social": "chat",
    "in_app": "chat",
    "push": "chat",
    "in_person": "spoken",
    "web_form": "email",
    "letter": "letter",
    "video_call": "spoken",
})
"""The medium of every channel in ``CHANNELS`` (the one mapping; other modules use it)."""

_CHANNEL_WORDS: Final = (*CHANNELS, *(m for m in MEDIA if m not in CHANNELS))


def medium_of(channel: object, *, field: str = "channel") -> str:
    """Return the medium (``MEDIA``) of ``channel``, a value of ``CHANNELS`` or a medium itself.

    A medium may be named directly (``chat``, ``spoken``) where the exact channel does not
    matter. Anything else raises ``InvalidComponent``.
    """
    if not isinstance(channel, str):
        raise InvalidFormat(f"expected a channel, got {type(channel).__name__}", field=field)
    word = _checks.choice(channel, _CHANNEL_WORDS, field=field, what="channel")
    return CHANNEL_MEDIA.get(word, word)

DIRECTIONS = ("inbound", "outbound", "internal")
"""``inbound`` from the customer, ``outbound`` to them, ``internal`` a note between agents."""


def _customer_id(value: object) -> str:
    return check_id(value, field="customer_id")


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


def _direction(value: object) -> str:
    return _checks.choice(value, DIRECTIONS, field="direction", what="direction")


def _occurred_at(value: object) -> dt.datetime:
    return _checks.aware_utc(value, field="occurred_at")


def _body(value: object) -> str:
    return _checks.text(
        value, field="body", max_length=_checks.MAX_BODY, allow_empty=True, multiline=True
    )


def _subject(value: object) -> str | None:
    return _checks.optional_text(value, field="subject", max_length=1000)


def _conversation(value: object) -> str | None:
    return _checks.optional_text(value, field="conversation", max_length=200)


def _language(value: object) -> str | None:
    return None if value is None else _checks.language(value)


def _agent(value: object) -> str | None:
    return _checks.optional_text(value, field="agent", max_length=200)


def _outcome(value: object) -> str | None:
    return _checks.optional_text(value, field="outcome", max_length=200)


def _sentiment(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidFormat("expected a number from -1 to 1", field="sentiment")
    if not -1.0 <= float(value) <= 1.0:
        raise InvalidFormat("sentiment runs from -1 (negative) to 1 (positive)", field="sentiment")
    return float(value)


def _metadata(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidFormat("expected a mapping of JSON-safe values", field="metadata")
    checked: dict[str, Any] = _checks.json_safe(value, field="metadata")
    _checks.json_size(checked, field="metadata")
    return checked


def _tenant(value: object) -> str:
    return _checks.tenant(value)


def _id(value: object) -> str:
    return check_id(value)


def _fixed(instance: object, attribute: attrs.Attribute[Any], value: object) -> Any:
    raise InvalidInput(
        f"the {attribute.name} of an interaction cannot be changed", field=attribute.name
    )


@attrs.define(
    slots=False,
    eq=False,
    kw_only=True,
    on_setattr=[attrs.setters.convert, attrs.setters.validate],
)
class Interaction:
    """One contact with a customer: a message, a call, a visit.

    ``occurred_at`` must be timezone-aware; it is kept in UTC. The repr shows ids and codes,
    never the body, subject or agent (reprs end up in logs).

    ```pycon
    >>> import datetime as dt
    >>> i = Interaction(customer_id="01KAQ3V4J5ZC6Y3W8N0R2T4V6X", channel="WhatsApp",
    ...                 direction="inbound", body="Sveiki!", conversation="order-1042",
    ...                 occurred_at=dt.datetime(2026, 11, 23, 9, 30,
    ...                                         tzinfo=dt.timezone(dt.timedelta(hours=2))))
    >>> i.channel, i.occurred_at.isoformat()
    ('whatsapp', '2026-11-23T07:30:00+00:00')

    ```
    """

    customer_id: str = attrs.field(converter=_customer_id, on_setattr=_fixed)
    channel: str = attrs.field(converter=_channel)
    direction: str = attrs.field(converter=_direction)
    occurred_at: dt.datetime = attrs.field(converter=_occurred_at)
    body: str = attrs.field(default="", converter=_body, repr=_checks.masked)
    subject: str | None = attrs.field(default=None, converter=_subject, repr=_checks.masked)
    conversation: str | None = attrs.field(default=None, converter=_conversation)
    language: str | None = attrs.field(default=None, converter=_language)
    agent: str | None = attrs.field(default=None, converter=_agent, repr=_checks.masked)
    outcome: str | None = attrs.field(default=None, converter=_outcome, repr=_checks.masked)
    sentiment: float | None = attrs.field(default=None, converter=_sentiment, repr=False)
    metadata: dict[str, Any] = attrs.field(factory=dict, converter=_metadata, repr=_checks.masked)
    tenant: str = attrs.field(default="default", converter=_tenant, on_setattr=_fixed)
    id: str = attrs.field(factory=new_id, converter=_id, on_setattr=_fixed)
