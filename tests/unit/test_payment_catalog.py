"""The payment-method catalog: generated data, order, filters, names, errors, build rules."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from babel.languages import get_official_languages
from moneyed import Money

from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput
from globalcrm.money import money
from globalcrm.payments import catalog

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "build_payment_methods.py"

# The methods issue 21 names, by key.
REQUIRED = {
    "alipay", "wechat_pay", "boleto", "pix", "ideal", "upi", "sepa_debit", "bancontact", "blik",
    "przelewy24", "swish", "mobilepay", "vipps", "twint", "konbini", "paypay", "kakaopay",
    "gcash", "mpesa", "promptpay", "paynow", "oxxo", "spei", "trustly", "klarna", "paytm",
    "grabpay", "duitnow", "qris", "faster_payments", "interac", "multibanco",
    "visa", "mastercard", "amex", "jcb", "unionpay", "rupay", "elo",
}


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_payment_methods", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the generated data ---------------------------------------------------------------------


def test_data_and_page_are_rebuilt_byte_for_byte() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(TOOL), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip() == "up to date"


def test_the_catalog_holds_the_methods_the_issue_names() -> None:
    keys = {m.key for m in catalog.methods()}
    assert keys >= REQUIRED
    assert len(keys) == len(catalog.methods())
    source = catalog.data_source()
    assert source["input"] == "tools/payment_methods.toml"
    assert len(source["input_sha256"]) == 64


def test_every_fact_has_a_source() -> None:
    for item in catalog.methods():
        assert item.sources, item.key
        assert item.type in catalog.TYPES
        for limit in item.limits:
            assert limit.sources, item.key
            assert limit.minimum is not None or limit.maximum is not None or limit.set_by
        if item.settlement is not None:
            assert item.settlement.sources, item.key
        for country, entry in item.prevalence:
            assert item.worldwide or country in item.countries
            assert entry.sources and (entry.share or entry.statement)


def test_every_language_of_a_methods_countries_has_a_name_or_says_it_has_none() -> None:
    for item in catalog.methods():
        if item.worldwide:
            assert item.brand
            continue
        needed = {
            language for country in item.countries
            for language in get_official_languages(country, de_facto=True)
        } - {"en"}
        named = {tag.split("-")[0] for tag, _ in item.names}
        if not item.brand:
            assert needed <= named | set(item.untranslated), item.key


def test_research_rows_not_re_read_there_were_confirmed() -> None:
    # the research marked these "not re-read"; each now cites a page re-read on 2026-12-03
    for key in ("alipay", "wechat_pay", "bancontact", "przelewy24", "swish", "mobilepay",
                "vipps", "twint", "paypay", "kakaopay", "spei", "trustly", "klarna", "paytm",
                "grabpay", "duitnow", "qris", "interac"):
        assert catalog.method(key).confirmed, key


# --- ordering and filters ------------------------------------------------------------------


def test_order_ranked_then_local_then_worldwide() -> None:
    brazil = [m.key for m in catalog.methods_for("BR")]
    assert brazil[:4] == ["pix", "visa", "mastercard", "elo"]
    assert brazil.index("boleto") < brazil.index("amex")
    assert [m.key for m in catalog.methods_for("PL")][:2] == ["blik", "przelewy24"]
    netherlands = [m.key for m in catalog.methods_for("NL")]
    assert netherlands[0] == "ideal"
    assert all(m.worldwide for m in catalog.methods_for("NL")[-5:])


def test_preferred_methods_come_first_in_the_callers_order() -> None:
    plain = catalog.methods_for("BR")
    mine = catalog.methods_for("BR", preferred=("boleto", "elo", "boleto"))
    assert [m.key for m in mine][:2] == ["boleto", "elo"]
    assert set(mine) == set(plain)
    # a preferred method that is not used in the country is not added
    assert "ideal" not in {m.key for m in catalog.methods_for("BR", preferred=["ideal"])}
    # older keys work as preferences too
    assert catalog.methods_for("NL", preferred=["ideal_wero"])[0].key == "ideal"


def test_currency_keeps_the_methods_paid_in_it() -> None:
    keys = {m.key for m in catalog.methods_for("FI", currency="eur")}
    assert {"mobilepay", "trustly", "sepa_debit", "klarna", "visa"} <= keys
    keys = {m.key for m in catalog.methods_for("FI", currency="SEK")}
    assert "sepa_debit" not in keys
    assert {"mobilepay", "visa"} <= keys
    # Alipay is presented in other currencies than CNY
    assert "alipay" in {m.key for m in catalog.methods_for("CN", currency="EUR")}


def test_amount_drops_a_method_only_when_no_source_allows_it() -> None:
    keys = {m.key for m in catalog.methods_for("NL", amount=money("49999.99", "EUR"))}
    assert "ideal" in keys
    keys = {m.key for m in catalog.methods_for("NL", amount=money("50000.01", "EUR"))}
    assert "ideal" not in keys
    # Swish: Worldpay allows 150,000 SEK, PPRO far more: the widest documented range counts
    assert "swish" in {m.key for m in catalog.methods_for("SE", amount=money("500000", "SEK"))}
    # UPI: the payer's bank sets the limit, so a provider's minimum does not exclude it
    assert "upi" in {m.key for m in catalog.methods_for("IN", amount=money("5", "INR"))}
    # Bancontact: 1,500 EUR on mobile, no maximum by card entry
    assert "bancontact" in {m.key for m in catalog.methods_for("BE", amount=money("9000", "EUR"))}
    # Trustly's limits in SEK do not decide a EUR payment, and are never converted
    method = catalog.method("trustly")
    assert method.accepts(Decimal("600000"), "SEK") is False
    assert method.accepts(Decimal("1"), "CHF") is True
    # per-day and payout limits do not filter a payment
    assert catalog.method("paypay").accepts(Decimal("900000"), "JPY")
    assert catalog.method("mpesa").accepts(Decimal("1"), "KES")


def test_limits_read_as_text_and_as_numbers() -> None:
    ideal = catalog.method("ideal")
    assert [(limit.minimum, limit.maximum) for limit in ideal.limits] == [
        (Decimal("0.01"), Decimal("50000.00"))
    ]
    assert ideal.limit == "0.01-50000.00 EUR"
    assert catalog.method("sepa_debit").limit is None
    assert str(catalog.method("mpesa").limits[0]) == "100-250000 KES (payouts)"


def test_refunds_settlement_and_prevalence() -> None:
    assert catalog.method("boleto").refunds == "varies"
    settlement = catalog.method("blik").settlement
    assert settlement is not None
    assert (settlement.days, settlement.basis) == (4, "business")
    swish = catalog.method("swish").prevalence_in("se")
    assert swish is not None
    assert (swish.rank, swish.share) == (1, "over 39% of checkout")
    assert catalog.method("swish").prevalence_in("NO") is None


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "locale", "expected"),
    [
        ("alipay", "zh-CN", "支付宝"),
        ("alipay", "zh", "支付宝"),
        ("alipay", "zh-TW", "Alipay"),  # no cited Traditional Chinese name: English
        ("alipay", "en-GB", "Alipay"),
        ("sepa_debit", "de-CH", "SEPA-Lastschrift"),
        ("sepa_debit", "fr", "prélèvement SEPA"),
        ("sepa_debit", "pt-BR", "SEPA Direct Debit"),
        ("boleto", "pt-BR", "Boleto Bancário"),
        ("boleto", "pt_PT", "Boleto Bancário"),
        ("boleto", "es", "Boleto"),
        ("pix", "ja", "Pix"),
    ],
)
def test_name_in_falls_back_as_cldr_does(key: str, locale: str, expected: str) -> None:
    assert catalog.method(key).name_in(locale) == expected


def test_brands_say_so() -> None:
    assert catalog.method("pix").brand
    assert not catalog.method("sepa_debit").brand
    assert "it" in catalog.method("sepa_debit").untranslated


# --- errors --------------------------------------------------------------------------------


def test_bad_input_says_what_and_where() -> None:
    with pytest.raises(InvalidComponent) as info:
        catalog.methods_for("QQ")
    assert info.value.field == "country"
    with pytest.raises(InvalidFormat):
        catalog.methods_for("Brazil")
    with pytest.raises(InvalidComponent) as info:
        catalog.methods_for("BR", currency="XYZ")
    assert info.value.field == "currency"
    with pytest.raises(InvalidComponent) as info:
        catalog.methods_for("BR", preferred=["pix", "cheque"])
    assert info.value.field == "preferred[1]"
    with pytest.raises(InvalidFormat) as bad_format:
        catalog.methods_for("BR", preferred="pix")
    assert bad_format.value.field == "preferred"
    with pytest.raises(InvalidInput) as mismatch:
        catalog.methods_for("BR", currency="USD", amount=money("10", "BRL"))
    assert mismatch.value.field == "amount"
    with pytest.raises(InvalidInput):
        catalog.methods_for("BR", amount=money("0", "BRL"))
    with pytest.raises(InvalidFormat):
        catalog.methods_for("BR", amount=Decimal("10"))  # type: ignore[arg-type]
    with pytest.raises(InvalidComponent):
        catalog.method("ideal-wero")
    with pytest.raises(InvalidFormat):
        catalog.method("")
    with pytest.raises(InvalidComponent):
        catalog.method("pix").name_in("qq-ZZ")
    # a moneyed Money that skipped globalcrm.money's checks is still checked
    with pytest.raises(InvalidInput):
        catalog.methods_for("BR", amount=Money(Decimal("-1"), "BRL"))


def test_unknown_key_is_not_echoed_when_it_may_be_personal() -> None:
    with pytest.raises(InvalidComponent) as info:
        catalog.method("jane.doe@example.com")
    assert "jane" not in str(info.value)


# --- the build's rules ---------------------------------------------------------------------


_METHOD = """
[[method]]
key = "demo"
name = "Demo"
type = "wallet"
countries = ["SE"]
currencies = ["SEK"]
cite = ["c"]
[method.names]
brand = true
"""
_HEAD = """
[source]
title = "t"
as_of = "2026-12-03"
research = "r"
licence = "l"
[regions.NONE]
countries = ["SE"]
cite = ["c"]
[citations.c]
title = "a page"
url = "https://example.org/"
read = "search 2026-12-03"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('countries = ["SE"]\ncurrencies', 'countries = ["QQ"]\ncurrencies'),
         "unknown country"),
        (lambda t: t.replace('["SEK"]', '["XYZ"]'), "unknown currency"),
        (lambda t: t.replace('type = "wallet"', 'type = "cheque"'), "type is one of"),
        (lambda t: t.replace('cite = ["c"]\n[method.names]', 'cite = ["x"]\n[method.names]'),
         "unknown citation"),
        (lambda t: t.replace("brand = true", "brand = false"), "no name, brand or"),
        (lambda t: t + '[method.prevalence.NO]\nrank = 1\nscope = "s"\nshare = "1%"\n'
         'cite = ["c"]\n', "not listed"),
        (lambda t: t + '[[method.limits]]\nmin = "9"\nmax = "1"\ncurrency = "SEK"\n'
         'cite = ["c"]\n', "min is above max"),
        (lambda t: t + "\n" + t.split("[[method]]")[1].join(["[[method]]", ""]),
         "already demo's"),
        (lambda t: t.replace('read = "search 2026-12-03"', 'read = "maybe"'), "read is"),
    ],
)
def test_the_build_refuses_a_table_that_breaks_its_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Any, message: str
) -> None:
    tool = _tool()
    source = tmp_path / "payment_methods.toml"
    source.write_text(change(_HEAD + _METHOD), encoding="utf-8")
    monkeypatch.setattr(tool, "SOURCE", source)
    with pytest.raises(tool.SourceError, match=message):
        tool.build()


def test_the_build_accepts_a_small_valid_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _tool()
    source = tmp_path / "payment_methods.toml"
    source.write_text(_HEAD + _METHOD, encoding="utf-8")
    monkeypatch.setattr(tool, "SOURCE", source)
    data = tool.build()
    assert [m["key"] for m in data["methods"]] == ["demo"]
    assert tool.data_text(data) == tool.data_text(tool.build())
    assert "| Demo | `demo` | wallet | SE | SEK |" in tool.build_page(data)
