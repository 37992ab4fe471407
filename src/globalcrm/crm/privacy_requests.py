"""``crm.privacy.requests``: data-subject requests in the store, with per-regime deadlines.

A request is opened for a customer, or for a requester not yet identified, under the regimes of
the customer's country (``regimes.regimes_for_country``) unless others are named, and counted in
the controller's **legal calendar**: its time zone and the public holidays of its country or
subdivision (:class:`~globalcrm.privacy.deadlines.LegalCalendar`), with optional calendars for
regimes counted elsewhere (Brazil's business days for LGPD). The calendar is a stored setting of
the tenant (:meth:`Requests.set_calendar`); a request is refused until one is set or passed, so
that no deadline is ever counted in UTC without holidays by default.

Every step (:mod:`globalcrm.privacy.requests`) is one transaction: the request row is locked,
the step checked and appended to the request's history, the stored due instant recomputed, and
an audit entry appended (ids, codes and instants; never the requester's contact or free text).
The overdue and due-soon lists are one indexed query each on that stored due instant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from globalcrm import _checks
from globalcrm.crm._context import Context, customer_id_of
from globalcrm.crm.audit import record_audit
from globalcrm.customers import Customer
from globalcrm.errors import InvalidFormat, InvalidInput, RuleViolation
from globalcrm.identifiers import check_id
from globalcrm.pagination import Page, check_limit, decode_cursor, encode_cursor
from globalcrm.privacy import regimes as _regimes
from globalcrm.privacy.deadlines import (
    BreachDeadline,
    LegalCalendar,
    LegalCalendars,
    breach_deadlines,
)
from globalcrm.privacy.requests import (
    DataSubjectRequest,
    DueRequest,
    RequestEvent,
    deemed_refusal,
)
from globalcrm.storage.request_repository import DueRow
from globalcrm.storage.unit_of_work import UnitOfWork

__all__ = ["Requests", "configured_breach_deadlines"]

NO_CALENDAR = (
    "no legal calendar is configured: set the controller's with "
    "crm.privacy.requests.set_calendar(LegalCalendar(time_zone=..., country=...)) "
    "or pass calendar= (deadlines are never counted in UTC without holidays by default)"
)


def _request_id(request: DataSubjectRequest | str) -> str:
    if isinstance(request, DataSubjectRequest):
        return request.id
    return check_id(request, field="request")


def _calendar(value: object, field: str = "calendar") -> LegalCalendar:
    if not isinstance(value, LegalCalendar):
        raise InvalidFormat("expected a LegalCalendar", field=field)
    return value


class Requests:
    """Data-subject requests of one tenant: open, each step, lists of what is due."""

    def __init__(self, context: Context) -> None:
        self._context = context

    # ------------------------------------------------------------------ legal calendars

    def set_calendar(self, calendar: LegalCalendar | None, *, regime: str | None = None) -> None:
        """Set the controller's legal calendar, or (``regime=``) the one a regime counts in.

        ``None`` with a regime removes that regime's own calendar (it then counts in the
        controller's). Requests already open keep the calendars they were opened with.
        """
        code = None if regime is None else _regimes.regime_code(regime, field="regime")
        if calendar is None and code is None:
            raise InvalidInput("the controller's calendar cannot be removed", field="calendar")
        chosen = None if calendar is None else _calendar(calendar)
        stamp = self._context.now()
        with self._context.work() as uow:
            uow.requests.set_calendar(code, chosen, now=stamp)
            payload: dict[str, Any] = {"regime": code or "controller"}
            payload.update(chosen.to_json() if chosen is not None else {"removed": True})
            record_audit(
                uow, self._context, "legal_calendar.set", "legal_calendar",
                code or "controller", None, payload,
            )

    def calendars(self) -> LegalCalendars:
        """The configured calendars (``controller`` is ``None`` until one is set)."""
        with self._context.work(write=False) as uow:
            return uow.requests.calendars()

    # ------------------------------------------------------------------ opening

    def open(
        self,
        customer: Customer | str | None = None,
        *,
        right: str,
        channel: str,
        received_at: dt.datetime | None = None,
        regimes: Sequence[str] | None = None,
        requester: str | None = None,
        identity_verified: bool = False,
        calendar: LegalCalendar | None = None,
        now: dt.datetime | None = None,
    ) -> DataSubjectRequest:
        """Open a request received at ``received_at`` (default: now) on ``channel``.

        ``customer`` is who the request is about; without one, ``requester`` says how to reach
        the person (personal data: erased with them) and ``regimes`` must be named. The
        regimes default to those covering the customer's country. ``calendar`` overrides the
        configured controller calendar for this request.

        Raises:
            RuleViolation: no legal calendar is configured or given.
            InvalidInput: no regime covers the customer's country and none is named.
            NotFound: no such customer.
        """
        stamp = self._context.now(now)
        received = _checks.event_time(
            stamp if received_at is None else received_at, field="received_at", now=stamp
        )
        customer_id = None if customer is None else customer_id_of(customer)
        _checks.flag(identity_verified, field="identity_verified")
        chosen = None if calendar is None else _calendar(calendar)
        with self._context.work() as uow:
            person = None if customer_id is None else uow.customers.get(customer_id)
            codes = self._regimes(regimes, person)
            configured = uow.requests.calendars()
            controller = chosen or configured.controller
            if controller is None:
                raise RuleViolation(NO_CALENDAR, field="calendar")
            request = DataSubjectRequest.open(
                right=right,
                regimes=codes,
                received_at=received,
                channel=channel,
                calendar=controller,
                regime_calendars={
                    code: found for code, found in configured.regimes if code in codes
                },
                customer_id=customer_id,
                requester=requester,
                identity_verified=identity_verified,
                tenant=self._context.tenant,
            )
            uow.requests.add(request)
            self._audit(uow, request, "request.opened", {
                "right": request.right,
                "regimes": list(request.regimes),
                "channel": request.channel,
                "received_at": request.received_at.isoformat(),
                "requester_given": request.requester is not None,
            })
        return request

    @staticmethod
    def _regimes(regimes: Sequence[str] | None, person: Customer | None) -> list[str]:
        if regimes is not None:
            if isinstance(regimes, str):
                return [_regimes.regime_code(regimes, field="regimes")]
            return list(regimes)
        if person is None:
            raise InvalidInput(
                "a request without a customer must name its regimes", field="regimes"
            )
        found = list(_regimes.regimes_for_country(person.country))
        if not found:
            raise InvalidInput(
                f"no regime in the data covers {person.country}: name the regimes",
                field="regimes",
            )
        return found

    # ------------------------------------------------------------------ steps

    def verify(
        self,
        request: DataSubjectRequest | str,
        *,
        method: str = "unspecified",
        customer: Customer | str | None = None,
        at: dt.datetime | None = None,
    ) -> DataSubjectRequest:
        """Record that the requester's identity was verified (``method``: login, id_document...).

        ``customer`` links a request from a requester not yet identified to the customer they
        proved to be (it must exist).
        """
        link = None if customer is None else customer_id_of(customer)

        def step(uow: UnitOfWork, current: DataSubjectRequest, moment: dt.datetime) -> Any:
            if link is not None:
                uow.customers.get(link)
            return current.verify_identity(at=moment, method=method, customer_id=link)

        return self._step(request, at, step)

    def pause(
        self, request: DataSubjectRequest | str, *, reason: str, at: dt.datetime | None = None
    ) -> DataSubjectRequest:
        """Stop the clock while waiting for the requester (identity, clarification, a fee).

        Refused once the request is overdue. Under the CCPA the clock does not stop: its 45
        days run from receipt whatever verification takes (11 CCR §7021(b)).
        """
        return self._step(request, at, lambda _, current, moment: current.pause(
            at=moment, reason=reason
        ))

    def resume(
        self, request: DataSubjectRequest | str, *, at: dt.datetime | None = None
    ) -> DataSubjectRequest:
        """Start the clock again: the due date moves by the whole days it stood still."""
        return self._step(request, at, lambda _, current, moment: current.resume(at=moment))

    def extend(
        self,
        request: DataSubjectRequest | str,
        *,
        reason: str,
        notice_sent_at: dt.datetime,
        at: dt.datetime | None = None,
    ) -> DataSubjectRequest:
        """Take the regimes' extension; the requester must have been told before the due date.

        ``reason`` is free text kept as the step's note (erased with the customer).
        """
        return self._step(request, at, lambda _, current, moment: current.extend(
            at=moment, notice_sent_at=notice_sent_at, reason=reason
        ))

    def complete(
        self, request: DataSubjectRequest | str, *, summary: str = "", at: dt.datetime | None = None
    ) -> DataSubjectRequest:
        """Close the request as answered (``summary``: free text, kept as the step's note)."""
        return self._step(request, at, lambda _, current, moment: current.complete(
            at=moment, summary=summary
        ))

    def reject(
        self,
        request: DataSubjectRequest | str,
        *,
        ground: str,
        cite: str,
        at: dt.datetime | None = None,
    ) -> DataSubjectRequest:
        """Refuse the request, citing the ground (``REJECTION_GROUNDS``) and its article."""
        return self._step(request, at, lambda _, current, moment: current.reject(
            at=moment, ground=ground, cite=cite
        ))

    def _step(
        self,
        request: DataSubjectRequest | str,
        at: dt.datetime | None,
        change: Callable[[UnitOfWork, DataSubjectRequest, dt.datetime], DataSubjectRequest],
    ) -> DataSubjectRequest:
        request_id = _request_id(request)
        now = self._context.now()
        moment = now if at is None else _checks.event_time(at, field="at", now=now)
        with self._context.work() as uow:
            current = uow.requests.get(request_id, for_update=True)
            changed = change(uow, current, moment)
            uow.requests.save(current, changed)
            event = changed.events[-1]
            payload: dict[str, Any] = {"status": changed.status, **event.detail}
            due = changed.due()
            payload["due_at"] = None if due is None else due.due_at.isoformat()
            self._audit(uow, changed, f"request.{event.kind}", payload)
        return changed

    def _audit(
        self, uow: UnitOfWork, request: DataSubjectRequest, action: str, payload: dict[str, Any]
    ) -> None:
        record_audit(
            uow, self._context, action, "privacy_request", request.id, request.customer_id,
            payload,
        )

    # ------------------------------------------------------------------ reading

    def get(self, request: DataSubjectRequest | str) -> DataSubjectRequest:
        """A stored request with its whole history."""
        request_id = _request_id(request)
        with self._context.work(write=False) as uow:
            return uow.requests.get(request_id)

    def history(self, request: DataSubjectRequest | str) -> tuple[RequestEvent, ...]:
        """Every step of a request, oldest first."""
        return self.get(request).history()

    def for_customer(self, customer: Customer | str) -> list[DataSubjectRequest]:
        """Every request about a customer, oldest first."""
        customer_id = customer_id_of(customer)
        with self._context.work(write=False) as uow:
            return uow.requests.of_customer(customer_id)

    def overdue(
        self, *, at: dt.datetime | None = None, after: str | None = None, limit: int = 100
    ) -> Page[DueRequest]:
        """Open requests past their due instant at ``at`` (default: now), the most overdue first.

        Paused requests are not listed (their clock stands still), nor requests whose regimes
        set no day count (PIPL, DPDP: answer without undue delay). ``deemed_refused`` names the
        regimes under which no answer in time already counts as a refusal.
        """
        moment = self._context.now(at, field="at")
        return self._due(moment, None, moment, after, limit)

    def due_soon(
        self,
        *,
        within: dt.timedelta = dt.timedelta(days=7),
        at: dt.datetime | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> Page[DueRequest]:
        """Open requests due from ``at`` (default: now) to ``at + within``, soonest first."""
        moment = self._context.now(at, field="at")
        if not isinstance(within, dt.timedelta) or within <= dt.timedelta(0):
            raise InvalidFormat("expected a positive timedelta", field="within")
        return self._due(moment + within, moment, moment, after, limit)

    def _due(
        self,
        until: dt.datetime,
        since: dt.datetime | None,
        at: dt.datetime,
        after: str | None,
        limit: int,
    ) -> Page[DueRequest]:
        size = check_limit(limit)
        last: tuple[dt.datetime, str] | None = None
        if after is not None:
            stamp, request_id = decode_cursor(after, 2)
            try:
                when = dt.datetime.fromisoformat(stamp)
            except ValueError:
                message = "not a cursor returned by this library"
                raise InvalidFormat(message, field="after") from None
            last = (_checks.aware_utc(when, field="after"), check_id(request_id, field="after"))
        with self._context.work(write=False) as uow:
            rows = uow.requests.due(until=until, since=since, after=last, limit=size + 1)
        items = [_due_request(row, at) for row in rows[:size]]
        cursor = None
        if len(rows) > size:
            final = items[-1]
            cursor = encode_cursor(final.due_at.isoformat(), final.id)
        return Page(items, cursor)


def _due_request(row: DueRow, at: dt.datetime) -> DueRequest:
    deadlines = {
        code: dt.datetime.fromisoformat(text) for code, text in dict(row.deadlines).items()
    }
    return DueRequest(
        id=row.id,
        customer_id=row.customer_id,
        right=row.right,
        regimes=tuple(row.regimes),
        status=row.status,
        received_at=row.received_at,
        due_at=row.due_at,
        due_regime=row.due_regime,
        deadlines=deadlines,
        deemed_refused=tuple(
            code for code, due in sorted(deadlines.items())
            if at > due and deemed_refusal(code) is not None
        ),
    )


def configured_breach_deadlines(
    context: Context,
    aware_at: dt.datetime,
    *,
    regimes: Sequence[str],
    unlawful_purpose: bool = False,
) -> list[BreachDeadline]:
    """``crm.privacy.breach_deadlines``: the regimes' breach clocks in the configured calendars."""
    start = _checks.aware_utc(aware_at, field="aware_at")
    if isinstance(regimes, str) or not isinstance(regimes, Sequence):
        raise InvalidFormat("expected a list of regime codes", field="regimes")
    codes = [_regimes.regime_code(code, field=f"regimes[{i}]") for i, code in enumerate(regimes)]
    _checks.flag(unlawful_purpose, field="unlawful_purpose")
    with context.work(write=False) as uow:
        configured = uow.requests.calendars()
    calendars: dict[str, LegalCalendar] = {}
    for code in codes:
        rule = _regimes.regime(code).rule("breach_notification")
        if rule is None or rule.value.get("period") is None or rule.value["counting"] == "elapsed":
            continue  # no count, or hours from awareness in UTC: no calendar needed
        found = configured.for_regime(code)
        if found is None:
            raise RuleViolation(
                f"{code} counts its breach period in a calendar: {NO_CALENDAR}", field="calendar"
            )
        calendars[code] = found
    return breach_deadlines(
        start, regimes=codes, calendars=calendars, unlawful_purpose=unlawful_purpose
    )
