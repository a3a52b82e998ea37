"""Policy as code: ``policy-host apply -f policy.yaml`` and ``policy-host export``.

with store.transaction() as session:
    plan = make_plan(session, load_document("policy.yaml"), prune=False)
    print(plan.render())
    execute(session, plan)
"""

from __future__ import annotations

from .document import API_VERSION, Document, GroupSpec, PackSpec, dump_document, load_document, parse_document
from .plan import Plan, execute, export_document, make_plan

__all__ = [
    "API_VERSION",
    "Document",
    "GroupSpec",
    "PackSpec",
    "Plan",
    "dump_document",
    "execute",
    "export_document",
    "load_document",
    "make_plan",
    "parse_document",
]
