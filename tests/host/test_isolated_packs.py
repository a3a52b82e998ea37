"""A pack whose requirements the host lacks is served from its own virtualenv and process, behind the host.

Offline: the pack's requirement is a wheel this test writes itself.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from google.protobuf import empty_pb2

from policy_host.analyzer.isolated import COMPLETE_MARKER, environment_dir, unmet_requirements
from policy_host.model import Resource
from policy_host.wire import convert

from .conftest import ENGINE_ADDRESS, PACKS, host_spec, running

URN = "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::b"


def write_wheel(directory: Path, name: str, version: str, source: str) -> Path:
    """A minimal pure-Python wheel (what `pip wheel` would produce for one module)."""
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    dist = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(f"{name}/__init__.py", source)
        z.writestr(f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        z.writestr(
            f"{dist}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: policy-host-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        z.writestr(
            f"{dist}/RECORD", f"{name}/__init__.py,,\n{dist}/METADATA,,\n{dist}/WHEEL,,\n{dist}/RECORD,,\n"
        )
    return wheel


@pytest.fixture
def needy_pack(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("POLICY_HOST_HOME", str(tmp_path / "home"))
    pack = tmp_path / "needy"
    pack.mkdir()
    write_wheel(pack, "tinylib_for_policy_tests", "1.0", 'VALUE = "answer from tinylib 1.0"\n')
    (pack / "requirements.txt").write_text(
        "pulumi-policy>=1.21\n./tinylib_for_policy_tests-1.0-py3-none-any.whl\n"
    )
    (pack / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 3.1.4\n")
    (pack / "__main__.py").write_text(
        textwrap.dedent(
            """
            import tinylib_for_policy_tests
            from pulumi_policy import PolicyPack, ResourceValidationPolicy

            def uses_lib(args, report_violation):
                report_violation(tinylib_for_policy_tests.VALUE)

            PolicyPack("needy", [ResourceValidationPolicy("uses-lib", "Uses a package the host lacks.", uses_lib)])
            """
        )
    )
    return pack


def test_unmet_requirements(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "# comment\n"
        "pulumi-policy>=1.21\n"
        "pulumi-policy<1.0\n"
        "grpcio  # trailing comment\n"
        "surely-not-installed-pkg==1.2\n"
        "something; python_version < '3'\n"
        "./local.whl\n"
        "--index-url https://example.invalid/simple\n"
        "-e ./editable\n"
    )
    assert unmet_requirements(tmp_path) == [
        "pulumi-policy<1.0",
        "surely-not-installed-pkg==1.2",
        "./local.whl",
        "-e ./editable",
    ]
    assert unmet_requirements(PACKS / "simple") == []  # no requirements.txt: satisfied


def test_pack_needing_a_package_is_served_from_its_own_environment(needy_pack):
    assert importlib.util.find_spec("tinylib_for_policy_tests") is None  # the host really lacks it
    spec = host_spec(needy_pack)
    argv = list(spec.argv)
    argv[-1:-1] = ["--pack", str(PACKS / "simple")]  # next to an in-process pack
    with running(spec.__class__(spec.name, spec.mode, tuple(argv), spec.cwd, spec.env)) as (_, stub):
        info = stub.GetAnalyzerInfo(empty_pb2.Empty())
        assert sorted(p.name for p in info.policies) == ["max-count", "no-public-acl", "uses-lib"]
        response = stub.Analyze(
            convert.analyze_request_from_resource(
                Resource("aws:s3/bucket:Bucket", URN, "b", {"acl": "public-read"})
            )
        )
    got = sorted((d.policyPackName, d.policyPackVersion, d.message) for d in response.diagnostics)
    assert got == [
        ("needy", "3.1.4", "Uses a package the host lacks.\nanswer from tinylib 1.0"),
        ("simple", "1.0.0", "No public ACLs.\nacl is public-read"),
    ]
    root = environment_dir(needy_pack)
    marker = root / COMPLETE_MARKER
    assert marker.is_file()
    built_at = marker.stat().st_mtime_ns
    with running(host_spec(needy_pack)) as (_, stub):  # a second start reuses the environment
        assert stub.GetAnalyzerInfo(empty_pb2.Empty()).name == "needy"
    assert marker.stat().st_mtime_ns == built_at


def test_failed_install_is_one_clear_error(needy_pack):
    (needy_pack / "requirements.txt").write_text("./missing-wheel-1.0-py3-none-any.whl\n")
    result = subprocess.run(
        [sys.executable, "-m", "policy_host", "serve", "--pack", str(needy_pack), ENGINE_ADDRESS],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith(f"error: policy pack {needy_pack}: installing requirements.txt failed:")
    assert "Traceback" not in result.stderr
    assert not (environment_dir(needy_pack) / COMPLETE_MARKER).exists()
