"""CSV export neutralises spreadsheet formulas (OWASP CSV injection) and import restores them."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import import_export

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
