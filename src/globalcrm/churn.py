"""Churn risk: a score per customer from recency, frequency and value, with its reasons.

The score (0-100) adds the points of each warning sign found, so every point has a reason a
person can check and act on (RFM analysis: recency, frequency, monetary value, A. M. Hughes,
*Strategic Database Marketing*, 1994; negative feedback as an early sign, Reichheld 2003):

==================  ======  ==========================================================
``overdue``         50      no purchase for more than twice the customer's usual gap
                            between purchases (the window, for a single purchase)
``fewer_purchases`` 20      at most half as many purchases in the last window as in
                            the one before (and at least two before)
``lower_spend``     15      at most half the spend (net of refunds, in the customer's
                            currency) in the last window of the one before
``negative``        15 per  each negative survey answer in the last window (CSAT 1-2,
                    answer  NPS 0-6, CES 1-3), at most two counted
``inactive``        10      a past buyer with neither a purchase nor an inbound contact
                            in the last window
==================  ======  ==========================================================

A customer at or above :data:`AT_RISK` (50) is *at risk*: overdue alone is enough, the
other signs take two or more. The score is capped at 100. The window is 90 days by default.
:func:`activity_of` works out a customer's :class:`Activity` from their events in plain Python;
:mod:`globalcrm.storage.churn_sql` gets the same from the database (a test proves they agree).
The weights were chosen on the synthetic population of ``tests/unit/test_churn.py`` (precision
and recall in ``docs/guide/churn.md``): they are a starting point, not a fitted model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Final

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput
from globalcrm.identifiers import check_id
from globalcrm.surveys import is_negative

__all__ = [
    "AT_RISK",
    "DEFAULT_WINDOW",
    "POINTS",
    "Activity",
    "ChurnRisk",
    "Reason",
    "activity_of",
    "at_risk",
    "score",
]

AT_RISK: Final = 50
"""The score from which a customer is listed as at risk."""
DEFAULT_WINDOW: Final = dt.timedelta(days=90)
POINTS: Final = {
    "overdue": 50,
    "fewer_purchases": 20,
    "lower_spend": 15,
    "negative": 15,
    "inactive": 10,
}
"""The points of each warning sign (``negative``: per answer, two at most)."""
_MAX_NEGATIVE: Final = 2


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidFormat("expected a whole number, zero or more")
    return value


def _optional_time(value: object) -> dt.datetime | None:
    return None if value is None else _checks.aware_utc(value, field="")


def _customer(value: object) -> str:
    return check_id(value, field="customer_id")


@attrs.frozen(kw_only=True)
class Activity:
    """What churn risk reads of one customer, as of ``now`` over a ``window``.

    Purchases count when completed or partially refunded (not cancelled nor fully refunded);
    values are net of refunds in minor units of the customer's currency; an inbound
    interaction is a contact; only negative survey answers in the last window count.
    """

    customer_id: str = attrs.field(converter=_customer)
    purchases: int = attrs.field(default=0, converter=_count)
    first_purchase_at: dt.datetime | None = attrs.field(default=None, converter=_optional_time)
    last_purchase_at: dt.datetime | None = attrs.field(default=None, converter=_optional_time)
    recent_purchases: int = attrs.field(default=0, converter=_count)
    earlier_purchases: int = attrs.field(default=0, converter=_count)
    recent_value: int = attrs.field(default=0, converter=_count)
    earlier_value: int = attrs.field(default=0, converter=_count)
    last_contact_at: dt.datetime | None = attrs.field(default=None, converter=_optional_time)
    negative_answers: int = attrs.field(default=0, converter=_count)


@attrs.frozen
class Reason:
    """One warning sign: its code, its points and a sentence with the numbers behind it."""

    code: str
    points: int
    detail: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict."""
        return {"code": self.code, "points": self.points, "detail": self.detail}


