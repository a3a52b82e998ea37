"""Loading one policy pack the way the engine does, and shutting it down the way the engine does.

Load (``engine-protocol.md`` §6.1): spawn -> port -> dial -> [Handshake, executable mode only] ->
ConfigureStack -> GetPluginInfo (reject non-semver) -> GetAnalyzerInfo, then the engine's conversions
(§4): ``PulumiPolicy.yaml`` ``version`` overrides the reported one, yaml ``description`` is the fallback,
policies sorted by name, ``enforcementLevel`` injected into every schema.

Shutdown (§10): Cancel with a 5 s limit, close the connection, SIGINT the process group, SIGKILL after 5 s.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import grpc

from ..errors import InputError, PluginError, PolicyHostError, UsageError
from ..model import PackInfo, StackContext
from ..packs.config import inject_enforcement_level_schema
from ..packs.project import PackProject, read_project
from .client import (
    AnalyzerClient,
    GrpcAnalyzerClient,
    InProcessAnalyzerClient,
    RpcFailure,
    is_valid_plugin_version,
)
from .launch import (
    DEFAULT_PORT_TIMEOUT,
    EXECUTABLE,
    LANGUAGE_HOST,
    OutputLine,
    PluginProcess,
    executable_spec,
    language_host_spec,
)
from .results import LoadedPack, PackSpec

IN_PROCESS = "in-process"

#: ``(pack_dir, stack) -> servicer``; the default is our host's ``build_servicer``.
ServicerFactory = Callable[[str, StackContext], Any]


@dataclass
class PackSession:
    """A loaded pack: its connection, its process (None in-process) and what the engine knows of it."""

    spec: PackSpec
    name: str
    mode: str
    client: AnalyzerClient | None = None
    process: PluginProcess | None = None
    loaded: LoadedPack | None = None

    def output(self) -> list[OutputLine]:
        return self.process.output() if self.process is not None else []

    def shutdown(self) -> None:
        """Cancel (5 s), close, then stop the process; never raises."""
        if self.client is not None:
            try:
                self.client.cancel()
            except (RpcFailure, PolicyHostError):
                pass  # the engine ignores a failed Cancel at shutdown
            try:
                self.client.close()
            except Exception:  # noqa: BLE001 - closing must not mask the run's own result
                pass
        if self.process is not None:
            self.process.stop()


def load_pack(
    spec: PackSpec,
    engine_address: str,
    stack: StackContext,
    *,
    port_timeout: float = DEFAULT_PORT_TIMEOUT,
    on_output: Callable[[OutputLine], None] | None = None,
    in_process: bool = False,
    servicer_factory: ServicerFactory | None = None,
) -> PackSession:
    """Start and load one pack. Raises a :class:`PolicyHostError` with the engine's text on failure."""
    path = os.path.abspath(spec.path)
    if os.path.isdir(path):
        mode = IN_PROCESS if in_process else LANGUAGE_HOST
        project = read_project(path)
        program_dir = path
    elif os.path.isfile(path):
        if in_process:
            raise UsageError(f"--in-process needs a pack directory; {spec.path} is a file")
        mode = EXECUTABLE
        program_dir = os.path.dirname(path)
        project = read_project(program_dir)
    else:
        raise InputError(f'policy pack "{spec.path}": no such file or directory')

    # The engine names a local pack by its absolute path in load errors.
    session = PackSession(spec=spec, name=path, mode=mode)
    try:
        if mode == IN_PROCESS:
            if (
                servicer_factory is None
            ):  # the caller (the CLI) supplies the host; the driver does not know it
                raise UsageError("in-process mode needs a servicer factory (the host to run packs in)")
            servicer = servicer_factory(path, stack)
            session.client = InProcessAnalyzerClient(servicer)
        else:
            if mode == LANGUAGE_HOST:
                launch = language_host_spec(path, engine_address, stack, name=path)
            else:
                launch = executable_spec(path, engine_address, name=path)
            session.process = PluginProcess.start(launch, port_timeout=port_timeout, on_output=on_output)
            client = GrpcAnalyzerClient(session.process.address)
            session.client = client
            try:
                client.wait_ready()
            except grpc.FutureTimeoutError:
                raise PluginError(
                    f'policy pack "{path}" failed to start: plugin [{launch.bin}] did not begin responding '
                    "to RPC connections"
                ) from None
            if mode == EXECUTABLE:
                # Language-host packs never see Handshake (the CLI's proxy answers it).
                try:
                    client.handshake(engine_address, program_dir, program_dir)
                except RpcFailure as e:
                    raise PluginError(f"failed to handshake with '{launch.bin}': {e.details}") from None
        session.loaded = _describe(session, stack, project)
        return session
    except RpcFailure as e:
        session.shutdown()
        error = PluginError(f'policy pack "{path}" failed to start: {e.method}: {e.details}')
        error.plugin_output = session.output()  # type: ignore[attr-defined]
        raise error from None
    except BaseException as e:
        session.shutdown()
        if isinstance(e, PolicyHostError) and not hasattr(e, "plugin_output"):
            e.plugin_output = session.output()  # type: ignore[attr-defined]
        raise


def _describe(session: PackSession, stack: StackContext, project: PackProject | None) -> LoadedPack:
    client = session.client
    assert client is not None
    try:
        client.configure_stack(stack)
    except RpcFailure as e:
        raise PluginError(
            f'policy pack "{session.name}" failed to start: configuring stack: {e.details}'
        ) from None
    plugin_version = client.get_plugin_info()
    if not is_valid_plugin_version(plugin_version):
        raise PluginError(
            f'policy pack "{session.name}" failed to start: plugin reported version "{plugin_version}", '
            "which is not a semantic version"
        )
    try:
        info = client.get_analyzer_info()
    except ValueError as e:  # an enforcement level number the protocol does not define
        raise PluginError(f'policy pack "{session.name}" failed to start: {e}') from None
    info = apply_project(info, project)
    return LoadedPack(
        spec=session.spec,
        info=inject_enforcement_level_schema(info),
        mode=session.mode,
        plugin_version=plugin_version,
        version_override=project.version if project is not None else "",
    )


def apply_project(info: PackInfo, project: PackProject | None) -> PackInfo:
    """The engine's conversions of GetAnalyzerInfo: yaml version wins, yaml description is the fallback,
    policies sorted by name."""
    version = project.version if project is not None and project.version else info.version
    description = info.description or (project.description if project is not None else "")
    policies = tuple(sorted(info.policies, key=lambda p: p.name))
    return replace(info, version=version, description=description, policies=policies)
