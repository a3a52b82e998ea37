"""Launching packs like the Pulumi CLI: argv, cwd, env, the port line, failures, executable mode, shutdown."""

from __future__ import annotations

import json
import os
import sys

import pytest

from policy_host.engine import PackSpec, RunOptions, run
from policy_host.engine.launch import language_host_spec, resolve_python
from policy_host.model import EnforcementLevel, PolicyConfigEntry, Severity, StackContext

from .conftest import (
    FAKE_ANALYZER,
    analyze,
    export_with,
    fake_analyzer_exe,
    messages,
    pack,
    read_log,
    res,
    write_executable,
)

STATE = export_with([res("ok", inputs={"value": True}), res("crash")])


# ---------------------------------------------------------------------------------------------
# packs that fail to start or die
# ---------------------------------------------------------------------------------------------


def test_pack_raising_at_import_fails_to_start_with_exit_status():
    result = analyze([pack("broken-import")], STATE)
    path = os.path.abspath(pack("broken-import"))
    assert result.errors == [
        f'policy pack "{path}" failed to start: could not read plugin [{sys.executable}]: exit status 1'
    ]
    assert result.exit_code == 1
    stderr = "\n".join(o.text for o in result.plugin_output if o.stream == "stderr")
    assert "Program failed with an unhandled exception" in stderr
    assert "this pack is broken on purpose" in stderr
    assert result.packs == [] and result.violations == []


def test_pack_printing_garbage_instead_of_a_port():
    result = analyze([pack("garbage-port")], STATE)
    path = os.path.abspath(pack("garbage-port"))
    assert result.errors == [
        f'policy pack "{path}" failed to start: analyzer plugin [{sys.executable}] wrote an invalid port to stdout: '
        'strconv.Atoi: parsing "hello from a chatty pack": invalid syntax'
    ]


def test_pack_that_never_prints_a_port_times_out_and_is_stopped(tmp_path, monkeypatch):
    pid_file = tmp_path / "pid"
    monkeypatch.setenv("NO_PORT_PID_FILE", str(pid_file))
    result = analyze([pack("no-port")], STATE, port_timeout=1.5)
    path = os.path.abspath(pack("no-port"))
    assert result.errors == [
        f'policy pack "{path}" failed to start: analyzer plugin [{sys.executable}] did not write a port to stdout '
        "within 1.5s"
    ]
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_pack_crashing_mid_run_fails_the_run_without_analyze_stack():
    result = analyze([pack("crash-midrun")], STATE)
    assert len(result.errors) == 1
    assert result.errors[0].startswith("failed to run policy: ")
    assert result.stack_analyzed is False
    assert result.exit_code == 1
    # The resource before the crash was analyzed; the crash happened on the second custom resource.
    assert result.resources_analyzed[-1].endswith("::crash")


def test_first_load_failure_stops_the_run_and_other_packs_are_shut_down():
    result = analyze([pack("inspect"), pack("broken-import")], STATE)
    assert len(result.errors) == 1 and "broken-import" in result.errors[0]
    assert result.resources_analyzed == []


def test_missing_pack_path():
    result = analyze(["/nonexistent/pack"], STATE)
    assert result.errors == ['policy pack "/nonexistent/pack": no such file or directory']


# ---------------------------------------------------------------------------------------------
# language-host mode: argv, cwd, env
# ---------------------------------------------------------------------------------------------


def echo_env(result):
    (payload,) = messages(result, "echo-env")
    return json.loads(payload)


def test_language_host_launch_argv_cwd_and_env_in_preview():
    result = analyze([pack("inspect")], STATE)
    seen = echo_env(result)
    pack_dir = os.path.abspath(pack("inspect"))
    assert seen["cwd"] == pack_dir
    # runpy makes the pack dir argv[0]; then the engine address and the absolute pack dir.
    assert seen["argv"][0] == pack_dir and seen["argv"][2] == pack_dir
    assert seen["argv"][1].startswith("127.0.0.1:")
    # Only non-empty values are set: no organization, no config for this export.
    assert seen["env"] == {"PULUMI_DRY_RUN": "true", "PULUMI_PROJECT": "proj", "PULUMI_STACK": "dev"}
    assert (seen["project"], seen["stack"], seen["dry_run"]) == ("proj", "dev", True)
    # What the pack wrote to stderr before its port is kept for display.
    assert any(o.text == "inspect pack loaded" and o.stream == "stderr" for o in result.plugin_output)


def test_language_host_env_with_organization_config_and_up():
    stack = StackContext(organization="acme", project="proj", stack="dev", config={"proj:color": "blue"})
    result = run(
        [PackSpec(pack("inspect"))],
        STATE.inputs,
        STATE.outputs,
        RunOptions(stack=stack, root_urn=STATE.root_urn, preview=False),
    )
    seen = echo_env(result)
    assert seen["env"] == {
        "PULUMI_CONFIG": '{"proj:color":"blue"}',
        "PULUMI_DRY_RUN": "false",
        "PULUMI_ORGANIZATION": "acme",
        "PULUMI_PROJECT": "proj",
        "PULUMI_STACK": "dev",
    }
    assert seen["dry_run"] is False


def test_python_selection(tmp_path, monkeypatch):
    pack_dir = tmp_path / "p"
    (pack_dir / "venv" / "bin").mkdir(parents=True)
    (pack_dir / "PulumiPolicy.yaml").write_text(
        "runtime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    monkeypatch.setenv("PULUMI_PYTHON_CMD", "/opt/python-from-env")
    # The virtualenv is configured but has no interpreter yet: PULUMI_PYTHON_CMD is next.
    assert resolve_python(pack_dir) == ("/opt/python-from-env", None)
    (pack_dir / "venv" / "bin" / "python").symlink_to(sys.executable)
    python, venv = resolve_python(pack_dir)
    assert python == str(pack_dir / "venv" / "bin" / "python") and venv == pack_dir / "venv"
    spec = language_host_spec(pack_dir, "127.0.0.1:1", StackContext(project="p", stack="s"))
    assert spec.argv == (python, "-u", "-m", "pulumi.policy", "127.0.0.1:1", str(pack_dir))
    assert spec.cwd == str(pack_dir)
    assert spec.env["VIRTUAL_ENV"] == str(pack_dir / "venv")
    assert spec.env["PATH"].split(os.pathsep)[0] == str(pack_dir / "venv" / "bin")
    monkeypatch.delenv("PULUMI_PYTHON_CMD")
    (pack_dir / "venv" / "bin" / "python").unlink()
    assert resolve_python(pack_dir) == (sys.executable, None)


def test_language_host_pack_never_sees_handshake(tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_ANALYZER_LOG", str(log))
    pack_dir = tmp_path / "fake-pack"
    pack_dir.mkdir()
    (pack_dir / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack_dir / "__main__.py").write_text(
        f"import runpy\nrunpy.run_path({str(FAKE_ANALYZER)!r}, run_name='__main__')\n"
    )
    result = analyze([str(pack_dir)], STATE)
    assert result.errors == []
    events = [e["event"] for e in read_log(log)]
    assert "Handshake" not in events
    assert events[:4] == ["start", "ConfigureStack", "GetPluginInfo", "GetAnalyzerInfo"]
    assert events[-2:] == ["Cancel", "interrupted"]


# ---------------------------------------------------------------------------------------------
# executable mode
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def fake(tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_ANALYZER_LOG", str(log))
    exe_dir = tmp_path / "bin"
    exe_dir.mkdir()
    return fake_analyzer_exe(exe_dir), log


def test_executable_mode_handshake_cwd_env_and_shutdown(fake, monkeypatch, tmp_path):
    exe, log = fake
    monkeypatch.chdir(tmp_path)
    result = analyze([str(exe)], STATE)
    assert result.errors == []
    events = read_log(log)
    start = events[0]
    assert start["argv"][0].startswith("127.0.0.1:") and len(start["argv"]) == 1
    assert start["cwd"] == str(tmp_path)  # the project directory, not the executable's
    assert start["env"] == {}  # executable mode adds no PULUMI_* variables
    names = [e["event"] for e in events]
    assert names[1:5] == ["Handshake", "ConfigureStack", "GetPluginInfo", "GetAnalyzerInfo"]
    handshake = events[1]
    assert handshake["engine_address"] == start["argv"][0]
    assert handshake["root_directory"] == handshake["program_directory"] == str(exe.parent)
    # Remediate then Analyze per resource, in registration order; AnalyzeStack UNIMPLEMENTED is fine.
    per_resource = [
        (e["event"], e.get("urn", "").rsplit("::", 1)[-1])
        for e in events
        if e["event"] in ("Remediate", "Analyze")
    ]
    assert per_resource == [
        ("Remediate", "proj-dev"),
        ("Analyze", "proj-dev"),
        ("Remediate", "ok"),
        ("Analyze", "ok"),
        ("Remediate", "crash"),
        ("Analyze", "crash"),
    ]
    assert "AnalyzeStack" in names and result.stack_analyzed
    assert names[-2:] == ["Cancel", "interrupted"]
    assert result.packs[0].mode == "executable" and result.packs[0].version == "0.0.7"


def test_output_after_the_port_is_kept_as_plugin_output(fake, monkeypatch):
    exe, _ = fake
    monkeypatch.setenv("FAKE_CHATTY", "1")
    result = analyze([str(exe)], STATE)
    assert result.errors == []
    lines = {(o.pack, o.stream, o.text) for o in result.plugin_output}
    assert (str(exe), "stdout", "hello after the port") in lines
    assert (str(exe), "stderr", "and on stderr") in lines


def test_executable_version_comes_from_yaml_beside_it(fake):
    exe, _ = fake
    (exe.parent / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 1.2.3\n")
    result = analyze([str(exe)], STATE)
    assert result.packs[0].version == "1.2.3"


def test_handshake_is_retried_while_unavailable(fake, monkeypatch):
    exe, log = fake
    monkeypatch.setenv("FAKE_HANDSHAKE_UNAVAILABLE", "3")
    result = analyze([str(exe)], STATE)
    assert result.errors == []
    assert [e["event"] for e in read_log(log)].count("Handshake") == 4


@pytest.mark.parametrize("version", ["banana", "1.2.3.4", "v1.x"])
def test_non_semver_plugin_version_fails_the_load(fake, monkeypatch, version):
    exe, _ = fake
    monkeypatch.setenv("FAKE_PLUGIN_VERSION", version)
    result = analyze([str(exe)], STATE)
    assert result.errors == [
        f'policy pack "{exe}" failed to start: plugin reported version "{version}", which is not a semantic version'
    ]


@pytest.mark.parametrize("version", ["", "1.0.0", "v2.1", "3", "1.2.3-beta.1+build.5"])
def test_empty_or_semver_plugin_version_is_accepted(fake, monkeypatch, version):
    exe, _ = fake
    monkeypatch.setenv("FAKE_PLUGIN_VERSION", version)
    result = analyze([str(exe)], STATE)
    assert result.errors == [] and result.packs[0].plugin_version == version


def test_disabled_diagnostic_is_refused(fake, monkeypatch):
    exe, _ = fake
    monkeypatch.setenv("FAKE_DIAG_LEVEL", "2")
    result = analyze([str(exe)], STATE)
    assert result.errors == [
        'policy pack "fake" returned a diagnostic for policy "fake-policy" with enforcement level disabled'
    ]
    assert result.exit_code == 1


def test_remediate_level_diagnostic_counts_as_mandatory(fake, monkeypatch):
    exe, _ = fake
    monkeypatch.setenv("FAKE_DIAG_LEVEL", "3")
    result = analyze([str(exe)], STATE)
    assert {v.diagnostic.level for v in result.violations} == {EnforcementLevel.MANDATORY}
    assert result.bail == "step generator errored"


def test_unspecified_diagnostic_severity_falls_back_to_the_policy(fake, monkeypatch):
    exe, _ = fake
    monkeypatch.setenv("FAKE_DIAG_LEVEL", "0")
    result = analyze([str(exe)], STATE)
    assert {(v.diagnostic.level, v.diagnostic.severity) for v in result.violations} == {
        (EnforcementLevel.ADVISORY, Severity.HIGH)
    }
    assert result.exit_code == 0


def test_config_for_a_pack_without_config_support(fake, tmp_path):
    exe, _ = fake
    spec = PackSpec(
        str(exe), config={"fake-policy": PolicyConfigEntry(EnforcementLevel.MANDATORY)}, config_path="c.json"
    )
    result = analyze([spec], STATE)
    assert result.errors == [f'policy pack "fake" at "{exe}" does not support config']
    assert result.resources_analyzed == []


def test_remediation_with_only_a_diagnostic_is_an_advisory_violation(fake, monkeypatch):
    exe, _ = fake
    monkeypatch.setenv("FAKE_REMEDIATION", "diagnostic")
    result = analyze([str(exe)], STATE)
    assert result.remediations == []
    assert {(v.phase, v.diagnostic.level, v.diagnostic.message) for v in result.violations} == {
        ("remediate", EnforcementLevel.ADVISORY, "could not remediate")
    }
    assert result.exit_code == 0


def test_empty_remediation_wipes_inputs_as_the_engine_does(fake, monkeypatch):
    exe, _ = fake
    monkeypatch.setenv("FAKE_REMEDIATION", "empty")
    result = analyze([str(exe)], STATE)
    ok = next(r for r in result.remediations if r.resource_name == "ok")
    assert ok.before == {"value": True} and ok.after == {}
    assert result.final_inputs[ok.urn] == {}


def test_executable_wrapping_a_pulumi_policy_pack(tmp_path):
    exe = write_executable(
        tmp_path / "run-inspect",
        f'exec "{sys.executable}" -u -m pulumi.policy "$@" "{os.path.abspath(pack("s3-rules"))}"',
    )
    result = analyze([str(exe)], STATE)
    assert result.errors == []
    assert result.packs[0].name == "s3-rules"
    assert result.packs[0].version == "0.0.1"  # no PulumiPolicy.yaml beside the executable


def test_stop_escalates_to_sigkill(tmp_path):
    # A process that ignores SIGINT must still be gone after stop().
    from policy_host.engine.launch import LaunchSpec, PluginProcess

    script = tmp_path / "stubborn.py"
    script.write_text(
        "import signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "sys.stdout.write('12345\\n'); sys.stdout.flush()\n"
        "time.sleep(3600)\n"
    )
    spec = LaunchSpec(
        name="stubborn",
        mode="executable",
        argv=(sys.executable, str(script)),
        cwd=str(tmp_path),
        env=dict(os.environ),
    )
    proc = PluginProcess.start(spec, port_timeout=30)
    assert proc.port == 12345
    proc.stop(grace=0.5)
    assert proc.returncode is not None and proc.returncode < 0


def test_engine_server_collects_log_calls_and_root_resource():
    import grpc
    from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

    from policy_host.engine.engine_server import EngineServer, LogEntry

    seen = []
    with EngineServer(root_urn="urn:root", on_log=seen.append) as server:
        assert server.address.startswith("127.0.0.1:")
        with grpc.insecure_channel(server.address) as channel:
            stub = engine_pb2_grpc.EngineStub(channel)
            stub.Log(engine_pb2.LogRequest(severity=engine_pb2.WARNING, message="careful", urn="urn:x"))
            assert stub.GetRootResource(engine_pb2.GetRootResourceRequest()).urn == "urn:root"
            stub.SetRootResource(engine_pb2.SetRootResourceRequest(urn="urn:other"))
            assert stub.GetRootResource(engine_pb2.GetRootResourceRequest()).urn == "urn:other"
        assert server.logs() == [LogEntry(severity="warning", message="careful", urn="urn:x")]
        assert seen == server.logs()
