"""``policy-host analyze``: run policy packs over a stack's existing state, as the Pulumi engine would.

Thin: parse flags, load the state and config files, call :func:`policy_host.engine.run`, render. The
flag rules and messages follow the Pulumi CLI (``engine-protocol.md`` §7.2); exit codes are 0 (no
mandatory violation, no error), 1 (mandatory violation or error) and 2 (usage error).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from .. import __version__
from ..engine import PackSpec, RunOptions, RunResult, run
from ..engine.launch import DEFAULT_PORT_TIMEOUT, OutputLine
from ..errors import UsageError
from ..model import StackContext
from ..packs.config import parse_config_file
from ..report.output import write_output
from ..sources.stack_export import StackState, load_diy_stack, load_state_file, write_remediated_export

FORMATS = ("text", "json", "sarif", "junit")


@click.command("analyze")
@click.option(
    "--policy-pack",
    "policy_packs",
    multiple=True,
    metavar="PATH",
    help="A policy pack directory (run with its virtualenv's python, else $PULUMI_PYTHON_CMD, else this "
    "interpreter) or an analyzer executable. Repeatable.",
)
@click.option(
    "--policy-pack-config",
    "policy_pack_configs",
    multiple=True,
    metavar="FILE",
    help="JSON config for the --policy-pack in the same position. Repeatable.",
)
@click.option(
    "--file", "state_file", metavar="STATE", help="A `pulumi stack export` file or a DIY checkpoint."
)
@click.option("--stack", "stack_ref", metavar="ORG/PROJECT/STACK", help="A stack in the DIY backend.")
@click.option(
    "--preview/--up",
    "preview",
    default=True,
    help="Preview semantics (default: analyze every resource) or up semantics (stop at the first "
    "resource with a mandatory violation).",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default=None, help="Output format (default text)."
)
@click.option("--output", "-o", "output", metavar="FILE", help="Write the report here instead of stdout.")
@click.option(
    "--apply-remediations",
    "apply_out",
    metavar="OUT.json",
    help="Write a copy of the state with remediated inputs (remediations are otherwise only reported).",
)
@click.option("--in-process", is_flag=True, help="Run packs inside this process with policy-host's own host.")
@click.option(
    "--port-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_PORT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long a pack process may take to print its port.",
)
def analyze(
    policy_packs: tuple[str, ...],
    policy_pack_configs: tuple[str, ...],
    state_file: str | None,
    stack_ref: str | None,
    preview: bool,
    as_json: bool,
    fmt: str | None,
    output: str | None,
    apply_out: str | None,
    in_process: bool,
    port_timeout: float,
) -> None:
    """Run policy packs over the state a stack already has; no program, no providers, no changes."""
    fmt = _output_format(as_json, fmt)
    specs = _pack_specs(policy_packs, policy_pack_configs)
    if in_process:
        for spec in specs:
            if os.path.isfile(spec.path):
                raise UsageError(f"--in-process needs a pack directory; {spec.path} is a file")
    if bool(state_file) == bool(stack_ref):
        raise UsageError("specify exactly one of --file or --stack")
    state = load_state_file(state_file) if state_file else load_diy_stack(str(stack_ref))

    options = RunOptions(
        stack=state.stack_context(dry_run=preview),
        root_urn=state.root_urn,
        preview=preview,
        port_timeout=port_timeout,
        in_process=in_process,
        servicer_factory=_host_servicer if in_process else None,
        on_output=_echo_plugin_output,
    )
    result = run(specs, state.inputs, state.outputs, options)

    _write(_render(result, fmt, state), output)
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    if result.bail and result.bail not in result.errors:
        click.echo(f"error: {result.bail}", err=True)
    if apply_out and not result.errors:
        write_remediated_export(state, result.final_inputs, apply_out)
    sys.exit(result.exit_code)


def _output_format(as_json: bool, fmt: str | None) -> str:
    if as_json and fmt not in (None, "json"):
        raise UsageError(f"--json conflicts with --format {fmt}")
    return "json" if as_json else (fmt or "text")


def _pack_specs(packs: tuple[str, ...], configs: tuple[str, ...]) -> list[PackSpec]:
    """Pair packs and config files by position, with the Pulumi CLI's rules and messages."""
    if not packs:
        if configs:
            raise UsageError('"--policy-pack-config" must be specified with "--policy-pack"')
        raise UsageError('at least one "--policy-pack" is required')
    if configs and len(configs) != len(packs):
        raise UsageError(
            'the number of "--policy-pack-config" flags must match the number of "--policy-pack" flags'
        )
    specs = []
    for index, path in enumerate(packs):
        config_path = configs[index] if configs else None
        config = parse_config_file(config_path) if config_path else None
        specs.append(PackSpec(path=path, config=config, config_path=config_path))
    return specs


def _render(result: RunResult, fmt: str, state: StackState) -> str:
    context = {"tool_version": __version__, "source": state.path}
    if fmt == "json":
        from ..report.json_report import render_json

        return render_json(
            result,
            **context,
            organization=state.organization,
            project=state.project,
            stack=state.stack,
        )
    if fmt == "sarif":
        from ..report.sarif import render_sarif

        return render_sarif(result, **context)
    if fmt == "junit":
        from ..report.junit import render_junit

        return render_junit(result)
    from ..report.policies_text import render_policies

    # Like the CLI, the block appears only once analysis ran (not after a load or config failure).
    return render_policies(result) if result.resources_analyzed or result.stack_analyzed else ""


def _host_servicer(pack_dir: str, stack: StackContext) -> Any:
    """--in-process: policy-host's own servicer for the pack, called directly instead of over gRPC."""
    from ..analyzer.host import build_servicer

    return build_servicer(pack_dir, stack)


def _write(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        write_output(output, text)


def _echo_plugin_output(line: OutputLine) -> None:
    """Pack output after the port line is info for the user, as the engine shows it (on stderr here)."""
    click.echo(f"{line.pack}: {line.text}", err=True)
