"""Customer validation: every bad field raises the right error with its path."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import errors, import_export
from globalcrm.customers import parse_phone

BASE: dict[str, Any] = dict(
    name=gc.PersonName(given="Aino", surname="Mäkinen", locale="fi"),
    country="FI",
    language="fi",
    time_zone="Europe/Helsinki",
    currency="EUR",
)


CUSTOMER_CASES: list[tuple[str, dict[str, Any], type[errors.GlobalCRMError], str]] = [
    ("name", {"name": "Aino"}, errors.InvalidFormat, "name"),
    ("name", {"name": None}, errors.InvalidFormat, "name"),
    ("name", {"name": {"given": "A\x00ino"}}, errors.InvalidFormat, "name.given"),
    ("name", {"name": {"given": "A", "locale": "xx-Latn"}}, errors.InvalidComponent, "name.locale"),
    ("country", {"country": "QQ"}, errors.InvalidComponent, "country"),
    ("country", {"country": "Finland"}, errors.InvalidFormat, "country"),
    ("country", {"country": None}, errors.InvalidFormat, "country"),
    ("language", {"language": "xx"}, errors.InvalidComponent, "language"),
    ("language", {"language": "fi_FI!"}, errors.InvalidFormat, "language"),
    ("time_zone", {"time_zone": "Europe/Nowhere"}, errors.InvalidComponent, "time_zone"),
    ("time_zone", {"time_zone": "../../etc/passwd"}, errors.InvalidComponent, "time_zone"),
    ("currency", {"currency": "XQQ"}, errors.InvalidComponent, "currency"),
    ("currency", {"currency": 978}, errors.InvalidFormat, "currency"),
    ("other_names", {"other_names": "Aino"}, errors.InvalidInput, "other_names"),
    ("other_names", {"other_names": ["Aino"]}, errors.InvalidFormat, "other_names[0]"),
    (
        "other_names",
        {"other_names": [{"given": "Аіно", "locale": "xx-Cyrl"}]},
        errors.InvalidComponent,
        "other_names[0].locale",
    ),
    ("emails", {"emails": ["aino@"]}, errors.InvalidFormat, "emails[0]"),
    ("emails", {"emails": ["ok@example.fi", "x"]}, errors.InvalidFormat, "emails[1]"),
    ("emails", {"emails": [12]}, errors.InvalidFormat, "emails[0]"),
    ("emails", {"emails": "aino@example.fi"}, errors.InvalidInput, "emails"),
    ("emails", {"emails": [{"address": "aino@"}]}, errors.InvalidFormat, "emails[0].address"),
    (
        "emails",
        {"emails": [{"address": "a@example.fi", "primary": "yes"}]},
        errors.InvalidFormat,
        "emails[0].primary",
    ),
    (
        "emails",
        {"emails": [{"address": "a@example.fi", "label": "x" * 65}]},
        errors.InvalidLength,
        "emails[0].label",
    ),
    ("phones", {"phones": ["040 12"]}, errors.InvalidFormat, "phones[0]"),
    ("phones", {"phones": [12345]}, errors.InvalidFormat, "phones[0]"),
    ("phones", {"phones": [{"number": "040 12"}]}, errors.InvalidFormat, "phones[0].number"),
    (
        "phones",
        {"phones": [{"number": "+358401234567", "verified": 1}]},
        errors.InvalidFormat,
        "phones[0].verified",
    ),
    (
        "phones",
        {"phones": [{"number": "+358401234567", "primary": True},
                    {"number": "+358401234568", "primary": True}]},
        errors.InvalidInput,
        "phones",
    ),
    ("addresses", {"addresses": ["Helsinki"]}, errors.InvalidFormat, "addresses[0]"),
    (
        "addresses",
        {"addresses": [{"street_address": "x"}]},
        errors.InvalidFormat,
        "addresses[0].city",
    ),
    (
        "addresses",
        {"addresses": [{"street_address": "Mannerheimintie 1", "city": "Helsinki",
                        "postal_code": "ABC"}]},
        errors.InvalidFormat,
        "addresses[0].postal_code",
    ),
    ("addresses", {"addresses": [{"country": "QQ"}]}, errors.InvalidComponent,
     "addresses[0].country"),
    ("handles", {"handles": ["@aino"]}, errors.InvalidFormat, "handles[0]"),
    (
        "handles",
        {"handles": [{"service": "pigeon", "handle": "x"}]},
        errors.InvalidComponent,
        "handles[0].service",
    ),
    (
        "handles",
        {"handles": [{"service": "telegram", "handle": "a b"}]},
        errors.InvalidFormat,
        "handles[0].handle",
    ),
    (
        "handles",
        {"handles": [{"service": "whatsapp", "handle": "040 12"}]},
        errors.InvalidFormat,
        "handles[0].handle",
    ),
    ("preferred_channels", {"preferred_channels": "email"}, errors.InvalidInput,
     "preferred_channels"),
    ("preferred_channels", {"preferred_channels": ["fax"]}, errors.InvalidComponent,
     "preferred_channels[0]"),
    ("contact_hours", {"contact_hours": "9-17"}, errors.InvalidFormat, "contact_hours"),
    (
        "contact_hours",
        {"contact_hours": {"start": "9", "end": "18:00"}},
        errors.InvalidFormat,
        "contact_hours.start",
    ),
    ("contact_hours", {"contact_hours": {"start": "09:00"}}, errors.InvalidFormat,
     "contact_hours.end"),
    (
        "contact_hours",
        {"contact_hours": {"start": "09:00", "end": "18:00", "weekdays": [8]}},
        errors.InvalidFormat,
        "contact_hours.weekdays",
    ),
    ("formality", {"formality": "casual"}, errors.InvalidComponent, "formality"),
    ("formality", {"formality": 1}, errors.InvalidFormat, "formality"),
    ("gender", {"gender": "x"}, errors.InvalidComponent, "gender"),
    ("pronouns", {"pronouns": "x" * 65}, errors.InvalidLength, "pronouns"),
    ("pronouns", {"pronouns": 3}, errors.InvalidFormat, "pronouns"),
    ("birth_date", {"birth_date": "17/04/1990"}, errors.InvalidFormat, "birth_date"),
    ("birth_date", {"birth_date": dt.datetime(1990, 4, 17)}, errors.InvalidFormat, "birth_date"),
    ("birth_date", {"birth_date": dt.date(1850, 1, 1)}, errors.InvalidFormat, "birth_date"),
    ("dietary_needs", {"dietary_needs": "halal"}, errors.InvalidInput, "dietary_needs"),
    ("dietary_needs", {"dietary_needs": ["halal", "no pork!"]}, errors.InvalidFormat,
     "dietary_needs[1]"),
    ("allergens", {"allergens": "milk"}, errors.InvalidInput, "allergens"),
    ("allergens", {"allergens": ["gluten"]}, errors.InvalidComponent, "allergens[0]"),
    ("allergens", {"allergens": ["milk", None]}, errors.InvalidFormat, "allergens[1]"),
    ("accessibility_needs", {"accessibility_needs": [1]}, errors.InvalidFormat,
     "accessibility_needs[0]"),
    ("tags", {"tags": ["ok", "not ok!"]}, errors.InvalidFormat, "tags[1]"),
    ("tags", {"tags": "vip"}, errors.InvalidInput, "tags"),
    ("external_ids", {"external_ids": ["shopify"]}, errors.InvalidFormat, "external_ids"),
    ("external_ids", {"external_ids": {"Shop ify!": "1"}}, errors.InvalidFormat,
     "external_ids[#0]"),
    ("external_ids", {"external_ids": {"shopify": 123}}, errors.InvalidFormat,
     "external_ids.shopify"),
    ("external_ids", {"external_ids": {"shopify": ""}}, errors.InvalidFormat,
     "external_ids.shopify"),
    ("external_ids", {"external_ids": {"shopify": "1\n2"}}, errors.InvalidFormat,
     "external_ids.shopify"),
    ("external_ids", {"external_ids": {"shopify": "9" * 129}}, errors.InvalidLength,
     "external_ids.shopify"),
    ("attributes", {"attributes": {"a": float("nan")}}, errors.InvalidFormat, "attributes.a"),
    ("attributes", {"attributes": {"a": object()}}, errors.InvalidFormat, "attributes.a"),
    ("attributes", {"attributes": {1: "x"}}, errors.InvalidFormat, "attributes"),
    ("attributes", {"attributes": []}, errors.InvalidFormat, "attributes"),
    ("attributes", {"attributes": {"tier": [1, float("inf")]}}, errors.InvalidFormat,
     "attributes.tier[1]"),
    ("attributes", {"attributes": {"ok": 1, "Shoe Size": float("nan")}}, errors.InvalidFormat,
     "attributes[#1]"),
    ("attributes", {"attributes": {"x": "y" * 70_000}}, errors.InvalidLength, "attributes.x"),
    ("tenant", {"tenant": "bad tenant"}, errors.InvalidFormat, "tenant"),
    ("tenant", {"tenant": ""}, errors.InvalidFormat, "tenant"),
    ("id", {"id": "not-an-id"}, errors.InvalidFormat, "id"),
    ("created_at", {"created_at": dt.datetime(2026, 1, 1)}, errors.InvalidFormat, "created_at"),
    ("updated_at", {"updated_at": "2026-01-01"}, errors.InvalidFormat, "updated_at"),
    ("version", {"version": -1}, errors.InvalidFormat, "version"),
    ("version", {"version": True}, errors.InvalidFormat, "version"),
]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [case[1:] for case in CUSTOMER_CASES],
    ids=[f"{case[0]}-{case[3]}" for case in CUSTOMER_CASES],
)
def test_bad_field_raises_with_its_path(
    changes: dict[str, Any], error: type[errors.GlobalCRMError], field: str
) -> None:
    with pytest.raises(error) as caught:
        gc.Customer(**{**BASE, **changes})
    assert type(caught.value) is error
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_every_customer_field_has_a_bad_value_case() -> None:
    fields = {f.name for f in attrs.fields(gc.Customer)}
    assert fields == {case[0] for case in CUSTOMER_CASES}


NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
INTERACTION: dict[str, Any] = dict(
    customer_id="01KAQ3V4J5ZC6Y3W8N0R2T4V6X", channel="email", direction="inbound", occurred_at=NOW
)
INTERACTION_CASES: list[tuple[str, dict[str, Any], type[errors.GlobalCRMError], str]] = [
    ("customer_id", {"customer_id": "x"}, errors.InvalidFormat, "customer_id"),
    ("channel", {"channel": "fax"}, errors.InvalidComponent, "channel"),
    ("channel", {"channel": None}, errors.InvalidFormat, "channel"),
    ("direction", {"direction": "sideways"}, errors.InvalidComponent, "direction"),
    ("direction", {"direction": None}, errors.InvalidFormat, "direction"),
    ("occurred_at", {"occurred_at": dt.datetime(2026, 1, 1)}, errors.InvalidFormat, "occurred_at"),
    ("occurred_at", {"occurred_at": "2026-01-01T00:00Z"}, errors.InvalidFormat, "occurred_at"),
    ("body", {"body": 5}, errors.InvalidFormat, "body"),
    ("body", {"body": "a\x00b"}, errors.InvalidFormat, "body"),
    ("body", {"body": "x" * 1_000_001}, errors.InvalidLength, "body"),
    ("subject", {"subject": "a\x1b"}, errors.InvalidFormat, "subject"),
    ("subject", {"subject": "x" * 1001}, errors.InvalidLength, "subject"),
    ("conversation", {"conversation": 1}, errors.InvalidFormat, "conversation"),
    ("conversation", {"conversation": "x" * 201}, errors.InvalidLength, "conversation"),
    ("language", {"language": "xx"}, errors.InvalidComponent, "language"),
    ("language", {"language": 5}, errors.InvalidFormat, "language"),
    ("agent", {"agent": []}, errors.InvalidFormat, "agent"),
    ("agent", {"agent": "x" * 201}, errors.InvalidLength, "agent"),
    ("outcome", {"outcome": "\x1b"}, errors.InvalidFormat, "outcome"),
    ("sentiment", {"sentiment": 2}, errors.InvalidFormat, "sentiment"),
    ("sentiment", {"sentiment": "0.5"}, errors.InvalidFormat, "sentiment"),
    ("sentiment", {"sentiment": True}, errors.InvalidFormat, "sentiment"),
    ("metadata", {"metadata": []}, errors.InvalidFormat, "metadata"),
    ("metadata", {"metadata": {"k": float("nan")}}, errors.InvalidFormat, "metadata.k"),
    ("metadata", {"metadata": {"Order No": [1, float("inf")]}}, errors.InvalidFormat,
     "metadata[#0][1]"),
    ("metadata", {"metadata": {"x": "y" * 70_000}}, errors.InvalidLength, "metadata.x"),
    ("tenant", {"tenant": ""}, errors.InvalidFormat, "tenant"),
    ("id", {"id": "bad"}, errors.InvalidFormat, "id"),
]


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [case[1:] for case in INTERACTION_CASES],
    ids=[f"{case[0]}-{case[3]}" for case in INTERACTION_CASES],
)
def test_bad_interaction_field_raises_with_its_path(
    changes: dict[str, Any], error: type[errors.GlobalCRMError], field: str
) -> None:
    with pytest.raises(error) as caught:
        gc.Interaction(**{**INTERACTION, **changes})
    assert type(caught.value) is error
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_every_interaction_field_has_a_bad_value_case() -> None:
    fields = {f.name for f in attrs.fields(gc.Interaction)}
    assert fields == {case[0] for case in INTERACTION_CASES}


def test_messages_do_not_echo_personal_data() -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        gc.Customer(**{**BASE, "emails": ["secret.person@"], "phones": []})
    assert "secret" not in str(caught.value)
    with pytest.raises(gc.InvalidInput) as phone:
        gc.Customer(**{**BASE, "phones": ["+358 40 99"]})
    assert "99" not in str(phone.value)


PERSONAL = ["Jonas Petraitis", "Petraitis", "Jonas-Petraitis", "Petraitis Jonas/Vilnius"]
"""A person's name where a code belongs: in a field, or as a key or column name."""
ROW = {"given": "Aino", "country": "FI", "language": "fi", "time_zone": "Europe/Helsinki",
       "currency": "EUR"}


