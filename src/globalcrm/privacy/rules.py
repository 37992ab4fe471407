"""The consent rules: may this event be recorded, and may we contact this subject now?

:func:`check_event` refuses an event the rules do not allow (nothing is recorded then): the
notice shown must be the version in force, the consent type strong enough for the regimes and
the purpose's categories (GDPR Art. 9(2)(a), PIPL Art. 29, nFADP Art. 6(7) ...), purposes not
bundled where a regime demands separate consent (PIPL Arts. 23, 29, 39; PIPA Art. 22), and a
guardian must act below the age of digital consent (GDPR Art. 8 and its peers, computed on the
subject's local date). :func:`can_contact` answers with a :class:`Decision`: allowed, why, which
event and which rule.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence

import attrs

from globalcrm import _checks
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.privacy import _converters as _c
from globalcrm.privacy import regimes as _regimes
from globalcrm.privacy.events import ASKING, CONSENT_TYPES, GRANTS, ConsentEvent
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.privacy.projection import ConsentStatus, events_list, replay
from globalcrm.privacy.purposes import Purpose

__all__ = ["Decision", "Subject", "can_contact", "check_event", "minor_sale", "status"]


def _subject_ref(value: object) -> str:
    return _checks.text(value, field="subject_ref", max_length=_c.MAX_REF)


def _country(value: object) -> str:
    return _checks.country(value)


def _zone(value: object) -> str:
    return _checks.time_zone(value, field="zone")


def _birth_date(value: object) -> dt.date | None:
    if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
        raise InvalidFormat("expected a date", field="birth_date")
    return value


def _erased(value: object) -> bool:
    return _checks.flag(value, field="erased")


@attrs.frozen
class Subject:
    """What the consent rules need about a customer: where they live and how old they are."""

    subject_ref: str = attrs.field(converter=_subject_ref)
    country: str = attrs.field(converter=_country)
    zone: str = attrs.field(converter=_zone)
    birth_date: dt.date | None = attrs.field(default=None, converter=_birth_date)
    erased: bool = attrs.field(default=False, converter=_erased)


def _rank(consent_type: str) -> int:
    return CONSENT_TYPES.index(consent_type)


def _required_type(purpose: Purpose, regime_codes: Sequence[str]) -> tuple[str, str | None]:
    required, cite = purpose.consent_type_required, None
    for code in regime_codes:
        regime = _regimes.regime(code)
        explicit = regime.rule("explicit_consent_for")
        if explicit is not None and purpose.categories & set(explicit.value):
            return "explicit", f"{code}: {explicit.cite}"
        minimum = regime.rule("minimum_consent_type")
        if minimum is not None and _rank(minimum.value) > _rank(required):
            required, cite = minimum.value, f"{code}: {minimum.cite}"
    return required, cite


def _age_threshold(
    subject: Subject, purpose: Purpose, regime_codes: Sequence[str]
) -> tuple[int | None, str | None, str]:
    """(age below which a guardian consents, citation, regime) for this subject and purpose."""
    return _country_threshold(subject.country, tuple(regime_codes))


@functools.lru_cache(maxsize=1024)
def _country_threshold(
    country: str, regime_codes: tuple[str, ...]
) -> tuple[int | None, str | None, str]:
    """The age threshold for residents of ``country`` under ``regime_codes`` (package data)."""
    candidates = [
        c for c in regime_codes if country in _regimes.regime(c).rules["countries"].value
    ] or list(_regimes.regimes_for_country(country))
    best: tuple[int | None, str | None, str] = (None, None, "")
    for code in candidates or []:
        rule = _regimes.age_of_consent(country, code)
        if rule.age is not None and (best[0] is None or rule.age > best[0]):
            best = (rule.age, rule.cite, code)
    return best


def check_event(
    event: ConsentEvent,
    *,
    purpose: Purpose,
    now: dt.datetime,
    notice: NoticeVersion | None = None,
    subject: Subject | None = None,
    max_skew: dt.timedelta = dt.timedelta(minutes=5),
    unknown_age: str = "record",
) -> None:
    """Refuse an event the rules do not allow; nothing is recorded when this raises.

    Withdrawals, refusals and objections are always accepted (even for a retired purpose or an
    erased subject); grants need an active purpose, the notice in force, a strong enough consent
    type, separate consent where the regime demands it and, for a minor, a guardian.
    ``unknown_age`` is ``"record"`` (keep it, marked ``age_assurance="unknown"``) or ``"reject"``.

    Raises:
        InvalidInput: a malformed or inconsistent event (``field`` names the part).
        RuleViolation: the event is well formed but the rules refuse it.
    """
    if not isinstance(event, ConsentEvent):
        raise InvalidFormat("expected a ConsentEvent", field="event")
    if not isinstance(purpose, Purpose):
        raise InvalidFormat("expected a Purpose", field="purpose")
    current = _checks.aware_utc(now, field="now")
    if not isinstance(max_skew, dt.timedelta):
        raise InvalidFormat("expected a timedelta", field="max_skew")
    policy = _checks.choice(unknown_age, ("record", "reject"), field="unknown_age", what="policy")
    if event.occurred_at > current + max_skew:
        raise InvalidInput("occurred_at is in the future", field="occurred_at")
    if event.purpose_key != purpose.key or event.purpose_version != purpose.version:
        raise InvalidInput("the event is for another purpose version", field="purpose_version")
    if event.state not in ASKING:
        return
    if subject is not None and subject.erased:
        raise RuleViolation(
            "the subject has been erased; only withdrawals are accepted", field="subject_ref"
        )
    if purpose.status != "active":
        raise RuleViolation(f"the purpose version is {purpose.status}", field="purpose_version")
    if purpose.channels and event.channel not in purpose.channels:
        raise InvalidInput("the purpose is not offered on this channel", field="channel")
    if event.state in GRANTS:
        _check_notice(event, notice)
    codes = event.regimes or tuple(purpose.legal_basis)
    required, cite = _required_type(purpose, codes)
    if _rank(event.consent_type) < _rank(required):
        raise RuleViolation(
            f"{required} consent is required" + (f" ({cite})" if cite else ""),
            field="consent_type",
        )
    if event.bundled_with:
        for code in codes:
            rule = _regimes.regime(code).rule("separate_consent_for")
            if rule is not None and purpose.categories & set(rule.value):
                raise RuleViolation(
                    f"separate consent is required ({code}: {rule.cite})", field="bundled_with"
                )
    if subject is not None:
        _check_age(event, purpose, subject, codes, policy)


def _check_notice(event: ConsentEvent, notice: NoticeVersion | None) -> None:
    if notice is None:
        raise InvalidInput("a consent must name the notice shown", field="notice_version_id")
    if not isinstance(notice, NoticeVersion):
        raise InvalidFormat("expected a NoticeVersion", field="notice")
    if event.notice_version_id != notice.id or event.notice_sha256 != notice.content_sha256:
        raise InvalidInput("the event does not match the notice version", field="notice_version_id")
    if not notice.is_effective(event.occurred_at):
        raise RuleViolation(
            "the notice version was not in force at occurred_at", field="notice_version_id"
        )
    if event.language is not None and event.language != notice.language:
        raise InvalidInput("the event language differs from the notice language", field="language")


def _check_age(
    event: ConsentEvent, purpose: Purpose, subject: Subject, codes: Sequence[str], policy: str
) -> None:
    age, cite, code = _age_threshold(subject, purpose, codes)
    ccpa_sale = purpose.sells_or_shares and "us-ca-ccpa" in (code, *codes)
    if age is None:
        return
    if subject.birth_date is None:
        if policy == "reject":
            raise RuleViolation(
                "the subject's age is unknown and the regime sets an age", field="age_assurance"
            )
        if event.age_assurance != "unknown":
            raise InvalidInput(
                "record an unknown age as age_assurance='unknown'", field="age_assurance"
            )
        return
    years = _regimes.age_on(subject.birth_date, event.occurred_at, subject.zone)
    if years < age and (event.actor_kind != "guardian" or not event.guardian_verification):
        raise RuleViolation(
            f"under {age}: a guardian must consent, with verification ({code}: {cite})",
            field="actor_kind",
        )
    if ccpa_sale and years < 16 and event.state == "requested":
        raise RuleViolation(
            "under 16 the sale or sharing needs an opt-in (§1798.120(c))", field="state"
        )


@attrs.frozen
class Decision:
    """The answer of :func:`can_contact`: allowed or not, why, which event and which rule."""

    allowed: bool
    reason: str
    event_id: str | None
    rule: str


def status(
    events: Iterable[ConsentEvent],
    purpose: Purpose,
    channel: str,
    at: dt.datetime,
    *,
    contact_point_ref: str | None = None,
) -> ConsentStatus | None:
    """The replayed state for ``purpose`` on ``channel`` as of ``at`` (``None`` if never asked)."""
    if not isinstance(purpose, Purpose):
        raise InvalidFormat("expected a Purpose", field="purpose")
    name = _c.slug(channel, field="channel")
    point = _c.optional_text(contact_point_ref, field="contact_point_ref")
    rows = [e for e in events_list(events) if e.purpose_key == purpose.key]
    states = replay(rows, at=at)
    if point is not None and (purpose.key, name, point) in states:
        return states[(purpose.key, name, point)]
    return states.get((purpose.key, name, None))


def can_contact(
    events: Iterable[ConsentEvent],
    purpose: Purpose,
    channel: str,
    at: dt.datetime,
    *,
    contact_point_ref: str | None = None,
    subject: Subject | None = None,
) -> Decision:
    """May we process for ``purpose`` over ``channel`` at ``at``? With the reason and the rule.

    A contact-point-level state, when present, wins over the channel-level state. Without
    consent as lawful basis (legitimate interests, CCPA notice and opt-out) contact is allowed
    until an objection or opt-out, except for minors where an opt-in is required.
    """
    instant = _checks.aware_utc(at, field="at")
    if subject is not None and not isinstance(subject, Subject):
        raise InvalidFormat("expected a Subject", field="subject")
    current = status(events, purpose, channel, instant, contact_point_ref=contact_point_ref)
    event_id = current.event_id if current is not None else None
    if purpose.status == "draft":
        return Decision(False, "the purpose is not active", None, "purpose_inactive")
    if purpose.channels and channel not in purpose.channels:
        return Decision(False, "the purpose is not offered on this channel", None, "channel")
    if current is not None and current.objection:
        return Decision(False, "the subject objected", event_id, "objection")
    if not purpose.requires_consent and not minor_sale(purpose, subject, instant):
        if current is not None and current.state in ("withdrawn", "refused", "revoked"):
            return Decision(False, f"consent {current.state}", event_id, f"state_{current.state}")
        return Decision(True, "no consent needed for this lawful basis", event_id, "lawful_basis")
    if current is None:
        return Decision(False, "no consent recorded", None, "no_consent")
    if current.state not in GRANTS:
        return Decision(False, f"consent {current.state}", event_id, f"state_{current.state}")
    if current.valid_until is not None and instant >= current.valid_until:
        return Decision(False, "consent expired", event_id, "expired")
    if instant < current.valid_from:
        return Decision(False, "consent not yet valid", event_id, "not_yet_valid")
    if current.purpose_version < purpose.renewal_from:
        return Decision(
            False, "the purpose changed materially; renewal required", event_id, "renewal_required"
        )
    if purpose.requires_double_opt_in and current.confirmed_at is None:
        return Decision(False, "double opt-in not confirmed", event_id, "double_opt_in_pending")
    if purpose.requires_age_assurance and current.age_assurance == "unknown":
        return Decision(False, "the subject's age is unknown", event_id, "age_unknown")
    return Decision(True, "consent given", event_id, "consent")


def minor_sale(purpose: Purpose, subject: Subject | None, at: dt.datetime) -> bool:
    """Whether selling or sharing for ``purpose`` needs the minor's opt-in (CCPA under 16)."""
    if not purpose.sells_or_shares or subject is None or subject.birth_date is None:
        return False
    rule = _regimes.regime("us-ca-ccpa").rule("sale_share_opt_in_age")
    limit = int(rule.value) if rule is not None else 16
    return _regimes.age_on(subject.birth_date, at, subject.zone) < limit
