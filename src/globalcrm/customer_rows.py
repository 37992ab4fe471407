"""Customers as flat rows and as nested documents: the row schema, its checks, both directions.

One flat row per customer (a CSV line). List columns (``emails``, ``phones``, ``tags``...) hold
values separated by ``;``; where a value carries more than its text (a primary flag, a label),
the column holds a JSON array instead, so an export always imports back to the same customers.
A hand-made file may give the name as ``given``/``surname``/``name_locale`` columns, or as one
free-text ``name``. A nested document (:func:`customer_to_document`) holds the same fields as
JSON values: what a JSON export writes, and what :func:`customer_from_row` also reads.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from globalcrm import _checks
from globalcrm.contact_points import EmailAddress, PhoneNumber
from globalcrm.customers import Customer, check_customer_fields
from globalcrm.errors import GlobalCRMError, InvalidComponent, InvalidFormat
from globalcrm.locale.person_names import PersonName

__all__ = [
    "COLUMNS",
    "checked_row",
    "contacts_checked_ahead",
    "customer_from_row",
    "customer_to_document",
    "customer_to_row",
    "row_errors",
    "row_values",
]

COLUMNS = (
    "id",
    "given",
    "surname",
    "name_locale",
    "name_details",
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
    "birth_date",
    "dietary_needs",
    "allergens",
    "accessibility_needs",
    "tags",
    "external_ids",
    "attributes",
    "created_at",
    "updated_at",
)
"""The columns of an export, in order; an import also accepts any subset with the required ones.

