"""Which local payment methods people use, per country: the market map behind ``payments/``.

Source: the project's payments research (``shared/research/payments.md``, part (b)), each row
citing the payment provider's page it comes from (Stripe, Adyen, PPRO, Mollie, Worldpay, Xendit,
Solidgate, Razorpay, Antom, Flutterwave, PayerMax docs). ``confirmed`` says whether that page was
re-read when the table was made; limits are per transaction as the cited provider documents
them (issuers often set lower ones). Regions are expanded to countries: ``EU`` is the 27 member
states, ``SEPA`` the EEA plus CH, GB, MC, SM, VA and AD (the EPC's list of 2024; newer members
not yet included), ``Nordics`` DK, FI, IS, NO and SE.

```pycon
>>> [m.name for m in methods_for("BR")]
['Boleto bancário', 'Pix']
>>> method("upi").module
'upi'
>>> methods_for("in")[0].currencies
('INR',)

```
"""

from __future__ import annotations

import attrs
import pycountry

from globalcrm.errors import InvalidComponent, InvalidFormat, NotFound

__all__ = ["PaymentMethod", "method", "methods", "methods_for"]

_EU = (
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
)
_NORDICS = ("DK", "FI", "IS", "NO", "SE")
_SEPA = (*_EU, "IS", "LI", "NO", "CH", "GB", "MC", "SM", "VA", "AD")


@attrs.frozen
class PaymentMethod:
    """One local payment method and where it is used."""

    code: str
    """Stable identifier (``pix``, ``sepa_debit`` ...)."""
    name: str
    """The method's own name."""
    countries: tuple[str, ...]
    """ISO 3166-1 alpha-2 codes of the countries where people use it."""
    currencies: tuple[str, ...]
    """ISO 4217 codes it is paid in."""
    kind: str
    """``wallet``, ``bank_transfer``, ``real_time_payment``, ``cash_voucher``, ``direct_debit``,
    ``card_scheme`` or ``buy_now_pay_later``."""
    limit: str | None
    """The per-transaction limit the cited provider documents, as text; ``None`` if none."""
    sources: tuple[str, ...]
    """Provider documentation the row comes from."""
    confirmed: bool
    """Whether the sources were re-read when the table was made."""
    module: str | None = None
    """The ``globalcrm.payments`` module that builds or checks its instrument, if any."""


def _m(
    code: str,
    name: str,
    countries: tuple[str, ...],
    currencies: tuple[str, ...],
    kind: str,
    limit: str | None,
    sources: tuple[str, ...],
    confirmed: bool,
    module: str | None = None,
) -> PaymentMethod:
    return PaymentMethod(code, name, countries, currencies, kind, limit, sources, confirmed, module)


