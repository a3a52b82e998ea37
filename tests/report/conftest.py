"""Store-backed fixtures (SQLite and PostgreSQL)."""

from tests._storekit import pg_database, sqlite_store, store, store_url  # noqa: F401
