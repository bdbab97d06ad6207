"""What scanning a file (or a chunk of files, or a repository) produced: findings, errors, scope facts,
counts; merged in the parent, picklable between processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.catalog.policy import ScopeEntry
from conformance.model import Evaluation, Finding
from conformance.suppressor import Hits


@dataclass
class FileOutcome:
    """What scanning one file (or a chunk of files) produced; merged in the parent."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    scope: dict[str, list[ScopeEntry]] = field(default_factory=dict)
    files: int = 0
    documents: int = 0
    resources: int = 0
    evaluations: list[Evaluation] = field(default_factory=list)
    packed: bytes = b""
    """Findings packed by a worker (see :func:`conformance.store.pack`), with their ``counts``."""
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)
    """Their tally by (policy id, severity, status)."""
    hits: Hits = field(default_factory=Hits)
    markers: dict[str, Any] = field(default_factory=dict)
    """Inline markers of files whose objects are subjects of cross-resource policies: the parent applies them
    to the findings of those policies without reading the files again."""

    def merge(self, other: FileOutcome) -> None:
        self.findings.extend(other.findings)
        self.errors.extend(other.errors)
        for policy_id, entries in other.scope.items():
            self.scope.setdefault(policy_id, []).extend(entries)
        self.evaluations.extend(other.evaluations)
        self.hits.merge(other.hits)
        self.markers.update(other.markers)
        self.files += other.files
        self.documents += other.documents
        self.resources += other.resources
