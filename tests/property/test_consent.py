"""Property: the incremental projection equals the replay of the ledger, in any arrival order."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from globalcrm.errors import GlobalCRMError
from globalcrm.privacy import consent as c
from globalcrm.privacy.events import event_like

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

event_specs = st.tuples(
    st.sampled_from(c.STATES),
    st.sampled_from(c.CONSENT_TYPES),
    st.integers(min_value=0, max_value=10_000),  # minutes after T0 (ties allowed)
    st.sampled_from(("email", "sms")),
    st.sampled_from((None, "cp-1")),
)


def _events(specs: list[tuple[str, str, int, str, str | None]]) -> list[c.ConsentEvent]:
    return [
        c.ConsentEvent(
            subject_ref="s-1",
            purpose_key="newsletter",
            purpose_version=1,
            channel=channel,
            state=state,
            consent_type=kind,
            occurred_at=T0 + dt.timedelta(minutes=minutes),
            contact_point_ref=point,
            event_id=f"e-{i}",
        )
        for i, (state, kind, minutes, channel, point) in enumerate(specs)
    ]


@settings(max_examples=200, deadline=None)
@given(st.lists(event_specs, max_size=25), st.randoms(use_true_random=False))
def test_projection_equals_fold_in_any_arrival_order(
    specs: list[tuple[str, str, int, str, str | None]], random: object
) -> None:
    events = _events(specs)
    arrival = list(events)
    random.shuffle(arrival)  # type: ignore[attr-defined]
    projection = c.Projection()
    arrived = [attrs.evolve(event, seq=seq) for seq, event in enumerate(arrival)]
    for event in arrived:
        projection.apply(event)
    assert projection.states == c.replay(arrived)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(event_specs, min_size=1, max_size=25, unique_by=lambda s: s[2]),
    st.randoms(use_true_random=False),
)
def test_final_state_does_not_depend_on_arrival_with_distinct_times(
    specs: list[tuple[str, str, int, str, str | None]], random: object
) -> None:
    events = _events(specs)
    in_order = c.replay(events)
    shuffled = list(events)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    shuffled = [attrs.evolve(event, seq=seq) for seq, event in enumerate(shuffled)]
    assert c.replay(shuffled) == in_order


@settings(max_examples=100, deadline=None)
@given(st.lists(event_specs, max_size=20), st.integers(min_value=0, max_value=10_000))
def test_fold_at_an_instant_ignores_later_events(
    specs: list[tuple[str, str, int, str, str | None]], minutes: int
) -> None:
    events = [attrs.evolve(event, seq=seq) for seq, event in enumerate(_events(specs))]
    at = T0 + dt.timedelta(minutes=minutes)
    earlier = [e for e in events if e.occurred_at <= at]
    assert c.replay(events, at=at) == c.replay(earlier)


_OWN_VALUES = st.one_of(
    st.text(max_size=30),
    st.none(),
    st.integers(),
    st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=3))])),
    st.datetimes(),  # naive: refused
)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(c.STATES),
    st.sampled_from(c.CONSENT_TYPES),
    st.one_of(st.none(), st.integers(min_value=-3, max_value=3)),  # valid_until: days after T0
    _OWN_VALUES,
    _OWN_VALUES,
    _OWN_VALUES,
)
def test_an_event_made_like_a_template_is_the_constructors(
    state: str,
    kind: str,
    until: int | None,
    subject_ref: object,
    occurred_at: object,
    event_id: object,
) -> None:
    """``event_like`` (the bulk import's way) makes what the constructor makes, or refuses alike."""
    template = c.ConsentEvent(
        subject_ref="s-1", purpose_key="newsletter", purpose_version=1, channel="email",
        state=state, consent_type=kind, occurred_at=T0 - dt.timedelta(days=5), event_id="e-0",
        valid_until=None if until is None else T0 + dt.timedelta(days=until),
        language="lt", notice_version_id="n-1",
    )
    refusal: GlobalCRMError | None = None
    try:
        expected = attrs.evolve(
            template, subject_ref=subject_ref, occurred_at=occurred_at, event_id=event_id
        )
    except GlobalCRMError as error:
        refusal = error
    if refusal is not None:
        with pytest.raises(type(refusal)) as refused:
            event_like(template, subject_ref=subject_ref, occurred_at=occurred_at,
                       event_id=event_id)
        assert refused.value.field == refusal.field
        return
    made = event_like(template, subject_ref=subject_ref, occurred_at=occurred_at,
                      event_id=event_id)
    assert made == expected
    assert made.__dict__ == expected.__dict__
    assert type(made) is c.ConsentEvent
