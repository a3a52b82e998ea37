"""Packs that need packages the host lacks: their own virtualenv, their own process, behind the host.

When a pack's ``requirements.txt`` is not satisfied by the host's environment (a missing distribution,
a version outside the specifier, or a path/URL requirement), the host
1. creates a virtualenv for it under ``$POLICY_HOST_HOME/venvs/<pack>-<hash of requirements>`` once
   (later starts reuse it: a ``.complete`` marker is written last, and a file lock serialises creators);
   the venv also sees the host's site-packages through a ``.pth`` file, so ``policy_host``, ``pulumi`` and
   ``pulumi_policy`` are not installed again, while the pack's own packages, installed into the venv
   with ``pip install -r requirements.txt``, come first on ``sys.path``;
2. serves the pack from a child process running policy-host itself in that venv
   (``<venv>/bin/python -m policy_host serve --pack DIR``), launched and stopped like any plugin;
3. forwards Analyze, Remediate, AnalyzeStack, Configure and ConfigureStack to it. Its diagnostics carry
   the pack's own name and version, like in-process packs.

``serve --isolate`` forces this for every pack (useful for packs that read relative files at call time or
import pack-local modules lazily). Packs without ``requirements.txt`` are taken as satisfied.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import logging
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Iterator, Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from ..errors import PackLoadError, PluginError
from ..evaluate import EvalContext, configured_state
from ..model import AnalyzeResult, PackInfo, PolicyConfigEntry, RemediateResult, Resource, StackContext

log = logging.getLogger("policy_host.analyzer")

REQUIREMENTS_FILE = "requirements.txt"
COMPLETE_MARKER = ".complete"


# ------------------------------------------------------------------------------------------------
# Does the host satisfy the pack?
# ------------------------------------------------------------------------------------------------


def unmet_requirements(pack_dir: str | Path) -> list[str]:
    """The lines of the pack's requirements.txt that this environment does not satisfy."""
    path = Path(pack_dir) / REQUIREMENTS_FILE
    if not path.is_file():
        return []
    unmet = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):  # -r, -e, --index-url ...: cannot be checked here
            if not line.startswith(("--index-url", "--extra-index-url", "--find-links", "-i ", "-f ")):
                unmet.append(line)
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement:  # a path or URL: only pip knows what it is
            unmet.append(line)
            continue
        if req.url or (req.marker is not None and not req.marker.evaluate()):
            if req.url:
                unmet.append(line)
            continue
        try:
            installed = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            unmet.append(line)
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            unmet.append(line)
    return unmet


# ------------------------------------------------------------------------------------------------
# The pack's environment
# ------------------------------------------------------------------------------------------------


def _home() -> Path:
    raw = os.environ.get("POLICY_HOST_HOME")
    return Path(raw).expanduser() if raw else Path.home() / ".policy-host"


def environment_dir(pack_dir: str | Path) -> Path:
    """Where the pack's venv lives: keyed by pack directory name and requirements content."""
    pack_dir = Path(pack_dir)
    requirements = (
        (pack_dir / REQUIREMENTS_FILE).read_bytes() if (pack_dir / REQUIREMENTS_FILE).is_file() else b""
    )
    key = hashlib.sha256(requirements + sys.version.encode() + str(pack_dir.resolve()).encode()).hexdigest()[
        :12
    ]
    return _home() / "venvs" / f"{pack_dir.resolve().name}-{key}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _host_site_dirs() -> list[str]:
    """Site directories of the host environment (its venv's purelib/platlib)."""
    dirs = []
    for key in ("purelib", "platlib"):
        d = sysconfig.get_paths()[key]
        if d not in dirs and Path(d).is_dir():
            dirs.append(d)
    return dirs


