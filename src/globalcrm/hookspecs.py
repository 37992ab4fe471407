"""Hook specifications: what a globalcrm plugin may answer or observe (pluggy, in pytest's style).

A plugin is any object or module with functions named after these hooks and marked with
``globalcrm.plugins.hookimpl``. Register it with ``crm.plugins.register(obj)``, or publish it under
the ``globalcrm.plugins`` entry-point group and every ``gc.open()`` loads it. An implementation
takes any subset of a hook's arguments, by name; every argument is passed by keyword.

Three kinds of hook:

* **Answers** (``firstresult``): the first plugin that returns something other than ``None``
  wins (``globalcrm_greeting``, ``globalcrm_salutation``, ``globalcrm_recommend``).
* **Contributions**: every plugin's answer is used (``globalcrm_message_values``).
* **Observers** of writes (``globalcrm_customer_created`` ...): called after the transaction
  commits, never inside it, so a plugin can neither see a change that is later rolled back nor
  leave a half-written one. ``globalcrm_before_message`` is the one hook that runs inside a
  transaction, because it may change or veto the message before anything is stored or sent.

A hook that raises becomes a ``PluginError`` naming the hook and the plugin
(``globalcrm.plugins``). Arguments are the library's own objects: read them, do not change them
(``globalcrm_before_message``'s ``draft`` is the exception, made to be changed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from globalcrm.customers import Customer
    from globalcrm.interactions import Interaction
    from globalcrm.locale.formality import Formality
    from globalcrm.message_delivery import MessageDraft
    from globalcrm.messages import Message

__all__ = [
    "PROJECT",
    "globalcrm_after_message",
    "globalcrm_before_message",
    "globalcrm_case_closed",
    "globalcrm_consent_changed",
    "globalcrm_customer_created",
    "globalcrm_customer_deleted",
    "globalcrm_customer_erased",
    "globalcrm_customer_updated",
    "globalcrm_greeting",
    "globalcrm_message_values",
    "globalcrm_recommend",
    "globalcrm_retention_notice",
    "globalcrm_salutation",
    "globalcrm_tier_changed",
    "hookspec",
]

PROJECT = "globalcrm"
"""The pluggy project name: hook names start with ``globalcrm_``."""

hookspec = pluggy.HookspecMarker(PROJECT)


# ------------------------------------------------------------------- addressing the customer


@hookspec(firstresult=True)
def globalcrm_greeting(
    customer: Customer, locale: str, channel: str, formality: Formality, now: dt.datetime
) -> str | None:
    """Return the opening word of a message's salutation (``Hyvää joulua``), or ``None``.

    Used where the locale's style has a free opening word at that formality
    (``globalcrm.locale.salutations.GREETING_STYLES``: English ``Dear``, Finnish ``Hei``,
    Spanish ``Hola``...); elsewhere the style's own formula stands and the answer is not used.

    Args:
        customer: who the message is for.
        locale: the language the message is written in (a BCP 47 tag).
        channel: a value of ``globalcrm.interactions.CHANNELS``.
        formality: the register decided for this customer and channel.
        now: when the message is written (aware, UTC): for greetings of the season or hour.

    Stops at the first non-``None`` result.
    """


@hookspec(firstresult=True)
def globalcrm_salutation(
    customer: Customer, locale: str, channel: str, formality: Formality
) -> str | None:
    """Return the whole opening line of a message to ``customer``, or ``None`` to keep the default.

    The default is ``globalcrm.locale.salutation`` with the customer's names, gender and
    register. The answer is used as given: write it in ``locale``, with its punctuation.

    Stops at the first non-``None`` result.
    """


@hookspec
def globalcrm_message_values(
    template: str, customer: Customer, locale: str, channel: str
) -> Mapping[str, Any] | None:
    """Return values every rendering of ``template`` may use (a brand, a sender, a footer).

    Every plugin's mapping is merged under the caller's values: a value the caller passes to
    ``crm.messages.render`` wins. Names the library sets itself (``salutation``, ``closing``,
    ``name``...) cannot be given.
    """


@hookspec
def globalcrm_before_message(draft: MessageDraft, customer: Customer, purpose: str) -> None:
    """Change or veto a message about to be sent; runs inside the send's transaction.

    Change ``draft.subject``, ``draft.text`` or ``draft.html`` (an unsubscribe footer, a
    tracking-free link), or call ``draft.veto("code")`` to stop it: the send then raises
    ``RuleViolation`` and nothing is sent or recorded. Raising also stops it, as a
    ``PluginError``. Later plugins see the earlier plugins' changes.
    """


@hookspec
def globalcrm_after_message(message: Message, interaction: Interaction, tenant: str) -> None:
    """Observe a message that was sent and recorded, after the transaction committed."""


# --------------------------------------------------------------------------- recommendations


@hookspec(firstresult=True)
def globalcrm_recommend(
    customer: Customer, recommendations: Sequence[Any], limit: int
) -> Sequence[Any] | None:
    """Replace or re-rank the recommendations for ``customer``; ``None`` keeps them.

    ``recommendations`` are the library's own, best first, already without what conflicts with
    the customer's dietary and cultural needs and allergens. Return at most ``limit`` items; a
    plugin that adds items of its own is responsible for those needs.

    Stops at the first non-``None`` result.
    """


# ------------------------------------------------------------------- lifecycle (after commit)


@hookspec
def globalcrm_customer_created(customer: Customer, tenant: str) -> None:
    """Observe a customer that was stored (``crm.customers.add``), after the commit."""


@hookspec
def globalcrm_customer_updated(customer: Customer, fields: tuple[str, ...], tenant: str) -> None:
    """Observe a change of ``fields`` of a customer (``crm.customers.update``), after the commit."""


@hookspec
def globalcrm_customer_deleted(customer_id: str, tenant: str) -> None:
    """Observe that a customer and their interactions were deleted, after the commit."""


@hookspec
def globalcrm_customer_erased(subject_ref: str, tenant: str) -> None:
    """Observe the erasure of a data subject (right to erasure), after the commit.

    Only the reference is passed: the personal data is gone. Erase what the plugin itself
    keeps about ``subject_ref``.
    """


@hookspec
def globalcrm_consent_changed(
    subject_ref: str, purpose: str, channel: str, state: str, tenant: str
) -> None:
    """Observe a consent event that changed what may be done (given, withdrawn, expired)."""


@hookspec
def globalcrm_retention_notice(
    customer_id: str, policy: str, due_at: dt.datetime, tenant: str
) -> None:
    """Send a pre-erasure notice: ``policy`` will act on the customer from ``due_at`` (UTC).

    Called after the retention sweep recorded the notice and committed (India's DPDP Rules ask
    for 48 hours' notice before erasing an inactive account's data); the sweep does not act on
    the customer before ``due_at``. Deliver it with the plugin's own channel.
    """


@hookspec
def globalcrm_tier_changed(
    customer_id: str,
    program: str,
    previous: str | None,
    current: str,
    at: dt.datetime,
    tenant: str,
) -> None:
    """Observe a loyalty tier change (``previous`` is ``None`` on joining), after the commit."""


@hookspec
def globalcrm_case_closed(case_id: str, customer_id: str, at: dt.datetime, tenant: str) -> None:
    """Observe a service case that was closed (for a satisfaction survey), after the commit."""
