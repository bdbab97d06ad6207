"""Values that flow between the stages of a scan: violations, locations, findings, results."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator, Mapping
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
INVALID_SUPPRESSION = "conformance/invalid-suppression"
EXPIRED_WAIVER = "conformance/expired-waiver"
STALE_WAIVER = "conformance/stale-waiver"
CHART_NOT_RENDERED = "conformance/chart-not-rendered"
TEMPLATE_NOT_RENDERED = "conformance/template-not-rendered"
CHART_RENDER_ERROR = "conformance/chart-render-error"
BROKEN_LINK = "conformance/broken-link"
UNUSED_SUPPRESSION = "conformance/unused-suppression"
KUSTOMIZE_BUILD_ERROR = "conformance/kustomize-build-error"
NOT_CHECKED = (CHART_NOT_RENDERED, TEMPLATE_NOT_RENDERED)
"""Notes that say what could not be checked: they never fail the run unless rendering is required."""
RESERVED_IDS = (
    PARSE_ERROR,
    READ_ERROR,
    INVALID_OBJECT,
    POLICY_ERROR,
    DUPLICATE_KEY,
    UNTRUSTED_POLICY,
    INVALID_SUPPRESSION,
    EXPIRED_WAIVER,
    STALE_WAIVER,
    INTERNAL_ERROR,
    CHART_NOT_RENDERED,
    TEMPLATE_NOT_RENDERED,
    CHART_RENDER_ERROR,
    BROKEN_LINK,
    UNUSED_SUPPRESSION,
    KUSTOMIZE_BUILD_ERROR,
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
class Origin:
    """Where a finding's input came from, built once when the input is read and carried by every finding.

    ``repository`` is the root of the repository holding the file (its git work tree, else the directory the
    scan treats as its root); ``path`` is the file relative to it with forward slashes (what fingerprints,
    waivers and ownership use); ``display`` is the path reports show; ``document`` the 0-based document index
    inside a multi-document file (None for files that are not YAML streams and for the repository itself).
    """

    path: str
    display: str = ""
    repository: str = ""
    document: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"repository": self.repository, "path": self.path, "document": self.document}


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
class Suppression:
    """Why a finding does not fail the run: an inline comment, an annotation, a waiver or a baseline entry."""

    kind: str
    """``inline``, ``annotation``, ``waiver`` or ``baseline``."""
    reason: str
    owner: str | None = None
    expires: str | None = None
    """The last day (ISO date) a waiver applies."""
    source: str = ""
    """Where it was written: ``deploy.yaml:12``, ``.conformance.yaml:30``, the baseline file."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires,
            "source": self.source,
        }


ACTIVE = "active"
SUPPRESSED = "suppressed"
BASELINED = "baselined"


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
    suppression: Suppression | None = None
    """Set when a suppression, waiver or baseline covers the finding: it is reported, but never fails the run."""
    origin: Origin | None = field(default=None, compare=False)
    """The input the finding is about (see :class:`Origin`); None only for findings built outside a scan."""
    raw_path: Path = field(default=(), compare=False)
    """The violation's path from the document root (mapping keys and sequence indices), as the target holds
    it: what autofix edits and the suppressor reads containers from. ``path`` is its readable label."""

    @property
    def status(self) -> str:
        """``active``, ``suppressed`` or ``baselined``."""
        if self.suppression is None:
            return ACTIVE
        return BASELINED if self.suppression.kind == "baseline" else SUPPRESSED

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
            "status": self.status,
            "suppression": self.suppression.to_dict() if self.suppression else None,
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
    frameworks: tuple[str, ...] = ()
    """The framework controls (``pss-baseline:host-namespaces``) mapped to the policy; filled in only where
    shown (``policies explain``, ``policies list``, ``scan --framework``), see :mod:`conformance.frameworks`."""

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
    """Which policies a scan ran on one subject: what test reports list as passed, failed or skipped, and what
    tells a policy that found nothing (pass) from one that had nothing to check (not applicable)."""

    file: str
    """The subject's display path (the repository's for the repository subject)."""
    resource: ResourceId | None
    """The Kubernetes object; None for a file subject (a Dockerfile, a YAML document) or the repository."""
    policies: tuple[str, ...]
    target: str = "kubernetes"
    """The adapter (``kubernetes``, ``yaml``, ``dockerfile``, ``repository``) the subject came from."""


