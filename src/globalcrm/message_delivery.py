"""Delivering messages: channel adapters, drafts that plugins may change, addresses and hours.

The library makes no network call. The application gives ``crm.messages.send`` a
``ChannelAdapter`` (an object with ``send(message)``) for e-mail, SMS, WhatsApp...; the library
finds the customer's address on the channel (``recipient_for``), keeps to their contact hours
(``next_contact_time`` says when a deferred message may go), and lets plugins change or veto a
``MessageDraft`` before the adapter is called.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal, Protocol, runtime_checkable

import attrs

from globalcrm import _checks
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, RuleViolation
from globalcrm.interactions import CHANNELS, Interaction
from globalcrm.messages import Message

__all__ = [
    "ChannelAdapter",
    "Delivery",
    "MessageDraft",
    "check_adapter",
    "next_contact_time",
    "recipient_for",
    "reference_of",
]


def _channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


@attrs.define(slots=False)
class MessageDraft:
    """A message a ``globalcrm_before_message`` plugin may change or veto before it is sent."""

    message: Message = attrs.field(repr=False)
    subject: str | None = attrs.field(repr=_checks.masked)
    text: str = attrs.field(repr=_checks.masked)
    html: str | None = attrs.field(repr=_checks.masked)
    vetoed: str | None = None
    """The reason code of a veto, or ``None``."""

    @classmethod
    def of(cls, message: Message) -> MessageDraft:
        """A draft of ``message``."""
        return cls(message=message, subject=message.subject, text=message.text, html=message.html)

    def veto(self, reason: str) -> None:
        """Stop the message; ``reason`` is a code such as ``quiet_period`` (it gets logged)."""
        self.vetoed = _checks.code(reason, field="reason")

    def result(self) -> Message:
        """The message with the draft's changes, checked."""
        subject = _checks.optional_text(self.subject, field="draft.subject", max_length=1000)
        text = _checks.text(
            self.text, field="draft.text", max_length=_checks.MAX_BODY, allow_empty=False,
            multiline=True,
        )
        html = _checks.optional_text(self.html, field="draft.html", max_length=_checks.MAX_BODY)
        return attrs.evolve(self.message, subject=subject, text=text, html=html)


@runtime_checkable
class ChannelAdapter(Protocol):
    """What the application provides to deliver a message (e-mail, SMS, WhatsApp...).

    The library makes no network call: ``send`` is called once per message, last inside the
    transaction that records it; what it returns (the provider's message id) is kept with the
    interaction. If it raises, nothing is recorded and the error reaches the caller as a
    ``PluginError``.
    """

    def send(self, message: Message) -> str | None:
        """Deliver ``message`` to ``message.to``; return the provider's reference, if any."""


@attrs.frozen
class Delivery:
    """The outcome of ``crm.messages.send``: sent (and recorded), or deferred until a time."""

    status: Literal["sent", "deferred"]
    message: Message | None = None
    interaction: Interaction | None = None
    reference: str | None = None
    """What the channel adapter returned (the provider's message id)."""
    not_before: dt.datetime | None = None
    """For a deferred message: the first moment (UTC) in the customer's contact hours."""


_PHONE_SERVICES: Final = frozenset({"whatsapp", "viber", "signal", "imessage", "sms", "phone"})


def recipient_for(customer: Customer, channel: str) -> str:
    """The customer's address on ``channel``: email, phone (E.164), handle, postal address or id.

    A messaging channel uses the handle for that service, or for services addressed by phone
    number (WhatsApp, Viber, Signal, iMessage) the primary phone. A customer with no contact
    point for the channel is a ``RuleViolation``.
    """
    if not isinstance(customer, Customer):
        raise InvalidFormat(f"expected a Customer, got {type(customer).__name__}", field="customer")
    name = _channel(channel)
    if name in ("email", "web_form"):
        email = customer.primary_email
        if email is not None:
            return email.address
    elif name == "letter":
        if customer.addresses:
            return customer.addresses[0].format()
    else:
        for handle in customer.handles:
            if handle.service == name:
                return handle.handle
        phone = customer.primary_phone
        if name in _PHONE_SERVICES and phone is not None:
            return phone.number
        if name in ("in_app", "push", "live_chat", "social", "in_person", "video_call"):
            return customer.id
    raise RuleViolation("the customer has no contact point for this channel", field="channel")


def next_contact_time(customer: Customer, now: dt.datetime) -> dt.datetime:
    """The first moment at or after ``now`` (UTC) inside the customer's contact hours.

    ```pycon
    >>> from globalcrm.demo_data import sample_customers
    >>> jonas = sample_customers()[0]             # Vilnius, weekdays 09:00-18:00
    >>> saturday = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    >>> next_contact_time(jonas, saturday).isoformat()   # Monday 09:00 in Vilnius
    '2026-11-30T07:00:00+00:00'

    ```
    """
    if not isinstance(customer, Customer):
        raise InvalidFormat(f"expected a Customer, got {type(customer).__name__}", field="customer")
    moment = _checks.aware_utc(now, field="now")
    hours = customer.contact_hours
    if hours is None or customer.welcomes_contact(moment):
        return moment
    local = customer.local_time(moment)
    zone = local.tzinfo
    for offset in range(8):
        day = local.date() + dt.timedelta(days=offset)
        start = dt.datetime.combine(day, hours.start, tzinfo=zone)
        # a start inside a summer-time gap resolves to the wall time it becomes
        start = start.astimezone(dt.UTC).astimezone(zone)
        if start > local and hours.allows(start):
            return start.astimezone(dt.UTC)
    raise RuleViolation("the customer's contact hours allow no time", field="contact_hours")


def check_adapter(adapter: object) -> ChannelAdapter:
    """``adapter`` if it has a ``send(message)`` method."""
    if not isinstance(adapter, ChannelAdapter):
        raise InvalidFormat(
            "expected a channel adapter with a send(message) method", field="adapter"
        )
    return adapter


def reference_of(value: object) -> str | None:
    """The adapter's answer kept with the interaction: text up to 200 characters, else nothing."""
    if isinstance(value, str) and value.strip() and len(value) <= 200:
        return value.strip()
    return None

