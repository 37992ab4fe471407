"""Survey answers of one tenant, through SQLAlchemy Core (answers are values: no mapping)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from globalcrm.storage import tables
from globalcrm.surveys import SurveyAnswer

__all__ = ["SurveyRepository", "answer_row"]


def answer_row(answer: SurveyAnswer, recorded_at: dt.datetime) -> dict[str, Any]:
    """The ``survey_answers`` row of an answer."""
    return {
        "id": answer.id,
        "tenant": answer.tenant,
        "customer_id": answer.customer_id,
        "kind": answer.kind,
        "score": answer.score,
        "answered_at": answer.answered_at,
        "case_id": answer.case_id,
        "purchase_id": answer.purchase_id,
        "channel": answer.channel,
        "language": answer.language,
        "team": answer.team,
        "tier": answer.tier,
        "comment": answer.comment,
        "recorded_at": recorded_at,
    }


def _answer(row: Row[Any]) -> SurveyAnswer:
    m = row._mapping
    return SurveyAnswer(
        id=m["id"], tenant=m["tenant"], customer_id=m["customer_id"], kind=m["kind"],
        score=m["score"], answered_at=m["answered_at"], case_id=m["case_id"],
        purchase_id=m["purchase_id"], channel=m["channel"], language=m["language"],
        team=m["team"], tier=m["tier"], comment=m["comment"],
    )


class SurveyRepository:
    """The survey answers of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def add(self, answer: SurveyAnswer, *, now: dt.datetime) -> None:
        """Write a new answer."""
        self._session.execute(insert(tables.survey_answers), [answer_row(answer, now)])

    def replace(self, answer: SurveyAnswer, *, now: dt.datetime) -> None:
        """Overwrite the stored answer with ``answer.id`` (the customer changed their mind)."""
        row = answer_row(answer, now)
        del row["id"], row["tenant"]
        a = tables.survey_answers.c
        self._session.execute(
            update(tables.survey_answers)
            .where(a.id == answer.id, a.tenant == self._tenant).values(**row)
        )

    def previous(
        self, customer_id: str, kind: str, case_id: str | None, purchase_id: str | None
    ) -> SurveyAnswer | None:
        """The customer's earlier answer to ``kind`` about the same case or purchase, if any.

        Answers about neither (a relationship NPS) are never replaced: each is its own.
        """
        if case_id is None and purchase_id is None:
            return None
        a = tables.survey_answers.c
        about = a.case_id == case_id if case_id is not None else a.purchase_id == purchase_id
        row = self._session.execute(
            select(tables.survey_answers)
            .where(a.tenant == self._tenant, a.customer_id == customer_id, a.kind == kind, about)
            .order_by(a.answered_at.desc(), a.id.desc()).limit(1).with_for_update()
        ).first()
        return None if row is None else _answer(row)

    def of_customer(self, customer_id: str, *, limit: int) -> list[SurveyAnswer]:
        """The customer's answers, newest first."""
        a = tables.survey_answers.c
        rows = self._session.execute(
            select(tables.survey_answers)
            .where(a.tenant == self._tenant, a.customer_id == customer_id)
            .order_by(a.answered_at.desc(), a.id.desc()).limit(limit)
        )
        return [_answer(row) for row in rows]

    def all(self) -> list[SurveyAnswer]:
        """Every answer of the tenant, oldest first (tests and small exports)."""
        a = tables.survey_answers.c
        rows = self._session.execute(
            select(tables.survey_answers).where(a.tenant == self._tenant)
            .order_by(a.answered_at, a.id)
        )
        return [_answer(row) for row in rows]

    def loyalty_tier(self, customer_id: str) -> str | None:
        """The customer's loyalty tier when ``globalcrm.loyalty`` is installed, else ``None``.

        Read from the ``loyalty_accounts`` table if the schema has one (the highest tier name
        is not known here: the first account's, by program key).
        """
        accounts = tables.metadata.tables.get("loyalty_accounts")
        if accounts is None:
            return None
        row = self._session.execute(
            select(accounts.c.tier)
            .where(accounts.c.tenant == self._tenant, accounts.c.customer_id == customer_id,
                   accounts.c.tier.is_not(None))
            .order_by(accounts.c.program).limit(1)
        ).first()
        return None if row is None else str(row[0])
