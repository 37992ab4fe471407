"""Customer files: formula-safe CSV cells, header lines, line numbers, nested JSON documents."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import errors, import_export
from globalcrm.demo_data import sample_customers

FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "@SUM(A1:A9)",
    "+cmd|' /C calc'!A0",
    "-2+3",
]


def _customer(given_name: str, surname: str) -> gc.Customer:
    return gc.Customer(
        name=gc.PersonName(given=given_name, surname=surname, locale="en"),
        country="GB",
        language="en-GB",
        time_zone="Europe/London",
        currency="GBP",
        emails=["=cmd@example.co.uk"],
        phones=["+44 20 7946 0958"],
    )


def test_no_exported_cell_starts_a_formula_and_the_customer_comes_back() -> None:
    for formula in FORMULAS:
        customer = _customer(formula, "'t Hooft")
        buffer = io.StringIO()
        import_export.write_csv([import_export.customer_to_row(customer)], buffer)
        cells = [cell for row in csv.reader(io.StringIO(buffer.getvalue())) for cell in row]
        dangerous = ("=", "+", "-", "@", "\t", "\r")
        assert cells and not any(cell.startswith(dangerous) for cell in cells)
        assert "'t Hooft" in cells  # an apostrophe that starts a name is left alone
        buffer.seek(0)
        (row,) = list(import_export.read_csv(buffer))
        back = import_export.customer_from_row(row)
        assert back.name == customer.name
        assert back.emails == customer.emails and back.phones == customer.phones


@given(st.text(max_size=40))
def test_neutralised_cells_restore_exactly(text: str) -> None:
    safe = import_export.neutralise_cell(text)
    assert not safe.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert import_export.restore_cell(safe) == text


def test_a_file_without_a_header_line_is_an_error_not_zero_rows() -> None:
    headless = io.StringIO("Jonas,Petraitis,LT,lt,Europe/Vilnius,EUR\n")
    with pytest.raises(gc.InvalidInput) as caught:
        list(import_export.read_csv(headless))
    assert "not a header" in str(caught.value) and caught.value.row == 1
    assert "Jonas" not in str(caught.value)
    half = io.StringIO("given,Petraitis,country\nJonas,x,LT\n")
    with pytest.raises(errors.InvalidComponent, match="column 2"):
        list(import_export.read_csv(half))


def test_rows_know_the_line_of_the_file_they_end_on() -> None:
    text = 'given,surname,country\nAino,"Mäki\nnen",FI\nEino,Virta,FI\n'
    rows = list(import_export.read_csv(io.StringIO(text)))
    assert [row.line for row in rows] == [3, 4]  # type: ignore[attr-defined]
    assert rows[0]["surname"] == "Mäki\nnen"


def test_json_export_is_nested_and_reads_back() -> None:
    customers = sample_customers()
    documents = [import_export.customer_to_document(c) for c in customers]
    for writer in (import_export.write_json, import_export.write_jsonl):
        buffer = io.StringIO()
        assert writer(documents, buffer) == len(customers)
        buffer.seek(0)
        back = list(import_export.read_json(buffer))
        assert back == json.loads(json.dumps(documents))  # real JSON values, no JSON in strings
        for customer, document in zip(customers, back, strict=True):
            again = import_export.customer_from_row(document)
            assert again.name == customer.name and again.addresses == customer.addresses
            assert again.handles == customer.handles
            assert again.contact_hours == customer.contact_hours
    assert isinstance(documents[0]["emails"], list) and isinstance(documents[0]["name"], dict)
    empty = io.StringIO()
    import_export.write_json([], empty)
    assert json.loads(empty.getvalue()) == []
