"""From one scan's result to what the org scan and the summary view count: per policy an outcome, per finding
a record. The scan must have been prepared with ``record_evaluations=True`` (which policies applied where)."""

from __future__ import annotations

from collections.abc import Iterable

from conformance.model import POLICY_ERROR, Finding, ScanResult
from conformance.org.results import (
    ERROR,
    FAIL,
    NOT_APPLICABLE,
    PASS,
    FindingRecord,
    PolicyOutcome,
    finding_status,
)


def finding_record(finding: Finding) -> FindingRecord:
    """The history's view of one finding."""
    suppression = finding.suppression
    return FindingRecord(
        fingerprint=finding.fingerprint,
        policy_id=finding.policy_id,
        severity=finding.severity,
        status=finding_status(finding),
        message=finding.message,
        file=finding.location.file,
        line=finding.location.line,
        resource=str(finding.resource) if finding.resource else "",
        suppression_kind=suppression.kind if suppression else None,
        reason=suppression.reason if suppression else None,
        owner=suppression.owner if suppression else None,
        expires=suppression.expires if suppression else None,
    )


def faulted_policy(finding: Finding) -> str | None:
    """The policy a ``conformance/policy-error`` is about (it crashed, timed out or yielded garbage), else None.

    The engine keeps that policy's id in the error's ``path``."""
    if finding.policy_id == POLICY_ERROR and finding.path:
        return finding.path
    return None


def policy_outcomes(result: ScanResult, records: Iterable[FindingRecord]) -> tuple[PolicyOutcome, ...]:
    """Every policy of the scan with its outcome: error > fail > pass > not-applicable.

    A policy applied to a subject when an evaluation lists it (objects, files, the repository); a policy with
    any finding applied too. A policy that crashed or timed out on a subject (a ``conformance/policy-error``
    naming it) is an error for that policy, counted under ``error``.
    """
    applicable: dict[str, int] = {}
    for evaluation in result.evaluations:
        for policy_id in evaluation.policies:
            applicable[policy_id] = applicable.get(policy_id, 0) + 1
    counts: dict[str, dict[str, int]] = {}
    for record in records:
        by_status = counts.setdefault(record.policy_id, {})
        by_status[record.status] = by_status.get(record.status, 0) + 1
    for error in result.errors:
        faulted = faulted_policy(error)
        if faulted is not None:
            by_status = counts.setdefault(faulted, {})
            by_status[ERROR] = by_status.get(ERROR, 0) + 1
    outcomes = []
    for policy in sorted(result.policies, key=lambda info: info.id):
        by_status = counts.get(policy.id, {})
        if by_status.get(ERROR):
            outcome = ERROR
        elif by_status.get(FAIL):
            outcome = FAIL
        elif applicable.get(policy.id) or by_status:
            outcome = PASS
        else:
            outcome = NOT_APPLICABLE
        outcomes.append(
            PolicyOutcome(policy.id, policy.severity, outcome, applicable.get(policy.id, 0), dict(by_status))
        )
    return tuple(outcomes)


def summarize(result: ScanResult) -> tuple[tuple[PolicyOutcome, ...], tuple[FindingRecord, ...]]:
    """Policy outcomes and finding records (policy findings and scan errors) of one scan."""
    records = tuple(finding_record(finding) for finding in (*result.findings, *result.errors))
    return policy_outcomes(result, records), records
