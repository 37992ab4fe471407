"""``crm.surveys``: ask a customer a survey question, and record their answer.

Asking goes through ``crm.care`` (the first usable channel, the next good local time) and
``crm.messages.send`` with the ``survey_invitation`` template, so consent for the purpose and
the customer's contact hours are kept. An answer about a case or a purchase takes the channel,
team and loyalty tier from what it rates, so that KPIs slice by them as they were.
"""

from __future__ import annotations

import builtins
import datetime as dt
from typing import Any

import attrs

from globalcrm import _checks
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.care import Care, Notice
from globalcrm.crm.privacy import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import InvalidInput
from globalcrm.identifiers import check_id
from globalcrm.pagination import check_limit
from globalcrm.storage.surveys_repository import SurveyRepository
from globalcrm.surveys import SURVEY_KINDS, SurveyAnswer, SurveyQuestion, question

__all__ = ["Surveys"]


def _ref(value: object, field: str) -> str | None:
    if value is None:
        return None
    found = getattr(value, "id", value)
    return check_id(found, field=field)


class Surveys:
    """The survey answers of one tenant."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def question(self, kind: str, customer: Customer | str, *, brand: str) -> SurveyQuestion:
        """The ``kind`` question in the customer's language (:func:`globalcrm.surveys.question`)."""
        name = _checks.choice(kind, SURVEY_KINDS, field="kind", what="survey kind")
        customer_id = customer_id_of(customer)
        with self._context.work(write=False) as uow:
            person = uow.customers.get(customer_id)
        return question(name, person.language, brand=brand)

    def record(
        self,
        customer: Customer | str,
        *,
        kind: str,
        score: int,
        case: Any = None,
        purchase: Any = None,
        channel: str | None = None,
        comment: str | None = None,
        language: str | None = None,
        tier: str | None = None,
        answered_at: dt.datetime | None = None,
        now: dt.datetime | None = None,
    ) -> SurveyAnswer:
        """Record the customer's answer to ``kind`` (``csat``, ``nps``, ``ces``); returns it.

        ``case`` or ``purchase`` (an object or its id) is what is rated; the answer takes its
        channel (unless ``channel`` is given), the case's team and tier, and the customer's
        language unless ``language`` is given. A second answer to the same question about the
        same case or purchase replaces the first (the customer changed their mind). An answer
        about neither (a relationship NPS) needs ``channel``.
        """
        stamp = self._context.now(now)
        customer_id = customer_id_of(customer)
        when = _checks.event_time(answered_at or stamp, field="answered_at", now=stamp)
        case_id, purchase_id = _ref(case, "case"), _ref(purchase, "purchase")
        with self._context.work() as uow:
            assert uow.session is not None  # noqa: S101
            store = SurveyRepository(uow.session, self._context.tenant)
            person = uow.customers.get(customer_id)
            team = None
            rated_channel = channel
            if case_id is not None:
                found = uow.service.case(case_id)
                if found.customer_id != customer_id:
                    raise InvalidInput("the case is another customer's", field="case")
                team, tier = found.team, tier or found.tier
                rated_channel = rated_channel or found.channel
            elif purchase_id is not None:
                bought = uow.purchases.get(purchase_id)
                if bought.customer_id != customer_id:
                    raise InvalidInput("the purchase is another customer's", field="purchase")
                rated_channel = rated_channel or bought.channel
            if rated_channel is None:
                raise InvalidInput("name the channel of what is rated", field="channel")
            if tier is None:
                tier = store.loyalty_tier(customer_id)
            answer = SurveyAnswer(
                customer_id=customer_id, kind=kind, score=score, channel=rated_channel,
                answered_at=when, case_id=case_id, purchase_id=purchase_id,
                language=language or person.language, team=team, tier=tier, comment=comment,
                tenant=self._context.tenant,
            )
            earlier = store.previous(customer_id, answer.kind, case_id, purchase_id)
            if earlier is None:
                store.add(answer, now=stamp)
                action = "survey.answered"
            else:
                answer = attrs.evolve(answer, id=earlier.id)
                store.replace(answer, now=stamp)
                action = "survey.answer_changed"
            record_audit(uow, self._context, action, "survey_answer", answer.id, customer_id,
                         {"kind": answer.kind, "score": answer.score})
        return answer

    def answers(self, customer: Customer | str, *, limit: int = 100) -> builtins.list[SurveyAnswer]:
        """The customer's answers, newest first (comments included: they are the customer's)."""
        customer_id = customer_id_of(customer)
        limit = check_limit(limit)
        with self._context.work(write=False) as uow:
            assert uow.session is not None  # noqa: S101
            return SurveyRepository(uow.session, self._context.tenant).of_customer(
                customer_id, limit=limit
            )

    def all(self) -> builtins.list[SurveyAnswer]:
        """Every answer of the tenant, oldest first (for small stores and tests)."""
        with self._context.work(write=False) as uow:
            assert uow.session is not None  # noqa: S101
            return SurveyRepository(uow.session, self._context.tenant).all()

    def ask(
        self,
        customer: Customer | str,
        *,
        purpose: str,
        adapter: object,
        brand: str,
        survey_url: str,
        minutes: int = 1,
        now: dt.datetime | None = None,
    ) -> Notice:
        """Invite the customer to a survey (the ``survey_invitation`` template), if allowed.

        The channel is their first usable one and the time the next good one in their zone
        (``crm.care``); consent for ``purpose`` is checked on the channel. The ``Notice`` says
        whether it was ``sent``, ``deferred`` (send at ``plan.send_at``) or ``unreachable``.
        """
        return Care(self._context).notify(
            customer, event="survey", purpose=purpose, adapter=adapter, now=now, brand=brand,
            survey_url=survey_url, minutes=minutes,
        )
