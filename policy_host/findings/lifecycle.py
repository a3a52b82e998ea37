"""Issue vocabulary: statuses, priorities, event kinds, severity order, and an issue's identity.

Status machine (``record.py`` applies the automatic moves, ``triage.py`` the human ones)::

    (first seen) --> open | exempted
    open / in_progress / ignored / by_design --(not seen by a later run that evaluated the policy)--> fixed
    fixed --(seen again)--> open | exempted            (event "reopened": a regression)
    any active status --(seen under an exemption)--> exempted
    exempted --(seen without one)--> open              (event "unexempted")
    open <-> in_progress <-> ignored <-> by_design     (people; ignored and by_design need a justification)
"""

from __future__ import annotations

import hashlib

OPEN = "open"
IN_PROGRESS = "in_progress"
IGNORED = "ignored"
BY_DESIGN = "by_design"
FIXED = "fixed"
EXEMPTED = "exempted"

#: Every status, in the order listings show them.
STATUSES = (OPEN, IN_PROGRESS, IGNORED, BY_DESIGN, EXEMPTED, FIXED)
#: Statuses people may set; ``fixed`` and ``exempted`` follow the evaluations.
USER_STATUSES = (OPEN, IN_PROGRESS, IGNORED, BY_DESIGN)
#: Statuses that need a justification.
JUSTIFIED = (IGNORED, BY_DESIGN)
#: Statuses of issues that still stand (everything but fixed).
ACTIVE = (OPEN, IN_PROGRESS, IGNORED, BY_DESIGN, EXEMPTED)

PRIORITIES = ("p0", "p1", "p2", "p3", "p4")

# Event kinds.
OPENED = "opened"
REOPENED = "reopened"
FIXED_EVENT = "fixed"
EXEMPTED_EVENT = "exempted"
UNEXEMPTED = "unexempted"
EDITED = "edited"

SYSTEM_ACTOR = "policy-host"

#: Severity rank for sorting, most severe first; unknown or unset last.
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "": 4}
SEVERITIES = ("critical", "high", "medium", "low")


def fingerprint(entity_type: str, entity: str, urn: str, pack: str, policy: str) -> str:
    """The issue's identity: stable across runs, pack versions and levels."""
    raw = "\x1f".join((entity_type, entity, urn, pack, policy))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()