def ensure_environment(pack_dir: str | Path) -> Path:
    """Create (once) and return the python of the pack's own virtualenv. Raises PackLoadError."""
    pack_dir = Path(pack_dir).resolve()
    root = environment_dir(pack_dir)
    python = root / "bin" / "python"
    if (root / COMPLETE_MARKER).is_file():
        return python
    with _locked(root.with_name(root.name + ".lock")):
        if (root / COMPLETE_MARKER).is_file():  # another process built it meanwhile
            return python
        if root.exists():
            shutil.rmtree(root)  # a half-built environment from an interrupted start
        log.info("creating a virtualenv for policy pack %s at %s", pack_dir, root)
        venv.EnvBuilder(with_pip=True, clear=True).create(root)
        site = subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        lines = [f"import site; site.addsitedir({d!r})" for d in _host_site_dirs()]
        # The host's packages come after the venv's own (a .pth line runs when site.py reaches it).
        Path(site, "zz_policy_host_host_env.pth").write_text("\n".join(lines) + "\n")
        if (pack_dir / REQUIREMENTS_FILE).is_file():
            result = subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "-q",
                    "-r",
                    REQUIREMENTS_FILE,
                ],
                cwd=pack_dir,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                log_file = root.with_name(root.name + ".pip.log")
                log_file.write_text(result.stdout + result.stderr)
                shutil.rmtree(root, ignore_errors=True)
                last = (result.stderr.strip().splitlines() or ["pip failed"])[-1]
                raise PackLoadError(
                    f"policy pack {pack_dir}: installing {REQUIREMENTS_FILE} failed: {last} (log: {log_file})"
                )
        (root / COMPLETE_MARKER).write_text("ok\n")
    return python


# ------------------------------------------------------------------------------------------------
# The pack behind the host
# ------------------------------------------------------------------------------------------------


class IsolatedPack:
    """A pack served by a child policy-host in its own environment; duck-types a PreparedPack for the
    servicer (name, version, info, state, configure, set_stack_tags, analyze, remediate, analyze_stack)."""

    def __init__(
        self, pack_dir: str | Path, python: Path, stack: StackContext, policy_timeout: float | None
    ) -> None:
        from ..engine.client import GrpcAnalyzerClient
        from ..engine.launch import EXECUTABLE, LaunchSpec, PluginProcess, stack_env

        self.directory = Path(pack_dir).resolve()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
        if stack.project and stack.stack:
            env.update(stack_env(stack))
        argv = [
            str(python),
            "-m",
            "policy_host",
            "serve",
            "--in-pack-environment",
            "--pack",
            str(self.directory),
        ]
        argv += ["--policy-timeout", f"{policy_timeout or 0:g}", "127.0.0.1:1"]
        spec = LaunchSpec(
            name=str(self.directory), mode=EXECUTABLE, argv=tuple(argv), cwd=str(self.directory), env=env
        )
        self.process = PluginProcess.start(spec, on_output=self._relay)
        self.client = GrpcAnalyzerClient(self.process.address)
        try:
            self.client.wait_ready()
            self.info: PackInfo = self.client.get_analyzer_info()
        except Exception as e:
            self.close()
            raise PluginError(
                f"policy pack {self.directory}: its isolated process did not answer: {e}"
            ) from None
        self.name = self.info.name
        self.version = self.info.version
        self._defaults = {p.name: p.enforcement_level for p in self.info.policies}
        self.state = configured_state(self._defaults, {})

    @staticmethod
    def _relay(line) -> None:
        print(f"{line.text}", file=sys.stderr)

    def configure(self, config: dict[str, PolicyConfigEntry]) -> None:
        mine = {k: v for k, v in config.items() if k in self._defaults}
        self.state = configured_state(self._defaults, mine)
        self.client.configure(mine)

    def set_stack_tags(self, tags: dict[str, str]) -> None:
        self.client.configure_stack(StackContext(tags=dict(tags)))

    def configure_stack(self, stack: StackContext) -> None:
        self.client.configure_stack(stack)

    def analyze(self, resource: Resource, ctx: EvalContext | None = None) -> AnalyzeResult:
        return self.client.analyze(resource)

    def remediate(self, resource: Resource, ctx: EvalContext | None = None) -> RemediateResult:
        return self.client.remediate(resource)

    def analyze_stack(self, resources: Sequence[Resource], ctx: EvalContext | None = None) -> AnalyzeResult:
        return self.client.analyze_stack(list(resources))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.cancel()
        with contextlib.suppress(Exception):
            self.client.close()
        self.process.stop(grace=5)
