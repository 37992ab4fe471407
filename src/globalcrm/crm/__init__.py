"""The service layer: ``gc.open(url)`` returns a ``CRM`` whose areas each do one thing.

``crm.customers`` and ``crm.interactions`` are small classes in this package. Every public call
is one transaction; ``crm.transaction()`` groups several calls into one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from globalcrm import _checks
from globalcrm.crm._context import Context
from globalcrm.crm.customers import Customers, DuplicateMatch
from globalcrm.crm.exchange_rates import ExchangeRates
from globalcrm.crm.interactions import Interactions
from globalcrm.crm.loyalty import Loyalty
from globalcrm.crm.messages import Messages  # messages and plugins (issue 20)
from globalcrm.crm.payments import Payments
from globalcrm.crm.prices import Prices
from globalcrm.crm.privacy import Privacy
from globalcrm.crm.purchases import Purchases
from globalcrm.crm.recommendations import Recommendations  # recommendations (issue 20)
from globalcrm.crm.segments import Segments
from globalcrm.crm.service import Service
from globalcrm.errors import InvalidFormat, StorageError
from globalcrm.plugins import Plugins  # messages and plugins (issue 20)
from globalcrm.privacy.key_wrapping import (
    EnvKeyProvider,
    EphemeralKeyProvider,
    KeyProvider,
    LocalKeyFile,
    default_key_file,
)
from globalcrm.storage import migrate
from globalcrm.storage.engine import make_engine
from globalcrm.storage.mapping import map_domain
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["CRM", "DuplicateMatch", "open"]



class CRM:
    """A customer store on one database, scoped to one tenant.

    Build it with :func:`globalcrm.open`. ``crm.for_tenant("acme")`` gives a view of another
    tenant on the same database.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        tenant: str = "default",
        _uow: UnitOfWork | None = None,
        key_provider: KeyProvider | None = None,
        _plugins: Plugins | None = None,
    ):
        self._engine = engine
        self._context = Context(engine, tenant, _uow, key_provider=key_provider, plugins=_plugins)
        self.customers = Customers(self._context)
        """Customers: add, update, find, import and export."""
        self.interactions = Interactions(self._context)
        """Interactions: record contacts and read timelines and conversations."""
        self.exchange_rates = ExchangeRates(self._context)
        """Exchange rates: import published rates, convert with a disclosure."""
        self.prices = Prices(self._context, self.exchange_rates)
        """Price books and the price to show each customer."""
        self.privacy = Privacy(self._context)
        """Purposes, notices, the consent ledger, double opt-in, audiences and the audit log."""
        self.purchases = Purchases(self._context)
        """Purchases: record, refund, cancel, history, import."""
        self.segments = Segments(self._context)
        """Segments: rules counted and listed in one SQL query; saved segments, snapshots."""
        self.service = Service(self._context, self.customers, self.privacy)
        """Customer service: cases across channels, teams, SLAs, routing, the agent's view."""
        # --- messages and plugins (issue 20)
        self.plugins: Plugins = self._context.plugins
        """Plugins: ``crm.plugins.register(obj)``; entry points ``globalcrm.plugins`` load too."""
        self.messages = Messages(self._context)
        """Messages in each customer's language and manners: render, and send through an adapter."""
        # --- end messages and plugins
        self.payments = Payments(self._context)
        """Payment methods to offer each customer, and the record of every payment."""
        self.loyalty = Loyalty(self._context)
        """Loyalty programs, points ledgers with expiring lots, and tiers."""
        # --- surveys, service KPIs and proactive care (issue 19)
        from globalcrm.crm.care import Care
        from globalcrm.crm.metrics import Metrics
        from globalcrm.crm.surveys import Surveys

        self.surveys = Surveys(self._context)
        """Surveys: ask CSAT, NPS and CES questions, record the answers."""
        self.metrics = Metrics(self._context)
        """Service KPIs (CSAT, NPS, CES, FCR, AHT, ART, FRT) in SQL, churn risk, the dashboard."""
        self.care = Care(self._context)
        """Proactive notices on the customer's usable channel at a good local time."""
        # --- end surveys, service KPIs and proactive care
        # --- recommendations (issue 20)
        self.recommendations = Recommendations(self._context)
        """Recommendations from what customers bought together, within each one's needs."""
        # --- end recommendations

    @property
    def tenant(self) -> str:
        """The tenant every query of this CRM is scoped to."""
        return self._context.tenant

    @property
    def url(self) -> str:
        """The database URL, with any password hidden."""
        return self._engine.url.render_as_string(hide_password=True)

    def for_tenant(self, tenant: str) -> CRM:
        """The same database seen as another tenant."""
        return CRM(
            self._engine,
            tenant=_checks.tenant(tenant),
            key_provider=self._context.key_provider,
            _plugins=self._context.plugins,
        )

    @contextmanager
    def transaction(self) -> Iterator[CRM]:
        """Group several calls into one transaction: all of them are stored, or none.

        ```pycon
        >>> import globalcrm as gc
        >>> crm = gc.open("sqlite://")
        >>> with crm.transaction() as tx:
        ...     c = tx.customers.add(gc.Customer(name=gc.PersonName(given="Aino", locale="fi"),
        ...         country="FI", language="fi", time_zone="Europe/Helsinki", currency="EUR"))
        ...     _ = tx.interactions.record(c.id, channel="email", direction="outbound", body="Hei!")
        >>> crm.customers.count()
        1

        ```
        """
        if self._context.in_transaction:
            yield self
            return
        with self._context.work() as uow:  # hooks queued inside run after the commit
            yield CRM(
                self._engine,
                tenant=self._context.tenant,
                _uow=uow,
                key_provider=self._context.key_provider,
                _plugins=self._context.plugins,
            )

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> CRM:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<CRM {self.url} tenant={self.tenant!r}>"


