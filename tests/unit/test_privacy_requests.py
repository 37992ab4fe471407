"""Data-subject requests: the lifecycle, its append-only history, pauses and extensions."""

from __future__ import annotations

import datetime as dt

import pytest

from globalcrm import errors
from globalcrm.privacy.deadlines import LegalCalendar
from globalcrm.privacy.requests import DataSubjectRequest

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
