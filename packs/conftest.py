"""Shared fixtures for the bundled packs' tests, built on the test kit (``policy_host.testing``).

A pack's tests judge resources with ``PackRunner``: the pack's ``__main__.py`` runs as under the
engine, config is reconciled and validated like the engine does, and resources reach the policies
through the same wire normalisation and evaluation core as ``policy-host serve``. One test per pack
(``test_<pack>_oracle.py``) checks the kit against ``pulumi_policy``'s own servicer over every unit
input and every real export.

Fixtures:
    pack_dir  the pack directory of the test module (nearest ``PulumiPolicy.yaml`` above it)
    pack      the pack's policies module (``<pack_name>_policies``), for its POLICIES and helpers
    runner    a factory ``runner(config=None, stack_tags=None)`` -> ``PackRunner`` over the whole pack
    corpus    ``Corpus``: the real ``pulumi stack export`` files under ``<repo>/../shared/corpus/states``
              (override with ``POLICY_HOST_CORPUS``); ``corpus.findings(runner, file)``
    oracle    ``Oracle`` over the pack: ``oracle.compare_with_corpus(corpus, resources, stacks, configs)``
              runs ``pulumi_policy``'s servicer (``policy_host.sdk.reference_harness``) and the kit over
              the same inputs and lists every difference

The corpus tests fail (they are not skipped) when the corpus is missing: CI has it beside the clone.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from policy_host.model import Diagnostic, Resource
from policy_host.sdk.reference_harness import ReferenceHarness
from policy_host.sources.stack_export import StackState, load_state_file, strip_internal_keys
from policy_host.testing import PackRunner, Verdict

PACKS_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKS_DIR.parent
# CI checks out the shared corpus beside the clone: <repo>/../shared. Never relative to the cwd.
CORPUS_DIR = Path(os.environ.get("POLICY_HOST_CORPUS", REPO_DIR.parent / "shared" / "corpus" / "states"))


def _pack_dir(start: Path) -> Path:
    for directory in (start, *start.parents):
        if (directory / "PulumiPolicy.yaml").is_file():
            return directory
    raise LookupError(f"{start} is not inside a policy pack (no PulumiPolicy.yaml above it)")


@pytest.fixture
def pack_dir(request: pytest.FixtureRequest) -> Path:
    return _pack_dir(Path(request.path).resolve().parent)


@pytest.fixture
def pack(pack_dir: Path) -> ModuleType:
    module_name = pack_dir.name.replace("-", "_") + "_policies"
    if str(pack_dir) not in sys.path:
        sys.path.insert(0, str(pack_dir))
    return importlib.import_module(module_name)


@pytest.fixture
def runner(pack_dir: Path) -> Callable[..., PackRunner]:
    """``runner(config=None, stack_tags=None)``: the pack loaded by the test kit, configured like the engine."""

    def make(config: Mapping[str, Any] | None = None, **kwargs: Any) -> PackRunner:
        return PackRunner.load(pack_dir, config, **kwargs)

    return make


def detail(diagnostic: Diagnostic) -> str:
    """A diagnostic's text without the leading policy description (the wire message is both)."""
    return diagnostic.message.partition("\n")[2]


# -- the real exports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One violation found in an export: which policy, on which resource (by URN name), at what level."""

    policy: str
    resource: str
    type: str
    level: str
    detail: str


def analyzed_inputs(state: StackState) -> list[Resource]:
    """What the engine sends Analyze for each resource of a state: its inputs without internal keys."""
    return [replace(r, properties=strip_internal_keys(r.properties)) for r in state.inputs]


def stack_outputs(state: StackState) -> list[Resource]:
    """What the engine sends AnalyzeStack: every resource's outputs without internal keys."""
    return [replace(r, properties=strip_internal_keys(r.properties)) for r in state.outputs]


class Corpus:
    """The real exports, read by ``policy_host.sources.stack_export`` as ``policy-host analyze`` reads them."""

    def __init__(self, directory: Path) -> None:
        if not directory.is_dir():
            pytest.fail(
                f"the stack export corpus is missing: {directory} (expected beside the repository as "
                "../shared/corpus/states; set POLICY_HOST_CORPUS to use another directory)",
                pytrace=False,
            )
        self.directory = directory
        self._states: dict[str, StackState] = {}

    def exports(self) -> list[str]:
        """Every stack export in the corpus (event logs excluded)."""
        return sorted(p.name for p in self.directory.glob("*.json"))

    def state(self, file: str) -> StackState:
        if file not in self._states:
            self._states[file] = load_state_file(self.directory / file)
        return self._states[file]

    def findings(self, runner: PackRunner, file: str) -> list[Finding]:
        """Analyze every resource's inputs, then AnalyzeStack over the outputs; collect violations."""
        state = self.state(file)
        out: list[Finding] = []
        for r in analyzed_inputs(state):
            for d in runner.analyze(r).violations:
                out.append(Finding(d.policy_name, r.name, r.type, d.level.value, detail(d)))
        by_urn = {r.urn: r for r in state.outputs}
        for d in runner.analyze_stack(stack_outputs(state)).violations:
            subject = by_urn.get(d.urn)
            name, type_ = (subject.name, subject.type) if subject else ("<stack>", "pulumi:pulumi:Stack")
            out.append(Finding(d.policy_name, name, type_, d.level.value, detail(d)))
        return out


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus(CORPUS_DIR)


# -- the oracle: pulumi_policy's own servicer ---------------------------------------------------


