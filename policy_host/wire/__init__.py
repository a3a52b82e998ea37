"""Protobuf <-> Python values and protobuf <-> ``policy_host.model`` conversions."""

from .struct import python_to_struct, struct_to_python
from .values import (
    SIG_ARCHIVE,
    SIG_ASSET,
    SIG_KEY,
    SIG_SECRET,
    UNKNOWN_SENTINELS,
    UNKNOWN_STRING,
    is_secret,
    is_unknown,
    make_secret,
)

__all__ = [
    "SIG_ARCHIVE",
    "SIG_ASSET",
    "SIG_KEY",
    "SIG_SECRET",
    "UNKNOWN_SENTINELS",
    "UNKNOWN_STRING",
    "is_secret",
    "is_unknown",
    "make_secret",
    "python_to_struct",
    "struct_to_python",
]