def _personal_name_cases(name: str) -> list[Callable[[], object]]:
    crm = gc.open("sqlite://")
    stored = gc.Customer(**BASE)
    return [
        *(lambda f=f: gc.Customer(**{**BASE, f: name})
          for f in ("country", "language", "time_zone", "currency")),
        lambda: gc.PersonName(given="Aino", locale=name),
        lambda: gc.Customer(**{**BASE, "other_names": [{"given": "Aino", "locale": name}]}),
        lambda: gc.Customer(**{**BASE, "attributes": {name: float("nan")}}),
        lambda: gc.Customer(**{**BASE, "attributes": {"tier": {name: [float("inf")]}}}),
        lambda: gc.Customer(**{**BASE, "attributes": {"tier": [{name: object()}]}}),
        lambda: gc.Interaction(**{**INTERACTION, "language": name}),
        lambda: gc.Interaction(**{**INTERACTION, "metadata": {name: float("nan")}}),
        lambda: gc.PhoneNumber.parse("040 1234567", region=name),
        lambda: parse_phone("040 1234567", name),
        lambda: gc.PostalAddress(country=name),
        lambda: crm.customers.display_name(stored, reader_locale=name),
        *(lambda c=c: import_export.row_values({**ROW, c: name})
          for c in ("country", "language", "time_zone", "currency", "name_locale")),
        lambda: import_export.row_values({**ROW, name: "x"}),
        lambda: import_export.row_values({**ROW, name.lower(): "x"}),
        lambda: import_export.row_values({**ROW, "attributes": json.dumps({name: [1e999]})}),
    ]


