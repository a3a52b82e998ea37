"""Where the store lives: ``POLICY_HOST_DB`` (a database URL) or a SQLite file under ``POLICY_HOST_HOME``.

Kept free of SQLAlchemy imports so that callers can name paths (cache, home) without paying for it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import StoreError

DB_ENV = "POLICY_HOST_DB"
HOME_ENV = "POLICY_HOST_HOME"


def home_dir() -> Path:
    """``$POLICY_HOST_HOME``, default ``~/.policy-host`` (not created here)."""
    raw = os.environ.get(HOME_ENV)
    return Path(raw).expanduser() if raw else Path.home() / ".policy-host"


def default_url() -> str:
    """The store URL in force: ``$POLICY_HOST_DB`` or ``sqlite:///$POLICY_HOST_HOME/store.db``."""
    raw = os.environ.get(DB_ENV, "").strip()
    if raw:
        return raw
    return f"sqlite:///{home_dir() / 'store.db'}"


def normalize_url(url: str) -> str:
    """Pick our drivers: ``postgres[ql]://`` becomes ``postgresql+psycopg://`` (psycopg 3).

    Raises StoreError for schemes other than SQLite and PostgreSQL.
    """
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise StoreError(
            f"invalid store URL {redact_url(url)!r}: expected sqlite:///PATH or postgresql://..."
        )
    scheme = scheme.lower()
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg://{rest}"
    if scheme.startswith("postgresql+") or scheme == "sqlite" or scheme.startswith("sqlite+"):
        return f"{scheme}://{rest}"
    raise StoreError(
        f"unsupported store URL scheme {scheme!r} in {redact_url(url)!r}: use sqlite:///PATH or postgresql://..."
    )


def redact_url(url: str) -> str:
    """The URL with any password replaced by ``***``, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, host = rest.rpartition("@")
    if ":" in creds:
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url
