"""Customer validation: every bad field raises the right error with its path."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import globalcrm as gc
from globalcrm import errors

BASE: dict[str, Any] = dict(
    name=gc.PersonName(given="Aino", surname="Mäkinen", locale="fi"),
    country="FI",
    language="fi",
    time_zone="Europe/Helsinki",
    currency="EUR",
)


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"country": "QQ"}, errors.InvalidComponent, "country"),
        ({"country": "Finland"}, errors.InvalidFormat, "country"),
        ({"country": None}, errors.InvalidFormat, "country"),
        ({"language": "xx"}, errors.InvalidComponent, "language"),
        ({"language": "fi_FI!"}, errors.InvalidFormat, "language"),
        ({"time_zone": "Europe/Nowhere"}, errors.InvalidComponent, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, errors.InvalidComponent, "time_zone"),
        ({"currency": "XQQ"}, errors.InvalidComponent, "currency"),
        ({"currency": 978}, errors.InvalidFormat, "currency"),
        ({"emails": ["aino@"]}, errors.InvalidFormat, "emails[0].address"),
        ({"emails": ["ok@example.fi", "x"]}, errors.InvalidFormat, "emails[1].address"),
        ({"emails": "aino@example.fi"}, errors.InvalidInput, "emails"),
        ({"phones": ["040 12"]}, errors.InvalidFormat, "phones[0].number"),
        ({"phones": [12345]}, errors.InvalidFormat, "phones[0]"),
        ({"addresses": [{"street_address": "x"}]}, errors.InvalidFormat, "addresses[0].city"),
        (
            {"handles": [{"service": "pigeon", "handle": "x"}]},
            errors.InvalidComponent,
            "handles[0].service",
        ),
        (
            {"handles": [{"service": "telegram", "handle": "a b"}]},
            errors.InvalidFormat,
            "handles[0].handle",
        ),
        ({"preferred_channels": ["fax"]}, errors.InvalidComponent, "preferred_channels[0]"),
        ({"formality": "casual"}, errors.InvalidComponent, "formality"),
        ({"gender": "x"}, errors.InvalidComponent, "gender"),
        ({"allergens": ["gluten"]}, errors.InvalidComponent, "allergens[0]"),
        ({"tags": ["ok", "not ok!"]}, errors.InvalidFormat, "tags[1]"),
        ({"attributes": {"a": float("nan")}}, errors.InvalidFormat, "attributes.a"),
        ({"attributes": {"a": object()}}, errors.InvalidFormat, "attributes.a"),
        ({"attributes": {1: "x"}}, errors.InvalidFormat, "attributes"),
        ({"tenant": "bad tenant"}, errors.InvalidFormat, "tenant"),
        ({"created_at": dt.datetime(2026, 1, 1)}, errors.InvalidFormat, "created_at"),
        ({"name": "Aino"}, errors.InvalidFormat, "name"),
        ({"name": {"given": "A\x00ino"}}, errors.InvalidFormat, "name.given"),
        (
            {"contact_hours": {"start": "9", "end": "18:00"}},
            errors.InvalidFormat,
            "contact_hours.start",
        ),
    ],
)
def test_bad_field_raises_with_its_path(
    changes: dict[str, Any], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        gc.Customer(**{**BASE, **changes})
    assert isinstance(caught.value, errors.GlobalCRMError)
    assert caught.value.field == field


def test_messages_do_not_echo_personal_data() -> None:
    with pytest.raises(gc.InvalidInput) as caught:
        gc.Customer(**{**BASE, "emails": ["secret.person@"], "phones": []})
    assert "secret" not in str(caught.value)
    with pytest.raises(gc.InvalidInput) as phone:
        gc.Customer(**{**BASE, "phones": ["+358 40 99"]})
    assert "99" not in str(phone.value)


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
