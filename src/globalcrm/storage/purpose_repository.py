"""Processing purposes in SQL: one row per version, the version's fields as a JSON document."""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from globalcrm.errors import Conflict, InvalidInput, NotFound, StorageError
from globalcrm.privacy.purposes import Purpose
from globalcrm.storage import tables

__all__ = ["PurposeRepository"]


def _document(purpose: Purpose) -> dict[str, Any]:
    data = {a.name: getattr(purpose, a.name) for a in attrs.fields(Purpose)}
    data["channels"] = list(purpose.channels)
    data["categories"] = sorted(purpose.categories)
    return data


def _purpose(document: Any, *, key: str, version: int) -> Purpose:
    try:
        return Purpose(**dict(document))
    except (InvalidInput, TypeError, ValueError):
        raise StorageError(f"purposes row {key}@{version} cannot be read: it was altered") from None


class PurposeRepository:
    """The purpose versions of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def add(self, purpose: Purpose) -> None:
        """Store a purpose version; a version already stored is a ``Conflict``."""
        p = tables.purposes.c
        found = self._session.execute(
            select(p.key).where(
                p.tenant == self._tenant, p.key == purpose.key, p.version == purpose.version
            )
        ).first()
        if found is not None:
            raise Conflict("this purpose version is already stored", field="purpose.version")
        self._session.execute(
            insert(tables.purposes).values(
                tenant=self._tenant,
                key=purpose.key,
                version=purpose.version,
                status=purpose.status,
                document=_document(purpose),
            )
        )

    def set_status(self, purpose: Purpose) -> None:
        """Store a purpose's new status (activation, retirement): the only change allowed."""
        p = tables.purposes.c
        self._session.execute(
            update(tables.purposes)
            .where(p.tenant == self._tenant, p.key == purpose.key, p.version == purpose.version)
            .values(status=purpose.status, document=_document(purpose))
        )

    def get(self, key: str, version: int | None = None) -> Purpose:
        """A purpose version, or (``version=None``) the newest active one."""
        p = tables.purposes.c
        query = select(p.document, p.key, p.version).where(p.tenant == self._tenant, p.key == key)
        if version is None:
            query = query.where(p.status == "active").order_by(p.version.desc()).limit(1)
        else:
            query = query.where(p.version == version)
        row = self._session.execute(query).first()
        if row is None:
            raise NotFound("no such purpose (or no active version)", field="purpose")
        return _purpose(row.document, key=row.key, version=row.version)

    def all(self) -> list[Purpose]:
        """Every purpose version of the tenant."""
        p = tables.purposes.c
        query = (
            select(p.document, p.key, p.version)
            .where(p.tenant == self._tenant)
            .order_by(p.key, p.version)
        )
        return [
            _purpose(row.document, key=row.key, version=row.version)
            for row in self._session.execute(query)
        ]
