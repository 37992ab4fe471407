"""``crm.care``: proactive notices (a delayed order, a tier about to lapse, a survey to ask).

:meth:`Care.plan` picks the customer's first usable channel (a contact point on it, consent for
the purpose on it: ``crm.privacy.can_contact``) and the next good local time
(:func:`globalcrm.proactive.plan_notice`). :meth:`Care.notify` carries the plan out through
``crm.messages.send`` when it is due (plugins' ``globalcrm_before_message`` hooks see it, the
adapter delivers it, the interaction is recorded), or returns it for the application to send at
``send_at``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.messages import Messages
from globalcrm.crm.privacy import Privacy
from globalcrm.customers import Customer
from globalcrm.errors import GlobalCRMError, NotFound, RuleViolation
from globalcrm.message_delivery import Delivery
from globalcrm.proactive import FALLBACK_CHANNELS, NoticePlan, plan_notice

__all__ = ["Care", "Notice"]


@attrs.frozen
class Notice:
    """What :meth:`Care.notify` did: the plan, and the delivery if the message went now."""

    plan: NoticePlan
    delivery: Delivery | None = None

    @property
    def status(self) -> str:
        """``sent``, ``deferred`` (send at ``plan.send_at``) or ``unreachable`` (no channel)."""
        if not self.plan.sendable:
            return "unreachable"
        if self.delivery is not None and self.delivery.status == "sent":
            return "sent"
        return "deferred"


class Care:
    """Proactive care for the customers of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def plan(
        self,
        customer: Customer | str,
        *,
        event: str,
        purpose: str,
        template: str | None = None,
        now: dt.datetime | None = None,
    ) -> NoticePlan:
        """Where and when to tell the customer about ``event`` for ``purpose`` (nothing sent)."""
        moment = self._context.now(now)
        purpose_key = _checks.text(purpose, field="purpose", max_length=64)
        customer_id = customer_id_of(customer)
        with self._context.work(write=False) as uow:
            person = uow.customers.get(customer_id)
            privacy = Privacy(self._context.joined(uow))
            allowed: dict[str, tuple[bool, str]] = {}
            for channel in dict.fromkeys((*person.preferred_channels, *FALLBACK_CHANNELS)):
                try:
                    decision = privacy.can_contact(
                        person, purpose=purpose_key, channel=channel, at=moment
                    )
                except NotFound:
                    raise
                except GlobalCRMError as error:  # a channel the purpose cannot use
                    allowed[channel] = (False, error.code)
                    continue
                allowed[channel] = (decision.allowed, decision.reason)
        return plan_notice(person, event=event, allowed=allowed, now=moment, template=template)

    def notify(
        self,
        customer: Customer | str,
        *,
        event: str,
        purpose: str,
        adapter: object,
        template: str | None = None,
        now: dt.datetime | None = None,
        **values: Any,
    ) -> Notice:
        """Tell the customer about ``event`` now if it is a good time, else return the plan.

        ``values`` are the template's variables (``order``, ``expected``, ``brand``...). A
        customer with no usable channel gets nothing (status ``unreachable``).
        """
        moment = self._context.now(now)
        plan = self.plan(customer, event=event, purpose=purpose, template=template, now=moment)
        if plan.channel is None or not plan.due(moment):
            return Notice(plan)
        if plan.template is None:
            raise RuleViolation("this event has no shipped template: name one", field="template")
        delivery = Messages(self._context).send(
            plan.template, plan.customer_id, channel=plan.channel, purpose=purpose,
            adapter=adapter, now=moment, **values,
        )
        return Notice(plan, delivery)
