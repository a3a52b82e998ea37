"""Renderers of a RunResult: the Policies block, the JSON schema, SARIF and JUnit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from policy_host.engine.results import (
    LoadedPack,
    NotApplicableRecord,
    PackSpec,
    RemediationRecord,
    RunResult,
    Summary,
    Violation,
)
from policy_host.model import (
    Diagnostic,
    EnforcementLevel,
    PackInfo,
    PolicyConfigEntry,
    PolicyInfo,
    PolicyType,
    Severity,
)
from policy_host.report.json_report import SCHEMA_VERSION, build_report
from policy_host.report.junit import render_junit
from policy_host.report.policies_text import render_policies
from policy_host.report.sarif import build_sarif
from policy_host.wire.values import make_secret

M, A = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY
ROOT = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"
LOGS = "urn:pulumi:dev::proj::aws:s3/bucket:Bucket::logs"
DATA = "urn:pulumi:dev::proj::comp:index:Thing$aws:s3/bucket:Bucket::data"


def policy(name, type_=PolicyType.RESOURCE, level=A, severity=Severity.UNSPECIFIED, **kw):
    return PolicyInfo(name, f"{name} description", type_, level, severity=severity, **kw)


def loaded(name, version, path, *policies):
    return LoadedPack(PackSpec(path), PackInfo(name, version, tuple(policies)), "language-host", "1.21.0")


def violation(
    pack, version, policy_name, urn, level=A, severity=Severity.UNSPECIFIED, phase="analyze", msg="boom"
):
    diag = Diagnostic(
        policy_name,
        pack,
        version,
        f"{policy_name} description",
        f"{policy_name} description\n{msg}",
        urn,
        level,
        severity,
    )
    name = urn.split("::")[-1] if urn else ""
    type_ = urn.split("::")[2].split("$")[-1] if urn else ""
    return Violation(diag, phase, type_, name)


def sample() -> RunResult:
    aws = loaded(
        "aws",
        "1.0.0",
        "packs/aws",
        policy(
            "s3-prefix", level=M, severity=Severity.HIGH, remediation_steps="Rename it.", url="https://x/y"
        ),
        policy("tags", severity=Severity.LOW, tags=("cost",)),
        policy("add-tags", level=EnforcementLevel.REMEDIATE),
        policy("stack-size", PolicyType.STACK, level=M),
    )
    clean = loaded("clean", "0.1.0", "packs/clean", policy("noop"))
    result = RunResult(preview=True, stack_urn=ROOT, packs=[aws, clean])
    result.violations = [
        violation("aws", "1.0.0", "tags", LOGS, severity=Severity.LOW, msg="no tags\nat all"),
        violation("aws", "1.0.0", "s3-prefix", LOGS, M, Severity.HIGH),
        violation("aws", "1.0.0", "s3-prefix", DATA, M, Severity.HIGH),
        violation("aws", "1.0.0", "stack-size", ROOT, M, phase="analyze-stack", msg="too big"),
        violation("aws", "1.0.0", "tags", "", msg="no urn"),
        violation("aws", "1.0.0", "s3-prefix", DATA, M, Severity.CRITICAL, msg="worse"),
    ]
    result.remediations = [
        RemediationRecord(
            "aws",
            "1.0.0",
            "add-tags",
            "adds",
            LOGS,
            "aws:s3/bucket:Bucket",
            "logs",
            {"a": 1},
            {"a": 1, "t": 2},
        ),
        RemediationRecord(
            "aws",
            "1.0.0",
            "add-tags",
            "adds",
            DATA,
            "aws:s3/bucket:Bucket",
            "data",
            {},
            {"s": make_secret("pw")},
        ),
    ]
    result.not_applicable = [NotApplicableRecord("aws", "tags", "only buckets", ROOT, "analyze")]
    result.summaries = [
        Summary("aws", "1.0.0", "analyze", LOGS, ("add-tags",), ("s3-prefix", "tags")),
        Summary("aws", "1.0.0", "analyze", ROOT, ("add-tags", "s3-prefix"), ()),
        Summary("aws", "1.0.0", "analyze-stack", ROOT, (), ("stack-size",)),
        Summary("clean", "0.1.0", "analyze", LOGS, ("noop",), ()),
    ]
    result.resources_analyzed = [ROOT, LOGS, DATA]
    result.stack_analyzed = True
    result.bail = "step generator errored"
    return result


# ---------------------------------------------------------------------------------------------
# Policies block
# ---------------------------------------------------------------------------------------------


def test_policies_block_format():
    expected = "\n".join(
        [
            "Policies:",
            "    ❌ aws@v1.0.0 (local: packs/aws)",
            "        - [remediate]  add-tags  (2 resources)",
            "        - [mandatory] [severity: critical]  s3-prefix  (aws:s3/bucket:Bucket: data)",
            "          s3-prefix description",
            "          worse",
            # Same level, severity and policy: by URN ("...::aws:s3..." sorts before "...::comp:index...").
            "        - [mandatory] [severity: high]  s3-prefix  (aws:s3/bucket:Bucket: logs)",
            "          s3-prefix description",
            "          boom",
            "        - [mandatory] [severity: high]  s3-prefix  (aws:s3/bucket:Bucket: data)",
            "          s3-prefix description",
            "          boom",
            "        - [mandatory]  stack-size  (pulumi:pulumi:Stack: proj-dev)",
            "          stack-size description",
            "          too big",
            "        - [advisory] [severity: low]  tags  (aws:s3/bucket:Bucket: logs)",
            "          tags description",
            "          no tags",
            "          at all",
            "        - [advisory]  tags",
            "          tags description",
            "          no urn",
            "    ✅ clean@v0.1.0 (local: packs/clean)",
            "",
            "",
        ]
    )
    assert render_policies(sample()) == expected


def test_advisory_only_marker_and_one_resource_wording():
    result = RunResult(packs=[loaded("p", "1", "a", policy("x")), loaded("p", "1", "b", policy("x"))])
    result.violations = [violation("p", "1", "x", LOGS)]
    result.remediations = [RemediationRecord("p", "1", "fix", "", LOGS, "t", "logs", {}, {"a": 1})]
    text = render_policies(result)
    # Two local paths of the same name@version share one header.
    assert text.splitlines()[1] == "    ⚠️ p@v1 (local: a; b)"
    assert text.splitlines()[2] == "        - [remediate]  fix  (1 resource)"


def test_no_packs_no_block():
    assert render_policies(RunResult()) == ""


# ---------------------------------------------------------------------------------------------
# JSON schema
# ---------------------------------------------------------------------------------------------

TOP_KEYS = {
    "schemaVersion",
    "tool",
    "mode",
    "source",
    "stack",
    "outcome",
    "packs",
    "violations",
    "remediations",
    "notApplicable",
    "summaries",
    "errors",
    "pluginOutput",
    "engineLogs",
}


def test_json_schema_is_stable():
    report = build_report(sample(), tool_version="0.1.0", source="state.json", project="proj", stack="dev")
    assert set(report) == TOP_KEYS
    assert report["schemaVersion"] == SCHEMA_VERSION == 1
    assert report["mode"] == "preview"
    assert report["stack"] == {"organization": "", "project": "proj", "stack": "dev", "urn": ROOT}
    assert report["outcome"] == {
        "passed": False,
        "exitCode": 1,
        "bail": "step generator errored",
        "mandatoryViolations": 4,
        "advisoryViolations": 2,
        "remediations": 2,
        "resourcesAnalyzed": 3,
        "stackAnalyzed": True,
    }
    assert set(report["packs"][0]) == {
        "name",
        "version",
        "path",
        "mode",
        "pluginVersion",
        "description",
        "supportsConfig",
        "policies",
        "config",
    }
    assert set(report["packs"][0]["policies"][0]) == {
        "name",
        "type",
        "enforcementLevel",
        "severity",
        "description",
    }
    v = report["violations"][0]
    assert v == {
        "pack": "aws",
        "packVersion": "1.0.0",
        "policy": "tags",
        "level": "advisory",
        "severity": "low",
        "phase": "analyze",
        "urn": LOGS,
        "resourceType": "aws:s3/bucket:Bucket",
        "resourceName": "logs",
        "description": "tags description",
        "message": "tags description\nno tags\nat all",
    }
    assert report["violations"][3]["severity"] is None
    assert set(report["remediations"][0]) == {
        "pack",
        "packVersion",
        "policy",
        "description",
        "urn",
        "resourceType",
        "resourceName",
        "before",
        "after",
    }
    assert report["remediations"][1]["after"] == {"s": "[secret]"}  # secrets never leave in reports
    assert report["notApplicable"] == [
        {"pack": "aws", "policy": "tags", "phase": "analyze", "urn": ROOT, "reason": "only buckets"}
    ]
    assert report["summaries"][0] == {
        "pack": "aws",
        "packVersion": "1.0.0",
        "phase": "analyze",
        "urn": LOGS,
        "passed": ["add-tags"],
        "failed": ["s3-prefix", "tags"],
    }
    json.dumps(report)  # plain data throughout


def test_json_pack_config_shape():
    result = sample()
    result.packs[0].config = {
        "tags": PolicyConfigEntry(M, {"k": make_secret("v")}),
        "all": PolicyConfigEntry(None, {}),
    }
    config = build_report(result)["packs"][0]["config"]
    assert config == {
        "all": {"enforcementLevel": None, "properties": {}},
        "tags": {"enforcementLevel": "mandatory", "properties": {"k": "[secret]"}},
    }


# ---------------------------------------------------------------------------------------------
# SARIF (structural checks: the official 2.1.0 schema is not available from an installed package)
# ---------------------------------------------------------------------------------------------


def test_sarif_structure_for_github_code_scanning():
    log = build_sarif(sample(), tool_version="0.1.0", source="state.json")
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "policy-host" and driver["version"] == "0.1.0"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["aws/s3-prefix", "aws/tags", "aws/add-tags", "aws/stack-size", "clean/noop"]
    assert len(set(ids)) == len(ids)
    prefix = driver["rules"][0]
    assert prefix["shortDescription"] == {"text": "s3-prefix description"}
    assert prefix["help"]["text"] == "Rename it."
    assert prefix["helpUri"] == "https://x/y"
    assert prefix["properties"]["security-severity"] == "8.0"
    assert "security" in prefix["properties"]["tags"]
    assert prefix["defaultConfiguration"] == {"level": "error"}
    tags = driver["rules"][1]
    assert tags["properties"]["security-severity"] == "2.0" and tags["properties"]["tags"] == [
        "cost",
        "security",
    ]
    assert "security-severity" not in driver["rules"][3]["properties"]
    results = run["results"]
    assert len(results) == 6
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("error", "warning")
        assert r["message"]["text"]
        (location,) = r["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "state.json"
        assert location["logicalLocations"][0]["kind"] == "resource"
        assert r["partialFingerprints"]
    first = results[0]
    assert (first["ruleId"], first["level"]) == ("aws/tags", "warning")
    assert first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == LOGS
    assert results[1]["level"] == "error"
    # Distinct results get distinct fingerprints.
    assert len({json.dumps(r["partialFingerprints"]) for r in results}) == 6
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_sarif_reports_run_errors_as_notifications():
    result = RunResult(errors=["failed to run policy: boom"])
    (run,) = build_sarif(result)["runs"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert (
        run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        == "failed to run policy: boom"
    )
    assert run["results"] == []


# ---------------------------------------------------------------------------------------------
# JUnit
# ---------------------------------------------------------------------------------------------


def test_junit_one_case_per_policy_and_resource():
    root = ET.fromstring(render_junit(sample()))
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"aws@v1.0.0", "clean@v0.1.0"}
    aws = suites["aws@v1.0.0"]
    cases = {(c.get("classname"), c.get("name")): c for c in aws.findall("testcase")}
    assert set(cases) == {
        ("aws.add-tags", "add-tags (aws:s3/bucket:Bucket: logs)"),
        ("aws.s3-prefix", "s3-prefix (aws:s3/bucket:Bucket: logs)"),
        ("aws.tags", "tags (aws:s3/bucket:Bucket: logs)"),
        ("aws.add-tags", "add-tags (pulumi:pulumi:Stack: proj-dev)"),
        ("aws.s3-prefix", "s3-prefix (pulumi:pulumi:Stack: proj-dev)"),
        ("aws.tags", "tags (pulumi:pulumi:Stack: proj-dev)"),
        ("aws.stack-size", "stack-size (stack)"),
    }
    failure = cases[("aws.s3-prefix", "s3-prefix (aws:s3/bucket:Bucket: logs)")].find("failure")
    assert failure.get("type") == "mandatory" and "boom" in failure.text
    advisory = cases[("aws.tags", "tags (aws:s3/bucket:Bucket: logs)")].find("failure")
    assert advisory.get("type") == "advisory"
    assert cases[("aws.tags", "tags (pulumi:pulumi:Stack: proj-dev)")].find("skipped").get("message") == (
        "not applicable: only buckets"
    )
    assert cases[("aws.stack-size", "stack-size (stack)")].find("failure").get("type") == "mandatory"
    assert cases[("aws.add-tags", "add-tags (aws:s3/bucket:Bucket: logs)")].find("failure") is None
    assert (aws.get("tests"), aws.get("failures"), aws.get("skipped")) == ("7", "3", "1")
    assert root.get("tests") == "8" and root.get("failures") == "3"


@pytest.mark.parametrize("errors", [['policy pack "x" failed to start: boom']])
def test_junit_errors_make_an_error_case(errors):
    root = ET.fromstring(render_junit(RunResult(errors=errors)))
    (case,) = root.iter("testcase")
    assert case.find("error").get("message") == errors[0]
    assert root.get("errors") == "1"


def test_sarif_validates_against_the_official_schema():
    import jsonschema

    schema_file = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    with_results = json.loads(json.dumps(build_sarif(sample(), tool_version="0.1.0", source="state.json")))
    assert with_results["runs"][0]["results"]  # the validated log really has results and rules
    assert with_results["runs"][0]["tool"]["driver"]["rules"]
    failed = json.loads(json.dumps(build_sarif(RunResult(errors=["failed to run policy: boom"]))))
    for log in (with_results, failed):
        assert [e.message for e in validator.iter_errors(log)] == []
