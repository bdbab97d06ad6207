"""JUnit XML for GitLab (``artifacts:reports:junit``), Jenkins, CircleCI and other test-report readers.

The test model, over what a scan result holds:

- a ``<testsuite>`` per file that holds Kubernetes objects, findings or scan errors, named by its
  repository-relative path;
- for each object of the file (the scan's ``evaluations``), a ``<testcase>`` per policy of the scan: failed
  or passed where the policy applied to the object's kind, ``<skipped/>`` where it did not;
- a ``<testcase>`` per (policy, resource) with findings in that file: ``classname`` is the policy id, ``name``
  the policy id and the resource, ``file`` and ``line`` the first finding. It has an ``<error>`` when one of
  them is a scan error, a ``<failure>`` when one is at or above the fail-on severity, and otherwise passes
  with its findings in ``<system-out>`` (they do not fail the run, so they do not fail the test). The element
  text lists every finding of the pair, one per line;
- a file checked as a whole (a Dockerfile, a workflow) and the repository get a ``<testcase>`` per policy that
  ran on them: failed with its findings, passed without;
- findings about no object (a parse error, a duplicate key) get a ``<testcase>`` of their own; a result
  built without evaluations (by hand, in tests) gets a passing ``<policy> (no violation in this file)``
  case per policy instead of the per-object cases;
- when no file has a finding, one ``<testsuite name="conformance">`` with a passing case per policy.

Files without Kubernetes objects and without findings (a Helm values file, say) get no suite.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import IO, TYPE_CHECKING

from conformance.model import Evaluation, Finding, Gate, ScanResult
from conformance.reporters import ReportOptions, one_line, printable, report_path

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

TAKES_OPTIONS = True

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Characters XML 1.0 cannot carry (control characters, lone surrogates) and escapes a terminal or a log
    viewer would obey (C1 controls, bidirectional overrides) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", printable(text))


@dataclass
class _Case:
    classname: str
    name: str
    file: str
    findings: list[Finding] = field(default_factory=list)
    outcome: str = "pass"
    """``error``, ``failure``, ``skipped`` or ``pass``."""
    reason: str = ""
    """Why a skipped case did not run."""


@dataclass
class _Suite:
    name: str
    cases: list[_Case]

    def count(self, outcome: str) -> int:
        return sum(1 for case in self.cases if case.outcome == outcome)


def _outcome(findings: list[Finding], gate: Gate) -> str:
    if any(f.is_error for f in findings):
        return "error"
    if any(f.suppression is None and gate.fails(f.policy_id, f.severity) for f in findings):
        return "failure"
    return "pass"


def _suites(result: ScanResult, options: ReportOptions) -> Iterator[_Suite]:
    floor = result.effective_gate
    everything = heapq.merge(result.errors, result.findings, key=Finding.sort_key)
    by_file = {file: list(group) for file, group in groupby(everything, key=lambda f: f.location.file)}
    evaluated: dict[str, list[Evaluation]] = {}
    checked: dict[str, dict[str, str]] = {}
    """The policies that ran on a file subject (a Dockerfile, a workflow) or the repository, by file, with
    their target."""
    for evaluation in result.evaluations:
        if evaluation.resource is not None:
            evaluated.setdefault(evaluation.file, []).append(evaluation)
        else:
            checked.setdefault(evaluation.file, {}).update(dict.fromkeys(evaluation.policies, evaluation.target))
    # a repository policy reports in any file (README.md, a large file): it passed only if it reported nowhere
    anywhere = {f.policy_id for findings in by_file.values() for f in findings if f.resource is None}
    policy_ids = list(dict.fromkeys(p.id for p in result.policies))
    files = sorted(set(by_file) | set(evaluated) | set(checked))
    for file in files:
        findings = by_file.get(file, [])
        suite = _suite(file, findings, evaluated.get(file, []), policy_ids, floor, options)
        ran = checked.get(file, {})
        here = {f.policy_id for f in findings if f.resource is None}
        path = report_path(file, options.source_root)
        suite.cases += [
            _Case(pid, pid, path)
            for pid in policy_ids
            if pid in ran and pid not in (anywhere if ran[pid] == "repository" else here)
        ]
        if suite.cases:
            yield suite
    if not files:
        yield _Suite("conformance", [_Case(policy_id, policy_id, "") for policy_id in policy_ids])


def _suite(
    file: str,
    findings: list[Finding],
    evaluations: list[Evaluation],
    policy_ids: list[str],
    floor: Gate,
    options: ReportOptions,
) -> _Suite:
    path = report_path(file, options.source_root)
    cases: dict[tuple[str, str], _Case] = {}
    for finding in findings:
        resource = str(finding.resource) if finding.resource else ""
        key = (finding.policy_id, resource)
        if key not in cases:
            name = f"{finding.policy_id} {resource}" if resource else finding.policy_id
            cases[key] = _Case(finding.policy_id, name, path)
        cases[key].findings.append(finding)
    for case in cases.values():
        case.outcome = _outcome(case.findings, floor)
    listed = [case for (_, resource), case in cases.items() if not resource or not evaluations]
    if evaluations:
        # every (policy, resource) of the file: failed or passed where the policy applied, skipped elsewhere
        for evaluation in evaluations:
            assert evaluation.resource is not None
            resource = str(evaluation.resource)
            applicable = set(evaluation.policies)
            for policy_id in policy_ids:
                found = cases.get((policy_id, resource))
                if found is None:
                    found = _Case(policy_id, f"{policy_id} {resource}", path)
                    if policy_id not in applicable:
                        found.outcome = "skipped"
                        found.reason = f"does not apply to {evaluation.resource.kind}"
                listed.append(found)
        named = {str(e.resource) for e in evaluations}
        listed += [case for (_, resource), case in cases.items() if resource and resource not in named]
    elif any(f.resource is not None for f in findings):
        failed = {policy_id for policy_id, _ in cases}
        listed += [
            _Case(policy_id, f"{policy_id} (no violation in this file)", path)
            for policy_id in policy_ids
            if policy_id not in failed
        ]
    return _Suite(path or ".", listed)


def _finding_line(finding: Finding, path: str) -> str:
    loc = finding.location
    where = f"{path}:{loc.line}:{loc.column}" if path else f"{loc.line}:{loc.column}"
    detail = f" [{one_line(finding.path)}]" if finding.path else ""
    return f"{one_line(where)} {finding.severity} {one_line(finding.message)}{detail}"  # one line per finding


def _suite_element(suite: _Suite) -> Element:
    from xml.etree.ElementTree import Element, SubElement

    element = Element(
        "testsuite",
        {
            "name": _xml(suite.name),
            "tests": str(len(suite.cases)),
            "failures": str(suite.count("failure")),
            "errors": str(suite.count("error")),
            "skipped": str(suite.count("skipped")),
        },
    )
    for case in suite.cases:
        attributes = {"classname": _xml(case.classname), "name": _xml(case.name)}
        if case.file:
            attributes["file"] = _xml(case.file)
        if case.findings:
            attributes["line"] = str(case.findings[0].location.line)
        testcase = SubElement(element, "testcase", attributes)
        if case.outcome == "skipped":
            SubElement(testcase, "skipped", {"message": _xml(case.reason)})
            continue
        if not case.findings:
            continue
        text = _xml("\n".join(_finding_line(f, case.file) for f in case.findings))
        first = case.findings[0]
        if case.outcome == "pass":
            SubElement(testcase, "system-out").text = text
            continue
        SubElement(testcase, case.outcome, {"message": _xml(first.message), "type": first.severity}).text = text
    return element


def render(result: ScanResult, stream: IO[str], color: bool = False, options: ReportOptions | None = None) -> None:
    from xml.etree.ElementTree import indent, tostring

    options = options or ReportOptions()
    tests = failures = errors = skipped = 0
    for suite in _suites(result, options):  # a first pass for the totals of the root element
        tests += len(suite.cases)
        failures += suite.count("failure")
        errors += suite.count("error")
        skipped += suite.count("skipped")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(
        f'<testsuites name="conformance" tests="{tests}" failures="{failures}" errors="{errors}" skipped="{skipped}" '
        f'time="{result.stats.duration_seconds:.3f}">\n'
    )
    for suite in _suites(result, options):
        element = _suite_element(suite)
        indent(element, space="  ", level=1)
        stream.write("  " + tostring(element, encoding="unicode") + "\n")
    stream.write("</testsuites>\n")
