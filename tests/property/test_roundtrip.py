"""Domain -> store -> domain is the identity, for arbitrary names, contact points, interactions."""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm import import_export
from tests.strategies import aware_datetimes, customers, json_values, name_text

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def snapshot(entity: gc.Customer | gc.Interaction) -> dict[str, Any]:
    return attrs.asdict(entity, recurse=False)


@SETTINGS
@given(customer=customers())
def test_customer_round_trips_through_the_store(crm: gc.CRM, customer: gc.Customer) -> None:
    expected = snapshot(customer)
    crm.customers.add(customer)
    loaded = crm.customers.get(customer.id)
    got = snapshot(loaded)
    for field in ("created_at", "updated_at", "version"):
        expected.pop(field)
        got.pop(field)
    assert got == expected
    assert loaded.version == 1


@SETTINGS
@given(customer=customers())
def test_customer_round_trips_through_csv_and_json_rows(customer: gc.Customer) -> None:
    customer.created_at = customer.updated_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    row = import_export.customer_to_row(customer)
    buffer = io.StringIO()
    import_export.write_csv([row], buffer)
    buffer.seek(0)
    (read,) = list(import_export.read_csv(buffer))
    assert snapshot(import_export.customer_from_row(read)) == snapshot(customer)
    jbuffer = io.StringIO()
    import_export.write_json([row], jbuffer)
    jbuffer.seek(0)
    (jread,) = list(import_export.read_json(jbuffer))
    assert snapshot(import_export.customer_from_row(jread)) == snapshot(customer)


@SETTINGS
@given(
    body=st.text(max_size=200).filter(
        lambda s: all(
            c in "\t\n\r"
            or (ord(c) >= 32 and not 0xD800 <= ord(c) <= 0xDFFF and not 0x7F <= ord(c) <= 0x9F)
            for c in s
        )
    ),
    subject=st.none() | name_text,
    moment=aware_datetimes,
    sentiment=st.none() | st.floats(-1, 1),
    channel=st.sampled_from(["email", "whatsapp", "wechat", "line", "in_person", "phone"]),
    direction=st.sampled_from(["inbound", "outbound", "internal"]),
    language=st.none() | st.sampled_from(["lt", "he", "uz-Cyrl", "pt-BR", "zh-Hant-TW", "ja"]),
    agent=st.none() | name_text,
    outcome=st.none() | st.sampled_from(["resolved", "callback", "escalated"]) | name_text,
    metadata=st.dictionaries(
        st.from_regex(r"[a-z_]{1,10}", fullmatch=True) | name_text, json_values, max_size=3
    ),
)
def test_interaction_round_trips(
    crm: gc.CRM,
    body: str,
    subject: str | None,
    moment: dt.datetime,
    sentiment: float | None,
    channel: str,
    direction: str,
    language: str | None,
    agent: str | None,
    outcome: str | None,
    metadata: dict[str, Any],
) -> None:
    owner = crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Noa", locale="he"),
            country="IL",
            language="he",
            time_zone="Asia/Jerusalem",
            currency="ILS",
        )
    )
    made = crm.interactions.record(
        owner.id,
        channel=channel,
        direction=direction,
        body=body,
        subject=subject,
        occurred_at=moment,
        now=dt.datetime(2100, 1, 2, tzinfo=dt.UTC),
        sentiment=sentiment,
        conversation="t",
        language=language,
        agent=agent,
        outcome=outcome,
        metadata=metadata,
    )
    got = crm.interactions.get(made.id)
    assert snapshot(got) == snapshot(made)
    assert got.occurred_at == moment
    nfc = functools.partial(unicodedata.normalize, "NFC")
    assert got.language == language  # the drawn tags are already canonical
    assert got.agent == (None if agent is None else nfc(agent))
    assert got.outcome == (None if outcome is None else nfc(outcome))
    assert set(got.metadata) == {nfc(key) for key in metadata}
