"""The loyalty rules in memory: programs, earning, lots, tiers and their names."""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import globalcrm as gc
from globalcrm.demo_data import sample_customers
from globalcrm.exchange_rates import ExchangeRate, RateTable
from globalcrm.loyalty import Campaign, EarningRule, Pricing, Program, earning, lot_expiry
from globalcrm.loyalty_ledger import Lot, Posting, consume, points
from globalcrm.loyalty_tiers import (
    DEFAULT_TIER_NAMES,
    Tier,
    TierRules,
    default_tiers,
    localized,
    period_start,
    qualified_tier,
)
from globalcrm.money import money

T0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
EUR = Program(currency="EUR", time_zone="Europe/Vilnius")


# --------------------------------------------------------------------------- names


def test_every_demo_customer_reads_the_tiers_in_their_language() -> None:
    expected = {
        "lt": "Auksinis", "lv": "Zelta", "fi": "Kulta", "he": "זהב", "uz": "Oltin",
        "ja": "ゴールド", "zh": "金卡", "ko": "골드", "pt-BR": "Ouro", "hi": "गोल्ड",
        "nl": "Goud", "de": "Gold", "en-US": "Gold",
    }
    gold = default_tiers()[1]
    languages = {customer.language for customer in sample_customers()}
    assert languages == set(expected)
    assert {language: gold.name(language) for language in languages} == expected
    for language in languages:
        if not language.startswith(("en", "de")):
            assert all(t.name(language) != t.name("en") for t in default_tiers()), language


def test_names_follow_cldr_fallback() -> None:
    names = DEFAULT_TIER_NAMES["silver"]
    assert localized(names, "zh-TW") == "銀卡"  # likely script Hant
    assert localized(names, "zh-Hans-SG") == "银卡"
    assert localized(names, "pt-PT") == "Prata"
    assert localized(names, "uz-Cyrl-UZ") == "Кумуш"
    assert localized(names, "iw") == "כסף"  # deprecated tag for Hebrew
    assert localized(names, "sw") == "Silver"  # no Swahili name: English
    assert localized({"lt": "Sidabrinis"}, "fi") == "Sidabrinis"  # no English: the first
    with pytest.raises(gc.InvalidInput):
        localized(names, "not a language")


def test_every_default_tier_has_the_required_languages() -> None:
    required = {"lt", "lv", "fi", "he", "uz", "ja", "zh-Hans", "pt", "en", "de", "nl", "ko",
                "hi"}
    for code, names in DEFAULT_TIER_NAMES.items():
        assert required <= set(names), code


# --------------------------------------------------------------------------- programs


def test_program_checks_its_parts_and_round_trips() -> None:
    program = Program(
        code="club", name="Klubas", currency="eur", time_zone="Europe/Vilnius",
        earning={"points_per_unit": "2", "tier_multipliers": {"gold": "1.5"},
                 "channel_multipliers": {"WhatsApp": 3}},
        campaigns=[{"code": "kaledos", "starts": "2026-12-20", "ends": "2026-12-26",
                    "bonus_points": 10}],
        tier_rules={"basis": "spend", "period_months": 3, "grace_days": 14},
        expire_after_days=None,
    )
    assert program.currency == "EUR"
    assert dict(program.earning.channel_multipliers) == {"whatsapp": Decimal(3)}
    assert Program.from_document(program.to_document()).to_document() == program.to_document()
    bad: list[tuple[dict[str, Any], str]] = [
        ({"tiers": [Tier(code="a", names={"en": "A"}, threshold=0),
                    Tier(code="a", names={"en": "B"}, threshold=5)]}, "twice"),
        ({"tiers": [Tier(code="a", names={"en": "A"}, threshold=5),
                    Tier(code="b", names={"en": "B"}, threshold=5)]}, "same threshold"),
        ({"earning": EarningRule(tier_multipliers={"diamond": 2})}, "no tier 'diamond'"),
        ({"campaigns": [Campaign(code="x", starts="2026-01-01", ends="2026-01-01")] * 2},
         "twice"),
        ({"tier_rules": {"period_months": 5}}, "months"),
        ({"tier_rules": {"window_days": 0}}, "days"),
        ({"expire_after_days": -1}, "days"),
        ({"earning": {"points_per_unit": 0}}, "more than 0"),
        ({"earning": {"rounding": "ROUND_SIDEWAYS"}}, "rounding"),
        ({"earning": {"channel_multipliers": {"fax": 2}}}, "channel"),
        ({"earning": {"channel_multipliers": {"email": 0}}}, "above 0"),
        ({"currency": "LTL"}, "withdrawn"),
    ]
    for changes, message in bad:
        fields: dict[str, Any] = {"currency": "EUR", "time_zone": "UTC", **changes}
        with pytest.raises(gc.InvalidInput, match=message):
            Program(**fields)
    with pytest.raises(gc.InvalidInput, match="end before"):
        Campaign(code="x", starts="2026-02-01", ends="2026-01-01")
    with pytest.raises(gc.InvalidInput, match="not a datetime"):
        Campaign(code="x", starts=T0, ends="2026-01-01")


# --------------------------------------------------------------------------- earning


def test_rounding_is_stated_and_applied_once() -> None:
    down = Program(currency="EUR", time_zone="UTC",
                   earning=EarningRule(points_per_unit="1.5"))
    up = Program(currency="EUR", time_zone="UTC",
                 earning=EarningRule(points_per_unit="1.5", rounding=decimal.ROUND_HALF_UP))
    amount = money("9.99", "EUR")  # 14.985 points
    assert earning(down, amount, channel="email", occurred_at=T0).points == 14
    assert earning(up, amount, channel="email", occurred_at=T0).points == 15
    yen = Program(currency="JPY", time_zone="Asia/Tokyo",
                  earning=EarningRule(points_per_unit="0.01"))
    assert earning(yen, money(1999, "JPY"), channel="in_person", occurred_at=T0).points == 19


def test_multipliers_stack_and_campaigns_follow_the_program_zone() -> None:
    program = Program(
        currency="EUR", time_zone="America/Sao_Paulo",
        earning=EarningRule(tier_multipliers={"gold": "1.25"}, channel_multipliers={"in_app": 2}),
        campaigns=[Campaign(code="dia", starts="2026-11-27", ends="2026-11-28", multiplier=2,
                            channels=["in_app"]),
                   Campaign(code="bonus", starts="2026-11-28", ends="2026-11-28",
                            bonus_points=7)],
    )
    amount = money("100", "EUR")
    at = dt.datetime(2026, 11, 27, 2, 30, tzinfo=dt.UTC)  # still the 26th in São Paulo
    assert earning(program, amount, channel="in_app", occurred_at=at, tier="gold").points == 250
    at = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    both = earning(program, amount, channel="in_app", occurred_at=at, tier="gold")
    assert (both.points, both.multiplier, both.campaigns) == (507, Decimal(5), ("dia", "bonus"))
    assert both.detail() == {"multiplier": "5", "campaigns": ["dia", "bonus"], "bonus_points": 7}
    plain = earning(program, amount, channel="email", occurred_at=at)
    assert (plain.points, plain.campaigns) == (107, ("bonus",))
    late = dt.datetime(2026, 11, 29, 2, 59, tzinfo=dt.UTC)  # 23:59 on the 28th there
    assert earning(program, amount, channel="email", occurred_at=late).points == 107
    after = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)
    assert earning(program, amount, channel="email", occurred_at=after).points == 100


def test_other_currencies_convert_at_the_rate_of_the_purchase() -> None:
    table = RateTable()
    table.add(ExchangeRate(base="EUR", quote="JPY", rate=Decimal("180.00"), source="ECB",
                           as_of=T0 - dt.timedelta(hours=20)))
    e = earning(EUR, money(18_000, "JPY"), channel="in_person", occurred_at=T0, table=table)
    assert (e.points, e.spend) == (100, money("100.00", "EUR"))
    assert e.conversion is not None and e.detail()["rate_source"] == "ECB"
    with pytest.raises(gc.InvalidInput, match="rates are needed"):
        earning(EUR, money(18_000, "JPY"), channel="in_person", occurred_at=T0)
    with pytest.raises(gc.RuleViolation):  # the rate is too old by then
        earning(EUR, money(1, "JPY"), channel="email", occurred_at=T0 + dt.timedelta(days=9),
                table=table)


def test_the_bulk_path_prices_like_the_single_one() -> None:
    program = Program(currency="EUR", time_zone="Europe/Riga",
                      campaigns=[Campaign(code="x", starts="2026-11-21", ends="2026-11-21",
                                          multiplier=3)])
    pricing = Pricing(program)
    for cents in (1, 99, 12_345, 10**9):
        amount = money(Decimal(cents).scaleb(-2), "EUR")
        posting = Posting(account="01KAQ3V4J5ZC6Y3W8N0R2T4V6X", amount=amount, channel="email")
        assert pricing.posting(posting, occurred_at=T0, tier="gold") == earning(
            program, amount, channel="email", occurred_at=T0, tier="gold")


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=10**6))
def test_more_spend_never_earns_fewer_points(cents: int, more: int) -> None:
    program = Program(currency="EUR", time_zone="UTC",
                      earning=EarningRule(points_per_unit="0.7", channel_multipliers={"sms": 3}))
    low = earning(program, money(Decimal(cents).scaleb(-2), "EUR"), channel="sms",
                  occurred_at=T0)
    high = earning(program, money(Decimal(cents + more).scaleb(-2), "EUR"), channel="sms",
                   occurred_at=T0)
    assert 0 <= low.points <= high.points
    assert low.points <= Decimal(cents).scaleb(-2) * Decimal("2.1") < low.points + 1