An import also reads a free-text ``name`` column (``"Smith, John"``, ``"山田太郎"``) when the row
has no ``given`` or ``surname``: it is split by ``globalcrm.locale.parse_name`` in the row's
``name_locale`` (or ``language``), and a name that reads more than one way is a row error,
never a guess."""

_REQUIRED = ("country", "language", "time_zone", "currency")
_LISTS = (
    "emails",
    "phones",
    "preferred_channels",
    "dietary_needs",
    "allergens",
    "accessibility_needs",
    "tags",
)
_JSON_ONLY = (
    "other_names", "addresses", "handles", "contact_hours", "external_ids", "attributes",
    "name_details",
)
_MAX_CELL = 100_000

def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _json_cell(value: str, *, field: str) -> Any:
    try:
        return json.loads(value)
    except RecursionError:
        raise InvalidFormat("not valid JSON (nested too deeply)", field=field) from None
    except ValueError:
        raise InvalidFormat("not valid JSON", field=field) from None


_COLUMN_NAMES = frozenset({*COLUMNS, "name"})
_COLUMN_OF: dict[str, str] = {column: column for column in _COLUMN_NAMES}
"""Column names as a file spells them (any case, padded) -> ours; grows as files are read."""


def _column(key: object, row: Mapping[Any, Any]) -> str:
    """Our name of a file's column, remembered for the next row; unknown columns are an error.

    The error gives the column's position, never its name: a file without a header line has a
    customer's data where the names should be (``row 1: unknown column: column 3 ...``).
    """
    if not isinstance(key, str):
        raise InvalidFormat("column names must be text")
    column_name = key.strip().lower()
    if column_name not in _COLUMN_OF:
        number = next(i for i, k in enumerate(row, start=1) if k is key or k == key)
        close = difflib.get_close_matches(column_name, COLUMNS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (is the header line missing?)"
        raise InvalidComponent(f"unknown column: column {number}{hint}")
    if len(_COLUMN_OF) < 1024:
        _COLUMN_OF[key] = column_name
    return column_name


def customer_from_row(row: Mapping[str, Any], *, tenant: str = "default") -> Customer:
    """Build a customer from one flat row (CSV cells or JSON values); errors name the column."""
    return Customer(**row_values(row, tenant=tenant))


def row_values(row: Mapping[str, Any], *, tenant: str = "default") -> dict[str, Any]:
    """The checked fields of the customer in one flat row, as ``Customer(...)`` would hold them.

    Bulk imports store these directly, without building an entity per row.
    """
    return checked_row(row, tenant=tenant)[0]


def checked_row(row: Mapping[str, Any], *, tenant: str = "default") -> tuple[dict[str, Any], bool]:
    """:func:`row_values`, and whether the row gave its own id (else a new one was made)."""
    if not isinstance(row, Mapping):
        raise InvalidFormat(
            f"expected a row mapping column names to values, got {type(row).__name__}"
        )
    cells: dict[str, Any] = {}
    for key, value in row.items():
        column_name = _COLUMN_OF.get(key) if isinstance(key, str) else None
        if column_name is None:
            column_name = _column(key, row)
        if isinstance(value, str):
            if len(value) > _MAX_CELL:
                raise InvalidFormat(f"longer than {_MAX_CELL} characters", field=column_name)
            value = value.strip()
            if value == "":
                continue
        elif value is None:
            continue
        cells[column_name] = value
    for column in _REQUIRED:
        if column not in cells:
            raise InvalidFormat("is required", field=column)
    values: dict[str, Any] = {"tenant": tenant}
    for column in _LISTS:
        if column in cells:
            cell = cells[column]
            if isinstance(cell, str):
                cell = _json_cell(cell, field=column) if cell.startswith("[") else _split(cell)
            values[column] = cell
    for column in _JSON_ONLY:
        if column in cells:
            cell = cells[column]
            values[column] = _json_cell(cell, field=column) if isinstance(cell, str) else cell
    for column in (
        "id",
        "country",
        "language",
        "time_zone",
        "currency",
        "formality",
        "gender",
        "pronouns",
        "birth_date",
    ):
        if column in cells:
            values[column] = cells[column]
    for column in ("created_at", "updated_at"):
        if column in cells:
            cell = cells[column]
            try:
                values[column] = dt.datetime.fromisoformat(cell) if isinstance(cell, str) else cell
            except ValueError:
                raise InvalidFormat("expected an ISO 8601 timestamp", field=column) from None
    details = values.pop("name_details", None) or {}
    if not isinstance(details, Mapping):
        raise InvalidFormat("expected a JSON object", field="name_details")
    name: dict[str, Any] = dict(details)
    if isinstance(cells.get("name"), Mapping):  # a nested JSON document's name
        name.update(cells["name"])
    elif "name" in cells and "given" not in cells and "surname" not in cells:
        from globalcrm.locale.name_parsing import parse_name

        locale = str(cells.get("name_locale") or cells["language"])
        try:
            parsed = parse_name(cells["name"], locale=locale)
        except GlobalCRMError as error:
            raise error.at(field="name") from None
        name.update({k: v for k, v in parsed.to_json().items() if k != "reading"})
    for column, field in (("given", "given"), ("surname", "surname"), ("name_locale", "locale")):
        if column in cells:
            name[field] = cells[column]
    try:
        values["name"] = PersonName.from_json(name)
    except GlobalCRMError as error:
        raise error.at(field="name") from None
    if "other_names" in values:
        values["other_names"] = [
            PersonName.from_json(n) if isinstance(n, Mapping) else n
            for n in _checks.sequence(values["other_names"], field="other_names")
        ]
    return check_customer_fields(values), "id" in cells


def contacts_checked_ahead(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``rows`` with their emails and phone numbers checked ahead, one column at a time.

    Checking a whole column of emails, then one of phone numbers, is about a fifth faster
    than going back and forth between email-validator and phonenumbers row by row: each
    library's code and data stay in the processor's caches. :func:`checked_row` then finds the
    checked values in place of the text. A value that does not check is left as it was, so
    the row check reports it in its usual order, with its usual message.
    """
    if not isinstance(rows, list | tuple):
        raise InvalidFormat("expected a list of rows", field="rows")
    cells = [_contact_cells(row) for row in rows]
    emails = [
        None if found.emails is None else _parsed_items(found.emails, EmailAddress.parse)
        for found in cells
    ]
    phones = [
        None
        if found.phones is None or found.region is None
        else _parsed_items(found.phones, functools.partial(PhoneNumber.parse, region=found.region))
        for found in cells
    ]
    prepared: list[Mapping[str, Any]] = []
    for row, found, email_items, phone_items in zip(rows, cells, emails, phones, strict=True):
        if email_items is None and phone_items is None:
            prepared.append(row)
            continue
        copy = dict(row)
        if email_items is not None:
            copy[found.email_key] = email_items
        if phone_items is not None:
            copy[found.phone_key] = phone_items
        prepared.append(copy)
    return prepared


class _ContactCells(NamedTuple):
    """What one row gives the check ahead; see :func:`_contact_cells`."""

    emails: list[Any] | None
    phones: list[Any] | None
    region: str | None
    email_key: Any
    phone_key: Any


_NONE_AHEAD = _ContactCells(None, None, None, None, None)
_AHEAD_COLUMNS = frozenset({"emails", "phones", "country"})


