"""Start a policy pack process the way the Pulumi CLI does, read its port, drain its output, stop it.

Two modes (``engine-protocol.md`` §5.2-§5.3):

- **language-host** (a pack directory): ``<python> -u -m pulumi.policy [flags] <engine-addr> <abs pack dir>``,
  cwd = the pack directory, with ``PULUMI_ORGANIZATION``, ``PULUMI_PROJECT``, ``PULUMI_STACK``,
  ``PULUMI_DRY_RUN`` and ``PULUMI_CONFIG`` each set only when non-empty;
- **executable** (a file): ``<exe> [flags] <engine-addr>``, cwd = the project directory (our cwd), no
  ``PULUMI_*`` variables added.

The first stdout line must be the port (the engine has no timeout there; we do, default 60 s). Error texts
follow the engine (§5.6): ``... wrote an invalid port to stdout``, ``could not read plugin [<bin>]: exit
status N``, both wrapped as ``policy pack "<name>" failed to start: ...``. After the port every stdout line
is info output and every stderr line info-on-stderr; both are kept (and streamed to a callback) for display.
Shutdown (§10): SIGINT to the process group, SIGKILL after 5 s.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import PluginError
from ..model import StackContext
from ..packs.loader import pack_environment
from ..packs.project import read_project

#: Our own limit on waiting for the port line (the engine waits forever).
DEFAULT_PORT_TIMEOUT = 60.0
#: How long a process gets between SIGINT and SIGKILL (``cmdutil`` in the Pulumi CLI).
KILL_GRACE = 5.0

# The engine strips these two .NET console escapes (progress cursor on/off) before parsing the port.
_DOTNET_ESCAPES = ("\x1b[?25h", "\x1b[?25l")
# Variables the engine sets from the stack; inherited values are dropped so the child sees only ours.
_STACK_VARS = ("PULUMI_ORGANIZATION", "PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN", "PULUMI_CONFIG")

LANGUAGE_HOST = "language-host"
EXECUTABLE = "executable"


@dataclass(frozen=True)
class OutputLine:
    """One line a pack process wrote after its port line (stdout) or at any time (stderr)."""

    pack: str
    stream: str  # "stdout" | "stderr"
    text: str


@dataclass(frozen=True)
class LaunchSpec:
    """Everything needed to start one pack process."""

    name: str  # the name the engine uses in "policy pack %q failed to start"
    mode: str  # LANGUAGE_HOST | EXECUTABLE
    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def bin(self) -> str:
        return self.argv[0]


# ---------------------------------------------------------------------------------------------
# Building the command line
# ---------------------------------------------------------------------------------------------


def stack_env(stack: StackContext) -> dict[str, str]:
    """The ``PULUMI_*`` variables the engine gives a pack in language-host mode."""
    return pack_environment(stack)


def resolve_python(pack_dir: str | os.PathLike[str]) -> tuple[str, Path | None]:
    """Pick the interpreter for a pack directory; return it and the virtualenv it belongs to (if any).

    Order: the pack's ``runtime.options.virtualenv``/bin/python when that exists, else
    ``PULUMI_PYTHON_CMD``, else the interpreter running policy-host (``sys.executable``). The CLI would
    fall back to ``python3`` on PATH; the current interpreter is chosen instead because it is known to
    have ``pulumi`` and ``pulumi_policy`` installed, which the packs need.
    """
    project = read_project(pack_dir)
    venv = project.virtualenv if project is not None else None
    if venv is not None:
        candidate = venv / "bin" / "python"
        if candidate.exists():
            return str(candidate), venv
    from_env = os.environ.get("PULUMI_PYTHON_CMD")
    if from_env:
        return from_env, None
    return sys.executable, None


def language_host_spec(
    pack_dir: str | os.PathLike[str],
    engine_address: str,
    stack: StackContext,
    *,
    name: str | None = None,
    python: str | None = None,
    flags: tuple[str, ...] = (),
) -> LaunchSpec:
    """Build the launch of a pack directory as ``pulumi-language-python`` runs it."""
    pack_dir = os.path.abspath(os.fspath(pack_dir))
    venv: Path | None = None
    if python is None:
        python, venv = resolve_python(pack_dir)
    env = {k: v for k, v in os.environ.items() if k not in _STACK_VARS}
    if venv is not None:
        # Activate the virtualenv the way the language host does.
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
        env.pop("PYTHONHOME", None)
    env.update(stack_env(stack))
    argv = (python, "-u", "-m", "pulumi.policy", *flags, engine_address, pack_dir)
    return LaunchSpec(name=name or pack_dir, mode=LANGUAGE_HOST, argv=argv, cwd=pack_dir, env=env)


def executable_spec(
    exe: str | os.PathLike[str],
    engine_address: str,
    *,
    name: str | None = None,
    project_dir: str | None = None,
    flags: tuple[str, ...] = (),
) -> LaunchSpec:
    """Build the launch of an analyzer executable (CLI >= 3.255): cwd = project dir, env untouched."""
    exe = os.path.abspath(os.fspath(exe))
    argv = (exe, *flags, engine_address)
    return LaunchSpec(
        name=name or exe,
        mode=EXECUTABLE,
        argv=argv,
        cwd=project_dir or os.getcwd(),
        env=dict(os.environ),
    )


# ---------------------------------------------------------------------------------------------
# The running process
# ---------------------------------------------------------------------------------------------


class PluginProcess:
    """A started pack process whose port is known. Use :meth:`start`; always :meth:`stop`."""

    def __init__(self, spec: LaunchSpec, proc: subprocess.Popen[bytes], on_output: Callable | None):
        self.spec = spec
        self.port = 0
        self._proc = proc
        self._on_output = on_output
        self._lines: list[OutputLine] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return self._proc.poll()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def output(self) -> list[OutputLine]:
        """Lines written so far (stdout after the port line, all of stderr), in arrival order."""
        with self._lock:
            return list(self._lines)

    @classmethod
    def start(
        cls,
        spec: LaunchSpec,
        port_timeout: float = DEFAULT_PORT_TIMEOUT,
        on_output: Callable[[OutputLine], None] | None = None,
    ) -> PluginProcess:
        """Spawn the process and wait for its port line. Raises :class:`PluginError` (engine texts)."""
        try:
            proc = subprocess.Popen(
                list(spec.argv),
                cwd=spec.cwd,
                env=spec.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # own process group, so SIGINT/SIGKILL reach its children too
            )
        except OSError as e:
            raise PluginError(
                f'policy pack "{spec.name}" failed to start: could not start plugin [{spec.bin}]: '
                f"{e.strerror or e}"
            ) from None
        plugin = cls(spec, proc, on_output)
        first_line: queue.Queue[bytes] = queue.Queue(maxsize=1)
        plugin._spawn(plugin._drain_stdout, first_line)
        plugin._spawn(plugin._drain_stderr)
        try:
            line = first_line.get(timeout=port_timeout)
        except queue.Empty:
            reason = f"analyzer plugin [{spec.bin}] did not write a port to stdout within {port_timeout:g}s"
            raise plugin._fail(reason) from None
        if not line.endswith(b"\n"):
            raise plugin._fail(plugin._early_exit_reason())
        plugin.port = plugin._parse_port(line)
        return plugin

    def stop(self, grace: float = KILL_GRACE) -> None:
        """SIGINT the process group, SIGKILL it after ``grace`` seconds, then collect the drain threads."""
        if self._proc.poll() is None:
            self._signal(signal.SIGINT)
            try:
                self._proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self._proc.wait()
        else:
            # The leader is gone; make sure nothing it spawned lingers in its group.
            self._signal(signal.SIGKILL)
        for t in self._threads:
            t.join(timeout=2.0)
        for pipe in (self._proc.stdout, self._proc.stderr):
            if pipe is not None:
                pipe.close()

    # -- internals ----------------------------------------------------------------------------

    def _fail(self, reason: str) -> PluginError:
        self.stop(grace=KILL_GRACE)
        error = PluginError(f'policy pack "{self.spec.name}" failed to start: {reason}')
        # What the process said (typically its traceback on stderr) travels with the error for display.
        error.plugin_output = self.output()  # type: ignore[attr-defined]
        return error

    def _early_exit_reason(self) -> str:
        """Stdout closed before a full line: report the exit status as the engine does."""
        try:
            code = self._proc.wait(timeout=KILL_GRACE)
        except subprocess.TimeoutExpired:
            return f"could not read plugin [{self.spec.bin}] stdout: EOF"
        if code == 0:
            return f"could not read plugin [{self.spec.bin}] stdout: EOF"
        return f"could not read plugin [{self.spec.bin}]: {_exit_status(code)}"

    def _parse_port(self, raw: bytes) -> int:
        text = raw.decode("utf-8", errors="replace")
        for esc in _DOTNET_ESCAPES:
            text = text.replace(esc, "")
        text = text.strip()
        prefix = f"analyzer plugin [{self.spec.bin}] wrote an invalid port to stdout"
        # strconv.Atoi accepts an optional sign and ASCII digits only.
        digits = text[1:] if text[:1] in "+-" else text
        port = int(text, 10) if digits.isascii() and digits.isdigit() else None
        if port is None:
            raise self._fail(f"{prefix}: strconv.Atoi: parsing {json.dumps(text)}: invalid syntax")
        if not 1 <= port <= 65535:
            raise self._fail(f"{prefix}: port {port} out of range")
        return port

    def _spawn(self, target: Callable, *args: object) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name=f"drain-{self.pid}")
        t.start()
        self._threads.append(t)

    def _record(self, stream: str, raw: bytes) -> None:
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        line = OutputLine(self.spec.name, stream, text)
        with self._lock:
            self._lines.append(line)
        if self._on_output is not None:
            self._on_output(line)

    def _drain_stdout(self, first_line: queue.Queue[bytes]) -> None:
        stdout = self._proc.stdout
        assert stdout is not None
        try:
            first_line.put(stdout.readline())
            for raw in iter(stdout.readline, b""):
                self._record("stdout", raw)
        except (OSError, ValueError):
            pass  # pipe closed under us by stop()

    def _drain_stderr(self) -> None:
        stderr = self._proc.stderr
        assert stderr is not None
        try:
            for raw in iter(stderr.readline, b""):
                self._record("stderr", raw)
        except (OSError, ValueError):
            pass

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self._proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _exit_status(code: int) -> str:
    """Format a return code like Go's ``*exec.ExitError``: ``exit status 1`` or ``signal: killed``."""
    if code >= 0:
        return f"exit status {code}"
    try:
        name = signal.strsignal(-code) or f"signal {-code}"
    except ValueError:
        name = f"signal {-code}"
    return f"signal: {name.lower()}"
