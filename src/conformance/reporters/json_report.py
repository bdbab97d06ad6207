"""Machine-readable output, versioned; its JSON Schema is ``conformance/schemas/report.schema.json``."""

from __future__ import annotations

import json
from typing import IO, Any

from conformance import __version__
from conformance.model import ScanResult

SCHEMA_VERSION = 1


def to_document(result: ScanResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "conformance", "version": __version__},
        "policies": [p.to_dict() for p in result.policies],
        "findings": [f.to_dict() for f in result.findings],
        "errors": [f.to_dict() for f in result.errors],
        "summary": {
            "counts": dict(result.counts()),
            "errors": len(result.errors),
            "fail_on": result.fail_on,
            "exit_code": result.exit_code,
        },
        "stats": result.stats.to_dict(),
    }


def render(result: ScanResult, stream: IO[str], color: bool = False) -> None:
    document = to_document(result)
    if len(result.findings) + len(result.errors) <= 200:
        stream.write(json.dumps(document, indent=2))
    else:  # json's C encoder only runs for dumps() without indentation: large reports stay fast
        stream.write(json.dumps(document, separators=(",", ":")))
    stream.write("\n")
