"""The store: migrations on open, both backends, URLs, transactions, concurrency between processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from policy_host.errors import StoreError
from policy_host.store import Store, open_store
from policy_host.store.config import default_url, normalize_url, redact_url
from policy_host.store.migrate import HEAD_REVISIONS, MIGRATIONS_DIR, current_revisions
from policy_host.store.models import Base, GroupMember, GroupRecord

REPO = Path(__file__).resolve().parents[2]


def test_open_creates_schema_and_default_groups(store: Store):
    with store.read() as s:
        rows = s.execute(
            select(GroupRecord.name, GroupRecord.entity_type, GroupRecord.mode, GroupRecord.default_for)
        )
        assert sorted(rows) == [
            ("default-accounts-policy-group", "accounts", "audit", "accounts"),
            ("default-policy-group", "stacks", "preventative", "stacks"),
        ]
    with store.engine.connect() as conn:
        assert current_revisions(conn) == HEAD_REVISIONS


def test_reopening_is_a_no_op(store: Store, store_url: str):
    again = open_store(store_url)
    try:
        with again.read() as s:
            assert s.scalar(select(func.count()).select_from(GroupRecord)) == 2
    finally:
        again.close()


def test_head_constant_matches_alembic_scripts():
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert set(ScriptDirectory.from_config(cfg).get_heads()) == HEAD_REVISIONS


def test_migrated_schema_matches_models(store: Store):
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []


def test_sqlite_uses_wal_and_busy_timeout(sqlite_store: Store):
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_default_url_uses_home(monkeypatch, tmp_path):
    monkeypatch.delenv("POLICY_HOST_DB", raising=False)
    monkeypatch.setenv("POLICY_HOST_HOME", str(tmp_path / "h"))
    assert default_url() == f"sqlite:///{tmp_path / 'h' / 'store.db'}"
    store = open_store()
    try:
        assert (tmp_path / "h" / "store.db").is_file()
    finally:
        store.close()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_url_normalization(given, expected):
    assert normalize_url(given) == expected


def test_bad_urls_are_one_line_errors():
    with pytest.raises(StoreError, match="unsupported store URL scheme 'mysql'"):
        normalize_url("mysql://root@localhost/x")
    with pytest.raises(StoreError, match="invalid store URL"):
        normalize_url("just-a-path.db")
    assert redact_url("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


def test_unreachable_postgres_is_a_store_error():
    # Port 9 (discard) on loopback: nothing listens there.
    with pytest.raises(StoreError) as info:
        open_store("postgresql://postgres:pw@127.0.0.1:9/x?connect_timeout=2")
    message = str(info.value)
    assert message.startswith("cannot open store postgresql://postgres:***@127.0.0.1:9/x")
    assert "\n" not in message and "pw" not in message


def test_failed_transaction_leaves_previous_state(store: Store):
    with pytest.raises(RuntimeError):
        with store.transaction() as s:
            g = s.scalars(select(GroupRecord).where(GroupRecord.default_for == "stacks")).one()
            g.revision = 99
            s.add(
                GroupMember(
                    group_id=g.id, kind="stack", name="a/b/c", source="explicit", added_at=g.created_at
                )
            )
            s.flush()
            raise RuntimeError("crash mid-write")
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(GroupMember)) == 0
        assert s.scalar(select(GroupRecord.revision).where(GroupRecord.default_for == "stacks")) == 0


def test_killed_writer_leaves_previous_state(store_url: str, tmp_path: Path):
    """A process killed inside a write transaction (after flushing) changes nothing."""
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from policy_host.store import open_store
        from policy_host.groups.service import create_group
        store = open_store({store_url!r})
        with store.transaction() as s:
            create_group(s, "half-written", "stacks")
            s.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, timeout=60)
    assert proc.returncode == -9, proc.stderr.decode()
    store = open_store(store_url)
    try:
        with store.read() as s:
            assert (
                s.scalars(select(GroupRecord.name).where(GroupRecord.name == "half-written")).first() is None
            )
    finally:
        store.close()


_EDITOR = textwrap.dedent(
    """
    import sys
    from policy_host.store import open_store
    from policy_host.groups.model import GroupEdit
    from policy_host.groups.service import edit_group
    url, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = open_store(url)
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # start together
    for i in range(count):
        with store.transaction() as s:
            edit_group(s, "shared", GroupEdit(add_stacks=[f"acme/{prefix}/s{i}"], add_tag_selectors=[f"{prefix}=v{i}"]))
    """
)


def test_two_processes_editing_one_group_lose_nothing(store: Store, store_url: str):
    from policy_host.groups.service import create_group, get_group

    with store.transaction() as s:
        create_group(s, "shared", "stacks")
    count = 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _EDITOR, store_url, prefix, str(count)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for prefix in ("p1", "p2")
    ]
    for p in procs:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with store.read() as s:
        g = get_group(s, "shared")
    assert sorted(g.stacks) == sorted(f"acme/{p}/s{i}" for p in ("p1", "p2") for i in range(count))
    assert len(g.tag_selectors) == 2 * count
    assert g.revision == 2 * count


def test_concurrent_first_open_migrates_once(store_url: str):
    """Two processes opening an empty store at once: both succeed, one schema, two default groups."""
    script = "import sys; from policy_host.store import open_store; open_store(sys.argv[1]).close()"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, store_url], cwd=REPO, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    store = open_store(store_url)
    try:
        with store.read() as s:
            assert s.scalar(select(func.count()).select_from(GroupRecord)) == 2
            # one row per branch head, each recorded once however many processes raced to migrate
            rows = s.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            assert sorted(rows) == sorted(HEAD_REVISIONS)
    finally:
        store.close()
