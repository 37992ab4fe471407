"""Data-subject requests: the lifecycle, its append-only history, pauses and extensions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm import errors
from globalcrm.privacy.deadlines import LegalCalendar, LegalCalendars, response_deadline
from globalcrm.privacy.requests import DataSubjectRequest, deemed_refusal

VILNIUS = LegalCalendar(time_zone="Europe/Vilnius", country="LT")
CUSTOMER = "01KAQ3V4J5ZC6Y3W8N0R2T4V6X"


def _at(day: str, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=VILNIUS.zone)


def _open(**changes: object) -> DataSubjectRequest:
    values: dict[str, object] = dict(
        right="access",
        regimes=["eu-gdpr"],
        received_at=_at("2025-09-03"),
        channel="email",
        calendar=VILNIUS,
        customer_id=CUSTOMER,
    )
    values.update(changes)
    return DataSubjectRequest.open(**values)  # type: ignore[arg-type]


def test_a_request_keeps_every_step_in_order() -> None:
    request = _open()
    assert request.status == "received"
    verified = request.verify_identity(at=_at("2025-09-04"), method="login")
    done = verified.complete(at=_at("2025-09-20"), summary="export sent")
    assert [e.kind for e in done.history()] == ["opened", "identity_verified", "completed"]
    assert done.status == "completed" and request.status == "received"  # values never change
    with pytest.raises(errors.RuleViolation, match="already completed"):
        done.pause(at=_at("2025-09-21"), reason="identity")


def test_pauses_move_the_due_date_by_whole_days_and_add_up() -> None:
    request = _open(identity_verified=True)
    assert request.deadline().due_date == dt.date(2025, 10, 3)
    once = request.pause(at=_at("2025-09-05"), reason="clarification").resume(at=_at("2025-09-10"))
    assert once.paused_days == 5 and once.deadline().due_date == dt.date(2025, 10, 8)
    twice = once.pause(at=_at("2025-09-12"), reason="identity").resume(at=_at("2025-09-14"))
    assert twice.paused_days == 7 and twice.deadline().due_date == dt.date(2025, 10, 10)


def test_a_pause_after_the_due_date_is_refused() -> None:
    request = _open(identity_verified=True)
    with pytest.raises(errors.RuleViolation, match="overdue"):
        request.pause(at=_at("2025-10-04"), reason="identity")
    assert request.is_overdue(_at("2025-10-04")) and not request.is_overdue(_at("2025-10-03", 23))


def test_an_extension_needs_notice_before_the_original_due_date() -> None:
    request = _open(identity_verified=True)
    late = _at("2025-10-04")
    with pytest.raises(errors.RuleViolation, match="after the original due date"):
        request.extend(at=late, notice_sent_at=late, reason="complex")
    extended = request.extend(at=_at("2025-09-30"), notice_sent_at=_at("2025-09-30"), reason="x")
    assert extended.deadline().due_date == dt.date(2025, 12, 3)
    with pytest.raises(errors.RuleViolation, match="already extended"):
        extended.extend(at=_at("2025-10-01"), notice_sent_at=_at("2025-10-01"), reason="again")
    no_extension = _open(regimes=["br-lgpd"], identity_verified=True)
    with pytest.raises(errors.RuleViolation):
        no_extension.extend(at=_at("2025-09-04"), notice_sent_at=_at("2025-09-04"), reason="x")


def test_several_regimes_take_the_earliest_due_date_and_silent_ones_are_skipped() -> None:
    request = _open(regimes=["eu-gdpr", "br-lgpd", "cn-pipl"])
    assert request.deadline().regime == "br-lgpd"  # 15 days beats a month
    with pytest.raises(errors.RuleViolation, match="none of the request"):
        _open(regimes=["cn-pipl"]).deadline()


def test_a_rejection_cites_its_ground() -> None:
    request = _open()
    with pytest.raises(errors.InvalidComponent):
        request.reject(at=_at("2025-09-05"), ground="we do not feel like it", cite="Art. 12(5)")
    rejected = request.reject(at=_at("2025-09-05"), ground="excessive", cite="GDPR Art. 12(5)(b)")
    assert rejected.history()[-1].detail == {"ground": "excessive", "cite": "GDPR Art. 12(5)(b)"}


def test_bad_requests_are_refused_with_their_field() -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"right": "be forgotten by everyone"}, "right"),
        ({"regimes": []}, "regimes"),
        ({"regimes": ["mars-law"]}, "regimes[0]"),
        ({"channel": "carrier pigeon"}, "channel"),
        ({"customer_id": None}, "requester"),
        ({"received_at": dt.datetime(2025, 9, 3)}, "at"),
    ]
    for changes, field in cases:
        with pytest.raises(errors.InvalidInput) as caught:
            _open(**changes)
        assert caught.value.field == field, changes
    request = _open()
    with pytest.raises(errors.InvalidInput, match="before the request's last step"):
        request.verify_identity(at=_at("2025-09-01"))


def test_an_unidentified_requester_is_personal_data_and_stays_out_of_the_repr() -> None:
    request = _open(customer_id=None, requester="jonas.petraitis@example.lt")
    assert "jonas" not in repr(request).casefold()
    assert request.status == "received"


def test_free_text_is_kept_as_a_note_apart_from_the_facts() -> None:
    request = _open(identity_verified=True)
    extended = request.extend(
        at=_at("2025-09-10"), notice_sent_at=_at("2025-09-10"), reason="Jonas's 12 systems"
    )
    done = extended.complete(at=_at("2025-09-20"), summary="sent to Jonas")
    step, last = done.events[-2], done.events[-1]
    assert step.detail == {"notice_sent_at": _at("2025-09-10").astimezone(dt.UTC).isoformat()}
    assert step.note == "Jonas's 12 systems" and last.note == "sent to Jonas"
    assert "Jonas" not in repr(step) + repr(last) and done.closed_at == _at("2025-09-20")
    assert request.complete(at=_at("2025-09-20")).events[-1].note is None


def test_verification_links_a_requester_to_the_customer() -> None:
    request = _open(customer_id=None, requester="jonas.petraitis@example.lt")
    linked = request.verify_identity(at=_at("2025-09-04"), method="id_document",
                                     customer_id=CUSTOMER)
    assert linked.customer_id == CUSTOMER and linked.events[-1].detail["customer_id"] == CUSTOMER
    other = "01KAQ3V4J5ZC6Y3W8N0R2T4V6Y"
    with pytest.raises(errors.RuleViolation, match="another customer"):
        _open().verify_identity(at=_at("2025-09-04"), customer_id=other)
    with pytest.raises(errors.InvalidInput):
        _open().verify_identity(at=_at("2025-09-04"), customer_id="not an id")


def test_a_paused_or_closed_request_is_not_due_and_never_overdue() -> None:
    request = _open(identity_verified=True)
    paused = request.pause(at=_at("2025-09-05"), reason="identity")
    assert paused.due() is None and not paused.is_overdue(_at("2026-01-01"))
    assert request.due() == request.deadline()
    closed = request.reject(at=_at("2025-09-06"), ground="excessive", cite="GDPR Art. 12(5)")
    assert closed.due() is None and not closed.is_overdue(_at("2026-01-01"))
    silent = _open(regimes=["cn-pipl"])
    assert silent.due() is None and not silent.is_overdue(_at("2030-01-01"))
    assert silent.pause(at=_at("2029-01-01"), reason="clarification").status == "paused"


def test_the_ccpa_clock_does_not_stop_and_regimes_may_count_in_their_own_calendar() -> None:
    los_angeles = LegalCalendar(time_zone="America/Los_Angeles", country="US", subdivision="CA")
    request = _open(regimes=["us-ca-ccpa", "eu-gdpr"], regime_calendars={"us-ca-ccpa": los_angeles})
    assert request.calendar_for("us-ca-ccpa") == los_angeles
    assert request.calendar_for("eu-gdpr") == VILNIUS
    before = request.regime_deadlines()
    later = request.pause(at=_at("2025-09-05"), reason="identity").resume(at=_at("2025-09-15"))
    after = later.regime_deadlines()
    assert after["us-ca-ccpa"] == before["us-ca-ccpa"]
    assert after["eu-gdpr"].due_date == before["eu-gdpr"].due_date + dt.timedelta(days=10)
    with pytest.raises(errors.InvalidInput):
        _open(regime_calendars={"mars-law": VILNIUS})
    with pytest.raises(errors.InvalidInput):
        _open(regime_calendars={"eu-gdpr": "Europe/Vilnius"})


def test_an_extension_does_not_outrun_a_regime_that_has_none() -> None:
    both = _open(regimes=["eu-gdpr", "br-lgpd"], identity_verified=True)
    extended = both.extend(at=_at("2025-09-05"), notice_sent_at=_at("2025-09-05"), reason="x")
    assert extended.deadline().regime == "br-lgpd"  # LGPD's 15 days still bind
    assert extended.regime_deadlines()["eu-gdpr"].extended
    assert deemed_refusal("ca-pipeda") == "PIPEDA s.8(5)" and deemed_refusal("eu-gdpr") is None


def test_legal_calendars_round_trip_and_answer_per_regime() -> None:
    calendar = LegalCalendar(time_zone="America/Sao_Paulo", country="BR", subdivision="SP")
    assert LegalCalendar.from_json(calendar.to_json()) == calendar
    with pytest.raises(errors.InvalidInput) as caught:
        LegalCalendar.from_json({"zone": "UTC"}, field="calendars")
    assert caught.value.field == "calendars"
    configured = LegalCalendars(controller=VILNIUS, regimes={"br-lgpd": calendar})
    assert configured.for_regime("br-lgpd") == calendar
    assert configured.for_regime("eu-gdpr") == VILNIUS
    assert LegalCalendars().for_regime("eu-gdpr") is None


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 4)), max_size=4))
def test_whole_days_paused_add_to_the_gdpr_due_date(pauses: list[tuple[int, int]]) -> None:
    request = _open(identity_verified=True)
    day = dt.date(2025, 9, 4)
    total = 0
    for gap, length in pauses:
        day += dt.timedelta(days=gap)
        request = request.pause(at=_at(day.isoformat()), reason="identity")
        day += dt.timedelta(days=length)
        request = request.resume(at=_at(day.isoformat()))
        total += length
    assert request.paused_days == total
    plain = response_deadline(
        "eu-gdpr", received_at=_at("2025-09-03"), calendar=VILNIUS, paused_days=total
    )
    assert request.deadline() == plain and request.due() == plain
