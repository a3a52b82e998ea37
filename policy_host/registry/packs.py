"""Registry use cases on a Session: publish, list, get, remove packs. The caller owns the transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import InputError, StoreError
from ..model import PackInfo
from ..store.models import GroupPack, GroupRecord, PackArchive, PackRecord
from ..store.types import utcnow
from .archive import build_archive, sha256
from .metadata import pack_info_from_dict, pack_info_to_dict
from .versions import newest, version_key

# Pulumi's rule for pack names and version tags.
NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
LATEST = "latest"


@dataclass(frozen=True)
class PublishedPack:
    """One stored ``name@version`` (metadata only; the archive is fetched separately)."""

    name: str
    version: str
    info: PackInfo
    archive_sha256: str
    archive_size: int
    published_at: datetime

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class PackSummary:
    """A pack name with all its published versions, oldest first."""

    name: str
    versions: tuple[str, ...]
    display_name: str = ""

    @property
    def latest(self) -> str:
        return self.versions[-1]


def _published(rec: PackRecord) -> PublishedPack:
    return PublishedPack(
        rec.name,
        rec.version,
        pack_info_from_dict(rec.info),
        rec.archive_sha256,
        rec.archive_size,
        rec.published_at,
    )


def check_name(what: str, value: str) -> str:
    if not NAME_RE.match(value or ""):
        raise InputError(f"invalid {what} {value!r}: use 1-100 letters, digits, '-', '_' or '.'")
    return value


def parse_ref(ref: str) -> tuple[str, str | None]:
    """``name[@version|@latest]`` -> (name, version or None). Validates both parts."""
    name, sep, version = ref.partition("@")
    check_name("policy pack name", name)
    if not sep:
        return name, None
    if version != LATEST:
        check_name("policy pack version", version)
    return name, version


def load_pack_info(pack_dir: str | Path) -> PackInfo:
    """Load a pack directory in-process and read its metadata (PackLoadError with the pack's message)."""
    from ..packs.metadata import read_pack_info

    return read_pack_info(pack_dir)


def publish_dir(session: Session, pack_dir: str | Path, info: PackInfo | None = None) -> PublishedPack:
    """Load (unless ``info`` is given), archive and record ``pack_dir``. See :func:`publish`."""
    directory = Path(pack_dir)
    if not directory.is_dir():
        raise InputError(f"{pack_dir}: not a directory")
    if info is None:
        info = load_pack_info(directory)
    return publish(session, info, build_archive(directory))


def publish(session: Session, info: PackInfo, archive: bytes) -> PublishedPack:
    """Record ``info`` and its archive as ``name@version``; refuse an existing version."""
    check_name("policy pack name", info.name)
    if not info.version:
        raise InputError(
            f"policy pack {info.name} has no version: set 'version:' in its PulumiPolicy.yaml before publishing"
        )
    check_name("policy pack version", info.version)
    if info.version == LATEST:
        raise InputError(f"policy pack {info.name}: 'latest' is reserved and cannot be a version")
    if _record(session, info.name, info.version) is not None:
        raise _already(info)
    rec = PackRecord(
        name=info.name,
        version=info.version,
        info=pack_info_to_dict(info),
        archive_sha256=sha256(archive),
        archive_size=len(archive),
        published_at=utcnow(),
    )
    rec.archive = PackArchive(data=archive)
    session.add(rec)
    try:
        # A concurrent publisher of the same version loses here, on the unique constraint.
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _already(info) from None
    return _published(rec)


def _already(info: PackInfo) -> StoreError:
    return StoreError(
        f"policy pack {info.name}@{info.version} has already been published; "
        "set a new version in PulumiPolicy.yaml and publish again"
    )


def _record(session: Session, name: str, version: str) -> PackRecord | None:
    return session.scalars(
        select(PackRecord).where(PackRecord.name == name, PackRecord.version == version)
    ).first()


def versions_of(session: Session, name: str) -> list[str]:
    """Published versions of ``name``, oldest first."""
    found = session.scalars(select(PackRecord.version).where(PackRecord.name == name)).all()
    return sorted(found, key=version_key)


def list_packs(session: Session) -> list[PackSummary]:
    """Every pack name with its versions, by name."""
    rows = session.execute(select(PackRecord.name, PackRecord.version, PackRecord.info)).all()
    by_name: dict[str, list[tuple[str, str]]] = {}
    for name, version, info in rows:
        by_name.setdefault(name, []).append((version, info.get("displayName", "")))
    out = []
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda v: version_key(v[0]))
        out.append(PackSummary(name, tuple(v for v, _ in versions), versions[-1][1]))
    return out


