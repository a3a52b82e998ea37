"""``--in-process``: the same sequence with a servicer called directly instead of a pack process."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel as PolicyLevel
from pulumi_policy import ResourceValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from policy_host.engine import PackSpec
from policy_host.model import EnforcementLevel

from .conftest import analyze, export_with, fake_analyzer_exe, pack, res


def verdicts(result):
    return {
        "violations": sorted(
            (
                v.diagnostic.pack_name,
                v.diagnostic.policy_name,
                v.diagnostic.level,
                v.diagnostic.severity,
                v.diagnostic.urn,
                v.diagnostic.message,
                v.phase,
            )
            for v in result.violations
        ),
        "remediations": [(r.policy_name, r.urn, r.before, r.after) for r in result.remediations],
        "summaries": [(s.pack_name, s.phase, s.urn, s.passed, s.failed) for s in result.summaries],
        "bail": result.bail,
        "errors": result.errors,
    }


@pytest.mark.parametrize("packs", [["s3-rules", "remediator"], ["stack-policy"]])
def test_our_host_in_process_gives_pulumi_policy_verdicts(s3bucket, packs):
    specs = [pack(p) for p in packs]
    reference = analyze(specs, s3bucket)
    ours = analyze(specs, s3bucket, in_process=True)
    assert [p.mode for p in ours.packs] == ["in-process"] * len(packs)
    assert verdicts(ours) == verdicts(reference)


def _never(args, report_violation):
    pass


def _flag(args, report_violation):
    if args.props.get("flag"):
        report_violation("flag set")


def _boom(args, report_violation):
    raise RuntimeError("policy bug")


def reference_factory(*policies):
    """Build pulumi_policy's own servicer in this process (its Handshake/Cancel are UNIMPLEMENTED)."""

    def factory(pack_dir, stack):
        return _PolicyAnalyzerServicer("inproc", "0.0.1", list(policies), PolicyLevel.ADVISORY)

    return factory


STATE = export_with([res("a", inputs={"flag": True}), res("b")])


def test_in_process_client_drives_any_servicer(tmp_path):
    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 4.5.6\n")
    factory = reference_factory(
        ResourceValidationPolicy("flag", "No flags.", _flag, enforcement_level=PolicyLevel.MANDATORY)
    )
    result = analyze([str(tmp_path)], STATE, in_process=True, servicer_factory=factory)
    assert result.errors == []
    (v,) = result.violations
    assert (v.diagnostic.policy_name, v.diagnostic.level, v.diagnostic.pack_version) == (
        "flag",
        EnforcementLevel.MANDATORY,
        "4.5.6",
    )
    assert v.resource_name == "a"
    assert result.bail == "step generator errored"


def test_in_process_servicer_exception_is_an_rpc_failure(tmp_path):
    factory = reference_factory(ResourceValidationPolicy("boom", "Raises.", _boom))
    result = analyze([str(tmp_path)], STATE, in_process=True, servicer_factory=factory)
    assert result.errors == ["failed to run policy: Exception calling application: policy bug"]


def test_in_process_needs_a_directory(tmp_path):
    exe = fake_analyzer_exe(tmp_path)
    result = analyze([PackSpec(str(exe))], STATE, in_process=True)
    assert result.errors == [f"--in-process needs a pack directory; {exe} is a file"]
