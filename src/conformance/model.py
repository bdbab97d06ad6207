"""Values that flow between the stages of a scan: violations, locations, findings, results."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

Path = tuple[Any, ...]
"""A path inside a document: mapping keys and sequence indices, from the document root."""

SEVERITIES = ("error", "warning", "note")
SEVERITY_RANK = {"error": 3, "warning": 2, "note": 1}

# Reserved ids for findings that are not policy violations but problems of the scan itself.
PARSE_ERROR = "conformance/parse-error"
READ_ERROR = "conformance/read-error"
INVALID_OBJECT = "conformance/invalid-object"
POLICY_ERROR = "conformance/policy-error"
DUPLICATE_KEY = "conformance/duplicate-key"
UNTRUSTED_POLICY = "conformance/untrusted-policy"
INTERNAL_ERROR = "conformance/internal-error"
RESERVED_IDS = (
    PARSE_ERROR,
    READ_ERROR,
    INVALID_OBJECT,
    POLICY_ERROR,
    DUPLICATE_KEY,
    UNTRUSTED_POLICY,
    INTERNAL_ERROR,
)


@dataclass(frozen=True)
class Violation:
    """What a policy yields: a message and the path of the offending value inside the document."""

    message: str
    path: Path = ()
    key: str = ""
    """Extra identity for the fingerprint when several violations share a path (a pod-level value inherited
    by two containers is one path but two findings)."""


@dataclass(frozen=True)
class Location:
    """A 1-based position in a file; ``end_*`` is the end of the offending node when known."""

    file: str
    line: int = 1
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True)
class ResourceId:
    """The identity of a Kubernetes object, as reports and fingerprints name it."""

    kind: str
    name: str
    namespace: str | None = None
    api_version: str = ""

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "api_version": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }


@dataclass(frozen=True)
class Finding:
    """One reported problem: a policy violation or a scan error, with everything a report needs."""

    policy_id: str
    severity: str
    message: str
    location: Location
    resource: ResourceId | None = None
    path: str = ""
    fingerprint: str = ""
    is_error: bool = False
    """True for scan errors (unreadable input, crashing policy): they make the run exit 2."""

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.policy_id, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy_id,
            "severity": self.severity,
            "message": self.message,
            "location": self.location.to_dict(),
            "resource": self.resource.to_dict() if self.resource else None,
            "path": self.path,
            "fingerprint": self.fingerprint,
        }


def make_fingerprint(policy_id: str, file: str, resource: ResourceId | None, logical_path: str) -> str:
    """A stable identity for a finding: it ignores line numbers, so it survives edits elsewhere."""
    parts = [policy_id, file, str(resource) if resource else "", logical_path]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class PolicyInfo:
    """The metadata of a policy that reports show (rules table, explain, SARIF rules)."""

    id: str
    title: str
    severity: str
    category: str
    profiles: tuple[str, ...]
    description: str
    fix: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "category": self.category,
            "profiles": list(self.profiles),
            "description": self.description,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class ScanStats:
    files: int = 0
    documents: int = 0
    resources: int = 0
    duration_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "documents": self.documents,
            "resources": self.resources,
            "duration_seconds": round(self.duration_seconds, 3),
        }


class Evaluation(NamedTuple):
    """Which policies a scan ran on one resource: what test reports list as passed, failed or skipped."""

    file: str
    resource: ResourceId
    policies: tuple[str, ...]


class FindingSource(Protocol):
    """Findings in report order (sorted by file, line, column): iterable more than once, counted by severity."""

    def __iter__(self) -> Iterator[Finding]: ...

    def __len__(self) -> int: ...

    def counts(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class ScanResult:
    """Everything a reporter needs: the policies that ran, the findings, the scan errors, statistics.

    ``findings`` may live partly on disk (see :mod:`conformance.store`): iterate it, do not index it.
    """

    policies: tuple[PolicyInfo, ...]
    findings: FindingSource
    errors: tuple[Finding, ...]
    stats: ScanStats = field(default_factory=ScanStats)
    fail_on: str = "error"
    evaluations: tuple[Evaluation, ...] = ()
    """Every resource scanned, in report order, with the ids of the policies that applied to it."""

    def counts(self) -> Mapping[str, int]:
        return self.findings.counts()

    @property
    def failing_count(self) -> int:
        """How many findings are at or above the fail-on severity."""
        floor = SEVERITY_RANK[self.fail_on]
        return sum(n for severity, n in self.counts().items() if SEVERITY_RANK[severity] >= floor)

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.failing_count else 0
