"""Machine-readable output, versioned; its JSON Schema is ``conformance/schemas/report.schema.json``.

Findings are written one at a time, so a report of any size is produced without holding it in memory.
"""

from __future__ import annotations

import json
from typing import IO, Any

from conformance import __version__
from conformance.model import Finding, ScanResult

SCHEMA_VERSION = 1
PRETTY_UP_TO = 200
"""Reports with at most this many findings are indented for people; larger ones are compact."""


def _head(result: ScanResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "conformance", "version": __version__},
        "policies": [p.to_dict() for p in result.policies],
    }


def _tail(result: ScanResult) -> dict[str, Any]:
    statuses = result.status_counts()
    tail: dict[str, Any] = {
        "errors": [finding_dict(result, f) for f in result.errors],
        "summary": {
            "counts": dict(result.counts()),
            "suppressed": statuses["suppressed"],
            "baselined": statuses["baselined"],
            "errors": len(result.errors),
            "fail_on": result.fail_on,
            "exit_code": result.exit_code,
        },
        "stats": result.stats.to_dict(),
    }
    if result.frameworks:
        tail["frameworks"] = [report.to_dict() for report in result.frameworks]
    if result.fixed:
        tail["fixed_baseline_entries"] = [dict(entry) for entry in result.fixed]
    return tail


def finding_dict(result: ScanResult, finding: Finding) -> dict[str, Any]:
    """A finding as the report writes it: its fields plus the owners of its file."""
    data = finding.to_dict()
    data["owners"] = list(result.owners_of(finding.location.file))
    return data


def to_document(result: ScanResult) -> dict[str, Any]:
    """The whole report as one JSON-ready mapping (for small results and tests)."""
    return {**_head(result), "findings": [finding_dict(result, f) for f in result.findings], **_tail(result)}


def render(result: ScanResult, stream: IO[str], color: bool = False) -> None:
    from conformance.reporters import InertJsonStream

    stream = InertJsonStream(stream)  # type: ignore[assignment]
    if len(result.findings) + len(result.errors) <= PRETTY_UP_TO:
        stream.write(json.dumps(to_document(result), indent=2) + "\n")
        return
    encode = json.JSONEncoder(separators=(",", ":")).encode  # one encoder: the C fast path, set up once
    stream.write(encode(_head(result))[:-1] + ',"findings":[')
    batch: list[str] = []
    first = True
    for finding in result.findings:
        batch.append(encode(finding_dict(result, finding)))
        if len(batch) == 512:
            stream.write(("" if first else ",") + ",".join(batch))
            batch, first = [], False
    if batch:
        stream.write(("" if first else ",") + ",".join(batch))
    stream.write("]," + encode(_tail(result))[1:] + "\n")
