"""Emails and phones checked ahead, a column at a time, change nothing but the speed.

``contacts_checked_ahead`` swaps a contact cell's text for the values the row check would make
of it; whatever the row (good or bad cells, list cells, columns spelt another way, a column
twice), the row check must give the same values or the same error as on the row untouched.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from globalcrm.customers import EmailAddress, PhoneNumber
from globalcrm.errors import GlobalCRMError
from globalcrm.import_export import checked_row, contacts_checked_ahead
from tests.rows import GOOD_ROW

_EMAILS = ["jonas@example.lt", "Jonas.P@Example.LT", "ona@пример.рф", "no-at-sign", "a@b@c",
           "ok@example.lt;second@example.lt", "ok@example.lt;@x", " ; ", "", "[\"x@y.lt\"]"]
_PHONES = ["8 612 34567", "+370 612 34567", "8 612", "+999 1", "call me", "040 1234567",
           "8 612 34567;8 5 212 3456", "", "  "]
_COUNTRIES = ["LT", "lt", " FI ", "QQ", "", "Lithuania"]


def _outcome(row: Any) -> tuple[str, Any]:
    """What the row check makes of ``row``: its values (without the id it makes up), or the
    error's kind, field and message."""
    try:
        values, given_id = checked_row(row)
    except GlobalCRMError as error:
        return "error", (type(error).__name__, error.field, str(error))
    if not given_id:
        values.pop("id")
    return "values", (values, given_id)


def _cell(draw: st.DrawFn, options: list[str]) -> Any:
    if draw(st.booleans()):
        return draw(st.sampled_from(options))
    return draw(st.lists(st.sampled_from([o for o in options if o.strip()]), max_size=3))


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = dict(GOOD_ROW)
    row["emails"] = _cell(draw, _EMAILS)
    row["phones"] = _cell(draw, _PHONES)
    row["country"] = draw(st.sampled_from(_COUNTRIES))
    for column in draw(st.sets(st.sampled_from(["emails", "phones", "country"]), max_size=2)):
        # the same column twice, spelt as a file might: the row check decides which counts
        row[f" {column.title()} "] = draw(st.sampled_from(_COUNTRIES if column == "country"
                                                          else _EMAILS + _PHONES))
    if draw(st.booleans()):
        row["language"] = draw(st.sampled_from(["lt", "zz-qq", ""]))
    return row


@given(st.lists(rows(), min_size=1, max_size=6))
def test_the_row_check_sees_no_difference(batch: list[dict[str, Any]]) -> None:
    prepared = contacts_checked_ahead(batch)
    assert len(prepared) == len(batch)
    for row, ready in zip(batch, prepared, strict=True):
        assert _outcome(ready) == _outcome(row)


def test_good_cells_are_swapped_for_checked_values_and_the_input_is_kept() -> None:
    row = {**GOOD_ROW, "emails": "Jonas@Example.LT; ona@example.lt", "phones": "8 612 34567"}
    original = dict(row)
    (ready,) = contacts_checked_ahead([row])
    assert row == original  # the caller's row is not changed
    assert ready["emails"] == [EmailAddress(address="Jonas@example.lt"),
                               EmailAddress(address="ona@example.lt")]
    assert ready["phones"] == [PhoneNumber(number="+37061234567")]
    assert ready["phones"][0].type == "mobile"


def test_cells_that_do_not_check_are_left_to_the_row_check() -> None:
    row = {**GOOD_ROW, "emails": "ok@example.lt;no-at-sign", "country": "QQ"}
    (ready,) = contacts_checked_ahead([row])
    assert ready["emails"][0] == EmailAddress(address="ok@example.lt")
    assert ready["emails"][1] == "no-at-sign"
    assert ready["phones"] == "8 612 34567"  # no country to read it in
    assert _outcome(ready) == _outcome(row)


def test_rows_with_an_unknown_column_or_not_a_mapping_pass_unchanged() -> None:
    odd = {**GOOD_ROW, "shoe_size": "42"}
    assert contacts_checked_ahead([odd, "text"]) == [odd, "text"]  # type: ignore[list-item]


@pytest.mark.parametrize("junk", [None, "rows", {"emails": "x"}, 3, b"rows"])
def test_not_a_list_of_rows_is_our_error(junk: Any) -> None:
    with pytest.raises(GlobalCRMError, match="expected a list of rows"):
        contacts_checked_ahead(junk)


def test_email_parse_is_the_constructor_in_one_pass() -> None:
    parsed = EmailAddress.parse(" Aino.Virtanen@Esimerkki.FI ", primary=True)
    assert parsed == EmailAddress(address="Aino.Virtanen@esimerkki.fi", primary=True)
    with pytest.raises(GlobalCRMError, match="primary"):
        EmailAddress.parse("aino@esimerkki.fi", primary="yes")  # type: ignore[arg-type]
    with pytest.raises(GlobalCRMError, match="not a valid email address"):
        EmailAddress.parse("aino@")
