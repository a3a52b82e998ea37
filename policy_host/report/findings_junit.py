"""``policy-host report --format junit``: one test case per enabled policy per entity, for CI systems.

Suites are entities (``stack org/project/stack``, ``account prod/us-east-1``). A case is named
``<pack>/<policy>`` with classname ``<pack>.<policy>``; it fails (``type`` = the level) when the policy
has non-exempt violations on the entity (the message counts them, the body lists each active issue), it
is an error when the policy itself failed to run, and passes otherwise (waived violations are listed in
``system-out``). Run errors become an error case in a ``policy-host`` suite, as in analyze's JUnit.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby

from ..findings.report_data import FindingsReport, PolicyCase
from .shared import junit_text, new_counts, set_counts


def render_findings_junit(report: FindingsReport) -> str:
    root = ET.Element("testsuites", name="policy-host findings")
    totals = new_counts()
    for (etype, entity), cases in groupby(report.cases, key=lambda c: (c.entity_type, c.entity)):
        suite = ET.SubElement(root, "testsuite", name=f"{etype} {entity}")
        counts = new_counts()
        for case in cases:
            _case(suite, case, counts)
        set_counts(suite, counts)
        for k in totals:
            totals[k] += counts[k]
    if report.errors:
        suite = ET.SubElement(root, "testsuite", name="policy-host")
        case = ET.SubElement(suite, "testcase", classname="policy-host", name="runs")
        error = ET.SubElement(case, "error", message=report.errors[0], type="error")
        error.text = "\n".join(report.errors)
        set_counts(suite, {"tests": 1, "errors": 1})
        totals["tests"] += 1
        totals["errors"] += 1
    set_counts(root, totals)
    return junit_text(root)


def _case(suite: ET.Element, case: PolicyCase, counts: dict[str, int]) -> None:
    element = ET.SubElement(
        suite, "testcase", classname=f"{case.pack}.{case.policy}", name=f"{case.pack}/{case.policy}"
    )
    props = ET.SubElement(element, "properties")
    for name, value in (
        ("packVersion", case.pack_version),
        ("level", case.level),
        ("severity", case.severity),
        ("group", case.group),
    ):
        if value:
            ET.SubElement(props, "property", name=name, value=value)
    counts["tests"] += 1
    if case.errored:
        error = ET.SubElement(element, "error", type="policy-error", message="the policy failed to run")
        error.text = _listing(case)
        counts["errors"] += 1
    elif not case.passing:
        n = len(case.issues)
        failure = ET.SubElement(
            element,
            "failure",
            type=case.level,
            message=f"{n} violation{'s' if n != 1 else ''}" if n else "violations",
        )
        failure.text = _listing(case)
        counts["failures"] += 1
    if case.exempted:
        out = ET.SubElement(element, "system-out")
        out.text = f"{case.exempted} violation(s) waived by exemptions"


def _listing(case: PolicyCase) -> str:
    lines = []
    for issue in case.issues:
        target = f"{issue.resource_type}: {issue.resource_name}" if issue.resource_type else "stack"
        lines.append(f"#{issue.id} [{issue.status}] {target}\n{issue.message}")
    return "\n\n".join(lines)
