"""Hand an audit EvaluationRun to findings (``policy_host.findings.record_run``), in the caller's transaction.

Findings is a separate feature; when it is not installed the run is not recorded there and the reason is
returned (audit's own ``audit_evaluations`` summary is written either way).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

from sqlalchemy.orm import Session

from ..model import EvaluationRun, PackInfo

RECORDED = "findings"
UNAVAILABLE = "findings unavailable"


def record(session: Session, run: EvaluationRun, packs: Iterable[PackInfo] = ()) -> str:
    """Record ``run`` with findings; returns ``"findings"`` or why it was not recorded."""
    if importlib.util.find_spec("policy_host.findings") is None:
        return UNAVAILABLE
    from ..findings import record_run

    record_run(session, run, packs=list(packs))
    return RECORDED
