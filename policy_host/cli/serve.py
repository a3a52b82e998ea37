"""``policy-host serve``: run as a Pulumi analyzer plugin process.

Packs are code: serving a pack runs its Python code in this process with your permissions.
"""

from __future__ import annotations

import sys

import click


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []},
    add_help_option=False,
)
@click.pass_context
def serve(ctx: click.Context) -> None:
    """Serve policy packs over the Analyzer protocol: `serve --pack DIR [--pack DIR...] [ENGINE_ADDRESS]`.

    Prints the port on the first stdout line, like every Pulumi plugin. Packs are code: they run with
    your permissions.
    """
    from ..analyzer.host import serve_main

    sys.exit(serve_main(ctx.args))
