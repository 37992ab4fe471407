"""The points ledger: append-only entries, lots with expiry dates, and member accounts.

**The ledger.** Entries are appended, never changed: ``earn``, ``redeem``, ``expire``, ``adjust``
and ``reverse``. Every entry that adds points opens a *lot* holding them, which expires at the
end of the day ``expire_after_days`` after it was earned (program time zone). Anything that takes
points (a redemption, a negative adjustment, a reversal, expiry) takes them from lots, those
expiring soonest first (lots that never expire last, then oldest first), and records which lots
it took them from. The balance is the sum of the entries; the stored balance and each lot's
unused points are caches that ``crm.loyalty.verify()`` checks against the entries.

**Reversals** (a refund reverses its earn; a cancelled order its redemption). Reversing an
entry that added points takes back what is left of them: the unused points of the lot it
opened. *The balance never goes negative*, and nothing is taken from the member's other points:
what was already spent or has expired is recorded as the reversal's ``shortfall`` (so that the
shop can, say, deduct spent points from the refund). Reversing an entry that took points gives
them back to the lots they came from; points whose lot has expired since are not given back
(they would have expired anyway) and are recorded as the shortfall. An entry may be reversed in
parts, never by more than it moved; an ``expire`` or ``reverse`` entry cannot be reversed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm import money as _money
from globalcrm.errors import InvalidFormat, InvalidInput
from globalcrm.identifiers import check_id
from globalcrm.interactions import CHANNELS
from globalcrm.money import Money

__all__ = [
    "ENTRY_KINDS",
    "MAX_POINTS",
    "Account",
    "Lot",
    "PointsEntry",
    "Posting",
    "balance_of",
    "check_idempotency_key",
    "check_reference",
    "consume",
    "points",
]

ENTRY_KINDS = ("earn", "redeem", "expire", "adjust", "reverse")
"""The kinds of ledger entry."""
MAX_POINTS = 10**12
"""No entry moves this many points or more."""


def points(value: object, *, field: str = "points", allow_negative: bool = False) -> int:
    """A whole, non-zero number of points below :data:`MAX_POINTS` (negative only if allowed)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidFormat("expected a whole number of points", field=field)
    if value == 0:
        raise InvalidInput("must not be zero", field=field)
    if value < 0 and not allow_negative:
        raise InvalidInput("must be positive", field=field)
    if abs(value) >= MAX_POINTS:
        raise InvalidInput(f"must be below {MAX_POINTS:,} points", field=field)
    return value


@attrs.frozen(kw_only=True)
class Account:
    """A member's account in one program: the cached balance and the current tier."""

    id: str
    customer_id: str
    program: str
    balance: int
    """The stored balance: the sum of the account's entries (checked by ``verify``)."""
    tier: str | None
    tier_since: dt.datetime | None
    enrolled_at: dt.datetime
    version: int
    tenant: str = "default"


def _kind(value: object) -> str:
    return _checks.choice(value, ENTRY_KINDS, field="kind", what="entry kind")


@attrs.frozen(kw_only=True)
class PointsEntry:
    """One ledger entry. Positive ``points`` open a lot that expires at ``expires_at``.

    ``reference`` ties it to what caused it (an order number); ``reverses`` names the entry a
    reversal undoes; ``shortfall`` is what a reversal could not move (see the module docs);
    ``qualifying`` is what the entry counts toward tiers (points) and ``spend`` its amount in
    the program's currency. ``reason`` (of adjustments) is free text and never shown in a repr.
    """

    id: str
    account_id: str
    kind: str = attrs.field(converter=_kind)
    points: int
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    expires_at: dt.datetime | None = None
    reference: str | None = attrs.field(default=None, repr=_checks.masked)
    idempotency_key: str | None = attrs.field(default=None, repr=False)
    reverses: str | None = None
    reason: str | None = attrs.field(default=None, repr=_checks.masked)
    channel: str | None = None
    amount: Money | None = attrs.field(default=None, repr=False)
    spend: Money | None = attrs.field(default=None, repr=False)
    qualifying: int = 0
    shortfall: int = 0
    detail: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    tenant: str = "default"


@attrs.frozen
class Lot:
    """Points added by one entry and not yet used: they go soonest-expiring first."""

    entry_id: str
    points: int
    remaining: int
    occurred_at: dt.datetime
    expires_at: dt.datetime | None

    def order(self) -> tuple[bool, dt.datetime, str]:
        """The order lots are used in: soonest-expiring first, never-expiring last.

        Lots that expire together (or never) go in the order they were recorded (ids sort by
        time).
        """
        return (self.expires_at is None, self.expires_at or self.occurred_at, self.entry_id)


