"""Every problem of an import row is reported, not only the first; stand-ins never show."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm.errors import GlobalCRMError
from globalcrm.import_export import checked_row, row_errors
from tests.rows import GOOD_ROW

GOOD = GOOD_ROW


def _fields(row: dict[str, Any]) -> list[str | None]:
    return [error.field for error in row_errors(row)]


def test_a_valid_row_has_no_errors() -> None:
    assert row_errors(GOOD) == []


def test_each_bad_column_is_reported_once() -> None:
    row = {**GOOD, "emails": "no-at-sign", "phones": "8 612", "currency": "XQQ",
           "time_zone": "Mars/Base", "tags": "vip;not a code!"}
    assert sorted(f or "" for f in _fields(row)) == [
        "currency", "emails[0]", "phones[0]", "tags[1]", "time_zone",
    ]


def test_missing_required_columns_are_all_named() -> None:
    row = {k: v for k, v in GOOD.items() if k not in ("country", "currency", "language")}
    assert _fields(row) == ["country", "language", "currency"]


def test_columns_read_in_a_bad_country_are_not_judged() -> None:
    # "8 612" is checked as a Lithuanian number only once the country is known
    row = {**GOOD, "country": "QQ", "phones": "8 612", "emails": "no-at-sign"}
    assert _fields(row) == ["country", "emails[0]"]


def test_a_missing_name_does_not_hide_the_rest() -> None:
    row = {**GOOD, "given": "", "surname": "", "emails": "no-at-sign"}
    errors = row_errors(row)
    assert [e.field for e in errors] == ["name.given", "emails[0]"]
    assert all("X" not in e.message for e in errors)  # the stand-in name never shows


def test_columns_are_matched_in_any_case_and_padding() -> None:
    row = {**{k: v for k, v in GOOD.items() if k != "emails"}, " Emails ": "a@b@c", "TAGS": "!"}
    assert sorted(f or "" for f in _fields(row)) == ["emails[0]", "tags[0]"]


def test_an_unknown_column_stops_the_row() -> None:
    assert _fields({**GOOD, "shoe_size": "42", "emails": "no-at-sign"}) == [None]


def test_not_a_row_is_one_error() -> None:
    assert _fields("text") == [None]  # type: ignore[arg-type]


_BAD_CELLS = {
    "country": ["QQ", "", "Lithuania"],
    "language": ["zz-qq", ""],
    "time_zone": ["Mars/Base", ""],
    "currency": ["XQQ", "€"],
    "emails": ["no-at-sign", "a@b@c", "ok@example.lt;@x"],
    "phones": ["8 612", "+999 1", "call me"],
    "given": [""],
    "surname": [""],
    "tags": ["not a code!"],
    "id": ["nope"],
    "birth_date": ["1800-01-01", "yesterday"],
    "attributes": ["{bad", "[1]"],
    "contact_hours": ["{\"start\": 1}"],
}


@given(st.dictionaries(st.sampled_from(sorted(_BAD_CELLS)), st.integers(0, 2), max_size=6))
def test_row_errors_agree_with_the_check(spoilt: dict[str, int]) -> None:
    row = dict(GOOD)
    for column, choice in spoilt.items():
        options = _BAD_CELLS[column]
        row[column] = options[choice % len(options)]
    first = _first_error(row)
    errors = row_errors(row)
    if first is not None:
        assert errors, "a bad row must have at least one error"
        assert (errors[0].field, errors[0].message) == (first.field, first.message)
        fields = [e.field for e in errors]
        assert len(fields) == len(set(fields))  # one error per column
        for field in fields:  # only the spoilt cells are blamed
            head = (field or "").split(".")[0].split("[")[0]
            assert head in spoilt or (head == "name" and {"given", "surname"} & set(spoilt))
    else:
        assert errors == []


def _first_error(row: dict[str, Any]) -> GlobalCRMError | None:
    try:
        checked_row(row)
    except GlobalCRMError as error:
        return error
    return None


@pytest.mark.parametrize("column", ["country", "language", "time_zone", "currency"])
def test_a_blank_required_cell_is_required(column: str) -> None:
    assert _fields({**GOOD, column: "   "}) == [column]
