"""What an org scan produces, as frozen records: one per finding, policy and repository, and the run.

The runner writes a :class:`RunResult` per shard (``shard-I-of-N.json``), ``conformance org merge`` combines
them, the history database stores and returns the same records, and the report reads only these. Nothing in
here holds credentials: repository URLs are redacted before a record is built (see ``redact_url``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

RESULT_FORMAT = 1
"""The version of the result file layout; a reader refuses a newer one."""

# finding statuses (a policy-level "pass" or "not-applicable" has no finding)
FAIL = "fail"
SUPPRESSED = "suppressed"
WAIVED = "waived"
BASELINED = "baselined"
ERROR = "error"
FINDING_STATUSES = (FAIL, SUPPRESSED, WAIVED, BASELINED, ERROR)

# policy outcomes for one repository
PASS = "pass"
NOT_APPLICABLE = "not-applicable"
POLICY_OUTCOMES = (PASS, FAIL, NOT_APPLICABLE, ERROR)

# repository statuses
SCANNED = "scanned"
REUSED = "reused"
"""Not scanned again: the same commit was scanned with the same policy set and config digest."""
FAILED = "failed"
"""Could not be scanned (clone error, timeout, a scan that ended with exit code 2): ``reason`` says why."""
REPOSITORY_STATUSES = (SCANNED, REUSED, FAILED)

_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^\s/?#]*)@")
"""The user information of a URL, anywhere in a text: up to the *last* ``@`` of the authority, since a password
may hold an unencoded ``@`` of its own."""
_SECRET_PARAMETER = re.compile(
    r"(?i)(?P<name>[?&;][a-z0-9_.-]*(?:token|passw(?:or)?d|secret|key|sig(?:nature)?|auth|credential)[a-z0-9_.-]*=)"
    r"[^&;#\s]*"
)
"""A query parameter that carries a secret (``?access_token=...``, ``&X-Amz-Signature=...``)."""


def redact_url(url: str) -> str:
    """``https://user:token@host/x`` → ``https://***@host/x`` and ``?access_token=abc`` → ``?access_token=***``,
    in a URL or in a text that quotes URLs; URLs without credentials are unchanged.

    ``ssh://git@host/x`` and scp-like ``git@host:x`` keep their user name: it is not a secret.
    """

    def replace(match: re.Match[str]) -> str:
        userinfo = match.group("userinfo")
        if match.group("scheme").startswith("ssh") and ":" not in userinfo:
            return match.group(0)
        return f"{match.group('scheme')}***@"

    return _SECRET_PARAMETER.sub(lambda m: f"{m.group('name')}***", _CREDENTIALS.sub(replace, url))


def finding_status(finding: Any) -> str:
    """The org status of a :class:`conformance.model.Finding`: error, fail, suppressed, waived or baselined."""
    if finding.is_error:
        return ERROR
    suppression = finding.suppression
    if suppression is None:
        return FAIL
    if suppression.kind == "baseline":
        return BASELINED
    if suppression.kind == "waiver":
        return WAIVED
    return SUPPRESSED


@dataclass(frozen=True)
class FindingRecord:
    """One finding of one repository, as the history keeps it (the fingerprint is the identity across runs)."""

    fingerprint: str
    policy_id: str
    severity: str
    status: str
    message: str
    file: str = ""
    line: int = 0
    resource: str = ""
    """``Kind/namespace/name`` or empty (file and repository findings)."""
    suppression_kind: str | None = None
    """``inline``, ``annotation``, ``waiver`` or ``baseline`` when the status is not fail or error."""
    reason: str | None = None
    owner: str | None = None
    expires: str | None = None
    """ISO date a waiver ends."""

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FindingRecord:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


@dataclass(frozen=True)
class PolicyOutcome:
    """How one policy did on one repository: its outcome and its findings counted by status."""

    policy_id: str
    severity: str
    outcome: str
    """pass (applied, nothing active), fail, not-applicable (nothing it checks), error."""
    applicable: int = 0
    """Subjects (objects, files, the repository) the policy ran on."""
    counts: Mapping[str, int] = field(default_factory=dict)
    """Findings by status (fail, suppressed, waived, baselined, error); absent statuses are 0."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id,
            "severity": self.severity,
            "outcome": self.outcome,
            "applicable": self.applicable,
            "counts": dict(sorted(self.counts.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolicyOutcome:
        return cls(
            policy_id=data["policy_id"],
            severity=data["severity"],
            outcome=data["outcome"],
            applicable=int(data.get("applicable", 0)),
            counts=dict(data.get("counts", {})),
        )


@dataclass(frozen=True)
class RepositoryResult:
    """One repository of a run: where it came from, who owns it, and how it did."""

    id: str
    """Stable identity across runs (inventory ``name``, else derived from the URL or path); shards hash it."""
    url: str
    """Redacted: never carries a password or token."""
    status: str
    branch: str | None = None
    commit: str | None = None
    team: str | None = None
    team_source: str | None = None
    """``inventory``, ``catalog-info`` or ``codeowners``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    reason: str | None = None
    """Why a failed repository could not be scanned."""
    exit_code: int | None = None
    level: str | None = None
    """The highest level reached (cumulative), None when not even the first one."""
    policies: tuple[PolicyOutcome, ...] = ()
    findings: tuple[FindingRecord, ...] = ()
    duration_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "status": self.status,
            "branch": self.branch,
            "commit": self.commit,
            "team": self.team,
            "team_source": self.team_source,
            "tags": dict(sorted(self.tags.items())),
            "reason": self.reason,
            "exit_code": self.exit_code,
            "level": self.level,
            "duration_seconds": round(self.duration_seconds, 3),
            "policies": [p.to_dict() for p in self.policies],
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RepositoryResult:
        return cls(
            id=data["id"],
            url=data["url"],
            status=data["status"],
            branch=data.get("branch"),
            commit=data.get("commit"),
            team=data.get("team"),
            team_source=data.get("team_source"),
            tags=dict(data.get("tags", {})),
            reason=data.get("reason"),
            exit_code=data.get("exit_code"),
            level=data.get("level"),
            duration_seconds=float(data.get("duration_seconds", 0.0)),
            policies=tuple(PolicyOutcome.from_dict(p) for p in data.get("policies", ())),
            findings=tuple(FindingRecord.from_dict(f) for f in data.get("findings", ())),
        )


@dataclass(frozen=True)
class RunResult:
    """A run (or one shard of it): metadata and the repositories it covered, sorted by id."""

    run_id: str
    started: str
    """ISO 8601 UTC timestamps."""
    finished: str
    tool_version: str
    policy_digest: str
    """Digest of the policy set (ids, sources' content) and of the org config: equal digests, comparable runs."""
    shard_index: int = 0
    shard_count: int = 1
    levels: tuple[str, ...] = ()
    """The org config's level names, lowest first."""
    gate: str = "error"
    repositories: Sequence[RepositoryResult] = ()
    """Sorted by id: a tuple, or a :class:`conformance.org.spool.RepositorySpool` read back one at a time."""

    def counts(self) -> dict[str, int]:
        """Repositories by status."""
        counts = dict.fromkeys(REPOSITORY_STATUSES, 0)
        for repository in self.repositories:
            counts[repository.status] = counts.get(repository.status, 0) + 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        return {**self.header(), "repositories": [r.to_dict() for r in self.repositories]}

    def header(self) -> dict[str, Any]:
        """Everything of :meth:`to_dict` but the repositories."""
        return {
            "format": RESULT_FORMAT,
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "tool_version": self.tool_version,
            "policy_digest": self.policy_digest,
            "shard_index": self.shard_index,
            "shard_count": self.shard_count,
            "levels": list(self.levels),
            "gate": self.gate,
            "counts": self.counts(),
        }

    def json_chunks(self) -> Iterator[str]:
        """The run as JSON, one repository at a time (what :meth:`to_dict` gives, without holding it whole)."""
        header = json.dumps(self.header(), indent=1)
        yield header[:-2] + ',\n "repositories": ['
        for position, repository in enumerate(self.repositories):
            yield ("\n  " if position == 0 else ",\n  ") + json.dumps(repository.to_dict(), separators=(",", ":"))
        yield "\n ]\n}\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        version = data.get("format")
        if version != RESULT_FORMAT:
            raise ValueError(f"result format {version!r} is not {RESULT_FORMAT} (written by another version)")
        return cls(
            run_id=data["run_id"],
            started=data["started"],
            finished=data["finished"],
            tool_version=data["tool_version"],
            policy_digest=data["policy_digest"],
            shard_index=int(data.get("shard_index", 0)),
            shard_count=int(data.get("shard_count", 1)),
            levels=tuple(data.get("levels", ())),
            gate=data.get("gate", "error"),
            repositories=tuple(RepositoryResult.from_dict(r) for r in data.get("repositories", ())),
        )


def sorted_repositories(repositories: Iterable[RepositoryResult]) -> tuple[RepositoryResult, ...]:
    return tuple(sorted(repositories, key=lambda repository: repository.id))
