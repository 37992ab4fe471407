"""Postal addresses in the store: the customer's Latin version survives, old JSON still loads."""

from __future__ import annotations

from sqlalchemy import select, type_coerce, update

import globalcrm as gc
from globalcrm.storage import tables
from globalcrm.storage.column_types import json_type


def yamada(addresses: list[gc.PostalAddress]) -> gc.Customer:
    return gc.Customer(
        name=gc.PersonName(given="太郎", surname="山田", locale="ja"),
        country="JP",
        language="ja",
        time_zone="Asia/Tokyo",
        currency="JPY",
        addresses=addresses,
    )


def test_the_latin_version_round_trips_through_the_store(crm: gc.CRM) -> None:
    office = gc.PostalAddress(
        country="JP",
        country_area="東京都",
        street_address="千代田区丸の内1丁目1-1",
        postal_code="100-0005",
        primary=True,
        latin={"street_address": "1-1 Marunouchi 1-chome, Chiyoda-ku"},
    )
    home = gc.PostalAddress(
        country="JP", country_area="tokyo", street_address="2-2 Shibuya", postal_code="150-0002"
    )
    added = crm.customers.add(yamada([office, home]))
    loaded = crm.customers.get(added.id)
    assert loaded.addresses == (office, home)
    assert loaded.addresses[0].latin is not None
    assert loaded.addresses[0].latin.country_area == "Tokyo"
    assert loaded.addresses[0].format(latin=True).startswith("1-1 Marunouchi 1-chome")
    assert loaded.addresses[1].country_area == "Tokyo"  # Latin input stays Latin


def test_addresses_stored_before_the_latin_version_still_load(crm: gc.CRM) -> None:
    added = crm.customers.add(yamada([]))
    old = [
        {
            "country": "JP",
            "country_area": "東京都",
            "street_address": "千代田区丸の内1丁目1-1",
            "postal_code": "100-0005",
            "primary": False,
            "verified": True,
        }
    ]
    with crm._engine.begin() as connection:
        connection.execute(
            update(tables.customers)
            .where(tables.customers.c.id == added.id)
            .values(addresses=type_coerce(old, json_type()))  # the raw JSON, not through to_json
        )
    loaded = crm.customers.get(added.id)
    assert loaded.addresses[0].latin is None and loaded.addresses[0].verified
    assert loaded.addresses[0].needs_latin_version
    with crm._engine.connect() as connection:
        stored = connection.execute(
            select(tables.customers.c.addresses).where(tables.customers.c.id == added.id)
        ).scalar_one()
    assert [address.to_json() for address in stored] == old
