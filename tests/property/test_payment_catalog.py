"""Properties of ``catalog.methods_for``: filters only remove, preferences only reorder."""

from __future__ import annotations

from decimal import Decimal

import pycountry
from hypothesis import given
from hypothesis import strategies as st

from globalcrm.money import money
from globalcrm.payments import catalog

COUNTRIES = sorted(c.alpha_2 for c in pycountry.countries)
USED = sorted({c for m in catalog.methods() for c in m.countries})
KEYS = sorted(m.key for m in catalog.methods())
CURRENCIES = sorted({c for m in catalog.methods() for c in m.currencies})

countries = st.sampled_from(USED) | st.sampled_from(COUNTRIES)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2)


@given(country=countries, currency=st.sampled_from(CURRENCIES), value=amounts)
def test_filters_only_remove(country: str, currency: str, value: Decimal) -> None:
    everything = catalog.methods_for(country)
    in_currency = catalog.methods_for(country, currency=currency)
    with_amount = catalog.methods_for(country, amount=money(value, currency))
    assert set(with_amount) <= set(in_currency) <= set(everything)
    for item in everything:
        assert item.used_in(country)
    for item in with_amount:
        assert not item.currencies or currency in item.currencies
        assert item.accepts(value, currency)
    # what the filters keep keeps its relative order
    order = [m.key for m in everything]
    kept = [m.key for m in with_amount]
    assert kept == [key for key in order if key in kept]


@given(country=countries, preferred=st.lists(st.sampled_from(KEYS), max_size=5))
def test_preferences_only_reorder(country: str, preferred: list[str]) -> None:
    plain = catalog.methods_for(country)
    mine = catalog.methods_for(country, preferred=preferred)
    assert set(mine) == set(plain)
    available = [key for key in dict.fromkeys(preferred) if key in {m.key for m in plain}]
    assert [m.key for m in mine][: len(available)] == available


@given(key=st.sampled_from(KEYS), locale=st.sampled_from(
    ["en", "pt-BR", "pt", "de-AT", "zh-CN", "zh-TW", "ja", "sv-FI", "fr-CA", "es-419", "hi"]
))
def test_every_method_has_a_name_in_every_locale(key: str, locale: str) -> None:
    name = catalog.method(key).name_in(locale)
    assert name
    assert name == catalog.method(key).name or name in dict(catalog.method(key).names).values()