@attrs.frozen
class ChurnRisk:
    """A customer's churn risk: the score (0-100) and the reasons that add up to it."""

    customer_id: str
    score: int
    reasons: tuple[Reason, ...]

    @property
    def at_risk(self) -> bool:
        """Whether the score reaches :data:`AT_RISK`."""
        return self.score >= AT_RISK

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict (``globalcrm metrics at-risk --format json`` prints these)."""
        return {"customer_id": self.customer_id, "score": self.score,
                "reasons": [reason.to_json() for reason in self.reasons]}


def _window(value: object) -> dt.timedelta:
    if not isinstance(value, dt.timedelta) or value < dt.timedelta(days=1):
        raise InvalidFormat("expected a timedelta of at least one day", field="window")
    return value


def score(activity: Activity, *, now: dt.datetime,
          window: dt.timedelta = DEFAULT_WINDOW) -> ChurnRisk:
    """The churn risk of ``activity`` at ``now``.

    ```pycon
    >>> import datetime as dt
    >>> now = dt.datetime(2026, 12, 3, tzinfo=dt.UTC)
    >>> risk = score(Activity(customer_id="01JD0000000000000000000000", purchases=9,
    ...     first_purchase_at=now - dt.timedelta(days=300),
    ...     last_purchase_at=now - dt.timedelta(days=100), earlier_purchases=3,
    ...     earlier_value=9000, negative_answers=1), now=now)
    >>> risk.score, [reason.code for reason in risk.reasons]
    (100, ['overdue', 'fewer_purchases', 'lower_spend', 'negative', 'inactive'])
    >>> risk.reasons[0].detail
    'no purchase for 100 days; usually every 25 days'

    ```
    """
    if not isinstance(activity, Activity):
        raise InvalidFormat(f"expected an Activity, got {type(activity).__name__}",
                            field="activity")
    moment = _checks.aware_utc(now, field="now")
    span = _window(window)
    days = span.days
    reasons: list[Reason] = []
    last, first = activity.last_purchase_at, activity.first_purchase_at
    if last is not None and first is not None and activity.purchases:
        if last > moment or first > last:
            raise InvalidInput("purchases after now, or the last before the first",
                               field="last_purchase_at")
        usual = (last - first) / (activity.purchases - 1) if activity.purchases > 1 else span
        since = moment - last
        if since > 2 * usual:
            reasons.append(Reason("overdue", POINTS["overdue"],
                                  f"no purchase for {since.days} days; usually every "
                                  f"{max(1, round(usual / dt.timedelta(days=1)))} days"))
    if activity.earlier_purchases >= 2 and activity.recent_purchases * 2 <= \
            activity.earlier_purchases:
        reasons.append(Reason("fewer_purchases", POINTS["fewer_purchases"],
                              f"{activity.recent_purchases} purchases in the last {days} days; "
                              f"{activity.earlier_purchases} in the {days} before"))
    if activity.earlier_value > 0 and activity.recent_value * 2 <= activity.earlier_value:
        share = activity.recent_value * 100 // activity.earlier_value
        reasons.append(Reason("lower_spend", POINTS["lower_spend"],
                              f"spent {share}% of the previous {days} days' amount"))
    if activity.negative_answers:
        counted = min(activity.negative_answers, _MAX_NEGATIVE)
        reasons.append(Reason("negative", POINTS["negative"] * counted,
                              f"{activity.negative_answers} negative survey answers in the "
                              f"last {days} days"))
    quiet = activity.recent_purchases == 0 and (
        activity.last_contact_at is None or activity.last_contact_at < moment - span
    )
    if activity.purchases and quiet:
        reasons.append(Reason("inactive", POINTS["inactive"],
                              f"no purchase and no contact in the last {days} days"))
    total = min(100, sum(reason.points for reason in reasons))
    return ChurnRisk(activity.customer_id, total, tuple(reasons))


def at_risk(risks: Iterable[ChurnRisk], *, threshold: int = AT_RISK) -> list[ChurnRisk]:
    """The risks at or above ``threshold``, highest first (then by customer id)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= 100:
        raise InvalidFormat("expected a whole number from 0 to 100", field="threshold")
    return sorted((r for r in risks if r.score >= threshold),
                  key=lambda r: (-r.score, r.customer_id))


def activity_of(
    customer_id: str,
    *,
    purchases: Iterable[tuple[dt.datetime, int]] = (),
    contacts: Iterable[dt.datetime] = (),
    answers: Iterable[tuple[str, int, dt.datetime]] = (),
    now: dt.datetime,
    window: dt.timedelta = DEFAULT_WINDOW,
) -> Activity:
    """A customer's :class:`Activity` from their events (the SQL's reference).

    ``purchases``: ``(when, net value in minor units)`` of the purchases that count;
    ``contacts``: when each inbound interaction happened; ``answers``: ``(kind, score, when)``.
    Events after ``now`` are not read.
    """
    moment = _checks.aware_utc(now, field="now")
    span = _window(window)
    recent_from, earlier_from = moment - span, moment - 2 * span
    bought = sorted((when, value) for when, value in purchases if when <= moment)
    recent = [value for when, value in bought if when >= recent_from]
    earlier = [value for when, value in bought if earlier_from <= when < recent_from]
    seen = [when for when in contacts if when <= moment]
    negative = sum(
        1 for kind, answer, when in answers
        if recent_from <= when <= moment and is_negative(kind, answer)
    )
    return Activity(
        customer_id=customer_id,
        purchases=len(bought),
        first_purchase_at=bought[0][0] if bought else None,
        last_purchase_at=bought[-1][0] if bought else None,
        recent_purchases=len(recent),
        earlier_purchases=len(earlier),
        recent_value=max(0, sum(recent)),
        earlier_value=max(0, sum(earlier)),
        last_contact_at=max(seen) if seen else None,
        negative_answers=negative,
    )
