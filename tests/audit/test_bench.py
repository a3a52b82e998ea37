"""``bench/audit.py`` runs end to end with tiny sizes (no timing is judged, only that it measured)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import REPO


def test_audit_bench_runs_with_tiny_sizes():
    proc = subprocess.run(
        [sys.executable, "-m", "bench.audit", "400", "3"],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows["scan_status"] == "succeeded"
    # 3 buckets, each at least a Bucket and a BucketAclV2 (the emulator's default VPC objects on top)
    assert rows["scan_resources"] >= 3 * 2
    assert rows["evaluate_resources"] == 400 and rows["evaluate_policies"] == 21
    assert rows["evaluate_results"] > 0
    assert rows["resource_evaluations_per_cpu_second"] > 0
