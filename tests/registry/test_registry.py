"""The pack registry: publish (real pack loading), list, get, remove, archives and the local cache."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from policy_host.errors import InputError, PackLoadError, StoreError
from policy_host.groups.model import GroupEdit
from policy_host.groups.service import create_group, edit_group
from policy_host.registry import fetch_pack, get_pack, list_packs, publish_dir, remove
from policy_host.registry.archive import build_archive, list_archive
from policy_host.registry.cache import MARKER, cache_dir_for
from policy_host.store.models import PackArchive, PackRecord
from tests._storekit import write_pack


def _publish(store, directory):
    with store.transaction() as s:
        return publish_dir(s, directory)


def test_publish_records_metadata_from_the_loaded_pack(store, tmp_path):
    d = write_pack(
        tmp_path,
        "baseline",
        "1.2.0",
        [
            {
                "name": "a",
                "level": "mandatory",
                "schema": {"limit": {"type": "integer"}},
                "required": ["limit"],
            },
            {"name": "b"},
        ],
    )
    published = _publish(store, d)
    assert published.ref == "baseline@1.2.0"
    with store.read() as s:
        got = get_pack(s, "baseline")
    assert got.version == "1.2.0"
    a, b = got.info.policies
    assert (a.name, a.enforcement_level.value, a.config_schema.required) == ("a", "mandatory", ("limit",))
    assert a.config_schema.properties == {"limit": {"type": "integer"}}
    assert (b.name, b.enforcement_level.value, b.config_schema) == ("b", "advisory", None)


def test_publishing_a_version_twice_is_refused_and_changes_nothing(store, tmp_path):
    d = write_pack(tmp_path, "dup", "1.0.0")
    first = _publish(store, d)
    (d / "extra.txt").write_text("new content")
    with pytest.raises(StoreError, match=r"policy pack dup@1\.0\.0 has already been published"):
        _publish(store, d)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(PackRecord)) == 1
        assert get_pack(s, "dup", "1.0.0").archive_sha256 == first.archive_sha256


def test_a_pack_that_fails_to_load_keeps_its_own_message(store, tmp_path):
    d = tmp_path / "broken"
    d.mkdir()
    (d / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 1.0.0\n")
    (d / "__main__.py").write_text("raise ValueError('the pack is broken on purpose')\n")
    with pytest.raises(PackLoadError, match="the pack is broken on purpose"):
        _publish(store, d)
    with store.read() as s:
        assert list_packs(s) == []


def test_archive_leaves_out_virtualenvs_and_caches(tmp_path):
    d = write_pack(
        tmp_path,
        "arch",
        "1.0.0",
        extra_files={
            "lib/helpers.py": "X = 1\n",
            "venv/lib/site.py": "",
            ".venv/pyvenv.cfg": "",
            "__pycache__/m.cpython-311.pyc": "",
            "lib/__pycache__/h.pyc": "",
            ".git/HEAD": "ref",
            "stray.pyc": "",
            "requirements.txt": "pulumi-policy\n",
        },
    )
    names = list_archive(build_archive(d))
    assert sorted(n for n in names) == [
        "PulumiPolicy.yaml",
        "__main__.py",
        "lib",
        "lib/helpers.py",
        "requirements.txt",
    ]


def test_archive_refuses_symlinks(tmp_path):
    d = write_pack(tmp_path, "links", "1.0.0")
    os.symlink("/etc/passwd", d / "passwd")
    with pytest.raises(InputError, match="symbolic links"):
        build_archive(d)


def test_ls_orders_versions_by_semver(store, tmp_path):
    for v in ("1.10.0", "1.2.0", "1.9.0-rc.1"):
        _publish(store, write_pack(tmp_path, "multi", v))
    _publish(store, write_pack(tmp_path, "another", "0.1.0"))
    with store.read() as s:
        packs = list_packs(s)
        assert [(p.name, p.versions) for p in packs] == [
            ("another", ("0.1.0",)),
            ("multi", ("1.2.0", "1.9.0-rc.1", "1.10.0")),
        ]
        assert get_pack(s, "multi").version == "1.10.0"
        assert get_pack(s, "multi", "latest").version == "1.10.0"
        with pytest.raises(StoreError, match="policy pack multi has no version 3.0.0"):
            get_pack(s, "multi", "3.0.0")
        with pytest.raises(StoreError, match="policy pack nope has not been published"):
            get_pack(s, "nope")


def test_rm_refused_while_enabled_pinned_or_latest(store, tmp_path):
    for v in ("1.0.0", "2.0.0"):
        _publish(store, write_pack(tmp_path, "used", v))
    with store.transaction() as s:
        create_group(s, "pinned", "stacks")
        edit_group(s, "pinned", GroupEdit(add_packs=[("used", "1.0.0", None, "cfg")]))
        create_group(s, "floating", "stacks")
        edit_group(s, "floating", GroupEdit(add_packs=[("used", "latest", None, "cfg")]))
    for version, groups in (("1.0.0", "pinned"), ("2.0.0", "floating"), ("all", "floating, pinned")):
        with pytest.raises(StoreError, match=f"enabled in policy group\\(s\\) {groups};"):
            with store.transaction() as s:
                remove(s, "used", version)
    with store.read() as s:
        assert list_packs(s)[0].versions == ("1.0.0", "2.0.0")
    with store.transaction() as s:
        edit_group(s, "pinned", GroupEdit(remove_packs=[("used", None)]))
        assert remove(s, "used", "1.0.0") == ["1.0.0"]
    with store.read() as s:
        assert list_packs(s)[0].versions == ("2.0.0",)
        assert s.scalar(select(func.count()).select_from(PackArchive)) == 1


def test_rm_all_and_unknown_versions(store, tmp_path):
    for v in ("1.0.0", "1.1.0"):
        _publish(store, write_pack(tmp_path, "gone", v))
    with pytest.raises(StoreError, match="gone@9.9.9 is not in the store"):
        with store.transaction() as s:
            remove(s, "gone", "9.9.9")
    with store.transaction() as s:
        assert remove(s, "gone", "all") == ["1.0.0", "1.1.0"]
    with store.read() as s:
        assert list_packs(s) == []
        assert s.scalar(select(func.count()).select_from(PackArchive)) == 0


def test_fetch_pack_extracts_once_into_the_cache(store, tmp_path):
    d = write_pack(tmp_path, "cached", "1.0.0", extra_files={"lib/util.py": "VALUE = 42\n"})
    published = _publish(store, d)
    target = fetch_pack(store, "cached", "1.0.0")
    assert target == cache_dir_for("cached", "1.0.0")
    assert target.parent == Path(os.environ["POLICY_HOST_HOME"]) / "cache"
    assert (target / "lib" / "util.py").read_text() == "VALUE = 42\n"
    assert (target / MARKER).read_text().strip() == published.archive_sha256
    # A second fetch reuses the directory (a file we drop there survives) and leaves no temp dirs.
    (target / "sentinel").write_text("kept")
    assert fetch_pack(store, "cached", "1.0.0", expected_sha256=published.archive_sha256) == target
    assert fetch_pack(store, "cached", "1.0.0") == target
    assert (target / "sentinel").exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["cached-1.0.0"]


def test_fetch_pack_replaces_a_stale_copy(store, tmp_path):
    d = write_pack(tmp_path, "stale", "1.0.0")
    _publish(store, d)
    target = fetch_pack(store, "stale", "1.0.0")
    (target / MARKER).write_text("0" * 64)  # as if an older archive of that version had been extracted
    (target / "old-file").write_text("x")
    again = fetch_pack(store, "stale", "1.0.0")
    assert again == target and not (target / "old-file").exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["stale-1.0.0"]


def test_fetch_refuses_archives_escaping_the_cache(sqlite_store, tmp_path):
    from policy_host.model import PackInfo
    from policy_host.registry import publish

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with sqlite_store.transaction() as s:
        publish(s, PackInfo(name="evil", version="1.0.0", policies=()), buf.getvalue())
    with pytest.raises(StoreError, match="cannot be extracted"):
        fetch_pack(sqlite_store, "evil", "1.0.0")
    assert not (tmp_path / "home" / "escape.txt").exists()
    assert not (tmp_path / "home" / "cache" / "evil-1.0.0").exists()


def test_publish_requires_a_version_and_valid_names(sqlite_store):
    from policy_host.model import PackInfo
    from policy_host.registry import publish

    with pytest.raises(InputError, match="has no version"):
        with sqlite_store.transaction() as s:
            publish(s, PackInfo(name="nov", version="", policies=()), b"")
    with pytest.raises(InputError, match="invalid policy pack version"):
        with sqlite_store.transaction() as s:
            publish(s, PackInfo(name="bad", version="1.0 beta", policies=()), b"")


def test_two_processes_fetching_at_once_get_one_complete_copy(store, store_url, tmp_path):
    import subprocess
    import sys

    d = write_pack(tmp_path, "race", "1.0.0", extra_files={f"mod{i}.py": f"X = {i}\n" for i in range(50)})
    _publish(store, d)
    script = (
        "import sys; from policy_host.store import open_store; from policy_host.registry import fetch_pack;"
        "sys.stdin.readline(); print(fetch_pack(open_store(sys.argv[1]), 'race', '1.0.0'))"
    )
    repo = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, store_url],
            cwd=repo,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate("go\n", timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    target = cache_dir_for("race", "1.0.0")
    assert {out.strip() for out, _ in outs} == {str(target)}
    assert len([p for p in target.iterdir() if p.name.startswith("mod")]) == 50
    assert sorted(p.name for p in target.parent.iterdir()) == ["race-1.0.0"]
