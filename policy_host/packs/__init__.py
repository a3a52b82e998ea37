"""Loading policy packs: project files, unmodified pulumi_policy packs in-process, their metadata."""

from .loader import LoadedPack, load_pack
from .metadata import read_pack_info
from .project import PackProject, read_project

__all__ = ["LoadedPack", "PackProject", "load_pack", "read_pack_info", "read_project"]
