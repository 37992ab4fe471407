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
from globalcrm.errors import InvalidFormat
from globalcrm.identifiers import check_id, new_id

__all__ = ["CHANNELS", "CHANNEL_MEDIA", "DIRECTIONS", "MEDIA", "Interaction", "medium_of"]

CHANNELS = (
    "email",
    "phone",
    "sms",
    "live_chat",
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


@attrs.define(slots=False, eq=False, kw_only=True)
class Interaction:
    """One contact with a customer: a message, a call, a visit.

    ``occurred_at`` must be timezone-aware; it is kept in UTC.

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

    customer_id: str
    channel: str
    direction: str
    occurred_at: dt.datetime
    body: str = ""
    subject: str | None = None
    conversation: str | None = None
    language: str | None = None
    agent: str | None = None
    outcome: str | None = None
    sentiment: float | None = None
    metadata: dict[str, Any] = attrs.field(factory=dict)
    tenant: str = "default"
    id: str = attrs.field(factory=new_id)

    def __attrs_post_init__(self) -> None:
        self.customer_id = check_id(self.customer_id, field="customer_id")
        self.channel = _checks.choice(self.channel, CHANNELS, field="channel", what="channel")
        self.direction = _checks.choice(
            self.direction, DIRECTIONS, field="direction", what="direction"
        )
        self.occurred_at = _checks.aware_utc(self.occurred_at, field="occurred_at")
        self.body = _checks.text(
            self.body, field="body", max_length=_checks.MAX_BODY, allow_empty=True, multiline=True
        )
        self.subject = _checks.optional_text(self.subject, field="subject", max_length=1000)
        self.conversation = _checks.optional_text(
            self.conversation, field="conversation", max_length=200
        )
        if self.language is not None:
            self.language = _checks.language(self.language)
        self.agent = _checks.optional_text(self.agent, field="agent", max_length=200)
        self.outcome = _checks.optional_text(self.outcome, field="outcome", max_length=200)
        if self.sentiment is not None:
            if isinstance(self.sentiment, bool) or not isinstance(self.sentiment, int | float):
                raise InvalidFormat("expected a number from -1 to 1", field="sentiment")
            if not -1.0 <= float(self.sentiment) <= 1.0:
                raise InvalidFormat(
                    "sentiment runs from -1 (negative) to 1 (positive)", field="sentiment"
                )
            self.sentiment = float(self.sentiment)
        if not isinstance(self.metadata, dict):
            raise InvalidFormat("expected a mapping of JSON-safe values", field="metadata")
        self.metadata = _checks.json_safe(self.metadata, field="metadata")
        _checks.json_size(self.metadata, field="metadata")
        self.tenant = _checks.text(self.tenant, field="tenant", max_length=64)
        self.id = check_id(self.id)
