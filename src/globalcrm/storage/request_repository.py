"""Data-subject requests in SQL: the request row, its append-only steps, the legal calendars.

A request is one row in ``privacy_requests`` and one row per step in ``privacy_request_events``;
a step is only ever inserted. The row's ``version`` is the number of steps, so a step saved
against a request someone else changed meanwhile is a ``Conflict`` (the row is also locked
``FOR UPDATE`` when read for a step). The row keeps the instant the request is due while its
clock runs (``due_at``: NULL while paused or once closed) so that the overdue and due-soon lists
are one indexed query each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from globalcrm.errors import Conflict, GlobalCRMError, NotFound, StorageError
from globalcrm.privacy.deadlines import LegalCalendar, LegalCalendars
from globalcrm.privacy.requests import DataSubjectRequest, RequestEvent
from globalcrm.storage import tables

__all__ = ["DueRow", "RequestRepository"]

_CONTROLLER = ""
"""``legal_calendars.regime`` of the controller's own calendar."""

DueRow = Any
"""A row of ``privacy_requests`` as the due lists read it."""


def _calendars_document(request: DataSubjectRequest) -> dict[str, Any]:
    return {
        "controller": request.calendar.to_json(),
        "regimes": {code: calendar.to_json() for code, calendar in request.regime_calendars},
    }


def _due_columns(request: DataSubjectRequest) -> dict[str, Any]:
    """``due_at``, ``due_regime`` and each regime's due instant while the clock runs."""
    due = request.due()
    if due is None:
        return {"due_at": None, "due_regime": None, "deadlines": {}}
    found = request.regime_deadlines()
    return {
        "due_at": due.due_at,
        "due_regime": due.regime,
        "deadlines": {code: item.due_at.isoformat() for code, item in sorted(found.items())},
    }


def _event_row(
    request: DataSubjectRequest, position: int, event: RequestEvent, tenant: str
) -> dict[str, Any]:
    return {
        "request_id": request.id,
        "position": position,
        "tenant": tenant,
        "customer_id": request.customer_id,
        "kind": event.kind,
        "at": event.at,
        "detail": event.detail,
        "note": event.note,
    }