@pytest.mark.parametrize("name", PERSONAL)
def test_a_name_where_a_code_belongs_is_never_echoed(name: str) -> None:
    cases = _personal_name_cases(name)
    for case in cases:
        with pytest.raises(gc.GlobalCRMError) as caught:
            case()
        shown = f"{caught.value!s} {caught.value.args!r} {caught.value.field!r}".casefold()
        for word in ("jonas", "petraitis"):
            assert word not in shown, (cases.index(case), str(caught.value))


def test_codes_shaped_like_codes_are_still_echoed() -> None:
    shown = {
        "country": "'QQ'",
        "currency": "'XQQ'",
        "language": "'xx-Latn'",
        "time_zone": "'Mars/Olympus_Mons'",
    }
    for field, code in shown.items():
        with pytest.raises(errors.InvalidComponent) as caught:
            gc.Customer(**{**BASE, field: code.strip("'")})
        assert code in str(caught.value)
        assert caught.value.field == field
    with pytest.raises(errors.InvalidComponent) as column:
        import_export.row_values({**ROW, "shoe_size": "42"})
    assert (column.value.field, column.value.message) == (
        None,
        "unknown column: column 6 (is the header line missing?)",
    )
    with pytest.raises(errors.InvalidComponent) as typo:
        import_export.row_values({**ROW, "emial": "aino@example.fi"})
    assert typo.value.message == "unknown column: column 6; did you mean 'emails'?"