def _contact_cells(row: object) -> _ContactCells:
    """A row's email and phone items, its checked country and the keys of the two cells.

    Each is ``None`` where there is nothing to check ahead (no cell, no valid country). A
    row with a column not seen before, or with one of these columns twice, is left to the row
    check: which of two cells counts is its decision.
    """
    if not isinstance(row, Mapping):
        return _NONE_AHEAD
    found: dict[str, tuple[Any, Any]] = {}
    for key, value in row.items():
        column = _COLUMN_OF.get(key) if isinstance(key, str) else None
        if column is None or column in found:
            return _NONE_AHEAD
        if column in _AHEAD_COLUMNS:
            found[column] = (key, value)
    email_key, email_cell = found.get("emails", (None, None))
    phone_key, phone_cell = found.get("phones", (None, None))
    country = found["country"][1] if "country" in found else None
    try:
        region = _checks.country(country) if isinstance(country, str) else None
    except GlobalCRMError:
        region = None
    return _ContactCells(_items(email_cell), _items(phone_cell), region, email_key, phone_key)


def _items(cell: object) -> list[Any] | None:
    """A list cell's items as :func:`checked_row` reads them.

    ``None`` if it has none, or is one the row check must judge (too long, JSON text).
    """
    if isinstance(cell, str):
        if len(cell) > _MAX_CELL or cell.lstrip().startswith("["):
            return None
        return _split(cell) or None
    if isinstance(cell, list) and cell:
        return cell
    return None


def _parsed_items(items: list[Any], parse: Callable[[str], Any]) -> list[Any]:
    """Each text item parsed; other items, and text that does not parse, left as they were."""
    out = []
    for item in items:
        if isinstance(item, str):
            # not contextlib.suppress: a context manager per cell costs about a microsecond
            try:  # noqa: SIM105
                item = parse(item)
            except GlobalCRMError:
                pass  # left as it was: the row check reports it
        out.append(item)
    return out


_NAME_COLUMNS = frozenset({"given", "surname", "name_locale", "name_details", "name"})
_STAND_INS = {
    "country": "US",
    "language": "en",
    "time_zone": "UTC",
    "currency": "EUR",
    "given": "X",
}
"""Valid cells put in place of bad or missing required ones, only to check the rest of a row."""
_NEED_COUNTRY = frozenset({"phones", "addresses", "handles"})
"""Columns read in the row's country (national phone numbers, address rules): set aside with it."""


def row_errors(row: Mapping[str, Any], *, tenant: str = "default") -> list[GlobalCRMError]:
    """Every problem of one row, in the order the checks find them; empty if the row is valid.

    :func:`row_values` stops at the first bad cell. Here each bad column is set aside (a
    required one replaced by a valid stand-in) and the row checked again, so one mistake does
    not hide the next. Columns that depend on a bad one are set aside with it: phone numbers
    and addresses are read in the row's country, a one-column name in its language.
    """
    errors: list[GlobalCRMError] = []
    current: Mapping[str, Any] = row
    set_aside: set[str] = set()
    for _ in range(len(COLUMNS) + 2):  # each round sets at least one more column aside
        try:
            checked_row(current, tenant=tenant)
        except GlobalCRMError as error:
            columns = _columns_of(error.field)
            if columns & set_aside:
                break  # the stand-in's consequence, not a problem of the file
            errors.append(error)
            if not columns:
                break  # not a column's problem (the row itself, an unknown column)
            if "country" in columns:
                columns |= _NEED_COUNTRY
            if "language" in columns and _name_in_one_cell(current):
                break  # the name is split by the language: it cannot be checked further
            set_aside |= columns
            current = _without(current, columns)
        else:
            break
    return errors


def _columns_of(field: str | None) -> set[str]:
    """The columns whose cells an error's field path names (``emails[0]`` -> ``emails``)."""
    if not field:
        return set()
    head = field.split(".", 1)[0].split("[", 1)[0]
    if head == "name":
        return set(_NAME_COLUMNS)
    return {head} if head in _COLUMN_NAMES else set()


def _name_in_one_cell(row: Mapping[str, Any]) -> bool:
    names = {_our_name(key) for key, value in row.items() if value}
    return "name" in names and not names & {"given", "surname", "name_locale"}


def _our_name(key: object) -> str | None:
    """Our name of a file's column (any case, padded), or None if it is not text."""
    return _COLUMN_OF.get(key) or key.strip().lower() if isinstance(key, str) else None


def _without(row: Mapping[str, Any], columns: set[str]) -> dict[str, Any]:
    """``row`` without the cells of ``columns``; required ones get their stand-in."""
    kept = {
        key: value
        for key, value in row.items()
        if _our_name(key) not in columns
    }
    for column in columns & _STAND_INS.keys():  # a name error sets "given" aside with the name
        kept[column] = _STAND_INS[column]
    return kept


def _plain_or_json(points: Iterable[Any], text_of: str) -> str:
    items = list(points)
    dumps = [_point_json(point) for point in items]
    if all(
        set(d) <= {text_of, "primary", "verified"}
        and not d.get("primary")
        and not d.get("verified")
        for d in dumps
    ):
        return ";".join(str(d[text_of]) for d in dumps)
    return json.dumps(dumps, ensure_ascii=False, sort_keys=True)


