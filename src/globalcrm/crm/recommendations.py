"""``crm.recommendations``: what to suggest to a customer, from what customers bought together.

Item-to-item cosine similarity over purchases that count, each product's best ``neighbours``
kept, scores summed over what the customer bought (:mod:`globalcrm.recommendations` states the
measure and its sources); the model is counted in SQL (:mod:`globalcrm.storage.
recommendations_sql`). What the customer bought or returned, and what conflicts with their
dietary and cultural needs and allergens as the store records them, is never suggested.

A ``globalcrm_recommend`` plugin may then replace or re-rank the list (the first answer that
is not ``None`` wins). Its answer is checked: a list of at most ``limit``
:class:`~globalcrm.recommendations.Recommendation`, none of them a product the customer
bought or returned, and none that the store's own attributes say conflicts with the
customer's needs; anything else is a ``PluginError`` naming the hook and the plugin.

Nothing is written: recommendations are worked out when asked, from the store as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from globalcrm import _checks
from globalcrm import recommendations as domain
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, InvalidInput, PluginError
from globalcrm.pagination import check_limit
from globalcrm.recommendations import Recommendation, SimilarItems
from globalcrm.storage import recommendations_sql as store
from globalcrm.storage.unit_of_work import UnitOfWork, storage_errors

__all__ = ["Recommendations"]

_HOOK = "globalcrm_recommend"


def _neighbours(value: object, model: SimilarItems | None) -> int:
    if model is not None:
        if not isinstance(model, SimilarItems):
            raise InvalidFormat("expected a SimilarItems model", field="model")
        if value is not None and value != model.neighbours:
            raise InvalidInput(
                "the model keeps another number of neighbours; leave neighbours out",
                field="neighbours",
            )
        return model.neighbours
    if value is None:
        return domain.DEFAULT_NEIGHBOURS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise InvalidFormat("expected a whole number from 1 to 1000", field="neighbours")
    return value


def _policy(value: object) -> str:
    return _checks.choice(value, domain.UNKNOWN_POLICIES, field="unknown", what="policy")


def _products(value: object) -> frozenset[str]:
    return frozenset(
        _checks.each(value, "exclude", lambda item: _checks.text(item, field="", max_length=200))
    )


def _connection(uow: UnitOfWork) -> Any:
    assert uow.session is not None  # noqa: S101
    return uow.session.connection()


class Recommendations:
    """Recommendations for the customers of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def similar_items(
        self, *, now: dt.datetime | None = None, neighbours: int | None = None
    ) -> SimilarItems:
        """The similar-items model of the tenant as of ``now``, counted in one SQL statement.

        Keep it and pass it as ``model=`` to answer many customers without counting again (it
        holds products and counts, nothing about a person; memory grows with products times
        ``neighbours``).
        """
        moment = self._context.now(now)
        k = _neighbours(neighbours, None)
        with self._context.work(write=False) as uow, storage_errors():
            return store.similar_items(
                _connection(uow), self._context.tenant, now=moment, neighbours=k
            )

    def for_customer(
        self,
        customer: Customer | str,
        *,
        limit: int = 10,
        now: dt.datetime | None = None,
        exclude: Sequence[str] = (),
        unknown: str = "exclude",
        neighbours: int | None = None,
        model: SimilarItems | None = None,
    ) -> list[Recommendation]:
        """The best ``limit`` products for ``customer`` (a ``Customer`` or its id), best first.

        Purchases made by ``now`` are read; the customer's needs and allergens are the stored
        ones. ``exclude`` names more products to leave out (the basket in hand).
        ``unknown="include"`` lets undeclared products through for a customer the rules
        protect (their ``attributes`` are ``None``). Without ``model`` the rows of what the
        customer bought are counted for this call alone.
        """
        customer_id = customer_id_of(customer)
        count = check_limit(limit)
        moment = self._context.now(now)
        k = _neighbours(neighbours, model)
        policy = _policy(unknown)
        extra = _products(exclude)
        with self._context.work(write=False) as uow:
            person = uow.customers.get(customer_id)
            with storage_errors():
                connection = _connection(uow)
                bought, returned = store.histories(
                    connection, self._context.tenant, [customer_id], now=moment
                ).get(customer_id, (frozenset(), frozenset()))
                used = model or store.similar_items(
                    connection, self._context.tenant, now=moment, neighbours=k,
                    customer_id=customer_id,
                )
        made = domain.recommend(
            used,
            bought=bought,
            exclude=returned | extra,
            needs=person.dietary_needs,
            allergens=person.allergens,
            limit=count,
            unknown=policy,
        )
        return self._plugged(person, made, count, bought | returned | extra, moment)

    def for_customers(
        self,
        *,
        limit: int = 10,
        now: dt.datetime | None = None,
        unknown: str = "exclude",
        neighbours: int | None = None,
        model: SimilarItems | None = None,
        batch_size: int = 1000,
    ) -> Iterator[tuple[str, list[Recommendation]]]:
        """``(customer id, recommendations)`` for every customer of the tenant, in id order.

        The model is counted once (or ``model`` is used); then customers are read
        ``batch_size`` at a time, each batch in its own transaction. Memory holds the model and
        one batch's histories: it does not grow with the number of customers. A customer who
        bought nothing gets an empty list. Each answer equals :meth:`for_customer`'s for the
        same ``now``.
        """
        count = check_limit(limit)
        moment = self._context.now(now)
        k = _neighbours(neighbours, model)
        policy = _policy(unknown)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or not (
            1 <= batch_size <= 10_000
        ):
            raise InvalidFormat("expected a whole number from 1 to 10000", field="batch_size")
        used = model or self.similar_items(now=moment, neighbours=k)
        return self._batches(used, count, moment, policy, batch_size)

    def _batches(
        self, model: SimilarItems, limit: int, moment: dt.datetime, policy: str, size: int
    ) -> Iterator[tuple[str, list[Recommendation]]]:
        tenant = self._context.tenant
        plugged = self._context.plugins.wants(_HOOK)
        after: str | None = None
        while True:
            with self._context.work(write=False) as uow:
                with storage_errors():
                    connection = _connection(uow)
                    page = store.customer_needs(connection, tenant, after=after, limit=size)
                    ids = [customer_id for customer_id, _, _ in page]
                    known = store.histories(connection, tenant, ids, now=moment)
                people = {p.id: p for p in uow.customers.get_many(ids)} if plugged else {}
            empty = (frozenset[str](), frozenset[str]())
            for customer_id, needs, allergens in page:
                bought, returned = known.get(customer_id, empty)
                made = domain.recommend(
                    model, bought=bought, exclude=returned, needs=needs,
                    allergens=allergens, limit=limit, unknown=policy,
                ) if bought else []
                if plugged:
                    made = self._plugged(
                        people[customer_id], made, limit, bought | returned, moment
                    )
                yield customer_id, made
            if len(page) < size:
                return
            after = page[-1][0]

    # ------------------------------------------------------------------ the plugin hook

    def _plugged(
        self,
        person: Customer,
        made: list[Recommendation],
        limit: int,
        taken: frozenset[str],
        moment: dt.datetime,
    ) -> list[Recommendation]:
        """The list after the ``globalcrm_recommend`` hook: the first answer wins, checked."""
        plugins = self._context.plugins
        if not plugins.wants(_HOOK):
            return made
        for plugin, answer in plugins.call_each(
            _HOOK, customer=person, recommendations=tuple(made), limit=limit
        ):
            if answer is not None:
                return self._checked(plugin, answer, person, made, limit, taken, moment)
        return made

    def _checked(
        self,
        plugin: str,
        answer: object,
        person: Customer,
        made: list[Recommendation],
        limit: int,
        taken: frozenset[str],
        moment: dt.datetime,
    ) -> list[Recommendation]:
        def refuse(message: str) -> PluginError:
            return PluginError(message, hook=_HOOK, plugin=plugin)

        if isinstance(answer, str | bytes) or not isinstance(answer, Sequence):
            raise refuse("the answer is not a list of Recommendation")
        items = list(answer)
        if not all(isinstance(item, Recommendation) for item in items):
            raise refuse("the answer is not a list of Recommendation")
        if len(items) > limit:
            raise refuse(f"the answer has more than {limit} recommendations")
        products = [item.product for item in items]
        if len(set(products)) != len(products):
            raise refuse("the answer names a product twice")
        if not taken.isdisjoint(products):
            raise refuse("the answer recommends a product the customer bought or returned")
        ours = {item.product for item in made}
        added = sorted(set(products) - ours)
        if added:
            with self._context.work(write=False) as uow, storage_errors():
                declared = store.product_attributes(
                    _connection(uow), self._context.tenant, now=moment, products=added
                )
            for product in added:
                if product in declared and domain.conflicts(
                    declared[product], needs=person.dietary_needs, allergens=person.allergens
                ):
                    raise refuse(
                        "the answer recommends a product that conflicts with the customer's "
                        "dietary needs or allergens"
                    )
        return items