def test_values_are_normalised() -> None:
    c = gc.Customer(
        **{
            **BASE,
            "country": " fi ",
            "currency": "eur",
            "language": "FI",
            "tags": ["VIP", "vip", "Key Account"],
            "preferred_channels": ["Email"],
        }
    )
    assert (c.country, c.currency, c.language) == ("FI", "EUR", "fi")
    assert c.tags == ("vip", "key_account")
    assert c.preferred_channels == ("email",)


def test_only_one_primary_contact_point_per_kind() -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        gc.Customer(
            **{
                **BASE,
                "emails": [
                    gc.EmailAddress(address="a@example.fi", primary=True),
                    gc.EmailAddress(address="b@example.fi", primary=True),
                ],
            }
        )
    assert caught.value.field == "emails"


def test_phone_number_type_and_formats() -> None:
    mobile = gc.PhoneNumber.parse("050 234 5678", region="IL")
    assert (mobile.number, mobile.type, mobile.region) == ("+972502345678", "mobile", "IL")
    fixed = gc.PhoneNumber.parse("030 901820", region="DE")
    assert fixed.type == "fixed"
    assert fixed.international() == "+49 30 901820"


def test_overnight_contact_hours() -> None:
    night = gc.ContactHours(start="22:00", end="02:00", weekdays=(5,))  # Friday night
    assert night.allows(dt.datetime(2026, 11, 27, 23, 0))  # Friday 23:00
    assert night.allows(dt.datetime(2026, 11, 28, 1, 0))  # Saturday 01:00, Friday's window
    assert not night.allows(dt.datetime(2026, 11, 28, 23, 0))  # Saturday 23:00
    assert not night.allows(dt.datetime(2026, 11, 27, 12, 0))


