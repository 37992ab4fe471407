"""One database transaction and the repositories that work inside it.

``UnitOfWork`` wraps SQLAlchemy's ``Session.begin()`` framing: it commits on a clean exit, rolls
back on any error, and translates storage errors into ``globalcrm.errors`` (a duplicate key or a
stale version is a ``Conflict``; anything else the database says is a ``StorageError``). Only the
service layer (``globalcrm.crm``) opens one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from globalcrm.errors import Conflict, GlobalCRMError, StorageError
from globalcrm.storage.audit_repository import AuditRepository
from globalcrm.storage.consent_repository import ConsentRepository
from globalcrm.storage.engine import WRITE
from globalcrm.storage.notice_repository import NoticeRepository
from globalcrm.storage.opt_in_repository import OptInTokenRepository
from globalcrm.storage.purchases_repository import PurchaseRepository
from globalcrm.storage.purpose_repository import PurposeRepository
from globalcrm.storage.repositories import (
    CustomerRepository,
    ExchangeRateRepository,
    InteractionRepository,
    PriceBookRepository,
)
from globalcrm.storage.request_repository import RequestRepository
from globalcrm.storage.segments_repository import SegmentRepository
from globalcrm.storage.service_repository import ServiceRepository
from globalcrm.storage.subject_key_repository import SubjectKeyRepository

__all__ = ["UnitOfWork", "storage_errors", "translate_storage_error"]


def translate_storage_error(error: SQLAlchemyError) -> GlobalCRMError:
    """The ``globalcrm`` error for a SQLAlchemy error (no SQL or parameters in the message)."""
    if isinstance(error, StaleDataError):
        return Conflict("the record was changed by someone else; reload it and try again")
    if isinstance(error, IntegrityError):
        return Conflict("the write conflicts with a record already stored")
    if isinstance(error, OperationalError):
        text = str(error.orig).lower() if error.orig is not None else ""
        if "locked" in text or "could not serialize" in text or "deadlock" in text:
            return Conflict("the database was busy with another write; try again")
        return StorageError("the database could not be reached or refused the operation")
    if isinstance(error, DBAPIError):
        return StorageError("the database refused the operation")
    return StorageError("the storage layer failed")


@contextmanager
def storage_errors() -> Iterator[None]:
    """Translate SQLAlchemy errors raised inside the block."""
    try:
        yield
    except SQLAlchemyError as error:
        raise translate_storage_error(error) from error


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
    # data-subject requests (issue 16)
    requests: RequestRepository

    def __init__(self, engine: Engine, tenant: str, *, write: bool = True) -> None:
        bind = engine.execution_options(**WRITE) if write else engine
        self._factory = sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)
        self._tenant = tenant
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        session = self._factory()
        try:
            session.begin()
        except SQLAlchemyError as error:
            session.close()
            raise translate_storage_error(error) from error
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
        # data-subject requests (issue 16)
        self.requests = RequestRepository(session, self._tenant)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self.session
        assert session is not None  # noqa: S101
        try:
            if error is None:
                session.commit()
            else:
                session.rollback()
        except SQLAlchemyError as failure:
            session.rollback()
            raise translate_storage_error(failure) from failure
        finally:
            session.close()
            self.session = None
        if isinstance(error, SQLAlchemyError):
            raise translate_storage_error(error) from error

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: an error inside rolls back only what the block did."""
        assert self.session is not None  # noqa: S101
        with storage_errors(), self.session.begin_nested():
            yield