def open(
    url: str = "sqlite:///globalcrm.db",
    *,
    tenant: str = "default",
    migrate_schema: bool = True,
    key_provider: KeyProvider | None = None,
) -> CRM:
    """Open (and create or migrate) the customer store at ``url``, a SQLAlchemy database URL.

    SQLite is the embedded default (``sqlite:///crm.db``, or ``sqlite://`` in memory);
    PostgreSQL (``postgresql+psycopg://...``) is the scale-out target. The schema is migrated to
    the version this library needs (Alembic); pass ``migrate_schema=False`` to refuse a database
    that is not already at that version instead.

    ``key_provider`` holds the key-encryption key that wraps each customer's data key
    (:mod:`globalcrm.privacy.key_wrapping`; ``docs/security.md``). Without one: the
    ``GLOBALCRM_KEK`` environment variable if it is set, else a random key for an in-memory
    database, else a local key file made on first use (``<database>.kek`` beside a SQLite file,
    ``~/.globalcrm/keys/`` otherwise, or ``GLOBALCRM_KEY_DIR``).
    """
    tenant = _checks.tenant(tenant)
    _checks.flag(migrate_schema, field="migrate_schema")
    if key_provider is not None and not all(
        hasattr(type(key_provider), name) for name in ("kek_id", "wrap", "unwrap")
    ):
        raise InvalidFormat("expected a KeyProvider (kek_id, wrap, unwrap)", field="key_provider")
    engine = make_engine(url, **_in_memory_options(url))
    map_domain()
    try:
        if migrate_schema:
            migrate.upgrade(engine)
        elif migrate.current(engine) != migrate.head():
            raise StorageError(
                "the database schema is not at the version this library needs; "
                "run `globalcrm migrate`"
            )
    except BaseException:
        engine.dispose()  # a store that did not open keeps no connection
        raise
    return CRM(engine, tenant=tenant, key_provider=key_provider or _default_key_provider(engine))


def _default_key_provider(engine: Engine) -> KeyProvider:
    """The key provider of a database opened without one (documented in ``open``)."""
    if os.environ.get("GLOBALCRM_KEK"):
        return EnvKeyProvider("GLOBALCRM_KEK")
    url = engine.url
    backend, database = url.get_backend_name(), url.database
    if backend == "sqlite" and database in (None, "", ":memory:"):
        return EphemeralKeyProvider()
    place = default_key_file(
        backend, database, url.render_as_string(hide_password=True), os.environ
    )
    return LocalKeyFile(place)


def _in_memory_options(url: object) -> dict[str, object]:
    """An in-memory SQLite database lives in one connection: keep that one (StaticPool)."""
    if isinstance(url, str) and url.strip() in ("sqlite://", "sqlite:///:memory:"):
        from sqlalchemy.pool import StaticPool

        return {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    return {}
