"""One database transaction and the repositories that work inside it.

``UnitOfWork`` wraps SQLAlchemy's ``Session.begin()`` framing: it commits on a clean exit, rolls
back on any error, and translates storage errors into ``globalcrm.errors`` through
:mod:`globalcrm.storage.failures`. Only the service layer (``globalcrm.crm``) opens one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from globalcrm.errors import GlobalCRMError
from globalcrm.storage.audit_repository import AuditRepository
from globalcrm.storage.consent_repository import ConsentRepository
from globalcrm.storage.engine import WRITE
from globalcrm.storage.failures import (
    is_driver_error,
    is_row_refusal,
    storage_errors,
    translate_storage_error,
)
from globalcrm.storage.loyalty_repository import LoyaltyRepository
from globalcrm.storage.notice_repository import NoticeRepository
from globalcrm.storage.opt_in_repository import OptInTokenRepository
from globalcrm.storage.payments_repository import PaymentRepository
from globalcrm.storage.purchases_repository import PurchaseRepository
from globalcrm.storage.purpose_repository import PurposeRepository
from globalcrm.storage.repositories import (
    CustomerRepository,
    ExchangeRateRepository,
    InteractionRepository,
    PriceBookRepository,
)
from globalcrm.storage.segments_repository import SegmentRepository
from globalcrm.storage.service_repository import ServiceRepository
from globalcrm.storage.subject_key_repository import SubjectKeyRepository

__all__ = ["UnitOfWork", "is_row_refusal", "storage_errors", "translate_storage_error"]

class UnitOfWork:
    """One transaction: repositories for the tenant, commit on success, rollback on error."""

    customers: CustomerRepository
    interactions: InteractionRepository
    exchange_rates: ExchangeRateRepository
    price_books: PriceBookRepository
    purchases: PurchaseRepository
    segments: SegmentRepository
    service: ServiceRepository
    purposes: PurposeRepository
    notices: NoticeRepository
    consent: ConsentRepository
    subject_keys: SubjectKeyRepository
    opt_in_tokens: OptInTokenRepository
    audit: AuditRepository
    payments: PaymentRepository
    loyalty: LoyaltyRepository

    def __init__(self, engine: Engine, tenant: str, *, write: bool = True) -> None:
        bind = engine.execution_options(**WRITE) if write else engine
        self._factory = sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)
        self._tenant = tenant
        self._url = engine.url
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        session = self._factory()
        try:
            session.begin()
        except SQLAlchemyError as error:
            session.close()
            translated = translate_storage_error(error, url=self._url)
        else:
            self.session = session
            self.customers = CustomerRepository(session, self._tenant)
            self.interactions = InteractionRepository(session, self._tenant)
            self.exchange_rates = ExchangeRateRepository(session)
            self.price_books = PriceBookRepository(session, self._tenant)
            self.purchases = PurchaseRepository(session, self._tenant)
            self.segments = SegmentRepository(session, self._tenant)
            self.service = ServiceRepository(session, self._tenant)
            self.purposes = PurposeRepository(session, self._tenant)
            self.notices = NoticeRepository(session, self._tenant)
            self.consent = ConsentRepository(session, self._tenant)
            self.subject_keys = SubjectKeyRepository(session, self._tenant)
            self.opt_in_tokens = OptInTokenRepository(session, self._tenant)
            self.audit = AuditRepository(session, self._tenant)
            self.payments = PaymentRepository(session, self._tenant)
            self.loyalty = LoyaltyRepository(session, self._tenant)
            return self
        raise translated from None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        assert session is not None  # noqa: S101
        failure: GlobalCRMError | None = None
        try:
            if error is None:
                session.commit()
            else:
                session.rollback()
        except SQLAlchemyError as problem:
            failure = translate_storage_error(problem, url=self._url)
            _quietly_roll_back(session)
        finally:
            session.close()
            self.session = None
        if failure is None and error is not None and _is_storage_error(error):
            failure = translate_storage_error(error, url=self._url)
        if failure is not None:
            raise failure from None

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: an error inside rolls back only what the block did."""
        assert self.session is not None  # noqa: S101
        with storage_errors(self._url), self.session.begin_nested():
            yield


def _is_storage_error(error: BaseException) -> bool:
    return isinstance(error, SQLAlchemyError) or is_driver_error(error)


def _quietly_roll_back(session: Session) -> None:
    """Roll back after a failed commit; a second failure (connection gone) changes nothing."""
    try:
        session.rollback()
    except SQLAlchemyError:
        return
