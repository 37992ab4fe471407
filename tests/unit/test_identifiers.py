"""ULIDs: sortable by time, monotonic within a millisecond, unique across forked workers."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm.errors import InvalidFormat
from globalcrm.identifiers import check_id, new_id

MOMENT = dt.datetime(2026, 12, 2, 9, 30, tzinfo=dt.UTC)


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(9999, 1, 1),
                    timezones=st.just(dt.UTC)))
def test_an_id_carries_its_millisecond_and_checks_back(moment: dt.datetime) -> None:
    made = new_id(moment)
    assert check_id(made.lower()) == made
    earlier = new_id(moment - dt.timedelta(milliseconds=1))
    assert earlier < made


def test_the_time_part_is_the_specs_crockford_base_32() -> None:
    # the spec's example id 01ARZ3NDEKTSV4RRFFQ69G5FAV has the time 1469922850259 ms
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=1469922850259)
    made = new_id(moment)
    assert made[:10] == "01ARZ3NDEK"
    assert set(made) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ") and len(made) == 26
    assert new_id(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))[:10] == "0000000000"


def test_ids_of_one_millisecond_sort_in_the_order_they_were_made() -> None:
    ids = [new_id(MOMENT) for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5000
    assert {i[:10] for i in ids} == {ids[0][:10]}  # one timestamp part


def _ids_in_child(count: int) -> list[str]:
    return [new_id(MOMENT) for _ in range(count)]


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
def test_forked_workers_do_not_continue_the_parents_sequence() -> None:
    new_id(MOMENT)  # the parent has a last id in this millisecond
    with multiprocessing.get_context("fork").Pool(2) as pool:
        children = pool.map(_ids_in_child, [200, 200])
    parent = _ids_in_child(200)
    every = [*children[0], *children[1], *parent]
    assert len(set(every)) == 600


@pytest.mark.parametrize("bad", ["", "01ARZ3NDEKTSV4RRFFQ69G5FA", "81ARZ3NDEKTSV4RRFFQ69G5FAV",
                                 "01ARZ3NDEKTSV4RRFFQ69G5FAU", 42, None])
def test_malformed_ids_are_refused(bad: object) -> None:
    with pytest.raises(InvalidFormat) as caught:
        check_id(bad, field="customer_id")
    assert caught.value.field == "customer_id"
