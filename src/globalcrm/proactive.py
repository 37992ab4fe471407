"""Proactive notices: when something needs telling, on which channel and at what time.

An event that needs telling (an order running late, a loyalty tier about to lapse, a survey to
ask) is planned per customer: the first of their preferred channels that is *usable* (they have
a contact point on it and consent allows the purpose on it), then the usual written channels,
and the next good moment in their own zone (:func:`globalcrm.support.best_contact_time`: inside
their contact hours, by day, not on a public holiday of their country). ``crm.care`` turns the
plan into a message through ``crm.messages.send`` (and its ``globalcrm_before_message`` hooks).

Pure: consent decisions and the time are arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

import attrs

from globalcrm import _checks
from globalcrm.customers import Customer
from globalcrm.errors import GlobalCRMError, InvalidFormat
from globalcrm.message_delivery import recipient_for
from globalcrm.messages import SHIPPED_TEMPLATES
from globalcrm.support import best_contact_time

__all__ = ["EVENTS", "EVENT_TEMPLATES", "FALLBACK_CHANNELS", "NoticePlan", "plan_notice"]

EVENT_TEMPLATES: Final = {
    "order_delayed": "order_delayed",
    "tier_upgrade": "tier_upgrade",
    "tier_lapsing": None,
    "survey": "survey_invitation",
}
"""The shipped template of each event (``None``: the application names its own)."""
EVENTS: Final = tuple(EVENT_TEMPLATES)
FALLBACK_CHANNELS: Final = ("email", "sms", "whatsapp", "letter")
"""Tried after the customer's preferred channels, in this order: those that need a contact
point. An app channel (``push``, ``in_app``) is tried only when the customer prefers it: the
library cannot know whether they installed the app."""


@attrs.frozen(kw_only=True)
class NoticePlan:
    """Where and when to tell a customer about an event, and why other channels were passed.

    ``channel`` is ``None`` when no channel is usable (nothing may be sent); ``skipped`` lists
    ``(channel, reason)`` for every channel tried before it.
    """

    customer_id: str
    event: str
    template: str | None
    channel: str | None
    send_at: dt.datetime | None
    """The first good moment in the customer's zone (UTC); ``now`` if it is good already."""
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def sendable(self) -> bool:
        """Whether a channel was found."""
        return self.channel is not None

    def due(self, now: dt.datetime) -> bool:
        """Whether the plan may be carried out at ``now``."""
        moment = _checks.aware_utc(now, field="now")
        return self.send_at is not None and self.send_at <= moment


def _event(value: object) -> str:
    return _checks.choice(value, EVENTS, field="event", what="event")


def plan_notice(
    customer: Customer,
    *,
    event: str,
    allowed: Mapping[str, tuple[bool, str]],
    now: dt.datetime,
    template: str | None = None,
) -> NoticePlan:
    """Plan telling ``customer`` about ``event``: the channel and the moment.

    ``allowed`` maps each channel consent was asked about to ``(allowed, reason)``; a channel
    missing from it counts as not allowed. ``template`` overrides the event's shipped one.

    ```pycon
    >>> import datetime as dt
    >>> from globalcrm.demo_data import sample_customers
    >>> jonas = sample_customers()[0]   # Vilnius; WhatsApp, then e-mail; weekdays 09:00-18:00
    >>> plan = plan_notice(jonas, event="order_delayed",
    ...     allowed={"whatsapp": (False, "withdrawn"), "email": (True, "given")},
    ...     now=dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC))   # a Saturday
    >>> plan.channel, plan.template, plan.send_at.isoformat()
    ('email', 'order_delayed', '2026-11-30T07:00:00+00:00')
    >>> plan.skipped
    (('whatsapp', 'consent: withdrawn'),)

    ```
    """
    if not isinstance(customer, Customer):
        raise InvalidFormat(f"expected a Customer, got {type(customer).__name__}", field="customer")
    name = _event(event)
    moment = _checks.aware_utc(now, field="now")
    chosen_template = EVENT_TEMPLATES[name] if template is None else _checks.text(
        template, field="template", max_length=200
    )
    if not isinstance(allowed, Mapping):
        raise InvalidFormat("expected a mapping of channel to (allowed, reason)", field="allowed")
    skipped: list[tuple[str, str]] = []
    channel = None
    for candidate in dict.fromkeys((*customer.preferred_channels, *FALLBACK_CHANNELS)):
        try:
            recipient_for(customer, candidate)
        except GlobalCRMError:
            skipped.append((candidate, "no contact point on this channel"))
            continue
        verdict, reason = allowed.get(candidate, (False, "consent not asked"))
        if not verdict:
            skipped.append((candidate, f"consent: {reason}"))
            continue
        channel = candidate
        break
    send_at = None
    if channel is not None:
        send_at = best_contact_time(
            customer.contact_hours, time_zone=customer.time_zone, country=customer.country,
            after=moment,
        ).astimezone(dt.UTC)
    return NoticePlan(
        customer_id=customer.id, event=name, template=chosen_template, channel=channel,
        send_at=send_at, skipped=tuple(skipped),
    )


def shipped(template: str | None) -> bool:
    """Whether ``template`` is one the package ships."""
    return template in SHIPPED_TEMPLATES
