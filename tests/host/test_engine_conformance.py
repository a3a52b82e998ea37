"""Conformance through the engine double: whole runs of real packs over real stack exports, driven by the
engine driver exactly as `pulumi preview` drives packs, under pulumi_policy's own server and under
policy-host. The engine-visible outcome must be identical: violations (after the engine's rules),
remediations with before/after, not-applicable results, per-pack summaries, bail and exit code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_host.analyzer.entry import write_wrapper
from policy_host.engine import PackSpec, RunOptions, run
from policy_host.sources.stack_export import load_state_file

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "states"
EXPORTS = [
    "tfmigrate__dns-to-db-2026-04-05.pulumi-state.json",
    "eks__encryption-provider_3.0.0_stack.json",
    "eks__oidc-iam-sa_3.0.0_stack.json",
    "pulumi__stack-testdata__checkpoint-secrets.json",
    "tfmigrate__s3bucket-test__test-upsert.checkpoint.json",
]
PACKS = ["aws-baseline", "tagging", "kubernetes-baseline"]


def outcome(result) -> dict:
    """What the engine would show and decide, in a comparable form."""
    return {
        "errors": result.errors,
        "bail": result.bail,
        "exit": result.exit_code,
        "violations": sorted(
            (
                v.phase,
                v.diagnostic.pack_name,
                v.diagnostic.pack_version,
                v.diagnostic.policy_name,
                v.diagnostic.urn,
                v.diagnostic.level.value,
                v.diagnostic.severity.value,
                v.diagnostic.message,
            )
            for v in result.violations
        ),
        "remediations": sorted(
            (r.pack_name, r.policy_name, r.urn, repr(sorted(r.before.items())), repr(sorted(r.after.items())))
            for r in result.remediations
        ),
        "not_applicable": sorted(
            (n.pack_name, n.policy_name, n.reason, n.urn, n.phase) for n in result.not_applicable
        ),
        "summaries": sorted((s.pack_name, s.phase, s.urn, s.passed, s.failed) for s in result.summaries),
    }


@pytest.fixture(scope="module")
def wrappers(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("wrappers")
    return {p: write_wrapper(root / p, [str(REPO / "packs" / p)]) for p in PACKS}


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])
def test_whole_runs_match_the_reference(export, preview, wrappers):
    if not CORPUS.is_dir():
        pytest.fail(f"the stack export corpus is missing: {CORPUS} (CI keeps shared/ beside the clone)")
    state = load_state_file(CORPUS / export)
    options = RunOptions(stack=state.stack_context(), root_urn=state.root_urn, preview=preview)
    packs = [str(REPO / "packs" / p) for p in PACKS]
    reference = run([PackSpec(p) for p in packs], state.inputs, state.outputs, options)
    ours = run([PackSpec(str(wrappers[p])) for p in PACKS], state.inputs, state.outputs, options)
    assert [p.mode for p in reference.packs] == ["language-host"] * len(PACKS)  # pulumi_policy's server
    assert outcome(ours) == outcome(reference)
    assert reference.summaries  # every resource was really analyzed by every pack
