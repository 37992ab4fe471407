"""Property tests that touch storage reuse the storage fixtures (SQLite and PostgreSQL)."""

from tests.storage.conftest import backend, crm, db_url

__all__ = ["backend", "crm", "db_url"]
