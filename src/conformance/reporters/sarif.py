"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

The log holds one run. Its driver lists every policy of the scan as a rule, plus the reserved
``conformance/*`` ids, whether or not anything failed, so each rule appears once with a fixed index.

Scan errors (unreadable or malformed files, crashing policies) are results of level ``error`` under their
reserved rule ids, at the file and line they concern, so they show up where the findings do; the run's
invocation then says ``executionSuccessful: false`` with the exit code.

Paths are repository-relative URIs against ``%SRCROOT%`` (see :func:`conformance.reporters.report_path`).
``partialFingerprints`` carries the finding's line-independent fingerprint under ``conformance/v1``.

GitHub rejects runs with more than 25,000 results or files over 10 MB gzipped. Results are written most
severe first (scan errors, then errors, warnings, notes); when a limit would be crossed the rest is left out,
the run gets a warning notification and the scan says so on stderr.
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from collections.abc import Iterable
from typing import IO, Any
from urllib.parse import quote

from conformance import __version__
from conformance.model import (
    BROKEN_LINK,
    CHART_NOT_RENDERED,
    CHART_RENDER_ERROR,
    DUPLICATE_KEY,
    EXPIRED_WAIVER,
    INTERNAL_ERROR,
    INVALID_OBJECT,
    INVALID_SUPPRESSION,
    KUSTOMIZE_BUILD_ERROR,
    PARSE_ERROR,
    POLICY_ERROR,
    READ_ERROR,
    STALE_WAIVER,
    TEMPLATE_NOT_RENDERED,
    UNTRUSTED_POLICY,
    UNUSED_SUPPRESSION,
    Finding,
    PolicyInfo,
    ScanResult,
)
from conformance.reporters import (
    InertJsonStream,
    ReportOptions,
    UniqueFingerprints,
    most_severe_first,
    printable,
    report_path,
    span,
)

TAKES_OPTIONS = True

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/conformance-dev/conformance"
ROOT_BASE_ID = "%SRCROOT%"
FINGERPRINT_KEY = "conformance/v1"

MAX_RESULTS = 25_000
"""GitHub code scanning rejects a run with more results."""
MAX_GZIP_BYTES = 10 * 1024 * 1024
"""GitHub code scanning rejects a SARIF file larger than this once gzipped."""
GZIP_MARGIN = 512 * 1024
"""Kept free below MAX_GZIP_BYTES for what the compressor still buffers and for the end of the document."""
MAX_DESCRIPTION = 1024
"""GitHub's limit for shortDescription and fullDescription."""
MAX_TAGS = 20
PRETTY_UP_TO = 200
"""Logs with at most this many results are indented for people; larger ones are compact."""

SECURITY_SEVERITY = {"error": "8.0", "warning": "5.5", "note": "3.0"}
"""security-severity by level: GitHub shows 7.0-8.9 as high, 4.0-6.9 as medium, 0.1-3.9 as low."""
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}

_RESERVED: dict[str, tuple[str, str, str, str]] = {
    # id: (level, short description, full description, how to fix)
    PARSE_ERROR: (
        "error",
        "Manifest could not be read as YAML or JSON",
        "The file is not valid YAML or JSON, is not UTF-8 (or UTF-16 with a byte order mark), is larger than "
        "max-file-size, or exceeds the bounds on aliases and nesting. Documents before the error were checked; "
        "the rest of the file was not.",
        "Fix the syntax at the reported line, or exclude the file if it is not a manifest.",
    ),
    READ_ERROR: (
        "error",
        "Path could not be read",
        "A scanned path does not exist, could not be opened, or is a symbolic link that leaves the scanned tree "
        "(such links are never followed).",
        "Correct the path, the permissions or the link, or exclude it from the scan.",
    ),
    INVALID_OBJECT: (
        "error",
        "Kubernetes object has fields of the wrong shape",
        "A field of the object has a type Kubernetes would refuse, such as metadata given as a string or "
        "containers as a mapping; the policies could not check the object.",
        "Give the field the type the Kubernetes API expects.",
    ),
    POLICY_ERROR: (
        "error",
        "A policy failed while checking a resource",
        "A policy raised an exception on this resource, so the resource was not checked by it. This is a fault "
        "of the policy, not necessarily of the manifest.",
        "Report the message to the policy's authors; meanwhile the policy can be skipped with --skip-policy.",
    ),
    DUPLICATE_KEY: (
        "warning",
        "Mapping has a duplicate key",
        "A mapping repeats a key. Kubernetes keeps the last value and drops the others without a word, which "
        "hides what the manifest really sets.",
        "Remove all but one occurrence of the key.",
    ),
    UNTRUSTED_POLICY: (
        "warning",
        "Python policy from the scanned tree was not run",
        "A Python policy comes from the scanned tree or from a configuration file found there. Such code is "
        "not run unless the scan is started with --trust-local-policies.",
        "Review the policy and pass --trust-local-policies, or move it outside the scanned tree.",
    ),
    INVALID_SUPPRESSION: (
        "error",
        "Suppression is malformed or names an unknown policy",
        "An inline `conformance:ignore` comment or an ignore annotation has no reason, cannot be parsed, or "
        "names a policy id that does not exist. It suppresses nothing; an unknown id is never ignored silently.",
        "Give the suppression a known policy id and a reason, as the README's suppression syntax shows.",
    ),
    EXPIRED_WAIVER: (
        "warning",
        "Waiver has expired",
        "A waiver in the configuration is past its expiry date, so the findings it covered fail again.",
        "Fix the findings, or renew the waiver with a new date after review by its owner.",
    ),
    STALE_WAIVER: (
        "warning",
        "Waiver matches nothing",
        "A waiver in the configuration matched no finding in this scan: the problem it excused is gone, or its "
        "match no longer fits.",
        "Delete the waiver, or correct its match.",
    ),
    INTERNAL_ERROR: (
        "error",
        "The scanner failed on a file",
        "conformance itself failed while scanning the file; its findings for the file are incomplete.",
        "Report the message to the conformance developers.",
    ),
    CHART_NOT_RENDERED: (
        "note",
        "Helm chart was not rendered, so its templates were not checked",
        "The directory holds a Helm chart. Its templates are Go templates, not manifests: they are checked through "
        "the objects Helm renders from them, and Helm was not available to render them.",
        "Install Helm (or pass --helm PATH), or check the rendered chart: helm template CHART | conformance scan -",
    ),
    TEMPLATE_NOT_RENDERED: (
        "note",
        "File is a template that is not YAML until rendered",
        "The file holds template placeholders and does not parse as YAML, so it was not checked as a manifest.",
        "Render it with its tool and pipe the result to conformance scan -, or exclude it.",
    ),
    CHART_RENDER_ERROR: (
        "error",
        "Helm chart could not be rendered",
        "helm template failed on the chart (a missing dependency, a template error, a values file outside the "
        "chart), so its objects were not checked.",
        "Run helm template on the chart to see the error, and fix the chart or its values.",
    ),
    BROKEN_LINK: (
        "note",
        "Symbolic link points at nothing",
        "A symbolic link inside the scanned tree points at a file that does not exist (often test data), so "
        "there was nothing to read. Links that leave the tree are read errors instead.",
        "Delete the link or create its target, or exclude it from the scan.",
    ),
    UNUSED_SUPPRESSION: (
        "warning",
        "Inline suppression matches nothing",
        "A policy named by an inline `conformance:ignore` comment produced no finding on the lines the comment "
        "covers: the problem it excused is gone, or the comment is on the wrong line.",
        "Remove the policy id from the comment (or the whole comment), or move it to the line it is meant for.",
    ),
    KUSTOMIZE_BUILD_ERROR: (
        "error",
        "Kustomization could not be built",
        "Building the kustomization root failed (a missing file, a remote base, which is never fetched, or an "
        "invalid patch), so its objects were not checked through the build.",
        "Run kubectl kustomize on the directory to see the error, and fix the kustomization.",
    ),
}


def _unwrap(text: str) -> str:
    """Join hard-wrapped lines into paragraphs (blank lines stay paragraph breaks)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs if p.strip())


def _shorten(text: str, limit: int = MAX_DESCRIPTION) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def _rule_name(rule_id: str) -> str:
    """An identifier-like name for the rule: ``k8s/no-host-network`` is ``K8sNoHostNetwork``."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", rule_id) if word)


def _rule(info: PolicyInfo) -> dict[str, Any]:
    level = info.severity
    title = info.title.strip() or info.id
    description = _unwrap(info.description) or title
    fix = _unwrap(info.fix)
    tags = list(dict.fromkeys(tag for tag in (info.category, *info.profiles) if tag))[:MAX_TAGS]
    properties: dict[str, Any] = {"tags": tags, "precision": "very-high"}
    if info.category == "security":
        properties["security-severity"] = SECURITY_SEVERITY[level]
    else:
        properties["problem.severity"] = PROBLEM_SEVERITY[level]
    facts = f"Severity: `{level}`" + (f" · category: `{info.category}`" if info.category else "")
    if info.profiles:
        facts += " · profiles: " + ", ".join(f"`{p}`" for p in info.profiles)
    markdown = info.description.strip() or title
    if info.fix.strip():
        markdown += f"\n\n**How to fix:** {info.fix.strip()}"
    return {
        "id": info.id,
        "name": _rule_name(info.id),
        "shortDescription": {"text": _shorten(title)},
        "fullDescription": {"text": _shorten(description)},
        "help": {
            "text": description + (f"\n\nHow to fix: {fix}" if fix else ""),
            "markdown": f"{markdown}\n\n{facts}",
        },
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }


def _reserved_rule(rule_id: str) -> dict[str, Any]:
    level, short, full, fix = _RESERVED.get(
        rule_id, ("error", "Scan problem", "A problem of the scan itself, not a policy violation.", "")
    )
    return {
        "id": rule_id,
        "name": _rule_name(rule_id),
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": f"{full}\n\nHow to fix: {fix}", "markdown": f"{full}\n\n**How to fix:** {fix}"},
        "defaultConfiguration": {"level": level},
        "properties": {"tags": ["conformance"], "precision": "very-high", "problem.severity": PROBLEM_SEVERITY[level]},
    }


class _Rules:
    """The driver's rules: every policy, then the reserved ids; an unknown id met in a result is appended."""

    def __init__(self, policies: Iterable[PolicyInfo]) -> None:
        self.rules: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}
        for info in policies:
            if info.id not in self.index:
                self._add(_rule(info))
        for rule_id in _RESERVED:
            if rule_id not in self.index:
                self._add(_reserved_rule(rule_id))

    def _add(self, rule: dict[str, Any]) -> int:
        self.index[rule["id"]] = len(self.rules)
        self.rules.append(rule)
        return len(self.rules) - 1

    def __getitem__(self, rule_id: str) -> int:
        found = self.index.get(rule_id)
        return found if found is not None else self._add(_reserved_rule(rule_id))


def artifact_uri(file: str, options: ReportOptions) -> str:
    """The relative URI of a finding's file; a finding without a file points at the repository root."""
    path = report_path(file, options.source_root)
    return quote(path) if path else "."


def _region(finding: Finding) -> dict[str, int]:
    where = span(finding.location)
    region = {"startLine": where.line, "startColumn": where.column, "endLine": where.end_line}
    if where.end_column is not None:
        region["endColumn"] = where.end_column
    return region


def _result(
    finding: Finding, rule_index: int, fingerprint: str, options: ReportOptions, owners: tuple[str, ...] = ()
) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(finding.location.file, options), "uriBaseId": ROOT_BASE_ID},
            "region": _region(finding),
        }
    }
    if finding.resource is not None:
        location["logicalLocations"] = [
            {"name": finding.resource.name, "fullyQualifiedName": str(finding.resource), "kind": "resource"}
        ]
    result: dict[str, Any] = {
        "ruleId": finding.policy_id,
        "ruleIndex": rule_index,
        "level": finding.severity,
        "message": {"text": plain_message(printable(finding.message or finding.policy_id))},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    properties: dict[str, Any] = {}
    if finding.path:
        properties["path"] = finding.path
    if finding.resource is not None:
        properties["resource"] = finding.resource.to_dict()
    if owners:
        properties["owners"] = list(owners)
    if properties:
        result["properties"] = properties
    if finding.suppression is not None:
        # Suppressed findings stay in the log: code scanning shows them as dismissed, with the reason.
        suppression = finding.suppression
        entry: dict[str, Any] = {
            "kind": "inSource" if suppression.kind in ("inline", "annotation") else "external",
            "status": "accepted",
            "justification": suppression.reason,
        }
        details = {k: v for k, v in suppression.to_dict().items() if v and k != "reason"}
        if details:
            entry["properties"] = details
        result["suppressions"] = [entry]
    return result


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _results(result: ScanResult, rules: _Rules, options: ReportOptions, size: int) -> tuple[list[Any], str | None]:
    """Results most severe first, within GitHub's limits; the second value says why some were left out."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    fingerprints = UniqueFingerprints()
    results: list[dict[str, Any]] = []
    for finding in most_severe_first(result):
        if len(results) >= MAX_RESULTS:
            return results, f"GitHub accepts at most {MAX_RESULTS:,} results per run"
        owners = result.owners_of(finding.location.file)
        item = _result(finding, rules[finding.policy_id], fingerprints(finding), options, owners)
        size += len(compressor.compress(_compact(item).encode("utf-8") + b","))
        if size + GZIP_MARGIN > MAX_GZIP_BYTES:
            return results, f"GitHub accepts at most {MAX_GZIP_BYTES // (1024 * 1024)} MB of gzipped SARIF"
        results.append(item)
    return results, None


def to_log(result: ScanResult, options: ReportOptions | None = None) -> dict[str, Any]:
    """The SARIF log as one JSON-ready mapping; reports truncation on stderr."""
    options = options or ReportOptions()
    rules = _Rules(result.policies)
    head = _compact(rules.rules).encode("utf-8")
    head_size = len(zlib.compress(head))
    results, truncated = _results(result, rules, options, head_size)
    total = len(result.errors) + len(result.findings)
    invocation: dict[str, Any] = {"executionSuccessful": not result.errors, "exitCode": result.exit_code}
    if truncated:
        note = (
            f"Results truncated to {len(results):,} of {total:,} ({truncated}): "
            "the most severe were kept, the rest were left out."
        )
        invocation["toolExecutionNotifications"] = [
            {"descriptor": {"id": "conformance/truncated"}, "level": "warning", "message": {"text": note}}
        ]
        sys.stderr.write(f"conformance: warning: SARIF report: {note}\n")
    category = options.sarif_category.strip().strip("/") or "conformance"
    run = {
        "tool": {
            "driver": {
                "name": "conformance",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules.rules,
            }
        },
        "automationDetails": {"id": f"{category}/"},
        "originalUriBaseIds": {
            ROOT_BASE_ID: {"description": {"text": "The root of the scanned repository (or of the scanned tree)."}}
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "failOn": result.fail_on,
            "counts": dict(result.counts()),
            "scanErrors": len(result.errors),
            "stats": result.stats.to_dict(),
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def plain_message(text: str) -> str:
    """A SARIF plain-text message: viewers turn ``[text](target)`` into a link (SARIF 3.11.6), so brackets
    from the scanned tree are escaped with a backslash, as the standard says (and backslashes before them)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def render(result: ScanResult, stream: IO[str], color: bool = False, options: ReportOptions | None = None) -> None:
    stream = InertJsonStream(stream)  # type: ignore[assignment]
    log = to_log(result, options)
    if len(log["runs"][0]["results"]) <= PRETTY_UP_TO:
        stream.write(json.dumps(log, indent=2) + "\n")
    else:
        stream.write(_compact(log) + "\n")
