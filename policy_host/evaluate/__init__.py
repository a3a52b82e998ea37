"""The evaluation core: the one implementation of "a policy judges a resource" that the analyzer,
the engine driver's in-process mode and audit all call.

Public surface (everything else is internal):
- :func:`prepare` a loaded pack once; :meth:`PreparedPack.configure` with resolved config;
- :func:`analyze` / :func:`remediate` one resource, :func:`analyze_stack` many;
- :class:`EvalContext` for per-call settings (policy deadline).
"""

from ._decode import DecodeError
from ._evaluate import EvalContext, analyze, analyze_stack, build_policy_resources, remediate
from ._prepared import PackState, PreparedPack, PreparedPolicy, configured_state, enabled_policies, prepare

__all__ = [
    "DecodeError",
    "EvalContext",
    "PackState",
    "PreparedPack",
    "PreparedPolicy",
    "analyze",
    "analyze_stack",
    "build_policy_resources",
    "configured_state",
    "enabled_policies",
    "prepare",
    "remediate",
]
