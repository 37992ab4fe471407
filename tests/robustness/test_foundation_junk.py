"""Junk into every public function of the foundation: only GlobalCRMError may come out."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import globalcrm as gc
from globalcrm import errors, import_export
from globalcrm.customers import check_customer_fields, parse_phone
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
    float("inf"),
    "\n\r\t",
    "Jonas Petraitis",
    "ab\u0301\U0001f600\u05d0",
    dt.datetime(2026, 11, 23, 9, 30),
    dt.date(2026, 11, 23),
    lambda *args, **kwargs: None,
    str,
    {"x": object()},
    [[[[]]]],
]
"""Junk of every kind: ``None``, bytes, huge and control-character text, wrong types, callables.

The callables take any arguments: a callback the caller passes that raises is the caller's own
exception, not ours (``on_progress``).
"""


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
        lambda: gc.EmailAddress.parse(junk),
        lambda: gc.EmailAddress.parse("aino@example.fi", verified=junk),
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
        lambda: import_export.contacts_checked_ahead(junk),
        lambda: import_export.customer_from_row({"country": junk}),
        lambda: list(import_export.read_json(io.StringIO(junk if isinstance(junk, str) else ""))),
        lambda: list(import_export.read_csv(io.StringIO(junk if isinstance(junk, str) else ""))),
    ):
        outcome(make)


_ROW = {"given": "Aino", "country": "FI", "language": "fi", "time_zone": "Europe/Helsinki",
        "currency": "EUR", "emails": "aino@example.fi", "phones": "040 1234567"}


def _check_outcome(row: Any) -> str:
    return outcome(lambda: import_export.checked_row(row))


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_row_errors_report_junk_without_raising(junk: Any) -> None:
    for row in (junk, {**_ROW, "country": junk}, {**_ROW, "emails": junk, "tags": junk},
                {**_ROW, junk if isinstance(junk, str) else "given": junk}):
        problems = import_export.row_errors(row)
        assert all(isinstance(problem, gc.GlobalCRMError) for problem in problems)
        (ready,) = import_export.contacts_checked_ahead([row])  # the import's first step
        assert _check_outcome(ready) == _check_outcome(row)
        try:
            import_export.checked_row(row)
        except gc.GlobalCRMError:
            assert problems, "a row the check refuses has at least one problem"
        else:
            assert problems == []


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


def _consume(result: object) -> object:
    """Run a generator to its end: the readers only check their input when read."""
    if isinstance(result, Iterator):
        return list(result)
    return result


def only_ours(function: Callable[..., object], *args: Any, **kwargs: Any) -> None:
    """The call returns or raises a ``GlobalCRMError``; anything else fails the test."""
    with contextlib.suppress(gc.GlobalCRMError):
        _consume(function(*args, **kwargs))


NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
ADDRESS: dict[str, Any] = dict(
    country="LT", street_address="Gedimino pr. 9", city="Vilnius", postal_code="01103"
)
ADDRESS_FIELDS = [
    "country",
    "street_address",
    "city",
    "city_area",
    "country_area",
    "postal_code",
    "sorting_code",
    "name",
    "company_name",
    "primary",
    "verified",
    "label",
]
NAME_FIELDS = [*gc.PersonName.FIELD_NAMES, "locale", "reading"]
RECORD: dict[str, Any] = dict(
    channel="email",
    direction="inbound",
    body="",
    occurred_at=NOW,
    conversation="junk",
    subject=None,
    language=None,
    agent=None,
    outcome=None,
    sentiment=None,
    metadata=None,
)
ROW = {"given": "Aino", "country": "FI", "language": "fi", "time_zone": "Europe/Helsinki",
       "currency": "EUR"}


@pytest.fixture(scope="module")
def stored(crm: gc.CRM) -> gc.Customer:
    return crm.customers.add(
        gc.Customer(**BASE, contact_hours=gc.ContactHours(start="09:00", end="17:00"))
    )


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_every_parameter_of_the_crm_areas(crm: gc.CRM, stored: gc.Customer, junk: Any) -> None:
    customers, interactions = crm.customers, crm.interactions

    def version() -> int:
        return customers.get(stored.id).version

    for field in sorted(gc.Customer.fields_changeable()):
        only_ours(customers.update, stored.id, expected_version=version(), **{field: junk})
    only_ours(customers.update, stored.id, expected_version=version(), now=junk)
    only_ours(customers.update, stored.id, expected_version=version(), shoe_size=junk)
    victim = customers.add(gc.Customer(**BASE))
    only_ours(customers.delete, victim.id, expected_version=junk)
    only_ours(customers.search, "aino", after=junk)
    only_ours(customers.search, "aino", limit=junk)
    for who in (stored, stored.id):
        for option in ("reader_locale", "length", "usage", "formality"):
            only_ours(customers.display_name, who, **{option: junk})
        for option in ("channel", "formality", "relationship"):
            only_ours(customers.salutation_for, who, **{option: junk})
        only_ours(customers.closing_for, who, formality=junk)
    for option in ("atomic", "now", "workers", "on_progress"):
        only_ours(customers.import_rows, [ROW], **{option: junk})
    for keyword in RECORD:
        only_ours(interactions.record, stored.id, **{**RECORD, keyword: junk})
    only_ours(interactions.record, junk, **RECORD)
    for option in ("after", "limit", "newest_first"):
        only_ours(interactions.timeline, stored.id, **{option: junk})
    for option in ("after", "limit"):
        only_ours(interactions.conversation, "junk", **{option: junk})


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_every_parameter_of_the_domain(stored: gc.Customer, junk: Any) -> None:
    def opened() -> None:
        gc.open("sqlite://", migrate_schema=junk).close()

    only_ours(opened)
    bare = gc.Customer(**BASE)
    for customer in (stored, bare):
        only_ours(customer.local_time, junk)
        only_ours(customer.welcomes_contact, junk)
    only_ours(gc.ContactHours(start="09:00", end="17:00").allows, junk)
    only_ours(gc.MessagingHandle.parse, junk, service="whatsapp", region="LT")
    only_ours(gc.MessagingHandle.parse, "861234567", service=junk, region="LT")
    only_ours(gc.MessagingHandle.parse, "861234567", service="whatsapp", region=junk)
    only_ours(gc.MessagingHandle.parse, junk, service="telegram")
    for flag in ("primary", "verified"):
        only_ours(gc.EmailAddress, address="aino@example.fi", **{flag: junk})
        only_ours(gc.PhoneNumber, number="+37061234567", **{flag: junk})
        only_ours(gc.PhoneNumber.parse, "+37061234567", **{flag: junk})
        only_ours(gc.MessagingHandle, service="viber", handle="+37061234567", **{flag: junk})
    only_ours(gc.EmailAddress, address="aino@example.fi", label=junk)
    only_ours(gc.PhoneNumber, number="+37061234567", label=junk)
    for field in ADDRESS_FIELDS:
        only_ours(gc.PostalAddress, **{**ADDRESS, field: junk})
        only_ours(gc.Customer, **{**BASE, "addresses": [{**ADDRESS, field: junk}]})
    for field in NAME_FIELDS:
        only_ours(gc.PersonName, **{"given": "Aino", "surname": "Mäkinen", field: junk})
        only_ours(gc.PersonName.from_json, {"given": "Aino", field: junk})
    only_ours(parse_phone, "+37061234567", junk)
    only_ours(parse_phone, junk, "LT")
    only_ours(check_customer_fields, junk)
    only_ours(check_customer_fields, {**BASE, "country": junk})


@pytest.mark.parametrize("junk", JUNK, ids=lambda j: repr(j)[:20])
def test_every_parameter_of_the_readers_and_writers(stored: gc.Customer, junk: Any) -> None:
    row = import_export.customer_to_row(stored)
    only_ours(import_export.customer_to_row, junk)
    only_ours(import_export.read_csv, junk)
    only_ours(import_export.read_json, junk)
    for write in (import_export.write_csv, import_export.write_json):
        only_ours(write, junk, io.StringIO())
        only_ours(write, [junk], io.StringIO())
        only_ours(write, [{**row, "id": junk}], io.StringIO())
        only_ours(write, [row], junk)
        only_ours(write, [row], io.BytesIO())
    for column in (*import_export.COLUMNS, "name"):
        only_ours(import_export.row_values, {**ROW, column: junk})
    only_ours(import_export.row_values, ROW, tenant=junk)


BROKEN_FILES = [
    ("binary CSV", lambda: import_export.read_csv(io.BytesIO(b"given,country\nAino,FI\n"))),  # type: ignore[arg-type]
    ("binary JSON", lambda: import_export.read_json(io.BytesIO(b'[{"given": "Aino"}]'))),  # type: ignore[arg-type]
    ("latin-1 CSV", lambda: import_export.read_csv(io.TextIOWrapper(
        io.BytesIO("given,country\nJürgen,DE\n".encode("latin-1")), encoding="utf-8"))),
    ("latin-1 JSON", lambda: import_export.read_json(io.TextIOWrapper(
        io.BytesIO('[{"given": "Jürgen"}]'.encode("latin-1")), encoding="utf-8"))),
    ("deep JSON array", lambda: import_export.read_json(io.StringIO("[" * 100_000))),
    ("deep JSON lines", lambda: import_export.read_json(
        io.StringIO('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"))),
    ("deep JSON cell", lambda: import_export.row_values({**ROW, "attributes": "[" * 100_000})),
    ("huge CSV cell", lambda: import_export.read_csv(io.StringIO('a\n"' + "x" * 200_000))),
    ("closed CSV stream", lambda: import_export.read_csv(_closed())),
    ("closed JSON stream", lambda: import_export.read_json(_closed())),
]


def _closed() -> io.StringIO:
    stream = io.StringIO("[]")
    stream.close()
    return stream


@pytest.mark.parametrize("read", [b[1] for b in BROKEN_FILES], ids=[b[0] for b in BROKEN_FILES])
def test_broken_files_raise_invalid_format(read: Callable[[], object]) -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        _consume(read())
    assert type(caught.value) is errors.InvalidFormat
    assert "\\x" not in str(caught.value)  # no bytes of the file in the message


def test_values_of_the_wrong_type_are_refused_not_coerced(crm: gc.CRM) -> None:
    refused: list[tuple[Callable[[], object], str | None]] = [
        (lambda: crm.customers.import_rows([ROW], atomic="yes"), "atomic"),  # type: ignore[arg-type]
        (lambda: gc.ContactHours(start="09:00", end="17:00").allows("x"), "local"),  # type: ignore[arg-type]
        (lambda: gc.ContactHours(start="09:00", end="17:00").allows(None), "local"),  # type: ignore[arg-type]
        (lambda: parse_phone("040 1234567", ["FI"]), "region"),  # type: ignore[arg-type]
        (lambda: check_customer_fields("x"), None),  # type: ignore[arg-type]
        (lambda: import_export.customer_to_row("x"), "customer"),  # type: ignore[arg-type]
        (lambda: import_export.write_csv(["x"], io.StringIO()), "rows[0]"),  # type: ignore[list-item]
        (lambda: import_export.write_json(["x"], io.StringIO()), "rows[0]"),  # type: ignore[list-item]
        (lambda: import_export.write_json([{"id": b"x"}], io.StringIO()), "rows[0].id"),
        (lambda: import_export.write_csv([{"shoe_size": "42"}], io.StringIO()), "rows[0]"),
        (lambda: import_export.write_csv([], "out.csv"), "stream"),  # type: ignore[arg-type]
    ]
    for call, field in refused:
        with pytest.raises(gc.InvalidInput) as caught:
            call()
        assert caught.value.field == field
    assert crm.customers.import_rows([ROW], atomic=True).imported == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("latin1.csv", "given,country\nJürgen,DE\n".encode("latin-1")),
        ("utf16.csv", "given,country\nJürgen,DE\n".encode("utf-16")),
        ("latin1.json", '[{"given": "Jürgen"}]'.encode("latin-1")),
        ("deep.json", b"[" * 100_000),
        ("binary.csv", bytes(range(256)) * 4),
    ],
)
def test_import_command_reports_an_unreadable_file_in_one_line(
    tmp_path: Path, name: str, content: bytes
) -> None:
    from typer.testing import CliRunner

    from globalcrm.cli import app

    source = tmp_path / name
    source.write_bytes(content)
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    result = CliRunner().invoke(app, ["import", str(source), "--url", url])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.output.startswith("error: "), result.output
    assert "Jürgen" not in result.output and "J\\xfc" not in result.output