Tally = dict[tuple[str, str, str], int]
"""Findings counted by (policy id, severity, status)."""


def tally_of(findings: Iterable[Finding]) -> Tally:
    tally: Tally = {}
    for finding in findings:
        key = (finding.policy_id, finding.severity, finding.status)
        tally[key] = tally.get(key, 0) + 1
    return tally


class FindingSource(Protocol):
    """Findings in report order (sorted by file, line, column): iterable more than once, counted by severity."""

    def __iter__(self) -> Iterator[Finding]: ...

    def __len__(self) -> int: ...

    def counts(self) -> dict[str, int]: ...

    def tally(self) -> Tally: ...


def selector_matches(policy_id: str, selector: str, known_ids: Collection[str] = ()) -> bool:
    """A selector is a policy id or a prefix (``k8s``, ``k8s/``, ``k8s/no-host-``), as on the command line.

    A selector that is itself a known id selects that policy only (``acme/slow`` not ``acme/slow-scope``).
    """
    if policy_id == selector:
        return True
    if selector in known_ids:
        return False
    return policy_id.startswith(selector if "/" in selector else selector + "/")


def _selected(policy_id: str, selectors: tuple[str, ...], known_ids: Collection[str] = ()) -> bool:
    return any(selector_matches(policy_id, selector, known_ids) for selector in selectors)


@dataclass(frozen=True)
class Gate:
    """Which findings fail the run: at or above ``fail_on``, unless soft; hard-fail policies always do.

    Precedence: ``hard_fail_on`` (these policies fail the run at any severity, even with ``soft_fail``), then
    ``soft_fail_on`` (these never fail it), then ``soft_fail`` (nothing fails it), then ``fail_on``.
    Suppressed and baselined findings never fail the run; scan errors always exit 2.
    """

    fail_on: str = "error"
    soft_fail: bool = False
    hard_fail_on: tuple[str, ...] = ()
    soft_fail_on: tuple[str, ...] = ()
    known_ids: frozenset[str] = frozenset()
    """The catalog's ids: a selector equal to one of them selects only that policy."""
    informational: frozenset[str] = frozenset(NOT_CHECKED)
    """Reserved ids that never fail the run (what could not be checked), unless rendering is required."""

    def fails(self, policy_id: str, severity: str) -> bool:
        if _selected(policy_id, self.hard_fail_on, self.known_ids):
            return True
        if policy_id in self.informational:
            return False
        if self.soft_fail or _selected(policy_id, self.soft_fail_on, self.known_ids):
            return False
        return SEVERITY_RANK[severity] >= SEVERITY_RANK[self.fail_on]


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
    gate: Gate | None = None
    """Which findings fail the run (default: those at or above ``fail_on``)."""
    fixed: tuple[Mapping[str, Any], ...] = ()
    """Baseline entries no finding matched any more: fixed debt, to prune from the baseline."""
    owners: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)
    """The owners (from CODEOWNERS) of each reported file that has any, by the path reports show."""
    frameworks: tuple[Any, ...] = ()
    """With ``--framework``: one :class:`conformance.frameworks.report.FrameworkReport` per framework."""

    def owners_of(self, file: str) -> tuple[str, ...]:
        try:
            return self.owners[file]  # a mapping that looks owners up on first use may compute them here
        except KeyError:
            return ()

    def counts(self) -> Mapping[str, int]:
        """Active findings (neither suppressed nor baselined) per severity."""
        return self.findings.counts()

    def status_counts(self) -> dict[str, int]:
        """Findings per status: active, suppressed, baselined."""
        counts = dict.fromkeys((ACTIVE, SUPPRESSED, BASELINED), 0)
        for (_, _, status), n in self.findings.tally().items():
            counts[status] += n
        return counts

    @property
    def effective_gate(self) -> Gate:
        return self.gate or Gate(self.fail_on)

    @property
    def failing_count(self) -> int:
        """How many active findings fail the run (see :class:`Gate`)."""
        gate = self.effective_gate
        return sum(
            n
            for (policy_id, severity, status), n in self.findings.tally().items()
            if status == ACTIVE and gate.fails(policy_id, severity)
        )

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.failing_count else 0
