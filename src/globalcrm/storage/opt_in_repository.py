"""Double opt-in and unsubscribe tokens in SQL, stored only as SHA-256."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from globalcrm.errors import GlobalCRMError, StorageError
from globalcrm.privacy.opt_in import TokenChallenge
from globalcrm.storage import tables

__all__ = ["OptInTokenRepository"]


def _challenge(row: Any) -> TokenChallenge:
    try:
        return TokenChallenge(
            kind=row.kind,
            subject_ref=row.subject_ref,
            purpose_key=row.purpose_key,
            channel=row.channel,
            token_sha256=row.token_sha256,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            contact_point_ref=row.contact_point_ref,
            id=row.id,
            status=row.status,
            used_at=row.used_at,
        )
    except GlobalCRMError as error:
        raise StorageError(f"opt_in_tokens row {row.id} cannot be read: it was altered") from error


class OptInTokenRepository:
    """The link tokens of one tenant."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def save(self, challenges: Sequence[TokenChallenge]) -> None:
        """Insert new challenges and store the status of existing ones."""
        t = tables.opt_in_tokens.c
        for challenge in challenges:
            found = self._session.execute(
                select(t.id).where(t.id == challenge.id, t.tenant == self._tenant)
            ).first()
            if found is None:
                self._session.execute(
                    insert(tables.opt_in_tokens).values(
                        id=challenge.id,
                        tenant=self._tenant,
                        kind=challenge.kind,
                        subject_ref=challenge.subject_ref,
                        purpose_key=challenge.purpose_key,
                        channel=challenge.channel,
                        contact_point_ref=challenge.contact_point_ref,
                        token_sha256=challenge.token_sha256,
                        issued_at=challenge.issued_at,
                        expires_at=challenge.expires_at,
                        status=challenge.status,
                        used_at=challenge.used_at,
                    )
                )
            else:
                self._session.execute(
                    update(tables.opt_in_tokens)
                    .where(t.id == challenge.id, t.tenant == self._tenant)
                    .values(status=challenge.status, used_at=challenge.used_at)
                )

    def find(
        self, *, subject_ref: str | None = None, token_sha256: str | None = None
    ) -> list[TokenChallenge]:
        """The tenant's challenges for one subject, or the one with a token hash (locked)."""
        t = tables.opt_in_tokens.c
        query = select(tables.opt_in_tokens).where(t.tenant == self._tenant)
        if subject_ref is not None:
            query = query.where(t.subject_ref == subject_ref)
        if token_sha256 is not None:
            query = query.where(t.token_sha256 == token_sha256).with_for_update()
        return [_challenge(row) for row in self._session.execute(query.order_by(t.issued_at))]
