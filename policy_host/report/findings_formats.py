"""The formats of ``policy-host report``: name -> renderer of a FindingsReport (text).

Registered explicitly, one line each; the registered name is the word ``--format`` takes.
"""

from __future__ import annotations

from collections.abc import Callable

from ..findings.report_data import FindingsReport
from ..findings.serialize import issues_csv
from ..sources.registry import Registry
from .findings_html import render_findings_html
from .findings_json import render_findings_json
from .findings_junit import render_findings_junit
from .findings_sarif import render_findings_sarif

Renderer = Callable[[FindingsReport], str]

FORMATS: Registry[Renderer] = Registry("report format")
FORMATS.register("html", render_findings_html)
FORMATS.register("sarif", render_findings_sarif)
FORMATS.register("junit", render_findings_junit)
FORMATS.register("json", render_findings_json)
FORMATS.register("csv", lambda report: issues_csv(report.issues))
