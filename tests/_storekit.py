"""Shared fixtures for store-backed tests: a fresh store on SQLite and on a real PostgreSQL server, and
pack directories written on the fly.

Import the fixtures into a directory's conftest.py (``from tests._storekit import *``). PostgreSQL runs
use one database per test session and one schema per test; both are dropped afterwards. When no server
answers on 127.0.0.1:5432 only the PostgreSQL parametrizations skip, saying why.
"""

from __future__ import annotations

import os
import secrets
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy_host.store import Store, open_store

PG_HOST = os.environ.get("POLICY_HOST_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
BACKENDS = ["sqlite", "postgresql"]


def _pg_admin():
    import psycopg

    return psycopg.connect(f"{PG_HOST}/postgres", autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped at the end), or a skip."""
    try:
        admin = _pg_admin()
    except Exception as e:  # psycopg.OperationalError, or no driver
        pytest.skip(f"PostgreSQL not reachable at 127.0.0.1:5432: {str(e).strip().splitlines()[0]}")
    name = f"policy_host_test_{os.getpid()}_{secrets.token_hex(3)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_HOST}/{name}"
    finally:
        with _pg_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_pg_schema_url(database_url: str) -> tuple[str, str]:
    """Create a schema in the session database; return (store URL using it, schema name)."""
    import psycopg

    schema = f"s_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database_url}?options=-csearch_path%3D{schema}", schema


def drop_pg_schema(database_url: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path: Path, monkeypatch) -> Iterator[str]:
    """The URL of an empty store on each backend; POLICY_HOST_HOME and POLICY_HOST_DB point at it."""
    home = tmp_path / "home"
    monkeypatch.setenv("POLICY_HOST_HOME", str(home))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        monkeypatch.setenv("POLICY_HOST_DB", url)
        yield url
        return
    database = request.getfixturevalue("pg_database")
    url, schema = new_pg_schema_url(database)
    monkeypatch.setenv("POLICY_HOST_DB", url)
    try:
        yield url
    finally:
        drop_pg_schema(database, schema)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def sqlite_store(tmp_path: Path, monkeypatch) -> Iterator[Store]:
    """A SQLite-only store, for tests of behaviour that does not depend on the database."""
    monkeypatch.setenv("POLICY_HOST_HOME", str(tmp_path / "home"))
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("POLICY_HOST_DB", url)
    s = open_store(url)
    try:
        yield s
    finally:
        s.close()


def write_pack(
    root: Path,
    name: str,
    version: str,
    policies: list[dict] | None = None,
    *,
    pack_level: str = "advisory",
    extra_files: dict[str, str] | None = None,
) -> Path:
    """Write a real pulumi_policy pack directory and return it.

    ``policies``: dicts with ``name``, optional ``level``, ``schema`` (properties dict) and ``required``.
    The default is one policy ``check`` with an integer ``max`` property (default 3).
    """
    if policies is None:
        policies = [{"name": "check", "schema": {"max": {"type": "integer", "default": 3}}}]
    directory = root / f"{name}-{version}"
    directory.mkdir(parents=True)
    (directory / "PulumiPolicy.yaml").write_text(f"runtime: python\nversion: {version}\n")
    entries = []
    for p in policies:
        args = [repr(p["name"]), repr(p.get("description", p["name"])), "_noop"]
        kwargs = []
        if "level" in p:
            kwargs.append(f"enforcement_level=EnforcementLevel({p['level']!r})")
        if "schema" in p:
            kwargs.append(
                f"config_schema=PolicyConfigSchema(properties={p['schema']!r}, required={p.get('required', [])!r})"
            )
        entries.append(f"ResourceValidationPolicy({', '.join(args + kwargs)})")
    body = ",\n        ".join(entries)
    (directory / "__main__.py").write_text(
        textwrap.dedent(
            """\
            from pulumi_policy import EnforcementLevel, PolicyConfigSchema, PolicyPack, ResourceValidationPolicy


            def _noop(args, report_violation):
                pass


            PolicyPack(
                name={name!r},
                enforcement_level=EnforcementLevel({level!r}),
                policies=[
                    {body}
                ],
            )
            """
        ).format(name=name, level=pack_level, body=body)
    )
    for rel, text in (extra_files or {}).items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory
