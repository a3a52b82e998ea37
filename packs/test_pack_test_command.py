"""``policy-host test PACK_DIR`` runs a bundled pack's own tests (pytest files and YAML cases) from any
working directory, in a real subprocess; without the export corpus the corpus tests fail saying so."""

import os
import subprocess
import sys
from pathlib import Path

PACK = Path(__file__).resolve().parent / "gcp-baseline"
COMMAND = [sys.executable, "-m", "policy_host", "test", str(PACK), "-v", "-p", "no:cacheprovider"]


def run(cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        COMMAND, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=240
    )


def test_a_pack_passes_its_own_tests_from_another_directory(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    lines = result.stdout.splitlines()
    # the YAML cases (one cut from a real export), the oracle and the unit tests all ran
    assert any("the storage-bucket example's bucket (real export) PASSED" in line for line in lines)
    assert any(
        "test_gcp_baseline_oracle.py::test_kit_answers_equal_pulumi_policy PASSED" in line for line in lines
    )
    assert any("test_gcp_baseline_policies.py::test_policy_verdicts" in line for line in lines)
    assert " failed" not in lines[-1] and " passed" in lines[-1]


def test_a_missing_corpus_is_named(tmp_path):
    result = run(tmp_path, POLICY_HOST_CORPUS=str(tmp_path / "nowhere"))
    assert result.returncode == 1
    assert f"the stack export corpus is missing: {tmp_path / 'nowhere'}" in result.stdout
    # only the tests that read real exports fail; the unit tests and YAML cases still pass
    errors = sorted(
        line.split("::")[0].rsplit("/", 1)[-1]
        for line in result.stdout.splitlines()
        if line.startswith("ERROR ")
    )
    assert errors == ["test_gcp_baseline_exports.py", "test_gcp_baseline_oracle.py"]
    assert "FAILED" not in result.stdout
