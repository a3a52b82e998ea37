"""Fixtures for the audit tests: stores on SQLite and PostgreSQL, a moto server per module (loopback, dummy
credentials), and a helper running the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._storekit import pg_database, sqlite_store, store, store_url  # noqa: F401
from tests.sources._aws_env import moto_server, safe_aws_env

REPO = Path(__file__).resolve().parents[2]
PACKS = Path(__file__).parent / "packs"
AWS_BASELINE = REPO / "packs" / "aws-baseline"
CORPUS = Path("/work/shared/corpus/states")


@pytest.fixture(scope="module")
def aws_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with safe_aws_env(tmp_path_factory.mktemp("aws")):
        yield


@pytest.fixture(scope="module")
def moto_url(aws_env: None) -> Iterator[str]:
    with moto_server() as url:
        yield url


def reset_moto(url: str) -> None:
    """Forget every resource the emulator holds."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).read()


def cli(*args: str, timeout: float = 180, check: bool = False) -> subprocess.CompletedProcess:
    """``policy-host ARGS`` in a subprocess with the test's environment (POLICY_HOST_*, AWS_*)."""
    proc = subprocess.run(
        [sys.executable, "-m", "policy_host", *args],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check:
        assert proc.returncode == 0, f"policy-host {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc
