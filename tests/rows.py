"""Import rows shared by the tests: one valid Lithuanian customer as a flat file row."""

from __future__ import annotations

GOOD_ROW = {
    "given": "Jonas",
    "surname": "Petraitis",
    "name_locale": "lt",
    "country": "LT",
    "language": "lt",
    "time_zone": "Europe/Vilnius",
    "currency": "EUR",
    "emails": "jonas@example.lt",
    "phones": "8 612 34567",
}
