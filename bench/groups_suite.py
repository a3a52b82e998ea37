"""Start-up of a host serving a stack's policy groups from the store (issue 4: "resolution and cache hits in
well under a second").

Publishes three packs into a fresh SQLite store, puts a stack in two groups with overlapping packs, and
measures: the resolution itself in-process (resolve + cache hit), and spawn -> port line for
``serve --from-store`` against ``serve --pack`` on the same packs (the difference is what groups cost).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from .results import BenchConfig, Section, SuiteResult, Target

PACK = """
from pulumi_policy import PolicyPack, ResourceValidationPolicy

def check(args, report_violation):
    if args.resource_type != "aws:s3/bucket:Bucket":
        return
    if args.props.get("acl") == "public-read":
        report_violation("public")

PolicyPack("{name}", [ResourceValidationPolicy("{name}-check", "A check.", check)])
"""
POLICY = """
apiVersion: policy-host/v1
groups:
  - name: team
    entityType: stacks
    stacks: [acme/web/dev]
    packs: [{name: pack-a, version: 1.0.0}, {name: pack-b, version: 1.0.0}]
  - name: everyone
    entityType: stacks
    selectors: {stacks: ["acme/*/*"]}
    packs: [{name: pack-a, version: 2.0.0}, {name: pack-c, version: 1.0.0}]
"""
STACK_ENV = {
    "PULUMI_ORGANIZATION": "acme",
    "PULUMI_PROJECT": "web",
    "PULUMI_STACK": "dev",
    "PULUMI_DRY_RUN": "true",
}


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "policy_host", *args], env=env, check=True, capture_output=True)


def _port_time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline() if proc.stdout else b""
        elapsed = time.perf_counter() - start
        if not line.strip().isdigit():
            raise RuntimeError(f"no port from {' '.join(argv)}")
        return elapsed
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def suite(config: BenchConfig) -> SuiteResult:
    result = SuiteResult("groups")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = dict(
            os.environ, POLICY_HOST_HOME=str(root / "home"), POLICY_HOST_DB=f"sqlite:///{root / 'store.db'}"
        )
        dirs = []
        for name, version in [
            ("pack-a", "1.0.0"),
            ("pack-a", "2.0.0"),
            ("pack-b", "1.0.0"),
            ("pack-c", "1.0.0"),
        ]:
            d = root / "src" / f"{name}-{version}"
            d.mkdir(parents=True)
            (d / "PulumiPolicy.yaml").write_text(f"runtime: python\nversion: {version}\n")
            (d / "__main__.py").write_text(textwrap.dedent(PACK).replace("{name}", name))
            _cli(env, "pack", "publish", str(d))
            dirs.append(d)
        (root / "policy.yaml").write_text(POLICY)
        _cli(env, "apply", "-f", str(root / "policy.yaml"))
        serve = [sys.executable, "-m", "policy_host", "serve"]
        stack_env = dict(env, **STACK_ENV)
        _port_time([*serve, "--from-store", "127.0.0.1:1"], stack_env)  # first start: extracts the cache
        repeats = max(3, config.startup_repeats)
        from_store = [_port_time([*serve, "--from-store", "127.0.0.1:1"], stack_env) for _ in range(repeats)]
        direct_packs = [str(dirs[1]), str(dirs[2]), str(dirs[3])]  # what the groups resolve to
        direct_argv = [*serve, *[a for p in direct_packs for a in ("--pack", p)], "127.0.0.1:1"]
        direct = [_port_time(direct_argv, stack_env) for _ in range(repeats)]
        resolve_ms = _resolve_in_process(env)
    store_s, direct_s = statistics.median(from_store), statistics.median(direct)
    section = Section(
        "Policy groups: host start-up with resolution from the store (3 packs from 2 groups, cache hit)",
        ["Measure", "Median"],
    )
    section.rows = [
        ["resolve + cache hit, in process (ms)", f"{resolve_ms:.1f}"],
        ["spawn -> port, serve --from-store (s)", f"{store_s:.3f}"],
        ["spawn -> port, serve --pack x3, same packs (s)", f"{direct_s:.3f}"],
        ["cost of groups at start-up (s)", f"{store_s - direct_s:.3f}"],
    ]
    section.notes.append(
        f"Median of {repeats} spawns each after one warm-up start that extracts the packs into the cache; "
        "the groups' cost includes importing the store (SQLAlchemy) and resolving."
    )
    result.sections.append(section)
    extra = store_s - direct_s
    result.targets.append(
        Target(
            "start-up cost of policy groups (resolution + cache hit)",
            "well under 1 s",
            f"{extra:.3f} s",
            extra < 0.5,
        )
    )
    return result


def _resolve_in_process(env: dict[str, str]) -> float:
    code = textwrap.dedent(
        """
        import time
        from policy_host.groups import resolve_stack
        from policy_host.store import open_store
        store = open_store()
        resolve_stack(store, "acme", "web", "dev")
        samples = []
        for _ in range(20):
            t = time.perf_counter(); resolve_stack(store, "acme", "web", "dev"); samples.append(time.perf_counter() - t)
        samples.sort(); print(samples[len(samples) // 2] * 1000)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])
