"""Policy pack templates for ``policy-host new``.

Each template is a directory next to this module holding a complete pack: ``PulumiPolicy.yaml``,
``__main__.py``, a policies module named ``template_policies.py``, ``requirements.txt``, ``gitignore``
and a ``tests/`` directory. Rendering copies it and substitutes two tokens:

* ``__PACK_NAME__`` -> the pack name (in file contents);
* ``template_policies`` -> ``<pack name as identifier>_policies`` (in contents and file names), so
  every pack's module name is unique and packs never clash on ``sys.path``.

``gitignore`` is renamed ``.gitignore`` on the way out (a dot file inside the package would act on
this repository).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml

from ..errors import UsageError

__all__ = ["Template", "list_templates", "module_name", "render"]

PACK_NAME_TOKEN = "__PACK_NAME__"
MODULE_TOKEN = "template_policies"
_PACK_NAME_RE = re.compile(r"^[a-zA-Z0-9-_.]{1,100}$")  # pulumi_policy's own rule for pack names
_SKIP = {"__pycache__", ".pytest_cache"}
_RENAMES = {"gitignore": ".gitignore"}


@dataclass(frozen=True)
class Template:
    """A template's name (what users type) and the description from its ``PulumiPolicy.yaml``."""

    name: str
    description: str


def _root() -> Traversable:
    return resources.files(__name__)


def list_templates() -> list[Template]:
    """The available templates, sorted by name."""
    found = []
    for entry in _root().iterdir():
        project = entry / "PulumiPolicy.yaml"
        if entry.is_dir() and project.is_file():
            meta = yaml.safe_load(project.read_text(encoding="utf-8")) or {}
            found.append(Template(entry.name, " ".join(str(meta.get("description", "")).split())))
    return sorted(found, key=lambda t: t.name)


def module_name(pack_name: str) -> str:
    """The policies module for a pack: ``my-pack`` -> ``my_pack_policies``."""
    ident = re.sub(r"\W", "_", pack_name.lower())
    if not ident[:1].isalpha():
        ident = f"pack_{ident}"
    return f"{ident}_policies"


def render(template: str, dest_dir: str | Path, pack_name: str | None = None) -> Path:
    """Create a pack in ``dest_dir`` (new or empty) from ``template``; return the directory.

    ``pack_name`` defaults to the directory's name and must be a valid pack name (alphanumerics,
    hyphens, underscores, periods). Raises ``UsageError`` for an unknown template, a bad name or a
    destination that is not empty.
    """
    names = [t.name for t in list_templates()]
    if template not in names:
        raise UsageError(f"unknown template '{template}'; available: {', '.join(names)}")
    dest = Path(dest_dir)
    name = pack_name if pack_name is not None else dest.resolve().name
    if not _PACK_NAME_RE.match(name):
        raise UsageError(
            f"invalid pack name '{name}': use 1-100 letters, digits, hyphens, underscores or periods (--name)"
        )
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"destination {dest} is not empty; choose a new or empty directory")
    dest.mkdir(parents=True, exist_ok=True)
    _copy(_root() / template, dest, {PACK_NAME_TOKEN: name, MODULE_TOKEN: module_name(name)})
    return dest


def _copy(source: Traversable, dest: Path, tokens: dict[str, str]) -> None:
    for entry in source.iterdir():
        if entry.name in _SKIP or entry.name.endswith(".pyc"):
            continue
        target = dest / _substitute(_RENAMES.get(entry.name, entry.name), tokens)
        if entry.is_dir():
            target.mkdir()
            _copy(entry, target, tokens)
        else:
            target.write_text(_substitute(entry.read_text(encoding="utf-8"), tokens), encoding="utf-8")


def _substitute(text: str, tokens: dict[str, str]) -> str:
    for token, value in tokens.items():
        text = text.replace(token, value)
    return text
