"""docs/writing-policies.md is true: its files and commands, replayed in order in a scratch directory, give
the outputs it shows.

Each ```console block is a list of ``$ command`` lines, each followed by the output the guide shows; those
lines must appear, in order, in the real output (``...`` skips lines; timings are ignored). Blocks whose
first line is ``# acme-guard/<path>`` are files of the pack and are written where they say. ``pulumi``
commands cannot run here (no Pulumi CLI): each is replayed as ``policy-host analyze`` with the same pack,
config and environment, which launches the pack the way the CLI does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "writing-policies.md"
EXPORT = REPO / "examples" / "states" / "dns-to-db.json"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TIMING = re.compile(r"\d+\.\d+s")


@dataclass
class Command:
    line: str
    shown: list[str] = field(default_factory=list)


def blocks(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer(text)]


def commands(body: str) -> list[Command]:
    out: list[Command] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append(Command(line[2:]))
        elif out:
            out[-1].shown.append(line)
    return out


def normalize(line: str) -> str:
    return TIMING.sub("<time>", line.rstrip())


def shown_in_order(shown: list[str], actual: str) -> list[str]:
    """The shown lines missing from ``actual`` (in order; ``...`` lets any lines pass)."""
    lines = [normalize(line) for line in actual.splitlines()]
    position, missing = 0, []
    for want in (normalize(line) for line in shown):
        if want in ("", "..."):
            continue
        try:
            position = lines.index(want, position) + 1
        except ValueError:
            missing.append(want)
    return missing


def run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )


def as_analyze(command: str) -> str:
    """``[ENV=...] pulumi preview --policy-pack P [--policy-pack-config C]`` -> the same through analyze."""
    command = command.replace("/path/to/policy-host", str(REPO))
    return command.replace("pulumi preview", "policy-host analyze --file export.json", 1)


def test_the_guide_runs_as_written(tmp_path):
    shutil.copy(EXPORT, tmp_path / "export.json")  # stands in for `pulumi stack export > export.json`
    ran, replayed, files = [], [], []
    for lang, body in blocks(GUIDE.read_text(encoding="utf-8")):
        first = body.splitlines()[0] if body else ""
        if first.startswith("# acme-guard/"):
            path = tmp_path / first[2:]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body, encoding="utf-8")
            files.append(first[2:])
            continue
        if lang != "console":
            continue
        for command in commands(body):
            if command.line == "pulumi stack export > export.json":
                continue
            if "pulumi preview" in command.line:
                result = run(as_analyze(command.line), tmp_path)
                assert result.returncode == 0, f"{command.line}\n{result.stdout}{result.stderr}"
                assert "acme-guard@v0.1.0" in result.stdout and "cost-center-tag" in result.stdout, (
                    result.stdout
                )
                replayed.append(command.line)
                continue
            result = run(command.line, tmp_path)
            output = result.stdout + result.stderr
            fails = any(line.startswith("error:") for line in command.shown)
            assert (result.returncode != 0) is fails, f"$ {command.line} -> {result.returncode}\n{output}"
            missing = shown_in_order(command.shown, output)
            assert not missing, (
                f"$ {command.line}: the guide shows lines the command did not print: {missing}\n{output}"
            )
            ran.append(command.line)
    # the guide covers what it promises: scaffold, fixture, test, analyze, wrap, and the three preview routes
    assert files == [
        "acme-guard/acme_guard_policies.py",
        "acme-guard/tests/test_policies.py",
        "acme-guard/tests/instances.policy-test.yaml",
    ]
    assert [c.split()[1] for c in ran if c.startswith("policy-host ")] == [
        "new",
        "new",
        "fixture",
        "test",
        "analyze",
        "analyze",
        "analyze",
        "wrap",
        "wrap",
    ]
    assert len(replayed) == 4
    fixed = (tmp_path / "fixed.json").read_text(encoding="utf-8")
    assert fixed.count('"CostCenter": "shared"') == 5