class RequestRepository:
    """The data-subject requests and legal calendars of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    # ------------------------------------------------------------------ legal calendars

    def calendars(self) -> LegalCalendars:
        """The tenant's configured calendars (``controller`` is ``None`` until one is set)."""
        c = tables.legal_calendars.c
        rows = self._session.execute(
            select(c.regime, c.time_zone, c.country, c.subdivision).where(
                c.tenant == self._tenant
            )
        ).all()
        controller = None
        regimes: dict[str, LegalCalendar] = {}
        for row in rows:
            calendar = self._calendar_of(row)
            if row.regime == _CONTROLLER:
                controller = calendar
            else:
                regimes[row.regime] = calendar
        try:
            return LegalCalendars(controller=controller, regimes=regimes)
        except GlobalCRMError:
            raise StorageError("legal_calendars names an unknown regime: it was altered") from None

    def _calendar_of(self, row: Any) -> LegalCalendar:
        try:
            return LegalCalendar(
                time_zone=row.time_zone, country=row.country, subdivision=row.subdivision
            )
        except GlobalCRMError:
            raise StorageError(
                "a legal_calendars row cannot be read (its zone, country or subdivision)"
            ) from None

    def set_calendar(
        self, regime: str | None, calendar: LegalCalendar | None, *, now: dt.datetime
    ) -> None:
        """Store (or with ``None`` remove) the controller's calendar or a regime's own."""
        c = tables.legal_calendars.c
        key = _CONTROLLER if regime is None else regime
        self._session.execute(
            delete(tables.legal_calendars).where(c.tenant == self._tenant, c.regime == key)
        )
        if calendar is None:
            return
        self._session.execute(
            insert(tables.legal_calendars).values(
                tenant=self._tenant,
                regime=key,
                time_zone=calendar.time_zone,
                country=calendar.country,
                subdivision=calendar.subdivision,
                updated_at=now,
            )
        )

    # ------------------------------------------------------------------ requests

    def add(self, request: DataSubjectRequest) -> None:
        """Store a new request and its steps so far."""
        self._session.execute(
            insert(tables.privacy_requests).values(
                id=request.id,
                tenant=self._tenant,
                customer_id=request.customer_id,
                requester=request.requester,
                right=request.right,
                regimes=list(request.regimes),
                channel=request.channel,
                received_at=request.received_at,
                calendars=_calendars_document(request),
                status=request.status,
                closed_at=request.closed_at,
                version=len(request.events),
                **_due_columns(request),
            )
        )
        self._insert_events(request, 0)

    def _insert_events(self, request: DataSubjectRequest, start: int) -> None:
        rows = [
            _event_row(request, position, event, self._tenant)
            for position, event in enumerate(request.events[start:], start=start)
        ]
        if rows:
            self._session.execute(insert(tables.privacy_request_events), rows)

    def save(self, before: DataSubjectRequest, after: DataSubjectRequest) -> None:
        """Store the steps ``after`` added to ``before`` (read with :meth:`get`) and its new state.

        Raises:
            Conflict: the request was changed since ``before`` was read.
        """
        r = tables.privacy_requests.c
        count = len(before.events)
        if after.id != before.id or after.events[:count] != before.events:
            raise Conflict("a request's history only grows", field="request")
        result = self._session.execute(
            update(tables.privacy_requests)
            .where(r.id == before.id, r.tenant == self._tenant, r.version == count)
            .values(
                customer_id=after.customer_id,
                status=after.status,
                closed_at=after.closed_at,
                version=len(after.events),
                **_due_columns(after),
            )
        )
        if int(getattr(result, "rowcount", 0) or 0) != 1:
            raise Conflict("the request was changed by someone else; read it again")
        if after.customer_id != before.customer_id:  # identity verification named the customer
            e = tables.privacy_request_events.c
            self._session.execute(
                update(tables.privacy_request_events)
                .where(e.request_id == before.id, e.tenant == self._tenant)
                .values(customer_id=after.customer_id)
            )
        self._insert_events(after, count)

    def get(self, request_id: str, *, for_update: bool = False) -> DataSubjectRequest:
        """A request with its whole history (``for_update``: lock its row until the end)."""
        r = tables.privacy_requests.c
        query = select(tables.privacy_requests).where(
            r.id == request_id, r.tenant == self._tenant
        )
        if for_update:
            query = query.with_for_update()
        row = self._session.execute(query).first()
        if row is None:
            raise NotFound("no such request", field="request")
        e = tables.privacy_request_events.c
        steps = self._session.execute(
            select(tables.privacy_request_events)
            .where(e.request_id == request_id)
            .order_by(e.position)
        ).all()
        return self._request(row, steps)

    def of_customer(self, customer_id: str) -> list[DataSubjectRequest]:
        """Every request about one customer, oldest first."""
        r = tables.privacy_requests.c
        rows = self._session.execute(
            select(tables.privacy_requests)
            .where(r.tenant == self._tenant, r.customer_id == customer_id)
            .order_by(r.received_at, r.id)
        ).all()
        if not rows:
            return []
        e = tables.privacy_request_events.c
        steps: dict[str, list[Any]] = {}
        for step in self._session.execute(
            select(tables.privacy_request_events)
            .where(e.request_id.in_([row.id for row in rows]))
            .order_by(e.request_id, e.position)
        ):
            steps.setdefault(step.request_id, []).append(step)
        return [self._request(row, steps.get(row.id, [])) for row in rows]

    def _request(self, row: Any, steps: Sequence[Any]) -> DataSubjectRequest:
        try:
            documents = row.calendars
            if not isinstance(documents, Mapping) or not isinstance(
                documents.get("regimes"), Mapping
            ):
                raise StorageError("no calendars")
            events = tuple(
                RequestEvent(kind=step.kind, at=step.at, detail=step.detail, note=step.note)
                for step in steps
            )
            if len(events) != row.version or [s.position for s in steps] != list(
                range(len(events))
            ):
                raise StorageError("steps missing")
            return DataSubjectRequest(
                id=row.id,
                tenant=row.tenant,
                right=row.right,
                regimes=row.regimes,
                received_at=row.received_at,
                channel=row.channel,
                calendar=LegalCalendar.from_json(documents.get("controller")),
                regime_calendars={
                    code: LegalCalendar.from_json(value)
                    for code, value in documents["regimes"].items()
                },
                customer_id=row.customer_id,
                requester=row.requester,
                status=row.status,
                events=events,
            )
        except (GlobalCRMError, TypeError, ValueError):
            # no chained cause: a value that did not check may be personal (the requester)
            raise StorageError(
                f"privacy_requests row {row.id} cannot be read with its steps: it was altered"
            ) from None

    def due(
        self,
        *,
        until: dt.datetime,
        since: dt.datetime | None,
        after: tuple[dt.datetime, str] | None,
        limit: int,
    ) -> list[DueRow]:
        """Open requests whose clock runs and who are due before ``until`` (from ``since``).

        One query on ``(tenant, due_at, id)``, ordered by due instant then id; ``after`` is the
        last (due instant, id) of the previous page.
        """
        r = tables.privacy_requests.c
        query = select(
            r.id,
            r.customer_id,
            r.right,
            r.regimes,
            r.status,
            r.received_at,
            r.due_at,
            r.due_regime,
            r.deadlines,
        ).where(r.tenant == self._tenant, r.due_at < until)
        if since is not None:
            query = query.where(r.due_at >= since)
        if after is not None:
            query = query.where(
                or_(r.due_at > after[0], and_(r.due_at == after[0], r.id > after[1]))
            )
        query = query.order_by(r.due_at, r.id).limit(limit)
        return list(self._session.execute(query).all())
