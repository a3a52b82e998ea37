"""``policy-host test PACK_DIR``: run a pack's own tests (pytest files and ``*.policy-test.yaml`` cases)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("pack_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def test(pack_dir: str, pytest_args: tuple[str, ...]) -> None:
    """Run PACK_DIR's tests with pytest and the policy-host plugin (extra args go to pytest).

    Packs are code: their tests and policies run with your permissions.
    """
    target = Path(pack_dir)
    tests = target / "tests"
    where = tests if tests.is_dir() else target
    # pytest's exit code is the command's: 0 all passed, 1 failures, 5 nothing collected.
    # The policy-host pytest plugin is loaded through its pytest11 entry point.
    completed = subprocess.run([sys.executable, "-m", "pytest", str(where), *pytest_args], check=False)
    sys.exit(completed.returncode)
