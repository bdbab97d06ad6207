"""The rule engine: reads inputs, runs every target adapter's subjects through their policies, and turns
violations into findings.

- :mod:`.run` orchestrates one scan (files, context, cross-resource policies, repositories, late findings);
- :mod:`.scanner` scans one file or repository view through the adapters of :mod:`conformance.targets.adapters`;
- :mod:`.guard` is the guarded policy call under its time budget;
- :mod:`.pool` the forked workers of large scans (state passed explicitly);
- :mod:`.scope_run` the cross-resource policies, run once in the parent;
- :mod:`.findings` the one finding factory and the origin of inputs;
- :mod:`.reading` reads an input's bytes and text.
"""

from __future__ import annotations

from conformance.engine.findings import STDIN_DISPLAY, error_finding, origin_of
from conformance.engine.options import ScanOptions
from conformance.engine.outcome import FileOutcome
from conformance.engine.reading import decode
from conformance.engine.run import scan
from conformance.engine.scanner import FileScanner
from conformance.engine.scope_run import run_scope_policies
from conformance.targets.adapters.repository import repository_location

__all__ = [
    "STDIN_DISPLAY",
    "FileOutcome",
    "FileScanner",
    "ScanOptions",
    "decode",
    "error_finding",
    "origin_of",
    "repository_location",
    "run_scope_policies",
    "scan",
]