def test_an_earn_needs_a_positive_amount() -> None:
    for amount in (money(0, "EUR"), money(-1, "EUR")):
        with pytest.raises(gc.InvalidInput, match="positive"):
            earning(EUR, amount, channel="email", occurred_at=T0)


# --------------------------------------------------------------------------- lots


def test_lots_expire_at_the_end_of_a_local_day() -> None:
    program = Program(currency="EUR", time_zone="Europe/Vilnius", expire_after_days=30)
    # 2026-10-25 is the day clocks go back in Vilnius: local midnight is 21:00 UTC after it
    assert lot_expiry(program, dt.datetime(2026, 9, 25, 22, 30, tzinfo=dt.UTC)) == dt.datetime(
        2026, 10, 26, 22, 0, tzinfo=dt.UTC)
    assert lot_expiry(program, dt.datetime(2026, 9, 25, 20, 59, tzinfo=dt.UTC)) == dt.datetime(
        2026, 10, 25, 22, 0, tzinfo=dt.UTC)
    never = Program(currency="EUR", time_zone="UTC", expire_after_days=None)
    assert lot_expiry(never, T0) is None
    far = Program(currency="EUR", time_zone="UTC", expire_after_days=36_600)
    assert lot_expiry(far, dt.datetime(9990, 1, 1, tzinfo=dt.UTC)) is None


def test_consume_takes_soonest_expiring_first_and_never_expiring_last() -> None:
    day = dt.timedelta(days=1)
    lots = [
        Lot("E", 10, 10, T0, None),
        Lot("D", 10, 10, T0 - day, None),
        Lot("C", 10, 10, T0, T0 + 5 * day),
        Lot("B", 10, 0, T0, T0 + day),  # used up
        Lot("A", 10, 10, T0 - 3 * day, T0 + 5 * day),
    ]
    assert consume(lots, 35) == [("A", 10), ("C", 10), ("D", 10), ("E", 5)]
    assert consume(lots, 100) == [("A", 10), ("C", 10), ("D", 10), ("E", 10)]
    assert consume([], 5) == []


def test_points_are_whole_and_bounded() -> None:
    assert points(5) == 5 and points(-5, allow_negative=True) == -5
    for bad in (0, -1, 10**12, True, 1.0, "5", Decimal(5)):
        with pytest.raises(gc.InvalidInput):
            points(bad)


def test_posting_checks_its_fields_and_names_unknown_keys() -> None:
    good = {"account": "01kaq3v4j5zc6y3w8n0r2t4v6x", "amount": money("5", "EUR"),
            "channel": "In App"}
    posting = Posting.of(good)
    assert (posting.account, posting.channel) == ("01KAQ3V4J5ZC6Y3W8N0R2T4V6X", "in_app")
    with pytest.raises(gc.InvalidInput, match="unknown field 'colour'"):
        Posting.of({**good, "colour": "red"})
    with pytest.raises(gc.InvalidInput, match="required"):
        Posting.of({"account": good["account"]})
    with pytest.raises(gc.InvalidInput, match="positive"):
        Posting.of({**good, "amount": money("-5", "EUR")})


# --------------------------------------------------------------------------- tiers


def test_qualified_tier_and_periods() -> None:
    tiers = default_tiers()
    assert [qualified_tier(tiers, Decimal(v)).code for v in (0, 999, 1000, 5000)] == [  # type: ignore[union-attr]
        "silver", "silver", "gold", "platinum"]
    assert qualified_tier(tiers[1:], Decimal(10)) is None
    quarter = period_start(dt.datetime(2026, 5, 15, tzinfo=dt.UTC), time_zone="Asia/Tokyo",
                           months=3)
    assert quarter == dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC)  # 1 April in Tokyo
    monthly = period_start(dt.datetime(2026, 3, 1, 4, tzinfo=dt.UTC),
                           time_zone="America/New_York", months=1)
    assert monthly == dt.datetime(2026, 2, 1, 5, 0, tzinfo=dt.UTC)  # still February there
    assert TierRules(grace_days=30).grace == dt.timedelta(days=30)
