"""Load an unmodified ``pulumi_policy`` pack in-process, the way the engine runs it, without its server.

How (reference-sdk.md §2.1, §12): the engine runs ``python -m pulumi.policy <addr> <pack dir>``, which
``runpy.run_path``s the pack directory's ``__main__.py`` with cwd = pack dir and the pack dir first on
``sys.path``; the pack builds ``PolicyPack(...)``, whose constructor validates its arguments, creates
``_PolicyAnalyzerServicer(...)`` and then serves forever. We run the pack the same way, but swap
``pulumi_policy.policy._PolicyAnalyzerServicer`` for a stand-in that raises :class:`_PackCaptured` with the
constructor's arguments. So the SDK's own validation runs (identical error texts), no server starts, and
the exception unwinds the rest of ``__main__`` (dead code under the reference anyway). ``_PackCaptured``
is a BaseException so a pack's ``except Exception`` cannot swallow it.

Isolation: modules a pack imports from its own directory are removed from ``sys.modules`` after loading
(the pack's functions keep their module globals), so two packs that both have a local ``policies`` or
``aws`` module each get their own. Text a pack prints while loading goes to stderr, never to stdout,
where the port line must be first.
"""

from __future__ import annotations

import contextlib
import os
import runpy
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import PackLoadError
from ..model import StackContext
from .project import PackProject, read_project

# The reference reports "0.0.1" when the project file sets no version (reference-sdk.md §2.1).
DEFAULT_PACK_VERSION = "0.0.1"

_load_lock = threading.Lock()


class _PackCaptured(BaseException):
    """Raised in place of starting pulumi_policy's server; carries the PolicyPack arguments."""

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]):
        super().__init__("policy pack captured")
        self.args_ = args
        self.kwargs_ = kwargs


def _capturing_servicer(*args: Any, **kwargs: Any) -> None:
    raise _PackCaptured(args, kwargs)


@dataclass
class LoadedPack:
    """A pack's policies and metadata as passed to ``PolicyPack(...)``, plus where it came from."""

    name: str
    version: str
    policies: list[Any]  # pulumi_policy.Policy objects, unmodified
    enforcement_level: Any  # pulumi_policy.EnforcementLevel (pack default)
    initial_config: dict[str, Any] | None
    description: str | None
    display_name: str | None
    readme: str | None
    provider: str | None
    tags: list[str] | None
    repository: str | None
    directory: Path
    project: PackProject | None
    modules: dict[str, Any] = field(default_factory=dict)  # the pack's own modules, by name


def pack_environment(stack: StackContext | None) -> dict[str, str]:
    """The PULUMI_* variables the engine gives a pack (engine-protocol.md §5.3): organization, project,
    stack and config only when non-empty, PULUMI_DRY_RUN always ("true"/"false"), config as compact JSON
    (Go's json.Marshal)."""
    if stack is None:
        return {}
    import json

    env: dict[str, str] = {}
    if stack.organization:
        env["PULUMI_ORGANIZATION"] = stack.organization
    if stack.project:
        env["PULUMI_PROJECT"] = stack.project
    if stack.stack:
        env["PULUMI_STACK"] = stack.stack
    env["PULUMI_DRY_RUN"] = "true" if stack.dry_run else "false"
    if stack.config:
        env["PULUMI_CONFIG"] = json.dumps(stack.config, separators=(",", ":"))
    return env


