"""The plan of a fix: from the findings of a scan to the operations each file needs.

Each active finding of a policy that can fix (a ``fixer``, see :class:`conformance.catalog.policy.Policy`) is
traced back to its subject (the Kubernetes object of its document, the YAML document, the Dockerfile) through
the same adapters the scan used; the policy's fix gives operations relative to the subject, which the plan makes
absolute from the document root (an item of a ``kind: List`` sits under ``items/<n>``). Only files the scan read
itself are planned: findings of rendered charts and Kustomize builds, standard input, suppressed and baselined
findings are never fixed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from conformance.catalog.policy import Policy
from conformance.fix.operations import NotApplicable, Operation
from conformance.model import ACTIVE, Finding, Violation


@dataclass(frozen=True)
class Fix:
    """The operations that remove one finding, from the root of its document (``document``; None for a
    Dockerfile, whose operations are text insertions)."""

    finding: Finding
    operations: tuple[Operation, ...]
    document: int | None


@dataclass(frozen=True)
class Unfixed:
    """A finding of a fixing policy that is left as it is, and why."""

    finding: Finding
    reason: str


@dataclass(frozen=True)
class FilePlan:
    """What to do to one file: its text as read and the fixes of its findings, in report order."""

    path: str
    display: str
    reads: str
    text: str
    bom: bool
    fixes: tuple[Fix, ...]


@dataclass(frozen=True)
class Plan:
    files: tuple[FilePlan, ...]
    unfixed: tuple[Unfixed, ...]
    errors: tuple[str, ...]


def make_plan(
    findings: Iterable[Finding],
    policies: Sequence[Policy],
    files: Sequence[Any],
    max_file_size: int,
    workloads: tuple[Any, ...] = (),
) -> Plan:
    """Plan the fixes of ``findings`` (a scan's) in ``files`` (the :class:`~conformance.inputs.InputFile` it read)."""
    by_id = {policy.id: policy for policy in policies if policy.fixer is not None}
    by_display = {item.display: item for item in files}
    grouped: dict[str, list[tuple[Finding, Policy]]] = {}
    for finding in findings:
        policy = by_id.get(finding.policy_id)
        if policy is None or finding.is_error or finding.status != ACTIVE or finding.origin is None:
            continue
        if finding.origin.display in by_display:
            grouped.setdefault(finding.origin.display, []).append((finding, policy))
    plans: list[FilePlan] = []
    unfixed: list[Unfixed] = []
    errors: list[str] = []
    for display, pairs in grouped.items():
        item = _followed(by_display[display])
        read = _read_text(item, max_file_size)
        if isinstance(read, str):
            errors.append(f"{display}: {read}: not fixed")
            continue
        text, bom = read
        reads = _format_of(pairs[0][1])
        planner = _FilePlanner(item, text, reads, workloads)
        fixes: list[Fix] = []
        for finding, policy in pairs:
            try:
                fixes.append(planner.fix(finding, policy))
            except NotApplicable as exc:
                unfixed.append(Unfixed(finding, str(exc)))
        if fixes:
            plans.append(FilePlan(item.path, display, reads, text, bom, tuple(fixes)))
    return Plan(tuple(plans), tuple(unfixed), tuple(errors))


def _format_of(policy: Policy) -> str:
    from conformance.targets.adapters import adapter_for

    return adapter_for(policy.target).reads


def _followed(item: Any) -> Any:
    """A symbolic link inside the scanned tree as the file it points at (the scan read that file through it),
    so the fix edits the target; a link out of the tree, or one named on the command line, stays as it is."""
    from dataclasses import replace

    if not os.path.islink(item.path) or not item.tree:
        return item
    target = os.path.realpath(item.path)
    inside = os.path.commonpath([target, item.tree]) == item.tree
    return replace(item, path=target) if inside and os.path.isfile(target) else item


def _read_text(item: Any, limit: int) -> tuple[str, bool] | str:
    """The file's text exactly as stored (line breaks kept) and whether it starts with a UTF-8 BOM, or why not."""
    from conformance.inputs import ReadRefusal, read_input

    if os.path.islink(item.path):
        return "it is a symbolic link (fix the file it points at)"
    raw = read_input(item.path, limit, item.tree)
    if isinstance(raw, ReadRefusal):
        return raw.message
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        return raw[3 if bom else 0 :].decode("utf-8"), bom
    except UnicodeDecodeError:
        return "not UTF-8"


class _FilePlanner:
    """Traces findings of one file back to their subjects (the file is parsed once)."""

    def __init__(self, item: Any, text: str, reads: str, workloads: tuple[Any, ...]) -> None:
        from conformance.engine.findings import origin_of
        from conformance.targets.adapters import read_format

        self.item = item
        self.text = text
        self.reads = reads
        self.parsed = read_format(reads, text, item.display)
        self.origin = origin_of(item.display)
        self.workloads = workloads

    def _subject(self, finding: Finding, policy: Policy) -> Any:
        from conformance.targets.adapters import adapter_for
        from conformance.targets.adapters.kubernetes import KUBERNETES

        adapter: Any = adapter_for(policy.target)
        if adapter is KUBERNETES:
            adapter = KUBERNETES.configured(self.workloads)
        document_index = finding.origin.document if finding.origin else None
        for document in self.parsed.documents:
            if document_index is not None and getattr(document, "index", None) != document_index:
                continue
            for subject in adapter.subjects(document, self.origin, self.item.glob_path):
                base = subject.base_path
                if subject.resource != finding.resource or tuple(finding.raw_path[: len(base)]) != base:
                    continue
                if subject.problems or subject.target is None:
                    continue
                return subject
        raise NotApplicable("its object is not found again in the file")

    def fix(self, finding: Finding, policy: Policy) -> Fix:
        from conformance.fix.context import FixContext

        assert policy.fixer is not None
        subject = self._subject(finding, policy)
        base = subject.base_path
        violation = Violation(finding.message, tuple(finding.raw_path[len(base) :]))
        context = FixContext(dict(policy.options), None, self.text)
        try:
            operations = tuple(policy.fixer(violation, subject.target, context))
        except NotApplicable:
            raise
        except Exception as exc:  # a policy's fix is its author's code: its failure is this finding's only
            raise NotApplicable(f"the policy's fix failed: {type(exc).__name__}: {exc}") from None
        if not operations or not all(isinstance(op, Operation) for op in operations):
            raise NotApplicable("the policy's fix gave no operations")
        document = finding.origin.document if finding.origin else None
        if self.reads != "yaml":
            return Fix(finding, operations, None)
        return Fix(finding, tuple(op.moved(base) for op in operations), document)
