"""Published notice versions in SQL, with their text snapshot and SHA-256."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from globalcrm.errors import InvalidInput, NotFound, StorageError
from globalcrm.privacy.audit_log import canonical_json
from globalcrm.privacy.notices import NoticeVersion
from globalcrm.storage import tables

__all__ = ["NoticeRepository"]

_TIMES = ("effective_from", "effective_to", "published_at")


def _document(notice: NoticeVersion) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        canonical_json({a.name: getattr(notice, a.name) for a in attrs.fields(NoticeVersion)})
    )
    return data


def _notice(document: Any, notice_id: str) -> NoticeVersion:
    try:
        data = dict(document)
        for name in _TIMES:
            text = data.get(name)
            data[name] = (
                None
                if text is None
                else dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
            )
        data["jurisdictions"] = tuple(data.get("jurisdictions") or ())
        return NoticeVersion(**data)
    except (InvalidInput, TypeError, ValueError):
        raise StorageError(f"notices row {notice_id} cannot be read: it was altered") from None


class NoticeRepository:
    """The published notice versions of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def add(self, notice: NoticeVersion) -> None:
        """Store a published notice version."""
        self._session.execute(
            insert(tables.notices).values(
                id=notice.id,
                tenant=self._tenant,
                notice_key=notice.notice_key,
                version=notice.version,
                language=notice.language,
                content_sha256=notice.content_sha256,
                document=_document(notice),
            )
        )

    def get(self, notice_id: str) -> NoticeVersion:
        """A stored notice version by id."""
        n = tables.notices.c
        row = self._session.execute(
            select(n.document).where(n.tenant == self._tenant, n.id == notice_id)
        ).first()
        if row is None:
            raise NotFound("no such notice version", field="notice_id")
        return _notice(row.document, notice_id)
