"""JUnit XML for ``policy-host analyze --format junit``: one test case per policy per resource checked.

Test suites are packs (``<pack>@v<version>``). Cases come from the per-resource Analyze summaries and
the per-stack AnalyzeStack summary: a policy that passed is a passing case, a policy that failed is a case
with one ``<failure>`` (``type`` = the level; every violation message in the body), a not-applicable
policy is a skipped case. Disabled policies produce no case. Run errors become an ``<error>`` case in a
``policy-host`` suite, so CI marks the run broken rather than green.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ..engine.results import ANALYZE, ANALYZE_STACK, RunResult, Violation
from ..sources.urn import urn_name, urn_type
from .shared import junit_text, new_counts, set_counts


def render_junit(result: RunResult) -> str:
    root = ET.Element("testsuites", name="policy-host analyze")
    violations: dict[tuple[str, str, str, str], list[Violation]] = defaultdict(list)
    for v in result.violations:
        key = (v.diagnostic.pack_name, v.diagnostic.policy_name, v.diagnostic.urn, v.phase)
        violations[key].append(v)
    not_applicable = {(n.pack_name, n.policy_name, n.urn, n.phase): n.reason for n in result.not_applicable}

    totals = new_counts()
    for pack in result.packs:
        suite = ET.SubElement(root, "testsuite", name=f"{pack.name}@v{pack.version}")
        counts = new_counts()
        for summary in result.summaries:
            if summary.pack_name != pack.name or summary.phase not in (ANALYZE, ANALYZE_STACK):
                continue
            target = (
                "stack"
                if summary.phase == ANALYZE_STACK
                else f"{urn_type(summary.urn)}: {urn_name(summary.urn)}"
            )
            names = [(n, "pass") for n in summary.passed] + [(n, "fail") for n in summary.failed]
            names += [
                (policy, "skip")
                for (p, policy, urn, phase) in not_applicable
                if p == pack.name and urn == summary.urn and phase == summary.phase
            ]
            for policy, outcome in sorted(names):
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"{pack.name}.{policy}",
                    name=f"{policy} ({target})",
                )
                ET.SubElement(case, "properties").append(
                    ET.Element("property", name="urn", value=summary.urn)
                )
                counts["tests"] += 1
                if outcome == "fail":
                    if summary.phase == ANALYZE_STACK:
                        # Stack policies may name any resource; the case is per policy on the stack.
                        found = [
                            v
                            for (p, name, _urn, phase), vs in violations.items()
                            if p == pack.name and name == policy and phase == ANALYZE_STACK
                            for v in vs
                        ]
                    else:
                        found = violations.get((pack.name, policy, summary.urn, summary.phase), [])
                    level = "mandatory" if any(v.mandatory for v in found) else "advisory"
                    failure = ET.SubElement(
                        case,
                        "failure",
                        type=level,
                        message=found[0].diagnostic.message.split("\n")[-1] if found else "violation",
                    )
                    failure.text = "\n\n".join(v.diagnostic.message for v in found)
                    counts["failures"] += 1
                elif outcome == "skip":
                    reason = not_applicable.get((pack.name, policy, summary.urn, summary.phase), "")
                    ET.SubElement(case, "skipped", message=f"not applicable{': ' + reason if reason else ''}")
                    counts["skipped"] += 1
        set_counts(suite, counts)
        for k in totals:
            totals[k] += counts[k]

    if result.errors:
        suite = ET.SubElement(root, "testsuite", name="policy-host")
        case = ET.SubElement(suite, "testcase", classname="policy-host", name="run")
        error = ET.SubElement(case, "error", message=result.errors[0], type="error")
        error.text = "\n".join(result.errors)
        set_counts(suite, {"tests": 1, "failures": 0, "errors": 1, "skipped": 0})
        totals["tests"] += 1
        totals["errors"] += 1
    set_counts(root, totals)
    return junit_text(root)
