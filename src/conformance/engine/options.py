"""What a scan is asked to do beside its files and policies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.suppressor import Suppressor


@dataclass(frozen=True)
class ScanOptions:
    fail_on: str = "error"
    max_file_size: int = 20 * 1024 * 1024
    jobs: int = 0
    """Worker processes; 0 picks the number of CPUs for large scans, 1 runs in this process."""
    record_evaluations: bool = False
    """Keep which policies ran on each object (for test reports such as JUnit); costs memory per object."""
    policy_timeout: float = 10.0
    """Seconds one policy may spend on one object (a resource, a document, a Dockerfile, a repository); 0: no
    limit. A policy over budget is interrupted and reported, skipped for the rest of that file, and skipped
    for the rest of the scan after :data:`conformance.engine.guard.TIMEOUTS_BEFORE_DISABLED` interruptions."""
    suppressor: Suppressor | None = None
    """Inline comments, annotations, waivers and the baseline (None: nothing is suppressed)."""
    workloads: tuple[Mapping[str, Any], ...] = ()
    """The configuration's ``workloads``: custom kinds whose pods are checked, beside the shipped table."""
    require_rendering: bool = False
    """Templates that could not be rendered (Helm charts without Helm, files with placeholders) are errors that
    fail the run, not notes."""
    complete: bool = True
    """The scan covers whole trees (not a list of files or ``--changed-since``): only then can a waiver be
    called stale and every unmatched baseline entry fixed."""