def test_person_name_needs_a_name_and_knows_cldr_fields() -> None:
    with pytest.raises(gc.InvalidInput):
        gc.PersonName(title="Dr.")
    name = gc.PersonName.from_cldr_fields(
        {"given": "Mary Sue", "given-informal": "Marge", "surname": "Hamish", "locale": "en-AU"}
    )
    assert name.given_informal == "Marge" and name.locale == "en-AU"
    assert gc.PersonName.from_cldr_fields(name.to_cldr_fields()) == name
    with pytest.raises(gc.InvalidInput) as caught:
        gc.PersonName.from_cldr_fields({"nickname": "x"})
    assert caught.value.field == "nickname"


def test_search_tokens_fold_scripts() -> None:
    name = gc.PersonName(given="Oʻlmas", surname="Toʻxtayev", locale="uz-Latn")
    assert name.search_tokens() == ["olmas", "toxtayev"]
    korean = gc.PersonName(given="민준", surname="김", locale="ko")
    assert korean.full == "김민준" and "김민준" in korean.search_tokens()


def test_fields_not_given_take_the_same_defaults_either_way() -> None:
    # no optional field: defaults in one step; "version" given: every field through its check
    from globalcrm.customers import check_customer_fields

    base = {"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "name": {"given": "Aino", "locale": "fi"},
            "country": "FI", "language": "fi", "time_zone": "Europe/Helsinki", "currency": "EUR",
            "emails": ["aino@example.fi"], "phones": ["040 1234567"]}
    quick = check_customer_fields(base)
    full = check_customer_fields({**base, "version": 0})
    assert quick == full
    assert quick["attributes"] == {} and quick["attributes"] is not check_customer_fields(base)[
        "attributes"
    ]