def resolve_version(session: Session, name: str, spec: str | None) -> str:
    """The concrete version ``spec`` names (None or ``latest`` -> newest); StoreError if absent."""
    if spec is None or spec == LATEST:
        latest = newest(versions_of(session, name))
        if latest is None:
            raise StoreError(f"policy pack {name} has not been published")
        return latest
    if _record(session, name, spec) is None:
        if not versions_of(session, name):
            raise StoreError(f"policy pack {name} has not been published")
        raise StoreError(f"policy pack {name} has no version {spec}; see 'policy-host pack get {name}'")
    return spec


def get_pack(session: Session, name: str, spec: str | None = None) -> PublishedPack:
    """Metadata of ``name@spec`` (newest when ``spec`` is None or ``latest``)."""
    version = resolve_version(session, name, spec)
    rec = _record(session, name, version)
    assert rec is not None
    return _published(rec)


def get_packs(session: Session, refs: set[tuple[str, str]]) -> dict[tuple[str, str], PublishedPack]:
    """Metadata for many ``(name, version)`` pairs in one query; missing ones are simply absent."""
    if not refs:
        return {}
    names = {n for n, _ in refs}
    recs = session.scalars(select(PackRecord).where(PackRecord.name.in_(names))).all()
    return {(r.name, r.version): _published(r) for r in recs if (r.name, r.version) in refs}


def latest_versions(session: Session, names: set[str]) -> dict[str, str]:
    """Newest published version per pack name (names never published are absent)."""
    if not names:
        return {}
    rows = session.execute(
        select(PackRecord.name, PackRecord.version).where(PackRecord.name.in_(names))
    ).all()
    found: dict[str, list[str]] = {}
    for n, v in rows:
        found.setdefault(n, []).append(v)
    return {n: newest(vs) for n, vs in found.items()}  # type: ignore[misc]


def load_archive(session: Session, name: str, version: str) -> tuple[bytes, str]:
    """The archive bytes and sha256 of ``name@version``."""
    row = session.execute(
        select(PackArchive.data, PackRecord.archive_sha256)
        .join(PackRecord, PackRecord.id == PackArchive.pack_id)
        .where(PackRecord.name == name, PackRecord.version == version)
    ).first()
    if row is None:
        raise StoreError(f"policy pack {name}@{version} is not in the store")
    return bytes(row[0]), row[1]


def enabled_in(session: Session, name: str, version: str | None = None) -> list[str]:
    """Groups that enable ``name`` at ``version`` (pinned, or ``latest`` while it is the newest);
    with ``version`` None, groups that enable any version of it."""
    rows = session.execute(
        select(GroupRecord.name, GroupPack.version_spec)
        .join(GroupRecord, GroupRecord.id == GroupPack.group_id)
        .where(GroupPack.pack_name == name)
    ).all()
    if version is None:
        return sorted({g for g, _ in rows})
    latest = newest(versions_of(session, name))
    return sorted({g for g, spec in rows if spec == version or (spec == LATEST and version == latest)})


def remove(session: Session, name: str, version: str) -> list[str]:
    """Delete ``name@version`` (or every version with ``all``); refused while any group enables it.

    Returns the versions removed.
    """
    check_name("policy pack name", name)
    everything = version == "all"
    targets = versions_of(session, name) if everything else [version]
    if not everything and _record(session, name, version) is None:
        raise StoreError(f"policy pack {name}@{version} is not in the store")
    if not targets:
        raise StoreError(f"policy pack {name} has not been published")
    groups = enabled_in(session, name, None if everything else version)
    if groups:
        what = name if everything else f"{name}@{version}"
        raise StoreError(
            f"policy pack {what} is enabled in policy group(s) {', '.join(groups)}; "
            "remove it from those groups first ('policy-host group edit GROUP --remove-policy-pack "
            f"{name}')"
        )
    for rec in session.scalars(
        select(PackRecord).where(PackRecord.name == name, PackRecord.version.in_(targets))
    ).all():
        session.delete(rec)
    session.flush()
    return sorted(targets, key=version_key)
