"""``policy-host report``: SARIF valid against the official 2.1.0 schema with rule metadata, JUnit that CI
systems read, JSON and CSV, and the HTML report rendered by a real headless Chromium (screenshot, DOM,
client-side filters, no network)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from policy_host.findings import record_run
from policy_host.findings.posture import Selection
from policy_host.findings.query import IssueFilter, list_issues
from policy_host.findings.report_data import gather
from policy_host.findings.triage import IssueEdit, edit_issues
from policy_host.model import EnforcementLevel, PackInfo, PolicyInfo, PolicyType, Severity
from policy_host.registry.archive import build_archive
from policy_host.registry.packs import publish
from policy_host.report.findings_html import render_findings_html
from policy_host.report.findings_json import build_findings_json
from policy_host.report.findings_junit import render_findings_junit
from policy_host.report.findings_sarif import build_findings_sarif
from tests._storekit import write_pack
from tests.findings.builders import day, fail, policy, resource, run

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

ENC = policy("aws", "encryption", level="mandatory", severity="high", group="baseline")
TAGS = policy("aws", "tags", severity="low", group="baseline")
MFA = policy("cis", "mfa", level="mandatory", severity="critical", group="accounts")
ROOT = policy("cis", "root-keys", severity="medium", group="accounts")

AWS_INFO = PackInfo(
    name="aws",
    version="1.0.0",
    policies=(
        PolicyInfo(
            name="encryption",
            description="Buckets are encrypted at rest.",
            policy_type=PolicyType.RESOURCE,
            enforcement_level=EnforcementLevel.MANDATORY,
            severity=Severity.HIGH,
            remediation_steps="Set serverSideEncryptionConfiguration on the bucket.",
            url="https://example.com/policies/encryption",
            tags=("encryption",),
        ),
        PolicyInfo(
            name="tags",
            description="Resources carry an owner tag.",
            policy_type=PolicyType.RESOURCE,
            enforcement_level=EnforcementLevel.ADVISORY,
            severity=Severity.LOW,
        ),
    ),
)
B0, B1, Q0 = resource("b0"), resource("b1"), resource("q0", "aws:sqs/queue:Queue")
U1, U2 = resource("u1", "aws:iam/user:User"), resource("u2", "aws:iam/user:User")


@pytest.fixture
def findings(store, tmp_path):
    """Two stacks and an account, three days of runs; cis is in the registry, aws's metadata came with
    the run. One issue exempted, one ignored, one fixed."""
    cis_dir = write_pack(tmp_path, "cis", "2.0.0", [{"name": "mfa"}, {"name": "root-keys"}])
    cis_info = PackInfo(
        name="cis",
        version="1.0.0",
        policies=(
            PolicyInfo(
                "mfa",
                "Users have MFA.",
                PolicyType.RESOURCE,
                EnforcementLevel.MANDATORY,
                severity=Severity.CRITICAL,
                remediation_steps="Enable an MFA device for the user.",
            ),
            PolicyInfo("root-keys", "No root access keys.", PolicyType.RESOURCE, EnforcementLevel.ADVISORY),
        ),
    )
    with store.transaction() as s:
        publish(s, cis_info, build_archive(cis_dir))
        for at in (0, 1):
            record_run(
                s,
                run(
                    "acme/shop/prod",
                    [B0, B1, Q0],
                    [ENC, TAGS],
                    [fail(B0, ENC, "b0 is not encrypted"), fail(Q0, TAGS, "q0 has no owner")]
                    + ([fail(B1, ENC, "b1 is not encrypted")] if at == 0 else []),
                    at=at,
                ),
                packs=[AWS_INFO],
            )
        record_run(
            s,
            run("acme/shop/dev", [B0], [ENC, TAGS], [fail(B0, TAGS, exemption="ex-dev")], at=1),
            packs=[AWS_INFO],
        )
        record_run(
            s,
            run(
                "prod/us-east-1",
                [U1, U2],
                [MFA, ROOT],
                [fail(U1, MFA, "u1 has no MFA"), fail(U2, MFA, "u2 has no MFA")],
                at=2,
                account=True,
            ),
        )
    with store.read() as s:
        u2 = next(i.id for i in list_issues(s) if i.resource_name == "u2")
    with store.transaction() as s:
        edit_issues(s, [u2], IssueEdit(status="ignored", justification="break-glass user"), actor="alice")
    return store


def report_of(store, **kw):
    with store.read() as s:
        return gather(
            s, kw.pop("selection", Selection()), now=day(3), since=day(-1), tool_version="0.1.0", **kw
        )


def test_sarif_is_valid_and_carries_rule_metadata(findings):
    report = report_of(findings)
    log = json.loads(json.dumps(build_findings_sarif(report)))  # exactly what gets written
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(log)] == []

    (sarif_run,) = log["runs"]
    rules = {r["id"]: r for r in sarif_run["tool"]["driver"]["rules"]}
    assert set(rules) == {"aws/encryption", "aws/tags", "cis/mfa", "cis/root-keys"}
    enc = rules["aws/encryption"]  # metadata given with the run
    assert enc["fullDescription"]["text"] == "Buckets are encrypted at rest."
    assert enc["help"]["text"] == "Set serverSideEncryptionConfiguration on the bucket."
    assert enc["helpUri"] == "https://example.com/policies/encryption"
    assert enc["properties"]["security-severity"] == "8.0" and enc["properties"]["severity"] == "high"
    assert enc["defaultConfiguration"] == {"level": "error"}
    mfa = rules["cis/mfa"]  # metadata from the registry
    assert mfa["help"]["text"] == "Enable an MFA device for the user."
    assert mfa["properties"]["security-severity"] == "9.5"
    assert rules["cis/root-keys"]["help"]["text"] == "No root access keys."  # no steps: the description

    results = sarif_run["results"]
    assert len(results) == 5  # active issues: b0/enc, q0/tags, dev b0/tags (exempted), u1, u2 (ignored)
    by_name = {
        r["locations"][0]["logicalLocations"][0]["name"]: r for r in results if r["ruleId"] != "aws/tags"
    }
    assert by_name["b0"]["level"] == "error" and by_name["b0"]["message"]["text"] == "b0 is not encrypted"
    assert by_name["u2"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "break-glass user"}
    ]
    exempted = next(r for r in results if r["properties"]["status"] == "exempted")
    assert exempted["suppressions"][0]["justification"] == "reason of ex-dev"
    for r in results:
        assert sarif_run["tool"]["driver"]["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["partialFingerprints"]["policyHostIssue/v1"]
    assert len({r["partialFingerprints"]["policyHostIssue/v1"] for r in results}) == 5

    with_fixed = build_findings_sarif(report_of(findings, include_fixed=True))
    states = {
        r["locations"][0]["logicalLocations"][0]["name"]: r["baselineState"]
        for r in with_fixed["runs"][0]["results"]
        if r["ruleId"] == "aws/encryption"
    }
    assert states["b1"] == "absent"  # fixed on day 1
    assert [e.message for e in validator.iter_errors(json.loads(json.dumps(with_fixed)))] == []


def test_junit_one_case_per_policy_and_entity(findings):
    root = ET.fromstring(render_findings_junit(report_of(findings)))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"stack acme/shop/prod", "stack acme/shop/dev", "account prod/us-east-1"}
    cases = {
        (suite_name, c.get("name")): c
        for suite_name, suite in suites.items()
        for c in suite.findall("testcase")
    }
    assert len(cases) == 6  # 2 policies x 3 entities
    prod_enc = cases[("stack acme/shop/prod", "aws/encryption")].find("failure")
    assert prod_enc.get("type") == "mandatory" and prod_enc.get("message") == "1 violation"
    assert "b0 is not encrypted" in prod_enc.text and "b1" not in prod_enc.text  # b1 is fixed
    dev_tags = cases[("stack acme/shop/dev", "aws/tags")]
    assert dev_tags.find("failure") is None  # waived
    assert "waived by exemptions" in dev_tags.find("system-out").text
    assert cases[("stack acme/shop/dev", "aws/encryption")].find("failure") is None
    mfa = cases[("account prod/us-east-1", "cis/mfa")].find("failure")
    assert mfa.get("message") == "2 violations"  # the ignored one still fails the check
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "3", "0")
    assert suites["stack acme/shop/prod"].get("failures") == "2"


def test_json_and_csv_reports(findings):
    report = report_of(findings)
    data = build_findings_json(report)
    assert data["schemaVersion"] == 1 and data["selection"] == "everything"
    posture = data["posture"]
    # prod: 0/2 policies (both fail), dev: 2/2 (tags waived), account: 1/2 (mfa fails)
    assert posture["policyCompliance"] == {"passing": 3, "total": 6, "score": 50.0}
    # prod: b1 of b0, b1, q0; dev: b0 (waived); account: neither user
    assert posture["resourceCompliance"] == {"passing": 2, "total": 6, "score": 33.33}
    assert [(r["entityType"], r["key"]) for r in posture["rows"]] == [
        ("account", "prod/us-east-1"),
        ("stack", "acme/shop/dev"),
        ("stack", "acme/shop/prod"),
    ]
    assert data["changes"]["new"] == 6 and data["changes"]["fixed"] == 1
    assert len(data["trend"]) == 4
    assert len(data["issues"]) == 5

    done = subprocess.run(
        [sys.executable, "-m", "policy_host", "report", "--format", "csv", "--account", "prod"],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert sorted((r["resourceName"], r["status"]) for r in rows) == [("u1", "open"), ("u2", "ignored")]


def test_selection_of_one_run(findings):
    with findings.read() as s:
        first_prod_run = list_issues(
            s, IssueFilter(resource_types=("aws:s3/bucket:Bucket",), include_fixed=True)
        )[0].first_run_id
    report = report_of(findings, selection=Selection(run_id=first_prod_run), include_fixed=True)
    assert sorted(i.resource_name for i in report.issues) == ["b0", "b1", "q0"]
    assert {(c.entity, c.policy) for c in report.cases} == {
        ("acme/shop/prod", "encryption"),
        ("acme/shop/prod", "tags"),
    }


# ---------------------------------------------------------------------------------------------
# HTML in a real browser
# ---------------------------------------------------------------------------------------------


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium (.ci/run installs it)")
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_html_report_in_headless_chromium(findings, tmp_path):
    out = tmp_path / "findings.html"
    done = subprocess.run(
        [sys.executable, "-m", "policy_host", "report", "--format", "html", "--out", str(out)],
        cwd=REPO,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    # One self-contained file: nothing to fetch, and the page's policy forbids fetching anyway.
    assert not re.search(r"https?://", html)
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html)
    assert "default-src 'none'" in html

    shot = tmp_path / "findings.png"
    taken = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", out.as_uri())
    assert shot.exists(), taken.stderr[-2000:]
    assert png_size(shot) == (1280, 2000)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one

    dom = chromium(tmp_path, "--dump-dom", out.as_uri()).stdout
    assert "<h1>Policy findings</h1>" in dom
    assert 'id="trend-chart"' in dom and "<polyline" in dom
    assert re.search(r'<span id="shown">5</span> of <span id="total">5</span>', dom)
    cards = re.findall(r'<div class="value">([^<]+)</div>', dom)
    # policy 3/6, resource 2/6 (prod: b1; dev: b0 waived), entity 1/3 (dev), active issues
    assert cards == ["50%", "33%", "33%", "5"]
    heat = re.search(r'<section id="heatmap">(.*?)</section>', dom, re.S).group(1)
    assert ">N/A<" in heat and ">0<" in heat and ">100<" in heat

    # The client-side filters, preset through the URL fragment, run in the browser.
    filtered = chromium(tmp_path, "--dump-dom", out.as_uri() + "#severity=critical&status=open").stdout
    assert re.search(r'<span id="shown">1</span> of <span id="total">5</span>', filtered)
    visible = re.findall(r'<tr class="issue"(?![^>]*hidden)[^>]*data-search="([^"]*)"', filtered)
    assert len(visible) == 1 and "u1 has no mfa" in visible[0]
    searched = chromium(tmp_path, "--dump-dom", out.as_uri() + "#q=encrypted").stdout
    assert re.search(r'<span id="shown">1</span>', searched)


def test_html_render_escapes_and_handles_empty_store(store):
    with store.read() as s:
        empty = gather(s, Selection(), now=day(0))
    html = render_findings_html(empty)
    assert "No evaluations recorded for this selection." in html and "No issues." in html
    with store.transaction() as s:
        record_run(s, run("acme/shop/prod", [B0], [ENC], [fail(B0, ENC, "<script>alert(1)</script>")]))
    with store.read() as s:
        html = render_findings_html(gather(s, Selection(), now=day(1)))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