def consume(lots: Iterable[Lot], wanted: int) -> list[tuple[str, int]]:
    """Which lots ``wanted`` points come from, and how many from each, in the order used.

    Soonest-expiring first (:meth:`Lot.order`). Takes what there is when the lots hold less
    than ``wanted``: the caller decides whether that is allowed.

    ```pycon
    >>> import datetime as dt
    >>> day = lambda d: dt.datetime(2026, 1, d, tzinfo=dt.UTC)
    >>> lots = [Lot("A", 100, 100, day(1), day(30)), Lot("B", 50, 20, day(2), day(10)),
    ...         Lot("C", 70, 70, day(3), None)]
    >>> consume(lots, 150)
    [('B', 20), ('A', 100), ('C', 30)]

    ```
    """
    taken: list[tuple[str, int]] = []
    left = wanted
    for lot in sorted((lot for lot in lots if lot.remaining > 0), key=Lot.order):
        if left <= 0:
            break
        take = min(lot.remaining, left)
        taken.append((lot.entry_id, take))
        left -= take
    return taken


def _reference(value: object) -> str | None:
    return _checks.optional_text(value, field="reference", max_length=200)


def _idempotency_key(value: object) -> str | None:
    return _checks.optional_text(value, field="idempotency_key", max_length=200)


def _check_account(value: object, *, field: str) -> str:
    return check_id(value, field=field)


_remembered_account = _checks.remembered(_check_account)


def _account_id(value: object) -> str:
    return _remembered_account(value, field="account")


def _occurred(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="occurred_at")


_GOOD_AMOUNTS: dict[tuple[str, str], None] = {}
"""Amounts (as text, with their currency code) already found good: prices repeat in a batch."""


def _amount(value: object) -> Money:
    if type(value) is Money:
        key = (str(value.amount), getattr(value.currency, "code", ""))
        if key in _GOOD_AMOUNTS:
            return value
    else:
        key = None
    number, code = _money.checked_money(value, "amount")
    if number <= 0:
        raise InvalidInput("an earn needs a positive amount", field="amount")
    checked = Money(number, _money.moneyed_currency(code))
    if key is not None and key == (str(checked.amount), code):
        if len(_GOOD_AMOUNTS) > 65_536:
            _GOOD_AMOUNTS.clear()
        _GOOD_AMOUNTS[key] = None
    return checked


def _posting_channel(value: object) -> str:
    return _checks.choice(value, CHANNELS, field="channel", what="channel")


@attrs.frozen(kw_only=True)
class Posting:
    """One earn for ``crm.loyalty.post_many``: the same fields ``crm.loyalty.earn`` takes."""

    account: str = attrs.field(converter=_account_id)
    amount: Money = attrs.field(converter=_amount)
    channel: str = attrs.field(converter=_posting_channel)
    occurred_at: dt.datetime | None = attrs.field(default=None, converter=_occurred)
    reference: str | None = attrs.field(default=None, converter=_reference, repr=_checks.masked)
    idempotency_key: str | None = attrs.field(default=None, converter=_idempotency_key)

    @classmethod
    def of(cls, value: object) -> Posting:
        """A posting from a ``Posting`` or a mapping of its fields."""
        if isinstance(value, Posting):
            return value
        if type(value) is dict and _REQUIRED <= value.keys() <= _FIELDS:
            return cls(**value)  # the common case, without from_mapping's key-by-key report
        if isinstance(value, Mapping):
            return _checks.from_mapping(cls, value)
        raise InvalidFormat(f"expected a Posting or a mapping, got {type(value).__name__}")


_FIELDS = frozenset(field.name for field in attrs.fields(Posting))
_REQUIRED = frozenset(f.name for f in attrs.fields(Posting) if f.default is attrs.NOTHING)


def check_reference(value: object) -> str | None:
    """A reference (order number...) as stored: trimmed text of at most 200 characters."""
    return _reference(value)


def check_idempotency_key(value: object) -> str | None:
    """An idempotency key as stored: trimmed text of at most 200 characters."""
    return _idempotency_key(value)


def balance_of(entries: Sequence[PointsEntry]) -> int:
    """The balance a ledger's entries add up to."""
    return sum(entry.points for entry in entries)