_METHODS = (
    _m(
        "alipay",
        "Alipay",
        ("CN",),
        ("CNY",),
        "wallet",
        None,
        ("docs.stripe.com/payments/alipay", "docs.antom.com"),
        False,
        "alipay",
    ),
    _m(
        "wechat_pay",
        "WeChat Pay",
        ("CN",),
        ("CNY",),
        "wallet",
        None,
        ("docs.stripe.com/payments/wechat-pay",),
        False,
        "wechat_pay",
    ),
    _m(
        "boleto",
        "Boleto bancário",
        ("BR",),
        ("BRL",),
        "cash_voucher",
        "amount field max 99 999 999.99 BRL (format); not refundable (Stripe)",
        ("docs.stripe.com/payments/boleto",),
        True,
        "boleto",
    ),
    _m(
        "pix",
        "Pix",
        ("BR",),
        ("BRL",),
        "real_time_payment",
        "set by the payer's bank; payouts from 0.01 BRL (PayerMax)",
        ("docs.stripe.com/payments/pix", "docs.payermax.com"),
        True,
        "pix",
    ),
    _m(
        "ideal_wero",
        "iDEAL | Wero",
        ("NL", "BE", "DE"),
        ("EUR",),
        "bank_transfer",
        None,
        ("docs.stripe.com/payments/ideal", "docs.adyen.com/payment-methods/ideal"),
        True,
    ),
    _m(
        "upi",
        "UPI",
        ("IN",),
        ("INR",),
        "real_time_payment",
        "bank dependent; minimum 29.50 INR (Solidgate)",
        ("docs.adyen.com/payment-methods/upi", "razorpay.com/docs", "docs.solidgate.com"),
        True,
        "upi",
    ),
    _m(
        "sepa_debit",
        "SEPA Direct Debit",
        _SEPA,
        ("EUR",),
        "direct_debit",
        None,
        ("docs.stripe.com/payments/sepa-debit",),
        False,
        "iban",
    ),
    _m(
        "sepa_credit_transfer",
        "SEPA credit transfer (EPC QR / GiroCode)",
        _SEPA,
        ("EUR",),
        "bank_transfer",
        "0.01-999 999 999.99 EUR per EPC QR (format)",
        ("EPC069-12 Quick Response Code guidelines",),
        True,
        "epc_qr",
    ),
    _m(
        "bancontact",
        "Bancontact",
        ("BE",),
        ("EUR",),
        "card_scheme",
        None,
        ("docs.stripe.com/payments/bancontact",),
        False,
    ),
    _m(
        "blik",
        "BLIK",
        ("PL",),
        ("PLN",),
        "bank_transfer",
        "0.01-50 000 PLN (most issuers 10 000)",
        ("developerhub.ppro.com/simple-api/docs/blik", "docs.mollie.com/docs/blik"),
        True,
    ),
    _m(
        "przelewy24",
        "Przelewy24",
        ("PL",),
        ("PLN", "EUR"),
        "bank_transfer",
        None,
        ("docs.stripe.com/payments/p24",),
        False,
    ),
    _m(
        "swish",
        "Swish",
        ("SE",),
        ("SEK",),
        "real_time_payment",
        None,
        ("docs.stripe.com/payments/swish",),
        False,
    ),
    _m(
        "mobilepay",
        "MobilePay",
        ("DK", "FI"),
        ("DKK", "EUR"),
        "wallet",
        None,
        ("docs.stripe.com/payments/mobilepay",),
        False,
    ),
    _m(
        "vipps",
        "Vipps MobilePay",
        ("NO",),
        ("NOK",),
        "wallet",
        None,
        ("docs.adyen.com/payment-methods/vipps",),
        False,
    ),
    _m(
        "twint",
        "TWINT",
        ("CH",),
        ("CHF",),
        "wallet",
        None,
        ("docs.stripe.com/payments/twint",),
        False,
    ),
    _m(
        "swiss_qr_bill",
        "Swiss QR-bill",
        ("CH", "LI"),
        ("CHF", "EUR"),
        "bank_transfer",
        "0.01-999 999 999.99 (format)",
        ("SIX Swiss Implementation Guidelines for the QR-bill",),
        True,
        "swiss_qr",
    ),
    _m(
        "konbini",
        "Konbini",
        ("JP",),
        ("JPY",),
        "cash_voucher",
        "up to 299 999-300 000 JPY at stores",
        ("developer.worldpay.com/products/apms/konbini", "developerhub.ppro.com", "docs.antom.com"),
        True,
    ),
    _m(
        "paypay",
        "PayPay",
        ("JP",),
        ("JPY",),
        "wallet",
        None,
        ("docs.adyen.com/payment-methods/paypay",),
        False,
    ),
    _m(
        "kakaopay",
        "KakaoPay",
        ("KR",),
        ("KRW",),
        "wallet",
        None,
        ("docs.adyen.com/payment-methods/kakaopay",),
        False,
    ),
    _m(
        "gcash",
        "GCash",
        ("PH",),
        ("PHP",),
        "wallet",
        "1-100 000 PHP",
        ("docs.xendit.co/docs/gcash", "docs.solidgate.com"),
        True,
    ),
    _m(
        "mpesa",
        "M-Pesa",
        ("KE", "TZ"),
        ("KES",),
        "wallet",
        "payouts 100-250 000 KES (Worldpay)",
        ("developer.worldpay.com", "developer.flutterwave.com/docs/m-pesa"),
        True,
    ),
    _m(
        "promptpay",
        "PromptPay",
        ("TH",),
        ("THB",),
        "real_time_payment",
        "1-700 000 THB (Xendit)",
        ("docs.stripe.com/payments/promptpay", "docs.xendit.co/docs/qr-promptpay"),
        True,
        "promptpay",
    ),
    _m(
        "paynow",
        "PayNow",
        ("SG",),
        ("SGD",),
        "real_time_payment",
        None,
        ("docs.stripe.com (real-time payments: PayNow)",),
        True,
        "paynow",
    ),
    _m(
        "oxxo",
        "OXXO",
        ("MX",),
        ("MXN",),
        "cash_voucher",
        "10-10 000 MXN; voucher valid 1-7 days (Stripe, default 5)",
        ("docs.stripe.com/payments/oxxo", "developer.worldpay.com/products/apms/oxxo"),
        True,
    ),
    _m(
        "spei",
        "SPEI",
        ("MX",),
        ("MXN",),
        "bank_transfer",
        None,
        ("EBANX and dLocal Mexico docs",),
        False,
    ),
    _m(
        "trustly",
        "Trustly",
        tuple(dict.fromkeys((*_EU, *_NORDICS, "GB", "US"))),
        ("EUR", "SEK", "NOK", "DKK", "GBP", "USD"),
        "bank_transfer",
        None,
        ("docs.adyen.com/payment-methods/trustly",),
        False,
    ),
    _m(
        "klarna",
        "Klarna",
        (*_EU, "GB", "US"),
        ("EUR", "GBP", "USD", "SEK", "NOK", "DKK"),
        "buy_now_pay_later",
        None,
        ("docs.stripe.com/payments/klarna",),
        False,
    ),
    _m("paytm", "Paytm", ("IN",), ("INR",), "wallet", None, (), False, "upi"),
    _m(
        "grabpay",
        "GrabPay",
        ("SG", "MY", "PH"),
        ("SGD", "MYR", "PHP"),
        "wallet",
        None,
        ("docs.stripe.com/payments/grabpay",),
        False,
    ),
    _m("duitnow", "DuitNow", ("MY",), ("MYR",), "real_time_payment", None, (), False, "emv_qr"),
    _m(
        "qris",
        "QRIS",
        ("ID",),
        ("IDR",),
        "real_time_payment",
        None,
        ("docs.xendit.co",),
        False,
        "emv_qr",
    ),
    _m(
        "faster_payments",
        "Faster Payments / Pay by Bank",
        ("GB",),
        ("GBP",),
        "real_time_payment",
        None,
        ("docs.stripe.com (real-time payments: Pay by Bank)",),
        True,
    ),
    _m("interac", "Interac", ("CA",), ("CAD",), "bank_transfer", None, (), False),
    _m(
        "multibanco",
        "Multibanco",
        ("PT",),
        ("EUR",),
        "cash_voucher",
        None,
        ("docs.stripe.com (vouchers: Multibanco)",),
        True,
    ),
)


def methods() -> tuple[PaymentMethod, ...]:
    """Return every payment method in the catalog."""
    return _METHODS


def method(code: object) -> PaymentMethod:
    """Return the method with ``code`` (``pix``, ``upi`` ...); ``NotFound`` if there is none."""
    if not isinstance(code, str) or len(code) > 40:
        raise InvalidFormat("expected a payment method code", field="code")
    for item in _METHODS:
        if item.code == code.strip().lower():
            return item
    raise NotFound("no payment method with this code", field="code")


def methods_for(country: object) -> tuple[PaymentMethod, ...]:
    """Return the local methods people in ``country`` (ISO 3166-1 alpha-2) use, in table order.

    A known country without local methods in the catalog gives an empty tuple; an unknown code
    raises ``InvalidComponent``.
    """
    if not isinstance(country, str) or len(country.strip()) != 2 or not country.isascii():
        raise InvalidFormat("expected an ISO 3166-1 alpha-2 country code", field="country")
    code = country.strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise InvalidComponent(f"unknown country code {code!r}", field="country")
    return tuple(item for item in _METHODS if code in item.countries)
