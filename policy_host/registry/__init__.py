"""The pack registry: published, immutable ``name@version`` archives with their metadata, in the store.

Archives are stored in the database (table ``pack_archives``), not on disk, so a publish is one
transaction and a team sharing a PostgreSQL store needs no shared file system. ``fetch_pack`` extracts
an archive once into ``$POLICY_HOST_HOME/cache/<name>-<version>/``.
"""

from __future__ import annotations

from .cache import fetch_pack
from .packs import (
    LATEST,
    PackSummary,
    PublishedPack,
    enabled_in,
    get_pack,
    list_packs,
    parse_ref,
    publish,
    publish_dir,
    remove,
    resolve_version,
    versions_of,
)
from .versions import version_key

__all__ = [
    "LATEST",
    "PackSummary",
    "PublishedPack",
    "enabled_in",
    "fetch_pack",
    "get_pack",
    "list_packs",
    "parse_ref",
    "publish",
    "publish_dir",
    "remove",
    "resolve_version",
    "version_key",
    "versions_of",
]
