"""Engine creation: SQLite (WAL, busy timeout, foreign keys, real transactions) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from ..errors import StoreError
from .config import redact_url

# Execution option asking for a write transaction; SQLite then takes the write lock at BEGIN.
WRITE_OPTION = "policy_host_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_store_engine(url: str) -> Engine:
    """An Engine for ``url`` (already normalized), with our SQLite or PostgreSQL settings applied."""
    try:
        parsed = make_url(url)
    except Exception as e:  # sqlalchemy.exc.ArgumentError and friends
        raise StoreError(f"invalid store URL {redact_url(url)!r}: {e}") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    try:
        return create_engine(parsed, pool_pre_ping=True, future=True)
    except ModuleNotFoundError as e:
        raise StoreError(
            f"store URL {redact_url(url)!r} needs a driver that is not installed: {e.name}"
        ) from None


def _sqlite_engine(parsed) -> Engine:
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control away from the sqlite3 module so that BEGIN is ours (and DDL is
        # transactional): the recipe from SQLAlchemy's SQLite dialect documentation.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # A writer takes the lock up front (IMMEDIATE): a deferred transaction that later upgrades to a
        # write lock can fail with SQLITE_BUSY without waiting, which would turn two concurrent edits
        # into one error instead of two serialized commits. Readers stay deferred and never block (WAL).
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine
