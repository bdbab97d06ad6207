"""The summary view as JSON (``--format summary-json``): the same numbers as ``--format summary``.

``{"format": 1, "total": {...}, "level": ..., "levels": [...], "profiles": [...], "policies": [...]}``; each
policy as the org result files write it (:class:`conformance.org.results.PolicyOutcome`).
"""

from __future__ import annotations

import json
from typing import IO

from conformance.model import ScanResult
from conformance.reporters import InertJsonStream, ReportOptions

TAKES_OPTIONS = True
SUMMARY_FORMAT = 1


def render(result: ScanResult, stream: IO[str], color: bool = False, options: ReportOptions | None = None) -> None:
    from conformance.reporters.summary import summary_of

    summary = summary_of(result, (options or ReportOptions()).levels)
    json.dump({"format": SUMMARY_FORMAT, **summary.to_dict()}, InertJsonStream(stream), indent=2)
    stream.write("\n")
