"""The local pack cache: each published ``name@version`` extracted once into
``$POLICY_HOST_HOME/cache/<name>-<version>/``.

Extraction goes to a temporary directory beside the target and is renamed into place, so a reader never
sees a half-extracted pack and two processes fetching at once both end up with one complete copy. A
marker file records the archive's sha256: a cached copy is reused only while it matches the store (a
version removed and published again with other content is extracted afresh).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..store import Store
from ..store.config import home_dir
from .archive import extract_archive
from .packs import load_archive

MARKER = ".policy-host-archive-sha256"


def cache_root() -> Path:
    return home_dir() / "cache"


def cache_dir_for(name: str, version: str, root: Path | None = None) -> Path:
    return (root or cache_root()) / f"{name}-{version}"


def cached_sha(directory: Path) -> str | None:
    try:
        return (directory / MARKER).read_text().strip()
    except OSError:
        return None


def fetch_pack(
    store: Store, name: str, version: str, *, expected_sha256: str | None = None, root: Path | None = None
) -> Path:
    """The local directory holding ``name@version``, extracting it from the store if needed.

    With ``expected_sha256`` (known from the metadata already read) a matching cached copy is returned
    without touching the store at all.
    """
    target = cache_dir_for(name, version, root)
    have = cached_sha(target)
    if have is not None and expected_sha256 is not None and have == expected_sha256:
        return target
    with store.read() as session:
        data, sha = load_archive(session, name, version)
    if have == sha:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        extract_archive(data, tmp)
        (tmp / MARKER).write_text(sha + "\n")
        _install(tmp, target, sha)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _install(tmp: Path, target: Path, sha: str) -> None:
    """Rename ``tmp`` to ``target``; a stale ``target`` is moved aside first, a fresh one is kept."""
    for _ in range(3):
        try:
            os.rename(tmp, target)
            return
        except OSError:
            if cached_sha(target) == sha:
                return  # another process finished the same extraction first
            # Stale copy: move it out of the way (atomically), then delete it at leisure.
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            try:
                os.rename(target, aside / "pack")
            except OSError:
                pass
            shutil.rmtree(aside, ignore_errors=True)
    os.rename(tmp, target)
