"""``crm.interactions``: record contacts on any channel; read them as timelines and threads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from globalcrm import _checks
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, NotFound, translate_errors
from globalcrm.identifiers import check_id
from globalcrm.interactions import Interaction
from globalcrm.pagination import Page, check_limit, decode_cursor, encode_cursor

__all__ = ["Interactions"]


class Interactions:
    """The interactions of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def record(
        self,
        customer: Customer | str,
        *,
        channel: str,
        direction: str,
        body: str = "",
        occurred_at: dt.datetime | None = None,
        conversation: str | None = None,
        subject: str | None = None,
        language: str | None = None,
        agent: str | None = None,
        outcome: str | None = None,
        sentiment: float | None = None,
        metadata: dict[str, Any] | None = None,
        now: dt.datetime | None = None,
    ) -> Interaction:
        """Record one contact with a customer (a ``Customer`` or its id); returns it stored.

        ``occurred_at`` (aware) defaults to ``now`` (the current time unless given); an
        interaction is recorded when it has happened, so a time more than five minutes ahead of
        ``now`` is refused (``_checks.MAX_CLOCK_SKEW``).
        Give the same ``conversation`` to a WhatsApp message, the email reply and the call about
        one matter, and :meth:`conversation` returns them as one thread.
        """
        now = self._context.now(now)
        when = now if occurred_at is None else occurred_at
        interaction = Interaction(
            customer_id=customer_id_of(customer),
            channel=channel,
            direction=direction,
            body=body,
            occurred_at=_checks.event_time(when, field="occurred_at", now=now),
            conversation=conversation,
            subject=subject,
            language=language,
            agent=agent,
            outcome=outcome,
            sentiment=sentiment,
            metadata={} if metadata is None else metadata,
            tenant=self._context.tenant,
        )
        with self._context.work() as uow:
            if not uow.customers.exists(interaction.customer_id):
                raise NotFound("no customer with this id", field="customer_id")
            uow.interactions.add(interaction)
        return interaction

    def get(self, interaction_id: str) -> Interaction:
        """The interaction with this id."""
        interaction_id = check_id(interaction_id, field="interaction_id")
        with self._context.work(write=False) as uow:
            return uow.interactions.get(interaction_id)

    def timeline(
        self,
        customer: Customer | str,
        *,
        after: str | None = None,
        limit: int = 50,
        newest_first: bool = True,
    ) -> Page[Interaction]:
        """A customer's interactions across channels, newest first by default, a page at a time."""
        customer_id = customer_id_of(customer)
        limit = check_limit(limit)
        _checks.flag(newest_first, field="newest_first")
        position = _position(after)
        with self._context.work(write=False) as uow:
            if not uow.customers.exists(customer_id):
                raise NotFound("no customer with this id", field="customer_id")
            items = uow.interactions.timeline(
                customer_id, after=position, limit=limit + 1, newest_first=newest_first
            )
        return _page(items, limit)

    def conversation(
        self, conversation: str, *, after: str | None = None, limit: int = 200
    ) -> Page[Interaction]:
        """One conversation across every channel, oldest first (ties in time broken by id)."""
        key = _checks.text(conversation, field="conversation", max_length=200)
        limit = check_limit(limit)
        position = _position(after)
        with self._context.work(write=False) as uow:
            items = uow.interactions.conversation(key, after=position, limit=limit + 1)
        return _page(items, limit)


def _position(after: str | None) -> tuple[dt.datetime, str] | None:
    if after is None:
        return None
    moment, last_id = decode_cursor(after, 2)
    with translate_errors(
        ValueError, InvalidFormat, "not a cursor returned by this library", field="after"
    ):
        return dt.datetime.fromisoformat(moment), last_id


def _page(items: list[Interaction], limit: int) -> Page[Interaction]:
    if len(items) > limit:
        last = items[limit - 1]
        return Page(items[:limit], encode_cursor(last.occurred_at.isoformat(), last.id))
    return Page(items, None)
