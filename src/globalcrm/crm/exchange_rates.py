"""``crm.exchange_rates``: store published rates and convert with an honest disclosure.

Rates are facts about the world, shared by every tenant. Conversions read the newest rate of each
pair at the time asked, so a stale rate is refused (``RuleViolation``), never used silently.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

from globalcrm import exchange_rates as rates
from globalcrm.crm._context import Context
from globalcrm.errors import InvalidFormat

__all__ = ["ExchangeRates"]

DEFAULT_MAX_AGE = dt.timedelta(days=4)
"""How old the newest rate may be: the ECB skips weekends and TARGET holidays."""

RateFile = str | os.PathLike[str] | IO[bytes] | IO[str]


class ExchangeRates:
    """Effective-dated exchange rates in the store."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def add(self, new: Iterable[rates.ExchangeRate], *, now: object = None) -> int:
        """Store published rates; ones already stored (same source, pair, time) are skipped.

        Returns how many were new. All or nothing: one bad rate stores none.
        """
        given: object = new
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise InvalidFormat("expected an iterable of ExchangeRate", field="rates")
        items = list(new)
        for index, rate in enumerate(items):
            if not isinstance(rate, rates.ExchangeRate):
                raise InvalidFormat("expected an ExchangeRate", field=f"rates[{index}]")
            if rate.derivation != "direct":
                raise InvalidFormat(
                    "only published (direct) rates are stored", field=f"rates[{index}]"
                )
        stamp = self._context.now(now)
        with self._context.work() as uow:
            return uow.exchange_rates.add_many(items, now=stamp)

    def import_ecb(self, file: RateFile, *, now: object = None) -> int:
        """Import the ECB's daily or historical reference-rate XML; returns the new rates."""
        return self.add(rates.read_ecb_xml(file), now=now)

    def import_csv(self, file: RateFile, *, source: str | None = None, now: object = None) -> int:
        """Import a ``base,quote,rate,as_of[,source]`` CSV; returns the new rates."""
        return self.add(rates.read_rates_csv(file, source=source), now=now)

    def table(
        self,
        *,
        at: object = None,
        max_age: dt.timedelta = DEFAULT_MAX_AGE,
        pivot: str = "EUR",
    ) -> rates.RateTable:
        """A rate table holding, for every pair, the newest rate published at or before ``at``."""
        moment = self._context.now(at, field="at")
        table = rates.RateTable(pivot=pivot, max_age=max_age)
        with self._context.work(write=False) as uow:
            table.extend(uow.exchange_rates.latest(moment))
        return table

    def convert(
        self,
        amount: object,
        to: str,
        *,
        at: object = None,
        locale: str = "en",
        markup: Decimal = Decimal(0),
        max_age: dt.timedelta = DEFAULT_MAX_AGE,
    ) -> rates.Conversion:
        """Convert ``amount`` (a ``Money``) into ``to`` at the stored rate in force at ``at``.

        The result carries the disclosure (rate, source, as-of, markup) and a sentence in the
        customer's ``locale``.
        """
        moment = self._context.now(at, field="at")
        table = self.table(at=moment, max_age=max_age)
        return rates.convert(amount, to, at=moment, table=table, markup=markup, locale=locale)
