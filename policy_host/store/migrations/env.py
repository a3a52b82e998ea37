"""Alembic environment, driven programmatically by ``policy_host.store.migrate`` (no alembic.ini).

The caller passes an open connection already inside a transaction (and holding the migration lock) in
``config.attributes["connection"]``; every migration runs in that one transaction.
"""

from __future__ import annotations

from alembic import context

from policy_host.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables for later migrations.
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