# --------------------------------------------------------------------------- assignments


def test_an_assignment_is_checked_as_construction_checks_it() -> None:
    customer = gc.Customer(**BASE)
    with pytest.raises(errors.InvalidFormat) as caught:
        customer.country = "Jonas Petraitis was here"
    assert caught.value.field == "country" and customer.country == "FI"
    customer.country = "lv"
    assert customer.country == "LV"
    # assignments convert as __init__ does (mypy knows only the stored type)
    customer.phones = ["21 234 567", {"number": "+37061234568", "primary": True}]  # type: ignore[assignment]
    assert [p.number for p in customer.phones] == ["+37121234567", "+37061234568"]  # read in LV
    with pytest.raises(errors.InvalidFormat) as phone:
        customer.phones = ["12"]  # type: ignore[assignment]
    assert phone.value.field == "phones[0]" and len(customer.phones) == 2


def test_a_customer_never_changes_tenant_or_id() -> None:
    customer = gc.Customer(**BASE)
    for field, value in (("tenant", "globex"), ("id", "01KAQ3V4J5ZC6Y3W8N0R2T4V6X")):
        with pytest.raises(errors.InvalidInput) as caught:
            setattr(customer, field, value)
        assert caught.value.field == field
    assert customer.tenant == "default"


def test_an_interaction_never_changes_customer_tenant_or_id() -> None:
    interaction = gc.Interaction(**INTERACTION)
    for field in ("customer_id", "tenant", "id"):
        with pytest.raises(errors.InvalidInput):
            setattr(interaction, field, "01KAQ3V4J5ZC6Y3W8N0R2T4V6Y")
    with pytest.raises(errors.InvalidComponent):
        interaction.channel = "carrier pigeon"
    interaction.channel = "WhatsApp"
    assert interaction.channel == "whatsapp"


@pytest.mark.parametrize(
    "attributes",
    [
        {" tier": "gold", "tier": "silver"},
        {"caf\u00e9": 1, "cafe\u0301": 2},
        {"a": {"k": 1, "k ": 2}},
    ],
)
def test_keys_that_collapse_into_one_are_refused(attributes: dict[str, Any]) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        gc.Customer(**{**BASE, "attributes": attributes})
    assert caught.value.message.startswith("two keys are the same")
    assert caught.value.field is not None and caught.value.field.startswith("attributes")


EXTREMES = [
    dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),
]


