"""Consent ledger rules: privacy.md §5.2 scenarios 1-17 and 20-21 (in memory)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from globalcrm.errors import (
    Conflict,
    GlobalCRMError,
    InvalidComponent,
    InvalidFormat,
    InvalidInput,
    InvalidSignature,
    NotFound,
    RuleViolation,
)
from globalcrm.privacy import consent as c
from globalcrm.privacy.notices import NoticeVersion, publish_notice, supersede_notice, verify_notice

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def notice(
    version: int = 1,
    *,
    language: str = "en",
    start: dt.datetime = T0 - 30 * DAY,
    end: dt.datetime | None = None,
) -> NoticeVersion:
    return publish_notice(
        "newsletter",
        version,
        language=language,
        title="Newsletter",
        body=f"We send offers (v{version}).",
        effective_from=start,
        effective_to=end,
        notice_id=f"n-{version}-{language}",
    )


def purpose(key: str = "newsletter", **kwargs: Any) -> c.Purpose:
    fields: dict[str, Any] = {
        "name": "Newsletter",
        "dpv_purpose": "DirectMarketing",
        "legal_basis": {"eu-gdpr": "consent"},
        "channels": ("email",),
    }
    fields.update(kwargs)
    result = c.Purpose(key, 1, **fields)
    result.activate()
    return result


def event(
    state: str = "given", *, at: dt.datetime = T0, n: NoticeVersion | None = None, **kwargs: Any
) -> c.ConsentEvent:
    fields: dict[str, Any] = {
        "subject_ref": "s-1",
        "purpose_key": "newsletter",
        "purpose_version": 1,
        "channel": "email",
        "state": state,
        "consent_type": "expressed",
        "occurred_at": at,
    }
    if n is not None:
        fields.update(notice_version_id=n.id, notice_sha256=n.content_sha256, language=n.language)
    fields.update(kwargs)
    return c.ConsentEvent(**fields)


def record(
    ledger: c.ConsentLedger,
    e: c.ConsentEvent,
    p: c.Purpose,
    n: NoticeVersion | None = None,
    **kwargs: Any,
) -> c.ConsentEvent:
    return ledger.record(e, purpose=p, now=kwargs.pop("now", e.occurred_at), notice=n, **kwargs)


# --- 1. bad input --------------------------------------------------------------------------


def test_1_bad_input_names_the_field_and_writes_nothing() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(), notice()
    with pytest.raises(InvalidFormat) as naive:
        event(at=dt.datetime(2026, 1, 5, 9, 0), n=n)
    assert naive.value.field == "occurred_at"
    with pytest.raises(InvalidInput) as other:
        record(ledger, event(n=n, purpose_key="unknown"), p, n)
    assert other.value.field == "purpose_version"
    retired = purpose()
    retired.retire()
    with pytest.raises(RuleViolation) as gone:
        record(ledger, event(n=n), retired, n)
    assert gone.value.field == "purpose_version"
    with pytest.raises(InvalidComponent) as regime:
        event(n=n, regimes=("xx-law",))
    assert regime.value.field == "regimes[0]"
    with pytest.raises(InvalidInput) as language:
        event(n=n, language="zz-Qq")
    assert language.value.field == "language"
    with pytest.raises(InvalidFormat) as empty:
        event(n=n, subject_ref="  ")
    assert empty.value.field == "subject_ref"
    with pytest.raises(InvalidInput) as future:
        ledger.record(event(n=n, at=T0 + dt.timedelta(hours=1)), purpose=p, now=T0, notice=n)
    assert future.value.field == "occurred_at"
    assert ledger.events == []
    assert ledger.projection.states == {}


def test_2_notice_must_be_in_force_and_in_the_event_language() -> None:
    ledger, p = c.ConsentLedger(), purpose()
    expired = notice(start=T0 - 60 * DAY, end=T0 - DAY)
    with pytest.raises(RuleViolation) as old:
        record(ledger, event(n=expired), p, expired)
    assert old.value.field == "notice_version_id"
    future = notice(start=T0 + DAY)
    with pytest.raises(RuleViolation):
        record(ledger, event(n=future), p, future)
    german = notice(language="de")
    with pytest.raises(InvalidInput) as lang:
        record(ledger, event(n=german, language="en"), p, german)
    assert lang.value.field == "language"
    with pytest.raises(InvalidInput):  # a grant without the notice shown
        record(ledger, event(), p, None)
    with pytest.raises(InvalidInput):  # hash copied wrong
        n = notice()
        record(ledger, event(n=n, notice_sha256="0" * 64), p, n)
    assert ledger.events == []


@pytest.mark.parametrize(
    ("regime", "category"),
    [
        ("eu-gdpr", "special_category"),
        ("cn-pipl", "special_category"),
        ("ch-fadp", "high_risk_profiling"),
    ],
)
def test_3_weaker_consent_type_is_refused(regime: str, category: str) -> None:
    p = purpose(
        key="health",
        legal_basis={regime: "consent"},
        categories=[category],
        dpv_purpose="ServiceProvision",
    )
    n = notice()
    for weak in ("implied", "expressed"):
        with pytest.raises(RuleViolation) as err:
            record(c.ConsentLedger(), event(n=n, purpose_key="health", consent_type=weak), p, n)
        assert err.value.field == "consent_type"
        assert regime in err.value.message
    ok = record(c.ConsentLedger(), event(n=n, purpose_key="health", consent_type="explicit"), p, n)
    assert ok.seq == 0


def test_3_dpdp_needs_at_least_expressed_consent() -> None:
    p = purpose(legal_basis={"in-dpdp": "consent"})
    n = notice()
    with pytest.raises(RuleViolation):
        record(c.ConsentLedger(), event(n=n, consent_type="implied"), p, n)
    assert record(c.ConsentLedger(), event(n=n), p, n).state == "given"


@pytest.mark.parametrize(
    ("regime", "category"), [("cn-pipl", "third_party_provision"), ("kr-pipa", "direct_marketing")]
)
def test_4_bundled_purposes_refused_where_separate_consent_is_required(
    regime: str, category: str
) -> None:
    p = purpose(
        legal_basis={regime: "consent"}, categories=[category], consent_type_required="explicit"
    )
    n = notice()
    bundled = event(n=n, consent_type="explicit", bundled_with=("profiling",))
    with pytest.raises(RuleViolation) as err:
        record(c.ConsentLedger(), bundled, p, n)
    assert err.value.field == "bundled_with"
    single = event(n=n, consent_type="explicit")
    assert record(c.ConsentLedger(), single, p, n).event_id == single.event_id
    gdpr = purpose()  # GDPR: a distinguishable bundle is fine
    assert record(c.ConsentLedger(), event(n=n, bundled_with=("other",)), gdpr, n).seq == 0


def test_5_notice_tampering_is_detected_and_versions_are_immutable() -> None:
    v1 = notice()
    v2 = supersede_notice(
        v1, body="We send offers weekly.", effective_from=T0, material_change=True
    )
    assert (v1.version, v2.version) == (1, 2)
    assert v1.content_sha256 != v2.content_sha256
    assert verify_notice(v1) and verify_notice(v2)
    with pytest.raises(RuleViolation):
        v1.body = "changed"
    v1.__dict__["body"] = "changed behind our back"  # as a database edit would
    assert not verify_notice(v1)


# --- 6-10 lifecycle ------------------------------------------------------------------------


def test_6_withdrawal_needs_no_notice_and_takes_effect_at_once() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(), notice()
    given = record(ledger, event(n=n), p, n)
    withdrawn = record(ledger, event("withdrawn", at=T0 + DAY), p)
    assert c.can_contact(ledger.events, p, "email", T0 + DAY - dt.timedelta(seconds=1)).allowed
    decision = c.can_contact(ledger.events, p, "email", T0 + DAY)
    assert decision == c.Decision(False, "consent withdrawn", withdrawn.event_id, "state_withdrawn")
    assert [e.event_id for e in ledger.history("s-1")] == [given.event_id, withdrawn.event_id]


def test_7_reconsent_after_withdrawal_uses_the_current_notice() -> None:
    ledger, p = c.ConsentLedger(), purpose()
    v1 = notice()
    v2 = supersede_notice(v1, body="New text", effective_from=T0 + DAY, material_change=False)
    record(ledger, event(n=v1), p, v1)
    record(ledger, event("withdrawn", at=T0 + 2 * DAY), p)
    with pytest.raises(RuleViolation):  # a notice not yet in force is refused
        record(ledger, event(n=v1, at=T0 + 3 * DAY), p, notice(start=T0 + 4 * DAY))
    again = record(ledger, event(n=v2, at=T0 + 3 * DAY), p, v2)
    state = c.status(ledger.events, p, "email", T0 + 4 * DAY)
    assert state is not None and state.state == "given" and state.event_id == again.event_id
    assert again.notice_sha256 == v2.content_sha256


def test_8_expiry_without_a_write_and_renewal() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(consent_validity="P2Y"), notice()
    given = event(n=n, valid_until=c.add_duration(T0, "P2Y"))
    record(ledger, given, p, n)
    assert c.can_contact(ledger.events, p, "email", T0 + 700 * DAY).allowed
    expired = c.can_contact(ledger.events, p, "email", dt.datetime(2028, 1, 5, 9, tzinfo=dt.UTC))
    assert (expired.allowed, expired.rule, expired.event_id) == (False, "expired", given.event_id)
    later = dt.datetime(2028, 2, 1, tzinfo=dt.UTC)
    n2 = notice(2)
    record(
        ledger, event("renewed", at=later, n=n2, valid_until=c.add_duration(later, "P2Y")), p, n2
    )
    assert c.can_contact(ledger.events, p, "email", later + DAY).allowed
    assert len(ledger.events) == 2


def test_9_material_change_requires_renewal_but_a_typo_fix_does_not() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(), notice()
    record(ledger, event(n=n), p, n)
    typo = p.supersede(material_change=False, name="Newsletter (fixed)")
    typo.activate()
    assert c.can_contact(ledger.events, typo, "email", T0 + DAY).allowed
    material = typo.supersede(material_change=True, channels=("email", "sms"))
    material.activate()
    decision = c.can_contact(ledger.events, material, "email", T0 + DAY)
    assert (decision.allowed, decision.rule) == (False, "renewal_required")
    record(ledger, event("renewed", at=T0 + 2 * DAY, n=n, purpose_version=3), material, n)
    assert c.can_contact(ledger.events, material, "email", T0 + 3 * DAY).allowed
    with pytest.raises(RuleViolation):
        material.name = "edited after activation"


def test_10_objection_is_lifted_only_by_explicit_consent() -> None:
    p = purpose(
        legal_basis={"eu-gdpr": "legitimate_interests"},
        direct_marketing=True,
        consent_type_required="implied",
    )
    n = notice()
    ledger = c.ConsentLedger()
    assert c.can_contact([], p, "email", T0).rule == "lawful_basis"
    objection = record(ledger, event("objected", at=T0), p)
    record(ledger, event(n=n, at=T0 + DAY, consent_type="implied"), p, n)
    decision = c.can_contact(ledger.events, p, "email", T0 + 2 * DAY)
    assert decision == c.Decision(False, "the subject objected", objection.event_id, "objection")
    record(ledger, event(n=n, at=T0 + 3 * DAY, consent_type="explicit"), p, n)
    assert c.can_contact(ledger.events, p, "email", T0 + 4 * DAY).allowed


# --- 11-13 ordering and idempotency --------------------------------------------------------


def test_11_late_arriving_older_event_does_not_override() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(), notice()
    withdrawn = record(ledger, event("withdrawn", at=T0 + DAY), p, now=T0 + DAY)
    record(ledger, event(n=n, at=T0, collection_method="import"), p, n, now=T0 + 2 * DAY)
    assert [e.seq for e in ledger.events] == [0, 1]
    assert ledger.verify() is None
    original = ledger.events[1]
    ledger.events[1] = attrs.evolve(original, state="withdrawn")  # edited: the chain notices
    assert c.verify_ledger(ledger.events) == 1
    assert c.verify_ledger(ledger.events[1:]) == 0  # a deleted first row
    state = ledger.projection.states[("newsletter", "email", None)]
    assert state.state == "withdrawn" and state.event_id == withdrawn.event_id
    ledger.events[1] = original
    assert ledger.projection.states == c.replay(ledger.events)
    assert c.fold is c.replay  # the deprecated name still works


def test_13_idempotency_key_gives_exactly_one_event() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(), notice()
    first = record(ledger, event(n=n, idempotency_key="form-42", event_id="e-1"), p, n)
    again = record(ledger, event(n=n, idempotency_key="form-42", event_id="e-2"), p, n)
    assert again is first and len(ledger.events) == 1
    with pytest.raises(Conflict):
        record(ledger, event("refused", n=n, idempotency_key="form-42"), p, n)
    assert len(ledger.events) == 1


# --- 15-17 double opt-in and tokens --------------------------------------------------------


def test_15_double_opt_in() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(requires_double_opt_in=True), notice()
    challenges: list[c.TokenChallenge] = []
    record(ledger, event("requested", n=n), p, n)
    challenge, token = c.issue_token(
        challenges, "confirm", subject_ref="s-1", purpose_key="newsletter", channel="email", now=T0
    )
    assert token not in repr(challenge.__dict__)  # only the hash is kept
    assert c.can_contact(ledger.events, p, "email", T0 + dt.timedelta(hours=1)).rule == (
        "state_requested"
    )
    # a "given" without confirmation is still not enough for a DOI purpose
    unconfirmed = c.can_contact(
        [*ledger.events, event(n=n, at=T0 + dt.timedelta(minutes=5))],
        p,
        "email",
        T0 + dt.timedelta(hours=1),
    )
    assert unconfirmed.rule == "double_opt_in_pending"
    at = T0 + dt.timedelta(hours=2)
    used = c.redeem_token(challenges, token, now=at, events=ledger.events)
    record(
        ledger,
        event(
            n=n,
            at=at,
            confirmed_at=at,
            collection_method="doi_confirmation",
            doi_challenge_id=used.id,
        ),
        p,
        n,
    )
    assert c.can_contact(ledger.events, p, "email", at + DAY).allowed
    with pytest.raises(RuleViolation):
        c.redeem_token(challenges, token, now=at, events=ledger.events)
    late, late_token = c.issue_token(
        challenges, "confirm", subject_ref="s-2", purpose_key="newsletter", channel="email", now=T0
    )
    with pytest.raises(RuleViolation):
        c.redeem_token(challenges, late_token, now=T0 + 3 * DAY)
    assert late.status == "expired"
    with pytest.raises(NotFound):
        c.redeem_token(challenges, "not-a-token", now=T0)


def test_16_stale_confirmation_link_cannot_opt_back_in() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(requires_double_opt_in=True), notice()
    challenges: list[c.TokenChallenge] = []
    record(ledger, event("requested", n=n), p, n)
    _, old = c.issue_token(
        challenges, "confirm", subject_ref="s-1", purpose_key="newsletter", channel="email", now=T0
    )
    record(ledger, event("withdrawn", at=T0 + dt.timedelta(hours=1)), p)
    with pytest.raises(RuleViolation) as stale:
        c.redeem_token(challenges, old, now=T0 + dt.timedelta(hours=2), events=ledger.events)
    assert "stale" in stale.value.message
    _, first = c.issue_token(
        challenges,
        "confirm",
        subject_ref="s-1",
        purpose_key="newsletter",
        channel="email",
        now=T0 + dt.timedelta(hours=3),
    )
    _, second = c.issue_token(
        challenges,
        "confirm",
        subject_ref="s-1",
        purpose_key="newsletter",
        channel="email",
        now=T0 + dt.timedelta(hours=4),
    )
    with pytest.raises(RuleViolation) as superseded:
        c.redeem_token(challenges, first, now=T0 + dt.timedelta(hours=5), events=ledger.events)
    assert "superseded" in superseded.value.message
    assert (
        c.redeem_token(
            challenges, second, now=T0 + dt.timedelta(hours=5), events=ledger.events
        ).status
        == "used"
    )


def test_17_unsubscribe_token_is_rotated_by_resubscription() -> None:
    ledger, p, n = c.ConsentLedger(), purpose(), notice()
    challenges: list[c.TokenChallenge] = []
    record(ledger, event(n=n), p, n)
    _, unsubscribe = c.issue_token(
        challenges,
        "unsubscribe",
        subject_ref="s-1",
        purpose_key="newsletter",
        channel="email",
        now=T0,
        ttl=dt.timedelta(days=365),
    )
    record(ledger, event("withdrawn", at=T0 + DAY), p)
    record(ledger, event(n=n, at=T0 + 2 * DAY), p, n)  # re-subscribes
    with pytest.raises(RuleViolation):
        c.redeem_token(challenges, unsubscribe, now=T0 + 3 * DAY, events=ledger.events)
    assert c.can_contact(ledger.events, p, "email", T0 + 3 * DAY).allowed


# --- 20-21 unknown age and California ------------------------------------------------------


def test_20_unknown_age_reject_or_record_and_exclude() -> None:
    p = purpose(requires_age_assurance=True)
    n = notice()
    nobody = c.Subject("s-1", "DE", "Europe/Berlin")
    with pytest.raises(RuleViolation) as rejected:
        record(c.ConsentLedger(), event(n=n), p, n, subject=nobody, unknown_age="reject")
    assert rejected.value.field == "age_assurance"
    with pytest.raises(InvalidInput):  # must be marked unknown when recorded
        record(c.ConsentLedger(), event(n=n), p, n, subject=nobody)
    ledger = c.ConsentLedger()
    record(ledger, event(n=n, age_assurance="unknown"), p, n, subject=nobody)
    assert c.can_contact(ledger.events, p, "email", T0 + DAY).rule == "age_unknown"


def test_21_california_sale_of_minors_data_needs_opt_in() -> None:
    p = purpose(
        key="sale",
        name="Sale of data",
        dpv_purpose="SellDataToThirdParties",
        legal_basis={"us-ca-ccpa": "notice_and_opt_out"},
        sells_or_shares=True,
        channels=(),
    )
    n = notice()
    adult = c.Subject("s-1", "US", "America/Los_Angeles", dt.date(1990, 5, 1))
    fourteen = c.Subject("s-1", "US", "America/Los_Angeles", dt.date(2011, 6, 1))
    twelve = c.Subject("s-1", "US", "America/Los_Angeles", dt.date(2013, 6, 1))
    assert c.can_contact([], p, "web", T0, subject=adult).allowed
    assert c.can_contact([], p, "web", T0, subject=fourteen).rule == "no_consent"
    own = event(n=n, purpose_key="sale", channel="web", regimes=("us-ca-ccpa",))
    ledger = c.ConsentLedger()
    record(ledger, own, p, n, subject=fourteen)
    assert c.can_contact(ledger.events, p, "web", T0 + DAY, subject=fourteen).allowed
    with pytest.raises(RuleViolation) as parent:
        record(c.ConsentLedger(), own, p, n, subject=twelve)
    assert parent.value.field == "actor_kind"
    guardian = event(
        n=n,
        purpose_key="sale",
        channel="web",
        regimes=("us-ca-ccpa",),
        actor_kind="guardian",
        actor_ref="g-1",
        guardian_verification="card_check",
    )
    assert record(c.ConsentLedger(), guardian, p, n, subject=twelve).actor_kind == "guardian"
    gpc = record(
        ledger,
        event(
            "objected", at=T0 + 2 * DAY, purpose_key="sale", channel="web", collection_method="gpc"
        ),
        p,
    )
    decision = c.can_contact(ledger.events, p, "web", T0 + 3 * DAY, subject=adult)
    assert (decision.allowed, decision.event_id) == (False, gpc.event_id)


# --- evidence and erasure ------------------------------------------------------------------


def test_evidence_is_sealed_per_subject_and_shredding_reads_as_erased() -> None:
    key = c.SubjectKey.generate("s-1", key_id="k-1")
    evidence = {"ip": "203.0.113.9", "user_agent": "Firefox"}
    sealed = c.seal_evidence(evidence, key, aad="e-1")
    assert b"203.0.113.9" not in sealed.blob
    assert c.open_evidence(sealed, key, aad="e-1") == evidence
    with pytest.raises(InvalidSignature):
        c.open_evidence(sealed, key, aad="e-2")
    e = event(evidence=sealed)
    before = e.canonical_bytes()
    key.destroy(T0)
    assert c.open_evidence(sealed, key, aad="e-1") == c.ERASED
    assert e.canonical_bytes() == before  # hashes over ciphertext survive erasure
    with pytest.raises(RuleViolation):
        c.seal_evidence(evidence, key, aad="e-3")


def test_erased_subject_may_withdraw_but_not_grant() -> None:
    p, n = purpose(), notice()
    gone = c.Subject("s-1", "LT", "Europe/Vilnius", erased=True)
    with pytest.raises(RuleViolation):
        record(c.ConsentLedger(), event(n=n), p, n, subject=gone)
    assert record(c.ConsentLedger(), event("withdrawn"), p, subject=gone).state == "withdrawn"


def test_tcf_string_is_kept_as_evidence() -> None:
    data = c.tcf_evidence("COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA")
    assert data["tc_string"].startswith("COtybn4")
    assert data["tcf_cmp_id"] == 675 and data["tcf_purposes_consent"] == [2, 10]
    with pytest.raises(GlobalCRMError):
        c.tcf_evidence("not a tc string!")


def test_purpose_validates_dpv_code_and_lawful_basis() -> None:
    with pytest.raises(InvalidFormat) as dpv:
        c.Purpose("x", 1, name="X", dpv_purpose="MadeUpPurpose")
    assert dpv.value.field == "dpv_purpose"
    with pytest.raises(InvalidFormat) as basis:
        c.Purpose("x", 1, name="X", dpv_purpose="Marketing", legal_basis={"eu-gdpr": "vibes"})
    assert basis.value.field == "legal_basis['eu-gdpr']"
    assert c.Purpose("x", 1, name="X", dpv_purpose="dpv:Marketing").dpv_purpose == "Marketing"
    assert c.DPV_CONSENT_STATUS["renewed"] == "RenewedConsentGiven"


def test_add_duration_is_calendar_aware() -> None:
    assert c.add_duration(dt.datetime(2026, 1, 31, tzinfo=dt.UTC), "P1M").day == 28
    assert c.add_duration(T0, "P1DT2H") == T0 + dt.timedelta(days=1, hours=2)
    with pytest.raises(InvalidFormat):
        c.add_duration(T0, "2 years")
