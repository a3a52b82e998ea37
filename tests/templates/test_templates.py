"""Pack templates: listing, rendering, the refusal of a non-empty destination, the rendered packs'
own tests (run with pytest in a subprocess), serving a rendered pack with pulumi_policy's server, and
the ``policy-host new`` command."""

import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc

from policy_host.errors import UsageError
from policy_host.templates import list_templates, module_name, render

TEMPLATES = ["aws-python", "azure-python", "gcp-python", "kubernetes-python", "tagging-remediation-python"]
CLI = [sys.executable, "-m", "policy_host"]


def test_lists_every_template_with_a_description():
    templates = list_templates()
    assert [t.name for t in templates] == TEMPLATES
    assert all(t.description for t in templates)


@pytest.mark.parametrize(
    "name, module", [("my-pack", "my_pack_policies"), ("9lives.v2", "pack_9lives_v2_policies")]
)
def test_module_names_are_identifiers_unique_per_pack(name, module):
    assert module_name(name) == module
    assert module.isidentifier()


def test_render_substitutes_the_pack_name_everywhere(tmp_path):
    dest = render("aws-python", tmp_path / "acme-guard")
    files = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert files == [
        ".gitignore",
        "PulumiPolicy.yaml",
        "__main__.py",
        "acme_guard_policies.py",
        "requirements.txt",
        "tests/buckets.policy-test.yaml",
        "tests/test_policies.py",
    ]
    for path in dest.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert "__PACK_NAME__" not in text and "template_policies" not in text, path
    assert 'PolicyPack(name="acme-guard"' in (dest / "__main__.py").read_text()
    assert "from acme_guard_policies import POLICIES" in (dest / "__main__.py").read_text()


def test_explicit_name_and_existing_empty_directory(tmp_path):
    (tmp_path / "out").mkdir()
    dest = render("gcp-python", tmp_path / "out", "org.gcp-guard")
    assert (dest / "org_gcp_guard_policies.py").is_file()
    assert 'name="org.gcp-guard"' in (dest / "__main__.py").read_text()


def test_refuses_a_non_empty_destination(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match=r"is not empty; choose a new or empty directory"):
        render("aws-python", tmp_path, "p")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(
    "template, name, message",
    [
        ("nope-python", "p", "unknown template 'nope-python'; available: aws-python, "),
        ("aws-python", "has space", "invalid pack name 'has space'"),
        ("aws-python", "all/of/it", "invalid pack name"),
    ],
)
def test_bad_arguments_fail_with_one_clear_line(tmp_path, template, name, message):
    with pytest.raises(UsageError, match=message):
        render(template, tmp_path / "dest", name)
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("template", TEMPLATES)
def test_rendered_pack_tests_pass(tmp_path, template):
    dest = render(template, tmp_path / f"{template}-pack")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider"],
        cwd=dest,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "failed" not in run.stdout
    passed = [line.split()[1] for line in run.stdout.splitlines() if line.startswith("PASSED ")]
    # the kit's pytest tests, an unknown-value test and the YAML cases (through the pytest11 plugin) ran
    assert any(p.startswith("tests/test_policies.py::test_unknown_") for p in passed), passed
    assert any(".policy-test.yaml::" in p for p in passed), passed


@pytest.mark.parametrize("template", TEMPLATES)
def test_rendered_pack_serves_under_pulumi_policy(tmp_path, template):
    dest = render(template, tmp_path / "served")
    proc = subprocess.Popen([sys.executable, "-u", str(dest)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port = proc.stdout.readline().decode().strip()
        assert port.isdigit(), proc.stderr.read().decode()
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty())
        assert info.name == "served"
        assert len(info.policies) == 1
    finally:
        proc.kill()
        proc.wait()


def test_cli_new_and_list(tmp_path):
    listed = subprocess.run([*CLI, "new", "--list"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == TEMPLATES

    created = subprocess.run(
        [*CLI, "new", "kubernetes-python", str(tmp_path / "k8s"), "--name", "k8s-guard"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    assert "Created policy pack 'k8s-guard' from template 'kubernetes-python'" in created.stdout
    assert (tmp_path / "k8s" / "k8s_guard_policies.py").is_file()

    again = subprocess.run(
        [*CLI, "new", "kubernetes-python", str(tmp_path / "k8s")], capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 2
    assert (
        again.stderr.strip()
        == f"error: destination {tmp_path / 'k8s'} is not empty; choose a new or empty directory"
    )


def test_cli_new_without_arguments_is_a_usage_error():
    run = subprocess.run([*CLI, "new"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().startswith("error: usage: policy-host new TEMPLATE DIR")


def test_template_sources_are_not_collected_by_the_repository_suite():
    # The templates' own tests only make sense once rendered; keep them out of the repo's test paths.
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert not any("templates" in p for p in config["tool"]["pytest"]["ini_options"]["testpaths"])
