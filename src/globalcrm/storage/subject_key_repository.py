"""Each subject's own data key in SQL, stored wrapped under the application's KEK.

A key is made on first use, wrapped by the :class:`~globalcrm.privacy.key_wrapping.KeyProvider`
the CRM was opened with (the row holds ``wrapped_key`` and ``kek_id``, never the key), and bound
to its row (tenant, subject, key id) so a wrapped key copied onto another row does not unwrap.
Keys stored in clear before schema ``p1`` (``key``) are read as legacy until :meth:`rewrap`
wraps them. Destroying a key nulls both columns: every value sealed under it is erased.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from globalcrm.errors import GlobalCRMError, StorageError
from globalcrm.privacy.evidence import SubjectKey
from globalcrm.privacy.key_wrapping import KeyProvider, wrap_context
from globalcrm.storage import tables

__all__ = ["SubjectKeyRepository"]


class SubjectKeyRepository:
    """The subject keys of one tenant; every call names the key provider to use."""

    def __init__(self, session: Session, tenant: str) -> None:
        self._session = session
        self._tenant = tenant

    def _unwrap(self, row: Any, provider: KeyProvider) -> SubjectKey:
        if row.destroyed_at is not None or (row.wrapped_key is None and row.key is None):
            return SubjectKey(row.subject_ref, row.key_id, None, row.destroyed_at)
        if row.wrapped_key is None:  # a legacy key, stored in clear before schema p1
            secret = bytes(row.key)
        else:
            context = wrap_context(self._tenant, row.subject_ref, row.key_id)
            secret = provider.unwrap(bytes(row.wrapped_key), kek_id=row.kek_id, context=context)
        try:
            return SubjectKey(row.subject_ref, row.key_id, secret)
        except GlobalCRMError as error:
            raise StorageError(f"subject_keys row {row.key_id} does not hold a key") from error

    def live(self, subject_ref: str, *, provider: KeyProvider, create: bool) -> SubjectKey | None:
        """The subject's live data key, unwrapped (made and wrapped on first use if ``create``)."""
        k = tables.subject_keys.c
        row = self._session.execute(
            select(tables.subject_keys)
            .where(
                k.tenant == self._tenant, k.subject_ref == subject_ref, k.destroyed_at.is_(None)
            )
            .order_by(k.key_id)
            .limit(1)
        ).first()
        if row is not None:
            return self._unwrap(row, provider)
        if not create:
            return None
        key = SubjectKey.generate(subject_ref)
        assert key.key is not None  # noqa: S101 - a generated key is live
        context = wrap_context(self._tenant, subject_ref, key.key_id)
        self._session.execute(
            insert(tables.subject_keys).values(
                key_id=key.key_id,
                tenant=self._tenant,
                subject_ref=subject_ref,
                key=None,
                wrapped_key=provider.wrap(key.key, context=context),
                kek_id=provider.kek_id,
            )
        )
        return key

    def by_id(self, key_id: str, *, provider: KeyProvider) -> SubjectKey | None:
        """A data key by id, destroyed or not (``key`` is ``None`` once destroyed)."""
        k = tables.subject_keys.c
        row = self._session.execute(
            select(tables.subject_keys).where(k.tenant == self._tenant, k.key_id == key_id)
        ).first()
        return None if row is None else self._unwrap(row, provider)

    def by_ids(self, key_ids: Iterable[str], *, provider: KeyProvider) -> dict[str, SubjectKey]:
        """Data keys by id, destroyed or not, in one query per 500 ids (missing ids are left out).

        What opening many ledger events needs: one read instead of one per key.
        """
        wanted = sorted(set(key_ids))
        k = tables.subject_keys.c
        found: dict[str, SubjectKey] = {}
        for start in range(0, len(wanted), 500):
            rows = self._session.execute(
                select(tables.subject_keys).where(
                    k.tenant == self._tenant, k.key_id.in_(wanted[start : start + 500])
                )
            )
            for row in rows:
                found[row.key_id] = self._unwrap(row, provider)
        return found

    def destroy_many(self, subject_refs: Iterable[str], *, at: dt.datetime) -> dict[str, int]:
        """Crypto-shred many subjects' keys: one ``UPDATE`` per 500 subjects.

        Returns how many keys of each subject were live (subjects without any are left out).
        """
        wanted = sorted(set(subject_refs))
        k = tables.subject_keys.c
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            live = (
                k.tenant == self._tenant, k.subject_ref.in_(chunk), k.destroyed_at.is_(None)
            )
            statement = (
                update(tables.subject_keys)
                .where(*live)
                .values(key=None, wrapped_key=None, destroyed_at=at)
            )
            refs: Iterable[str]
            if self._session.get_bind().dialect.update_returning:
                refs = self._session.execute(statement.returning(k.subject_ref)).scalars().all()
            else:  # pragma: no cover - SQLite 3.35+ and PostgreSQL both return
                refs = self._session.execute(select(k.subject_ref).where(*live)).scalars().all()
                self._session.execute(statement)
            for ref in refs:
                found[ref] = found.get(ref, 0) + 1
        return found

    def destroy(self, subject_ref: str, *, at: dt.datetime) -> int:
        """Crypto-shred: forget every key of the subject; returns how many were live."""
        k = tables.subject_keys.c
        result = self._session.execute(
            update(tables.subject_keys)
            .where(
                k.tenant == self._tenant, k.subject_ref == subject_ref, k.destroyed_at.is_(None)
            )
            .values(key=None, wrapped_key=None, destroyed_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def rewrap(self, provider: KeyProvider) -> int:
        """Wrap legacy clear keys, and keys under another KEK, under the provider's current KEK.

        Returns how many keys were (re)wrapped. The old KEK must still be available to the
        provider (a retired key of :class:`~globalcrm.privacy.key_wrapping.EnvKeyProvider`, a
        further line of a :class:`~globalcrm.privacy.key_wrapping.LocalKeyFile`).
        """
        k = tables.subject_keys.c
        current = provider.kek_id
        rows = self._session.execute(
            select(tables.subject_keys).where(
                k.tenant == self._tenant,
                k.destroyed_at.is_(None),
                (k.kek_id.is_(None)) | (k.kek_id != current),
            )
        ).all()
        count = 0
        for row in rows:
            key = self._unwrap(row, provider)
            if key.key is None:
                continue
            context = wrap_context(self._tenant, row.subject_ref, row.key_id)
            wrapped = provider.wrap(key.key, context=context)
            self._session.execute(
                update(tables.subject_keys)
                .where(k.key_id == row.key_id)
                .values(key=None, wrapped_key=wrapped, kek_id=current)
            )
            count += 1
        return count

    # ------------------------------------------------------------------ bulk (issue 16)

    def live_many(
        self, subject_refs: Iterable[str], *, provider: KeyProvider, create: bool
    ) -> dict[str, SubjectKey]:
        """The live data keys of many subjects at once (made and wrapped where missing).

        What a bulk import needs: one query per 500 subjects and one insert for the new keys,
        instead of a query (and an insert) per subject.
        """
        wanted = sorted(set(subject_refs))
        k = tables.subject_keys.c
        found: dict[str, SubjectKey] = {}
        for start in range(0, len(wanted), 500):
            rows = self._session.execute(
                select(tables.subject_keys)
                .where(
                    k.tenant == self._tenant,
                    k.subject_ref.in_(wanted[start : start + 500]),
                    k.destroyed_at.is_(None),
                )
                .order_by(k.subject_ref, k.key_id)
            )
            for row in rows:
                if row.subject_ref not in found:
                    found[row.subject_ref] = self._unwrap(row, provider)
        if not create:
            return found
        made = []
        for subject_ref in wanted:
            if subject_ref in found:
                continue
            key = SubjectKey.generate(subject_ref)
            assert key.key is not None  # noqa: S101 - a generated key is live
            context = wrap_context(self._tenant, subject_ref, key.key_id)
            made.append(
                {
                    "key_id": key.key_id,
                    "tenant": self._tenant,
                    "subject_ref": subject_ref,
                    "key": None,
                    "wrapped_key": provider.wrap(key.key, context=context),
                    "kek_id": provider.kek_id,
                    "destroyed_at": None,
                }
            )
            found[subject_ref] = key
        if made:
            self._session.execute(insert(tables.subject_keys), made)
        return found