def configure_pulumi_runtime() -> None:
    """Seed ``pulumi.runtime`` from PULUMI_CONFIG/PROJECT/STACK/DRY_RUN, exactly as ``pulumi.policy`` does.

    Done before a pack is imported (packs call ``pulumi.Config().require`` at import time) and again
    whenever ConfigureStack brings new stack information.
    """
    import pulumi.runtime

    for k, v in pulumi.runtime.get_config_env().items():
        pulumi.runtime.set_config(k, v)
    if all(k in os.environ for k in ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN")):
        pulumi.runtime.configure(
            pulumi.runtime.Settings(
                project=os.environ["PULUMI_PROJECT"],
                stack=os.environ["PULUMI_STACK"],
                dry_run=os.environ["PULUMI_DRY_RUN"] == "true",
                organization=os.environ.get("PULUMI_ORGANIZATION", "organization"),
            )
        )


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """Send both Python-level and fd-level stdout to stderr (the port line must come first)."""
    sys.stdout.flush()
    saved_fd = None
    try:
        saved_fd = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no real fd 1 (e.g. captured in tests); the Python-level redirect still applies
        saved_fd = None
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved_fd is not None:
            os.dup2(saved_fd, 1)
            os.close(saved_fd)


@contextlib.contextmanager
def _pack_process_state(pack_dir: Path) -> Iterator[dict[str, Any]]:
    """cwd = pack dir and pack dir first on sys.path while the pack runs; restore afterwards.

    Yields a dict that receives the pack's own modules (those imported from inside ``pack_dir``).
    """
    old_cwd = os.getcwd()
    old_path = list(sys.path)
    old_argv = list(sys.argv)
    before = set(sys.modules)
    own: dict[str, Any] = {}
    os.chdir(pack_dir)
    sys.path.insert(0, str(pack_dir))
    # sys.argv as observed under pulumi.policy: [<pack dir>, <engine addr>, <pack dir>] (argv[0] = pack dir).
    sys.argv = [str(pack_dir)]
    try:
        yield own
    finally:
        prefix = str(pack_dir) + os.sep
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            file = getattr(module, "__file__", None) or ""
            if file.startswith(prefix) or name == "__main__":
                own[name] = module
                del sys.modules[name]
        sys.path[:] = old_path
        sys.argv = old_argv
        os.chdir(old_cwd)


def _format_pack_error(exc: BaseException, pack_dir: Path) -> str:
    """The reference's text: 'Program failed with an unhandled exception:' + traceback of pack frames."""
    frames = traceback.extract_tb(exc.__traceback__)
    this_file = os.path.abspath(__file__)
    kept = [
        f for f in frames if os.path.abspath(f.filename) != this_file and "<frozen runpy>" not in f.filename
    ]
    lines = ["Program failed with an unhandled exception:\n", "Traceback (most recent call last):\n"]
    lines.extend(traceback.format_list(kept))
    lines.extend(traceback.format_exception_only(type(exc), exc))
    return "".join(lines).rstrip("\n")


def load_pack(pack_dir: str | Path, stack: StackContext | None = None) -> LoadedPack:
    """Run the pack's ``__main__.py`` in this process and capture its ``PolicyPack``.

    ``stack`` supplies the PULUMI_* environment set before import (skipped when None: the current
    environment is used as is). Raises PackLoadError whose message is the reference's error text.
    """
    directory = Path(pack_dir).resolve()
    if not directory.is_dir():
        raise PackLoadError(f"policy pack directory {pack_dir} does not exist")
    project = read_project(directory)
    if not (directory / "__main__.py").is_file():
        raise PackLoadError(f"policy pack {directory} has no __main__.py to run")

    os.environ.update(pack_environment(stack))
    captured: _PackCaptured | None = None
    with _capturing():
        configure_pulumi_runtime()
        with _stdout_to_stderr(), _pack_process_state(directory) as own_modules:
            try:
                runpy.run_path(str(directory), run_name="__main__")
            except _PackCaptured as c:
                captured = c
            except SystemExit as e:
                raise PackLoadError(
                    f"policy pack {directory} exited with status {e.code} while loading"
                ) from None
            except Exception as e:  # the pack's own failure: keep its message verbatim
                raise PackLoadError(_format_pack_error(e, directory)) from None

    if captured is None:
        raise PackLoadError(f"policy pack {directory} finished without creating a PolicyPack")
    return _loaded_from_capture(captured, directory, project, own_modules)


@contextlib.contextmanager
def _capturing() -> Iterator[None]:
    """While active, ``PolicyPack(...)`` validates its arguments and raises ``_PackCaptured``."""
    import pulumi_policy.policy as sdk_policy

    with _load_lock:
        original = sdk_policy._PolicyAnalyzerServicer
        sdk_policy._PolicyAnalyzerServicer = _capturing_servicer  # type: ignore[assignment]
        try:
            yield
        finally:
            sdk_policy._PolicyAnalyzerServicer = original  # type: ignore[assignment]


def pack_from_policies(
    name: str,
    policies: list[Any],
    *,
    version: str = DEFAULT_PACK_VERSION,
    directory: str | Path | None = None,
    **pack_kwargs: Any,
) -> LoadedPack:
    """A LoadedPack from policy objects, validated by ``pulumi_policy.PolicyPack`` exactly as at load time.

    ``pack_kwargs`` are PolicyPack's other arguments (enforcement_level, initial_config, ...).
    """
    from pulumi_policy import PolicyPack

    captured: _PackCaptured | None = None
    try:
        with _capturing():
            PolicyPack(name, policies, **pack_kwargs)
    except _PackCaptured as c:
        captured = c
    except (TypeError, ValueError) as e:
        raise PackLoadError(f"{type(e).__name__}: {e}") from None
    if captured is None:  # pragma: no cover - PolicyPack always reaches the servicer
        raise PackLoadError(f"policy pack {name} was not created")
    loaded = _loaded_from_capture(captured, Path(directory or os.getcwd()).resolve(), None, {})
    loaded.version = version
    return loaded


def _loaded_from_capture(
    captured: _PackCaptured, directory: Path, project: PackProject | None, modules: dict[str, Any]
) -> LoadedPack:
    # _PolicyAnalyzerServicer(name, version, policies, enforcement_level, initial_config, description,
    #                         display_name, readme, provider, tags, repository)
    names = (
        "name",
        "version",
        "policies",
        "enforcement_level",
        "initial_config",
        "description",
        "display_name",
        "readme",
        "provider",
        "tags",
        "repository",
    )
    values: dict[str, Any] = dict.fromkeys(names)
    values.update(zip(names, captured.args_, strict=False))
    values.update(captured.kwargs_)
    version = project.version if project and project.version else DEFAULT_PACK_VERSION
    return LoadedPack(
        name=values["name"],
        version=version,
        policies=list(values["policies"]),
        enforcement_level=values["enforcement_level"],
        initial_config=values["initial_config"],
        description=values["description"] if values["description"] is not None else None,
        display_name=values["display_name"],
        readme=values["readme"],
        provider=values["provider"],
        tags=values["tags"],
        repository=values["repository"],
        directory=directory,
        project=project,
        modules=modules,
    )
