"""Shared helpers for the engine-driver tests: fixture packs, the state corpus, executable wrappers."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from policy_host.analyzer.host import build_servicer
from policy_host.engine import PackSpec, RunOptions, RunResult, run
from policy_host.sources.stack_export import StackState, load_state_file, parse_state_document

HERE = Path(__file__).parent
PACKS = HERE / "packs"
CORPUS = Path("/work/shared/corpus/states")
FAKE_ANALYZER = HERE / "fake_analyzer.py"


def pack(name: str) -> str:
    return str(PACKS / name)


def corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.fail(f"corpus file missing: {path}")
    return path


def analyze(
    packs: list[PackSpec | str], state: StackState, *, preview: bool = True, **options: Any
) -> RunResult:
    """Run the engine driver over a loaded state, the way the CLI does."""
    specs = [p if isinstance(p, PackSpec) else PackSpec(p) for p in packs]
    if options.get("in_process") and options.get("servicer_factory") is None:
        options["servicer_factory"] = build_servicer  # what `policy-host analyze --in-process` injects
    opts = RunOptions(
        stack=state.stack_context(dry_run=preview),
        root_urn=state.root_urn,
        preview=preview,
        **options,
    )
    return run(specs, state.inputs, state.outputs, opts)


def export_with(resources: list[dict[str, Any]], project: str = "proj", stack: str = "dev") -> StackState:
    """A version-3 export holding a root stack resource followed by ``resources``."""
    root = {
        "urn": f"urn:pulumi:{stack}::{project}::pulumi:pulumi:Stack::{project}-{stack}",
        "custom": False,
        "type": "pulumi:pulumi:Stack",
    }
    document = {"version": 3, "deployment": {"manifest": {}, "resources": [root, *resources]}}
    return parse_state_document(document, "<test export>")


def res(
    name: str, type_: str = "test:index:Thing", inputs: dict | None = None, **extra: Any
) -> dict[str, Any]:
    """A state resource entry under project ``proj``, stack ``dev``."""
    entry = {
        "urn": f"urn:pulumi:dev::proj::{type_}::{name}",
        "custom": True,
        "type": type_,
        "inputs": inputs or {},
        "outputs": dict(inputs or {}),
        "parent": "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev",
    }
    entry.update(extra)
    return entry


def write_executable(path: Path, body: str) -> Path:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_analyzer_exe(tmp_path: Path) -> Path:
    """An executable that runs ``fake_analyzer.py`` with this interpreter."""
    return write_executable(tmp_path / "fake-analyzer", f'exec "{sys.executable}" "{FAKE_ANALYZER}" "$@"')


def read_log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def messages(result: RunResult, policy: str) -> list[str]:
    """The policy-supplied part of each violation message of ``policy`` (after the description line)."""
    out = []
    for v in result.violations:
        if v.diagnostic.policy_name == policy:
            out.append(v.diagnostic.message.split("\n", 1)[1] if "\n" in v.diagnostic.message else "")
    return out


@pytest.fixture(autouse=True)
def _no_inherited_stack_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests assert exactly which PULUMI_* variables a pack sees; keep the caller's out of it.
    for key in list(os.environ):
        if key.startswith("PULUMI_"):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="module")
def s3bucket() -> StackState:
    return load_state_file(corpus("tfmigrate__s3bucket-test__test-upsert.checkpoint.json"))
