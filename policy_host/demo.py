"""``make demo``: the main job on the embedded defaults, as the commands a user would type.

1. Analyze a real ``pulumi stack export`` (``examples/states/dns-to-db.json``, 111 resources) with the
   bundled packs served by policy-host through the Analyzer protocol: the repository itself is the
   policy pack, exactly as in ``pulumi preview --policy-pack <repo>``.
2. Write the same run as JSON and SARIF reports under ``demo-out/``.
3. When the audit mode is installed: scan a local AWS emulator (moto) and write an HTML report.

Everything runs on this machine; the store lives in ``demo-out/home`` (nothing is written elsewhere).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "demo-out"
EXPORT = REPO / "examples" / "states" / "dns-to-db.json"


def step(title: str) -> None:
    print(f"\n\033[1m== {title}\033[0m", flush=True)


def run(*args: str, ok_codes: tuple[int, ...] = (0,), env: dict[str, str] | None = None) -> int:
    """Run ``policy-host ARGS`` as a user would, echoing the command."""
    shown = "policy-host " + " ".join(shlex.quote(a) for a in args)
    print(f"$ {shown}", flush=True)
    code = subprocess.run(
        [sys.executable, "-m", "policy_host", *args], cwd=REPO, env=env, check=False
    ).returncode
    if code not in ok_codes:
        print(f"demo: `{shown}` exited {code}", file=sys.stderr)
        sys.exit(code)
    return code


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    env = dict(os.environ, POLICY_HOST_HOME=str(OUT / "home"))
    env.pop("POLICY_HOST_DB", None)

    step("Analyze a real stack export with the bundled packs, served by policy-host over gRPC")
    print("The repository is itself a policy pack (PulumiPolicy.yaml + policy-host.yaml), so this is what")
    print("`pulumi preview --policy-pack .` runs. Exit code 1 means a mandatory violation was found.")
    code = run("analyze", "--policy-pack", ".", "--file", str(EXPORT), ok_codes=(0, 1), env=env)

    step("The same run as machine-readable reports")
    run(
        "analyze",
        "--policy-pack",
        ".",
        "--file",
        str(EXPORT),
        "--format",
        "json",
        "--output",
        str(OUT / "analyze.json"),
        ok_codes=(0, 1),
        env=env,
    )
    run(
        "analyze",
        "--policy-pack",
        ".",
        "--file",
        str(EXPORT),
        "--format",
        "sarif",
        "--output",
        str(OUT / "analyze.sarif"),
        ok_codes=(0, 1),
        env=env,
    )
    print(f"wrote {OUT / 'analyze.json'} and {OUT / 'analyze.sarif'}")

    try:
        from . import audit_demo  # noqa: F401 - present once audit mode lands
    except ImportError:
        audit_demo = None
    if audit_demo is not None:
        audit_demo.run_demo(OUT, env, run, step)

    step("Done")
    print(f"analyze exit code: {code} (1 = mandatory violations found, as expected for this stack)")


if __name__ == "__main__":
    main()