def _point_json(point: Any) -> dict[str, Any]:
    data: dict[str, Any] = point.to_json()
    return data


def customer_to_document(customer: Customer) -> dict[str, Any]:
    """A customer as one nested JSON object (names, contact points, hours as JSON, not text).

    :func:`customer_from_row` reads it back to an equal customer; empty fields are left out.

    ```pycon
    >>> from globalcrm.demo_data import sample_customers
    >>> document = customer_to_document(sample_customers()[0])
    >>> document["name"]["locale"], document["phones"][0]["number"][:4]
    ('lt', '+370')
    >>> customer_from_row(document).phones == sample_customers()[0].phones
    True

    ```
    """
    if not isinstance(customer, Customer):
        raise InvalidFormat(f"expected a Customer, got {type(customer).__name__}", field="customer")
    document: dict[str, Any] = {
        "id": customer.id,
        "name": customer.name.to_json(),
        "other_names": [n.to_json() for n in customer.other_names],
        "country": customer.country,
        "language": customer.language,
        "time_zone": customer.time_zone,
        "currency": customer.currency,
        "emails": [e.to_json() for e in customer.emails],
        "phones": [p.to_json() for p in customer.phones],
        "addresses": [a.to_json() for a in customer.addresses],
        "handles": [h.to_json() for h in customer.handles],
        "preferred_channels": list(customer.preferred_channels),
        "contact_hours": customer.contact_hours.to_json() if customer.contact_hours else None,
        "formality": None if customer.formality is None else str(customer.formality),
        "gender": customer.gender,
        "pronouns": customer.pronouns,
        "birth_date": customer.birth_date.isoformat() if customer.birth_date else None,
        "dietary_needs": list(customer.dietary_needs),
        "allergens": list(customer.allergens),
        "accessibility_needs": list(customer.accessibility_needs),
        "tags": list(customer.tags),
        "external_ids": dict(customer.external_ids),
        "attributes": dict(customer.attributes),
        "created_at": customer.created_at.isoformat() if customer.created_at else None,
        "updated_at": customer.updated_at.isoformat() if customer.updated_at else None,
    }
    return {key: value for key, value in document.items() if value not in (None, [], {})}


def customer_to_row(customer: Customer) -> dict[str, str]:
    """One flat row for a customer; :func:`customer_from_row` reads it back to an equal customer."""
    if not isinstance(customer, Customer):
        raise InvalidFormat(f"expected a Customer, got {type(customer).__name__}", field="customer")
    name = customer.name.to_json()
    details = {k: v for k, v in name.items() if k not in ("given", "surname", "locale")}
    row = {
        "id": customer.id,
        "given": customer.name.given or "",
        "surname": customer.name.surname or "",
        "name_locale": customer.name.locale,
        "name_details": json.dumps(details, ensure_ascii=False, sort_keys=True) if details else "",
        "other_names": json.dumps(
            [n.to_json() for n in customer.other_names], ensure_ascii=False, sort_keys=True
        )
        if customer.other_names
        else "",
        "country": customer.country,
        "language": customer.language,
        "time_zone": customer.time_zone,
        "currency": customer.currency,
        "emails": _plain_or_json(customer.emails, "address"),
        "phones": _plain_or_json(customer.phones, "number"),
        "addresses": json.dumps(
            [a.to_json() for a in customer.addresses], ensure_ascii=False, sort_keys=True
        )
        if customer.addresses
        else "",
        "handles": json.dumps(
            [_point_json(h) for h in customer.handles], ensure_ascii=False, sort_keys=True
        )
        if customer.handles
        else "",
        "preferred_channels": ";".join(customer.preferred_channels),
        "contact_hours": json.dumps(customer.contact_hours.to_json())
        if customer.contact_hours
        else "",
        "formality": customer.formality or "",
        "gender": customer.gender or "",
        "pronouns": customer.pronouns or "",
        "birth_date": customer.birth_date.isoformat() if customer.birth_date else "",
        "dietary_needs": ";".join(customer.dietary_needs),
        "allergens": ";".join(customer.allergens),
        "accessibility_needs": ";".join(customer.accessibility_needs),
        "tags": ";".join(customer.tags),
        "external_ids": json.dumps(customer.external_ids, ensure_ascii=False, sort_keys=True)
        if customer.external_ids
        else "",
        "attributes": json.dumps(customer.attributes, ensure_ascii=False, sort_keys=True)
        if customer.attributes
        else "",
        "created_at": customer.created_at.isoformat() if customer.created_at else "",
        "updated_at": customer.updated_at.isoformat() if customer.updated_at else "",
    }
    return row


