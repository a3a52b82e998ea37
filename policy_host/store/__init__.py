"""The store: SQLite by default, PostgreSQL for a team, behind one transaction API.

    store = open_store()                 # POLICY_HOST_DB or sqlite:///$POLICY_HOST_HOME/store.db
    with store.transaction() as session: # write: commits on success, rolls back on any exception
        ...
    with store.read() as session:        # read-only snapshot, never blocks writers
        ...

Use cases (registry, groups, exemptions) take a Session and never commit themselves, so a command that
does several things either does all of them or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import StoreError
from . import migrate
from .config import default_url, home_dir, normalize_url, redact_url
from .engine import WRITE_OPTION, create_store_engine

__all__ = ["Store", "open_store", "default_url", "home_dir"]


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


class Store:
    """An opened, migrated store. Cheap to keep; ``close()`` releases its connections."""

    def __init__(self, url: str, engine: Engine):
        self.url = url
        self.engine = engine
        self._writer = sessionmaker(
            bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        self._reader = sessionmaker(bind=engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        return redact_url(self.url)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write transaction: commit if the block ends normally, roll back otherwise.

        Database errors become StoreError with one line; PolicyHostErrors raised inside pass through
        unchanged (after the rollback), so nothing half-done survives a refusal.
        """
        with self._guard(), self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read transaction (rolled back at the end; never writes)."""
        with self._guard(), self._reader() as session, session.begin():
            yield session
            session.rollback()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError as e:
            raise StoreError(f"conflicting change refused by the store: {_first_line(e)}") from None
        except OperationalError as e:
            raise StoreError(f"store {self.display_url}: {_first_line(e)}") from None
        except DBAPIError as e:
            raise StoreError(f"store {self.display_url}: {_first_line(e)}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_store(url: str | None = None, *, upgrade: bool = True) -> Store:
    """Open (and by default migrate) the store at ``url`` or the one the environment names."""
    raw = url if url is not None else default_url()
    normalized = normalize_url(raw)
    engine = create_store_engine(normalized)
    try:
        if upgrade and not migrate.is_current(engine):
            migrate.upgrade(engine)
    except (OperationalError, DBAPIError) as e:
        engine.dispose()
        raise StoreError(f"cannot open store {redact_url(raw)}: {_first_line(e)}") from None
    return Store(normalized, engine)
