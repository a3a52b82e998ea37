"""Policy test cases as data (Kyverno-style ``*.policy-test.yaml`` files beside a pack).

```yaml
name: public buckets are blocked          # optional
pack: ..                                  # optional; default: nearest folder with PulumiPolicy.yaml
config: {"s3-public-acl": "mandatory"}    # optional, --policy-pack-config format (or a file path)
stack_tags: {env: prod}                   # optional
resources:                                # inline resources (type, properties, name, urn, provider, ...)
  - {name: open, type: "aws:s3/bucket:Bucket", properties: {acl: public-read}}
fixtures: [fixtures/buckets.json]         # optional: files written by `policy-host fixture`
export: ../../states/dev.json             # optional: a `pulumi stack export`; its resources are added
results:
  - {policy: s3-public-acl, resource: open, result: fail, level: mandatory, message: public-read}
  - {policy: s3-versioning, resource: open, result: pass}
  - {policy: max-buckets, resource: stack, result: fail}   # stack policies: resource "stack"
```

``result`` is one of ``pass``, ``fail``, ``not-applicable``, ``error``, ``skip``. A resource is named by its
``name`` or its URN. Only these keys are accepted: an unknown key is an error, so typos never pass silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError
from ..model import EnforcementLevel, Outcome, Resource
from ._runner import PackRunner, Verdict, load_fixture, resource

CASE_SUFFIX = ".policy-test.yaml"
_CASE_KEYS = {"name", "pack", "config", "stack_tags", "resources", "fixtures", "export", "results"}
_RESULT_KEYS = {"policy", "resource", "result", "level", "message"}
_RESOURCE_KEYS = {
    "type",
    "name",
    "urn",
    "properties",
    "provider",
    "parent",
    "dependencies",
    "property_dependencies",
    "protect",
    "ignore_changes",
}


@dataclass
class ExpectedResult:
    policy: str
    resource: str
    result: Outcome
    level: EnforcementLevel | None = None
    message: str | None = None


@dataclass
class PolicyTestCase:
    path: Path
    index: int
    name: str
    pack_dir: Path
    config: Any
    stack_tags: dict[str, str]
    resources: list[Resource]
    results: list[ExpectedResult] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.path.name}::{self.name}"


def find_pack_dir(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / "PulumiPolicy.yaml").is_file() or (folder / "PulumiPolicy.yml").is_file():
            return folder
    return None


def _fail(path: Path, where: str, what: str) -> InputError:
    return InputError(f"{path}: {where}: {what}")


def load_cases(path: str | Path) -> list[PolicyTestCase]:
    """Parse a case file (one YAML document per case). Raises InputError naming file and place."""
    path = Path(path).resolve()
    try:
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        raise InputError(f"{path}: cannot read: {str(e).splitlines()[0]}") from None
    return [_case(path, i, doc) for i, doc in enumerate(docs)]


def _case(path: Path, index: int, doc: Any) -> PolicyTestCase:
    where = f"case {index + 1}"
    if not isinstance(doc, dict):
        raise _fail(path, where, "expected a mapping")
    unknown = set(doc) - _CASE_KEYS
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(sorted(unknown))}")
    pack_dir = (path.parent / doc["pack"]).resolve() if doc.get("pack") else find_pack_dir(path.parent)
    if pack_dir is None:
        raise _fail(path, where, "no pack: set 'pack:' or put the file inside a pack directory")
    config = doc.get("config")
    if isinstance(config, str):
        config = str((path.parent / config).resolve())
    resources: list[Resource] = []
    for j, raw in enumerate(doc.get("resources") or []):
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise _fail(path, f"{where} resource {j + 1}", "needs a string 'type'")
        extra = set(raw) - _RESOURCE_KEYS
        if extra:
            raise _fail(path, f"{where} resource {j + 1}", f"unknown key(s) {', '.join(sorted(extra))}")
        kwargs = {k: raw[k] for k in raw if k not in ("type", "properties")}
        resources.append(resource(raw["type"], raw.get("properties") or {}, **kwargs))
    for fixture in doc.get("fixtures") or []:
        resources.extend(load_fixture(path.parent / fixture))
    if doc.get("export"):
        from ..sources.stack_export import load_state_file

        resources.extend(load_state_file(path.parent / doc["export"]).inputs)
    results = []
    for j, raw in enumerate(doc.get("results") or []):
        rwhere = f"{where} result {j + 1}"
        if not isinstance(raw, dict):
            raise _fail(path, rwhere, "expected a mapping")
        extra = set(raw) - _RESULT_KEYS
        if extra:
            raise _fail(path, rwhere, f"unknown key(s) {', '.join(sorted(extra))}")
        for key in ("policy", "resource", "result"):
            if not isinstance(raw.get(key), str):
                raise _fail(path, rwhere, f"needs a string '{key}'")
        try:
            outcome = Outcome(raw["result"])
            level = EnforcementLevel.parse(raw["level"]) if raw.get("level") else None
        except ValueError as e:
            raise _fail(path, rwhere, str(e)) from None
        results.append(ExpectedResult(raw["policy"], raw["resource"], outcome, level, raw.get("message")))
    if not results:
        raise _fail(path, where, "no 'results' to check")
    return PolicyTestCase(
        path=path,
        index=index,
        name=str(doc.get("name") or f"case {index + 1}"),
        pack_dir=pack_dir,
        config=config,
        stack_tags={str(k): str(v) for k, v in (doc.get("stack_tags") or {}).items()},
        resources=resources,
        results=results,
    )


def run_case(case: PolicyTestCase, runner: PackRunner | None = None) -> list[str]:
    """Evaluate a case; return one line per expectation that does not hold (empty = pass)."""
    runner = runner or PackRunner.load(case.pack_dir)
    runner.configure(case.config)
    runner.pack.set_stack_tags(case.stack_tags)
    by_key: dict[str, Verdict] = {}
    for r in case.resources:
        verdict = runner.analyze(r)
        by_key[r.name] = by_key[r.urn] = verdict
    by_key["stack"] = runner.analyze_stack(case.resources)
    problems = []
    for exp in case.results:
        verdict = by_key.get(exp.resource)
        if verdict is None:
            problems.append(f"{exp.policy} on {exp.resource}: no such resource in the case")
            continue
        got = verdict.outcome(exp.policy)
        if got is not exp.result:
            detail = "; ".join(d.message.replace("\n", " / ") for d in verdict.violations_of(exp.policy))
            problems.append(
                f"{exp.policy} on {exp.resource}: expected {exp.result.value}, got {got.value}"
                + (f" ({detail})" if detail else "")
            )
            continue
        if exp.level is not None or exp.message is not None:
            matching = [
                d
                for d in verdict.violations_of(exp.policy)
                if (exp.level is None or d.level == exp.level)
                and (exp.message is None or exp.message in d.message)
            ]
            if not matching:
                seen = "; ".join(
                    f"[{d.level.value}] {d.message!r}" for d in verdict.violations_of(exp.policy)
                )
                problems.append(
                    f"{exp.policy} on {exp.resource}: no violation"
                    + (f" at level {exp.level.value}" if exp.level else "")
                    + (f" with message containing {exp.message!r}" if exp.message else "")
                    + f"; saw {seen or 'none'}"
                )
    return problems