@pytest.mark.parametrize("moment", EXTREMES)
def test_instants_without_a_utc_form_are_invalid_input(moment: dt.datetime) -> None:
    with pytest.raises(errors.InvalidFormat) as caught:
        gc.Customer(**{**BASE, "created_at": moment})
    assert caught.value.field == "created_at"
    with pytest.raises(errors.InvalidFormat):
        gc.Interaction(**{**INTERACTION, "occurred_at": moment})
    with pytest.raises(errors.InvalidFormat):
        gc.Customer(**BASE).local_time(moment)
    report_row = {**ROW, "created_at": moment.isoformat()}
    with pytest.raises(errors.InvalidFormat):
        import_export.row_values(report_row)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        ({"given": "A", "Jonas Petraitis": "x"}, "name field"),
        ({"given": "A", "Petraitis": "x", "locale": "lt"}, "name field"),
    ],
)
def test_unknown_keys_are_named_by_position_unless_they_are_codes(
    data: dict[str, str], what: str
) -> None:
    with pytest.raises(errors.InvalidComponent) as caught:
        gc.PersonName.from_json(data)
    assert "Petraitis" not in str(caught.value) and what in str(caught.value)
    assert caught.value.field == "[#1]"
    with pytest.raises(errors.InvalidComponent) as cldr:
        gc.PersonName.from_cldr_fields(data)
    assert "Petraitis" not in str(cldr.value)
    mappings: list[Callable[[], object]] = [
        lambda: gc.Customer(**{**BASE, "emails": [{"address": "a@example.fi", "Jonas P": 1}]}),
        lambda: gc.Customer(**{**BASE, "contact_hours": {"start": "9:00", "Jonas P": 1}}),
        lambda: gc.Customer(**{**BASE, "addresses": [{"city": "Espoo", "Jonas P": 1}]}),
        lambda: gc.Customer(
            **{**BASE, "handles": [{"service": "telegram", "handle": "@aino", "Jonas P": 1}]}
        ),
    ]
    for make in mappings:
        with pytest.raises(errors.InvalidComponent) as point:
            make()
        assert "Jonas" not in str(point.value), str(point.value)
    with pytest.raises(errors.InvalidComponent) as code:
        gc.PersonName.from_json({"given": "A", "nickname": "x"})
    assert "'nickname'" in str(code.value)


_BAD_BY_FIELD = {case[0]: case for case in reversed(CUSTOMER_CASES)}
"""One bad-value case per field (the first listed)."""
_REQUIRED_FIELDS = ("name", "country", "language", "time_zone", "currency")
_READ_WITH_COUNTRY = ("phones", "addresses", "handles")


@settings(max_examples=200, deadline=None)
@given(
    bad=st.sets(st.sampled_from(sorted(_BAD_BY_FIELD)), max_size=4),
    missing=st.sets(st.sampled_from(_REQUIRED_FIELDS), max_size=2),
)
def test_the_first_problem_in_field_order_is_the_one_reported(
    bad: set[str], missing: set[str]
) -> None:
    """``check_customer_fields`` names the first bad or missing field in declaration order."""
    from globalcrm.customers import check_customer_fields

    values = dict(BASE)
    for field in bad:
        values.update(_BAD_BY_FIELD[field][1])
    for field in missing:
        values.pop(field, None)
    order = [f.name for f in attrs.fields(gc.Customer)]
    # phones, addresses and handles are read with the customer's country once every field is
    # converted: their problems come after the others'
    read_last = [f for f in order if f in _READ_WITH_COUNTRY]
    checked_order = [f for f in order if f not in _READ_WITH_COUNTRY] + read_last
    problems = sorted(bad | missing, key=checked_order.index)
    if not problems:
        checked = check_customer_fields(values)
        assert list(checked) == order  # every field, in order
        return
    first = problems[0]
    with pytest.raises(errors.GlobalCRMError) as caught:
        check_customer_fields(values)
    if first in missing:
        assert caught.value.field == first
        assert caught.value.message == "is required"
    else:
        _, _, error, field = _BAD_BY_FIELD[first]
        assert type(caught.value) is error
        assert caught.value.field == field
