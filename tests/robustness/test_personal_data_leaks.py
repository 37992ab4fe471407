"""No personal value in a repr, an error message or a formatted traceback (with its causes)."""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable

import pytest

import globalcrm as gc
from globalcrm import import_export

SECRET_GIVEN = "Zygmunta"
SECRET_SURNAME = "Wąsowiczówna"
SECRET_EMAIL = "zygmunta.secret@example.pl"
SECRET_PHONE = "+48 601 234 567"
SECRET_STREET = "ul. Tajemnicza 7"
SECRET_BODY = "moje hasło to kwiatuszek"
SECRETS = [
    SECRET_GIVEN,
    SECRET_SURNAME,
    "zygmunta.secret",
    "601234567",
    "601 234 567",
    "Tajemnicza",
    "kwiatuszek",
]


def _customer() -> gc.Customer:
    return gc.Customer(
        name=gc.PersonName(given=SECRET_GIVEN, surname=SECRET_SURNAME, locale="pl"),
        country="PL",
        language="pl",
        time_zone="Europe/Warsaw",
        currency="PLN",
        emails=[SECRET_EMAIL],
        phones=[SECRET_PHONE],
        addresses=[
            {"street_address": SECRET_STREET, "city": "Kraków", "postal_code": "30-001"}
        ],
        handles=[{"service": "whatsapp", "handle": SECRET_PHONE}],
        attributes={"note": SECRET_BODY},
    )


def _clean(text: str) -> None:
    folded = text.casefold()
    for secret in SECRETS:
        assert secret.casefold() not in folded, (secret, text[:300])


def test_reprs_hold_no_personal_data() -> None:
    customer = _customer()
    interaction = gc.Interaction(
        customer_id=customer.id,
        channel="email",
        direction="inbound",
        body=SECRET_BODY,
        subject=SECRET_GIVEN,
        agent=SECRET_SURNAME,
        occurred_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        metadata={"from": SECRET_EMAIL},
    )
    for value in (
        customer,
        customer.name,
        customer.emails[0],
        customer.phones[0],
        customer.addresses[0],
        customer.handles[0],
        interaction,
        [customer],
        {"c": customer},
    ):
        _clean(repr(value))
        _clean(str(value))
    assert customer.id in repr(customer) and "'PL'" in repr(customer)


def _bad_inputs() -> list[Callable[[], object]]:
    customer = _customer()
    return [
        lambda: gc.EmailAddress(address=f"{SECRET_GIVEN}@@example.pl"),
        lambda: gc.EmailAddress.parse(f"{SECRET_GIVEN}<>@example.pl"),
        lambda: gc.PhoneNumber(number="+48 601 234 567 890 1"),
        lambda: gc.PhoneNumber.parse("601234567", region="DE"),
        lambda: gc.PersonName(given=SECRET_GIVEN, locale=SECRET_SURNAME),
        lambda: gc.PersonName.from_json({"given": "A", SECRET_SURNAME: "x"}),
        lambda: gc.PostalAddress(country="PL", street_address=SECRET_STREET, city=SECRET_GIVEN),
        lambda: gc.Customer(**{**_fields(customer), "country": SECRET_SURNAME}),
        lambda: gc.Customer(
            **{**_fields(customer), "attributes": {SECRET_GIVEN: 1, f" {SECRET_GIVEN}": 2}}
        ),
        lambda: setattr(customer, "language", SECRET_GIVEN),
        lambda: import_export.row_values({"given": SECRET_GIVEN, "country": SECRET_SURNAME}),
        lambda: import_export.row_values(
            {"given": "A", "country": "PL", "language": "pl", "time_zone": "Europe/Warsaw",
             "currency": "PLN", "emails": f"{SECRET_GIVEN}@"}
        ),
        lambda: import_export.row_values(
            {"given": "A", "country": "PL", "language": "pl", "time_zone": "Europe/Warsaw",
             "currency": "PLN", "attributes": "{" + SECRET_BODY}
        ),
        lambda: gc.money.money(SECRET_GIVEN, "PLN"),
        lambda: gc.locale.format_person_name(
            {"given": SECRET_GIVEN, SECRET_SURNAME: "x"}, locale="pl"
        ),
        lambda: gc.locale.parse_name(f"{SECRET_GIVEN}\x00", locale="pl"),
    ]


def _fields(customer: gc.Customer) -> dict[str, object]:
    return {
        "name": customer.name,
        "country": customer.country,
        "language": customer.language,
        "time_zone": customer.time_zone,
        "currency": customer.currency,
        "emails": customer.emails,
    }


@pytest.mark.parametrize("index", range(len(_bad_inputs())))
def test_a_formatted_traceback_holds_no_personal_data(index: int) -> None:
    with pytest.raises(gc.GlobalCRMError) as caught:
        _bad_inputs()[index]()
    error = caught.value
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    # the traceback's own source lines quote this test's literals: scan what the errors say
    said = [line for line in text.splitlines() if not line.startswith("    ")]
    _clean("\n".join(said))
    chained = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    while chained is not None:
        _clean(str(chained))
        chained = chained.__cause__ or (
            None if chained.__suppress_context__ else chained.__context__
        )
