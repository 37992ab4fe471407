"""``crm.messages``: write messages in each customer's language and manners, and send them.

``render`` writes a template for a customer (``globalcrm.messages.render`` with the CRM's plugins
and stored exchange rates). ``send`` does, in one transaction: check consent for the purpose and
channel (``crm.privacy.can_contact``), check the customer's contact hours (outside them the
message is deferred, with the time it may go), render, let ``globalcrm_before_message`` plugins
change or veto it, hand it to the application's channel adapter, and record the outbound
interaction with the adapter's reference (``crm.interactions.record``);
``globalcrm_after_message`` runs after the commit. A refusal, a veto, a failing plugin or a
failing adapter leaves nothing recorded and nothing sent. Everything that can be checked is
checked before the adapter is called; only the database failing at the very end can leave a
message sent but unrecorded (the library cannot take back what the adapter delivered).
"""

from __future__ import annotations

import builtins
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.exchange_rates import ExchangeRates
from globalcrm.crm.interactions import Interactions
from globalcrm.crm.privacy import Privacy
from globalcrm.customers import Customer
from globalcrm.errors import RuleViolation
from globalcrm.exchange_rates import RateTable
from globalcrm.locale.formality import Formality
from globalcrm.message_delivery import (
    Delivery,
    MessageDraft,
    check_adapter,
    next_contact_time,
    recipient_for,
    reference_of,
)
from globalcrm.messages import SHIPPED_TEMPLATES, Message, MessageTemplate, render, shipped_template
from globalcrm.plugins import guarded

__all__ = ["Messages"]


class Messages:
    """Messages to the customers of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def templates(self) -> builtins.list[str]:
        """The names of the templates the package ships."""
        return list(SHIPPED_TEMPLATES)

    def template(self, name: str) -> MessageTemplate:
        """A shipped template by name (``welcome``, ``order_delayed``...)."""
        return shipped_template(name)

    def render(
        self,
        template: MessageTemplate | str,
        customer: Customer | str,
        *,
        channel: str,
        now: object = None,
        formality: Formality | str | None = None,
        relationship: str | None = None,
        **values: Any,
    ) -> Message:
        """Write ``template`` for ``customer`` (a ``Customer`` or an id) on ``channel``.

        ``values`` are the template's variables (not named like this method's parameters,
        nor like the values the library sets: ``RESERVED_VALUES``). Amounts in another currency
        than the customer's are converted at the stored rate in force at ``now``, with the
        disclosure.
        """
        moment = self._context.now(now)
        person = self._customer(customer)
        rates = ExchangeRates(self._context)
        return render(
            template,
            person,
            channel=channel,
            now=moment,
            values=values,
            formality=formality,
            relationship=relationship,
            plugins=self._context.plugins,
            rates=lambda: _table(rates, moment),
        )

    def send(
        self,
        template: MessageTemplate | str,
        customer: Customer | str,
        *,
        channel: str,
        purpose: str,
        adapter: object,
        now: object = None,
        conversation: str | None = None,
        respect_contact_hours: bool = True,
        formality: Formality | str | None = None,
        relationship: str | None = None,
        **values: Any,
    ) -> Delivery:
        """Send ``template`` to ``customer`` on ``channel`` for ``purpose`` through ``adapter``.

        Raises ``RuleViolation`` when consent does not allow it (with the reason), when the
        customer has no address on the channel, or when a plugin vetoes it. Outside the
        customer's contact hours nothing is sent: the ``Delivery`` is ``deferred`` with
        ``not_before``, the first moment inside them (``respect_contact_hours=False`` sends
        anyway, for a message the customer is waiting for, such as a double opt-in link).
        """
        stamp = self._context.now(now)
        channel_adapter = check_adapter(adapter)
        purpose_key = _checks.text(purpose, field="purpose", max_length=64)
        _checks.flag(respect_contact_hours, field="respect_contact_hours")
        thread = _checks.optional_text(conversation, field="conversation", max_length=200)
        customer_id = customer_id_of(customer)
        with self._context.work() as uow:
            joined = self._context.joined(uow)
            person = uow.customers.get(customer_id)
            decision = Privacy(joined).can_contact(
                person, purpose=purpose_key, channel=channel, at=stamp
            )
            if not decision.allowed:
                raise RuleViolation(
                    f"consent does not allow this message: {decision.reason}", field="purpose"
                )
            if respect_contact_hours and not person.welcomes_contact(stamp):
                return Delivery("deferred", not_before=next_contact_time(person, stamp))
            rates = ExchangeRates(joined)
            message = render(
                template,
                person,
                channel=channel,
                now=stamp,
                values=values,
                formality=formality,
                relationship=relationship,
                plugins=self._context.plugins,
                rates=lambda: _table(rates, stamp),
            )
            message = attrs.evolve(message, to=recipient_for(person, message.channel))
            draft = MessageDraft.of(message)
            for plugin, _ in self._context.plugins.call_each(
                "globalcrm_before_message", draft=draft, customer=person, purpose=purpose_key
            ):
                if draft.vetoed is not None:
                    raise RuleViolation(
                        f"the plugin {plugin!r} vetoed the message ({draft.vetoed})",
                        field="template",
                    )
            final = draft.result()
            with guarded("send", type(channel_adapter).__qualname__):
                answer = channel_adapter.send(final)
            reference = reference_of(answer)
            metadata = {"template": final.template, "purpose": purpose_key}
            if reference is not None:
                metadata["reference"] = reference
            interaction = Interactions(joined).record(
                person,
                channel=final.channel,
                direction="outbound",
                body=final.text,
                subject=final.subject,
                language=final.locale,
                conversation=thread,
                metadata=metadata,
                now=stamp,
            )
            self._context.after_commit(
                uow, "globalcrm_after_message", message=final, interaction=interaction
            )
        return Delivery("sent", message=final, interaction=interaction, reference=reference)

    def _customer(self, customer: Customer | str) -> Customer:
        if isinstance(customer, Customer):
            return customer
        customer_id = customer_id_of(customer)
        with self._context.work(write=False) as uow:
            return uow.customers.get(customer_id)


def _table(rates: ExchangeRates, at: object) -> RateTable:
    return rates.table(at=at)
