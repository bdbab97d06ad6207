"""JUnit XML for GitLab (``artifacts:reports:junit``), Jenkins, CircleCI and other test-report readers.

The test model, over what a scan result holds:

- a ``<testsuite>`` per file that has findings or scan errors, named by its repository-relative path;
- a ``<testcase>`` per (policy, resource) with findings in that file: ``classname`` is the policy id, ``name``
  the policy id and the resource, ``file`` and ``line`` the first finding. It has an ``<error>`` when one of
  them is a scan error, a ``<failure>`` when one is at or above the fail-on severity, and otherwise passes
  with its findings in ``<system-out>`` (they do not fail the run, so they do not fail the test). The element
  text lists every finding of the pair, one per line;
- a passing ``<testcase>`` per policy of the scan with no finding in a file that holds resources (a file
  with at least one finding about a resource), named ``<policy> (no violation in this file)``;
- when no file has a finding, one ``<testsuite name="conformance">`` with a passing case per policy.

The scan result does not list the files without findings, nor which policies applied to which resources, so
those files have no suite and not-applicable pairs are not written as ``<skipped/>``.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import IO, TYPE_CHECKING

from conformance.model import SEVERITY_RANK, Finding, ScanResult
from conformance.reporters import ReportOptions, report_path

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

TAKES_OPTIONS = True

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Characters XML 1.0 cannot carry (control characters, lone surrogates) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


@dataclass
class _Case:
    classname: str
    name: str
    file: str
    findings: list[Finding] = field(default_factory=list)
    outcome: str = "pass"
    """``error``, ``failure`` or ``pass``."""


@dataclass
class _Suite:
    name: str
    cases: list[_Case]

    def count(self, outcome: str) -> int:
        return sum(1 for case in self.cases if case.outcome == outcome)


def _outcome(findings: list[Finding], floor: int) -> str:
    if any(f.is_error for f in findings):
        return "error"
    if any(SEVERITY_RANK[f.severity] >= floor for f in findings):
        return "failure"
    return "pass"


def _suites(result: ScanResult, options: ReportOptions) -> Iterator[_Suite]:
    floor = SEVERITY_RANK[result.fail_on]
    everything = heapq.merge(result.errors, result.findings, key=Finding.sort_key)
    policy_ids = list(dict.fromkeys(p.id for p in result.policies))
    found_any = False
    for file, group in groupby(everything, key=lambda f: f.location.file):
        found_any = True
        path = report_path(file, options.source_root)
        cases: dict[tuple[str, str], _Case] = {}
        has_resources = False
        for finding in group:
            resource = str(finding.resource) if finding.resource else ""
            has_resources = has_resources or finding.resource is not None
            key = (finding.policy_id, resource)
            if key not in cases:
                name = f"{finding.policy_id} {resource}" if resource else finding.policy_id
                cases[key] = _Case(finding.policy_id, name, path)
            cases[key].findings.append(finding)
        for case in cases.values():
            case.outcome = _outcome(case.findings, floor)
        listed = list(cases.values())
        if has_resources:
            failed = {policy_id for policy_id, _ in cases}
            listed += [
                _Case(policy_id, f"{policy_id} (no violation in this file)", path)
                for policy_id in policy_ids
                if policy_id not in failed
            ]
        yield _Suite(path or ".", listed)
    if not found_any:
        yield _Suite("conformance", [_Case(policy_id, policy_id, "") for policy_id in policy_ids])


def _finding_line(finding: Finding, path: str) -> str:
    loc = finding.location
    where = f"{path}:{loc.line}:{loc.column}" if path else f"{loc.line}:{loc.column}"
    detail = f" [{finding.path}]" if finding.path else ""
    message = " ".join(finding.message.splitlines())  # one line per finding
    return f"{where} {finding.severity} {message}{detail}"


def _suite_element(suite: _Suite) -> Element:
    from xml.etree.ElementTree import Element, SubElement

    element = Element(
        "testsuite",
        {
            "name": _xml(suite.name),
            "tests": str(len(suite.cases)),
            "failures": str(suite.count("failure")),
            "errors": str(suite.count("error")),
            "skipped": "0",
        },
    )
    for case in suite.cases:
        attributes = {"classname": _xml(case.classname), "name": _xml(case.name)}
        if case.file:
            attributes["file"] = _xml(case.file)
        if case.findings:
            attributes["line"] = str(case.findings[0].location.line)
        testcase = SubElement(element, "testcase", attributes)
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
    tests = failures = errors = 0
    for suite in _suites(result, options):  # a first pass for the totals of the root element
        tests += len(suite.cases)
        failures += suite.count("failure")
        errors += suite.count("error")
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(
        f'<testsuites name="conformance" tests="{tests}" failures="{failures}" errors="{errors}" skipped="0" '
        f'time="{result.stats.duration_seconds:.3f}">\n'
    )
    for suite in _suites(result, options):
        element = _suite_element(suite)
        indent(element, space="  ", level=1)
        stream.write("  " + tostring(element, encoding="unicode") + "\n")
    stream.write("</testsuites>\n")
