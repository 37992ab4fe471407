"""A free-text ``name`` column is split by the culture's rules, or reported, never guessed."""

from __future__ import annotations

import pytest

import globalcrm as gc
from globalcrm.import_export import customer_from_row

JP = {"country": "JP", "language": "ja", "time_zone": "Asia/Tokyo", "currency": "JPY"}
US = {"country": "US", "language": "en-US", "time_zone": "America/New_York", "currency": "USD"}


def test_free_text_names_are_split_per_culture() -> None:
    japanese = customer_from_row({**JP, "name": "山田太郎"}).name
    assert (japanese.surname, japanese.given, japanese.locale) == ("山田", "太郎", "ja")
    english = customer_from_row({**US, "name": "Smith, John"}).name
    assert (english.given, english.surname) == ("John", "Smith")


def test_an_ambiguous_name_is_a_row_error() -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        customer_from_row({**JP, "name": "xxx"})
    assert caught.value.field is not None and caught.value.field.startswith("name")
    assert "xxx" not in str(caught.value)


def test_given_and_surname_columns_win_over_the_free_text() -> None:
    name = customer_from_row({**US, "name": "Smith, John", "given": "Jane", "surname": "Doe"}).name
    assert (name.given, name.surname) == ("Jane", "Doe")
