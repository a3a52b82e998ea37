"""The scheduler as a real long-lived process: scans on a (tiny, overridden) interval, survives a failing
account, never overlaps two scans of one account, leaves ``none`` alone, and stops cleanly on SIGTERM,
also while a scan is running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from policy_host.audit.cadence import next_due, parse_schedule
from policy_host.errors import UsageError

from . import _exports as ex
from ._gate import GateProxy
from .conftest import REPO, cli, reset_moto


def test_schedules_and_due_times():
    assert [parse_schedule(s) for s in ("none", "12H", "daily", "24h", "*/5  * * * *")] == [
        "none",
        "12h",
        "daily",
        "daily",
        "*/5 * * * *",
    ]
    with pytest.raises(UsageError, match="invalid schedule 'weekly'"):
        parse_schedule("weekly")
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    last = datetime(2025, 1, 1, 10, 30, tzinfo=UTC)
    assert next_due("none", last, now) is None
    assert next_due("daily", None, now) == now  # never scanned: now
    assert next_due("12h", last, now) == last + timedelta(hours=12)
    assert next_due("daily", last, now) == last + timedelta(days=1)
    assert next_due("0 3 * * *", last, now) == datetime(2025, 1, 2, 3, 0, tzinfo=UTC)
    assert next_due("daily", last, now, interval=5) == last + timedelta(seconds=5)
    assert next_due("none", last, now, interval=5) is None


def start_scheduler(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "policy_host", "audit", "schedule", *args],
        cwd=REPO,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def scans_of(account: str) -> list[dict]:
    return json.loads(cli("audit", "scans", "--account", account, "--json", check=True).stdout)


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_scheduler_scans_on_interval_survives_failures_and_stops_on_sigterm(store_url: str, tmp_path: Path):
    export = ex.write(tmp_path / "prod.json", ex.export([ex.bucket("data-bucket")]))
    dump = tmp_path / "dump.json"
    dump.write_text("[]")
    cli("account", "add", "good", "--provider", "pulumi", "--export", str(export), check=True)
    cli("account", "add", "broken", "--provider", "kubernetes", "--dump", str(dump), check=True)
    cli(
        "account",
        "add",
        "manual",
        "--provider",
        "pulumi",
        "--export",
        str(export),
        "--schedule",
        "none",
        check=True,
    )
    dump.unlink()  # every scan of "broken" fails from now on

    proc = start_scheduler("--tick", "0.2", "--interval", "1", "--concurrency", "2")

    def enough() -> bool:
        good = [s for s in scans_of("good") if s["status"] != "running"]
        broken = [s for s in scans_of("broken") if s["status"] != "running"]
        return len(good) >= 2 and len(broken) >= 2

    wait_for(enough, proc)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert err.splitlines()[-1].endswith("schedule: stopped") and "Traceback" not in err

    good, broken = scans_of("good"), scans_of("broken")
    assert {s["status"] for s in good} <= {"succeeded"} and len(good) >= 2
    assert {s["status"] for s in broken} == {"failed"} and len(broken) >= 2
    assert {s["errors"][0] for s in broken} == {
        f"{dump}: cannot read Kubernetes dump: No such file or directory"
    }
    assert {s["trigger"] for s in good + broken} == {"schedule"}
    assert scans_of("manual") == []
    for scans in (good, broken):  # one account's scans never overlap, and each waited its interval
        ordered = sorted(scans, key=lambda s: s["startedAt"])
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            assert earlier["finishedAt"] <= later["startedAt"]
    assert "scan of broken failed (exit 1)" in err
    assert "scanned good: succeeded" in err


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_sigterm_while_a_scan_runs_stops_it_and_exits(store_url: str, moto_url: str):
    reset_moto(moto_url)
    boto3.client("s3", endpoint_url=moto_url).create_bucket(Bucket="slow-bucket")
    with GateProxy(moto_url) as gate:
        cli(
            "account", "add", "slow", "--provider", "aws", "--env-credentials", "--endpoint-url", gate.url,
            "--region", "us-east-1", check=True,
        )  # fmt: skip
        gate.close_gate()
        proc = start_scheduler("--tick", "0.2", "--grace", "1")
        wait_for(lambda: gate.blocked > 0, proc)
        assert [s["status"] for s in scans_of("slow")] == ["running", "running"]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "stopping 1 running scan(s)" in err and err.splitlines()[-1].endswith("schedule: stopped")
    # the worker was stopped (or killed after the grace period): its scan is failed either way
    assert {s["status"] for s in scans_of("slow")} == {"failed"}
    assert json.loads(cli("resource", "ls", "--json", check=True).stdout) == []
