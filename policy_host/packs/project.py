"""``PulumiPolicy.yaml``: the pack project file, read the way the engine reads it.

Engine facts (engine-protocol.md §5.1): YAML or JSON, BOM stripped; ``runtime`` is a string or
``{name, options}``; ``version`` overrides whatever the plugin reports; ``main`` matters for publish only.
Some packs in the wild have no project file at all; a missing file is tolerated (``None``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError

PROJECT_FILE_NAMES = ("PulumiPolicy.yaml", "PulumiPolicy.yml", "PulumiPolicy.json")


@dataclass(frozen=True)
class PackProject:
    path: Path
    runtime: str
    runtime_options: dict[str, Any] = field(default_factory=dict)
    version: str = ""
    description: str = ""
    main: str = ""

    @property
    def virtualenv(self) -> Path | None:
        """The pack's virtualenv directory (``runtime.options.virtualenv``), resolved against the pack."""
        venv = self.runtime_options.get("virtualenv")
        if not venv:
            return None
        p = Path(str(venv))
        return p if p.is_absolute() else (self.path.parent / p)


def find_project_file(pack_dir: Path) -> Path | None:
    for name in PROJECT_FILE_NAMES:
        candidate = pack_dir / name
        if candidate.is_file():
            return candidate
    return None


def read_project(pack_dir: str | Path) -> PackProject | None:
    """Read the pack's project file; ``None`` when it has none. Raises InputError on a bad file."""
    path = find_project_file(Path(pack_dir))
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")  # utf-8-sig strips a BOM, as the engine does
        data = yaml.safe_load(text) if text.strip() else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise InputError(f"{path}: cannot read policy pack project file: {_first_line(e)}") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping at the top level")
    runtime = data.get("runtime")
    options: dict[str, Any] = {}
    if isinstance(runtime, dict):
        options = runtime.get("options") or {}
        runtime = runtime.get("name")
        if not isinstance(options, dict):
            raise InputError(f"{path}: runtime.options must be a mapping")
    if not runtime or not isinstance(runtime, str):
        raise InputError(f"{path}: project is missing a 'runtime' attribute")
    version = data.get("version")
    return PackProject(
        path=path,
        runtime=runtime,
        runtime_options=dict(options),
        version=str(version) if version is not None else "",
        description=str(data.get("description") or ""),
        main=str(data.get("main") or ""),
    )


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
