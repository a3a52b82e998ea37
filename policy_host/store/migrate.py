"""Apply the packaged Alembic migrations on open. A store already at the head revisions costs one query.

Features own independent migration branches off ``0001`` (the store core): audit and findings each add
their tables in their own branch, so the chain has several heads and ``upgrade heads`` applies them all.

Concurrent openers are serialized: PostgreSQL by an advisory transaction lock, SQLite by the write lock
of ``BEGIN IMMEDIATE``; the loser then finds the schema current and does nothing.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from .engine import WRITE_OPTION

# The head revisions under migrations/versions/ (a test checks them against Alembic's own view);
# comparing against this constant keeps Alembic out of every start-up. Add a branch's head here; "0001"
# stops being a head once a branch revises it (Alembic records only heads in alembic_version).
HEAD_REVISIONS = frozenset({"0002_audit", "0002_findings"})
# Modules of features whose ORM models share the store's Base (each with its own migration branch).
# Imported when a store is checked or migrated, so that Base.metadata describes every migrated table.
FEATURE_MODELS = ("policy_host.audit.models", "policy_host.findings.models")
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_LOCK_KEY = 0x706F6C6879  # "polhy": any fixed 64-bit key private to this application


def current_revisions(conn: Connection) -> frozenset[str]:
    """The revisions recorded in the database (one per branch head), empty for an empty database."""
    if not inspect(conn).has_table("alembic_version"):
        return frozenset()
    return frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def load_feature_models() -> None:
    """Import every feature's models (cheap: table declarations only)."""
    for name in FEATURE_MODELS:
        importlib.import_module(name)


def is_current(engine: Engine) -> bool:
    load_feature_models()
    with engine.connect() as conn:
        return current_revisions(conn) == HEAD_REVISIONS


def upgrade(engine: Engine) -> None:
    """Bring the database to HEAD_REVISIONS, in one transaction."""
    from alembic import command
    from alembic.config import Config

    with engine.execution_options(**{WRITE_OPTION: True}).connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        if current_revisions(conn) == HEAD_REVISIONS:
            return
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