def _analyze_answer(verdict: Verdict) -> tuple[list[tuple], dict[str, str]]:
    diagnostics = [
        (d.policy_name, d.level.value, d.message, d.severity.value, d.urn) for d in verdict.violations
    ]
    return diagnostics, {n.policy_name: n.reason for n in verdict.not_applicable}


def _reference_answer(verdict: Any) -> tuple[list[tuple], dict[str, str]]:
    diagnostics = [(v.policy, v.level, v.message, v.severity, v.urn) for v in verdict.violations]
    return diagnostics, dict(verdict.not_applicable)


def _difference(call: str, got: tuple[list, dict], want: tuple[list, dict]) -> str:
    """One readable report of how the kit's answer (``got``) differs from the reference's (``want``)."""
    lines = [call]
    only_kit = [row for row in got[0] if row not in want[0]]
    only_reference = [row for row in want[0] if row not in got[0]]
    lines += [f"  only from the kit:       {row!r}" for row in only_kit]
    lines += [f"  only from the reference: {row!r}" for row in only_reference]
    if not only_kit and not only_reference and got[0] != want[0]:
        lines.append(f"  same rows, different order: kit {got[0]!r}; reference {want[0]!r}")
    for name in sorted(set(got[1]) | set(want[1])):
        if got[1].get(name) != want[1].get(name):
            lines.append(
                f"  not-applicable {name}: kit {got[1].get(name)!r}; reference {want[1].get(name)!r}"
            )
    return "\n".join(lines)


@dataclass
class Comparison:
    """What ``Oracle.compare`` did: answers compared, diagnostics and remediations seen, differences."""

    answers: int = 0
    reported: int = 0  # diagnostics plus remediations in the reference's answers (non-vacuity)
    problems: list[str] = field(default_factory=list)


# Every config the oracle always runs: the pack's own levels, everything mandatory, everything remediate.
BASE_CONFIGS: list[dict[str, Any] | None] = [None, {"all": "mandatory"}, {"all": "remediate"}]


class Oracle:
    """Runs ``pulumi_policy``'s servicer (``ReferenceHarness``) and the kit side by side on one pack."""

    def __init__(self, pack_dir: Path, policies: Sequence[Any]) -> None:
        self.pack_dir = pack_dir
        self.policies = list(policies)
        self.meta = yaml.safe_load((pack_dir / "PulumiPolicy.yaml").read_text())

    def compare(
        self,
        resources: Iterable[Resource],
        stacks: Iterable[Sequence[Resource]],
        configs: Iterable[Mapping[str, Any] | None],
    ) -> Comparison:
        """Analyze and Remediate each resource, AnalyzeStack each stack, under each config.

        Both sides get identical inputs, prepared as the engine prepares them (internal keys dropped
        for Analyze and AnalyzeStack, kept for Remediate); each sends them through a protobuf Struct.
        """
        resources = list(resources)
        stacks = [[replace(r, properties=strip_internal_keys(r.properties)) for r in s] for s in stacks]
        out = Comparison()
        for config in configs:
            # Every bundled pack's __main__ declares enforcement_level=ADVISORY.
            reference = ReferenceHarness(
                self.policies,
                pack=self.pack_dir.name,
                version=str(self.meta["version"]),
                level="advisory",
                config=config,
            )
            kit = PackRunner.load(self.pack_dir, config)
            for r in resources:
                analyzed = replace(r, properties=strip_internal_keys(r.properties))
                want = _reference_answer(
                    reference.analyze(
                        r.type, analyzed.properties, name=r.name, urn=r.urn, provider=r.provider
                    )
                )
                got = _analyze_answer(kit.analyze(analyzed))
                if got != want:
                    out.problems.append(_difference(f"Analyze {r.urn} with {config}:", got, want))
                fixed = reference.remediate(r.type, r.properties, name=r.name, urn=r.urn, provider=r.provider)
                want_fix = (
                    [(o.policy, o.properties, o.diagnostic) for o in fixed.remediations],
                    fixed.not_applicable,
                )
                kit_fix = kit.remediate(r)
                got_fix = (
                    [(o.policy_name, o.properties, o.diagnostic) for o in kit_fix.remediations],
                    {n.policy_name: n.reason for n in kit_fix.not_applicable},
                )
                if got_fix != want_fix:
                    out.problems.append(_difference(f"Remediate {r.urn} with {config}:", got_fix, want_fix))
                out.answers += 2
                out.reported += len(want[0]) + len(want_fix[0])
            for stack in stacks:
                want = _reference_answer(reference.analyze_stack(stack))
                got = _analyze_answer(kit.analyze_stack(stack))
                if got != want:
                    out.problems.append(_difference(f"AnalyzeStack with {config}:", got, want))
                out.answers += 1
                out.reported += len(want[0])
        return out

    def compare_with_corpus(
        self,
        corpus: Corpus,
        resources: Iterable[Resource],
        stacks: Iterable[Sequence[Resource]],
        configs: Iterable[Mapping[str, Any] | None] = (),
    ) -> Comparison:
        """``compare`` over the unit inputs plus every resource and stack of every corpus export.

        The unit inputs run under ``BASE_CONFIGS`` plus ``configs``; the exports under ``BASE_CONFIGS``.
        """
        unit = self.compare(resources, stacks, [*BASE_CONFIGS, *configs])
        states = [corpus.state(file) for file in corpus.exports()]
        real = self.compare([r for s in states for r in s.inputs], [s.outputs for s in states], BASE_CONFIGS)
        return Comparison(
            unit.answers + real.answers, unit.reported + real.reported, unit.problems + real.problems
        )


@pytest.fixture
def oracle(pack_dir: Path, pack: ModuleType) -> Oracle:
    return Oracle(pack_dir, pack.POLICIES)
