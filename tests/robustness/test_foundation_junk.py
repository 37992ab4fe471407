"""Junk into every public function of the foundation: only GlobalCRMError may come out."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import globalcrm as gc
from globalcrm import import_export
from globalcrm.locale import fold, tokens
from globalcrm.pagination import decode_cursor

JUNK: list[Any] = [
    None,
    b"bytes",
    12,
    1.5,
    True,
    [],
    {},
    (),
    object(),
    "",
    " ",
    "x" * 100_000,
    "\x00\x1b",
    "\ud800",
    "😀" * 5,
    "‮evil",
    -1,
    10**30,
    float("nan"),
    {"a": 1},
    [None],
    ["x"],
]


def outcome(call: Callable[[], object]) -> str:
    try:
        call()
    except gc.GlobalCRMError:
        return "error"
    return "ok"


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gc.CRM]:
    store = gc.open(f"sqlite:///{tmp_path_factory.mktemp('junk') / 'junk.db'}")
    yield store
    store.close()


BASE: dict[str, Any] = dict(
    name=gc.PersonName(given="Aino", locale="fi"),
    country="FI",
    language="fi",
    time_zone="Europe/Helsinki",
    currency="EUR",
)
FIELDS = [
    "name",
    "other_names",
    "country",
    "language",
    "time_zone",
    "currency",
    "emails",
    "phones",
    "addresses",
    "handles",
    "preferred_channels",
    "contact_hours",
    "formality",
    "gender",
    "pronouns",
    "dietary_needs",
    "allergens",
    "accessibility_needs",
    "tags",
    "attributes",
    "tenant",
    "id",
    "created_at",
    "updated_at",
    "version",
]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_customer_fields(field: str, junk: Any) -> None:
    outcome(lambda: gc.Customer(**{**BASE, field: junk}))
    outcome(lambda: gc.Customer(**{**BASE, field: [junk]}))


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_value_objects(junk: Any) -> None:
    for make in (
        lambda: gc.PersonName(given=junk),
        lambda: gc.PersonName(given="A", locale=junk),
        lambda: gc.PersonName(given="A", reading=junk),
        lambda: gc.PersonName.from_cldr_fields(junk),
        lambda: gc.PersonName.from_json(junk),
        lambda: gc.EmailAddress(address=junk),
        lambda: gc.EmailAddress(address="a@example.fi", primary=junk),
        lambda: gc.PhoneNumber(number=junk),
        lambda: gc.PhoneNumber.parse(junk, region="FI"),
        lambda: gc.PhoneNumber.parse("040 1234567", region=junk),
        lambda: gc.PostalAddress(country=junk),
        lambda: gc.PostalAddress(country="FI", street_address=junk, city="Helsinki"),
        lambda: gc.MessagingHandle(service=junk, handle="x"),
        lambda: gc.MessagingHandle(service="whatsapp", handle=junk),
        lambda: gc.ContactHours(start=junk, end="10:00"),
        lambda: gc.ContactHours(start="09:00", end="10:00", weekdays=junk),
        lambda: gc.Interaction(
            customer_id=junk, channel="email", direction="inbound", occurred_at=junk
        ),
        lambda: fold(junk) if isinstance(junk, str) else None,
        lambda: tokens(junk) if isinstance(junk, str) else None,
        lambda: decode_cursor(junk, 1),
        lambda: import_export.customer_from_row(junk),
        lambda: import_export.customer_from_row({"country": junk}),
        lambda: list(import_export.read_json(io.StringIO(junk if isinstance(junk, str) else ""))),
        lambda: list(import_export.read_csv(io.StringIO(junk if isinstance(junk, str) else ""))),
    ):
        outcome(make)


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_crm_methods(crm: gc.CRM, junk: Any) -> None:
    for call in (
        lambda: crm.customers.add(junk),
        lambda: crm.customers.get(junk),
        lambda: crm.customers.update(junk, expected_version=1),
        lambda: crm.customers.update("01ARZ3NDEKTSV4RRFFQ69G5FAV", expected_version=junk),
        lambda: crm.customers.delete(junk),
        lambda: crm.customers.list(after=junk),
        lambda: crm.customers.list(limit=junk),
        lambda: crm.customers.find_by_email(junk),
        lambda: crm.customers.find_by_phone(junk),
        lambda: crm.customers.find_by_phone("040 1234567", region=junk),
        lambda: crm.customers.search(junk),
        lambda: crm.customers.likely_duplicates(junk),
        lambda: crm.customers.import_rows(junk),
        lambda: crm.customers.import_rows([junk]),
        lambda: crm.customers.export_rows(batch_size=junk).__next__(),
        lambda: crm.interactions.record(junk, channel="email", direction="inbound"),
        lambda: crm.interactions.record(
            "01ARZ3NDEKTSV4RRFFQ69G5FAV", channel=junk, direction="inbound"
        ),
        lambda: crm.interactions.get(junk),
        lambda: crm.interactions.timeline(junk),
        lambda: crm.interactions.timeline("01ARZ3NDEKTSV4RRFFQ69G5FAV", after=junk),
        lambda: crm.interactions.conversation(junk),
        lambda: crm.for_tenant(junk),
        lambda: gc.open(junk),
        lambda: gc.open("sqlite://", tenant=junk),
        lambda: crm.customers.display_name(junk),
        lambda: crm.customers.salutation_for(junk),
        lambda: crm.customers.closing_for(junk),
        lambda: crm.exchange_rates.add(junk),
        lambda: crm.exchange_rates.add([junk]),
        lambda: crm.exchange_rates.import_ecb(junk),
        lambda: crm.exchange_rates.import_csv(junk),
        lambda: crm.exchange_rates.table(at=junk),
        lambda: crm.exchange_rates.convert(junk, "EUR"),
        lambda: crm.exchange_rates.convert(None, junk),
        lambda: crm.prices.save_book(junk),
        lambda: crm.prices.book(junk),
        lambda: crm.prices.for_customer(junk, junk),
        lambda: crm.privacy.add_purpose(junk),
        lambda: crm.privacy.purpose(junk),
        lambda: crm.privacy.add_notice(junk),
        lambda: crm.privacy.record(junk, purpose="x", channel="email", state="given"),
        lambda: crm.privacy.record("01ARZ3NDEKTSV4RRFFQ69G5FAV", purpose=junk, channel=junk,
                                   state=junk),
        lambda: crm.privacy.history(junk),
        lambda: crm.privacy.can_contact(junk, purpose=junk, channel=junk, at=junk),
        lambda: crm.privacy.audience(purpose=junk, channel=junk, at=junk),
        lambda: crm.privacy.request_double_opt_in(junk, purpose=junk, channel=junk),
        lambda: crm.privacy.confirm_double_opt_in(junk),
        lambda: crm.privacy.verify_audit(checkpoint=junk),
    ):
        with contextlib.suppress(gc.GlobalCRMError, StopIteration):
            call()


def test_open_refuses_unsupported_databases(tmp_path: Path) -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        gc.open("mysql://x@localhost/db")
    assert caught.value.field == "url"
    with pytest.raises(gc.StorageError):
        gc.open(f"sqlite:///{tmp_path}/missing-dir/x/crm.db")
