"""``policy-host analyze`` as users run it: a real subprocess, real packs, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policy_host.sources.stack_export import load_state_file

from .conftest import corpus, pack

S3 = str(corpus("tfmigrate__s3bucket-test__test-upsert.checkpoint.json"))


def cli(*args: str, env: dict | None = None, cwd: str | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "policy_host", "analyze", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# ---------------------------------------------------------------------------------------------
# bad input: one line, no traceback
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "{not json",
            "not a valid JSON file: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        ('{"version": 1, "deployment": {}}', "unsupported deployment version 1 (supported: 3, 4)"),
        ('{"version": 3}', 'missing "deployment" (expected a "pulumi stack export" file or a checkpoint)'),
        (
            '{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:s::p::a:b:C::n"}]}}',
            'resource #0 (urn:pulumi:s::p::a:b:C::n) has no "type"',
        ),
    ],
)
def test_bad_state_files_give_one_line_without_traceback(tmp_path, content, message):
    state = write(tmp_path, "state.json", content)
    proc = cli("--policy-pack", pack("s3-rules"), "--file", state)
    assert proc.returncode == 1
    assert proc.stderr == f"error: {state}: {message}\n"
    assert proc.stdout == ""


def test_bad_config_file_names_the_file(tmp_path):
    config = write(tmp_path, "c.json", '{"s3-bucket-prefix": 5}')
    proc = cli("--policy-pack", pack("s3-rules"), "--policy-pack-config", config, "--file", S3)
    assert proc.returncode == 1
    assert proc.stderr == (
        f'error: {config}: parsing "s3-bucket-prefix": 5 is not a valid value; must be a string or object\n'
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy-pack", "p"], "specify exactly one of --file or --stack"),
        (
            ["--policy-pack", "p", "--file", "a", "--stack", "o/p/s"],
            "specify exactly one of --file or --stack",
        ),
        (
            ["--policy-pack-config", "c.json", "--file", "a"],
            '"--policy-pack-config" must be specified with "--policy-pack"',
        ),
        (
            ["--policy-pack", "a", "--policy-pack", "b", "--policy-pack-config", "c.json", "--file", "x"],
            'the number of "--policy-pack-config" flags must match the number of "--policy-pack" flags',
        ),
        (
            ["--policy-pack", "p", "--file", "x", "--json", "--format", "sarif"],
            "--json conflicts with --format sarif",
        ),
        (
            ["--policy-pack", "p", "--stack", "just-a-name"],
            '--stack must be "org/project/stack", got "just-a-name"',
        ),
    ],
)
def test_usage_errors_exit_2(args, message):
    proc = cli(*args)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {message}\n"


def test_unknown_format_is_a_usage_error():
    proc = cli("--policy-pack", "p", "--file", "x", "--format", "xml")
    assert proc.returncode == 2 and "Invalid value for '--format'" in proc.stderr


# ---------------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------------


def test_text_output_and_exit_code_for_mandatory_violation():
    proc = cli("--policy-pack", pack("s3-rules"), "--file", S3)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0] == "Policies:"
    assert lines[1] == f"    ❌ s3-rules@v1.2.3 (local: {pack('s3-rules')})"
    assert (
        "        - [mandatory] [severity: high]  s3-bucket-prefix  (aws:s3/bucket:Bucket: test-bucket)"
        in lines
    )
    assert proc.stderr.splitlines()[-1] == "error: step generator errored"


def test_advisory_only_exits_0(tmp_path):
    config = write(tmp_path, "c.json", '{"s3-bucket-prefix": "advisory"}')
    proc = cli("--policy-pack", pack("s3-rules"), "--policy-pack-config", config, "--file", S3)
    assert proc.returncode == 0, proc.stderr
    assert "⚠️ s3-rules@v1.2.3" in proc.stdout
    assert "error:" not in proc.stderr


def test_config_validation_failure_prints_engine_lines():
    proc = cli("--policy-pack", pack("config-schema"), "--file", S3)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "error: validating policy config: config-schema 3.0.0  validator: names is required",
        "error: validating policy config",
    ]
    assert proc.stdout == ""


def test_json_output_up_mode(tmp_path):
    proc = cli("--policy-pack", pack("s3-rules"), "--file", S3, "--json", "--up")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    bucket = "urn:pulumi:test-upsert::s3bucket-test::aws:s3/bucket:Bucket::test-bucket"
    assert report["schemaVersion"] == 1 and report["mode"] == "up"
    assert report["outcome"]["bail"] == f"resource {bucket} is invalid"
    assert report["outcome"]["stackAnalyzed"] is False
    assert report["stack"] == {
        "organization": "organization",
        "project": "s3bucket-test",
        "stack": "test-upsert",
        "urn": "urn:pulumi:test-upsert::s3bucket-test::pulumi:pulumi:Stack::s3bucket-test-test-upsert",
    }
    assert {v["policy"] for v in report["violations"]} == {"s3-bucket-prefix", "provider-region"}


def test_sarif_to_file_and_apply_remediations(tmp_path):
    out, sarif = tmp_path / "remediated.json", tmp_path / "out.sarif"
    proc = cli(
        "--policy-pack",
        pack("remediator"),
        "--file",
        S3,
        "--format",
        "sarif",
        "--output",
        str(sarif),
        "--apply-remediations",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    log = json.loads(sarif.read_text())
    assert log["version"] == "2.1.0" and log["runs"][0]["results"] == []
    state = load_state_file(out)
    bucket = next(r for r in state.inputs if r.type == "aws:s3/bucket:Bucket")
    assert bucket.properties["tags"] == {"managed-by": "policy"}
    # The source file itself is untouched: remediations are applied only to the copy.
    assert load_state_file(S3).inputs[2].properties == {"bucket": "test-bucket-upsert-demo"}


def test_stack_from_diy_backend_and_junit(tmp_path):
    stacks = tmp_path / ".pulumi" / "stacks" / "s3bucket-test"
    stacks.mkdir(parents=True)
    shutil.copy(S3, stacks / "test-upsert.json")
    proc = cli(
        "--policy-pack",
        pack("s3-rules"),
        "--stack",
        "acme/s3bucket-test/test-upsert",
        "--format",
        "junit",
        env={"PULUMI_BACKEND_URL": f"file://{tmp_path}"},
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    assert 'classname="s3-rules.s3-bucket-prefix"' in proc.stdout


def test_pack_failing_to_start_shows_its_output_and_the_engine_error():
    proc = cli("--policy-pack", pack("broken-import"), "--file", S3)
    assert proc.returncode == 1
    path = os.path.abspath(pack("broken-import"))
    assert f'error: policy pack "{path}" failed to start: could not read plugin [' in proc.stderr
    # The pack's own stderr is shown, as the engine shows plugin output.
    assert "this pack is broken on purpose" in proc.stderr
