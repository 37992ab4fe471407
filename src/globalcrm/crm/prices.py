"""``crm.prices``: price books in the store, and the price to show each customer.

A customer's market is the book's market whose code is the customer's country; the text is
written in the customer's language.
"""

from __future__ import annotations

import datetime as dt

from globalcrm import _checks
from globalcrm.crm._context import Context
from globalcrm.crm.exchange_rates import DEFAULT_MAX_AGE, ExchangeRates
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, NotFound
from globalcrm.identifiers import check_id
from globalcrm.prices import PriceBook, Quote, price_for

__all__ = ["Prices"]


class Prices:
    """The tenant's price books."""

    def __init__(self, context: Context, rates: ExchangeRates) -> None:
        self._context = context
        self._rates = rates

    def save_book(self, book: PriceBook) -> int:
        """Store ``book``, replacing the stored book of the same name; returns its version."""
        if not isinstance(book, PriceBook):
            raise InvalidFormat(f"expected a PriceBook, got {type(book).__name__}", field="book")
        with self._context.work() as uow:
            return uow.price_books.save(book)

    def book(self, name: str = "default") -> PriceBook:
        """The stored price book ``name``."""
        checked = _checks.text(name, field="book", max_length=64)
        with self._context.work(write=False) as uow:
            return uow.price_books.load(checked)

    def for_customer(
        self,
        product: str,
        customer: Customer | str,
        *,
        book: str = "default",
        at: object = None,
        max_age: dt.timedelta = DEFAULT_MAX_AGE,
    ) -> Quote:
        """The price of ``product`` to show ``customer``, in their market and language.

        The quote has the amount, its text and, if the price was converted, the disclosure of
        the rate used.
        """
        if isinstance(customer, str):
            with self._context.work(write=False) as uow:
                customer = uow.customers.get(check_id(customer, field="customer"))
        if not isinstance(customer, Customer):
            raise InvalidFormat("expected a Customer or a customer id", field="customer")
        moment = self._context.now(at, field="at")
        prices = self.book(book)
        market = prices.markets.get(customer.country)
        if market is None:
            raise NotFound(
                f"the price book has no market for {customer.country}", field="customer.country"
            )
        table = self._rates.table(at=moment, max_age=max_age)
        return price_for(
            product, market=market, book=prices, table=table, at=moment, locale=customer.language
        )
