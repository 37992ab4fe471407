"""``crm.customers.merge``: two records of one person become one, in one transaction.

The kept customer takes what the other adds (``globalcrm.customers.merged_fields``); every row
that names the other as its customer (interactions, purchases, cases, payments, loyalty
accounts, and any table added later with ``tenant`` and ``customer_id``) moves to the kept one,
and where both are members of one loyalty program the two accounts become one (the ledger's
entries, lots and qualifying history together: ``_loyalty_ledger.combine_members``);
consent decisions are carried through the ledger; the other id leads to the kept one from then
on (``crm.customers.get(old_id)`` returns the kept customer); an audit entry says what moved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from globalcrm.crm import consent_records
from globalcrm.crm._context import Context
from globalcrm.crm._loyalty_ledger import combine_members
from globalcrm.crm.audit import record_audit
from globalcrm.customers import Customer, merged_fields
from globalcrm.errors import Conflict, InvalidInput
from globalcrm.privacy.events import GRANTS
from globalcrm.storage.unit_of_work import UnitOfWork, storage_errors

__all__ = ["merge"]


def merge(context: Context, keep_id: str, other_id: str, stamp: dt.datetime) -> Customer:
    """Merge the customer ``other_id`` into ``keep_id``; the kept customer as stored."""
    with context.work() as uow:
        keep = uow.customers.get(keep_id, for_update=True)
        other = uow.customers.get(other_id, for_update=True)
        if keep.id == other.id:
            raise InvalidInput("these are already the same customer", field="other")
        changes = merged_fields(keep, other)
        loyalty = combine_members(uow, keep.id, other.id, stamp)
        moved = _move_rows(uow, other.id, keep.id)
        carried, left = _carry_consent(uow, context, keep, other, stamp)
        uow.customers.drop(other)  # its row and search keys; its ledger stays, ended
        for field, value in changes.items():
            setattr(keep, field, value)
        keep.updated_at = stamp
        with storage_errors():
            uow.customers.flush()
        uow.customers.refresh_keys(keep)
        uow.customers.add_redirect(other.id, keep.id, at=stamp)
        record_audit(
            uow, context, "customer.merged", "customer", keep.id, keep.id,
            {"merged": other.id, "fields": sorted(changes), "moved": moved,
             "consents_carried": carried, "consents_not_carried": left,
             **({"loyalty_combined": loyalty} if loyalty else {})},
        )
        uow.customers.detach(keep)
        context.after_commit(  # hook
            uow, "globalcrm_customer_updated", customer=keep, fields=tuple(sorted(changes))
        )
        return keep


def _move_rows(uow: UnitOfWork, old_id: str, new_id: str) -> dict[str, int]:
    try:
        with storage_errors():
            return uow.customers.move_rows(old_id, new_id)
    except Conflict as clash:
        raise Conflict(
            "the two customers hold records that cannot be combined "
            f"({clash.constraint or 'a unique key'}); settle those first",
            field="other",
        ) from None


def _carry_consent(
    uow: UnitOfWork, context: Context, keep: Customer, other: Customer, stamp: dt.datetime
) -> tuple[int, int]:
    """Carry the other's consent decisions to the kept customer, then end the other's grants.

    A decision is carried when the kept customer has none for the same purpose and channel:
    the kept customer's own decisions stand. A decision tied to one of the other's contact
    points is not carried (it named an address the merge may not keep as it was): the customer
    is asked again. Every grant of the other is then ended (``invalidated``), so that its id is
    in no audience; its ledger stays, verifiable, under its own key.
    """
    mine = {(status.purpose_key, status.channel) for status, _ in uow.consent.states(keep.id)}
    carried = left = 0
    theirs = uow.consent.states(other.id)
    for status, _ in theirs:
        if status.contact_point_ref is not None:
            left += 1
            continue
        if (status.purpose_key, status.channel) in mine:
            continue
        decided = uow.consent.event(status.event_id)
        details: dict[str, Any] = {
            "consent_type": status.consent_type,
            "actor_kind": status.actor_kind,
            "age_assurance": status.age_assurance,
        }
        if status.valid_until is not None:
            details["valid_until"] = status.valid_until
        if status.confirmed_at is not None:
            details["confirmed_at"] = status.confirmed_at
        consent_records.record(
            uow, context, keep, purpose=status.purpose_key, channel=status.channel,
            state=status.state, now=stamp, occurred_at=None,
            purpose_version=status.purpose_version, notice_id=decided.notice_version_id,
            evidence={"merged_from": other.id, "event_id": status.event_id},
            details=details,
        )
        carried += 1
    for status, _ in theirs:
        if status.state in GRANTS:
            consent_records.record(
                uow, context, other, purpose=status.purpose_key, channel=status.channel,
                state="invalidated", now=stamp, occurred_at=None,
                purpose_version=status.purpose_version, notice_id=None,
                evidence={"merged_into": keep.id},
                details={} if status.contact_point_ref is None
                else {"contact_point_ref": _clear_ref(uow, context, other, status)},
            )
    return carried, left


def _clear_ref(uow: UnitOfWork, context: Context, other: Customer, status: Any) -> str | None:
    """The contact point a status names, in clear (the event's sealed value, opened)."""
    [event] = consent_records.opened(uow, context, [uow.consent.event(status.event_id)])
    return event.contact_point_ref
