"""The immutable pack archive: a gzip'd tar of the pack directory, paths relative to its root.

What is left out: virtualenvs and caches that the pack's own machine made (``venv``, ``.venv``,
``__pycache__``, ``*.pyc``, ``.git`` and tool caches). Symbolic links are refused rather than followed,
so an archive never holds files from outside the pack.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

from ..errors import InputError, StoreError

EXCLUDED_DIRS = frozenset(
    {"venv", ".venv", "__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox"}
)
EXCLUDED_SUFFIXES = (".pyc", ".pyo")
# Packs are source code; anything bigger than this was almost surely not meant to be published.
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024


def _members(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS)
        for d in dirnames:
            if (here / d).is_symlink():
                raise InputError(f"{here / d}: pack directories may not contain symbolic links")
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink():
                raise InputError(f"{path}: pack directories may not contain symbolic links")
            if name.endswith(EXCLUDED_SUFFIXES):
                continue
            found.append(path)
        found.extend(here / d for d in dirnames)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def build_archive(pack_dir: str | Path) -> bytes:
    """The tar.gz bytes of ``pack_dir`` (sorted entries, owner and group zeroed, mtimes kept)."""
    root = Path(pack_dir).resolve()
    buf = io.BytesIO()
    # mtime=0 in the gzip header: the same tree gives the same bytes (and hash) when file mtimes agree.
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for path in _members(root):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(root).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if info.isfile():
                with open(path, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
            if buf.tell() > MAX_ARCHIVE_BYTES:
                raise InputError(f"{root}: pack archive exceeds {MAX_ARCHIVE_BYTES // (1024 * 1024)} MiB")
    return buf.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def extract_archive(data: bytes, dest: str | Path) -> None:
    """Extract into ``dest`` (created), refusing any member that would land outside it."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            # The "data" filter rejects absolute paths, "..", links out of the tree and device files.
            tar.extractall(dest, filter="data")
    except (tarfile.TarError, OSError, EOFError) as e:
        raise StoreError(f"stored pack archive cannot be extracted into {dest}: {e}") from None


def list_archive(data: bytes) -> list[str]:
    """Member names of an archive (files and directories), in archive order."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.getnames()
