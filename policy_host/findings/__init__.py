"""Findings: issues from every evaluation (preventative and audit), their lifecycle and triage, compliance
posture and its history. ``docs/findings.md`` describes the model, the scores and the choices.

Public entry points::

    record_run(session, run) -> RecordSummary    # inside the caller's store transaction (record.py)
    list_issues / get_issue                       # query.py
    edit_issues                                   # triage.py
    current_posture / trend / changes             # posture.py, history.py

Names are imported lazily: the store imports ``findings.models`` on every open and should pay for the
table declarations only.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RecordSummary", "record_run", "run_key"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import record

        return getattr(record, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
