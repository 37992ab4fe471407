"""Which payment methods people use, per country: the catalog behind ``payments/``.

Source: ``tools/payment_methods.toml``, a reviewed table in which every fact cites the page it
comes from (payment providers' documentation: Stripe, Adyen, Mollie, PPRO, Worldpay, Antom,
Xendit and others, listed in the data), built into the package data
``globalcrm/payments/data/payment_methods.json`` by ``tools/build_payment_methods.py``. The
project's payments research (``shared/research/payments.md`` part (b)) is where the table
started. The data is read on first use and cached; :func:`data_source` says which build it is.

```pycon
>>> [m.key for m in methods_for("CN")]
['alipay', 'wechat_pay', 'unionpay', 'visa', 'mastercard', 'amex', 'discover', 'jcb']
>>> method("upi").module, method("upi").currencies
('upi', ('INR',))
>>> method("wechat_pay").name_in("zh-Hans-CN")
'微信支付'

```
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import babel.core

from globalcrm import _checks
from globalcrm.errors import InvalidComponent, InvalidFormat, InvalidInput

if TYPE_CHECKING:
    from moneyed import Money

__all__ = [
    "TYPES",
    "Limit",
    "PaymentMethod",
    "Prevalence",
    "Settlement",
    "data_source",
    "method",
    "methods",
    "methods_for",
]

TYPES = ("wallet", "bank_transfer", "real_time", "voucher", "direct_debit", "card", "bnpl")
"""The method types: what the payer does (pay from a wallet, a bank transfer or redirect, a
real-time payment system, a cash voucher, a direct debit, a card, buy now pay later)."""

_MAX_KEY = 40
_MAX_PREFERRED = 100


@attrs.frozen
class Limit:
    """A per-transaction (or per-day, per-month) amount range one cited source documents."""

    currency: str
    """ISO 4217 code the range is in (limits are never converted)."""
    minimum: Decimal | None
    """The smallest amount, ``None`` when the source gives none."""
    maximum: Decimal | None
    """The largest amount, ``None`` when the source gives none."""
    per: str
    """``transaction``, ``day`` or ``month``."""
    applies_to: str
    """``payment`` (what a customer pays) or ``payout`` (what a business sends)."""
    set_by: str | None
    """Who sets the limit when the source gives no number (``payer's bank``)."""
    note: str | None
    """What the source adds (``mobile payments``, ``in most cases``...)."""
    sources: tuple[str, ...]
    """Addresses of the pages that document it."""

    def holds(self, amount: Decimal) -> bool:
        """Whether ``amount`` lies in the range (an open end holds everything on that side)."""
        if self.minimum is not None and amount < self.minimum:
            return False
        return self.maximum is None or amount <= self.maximum

    def __str__(self) -> str:
        if self.minimum is None and self.maximum is None:
            text = f"{self.currency}: set by the {self.set_by}"
        elif self.maximum is None:
            text = f"from {self.minimum} {self.currency}"
        elif self.minimum is None:
            text = f"up to {self.maximum} {self.currency}"
        else:
            text = f"{self.minimum}-{self.maximum} {self.currency}"
        if self.per != "transaction":
            text += f" per {self.per}"
        if self.applies_to != "payment":
            text += f" ({self.applies_to}s)"
        return text + (f" ({self.note})" if self.note else "")


@attrs.frozen
class Settlement:
    """How long until the money reaches the business, as a cited source documents it."""

    days: int | None
    """Whole days, ``None`` when the source gives no number (a provider's standard schedule)."""
    basis: str | None
    """``business`` or ``calendar`` days."""
    text: str
    """The documented delay in words."""
    sources: tuple[str, ...]


@attrs.frozen
class Prevalence:
    """Where a cited source ranks a method in one country."""

    rank: int
    """1 = first among this catalog's methods for the country, as far as the statement goes."""
    scope: str
    """What the statement is about (``online payments``, ``mobile payments``...)."""
    share: str | None
    """The share the source gives, in its words."""
    statement: str | None
    """The ranking statement, when the source gives no share."""
    sources: tuple[str, ...]


@attrs.frozen
class PaymentMethod:
    """One payment method: where people use it, in what, within which limits, under which names.

    Build it from the catalog (:func:`method`, :func:`methods_for`), not by hand.
    """

    key: str
    """Stable identifier: ``pix``, ``boleto``, ``upi``, ``ideal``, ``alipay``, ``wechat_pay``..."""
    name: str
    """The method's English name."""
    type: str
    """One of :data:`TYPES`."""
    countries: tuple[str, ...]
    """ISO 3166-1 alpha-2 codes of the countries where people use it (empty when worldwide)."""
    worldwide: bool
    """A scheme used everywhere (the global card networks)."""
    currencies: tuple[str, ...]
    """ISO 4217 codes it is paid in; empty means any currency (card schemes)."""
    module: str | None
    """The ``globalcrm.payments`` module that builds or checks its instrument, if any."""
    limits: tuple[Limit, ...]
    """The amount ranges cited sources document."""
    refunds: str | None
    """``full_and_partial``, ``full``, ``no`` or ``varies``; ``None`` when not documented."""
    settlement: Settlement | None
    """The documented settlement delay, ``None`` when not documented."""
    prevalence: tuple[tuple[str, Prevalence], ...]
    """``(country, Prevalence)`` pairs: where a source ranks the method."""
    brand: bool
    """The name is a brand, written the same in every language."""
    names: tuple[tuple[str, str], ...]
    """``(BCP 47 tag, name)`` pairs of cited localized names."""
    untranslated: tuple[str, ...]
    """Languages of its countries with no cited name yet (they get the English one)."""
    sources: tuple[str, ...]
    """Addresses of the pages the entry's countries, currencies and type come from."""
    confirmed: bool
    """Whether every one of those pages was re-read when the table was made (2026-12-03)."""
    aliases: tuple[str, ...] = ()
    """Older keys that still find the method (``ideal_wero``)."""
    order: int = 0
    """Its place in the source table, the last tie-break of :func:`methods_for`."""

    @property
    def code(self) -> str:
        """The :attr:`key` (the attribute's earlier name)."""
        return self.key

    @property
    def kind(self) -> str:
        """The :attr:`type` (the attribute's earlier name)."""
        return self.type

    @property
    def limit(self) -> str | None:
        """The documented limits as one line of text, ``None`` if there are none."""
        return "; ".join(str(item) for item in self.limits) or None

    def used_in(self, country: object) -> bool:
        """Whether people in ``country`` (ISO 3166-1 alpha-2) use the method."""
        code = _checks.country(country)
        return self.worldwide or code in self.countries

    def prevalence_in(self, country: object) -> Prevalence | None:
        """Where a cited source ranks the method in ``country``, ``None`` if none does."""
        code = _checks.country(country)
        return next((entry for where, entry in self.prevalence if where == code), None)

    def name_in(self, locale: object) -> str:
        """The method's name for ``locale`` (BCP 47), falling back as CLDR does, then to English.

        ``pt-BR`` tries ``pt-BR``, then ``pt``; ``zh-TW`` tries ``zh-TW``, then ``zh-Hant``
        (CLDR's likely script for it); a language with no cited name gets :attr:`name`.

        ```pycon
        >>> method("sepa_debit").name_in("es-MX"), method("swish").name_in("sv")
        ('adeudo directo SEPA', 'Swish')

        ```
        """
        tag = _checks.language(locale, field="locale")
        names = dict(self.names)
        for candidate in _fallbacks(tag):
            if candidate in names:
                return names[candidate]
        return self.name

    def accepts(self, amount: Decimal, currency: str) -> bool:
        """Whether some cited per-transaction payment range in ``currency`` holds ``amount``.

        With no such range documented in that currency the answer is yes: limits in another
        currency are not converted.
        """
        ranges = [
            item
            for item in self.limits
            if item.currency == currency and item.per == "transaction"
            and item.applies_to == "payment"
        ]
        return not ranges or any(item.holds(amount) for item in ranges)


@functools.cache
def _likely() -> Mapping[str, str]:
    likely: Mapping[str, str] = babel.core.get_global("likely_subtags")
    return likely


@functools.lru_cache(maxsize=512)
def _fallbacks(tag: str) -> tuple[str, ...]:
    """``tag``, its truncations, the language with its likely script, the bare language, ``en``."""
    parts = tag.split("-")
    chain = ["-".join(parts[:n]) for n in range(len(parts), 1, -1)]
    language = parts[0]
    maximized = _likely().get(tag.replace("-", "_")) or _likely().get(language)
    if maximized:
        script = next((p for p in maximized.split("_")[1:] if len(p) == 4), None)
        if script:
            chain.append(f"{language}-{script}")
    chain += [language, "en"]
    return tuple(dict.fromkeys(chain))


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _urls(ids: Iterable[str], citations: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        citations[i]["url"] or citations[i]["title"] for i in ids
    )


def _entry(raw: Mapping[str, Any], citations: Mapping[str, Any]) -> PaymentMethod:
    settlement = raw["settlement"]
    names = raw["names"]
    return PaymentMethod(
        key=raw["key"],
        name=raw["name"],
        type=raw["type"],
        countries=tuple(raw["countries"]),
        worldwide=raw["worldwide"],
        currencies=tuple(raw["currencies"]),
        module=raw["module"],
        limits=tuple(
            Limit(
                currency=item["currency"],
                minimum=_decimal(item["min"]),
                maximum=_decimal(item["max"]),
                per=item["per"],
                applies_to=item["applies_to"],
                set_by=item["set_by"],
                note=item["note"],
                sources=_urls(item["cite"], citations),
            )
            for item in raw["limits"]
        ),
        refunds=None if raw["refunds"] is None else raw["refunds"]["value"],
        settlement=None
        if settlement is None
        else Settlement(
            days=settlement["days"],
            basis=settlement["basis"],
            text=settlement["text"],
            sources=_urls(settlement["cite"], citations),
        ),
        prevalence=tuple(
            (
                country,
                Prevalence(
                    rank=entry["rank"],
                    scope=entry["scope"],
                    share=entry["share"],
                    statement=entry["statement"],
                    sources=_urls(entry["cite"], citations),
                ),
            )
            for country, entry in raw["prevalence"].items()
        ),
        brand=names["brand"],
        names=tuple((tag, entry["name"]) for tag, entry in names["localized"].items()),
        untranslated=tuple(names["untranslated"]),
        sources=_urls(raw["cite"], citations),
        confirmed=all(citations[i]["read"].startswith("search") for i in raw["cite"]),
        aliases=tuple(raw["aliases"]),
        order=raw["order"],
    )


@functools.cache
def _data() -> dict[str, Any]:
    resource = importlib.resources.files("globalcrm.payments.data").joinpath(
        "payment_methods.json"
    )
    data: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return data


@functools.cache
def _catalog() -> tuple[tuple[PaymentMethod, ...], Mapping[str, PaymentMethod]]:
    data = _data()
    entries = tuple(_entry(raw, data["citations"]) for raw in data["methods"])
    by_key = {name: item for item in entries for name in (item.key, *item.aliases)}
    return entries, by_key


def data_source() -> dict[str, Any]:
    """Return the ``source`` block of the package data: generator, input, its SHA-256, as-of date.

    ```pycon
    >>> data_source()["generator"]
    'tools/build_payment_methods.py'

    ```
    """
    return dict(_data()["source"])


def methods() -> tuple[PaymentMethod, ...]:
    """Return every payment method in the catalog, in the order of the source table."""
    return _catalog()[0]


def method(key: object, *, field: str = "key") -> PaymentMethod:
    """Return the method with ``key`` (``pix``, ``upi``, ``ideal``...); an older key works too.

    An unknown key raises ``InvalidComponent``.
    """
    if not isinstance(key, str) or not key.strip() or len(key) > _MAX_KEY:
        raise InvalidFormat("expected a payment method key such as 'pix'", field=field)
    found = _catalog()[1].get(key.strip().lower())
    if found is None:
        shown = key.strip().lower()
        named = f" {shown!r}" if shown.replace("_", "").isalnum() and shown.isascii() else ""
        raise InvalidComponent(f"no payment method{named} in the catalog", field=field)
    return found


def _amount(amount: object) -> tuple[Decimal, str]:
    from moneyed import Money as _Money

    if not isinstance(amount, _Money):
        raise InvalidFormat(
            f"expected a globalcrm.money Money, got {type(amount).__name__}", field="amount"
        )
    value = amount.amount
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidFormat("the amount is not a finite Decimal", field="amount")
    if value <= 0:
        raise InvalidInput("the amount must be more than zero", field="amount")
    code = _checks.currency(getattr(amount.currency, "code", None), field="amount.currency")
    return value, code


def _preferred(preferred: object) -> list[str]:
    if isinstance(preferred, str | bytes) or not isinstance(preferred, Iterable):
        raise InvalidFormat("expected a sequence of payment method keys", field="preferred")
    keys: list[str] = []
    for index, key in enumerate(preferred):
        if index >= _MAX_PREFERRED:
            raise InvalidFormat(
                f"at most {_MAX_PREFERRED} preferred methods", field="preferred"
            )
        keys.append(method(key, field=f"preferred[{index}]").key)
    return list(dict.fromkeys(keys))


def methods_for(
    country: object,
    *,
    currency: object = None,
    amount: Money | None = None,
    preferred: Iterable[str] = (),
) -> tuple[PaymentMethod, ...]:
    """Return the methods people in ``country`` (ISO 3166-1 alpha-2) use, most relevant first.

    Order: the caller's ``preferred`` keys first, in their order (a preferred method not used in
    the country, or filtered out, is left out); then by the rank a cited source gives the method
    in the country; then the country's own methods before the worldwide card schemes; then the
    order of the source table.

    ``currency`` (ISO 4217) keeps the methods paid in it (card schemes take any currency).
    ``amount`` (a :class:`globalcrm.money.Money`, more than zero) sets the currency too and drops
    a method only when no cited per-transaction range in that currency holds the amount: a source
    that says the payer's bank sets the limit documents no range, and limits in another currency
    are not converted or guessed, so they drop nothing. A known country without methods in the
    catalog still gets the worldwide card schemes.

    Raises ``InvalidComponent`` for an unknown country, currency or preferred key, and
    ``InvalidInput`` when ``currency`` and the amount's currency differ.
    """
    code = _checks.country(country)
    wanted = None if currency is None else _checks.currency(currency)
    value: Decimal | None = None
    if amount is not None:
        value, amount_currency = _amount(amount)
        if wanted is not None and wanted != amount_currency:
            raise InvalidInput(
                f"the amount is in {amount_currency}, not in {wanted}", field="amount"
            )
        wanted = amount_currency
    first = _preferred(preferred)
    found = []
    for item in methods():
        if not (item.worldwide or code in item.countries):
            continue
        if wanted is not None and item.currencies and wanted not in item.currencies:
            continue
        if value is not None and wanted is not None and not item.accepts(value, wanted):
            continue
        found.append(item)
    ranks = {
        item.key: next((entry.rank for where, entry in item.prevalence if where == code), None)
        for item in found
    }

    def order(item: PaymentMethod) -> tuple[int, int, int, int]:
        if item.key in first:
            return (0, first.index(item.key), 0, 0)
        rank = ranks[item.key]
        return (1, rank if rank is not None else 1_000, int(item.worldwide), item.order)

    return tuple(sorted(found, key=order))
