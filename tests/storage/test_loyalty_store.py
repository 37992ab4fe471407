"""crm.loyalty on SQLite and PostgreSQL: enrolment, the ledger, lots, reversals, tiers, bulk."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import text

import globalcrm as gc
from globalcrm.demo_data import ECB_SAMPLE
from globalcrm.loyalty import Campaign, EarningRule, Program
from globalcrm.loyalty_ledger import Account, Posting
from globalcrm.loyalty_tiers import Tier, TierRules
from globalcrm.money import money

T0 = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def _customer(crm: gc.CRM, *, currency: str = "EUR", zone: str = "Europe/Helsinki") -> gc.Customer:
    return crm.customers.add(
        gc.Customer(
            name=gc.PersonName(given="Aino", surname="Mäkinen", locale="fi"),
            country="FI",
            language="fi",
            time_zone=zone,
            currency=currency,
        )
    )


def _program(**changes: object) -> Program:
    fields: dict[str, object] = {
        "code": "club",
        "name": "Club",
        "currency": "EUR",
        "time_zone": "Europe/Helsinki",
        "expire_after_days": 30,
    }
    fields.update(changes)
    return Program(**fields)


def _member(crm: gc.CRM, program: Program | None = None) -> Account:
    plan = program or _program()
    crm.loyalty.save_program(plan, now=T0)
    return crm.loyalty.enroll(_customer(crm), plan.code, now=T0)


def _earn(crm: gc.CRM, account: object, amount: str, *, at: dt.datetime, **more: object) -> int:
    entry = crm.loyalty.earn(
        account,  # type: ignore[arg-type]
        amount=money(amount, "EUR"),
        channel=more.pop("channel", "web_form"),  # type: ignore[arg-type]
        occurred_at=at,
        now=more.pop("now", at),
        **more,  # type: ignore[arg-type]
    )
    return entry.points


def _ledger_ok(crm: gc.CRM) -> None:
    check = crm.loyalty.verify()
    assert check.ok, check.problems


# --------------------------------------------------------------------------- enrolment


def test_enroll_makes_the_default_program_in_the_customers_currency_and_zone(
    crm: gc.CRM,
) -> None:
    yen = _customer(crm, currency="JPY", zone="Asia/Tokyo")
    account = crm.loyalty.enroll(yen, now=T0)
    program = crm.loyalty.program()
    assert (program.code, program.currency, program.time_zone) == ("default", "JPY", "Asia/Tokyo")
    assert [t.code for t in program.tiers] == ["silver", "gold", "platinum"]
    assert (account.balance, account.tier, account.tier_since) == (0, "silver", T0)
    assert crm.loyalty.enroll(yen.id, now=T0 + DAY) == account  # enrolling again: the same
    euro = crm.loyalty.enroll(_customer(crm), now=T0)
    assert euro.program == "default" and crm.loyalty.program().currency == "JPY"
    events = list(crm.loyalty.tier_changes(account))
    assert [(e.reason, e.from_tier, e.to_tier) for e in events] == [("enrolled", None, "silver")]
    actions = [entry.action for entry in crm.privacy.audit_entries()]
    assert actions.count("loyalty.enrolled") == 2


def test_enroll_takes_the_currency_and_zone_given_and_refuses_unknown_programs(
    crm: gc.CRM,
) -> None:
    account = crm.loyalty.enroll(_customer(crm), now=T0, currency="USD", time_zone="UTC")
    assert crm.loyalty.program().currency == "USD"
    assert crm.loyalty.account(account.customer_id).id == account.id
    with pytest.raises(gc.NotFound, match="program"):
        crm.loyalty.enroll(_customer(crm), "nope", now=T0)
    with pytest.raises(gc.NotFound):
        crm.loyalty.enroll("01KAQ3V4J5ZC6Y3W8N0R2T4V6X", now=T0)
    with pytest.raises(gc.NotFound):
        crm.loyalty.balance("01KAQ3V4J5ZC6Y3W8N0R2T4V6X")


def test_program_round_trips_through_the_store(crm: gc.CRM) -> None:
    plan = _program(
        earning=EarningRule(points_per_unit="0.5", channel_multipliers={"in_app": 2},
                            tier_multipliers={"gold": "1.5"}),
        campaigns=[Campaign(code="xmas", starts="2026-12-20", ends="2026-12-24", bonus_points=5)],
        tier_rules=TierRules(basis="spend", window_days=180, period_months=3, grace_days=14),
    )
    crm.loyalty.save_program(plan, now=T0)
    assert crm.loyalty.program("club").to_document() == plan.to_document()


# --------------------------------------------------------------------------- earning


def test_earning_rounds_down_once_and_applies_channel_tier_and_campaign_multipliers(
    crm: gc.CRM,
) -> None:
    plan = _program(
        earning=EarningRule(channel_multipliers={"in_app": "1.5"}),
        campaigns=[Campaign(code="weekend", starts="2026-11-22", ends="2026-11-22",
                            multiplier=2, bonus_points=10, channels=["in_app"])],
    )
    account = _member(crm, plan)
    assert _earn(crm, account, "9.99", at=T0) == 9  # never rounded up
    assert _earn(crm, account, "10.00", at=T0, channel="in_app") == 15
    # 23:30 UTC on the 21st is already the 22nd in Helsinki: the campaign runs
    late = dt.datetime(2026, 11, 21, 23, 30, tzinfo=dt.UTC)
    entry = crm.loyalty.earn(account, amount=money("10.00", "EUR"), channel="in_app",
                             occurred_at=late, now=late)
    assert entry.points == 10 * 3 + 10
    assert entry.detail == {"multiplier": "3", "campaigns": ["weekend"], "bonus_points": 10}
    assert _earn(crm, account, "10.00", at=late) == 10  # the campaign is for in_app only
    assert crm.loyalty.balance(account, at=late) == 9 + 15 + 40 + 10
    _ledger_ok(crm)


def test_earning_in_another_currency_uses_the_stored_rate_of_that_time(crm: gc.CRM) -> None:
    crm.exchange_rates.import_ecb(io.BytesIO(ECB_SAMPLE.encode()))
    account = _member(crm)
    entry = crm.loyalty.earn(account, amount=money("18062", "JPY"), channel="in_person",
                             occurred_at=T0, now=T0)
    assert entry.spend == money("100.00", "EUR") and entry.points == 100
    assert entry.amount == money("18062", "JPY")
    assert Decimal(entry.detail["rate"]) * Decimal("180.62") == pytest.approx(Decimal(1))
    assert entry.detail["rate_source"] == "ECB"
    assert entry.detail["rate_as_of"] == "2026-11-20T15:00:00+00:00"
    stale = T0 + 10 * DAY
    with pytest.raises(gc.RuleViolation):
        crm.loyalty.earn(account, amount=money("100", "JPY"), channel="in_person",
                         occurred_at=stale, now=stale)
    assert crm.loyalty.balance(account, at=stale) == 100


def test_an_earn_needs_a_positive_amount_and_a_known_channel(crm: gc.CRM) -> None:
    account = _member(crm)
    for amount, channel in ((money("0", "EUR"), "email"), (money("-5", "EUR"), "email"),
                            (money("5", "EUR"), "carrier_pigeon")):
        with pytest.raises(gc.InvalidInput):
            crm.loyalty.earn(account, amount=amount, channel=channel, now=T0)
    with pytest.raises(gc.InvalidInput, match="future"):
        crm.loyalty.earn(account, amount=money("5", "EUR"), channel="email",
                         occurred_at=T0 + DAY, now=T0)
    assert list(crm.loyalty.statement(account)) == []


def test_earn_is_idempotent_by_key(crm: gc.CRM) -> None:
    account = _member(crm)
    first = crm.loyalty.earn(account, amount=money("50", "EUR"), channel="email",
                             idempotency_key="order-7", now=T0)
    again = crm.loyalty.earn(account, amount=money("50.00", "EUR"), channel="email",
                             idempotency_key="order-7", now=T0 + DAY)
    assert again == first and crm.loyalty.balance(account, at=T0 + DAY) == 50
    with pytest.raises(gc.Conflict, match="idempotency"):
        crm.loyalty.earn(account, amount=money("51", "EUR"), channel="email",
                         idempotency_key="order-7", now=T0)


# --------------------------------------------------------------------------- lots


def test_redemption_takes_the_soonest_expiring_lots_first(crm: gc.CRM) -> None:
    account = _member(crm)
    old = _earn(crm, account, "100", at=T0 - 20 * DAY, now=T0)  # expires in 10 days
    new = _earn(crm, account, "100", at=T0 - 2 * DAY, now=T0)  # expires in 28 days
    assert (old, new) == (100, 100)
    lots = crm.loyalty.lots(account, now=T0)
    assert [lot.remaining for lot in lots] == [100, 100]
    assert lots[0].expires_at is not None and lots[1].expires_at is not None
    assert lots[0].expires_at < lots[1].expires_at
    crm.loyalty.redeem(account, points=130, now=T0)
    assert [lot.remaining for lot in crm.loyalty.lots(account, now=T0)] == [70]
    assert crm.loyalty.lots(account, now=T0)[0].expires_at == lots[1].expires_at
    assert crm.loyalty.balance(account, at=T0) == 70
    _ledger_ok(crm)


def test_a_short_redemption_is_refused_and_stores_nothing(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "40", at=T0)
    with pytest.raises(gc.RuleViolation, match="not enough points"):
        crm.loyalty.redeem(account, points=41, now=T0)
    for junk in (0, -5, 1.5, "10", True):
        with pytest.raises(gc.InvalidInput):
            crm.loyalty.redeem(account, points=junk, now=T0)  # type: ignore[arg-type]
    assert crm.loyalty.balance(account, at=T0) == 40
    assert [e.kind for e in crm.loyalty.statement(account)] == ["earn"]


def test_a_retried_redemption_redeems_once(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "100", at=T0)
    first = crm.loyalty.redeem(account, points=60, now=T0, idempotency_key="cart-1")
    assert crm.loyalty.redeem(account, points=60, now=T0, idempotency_key="cart-1") == first
    with pytest.raises(gc.Conflict):
        crm.loyalty.redeem(account, points=10, now=T0, idempotency_key="cart-1")
    assert crm.loyalty.balance(account, at=T0) == 40


def test_expired_lots_leave_the_balance_before_and_after_the_sweep(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "100", at=T0)
    _earn(crm, account, "50", at=T0 + 5 * DAY)
    lot = crm.loyalty.lots(account, now=T0 + 5 * DAY)[0]
    assert lot.expires_at is not None
    after = lot.expires_at + dt.timedelta(seconds=1)
    assert crm.loyalty.balance(account, at=after) == 50  # not swept yet: not counted
    assert crm.loyalty.balance(account, at=lot.expires_at - dt.timedelta(seconds=1)) == 150
    report = crm.loyalty.expire(now=after)
    assert (report.accounts, report.entries, report.points) == (1, 1, 100)
    newest = crm.loyalty.statement(account).items[0]
    assert (newest.kind, newest.points, newest.occurred_at) == ("expire", -100, lot.expires_at)
    assert crm.loyalty.balance(account, at=after) == 50
    assert crm.loyalty.balance(account, at=lot.expires_at - dt.timedelta(seconds=1)) == 150
    assert crm.loyalty.expire(now=after).entries == 0
    with pytest.raises(gc.RuleViolation):
        crm.loyalty.redeem(account, points=51, now=after)
    _ledger_ok(crm)


def test_a_redemption_sweeps_expired_lots_first(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "100", at=T0)
    later = T0 + 40 * DAY
    _earn(crm, account, "30", at=later)
    with pytest.raises(gc.RuleViolation):
        crm.loyalty.redeem(account, points=31, now=later)
    crm.loyalty.redeem(account, points=30, now=later)
    assert [e.kind for e in crm.loyalty.statement(account)][:2] == ["redeem", "earn"]
    assert crm.loyalty.balance(account, at=later) == 0
    _ledger_ok(crm)


# --------------------------------------------------------------------------- reversals


def test_reversing_an_earn_restores_the_state_before_it(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "80", at=T0)
    before = (crm.loyalty.balance(account, at=T0), crm.loyalty.lots(account, now=T0))
    _earn(crm, account, "25", at=T0 + DAY, reference="order-1")
    reversal = crm.loyalty.reverse("order-1", now=T0 + 2 * DAY)
    assert (reversal.kind, reversal.points, reversal.shortfall) == ("reverse", -25, 0)
    assert (crm.loyalty.balance(account, at=T0 + 2 * DAY),
            crm.loyalty.lots(account, now=T0)) == before
    assert crm.loyalty.tier(account, at=T0 + 2 * DAY).qualifying == 80
    with pytest.raises(gc.RuleViolation, match="in full"):
        crm.loyalty.reverse("order-1", now=T0 + 2 * DAY)
    _ledger_ok(crm)


def test_reversing_spent_points_takes_what_is_left_and_records_the_shortfall(
    crm: gc.CRM,
) -> None:
    account = _member(crm)
    earn = crm.loyalty.earn(account, amount=money("100", "EUR"), channel="email", now=T0)
    crm.loyalty.redeem(account, points=70, now=T0)
    reversal = crm.loyalty.reverse(earn, now=T0 + DAY)
    assert (reversal.points, reversal.shortfall) == (-30, 70)
    assert crm.loyalty.balance(account, at=T0 + DAY) == 0  # never negative
    _ledger_ok(crm)


def test_partial_reversals_never_exceed_the_entry(crm: gc.CRM) -> None:
    account = _member(crm)
    earn = crm.loyalty.earn(account, amount=money("100", "EUR"), channel="email", now=T0)
    assert crm.loyalty.reverse(earn.id, points=40, now=T0).points == -40
    with pytest.raises(gc.InvalidInput, match="left to reverse"):
        crm.loyalty.reverse(earn.id, points=61, now=T0)
    last = crm.loyalty.reverse(earn.id, now=T0)
    assert last.points == -60 and last.spend == money("-60.00", "EUR")
    assert crm.loyalty.tier(account, at=T0).qualifying == 0
    _ledger_ok(crm)


def test_reversing_a_redemption_gives_back_to_its_lots_except_expired_ones(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "50", at=T0 - 25 * DAY, now=T0)  # expires in 5 days
    _earn(crm, account, "50", at=T0)
    redemption = crm.loyalty.redeem(account, points=80, now=T0)
    back = crm.loyalty.reverse(redemption, points=10, now=T0)
    assert (back.points, back.shortfall) == (10, 0)
    later = T0 + 10 * DAY  # the older lot has expired since
    rest = crm.loyalty.reverse(redemption, now=later)
    assert (rest.points, rest.shortfall) == (20, 50)
    assert crm.loyalty.balance(account, at=later) == 50
    with pytest.raises(gc.RuleViolation):
        crm.loyalty.reverse(rest, now=later)
    _ledger_ok(crm)


def test_a_reference_on_several_accounts_needs_the_account(crm: gc.CRM) -> None:
    first = _member(crm)
    second = crm.loyalty.enroll(_customer(crm), "club", now=T0)
    for account in (first, second):
        _earn(crm, account, "10", at=T0, reference="shared-order")
    with pytest.raises(gc.InvalidInput, match="several"):
        crm.loyalty.reverse("shared-order", now=T0)
    assert crm.loyalty.reverse("shared-order", account=second, now=T0).account_id == second.id
    with pytest.raises(gc.NotFound):
        crm.loyalty.reverse("no-such-order", now=T0)


# --------------------------------------------------------------------------- adjustments


def test_adjustments_add_lots_take_points_and_are_audited(crm: gc.CRM) -> None:
    account = _member(crm)
    added = crm.loyalty.adjust(account, points=25, reason="Goodwill: late parcel", now=T0)
    assert added.expires_at is not None and added.reason == "Goodwill: late parcel"
    assert "late parcel" not in repr(added)
    crm.loyalty.adjust(account, points=-5, reason="Correction", now=T0)
    with pytest.raises(gc.RuleViolation):
        crm.loyalty.adjust(account, points=-21, reason="Too much", now=T0)
    with pytest.raises(gc.InvalidInput):
        crm.loyalty.adjust(account, points=5, reason="  ", now=T0)
    assert crm.loyalty.balance(account, at=T0) == 20
    assert crm.loyalty.tier(account, at=T0).qualifying == 0  # adjustments do not qualify
    audited = [e for e in crm.privacy.audit_entries() if e.action == "loyalty.adjusted"]
    assert [e.payload for e in audited] == [{"points": 25}, {"points": -5}]
    assert all(e.subject_ref == account.customer_id for e in audited)
    _ledger_ok(crm)


# --------------------------------------------------------------------------- tiers


def _tiered(crm: gc.CRM, **rules: object) -> Account:
    return _member(crm, _program(expire_after_days=None, tier_rules=TierRules(**rules)))


def test_a_member_moves_up_at_once(crm: gc.CRM) -> None:
    account = _tiered(crm)
    _earn(crm, account, "999", at=T0)
    assert crm.loyalty.account(account).tier == "silver"
    _earn(crm, account, "1", at=T0 + DAY)
    status = crm.loyalty.tier(account, at=T0 + DAY)
    assert status.tier is not None and status.tier.code == "gold"
    assert (status.since, status.qualifying, status.needed) == (T0 + DAY, Decimal(1000),
                                                                Decimal(4000))
    assert status.name("fi") == "Kulta" and status.name("ja") == "ゴールド"
    assert "free_shipping" in status.perks
    changes = list(crm.loyalty.tier_changes(account))
    assert [(c.reason, c.to_tier, c.effective_at) for c in changes] == [
        ("enrolled", "silver", T0), ("upgrade", "gold", T0 + DAY)]
    assert _earn(crm, account, "10", at=T0 + 2 * DAY) == 10
    _earn(crm, account, "4000", at=T0 + 3 * DAY)
    assert crm.loyalty.account(account).tier == "platinum"


def test_downgrades_wait_for_the_period_end_and_its_grace(crm: gc.CRM) -> None:
    account = _tiered(crm, window_days=365, period_months=12, grace_days=30)
    _earn(crm, account, "1000", at=dt.datetime(2027, 1, 15, tzinfo=dt.UTC))
    assert crm.loyalty.account(account).tier == "gold"
    # the review of 2026's end: gold came later
    assert crm.loyalty.review_tiers(now=dt.datetime(2027, 12, 20, tzinfo=dt.UTC)) == []
    # the review of 2027's end, after its grace: 2027 holds the 1,000 points
    assert crm.loyalty.review_tiers(now=dt.datetime(2028, 2, 5, tzinfo=dt.UTC)) == []
    mid_2028 = dt.datetime(2028, 6, 1, tzinfo=dt.UTC)
    assert crm.loyalty.tier(account, at=mid_2028).qualified is not None
    # the review of 2028's end: nothing earned in 2028 nor in the 30 days after
    review = dt.datetime(2029, 2, 5, tzinfo=dt.UTC)
    assert crm.loyalty.review_tiers(now=dt.datetime(2029, 1, 25, tzinfo=dt.UTC)) == []  # grace
    changes = crm.loyalty.review_tiers(now=review)
    assert [(c.from_tier, c.to_tier, c.reason) for c in changes] == [
        ("gold", "silver", "downgrade")]
    year_end = dt.datetime(2028, 12, 31, 22, tzinfo=dt.UTC)  # midnight in Helsinki
    assert changes[0].effective_at == year_end + 30 * DAY
    assert crm.loyalty.review_tiers(now=review + DAY) == []  # each period is reviewed once
    assert crm.loyalty.account(account).tier == "silver"
    assert [c.reason for c in crm.loyalty.tier_changes(account)] == [
        "enrolled", "upgrade", "downgrade"]


def test_points_earned_in_the_grace_period_keep_the_tier(crm: gc.CRM) -> None:
    account = _tiered(crm, window_days=365, period_months=12, grace_days=30)
    _earn(crm, account, "1000", at=dt.datetime(2027, 1, 15, tzinfo=dt.UTC))
    _earn(crm, account, "1000", at=dt.datetime(2029, 1, 20, tzinfo=dt.UTC))  # in the grace
    assert crm.loyalty.review_tiers(now=dt.datetime(2029, 2, 5, tzinfo=dt.UTC)) == []
    assert crm.loyalty.account(account).tier == "gold"


def test_spend_basis_counts_money_in_the_program_currency(crm: gc.CRM) -> None:
    tiers = [Tier(code="member", names={"en": "Member"}, threshold=0),
             Tier(code="vip", names={"en": "VIP", "lt": "VIP narys"}, threshold="500.00")]
    plan = _program(tiers=tiers, tier_rules=TierRules(basis="spend"),
                    earning=EarningRule(points_per_unit="0.1"))
    account = _member(crm, plan)
    _earn(crm, account, "499.99", at=T0)
    assert crm.loyalty.tier(account, at=T0).qualifying == Decimal("499.99")
    _earn(crm, account, "0.01", at=T0)  # earns no point, still counts as spend
    status = crm.loyalty.tier(account, at=T0)
    assert status.tier is not None and status.tier.code == "vip"
    assert status.name("lt") == "VIP narys"


# --------------------------------------------------------------------------- reads


def test_statement_pages_newest_first_without_gaps(crm: gc.CRM) -> None:
    account = _member(crm)
    for day in range(7):
        _earn(crm, account, "1", at=T0 + day * DAY)
    seen: list[dt.datetime] = []
    page = crm.loyalty.statement(account, limit=3)
    while True:
        seen.extend(e.occurred_at for e in page)
        if page.next_cursor is None:
            break
        page = crm.loyalty.statement(account, limit=3, after=page.next_cursor)
    assert seen == [T0 + day * DAY for day in reversed(range(7))]
    with pytest.raises(gc.InvalidInput):
        crm.loyalty.statement(account, after="not-a-cursor")


# --------------------------------------------------------------------------- integrity


def test_verify_finds_a_tampered_balance_and_lot(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "30", at=T0)
    crm.loyalty.redeem(account, points=10, now=T0)
    _ledger_ok(crm)
    with crm._engine.begin() as connection:
        connection.execute(text("UPDATE loyalty_accounts SET balance = 999"))
    problems = crm.loyalty.verify(account).problems
    assert any("stored balance 999, entries add up to 20" in p for p in problems)
    with crm._engine.begin() as connection:
        connection.execute(text("UPDATE loyalty_accounts SET balance = 20"))
        connection.execute(text("UPDATE loyalty_entries SET remaining = 30 WHERE kind = 'earn'"))
    problems = crm.loyalty.verify().problems
    assert any("disagrees" in p for p in problems) and any("lots hold 30" in p for p in problems)


def test_deleting_the_customer_deletes_the_account_and_its_ledger(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "30", at=T0)
    crm.loyalty.redeem(account, points=10, now=T0)
    crm.customers.delete(account.customer_id)
    with crm._engine.connect() as connection:
        for table in ("loyalty_accounts", "loyalty_entries", "loyalty_allocations",
                      "loyalty_tier_events"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_a_failed_call_inside_a_transaction_stores_nothing(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "30", at=T0)
    with pytest.raises(gc.RuleViolation), crm.transaction() as tx:
        tx.loyalty.redeem(account, points=20, now=T0)
        tx.loyalty.redeem(account, points=20, now=T0)
    assert crm.loyalty.balance(account, at=T0) == 30
    assert [e.kind for e in crm.loyalty.statement(account)] == ["earn"]


# --------------------------------------------------------------------------- bulk


def test_post_many_prices_like_one_earn_at_a_time(crm: gc.CRM) -> None:
    crm.exchange_rates.import_ecb(io.BytesIO(ECB_SAMPLE.encode()))
    plan = _program(code="default", expire_after_days=365,
                    earning=EarningRule(tier_multipliers={"gold": "1.25"}))
    crm.loyalty.save_program(plan, now=T0)
    one = crm.loyalty.enroll(_customer(crm), now=T0)
    bulk = crm.loyalty.enroll(_customer(crm), now=T0)
    sales = [("600", "EUR", "email"), ("50000", "JPY", "in_person"), ("500", "EUR", "in_app"),
             ("12.34", "EUR", "web_form")]
    for index, (amount, currency, channel) in enumerate(sales):
        crm.loyalty.earn(one, amount=money(amount, currency), channel=channel,
                         occurred_at=T0 + index * dt.timedelta(hours=1), now=T0 + DAY)
    report = crm.loyalty.post_many(
        [
            {"account": bulk.id, "amount": money(amount, currency), "channel": channel,
             "occurred_at": T0 + index * dt.timedelta(hours=1), "idempotency_key": f"k{index}"}
            for index, (amount, currency, channel) in enumerate(sales)
        ],
        now=T0 + DAY,
    )
    singles = sorted(crm.loyalty.statement(one), key=lambda e: e.occurred_at)
    bulks = sorted(crm.loyalty.statement(bulk), key=lambda e: e.occurred_at)
    assert [e.points for e in bulks] == [e.points for e in singles]
    assert [e.expires_at for e in bulks] == [e.expires_at for e in singles]
    assert [e.detail for e in bulks] == [e.detail for e in singles]
    assert report.posted == 4 and report.points == sum(e.points for e in singles)
    assert [(c.to_tier, c.reason) for c in report.tier_changes] == [("gold", "upgrade")]
    assert crm.loyalty.account(bulk).tier == crm.loyalty.account(one).tier == "gold"
    assert crm.loyalty.balance(bulk, at=T0 + DAY) == crm.loyalty.balance(one, at=T0 + DAY)
    again = crm.loyalty.post_many(
        [Posting(account=bulk.id, amount=money("600", "EUR"), channel="email", occurred_at=T0,
                 idempotency_key="k0")],
        now=T0 + DAY,
    )
    assert (again.posted, again.skipped) == (0, 1)
    _ledger_ok(crm)


def test_post_many_reports_the_bad_row_and_stores_nothing(crm: gc.CRM) -> None:
    account = _member(crm)
    good = {"account": account.id, "amount": money("5", "EUR"), "channel": "email"}
    with pytest.raises(gc.InvalidInput) as caught:
        crm.loyalty.post_many([good, good, {**good, "channel": "fax"}], now=T0)
    assert caught.value.row == 3 and caught.value.field == "channel"
    with pytest.raises(gc.NotFound) as missing:
        crm.loyalty.post_many([good, {**good, "account": "01KAQ3V4J5ZC6Y3W8N0R2T4V6X"}], now=T0)
    assert missing.value.row == 2
    with pytest.raises(gc.Conflict) as clash:
        crm.loyalty.post_many([{**good, "idempotency_key": "x"},
                               {**good, "idempotency_key": "x", "channel": "sms"}], now=T0)
    assert clash.value.row == 2
    assert list(crm.loyalty.statement(account)) == []
    assert crm.loyalty.balance(account, at=T0) == 0


@pytest.mark.slow
def test_postgresql_ledger_reads_use_indexes(crm: gc.CRM, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL, the scale-out target")
    from tests.storage.query_plans import captured_selects, sequential_scans

    account = _member(crm)
    other = crm.loyalty.enroll(_customer(crm), "club", now=T0)
    crm.loyalty.post_many(
        [{"account": (account if i % 50 else other).id, "amount": money("1", "EUR"),
          "channel": "email", "occurred_at": T0 - dt.timedelta(minutes=i)} for i in range(20_000)],
        now=T0,
    )
    with crm._engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE loyalty_entries, loyalty_accounts"))
    with captured_selects(crm._engine) as statements:
        crm.loyalty.balance(other)
        crm.loyalty.balance(other, at=T0)
        crm.loyalty.lots(other, now=T0)
        crm.loyalty.statement(other, limit=10)
        crm.loyalty.tier(other, at=T0)
        crm.loyalty.redeem(other, points=5, now=T0)
    assert statements
    scans = sequential_scans(crm._engine, statements, ["loyalty_entries"])
    assert scans == [], "sequential scan in:\n" + "\n\n".join(scans)


def test_bulk_rows_encode_times_as_the_column_type_does() -> None:
    from sqlalchemy.dialects import sqlite

    from globalcrm.storage.column_types import UTCDateTime
    from globalcrm.storage.loyalty_sql import _sqlite_utc

    dialect = sqlite.dialect()
    processor = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    for moment in (T0, T0.astimezone(dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
                   dt.datetime(1, 1, 1, tzinfo=dt.UTC), T0.replace(microsecond=7)):
        assert _sqlite_utc(moment) == processor(moment)


def test_every_loyalty_column_says_what_export_and_erasure_do() -> None:
    from globalcrm.storage import tables

    loyalty_tables = [t for t in tables.metadata.sorted_tables if t.name.startswith("loyalty_")]
    assert len(loyalty_tables) == 5
    for table in loyalty_tables:
        for column in table.columns:
            info = column.info
            where = f"{table.name}.{column.name}"
            assert info["pii"] in tables.PII_CLASSES, where
            assert isinstance(info["export"], bool), where
            assert info["erase"] in ("delete", "null", "anonymise", "shred", "keep"), where
            assert (info["erase"] == "keep") == bool(info.get("ground")), where
    rows_about_members = [t for t in loyalty_tables if t.name != "loyalty_programs"]
    for table in rows_about_members:  # erasure finds them through the account's customer
        assert "customer_id" in table.c or "account_id" in table.c or "entry_id" in table.c


def test_tenants_do_not_see_each_others_members(crm: gc.CRM) -> None:
    account = _member(crm)
    _earn(crm, account, "10", at=T0)
    other = crm.for_tenant("other")
    for call in (lambda: other.loyalty.balance(account.id), lambda: other.loyalty.account(account),
                 lambda: other.loyalty.statement(account.customer_id),
                 lambda: other.loyalty.redeem(account.id, points=1, now=T0)):
        with pytest.raises(gc.NotFound):
            call()
    assert other.loyalty.expire(now=T0 + 400 * DAY).entries == 0
    assert crm.loyalty.balance(account, at=T0) == 10
    with pytest.raises(gc.NotFound):
        other.loyalty.reverse(crm.loyalty.statement(account).items[0].id, now=T0)


def test_a_balance_at_a_future_instant_leaves_out_what_will_have_expired(crm: gc.CRM) -> None:
    account = _member(crm)  # points expire after 30 days
    _earn(crm, account, "10", at=T0)
    _earn(crm, account, "5", at=T0 + 20 * DAY)
    assert crm.loyalty.balance(account, at=T0 + 20 * DAY) == 15
    assert crm.loyalty.balance(account, at=T0 + 35 * DAY) == 5
    assert crm.loyalty.balance(account, at=T0 + 60 * DAY) == 0


def test_sqlite_balance_and_redemption_read_open_lots_through_the_partial_index(
    crm: gc.CRM, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("PostgreSQL's plans are checked by the EXPLAIN test above")
    from tests.storage.query_plans import captured_selects

    account = _member(crm)
    crm.loyalty.post_many([{"account": account.id, "amount": money("1", "EUR"),
                            "channel": "email", "occurred_at": T0 - dt.timedelta(minutes=i)}
                           for i in range(300)], now=T0)
    with captured_selects(crm._engine) as statements:
        crm.loyalty.balance(account)
        crm.loyalty.redeem(account, points=5, now=T0)
    plans = []
    with crm._engine.connect() as connection:
        for statement, parameters in statements:
            if "loyalty_entries" not in statement:
                continue
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append(" | ".join(str(row[-1]) for row in rows))
    assert plans
    for plan in plans:
        assert "SCAN loyalty_entries" not in plan, plan
    assert any("ix_loyalty_entries_open_lots" in plan for plan in plans), plans
    assert not any("TEMP B-TREE" in plan for plan in plans), plans  # read in index order


def test_a_posting_that_fails_while_rows_are_written_stores_nothing(crm: gc.CRM) -> None:
    account = _member(crm)
    good = {"account": account.id, "amount": money("5", "EUR"), "channel": "email",
            "occurred_at": T0}
    stale = {**good, "amount": money("500", "JPY")}  # no rates stored: fails when priced
    with pytest.raises(gc.GlobalCRMError) as caught:
        crm.loyalty.post_many([good] * 700 + [stale] + [good], now=T0)
    assert caught.value.row == 701
    assert list(crm.loyalty.statement(account)) == []
    assert crm.loyalty.account(account).balance == 0
    assert crm.loyalty.post_many([good] * 3, now=T0).posted == 3  # the connection is fine


def test_bulk_rows_that_collide_are_a_conflict(crm: gc.CRM) -> None:
    from globalcrm.storage.loyalty_sql import ENTRY_COLUMNS, write_entries
    from globalcrm.storage.unit_of_work import UnitOfWork

    account = _member(crm)
    entry = crm.loyalty.earn(account, amount=money("5", "EUR"), channel="email", now=T0)
    row: list[object] = [None] * len(ENTRY_COLUMNS)
    values = {"id": entry.id, "tenant": "default", "account_id": account.id, "kind": "earn",
              "points": 1, "occurred_at": T0, "recorded_at": T0, "remaining": 1,
              "spend_minor": 0, "qualifying": 0, "shortfall": 0}
    for name, value in values.items():
        row[ENTRY_COLUMNS.index(name)] = value
    with pytest.raises(gc.Conflict), UnitOfWork(crm._engine, "default") as uow:
        write_entries(uow.loyalty.connection(), iter([tuple(row)]))
    assert [e.points for e in crm.loyalty.statement(account)] == [5]
