"""What every area of the CRM shares: the engine, the tenant, and how a unit of work is opened.

Outside ``crm.transaction()`` each public call opens and commits its own unit of work; inside,
every call joins the one open transaction, which commits when the ``with`` block ends.

Plugin hooks that observe writes are queued on the transaction (``after_commit``) and called
once the outermost unit of work has committed; a rolled-back transaction calls none of them.
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine

from globalcrm import _checks
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat
from globalcrm.identifiers import check_id
from globalcrm.plugins import Plugins
from globalcrm.privacy.key_wrapping import EphemeralKeyProvider, KeyProvider
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["Context", "collector_paused", "customer_id_of"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a bulk call without Python's cyclic garbage collector, on again afterwards if it was.

    A bulk call holds hundreds of thousands of short-lived objects and makes no cycles to speak
    of; the collector would walk them again and again (about a tenth of an import's time).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def customer_id_of(customer: object, *, field: str = "customer") -> str:
    """The id of ``customer``, given as a ``Customer`` or as its id: every area takes either."""
    if isinstance(customer, Customer):
        return customer.id
    if isinstance(customer, str):
        return check_id(customer, field=field)
    raise InvalidFormat(
        f"expected a Customer or a customer id, got {type(customer).__name__}", field=field
    )


_PENDING: weakref.WeakKeyDictionary[UnitOfWork, list[tuple[str, dict[str, Any]]]] = (
    weakref.WeakKeyDictionary()
)
"""The hooks each open transaction will call after it commits."""


def queue_hook(uow: UnitOfWork, hook: str, **arguments: Any) -> None:
    """:meth:`Context.after_commit` where no context is at hand (``arguments`` name the tenant)."""
    _PENDING[uow].append((hook, arguments))


class Context:
    """The engine and tenant of a CRM, and (inside a transaction) its open unit of work."""

    def __init__(
        self,
        engine: Engine,
        tenant: str,
        uow: UnitOfWork | None = None,
        *,
        actor_kind: str = "system",
        actor_ref: str = "globalcrm",
        key_provider: KeyProvider | None = None,
        plugins: Plugins | None = None,
    ) -> None:
        self.engine = engine
        self.tenant = tenant
        self._uow = uow
        self.key_provider: KeyProvider = key_provider or EphemeralKeyProvider()
        """Wraps and unwraps the subject keys (``gc.open(..., key_provider=...)``)."""
        self.actor_kind = actor_kind
        """Who acts through this CRM, for the audit log (``staff``, ``system``, ``agent``...)."""
        self.actor_ref = actor_ref
        self.plugins = Plugins() if plugins is None else plugins
        """The CRM's plugins, shared by its transactions and tenant views."""

    @contextmanager
    def work(self, *, write: bool = True) -> Iterator[UnitOfWork]:
        """A unit of work: a new transaction, or the caller's open one.

        When this call opened it, the hooks queued with ``after_commit`` run after it commits.
        """
        if self._uow is not None:
            yield self._uow
            return
        pending: list[tuple[str, dict[str, Any]]] = []
        with UnitOfWork(self.engine, self.tenant, write=write) as uow:
            _PENDING[uow] = pending
            try:
                yield uow
            finally:
                del _PENDING[uow]
        if pending:
            self.plugins.notify_each(pending)

    def after_commit(self, uow: UnitOfWork, hook: str, **arguments: Any) -> None:
        """Call the observer ``hook`` once ``uow``'s transaction has committed (with ``tenant``).

        The one dispatch point of lifecycle hooks: a plugin never sees a change that is rolled
        back, and a failing plugin cannot undo or half-write one (it raises ``PluginError``
        after the commit, naming itself).
        """
        queue_hook(uow, hook, **arguments, tenant=self.tenant)

    def joined(self, uow: UnitOfWork) -> Context:
        """This context inside ``uow``: areas built on it join that one transaction."""
        return Context(
            self.engine,
            self.tenant,
            uow,
            actor_kind=self.actor_kind,
            actor_ref=self.actor_ref,
            key_provider=self.key_provider,
            plugins=self.plugins,
        )

    @property
    def in_transaction(self) -> bool:
        """Whether calls join an explicit ``crm.transaction()``."""
        return self._uow is not None

    @staticmethod
    def now(value: object = None, *, field: str = "now") -> dt.datetime:
        """``value`` checked as an aware datetime (UTC), or the current time."""
        if value is None:
            return dt.datetime.now(dt.UTC)
        return _checks.aware_utc(value, field=field)
