"""Per-control results of a ``scan --framework``: counts of scanned objects, and the text, JSON and Markdown views.

For each covered control, every object of the scan (each Kubernetes resource, Dockerfile, ... that the scan
evaluated) is counted once:

- **fail**: an active (neither suppressed nor baselined) finding of one of the control's policies names it;
- **pass**: one of the control's policies applied to it, and none of them found anything active;
- **not-applicable**: none of the control's policies applies to it (a Service for a pod control).

A control's status is ``fail`` if any object fails, else ``pass`` if any passes, else ``not-applicable``.
Objects are what the engine records evaluations for: Kubernetes resources, and files checked as a whole (a
Dockerfile, a workflow) and the repository, each of which counts as one object.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from conformance.frameworks import Control, Framework, controls_of
from conformance.model import ACTIVE, ScanResult

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "not-applicable"


@dataclass(frozen=True)
class ControlResult:
    control: Control
    passed: int
    failed: int
    not_applicable: int

    @property
    def status(self) -> str:
        return FAIL if self.failed else PASS if self.passed else NOT_APPLICABLE

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.control.to_dict(),
            "status": self.status,
            "pass": self.passed,
            "fail": self.failed,
            "not_applicable": self.not_applicable,
        }


@dataclass(frozen=True)
class FrameworkReport:
    framework: Framework
    controls: tuple[ControlResult, ...]
    not_covered: tuple[Control, ...]

    def counts(self) -> dict[str, int]:
        """How many covered controls pass, fail or do not apply."""
        counts = dict.fromkeys((PASS, FAIL, NOT_APPLICABLE), 0)
        for result in self.controls:
            counts[result.status] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        framework = self.framework
        return {
            "id": framework.id,
            "title": framework.title,
            "version": framework.version,
            "url": framework.url,
            "summary": {key.replace("-", "_"): n for key, n in self.counts().items()},
            "controls": [result.to_dict() for result in self.controls],
            "not_covered": [control.to_dict() for control in self.not_covered],
        }


Subject = tuple[str, str]


def _subjects(result: ScanResult) -> dict[Subject, frozenset[str]]:
    subjects: dict[Subject, set[str]] = {}
    for evaluation in result.evaluations:
        resource = str(evaluation.resource) if evaluation.resource else ""  # a file or the repository: ""
        subjects.setdefault((evaluation.file, resource), set()).update(evaluation.policies)
    return {key: frozenset(ids) for key, ids in subjects.items()}


def _failing(result: ScanResult) -> dict[str, set[Subject]]:
    failing: dict[str, set[Subject]] = {}
    for finding in result.findings:
        if finding.status == ACTIVE and not finding.is_error:
            resource = str(finding.resource) if finding.resource else ""
            failing.setdefault(finding.policy_id, set()).add((finding.location.file, resource))
    return failing


def framework_reports(
    result: ScanResult, frameworks: Iterable[Framework], all_frameworks: Mapping[str, Framework]
) -> tuple[FrameworkReport, ...]:
    """The per-control results of a scan prepared with ``record_evaluations`` (see the module docstring)."""
    subjects = _subjects(result)
    failing = _failing(result)
    reports = []
    for framework in frameworks:
        controls = controls_of(framework, all_frameworks)
        results = []
        for control in (c for c in controls if c.covered):
            ids = set(control.policies)
            failed = set().union(*(failing.get(pid, set()) for pid in ids))
            applicable = {key for key, ran in subjects.items() if ran & ids} | failed
            results.append(
                ControlResult(control, len(applicable - failed), len(failed), len(set(subjects) - applicable))
            )
        reports.append(FrameworkReport(framework, tuple(results), tuple(c for c in controls if not c.covered)))
    return tuple(reports)


def text_section(reports: Iterable[FrameworkReport]) -> str:
    """The per-control tables of the text report."""
    from tabulate import tabulate

    from conformance.reporters import one_line

    out = []
    for report in reports:
        framework = report.framework
        counts = report.counts()
        version = f" ({framework.version})" if framework.version else ""
        out.append(
            f"{framework.id}: {framework.title}{version}: {counts[FAIL]} failing, {counts[PASS]} passing, "
            f"{counts[NOT_APPLICABLE]} not applicable, {len(report.not_covered)} not covered"
        )
        rows = [
            (
                r.control.key + (" (partial)" if r.control.coverage == "partial" else ""),
                r.status,
                r.passed,
                r.failed,
                r.not_applicable,
                ", ".join(r.control.policies),
            )
            for r in report.controls
        ]
        out.append(tabulate(rows, headers=["control", "status", "pass", "fail", "n/a", "policies"]))
        if report.not_covered:
            out.append("not covered:")
            out.extend(f"  {c.key}: {one_line(c.title)}: {one_line(c.note)}" for c in report.not_covered)
        out.append("")
    return "\n".join(out) + "\n"


def markdown_section(reports: Iterable[FrameworkReport]) -> str:
    """The per-control tables of the Markdown summary (escaped: titles and notes are data files' text)."""
    from conformance.reporters.markdown import escape

    out = []
    for report in reports:
        framework = report.framework
        counts = report.counts()
        out.append(f"\n#### {escape(framework.title)} (`{framework.id}`)\n\n")
        out.append(
            f"{counts[FAIL]} failing, {counts[PASS]} passing, {counts[NOT_APPLICABLE]} not applicable "
            f"and {len(report.not_covered)} not covered of {len(report.controls) + len(report.not_covered)} "
            "controls.\n\n"
        )
        out.append("| Control | Status | Pass | Fail | N/A | Policies |\n|---|---|---:|---:|---:|---|\n")
        for r in report.controls:
            partial = " (partial)" if r.control.coverage == "partial" else ""
            policies = ", ".join(f"`{pid}`" for pid in r.control.policies)
            out.append(
                f"| `{r.control.key}` {escape(r.control.title)}{partial} | {r.status} | {r.passed} | {r.failed} "
                f"| {r.not_applicable} | {policies} |\n"
            )
        if report.not_covered:
            out.append("\n<details><summary>Controls not covered</summary>\n\n")
            out.extend(f"- `{c.key}` {escape(c.title)}: {escape(c.note)}\n" for c in report.not_covered)
            out.append("\n</details>\n")
    return "".join(out)
