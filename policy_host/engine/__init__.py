"""The engine driver: launch policy pack processes the way the Pulumi CLI does and drive the Analyzer
protocol the way the engine does (shared docs ``engine-protocol.md`` §5, §6, §8, §10, §12).

Public entry points::

    from policy_host.engine import PackSpec, RunOptions, run

    result = run([PackSpec(path="packs/aws")], resources, RunOptions(stack=ctx))

``launch`` starts processes, ``engine_server`` answers the pack's ``pulumirpc.Engine`` calls,
``client`` speaks the Analyzer protocol, ``run`` is the engine's sequence and rules.
"""

from .run import (
    LoadedPack,
    NotApplicableRecord,
    PackSpec,
    RemediationRecord,
    RunOptions,
    RunResult,
    Summary,
    Violation,
    run,
)

__all__ = [
    "LoadedPack",
    "NotApplicableRecord",
    "PackSpec",
    "RemediationRecord",
    "RunOptions",
    "RunResult",
    "Summary",
    "Violation",
    "run",
]
